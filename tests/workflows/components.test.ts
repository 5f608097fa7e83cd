/** The workflow components under Pulumi mocks: exact resources, logging, tracing, scoped roles. */
import { expect } from "chai";
import { all, evaluate, evaluateError, one, policyOf, testProvider } from "../helpers/pulumi";
import { ReplayWorkflow, ReshardWorkflow, TrafficShiftWorkflow } from "@flightstream/components/workflows";
import { KinesisStreamRef, LakeBucketRef } from "@flightstream/components/common/grants";
import { LOG_RETENTION_TEXT } from "../../functions/shared/range";

// asl-validator ships no types.
const validateAsl: (def: unknown, opts?: object) => { isValid: boolean; errors: unknown[] } = require("asl-validator");

const ACCOUNT = "111111111111";
const STREAM_ARN = `arn:aws:kinesis:eu-west-1:${ACCOUNT}:stream/test-events`;
const STREAM_KEY = `arn:aws:kms:eu-west-1:${ACCOUNT}:key/stream`;
const PROCESSOR = `arn:aws:lambda:eu-west-1:${ACCOUNT}:function:test-processor`;
const LAKE_ARN = "arn:aws:s3:::test-lake";
const LAKE_KEY = "arn:aws:kms:eu-west-1:222222222222:key/lake";

const stream = KinesisStreamRef.fromStreamAttributes({ streamArn: STREAM_ARN, streamName: "test-events", keyArn: STREAM_KEY });
const lake = LakeBucketRef.fromBucketAttributes({ bucketArn: LAKE_ARN, bucketName: "test-lake", keyArn: LAKE_KEY, label: "Lake" });
const replayArgs = {
    accountId: ACCOUNT,
    region: "eu-west-1",
    stream,
    retentionHours: 48,
    processorFunctionArn: PROCESSOR,
    lake,
};

function statements(r: Awaited<ReturnType<typeof evaluate>>, policyName: string) {
    return policyOf(one(r, "aws:iam/rolePolicy:RolePolicy", policyName)).Statement;
}

describe("workflows: components (mocks)", function () {
    this.timeout(60000);

    it("ReplayWorkflow: state machine with ALL logging + execution data, X-Ray, valid ASL, alarms, task function", async () => {
        const r = await evaluate(() => new ReplayWorkflow("replay", { ...replayArgs, maxConcurrency: 7 }, { provider: testProvider() }));
        const sm = one(r, "aws:sfn/stateMachine:StateMachine");
        expect(sm.name).to.equal("replay");
        expect(sm.inputs.loggingConfiguration).to.deep.include({ level: "ALL", includeExecutionData: true });
        expect(sm.inputs.tracingConfiguration).to.deep.equal({ enabled: true });
        expect(sm.account).to.equal(ACCOUNT);
        const def = JSON.parse(sm.inputs.definition as string);
        expect(validateAsl(def, { checkPaths: true, checkArn: true }).errors).to.deep.equal([]);
        expect(def.States.ReplaySources.MaxConcurrency).to.equal(7);
        const fn = one(r, "aws:lambda/function:Function");
        expect(def.States.Plan.Resource).to.match(/^arn:aws:lambda:.*replay-tasks/);
        expect(fn.inputs).to.deep.include({ runtime: "nodejs22.x", handler: "index.handler", tracingConfig: { mode: "Active" } });
        expect(fn.inputs.environment.variables).to.deep.include({
            WORKFLOW: "replay",
            STREAM_NAME: "test-events",
            STREAM_ARN: STREAM_ARN,
            STREAM_RETENTION_HOURS: "48",
            REPLAY_TARGETS: JSON.stringify({ analytics: PROCESSOR }),
            LAKE_BUCKET: "test-lake",
        });
        // Logs: the state machine's and the function's group, both KMS-encrypted with the workflow's key.
        const groups = all(r, "aws:cloudwatch/logGroup:LogGroup");
        expect(groups.map((g) => g.name).sort()).to.deep.equal(["replay-logs", "replay-tasks-logs"]);
        for (const g of groups) expect(g.inputs.kmsKeyId).to.be.a("string").and.not.equal("");
        const alarms = all(r, "aws:cloudwatch/metricAlarm:MetricAlarm").map((a) => [a.inputs.metricName, a.inputs.dimensions.StateMachineArn !== undefined]);
        expect(alarms).to.deep.equal([
            ["ExecutionsFailed", true],
            ["ExecutionsTimedOut", true],
            ["ExecutionsAborted", true],
        ]);
    });

    it("ReplayWorkflow: the task role reads only the one stream and the lake's data/ prefix, and invokes only the processor", async () => {
        const r = await evaluate(() => new ReplayWorkflow("replay", replayArgs, { provider: testProvider() }));
        const st = statements(r, "replay-tasks-policy");
        const bySid = Object.fromEntries(st.map((s: any) => [s.Sid, s]));
        expect(bySid.ReadStream).to.deep.equal({ Sid: "ReadStream", Effect: "Allow", Action: ["kinesis:DescribeStreamSummary", "kinesis:GetRecords", "kinesis:GetShardIterator", "kinesis:ListShards"], Resource: STREAM_ARN });
        expect(bySid.DecryptStream.Resource).to.equal(STREAM_KEY);
        expect(bySid.DeliverToProcessor).to.deep.include({ Action: "lambda:InvokeFunction", Resource: [PROCESSOR, `${PROCESSOR}:*`] });
        expect(bySid.LakeList).to.deep.include({ Action: "s3:ListBucket", Resource: LAKE_ARN, Condition: { StringLike: { "s3:prefix": ["data/", "data/*"] } } });
        expect(bySid.LakeReadObjects).to.deep.include({ Action: "s3:GetObject", Resource: [`${LAKE_ARN}/data/*`] });
        expect(bySid.LakeDecrypt.Resource).to.equal(LAKE_KEY);
        for (const s of st) {
            if (s.Resource === "*") expect(s.Sid).to.equal("Tracing");
        }
        // The state machine role may only invoke its task function.
        const smSt = statements(r, "replay-role-policy");
        const invoke = smSt.find((s: any) => s.Sid === "InvokeTaskFunction");
        expect(invoke.Action).to.equal("lambda:InvokeFunction");
        expect(invoke.Resource[0]).to.match(/replay-tasks/);
    });

    it("ReplayWorkflow without a lake: no lake statements and no LAKE_BUCKET", async () => {
        const r = await evaluate(() => new ReplayWorkflow("replay", { ...replayArgs, lake: undefined }, { provider: testProvider() }));
        expect(statements(r, "replay-tasks-policy").map((s: any) => s.Sid)).to.deep.equal(["ReadStream", "DecryptStream", "DeliverToProcessor", "WriteOwnLogs", "Tracing"]);
        expect(one(r, "aws:lambda/function:Function").inputs.environment.variables).to.not.have.property("LAKE_BUCKET");
    });

    it("fails when the lake reference has no bucket name", async () => {
        const nameless = LakeBucketRef.fromBucketAttributes({ bucketArn: LAKE_ARN, keyArn: LAKE_KEY });
        const err = await evaluateError(() => new ReplayWorkflow("replay", { ...replayArgs, lake: nameless }, { provider: testProvider() }));
        expect(err.message).to.equal('ReplayWorkflow replay: `lake` must be a LakeBucketRef with its `bucketName` (or none) (received "arn:aws:s3:::test-lake").');
    });

    it("fails when the stream reference has no key (GetRecords needs kms:Decrypt)", async () => {
        const keyless = KinesisStreamRef.fromStreamAttributes({ streamArn: STREAM_ARN, streamName: "test-events" });
        const err = await evaluateError(() => new ReplayWorkflow("replay", { ...replayArgs, stream: keyless }, { provider: testProvider() }));
        expect(err.message).to.equal(`ReplayWorkflow replay: \`stream\` must be a KinesisStreamRef with its \`streamName\` and \`keyArn\` (received "${STREAM_ARN}").`);
    });

    it("fails when logRetentionDays is not a CloudWatch retention value", async () => {
        const err = await evaluateError(() => new TrafficShiftWorkflow("traffic-shift", { accountId: ACCOUNT, region: "eu-west-1", hostedZoneId: "Z0123456789ABC", logRetentionDays: 2 }, { provider: testProvider() }));
        expect(err.message).to.equal(`TrafficShiftWorkflow traffic-shift: \`logRetentionDays\` must be ${LOG_RETENTION_TEXT} (received 2).`);
    });

    it("fails when the account id is not 12 digits", async () => {
        const err = await evaluateError(() => new ReshardWorkflow("reshard", { accountId: "1234", region: "eu-west-1", stream }, { provider: testProvider() }));
        expect(err.message).to.equal('ReshardWorkflow reshard: `accountId` must be a 12-digit AWS account id (received "1234").');
    });

    it("fails when maxConcurrency is out of range", async () => {
        const err = await evaluateError(() => new ReplayWorkflow("replay", { ...replayArgs, maxConcurrency: 0 }, { provider: testProvider() }));
        expect(err.message).to.equal("ReplayWorkflow replay: `maxConcurrency` must be an integer between 1 and 40 (received 0).");
    });

    it("ReshardWorkflow: ledger parameter, UpdateShardCount on the one stream, ledger read/write only", async () => {
        const r = await evaluate(() => new ReshardWorkflow("reshard", { accountId: ACCOUNT, region: "eu-west-1", stream }, { provider: testProvider() }));
        const ledger = one(r, "aws:ssm/parameter:Parameter");
        expect(ledger.inputs).to.deep.include({ name: "/flightstream/test/reshard/reshard-ledger", type: "String" });
        // The provider marks SSM values secret: the mock engine records the secret envelope.
        const value = ledger.inputs.value;
        expect(typeof value === "string" ? value : value.value).to.equal(JSON.stringify({ stream: "test-events", calls: [] }));
        const st = statements(r, "reshard-tasks-policy");
        expect(st.find((s: any) => s.Sid === "ReshardStream")).to.deep.equal({ Sid: "ReshardStream", Effect: "Allow", Action: ["kinesis:UpdateShardCount", "kinesis:DescribeStreamSummary"], Resource: STREAM_ARN });
        expect(st.find((s: any) => s.Sid === "ReshardLedger").Action).to.deep.equal(["ssm:GetParameter", "ssm:PutParameter"]);
        const sm = one(r, "aws:sfn/stateMachine:StateMachine");
        expect(sm.inputs.loggingConfiguration.level).to.equal("ALL");
        expect(sm.inputs.tracingConfiguration).to.deep.equal({ enabled: true });
        const def = JSON.parse(sm.inputs.definition as string);
        expect(def.States.WaitForActive).to.deep.equal({ Type: "Wait", Seconds: 30, Next: "DescribeStream" });
        expect(one(r, "aws:lambda/function:Function").inputs.environment.variables).to.deep.include({ WORKFLOW: "reshard", RESHARD_LEDGER_PARAMETER: "/flightstream/test/reshard/reshard-ledger" });
    });

    it("TrafficShiftWorkflow: changes only the one zone and the named records", async () => {
        const r = await evaluate(() => new TrafficShiftWorkflow("traffic-shift", { accountId: ACCOUNT, region: "eu-west-1", hostedZoneId: "Z0123456789ABC", recordNames: ["ingest.example.com"] }, { provider: testProvider() }));
        const st = statements(r, "traffic-shift-tasks-policy");
        expect(st.find((s: any) => s.Sid === "ChangeRecordsOfTheZone")).to.deep.equal({
            Sid: "ChangeRecordsOfTheZone",
            Effect: "Allow",
            Action: "route53:ChangeResourceRecordSets",
            Resource: "arn:aws:route53:::hostedzone/Z0123456789ABC",
            Condition: { "ForAllValues:StringEquals": { "route53:ChangeResourceRecordSetsNormalizedRecordNames": ["ingest.example.com"] } },
        });
        expect(st.find((s: any) => s.Sid === "ReadAlarms").Resource).to.equal(`arn:aws:cloudwatch:eu-west-1:${ACCOUNT}:alarm:*`);
        const sm = one(r, "aws:sfn/stateMachine:StateMachine");
        expect(validateAsl(JSON.parse(sm.inputs.definition as string), { checkPaths: true, checkArn: true }).isValid).to.equal(true);
        expect(one(r, "aws:lambda/function:Function").inputs.environment.variables).to.deep.include({ WORKFLOW: "shift", HOSTED_ZONE_ID: "Z0123456789ABC" });
    });

    it("fails when the hosted zone id is malformed", async () => {
        const err = await evaluateError(() => new TrafficShiftWorkflow("traffic-shift", { accountId: ACCOUNT, region: "eu-west-1", hostedZoneId: "zone-1" }, { provider: testProvider() }));
        expect(err.message).to.equal('TrafficShiftWorkflow traffic-shift: `hostedZoneId` must be a Route 53 hosted zone id such as "Z0123456789ABC" (received "zone-1").');
    });
});
