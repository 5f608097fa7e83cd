/** The scheduled training job (ModelTraining) and its wiring in deployAnalytics, under the offline plan with the real stack files. */
import { expect } from "chai";
import { ProgramResult, evaluateProgram, readStackConfigFile } from "../../plan/engine";
import { planAnalytics } from "./plan-analytics";
import { ModelTraining } from "@flightstream/components/analytics/ModelTraining";
import { LakeBucketRef } from "@flightstream/components/common/grants";

const LAKE_ACCOUNT = "444444444444";
const LAKE_ARN = "arn:aws:s3:::prod-lake";
const LAKE_KEY = `arn:aws:kms:eu-west-1:${LAKE_ACCOUNT}:key/lake`;

function plan(stack: "dev" | "prod", withCatalog = true): Promise<ProgramResult> {
    return planAnalytics(
        stack,
        { streamArn: "arn:aws:kinesis:eu-west-1:222222222222:stream/s", kmsKeyArn: "arn:aws:kms:eu-west-1:222222222222:key/stream" },
        {
            bucketName: "prod-lake",
            keyArn: LAKE_KEY,
            ...(withCatalog
                ? { bucketArn: LAKE_ARN, databaseName: "lake_db", eventsTableName: "events", alarmRouting: { page: [`arn:aws:sns:eu-west-1:${LAKE_ACCOUNT}:page`], ticket: [`arn:aws:sns:eu-west-1:${LAKE_ACCOUNT}:ticket`] } }
                : {}),
        },
    );
}

const named = (r: ProgramResult, type: string, name: string) => {
    const found = r.resources.filter((x) => x.type === type && x.name === name);
    if (found.length !== 1) throw new Error(`expected one ${type} ${name}, found ${found.length}`);
    return found[0];
};
const statements = (r: ProgramResult, name: string) => JSON.parse(named(r, "aws:iam/rolePolicy:RolePolicy", name).inputs.policy).Statement;

describe("analytics: the scheduled model training job (ModelTraining) and the artifact readers", function () {
    this.timeout(120_000);
    let prod: ProgramResult;
    before(async () => {
        prod = await plan("prod");
    });

    it("prod: one Lambda in the lake account on a daily EventBridge Scheduler schedule, configured for Athena and the lake", () => {
        const raw = readStackConfigFile("prod") as Record<string, any>;
        const fn = named(prod, "aws:lambda/function:Function", "model-training");
        expect(fn.account).to.equal(raw["flightstream:accounts"].lake.accountId);
        const wg = named(prod, "aws:athena/workgroup:Workgroup", "model-training-workgroup");
        expect(wg.account).to.equal(fn.account);
        const env = fn.inputs.environment.variables;
        expect([env.ATHENA_WORKGROUP, env.GLUE_DATABASE, env.EVENTS_TABLE, env.LAKE_BUCKET, env.LAKE_KMS_KEY_ARN, env.TRAINING_DAYS]).to.deep.equal([wg.inputs.name, "lake_db", "events", "prod-lake", LAKE_KEY, "7"]);
        expect(fn.inputs.reservedConcurrentExecutions).to.equal(1);
        expect(wg.inputs.configuration.resultConfiguration.outputLocation).to.equal("s3://prod-lake/athena-results/model-training/");
        expect(wg.inputs.configuration.enforceWorkgroupConfiguration).to.equal(true);
        const schedule = named(prod, "aws:scheduler/schedule:Schedule", "model-training-schedule");
        expect([schedule.inputs.scheduleExpression, schedule.inputs.target.arn, schedule.inputs.target.input]).to.deep.equal(["cron(0 3 * * ? *)", fn.outputs.arn, '{"scheduledTime":"<aws.scheduler.scheduled-time>"}']);
        expect(statements(prod, "model-training-schedule-policy")).to.deep.equal([{ Sid: "InvokeTraining", Effect: "Allow", Action: "lambda:InvokeFunction", Resource: fn.outputs.arn }]);
    });

    it("prod: the training role is least privilege: its workgroup, Glue read on the lake table, lake read on data/, writes only the artifact and result prefixes", () => {
        const wg = named(prod, "aws:athena/workgroup:Workgroup", "model-training-workgroup");
        const st = statements(prod, "model-training-policy");
        const raw = readStackConfigFile("prod") as Record<string, any>;
        const { accountId, region } = raw["flightstream:accounts"].lake;
        expect(st.find((s: any) => s.Sid === "AthenaWorkgroup").Resource).to.equal(`arn:aws:athena:${region}:${accountId}:workgroup/${wg.inputs.name}`);
        expect(st.find((s: any) => s.Sid === "GlueRead")).to.deep.equal({
            Sid: "GlueRead",
            Effect: "Allow",
            Action: ["glue:GetDatabase", "glue:GetTable", "glue:GetPartition", "glue:GetPartitions"],
            Resource: [`arn:aws:glue:${region}:${accountId}:catalog`, `arn:aws:glue:${region}:${accountId}:database/lake_db`, `arn:aws:glue:${region}:${accountId}:table/lake_db/events`],
        });
        expect(st.filter((s: any) => s.Action === "s3:GetObject").map((s: any) => s.Resource)).to.deep.equal([[`${LAKE_ARN}/data/*`]]);
        const put = st.find((s: any) => Array.isArray(s.Action) && s.Action.includes("s3:PutObject"));
        expect(put.Resource).to.deep.equal([`${LAKE_ARN}/forecast/*`, `${LAKE_ARN}/models/scoring/*`, `${LAKE_ARN}/athena-results/model-training/*`]);
        expect(put.Action).to.not.include("s3:DeleteObject");
    });

    it("prod: the processor gets FORECAST_BUCKET and SCORING_ARTIFACT_URI and reads exactly both artifact prefixes; the insights API only the forecast's", () => {
        const env = named(prod, "aws:lambda/function:Function", "analytics-processor").inputs.environment.variables;
        expect([env.FORECAST_BUCKET, env.SCORING_ARTIFACT_URI]).to.deep.equal(["prod-lake", "s3://prod-lake/models/scoring/latest.json"]);
        expect(named(prod, "aws:lambda/function:Function", "analytics-insights").inputs.environment.variables.FORECAST_BUCKET).to.equal("prod-lake");
        const get = (name: string) =>
            statements(prod, name)
                .filter((s: any) => s.Action === "s3:GetObject")
                .map((s: any) => s.Resource);
        expect(get("analytics-processor-read-models")).to.deep.equal([[`${LAKE_ARN}/forecast/*`, `${LAKE_ARN}/models/scoring/*`]]);
        expect(get("analytics-insights-read-models")).to.deep.equal([[`${LAKE_ARN}/forecast/*`]]);
        expect(statements(prod, "analytics-insights-read-models").find((s: any) => s.Action === "kms:Decrypt").Resource).to.equal(LAKE_KEY);
    });

    it("prod: alarms on failed runs and on no run in two intervals, on the function's dimension, routed in the lake account", () => {
        const fn = named(prod, "aws:lambda/function:Function", "model-training");
        const alarms = prod.resources.filter((x) => x.type === "aws:cloudwatch/metricAlarm:MetricAlarm" && x.name.startsWith("model-training-"));
        expect(alarms.map((a) => [a.inputs.metricName, a.inputs.dimensions.FunctionName, a.inputs.period, a.inputs.evaluationPeriods, a.inputs.treatMissingData, a.inputs.alarmActions]).sort()).to.deep.equal([
            ["Errors", fn.outputs.name, 86400, 1, "notBreaching", [`arn:aws:sns:eu-west-1:${LAKE_ACCOUNT}:ticket`]],
            ["Invocations", fn.outputs.name, 86400, 2, "breaching", [`arn:aws:sns:eu-west-1:${LAKE_ACCOUNT}:ticket`]],
        ]);
    });

    it("without the lake's catalog there is no training job and the processor has no artifact variables", async () => {
        const r = await plan("dev", false);
        expect(r.resources.filter((x) => x.name.startsWith("model-training"))).to.deep.equal([]);
        const env = named(r, "aws:lambda/function:Function", "analytics-processor").inputs.environment.variables;
        expect([env.FORECAST_BUCKET, env.SCORING_ARTIFACT_URI]).to.deep.equal([undefined, undefined]);
    });

    it("fails when the schedule runs more often than hourly, historyDays is out of range or the lake reference has no key, naming the argument", async () => {
        const base = {
            accountId: LAKE_ACCOUNT,
            region: "eu-west-1",
            lake: LakeBucketRef.fromBucketAttributes({ bucketArn: "arn:aws:s3:::b", bucketName: "b", keyArn: LAKE_KEY, label: "Lake" }),
            databaseName: "d",
            eventsTableName: "events",
        };
        const failure = async (extra: Record<string, unknown>) => {
            let err: Error | undefined;
            await evaluateProgram(
                () => {
                    try {
                        new ModelTraining("t", { ...base, ...extra });
                    } catch (e) {
                        err = e as Error;
                    }
                },
                { project: "p", stack: "dev", config: {} },
            );
            return err?.message ?? "no error";
        };
        const schedule = await failure({ schedule: "rate(5 minutes)" });
        expect(schedule).to.contain("`schedule`").and.to.contain('"rate(5 minutes)"');
        expect(await failure({ lake: LakeBucketRef.fromBucketAttributes({ bucketArn: "arn:aws:s3:::b", bucketName: "b", label: "Lake" }) })).to.equal(
            'ModelTraining t: `lake` must be a LakeBucketRef with its `bucketName` and `keyArn` (the lake is KMS-encrypted) (received "arn:aws:s3:::b").',
        );
        const days = await failure({ historyDays: 40 });
        expect(days).to.contain("`historyDays`").and.to.contain("40");
        expect(await failure({ logRetentionDays: 2 })).to.equal(
            "ModelTraining t: `logRetentionDays` must be one of CloudWatch Logs' retention periods (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653) (received 2).",
        );
    });
});
