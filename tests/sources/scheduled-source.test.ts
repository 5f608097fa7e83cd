import { expect } from "chai";
import { KinesisStream } from "@flightstream/components/stream";
import { ScheduledSource, type ScheduledSourceArgs } from "@flightstream/components/sources";
import { runPackOffline } from "../../policies/offline";
import { ProgramResult, all, evaluate, evaluateError, one, policyOf, testProvider } from "../helpers/pulumi";

const ACCOUNT = "111111111111";
const TOPIC = "arn:aws:sns:eu-west-1:111111111111:oncall";

function program(args: Partial<ScheduledSourceArgs> = {}) {
    return () => {
        const provider = testProvider("ingestion", ACCOUNT);
        const routing = { page: [TOPIC], ticket: [TOPIC] };
        const stream = new KinesisStream("events", { accountId: ACCOUNT, region: "eu-west-1", mode: "on-demand", alarms: { routing } }, { provider });
        return new ScheduledSource(
            "flight-status-source",
            {
                connector: "flight-status",
                accountId: ACCOUNT,
                region: "eu-west-1",
                stream,
                apiUrl: "https://api.aviationstack.com",
                source: "aviationstack",
                alarms: { routing },
                ...args,
            },
            { provider },
        );
    };
}

describe("ScheduledSource (plan)", function () {
    this.timeout(60000);
    let r: ProgramResult;
    before(async () => {
        r = await evaluate(program({ environment: { PAGE_LIMIT: "100" } }));
    });

    it("schedules the connector every 30 minutes by default, flexible window off, retries and a dead-letter queue", () => {
        const s = one(r, "aws:scheduler/schedule:Schedule").inputs;
        const fn = one(r, "aws:lambda/function:Function");
        const dlq = one(r, "aws:sqs/queue:Queue");
        expect(s.scheduleExpression).to.equal("rate(30 minutes)");
        expect(s.scheduleExpressionTimezone).to.equal("UTC");
        expect(s.state).to.equal("ENABLED");
        expect(s.flexibleTimeWindow).to.deep.equal({ mode: "OFF" });
        expect(s.target.arn).to.equal(fn.outputs.arn);
        expect(s.target.retryPolicy).to.deep.equal({ maximumRetryAttempts: 3, maximumEventAgeInSeconds: 1800 });
        expect(s.target.deadLetterConfig).to.deep.equal({ arn: dlq.outputs.arn });
        expect(fn.inputs.deadLetterConfig).to.deep.equal({ targetArn: dlq.outputs.arn });
        expect(fn.inputs.reservedConcurrentExecutions).to.equal(1);
        expect(one(r, "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig").inputs).to.deep.include({ maximumRetryAttempts: 1, maximumEventAgeInSeconds: 1800 });
        const secret = one(r, "aws:secretsmanager/secret:Secret");
        expect(fn.inputs.environment.variables).to.deep.equal({
            NODE_OPTIONS: "--enable-source-maps",
            PAGE_LIMIT: "100",
            SOURCE_API_URL: "https://api.aviationstack.com",
            API_KEY_SECRET_ARN: secret.outputs.arn,
            STREAM_NAME: one(r, "aws:kinesis/stream:Stream").outputs.name,
            SOURCE: "aviationstack",
            CONNECTOR: "flight-status",
        });
        expect(fn.inputs.runtime).to.equal("nodejs22.x");
        expect(fn.inputs.tracingConfig).to.deep.equal({ mode: "Active" });
    });

    it("keeps the API key in a KMS-encrypted secret Pulumi never overwrites, with the rotation exemption", () => {
        const secret = one(r, "aws:secretsmanager/secret:Secret");
        const key = one(r, "aws:kms/key:Key", "flight-status-source-key");
        expect(secret.inputs.kmsKeyId).to.equal(key.outputs.arn);
        expect(key.inputs.enableKeyRotation).to.equal(true);
        expect(secret.inputs.tags).to.deep.equal({
            "policy-exempt:secret-rotation": "a vendor API key: the vendor has no key-issuing API for a rotation Lambda; rotated by hand (docs/extending.md, Add a source connector)",
            "policy-exempt:secret-rotation:expires": "2027-12-01",
        });
        const version = one(r, "aws:secretsmanager/secretVersion:SecretVersion");
        const value = version.inputs.secretString;
        expect(typeof value === "string" ? value : value.value).to.equal('{"apiKey":"REPLACE_ME"}');
        expect(one(r, "aws:cloudwatch/logGroup:LogGroup", "flight-status-source-logs").inputs.kmsKeyId).to.equal(key.outputs.arn);
        expect(one(r, "aws:sqs/queue:Queue").inputs.kmsMasterKeyId).to.equal(key.outputs.arn);
    });

    it("gives the function exactly its logs, its secret, the stream write grant and its queue; the schedule exactly the invoke", () => {
        const logs = one(r, "aws:cloudwatch/logGroup:LogGroup", "flight-status-source-logs").outputs.arn;
        const secret = one(r, "aws:secretsmanager/secret:Secret").outputs.arn;
        const key = one(r, "aws:kms/key:Key", "flight-status-source-key").outputs.arn;
        const dlq = one(r, "aws:sqs/queue:Queue").outputs.arn;
        const stream = one(r, "aws:kinesis/stream:Stream").outputs.arn;
        const streamKey = one(r, "aws:kms/key:Key", "events-key").outputs.arn;
        expect(policyOf(one(r, "aws:iam/rolePolicy:RolePolicy", "flight-status-source-policy")).Statement).to.deep.equal([
            { Sid: "WriteOwnLogs", Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: `${logs}:*` },
            { Sid: "Tracing", Effect: "Allow", Action: ["xray:PutTraceSegments", "xray:PutTelemetryRecords"], Resource: "*" },
            { Sid: "ReadApiKey", Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: secret },
            { Sid: "DecryptApiKey", Effect: "Allow", Action: "kms:Decrypt", Resource: key, Condition: { StringEquals: { "kms:ViaService": "secretsmanager.eu-west-1.amazonaws.com" } } },
            { Sid: "DeadLetter", Effect: "Allow", Action: "sqs:SendMessage", Resource: dlq },
            { Sid: "EncryptDeadLetter", Effect: "Allow", Action: ["kms:GenerateDataKey", "kms:Decrypt"], Resource: key, Condition: { StringEquals: { "kms:ViaService": "sqs.eu-west-1.amazonaws.com" } } },
        ]);
        const write = policyOf(one(r, "aws:iam/rolePolicy:RolePolicy", "flight-status-source-stream-write")).Statement;
        expect(write[0]).to.deep.equal({ Sid: "WriteStream", Effect: "Allow", Action: ["kinesis:PutRecord", "kinesis:PutRecords", "kinesis:ListShards", "kinesis:DescribeStreamSummary"], Resource: stream });
        expect(write[1].Resource).to.equal(streamKey);
        expect(write).to.have.length(2);
        expect(policyOf(one(r, "aws:iam/rolePolicy:RolePolicy", "flight-status-source-schedule-policy")).Statement).to.deep.equal([
            { Sid: "InvokeConnector", Effect: "Allow", Action: "lambda:InvokeFunction", Resource: one(r, "aws:lambda/function:Function").outputs.arn },
            { Sid: "DeadLetter", Effect: "Allow", Action: "sqs:SendMessage", Resource: dlq },
            { Sid: "EncryptDeadLetter", Effect: "Allow", Action: ["kms:GenerateDataKey", "kms:Decrypt"], Resource: key },
        ]);
        expect(policyOf(one(r, "aws:iam/role:Role", "flight-status-source-schedule-role"), "assumeRolePolicy").Statement[0].Principal).to.deep.equal({ Service: "scheduler.amazonaws.com" });
        expect(all(r, "aws:iam/rolePolicy:RolePolicy").filter((p) => p.name.startsWith("flight-status-source"))).to.have.length(3);
    });

    it("alarms on errors, dead letters and staleness (no event in two intervals), with dimensions", () => {
        const alarms = all(r, "aws:cloudwatch/metricAlarm:MetricAlarm").filter((a) => a.name.startsWith("flight-status-source"));
        const byName = Object.fromEntries(alarms.map((a) => [a.inputs.name, a.inputs]));
        expect(Object.keys(byName).sort()).to.deep.equal(["test-flight-status-source-dead-letters", "test-flight-status-source-errors", "test-flight-status-source-stale"]);
        const stale = byName["test-flight-status-source-stale"];
        expect([stale.namespace, stale.metricName, stale.dimensions, stale.statistic, stale.period, stale.evaluationPeriods, stale.datapointsToAlarm, stale.threshold, stale.comparisonOperator, stale.treatMissingData]).to.deep.equal([
            "flightstream/connectors",
            "EventsPublished",
            { Connector: "flight-status" },
            "Sum",
            300,
            12,
            12,
            1,
            "LessThanThreshold",
            "breaching",
        ]);
        const errors = byName["test-flight-status-source-errors"];
        expect([errors.namespace, errors.metricName, errors.dimensions, errors.period, errors.threshold]).to.deep.equal(["AWS/Lambda", "Errors", { FunctionName: one(r, "aws:lambda/function:Function").outputs.name }, 1800, 1]);
        expect(byName["test-flight-status-source-dead-letters"].dimensions).to.deep.equal({ QueueName: one(r, "aws:sqs/queue:Queue").outputs.name });
        for (const a of alarms) {
            expect(a.inputs.alarmDescription).to.match(/Runbook: docs\/runbooks\/source-connector\.md$/);
            expect(a.inputs.alarmActions).to.deep.equal([TOPIC]);
        }
    });

    it("passes the policy pack (the secret's rotation exemption is the only one)", async () => {
        const out = await runPackOffline(r);
        expect(out.violations.map((v) => `${v.policy}: ${v.message}`)).to.deep.equal([]);
        expect(out.exemptions.map((e) => e.policy)).to.deep.equal(["secret-rotation"]);
    });

    it("fails when the connector has no folder, the URL is not https, the schedule or a setting is bad, naming the argument", async () => {
        const message = async (args: Partial<ScheduledSourceArgs>) => (await evaluateError(program(args))).message;
        expect(await message({ connector: "seat-maps" })).to.equal('ScheduledSource flight-status-source: `connector` must be a connector with functions/connectors/seat-maps/handler.ts (received "seat-maps").');
        expect(await message({ apiUrl: "http://api.aviationstack.com" })).to.equal(
            'ScheduledSource flight-status-source: `apiUrl` must be an https URL such as "https://api.aviationstack.com" (the API key travels in the query string) (received "http://api.aviationstack.com").',
        );
        expect(await message({ schedule: "every 30 minutes" })).to.equal('ScheduledSource flight-status-source: `schedule` must be a Scheduler expression such as "rate(30 minutes)" or "cron(0/30 * * * ? *)" (received "every 30 minutes").');
        expect(await message({ staleIntervals: 1 })).to.equal("ScheduledSource flight-status-source: `staleIntervals` must be an integer between 2 and 48 (received 1).");
        expect(await message({ environment: { STREAM_NAME: "other" } })).to.equal(
            'ScheduledSource flight-status-source: `environment.STREAM_NAME` must be a connector setting other than those the component sets (SOURCE_API_URL, API_KEY_SECRET_ARN, STREAM_NAME, SOURCE, CONNECTOR) (received "STREAM_NAME").',
        );
        expect(await message({ schedule: "rate(5 days)", staleIntervals: 2 })).to.equal(
            "ScheduledSource flight-status-source: `staleIntervals` must be intervals a CloudWatch alarm can cover (a freshness deadline must be between 300 and 604800 seconds (CloudWatch evaluates at most 7 days); received 864000.) (received 2).",
        );
    });

    it("uses an existing secret when given one (with its key) and creates none", async () => {
        const x = await evaluate(program({ apiKeySecretArn: "arn:aws:secretsmanager:eu-west-1:111111111111:secret:vendor-key", apiKeySecretKmsKeyArn: "arn:aws:kms:eu-west-1:111111111111:key/vendor", schedule: "rate(1 hour)" }));
        expect(all(x, "aws:secretsmanager/secret:Secret")).to.have.length(0);
        const st = policyOf(one(x, "aws:iam/rolePolicy:RolePolicy", "flight-status-source-policy")).Statement;
        expect(st.find((s: { Sid: string }) => s.Sid === "ReadApiKey").Resource).to.equal("arn:aws:secretsmanager:eu-west-1:111111111111:secret:vendor-key");
        expect(st.find((s: { Sid: string }) => s.Sid === "DecryptApiKey").Resource).to.equal("arn:aws:kms:eu-west-1:111111111111:key/vendor");
        const stale = all(x, "aws:cloudwatch/metricAlarm:MetricAlarm").find((a) => a.inputs.name === "test-flight-status-source-stale")!.inputs;
        expect([stale.period, stale.evaluationPeriods]).to.deep.equal([300, 24]);
    });
});
