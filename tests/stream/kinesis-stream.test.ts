import * as aws from "@pulumi/aws";
import { expect } from "chai";
import { KinesisStream, KinesisStreamArgs } from "@flightstream/components/stream";
import { principals } from "@flightstream/components/common/grants";
import { all, evaluate, evaluateError, one, policyOf, testProvider } from "../helpers/pulumi";

const ACCOUNT = "123456789012";
const routing = { page: ["arn:page"], ticket: ["arn:ticket"] };
const STREAM = "aws:kinesis/stream:Stream";
const ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";

function build(args: Partial<KinesisStreamArgs> = {}, name = "stream") {
    return evaluate(() => {
        const s = new KinesisStream(name, { accountId: ACCOUNT, alarms: { routing }, ...args }, { provider: testProvider("ingestion", ACCOUNT) });
        return { streamName: s.streamName };
    });
}

describe("KinesisStream component", () => {
    it("creates a provisioned stream with 2 shards, 24 h retention and a rotating customer key by default", async () => {
        const r = await build();
        const stream = one(r, STREAM);
        const key = one(r, "aws:kms/key:Key");
        expect(stream.account).to.equal(ACCOUNT);
        expect(stream.parent).to.equal("stream");
        expect(stream.inputs).to.deep.include({
            name: "test-stream",
            shardCount: 2,
            streamModeDetails: { streamMode: "PROVISIONED" },
            retentionPeriod: 24,
            encryptionType: "KMS",
            kmsKeyId: key.outputs.arn,
            shardLevelMetrics: [],
        });
        expect(key.inputs.enableKeyRotation).to.equal(true);
        expect(key.inputs.deletionWindowInDays).to.equal(30);
        expect(policyOf(key).Statement).to.deep.equal([{ Sid: "AccountAdministers", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: "kms:*", Resource: "*" }]);
        expect(one(r, "aws:kms/alias:Alias").inputs).to.deep.include({ name: "alias/flightstream/test-stream", targetKeyId: key.outputs.keyId });
        expect(all(r, "aws:kinesis/resourcePolicy:ResourcePolicy")).to.have.length(0);
        expect(all(r, "aws:kinesis/streamConsumer:StreamConsumer")).to.have.length(0);
    });

    it("takes the prod shard count, retention and shard-level metrics", async () => {
        const r = await build({ shardCount: 128, retentionHours: 168, shardLevelMetrics: ["IncomingBytes", "IteratorAgeMilliseconds"] });
        expect(one(r, STREAM).inputs).to.deep.include({ shardCount: 128, retentionPeriod: 168, shardLevelMetrics: ["IncomingBytes", "IteratorAgeMilliseconds"] });
    });

    it("creates an on-demand stream without a shard count or capacity alarms", async () => {
        const r = await build({ mode: "on-demand" });
        const stream = one(r, STREAM);
        expect(stream.inputs.streamModeDetails).to.deep.equal({ streamMode: "ON_DEMAND" });
        expect(stream.inputs.shardCount).to.equal(undefined);
        expect(all(r, ALARM).map((a) => a.inputs.name)).to.deep.equal([
            "test-stream-iterator-age",
            "test-stream-write-throttled",
            "test-stream-read-throttled",
            "test-stream-put-records-success",
            "test-stream-get-records-success",
            "test-stream-traffic-collapsed",
        ]);
    });

    it("uses a supplied key and creates none", async () => {
        const keyArn = "arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555";
        const r = await evaluate(() => {
            new KinesisStream("stream", { kmsKeyArn: keyArn }, { provider: testProvider() });
        });
        expect(all(r, "aws:kms/key:Key")).to.have.length(0);
        expect(one(r, STREAM).inputs.kmsKeyId).to.equal(keyArn);
    });

    it("registers enhanced fan-out consumers by name", async () => {
        const r = await build({ consumers: ["realtime", "lake"] });
        const stream = one(r, STREAM);
        const consumers = all(r, "aws:kinesis/streamConsumer:StreamConsumer");
        expect(consumers.map((c) => [c.name, c.inputs.name, c.inputs.streamArn, c.parent])).to.deep.equal([
            ["stream-realtime", "realtime", stream.outputs.arn, "stream"],
            ["stream-lake", "lake", stream.outputs.arn, "stream"],
        ]);
    });

    it("a shared-throughput reader in another account gets the stream and key policy statements, no consumer policy", async () => {
        const readers = ["arn:aws:iam::210987654321:role/a", "arn:aws:iam::310987654321:role/b"];
        const r = await evaluate(() => {
            const s = new KinesisStream("stream", { accountId: ACCOUNT, consumers: ["realtime"] }, { provider: testProvider("ingestion", ACCOUNT) });
            readers.forEach((arn, i) => s.grantRead(`reader-${i}`, principals.roleArn(arn, arn.split(":")[4]), "consume"));
        });
        const streamArn = one(r, STREAM).outputs.arn;
        expect(all(r, "aws:kinesis/resourcePolicy:ResourcePolicy").map((p) => p.name)).to.deep.equal(["stream-policy"]);
        expect(policyOf(one(r, "aws:kinesis/resourcePolicy:ResourcePolicy")).Statement.map((st: any) => [st.Principal, st.Resource])).to.deep.equal(readers.map((arn) => [{ AWS: arn }, streamArn]));
        const key = policyOf(one(r, "aws:kms/key:Key")).Statement;
        // no region given: any region's Kinesis
        expect(key.slice(1)).to.deep.equal(readers.map((arn) => ({ Effect: "Allow", Action: ["kms:Decrypt"], Resource: "*", Principal: { AWS: arn }, Condition: { StringLike: { "kms:ViaService": "kinesis.*.amazonaws.com" } } })));
    });

    it("alarms from its metric helpers, every dimension naming the stream", async () => {
        const r = await build({ shardCount: 128, consumers: ["realtime"] });
        const streamName = one(r, STREAM).outputs.name;
        expect(streamName).to.equal("test-stream");
        const alarms = all(r, ALARM);
        const byName = Object.fromEntries(alarms.map((a) => [a.inputs.name, a.inputs]));
        expect(Object.keys(byName)).to.deep.equal([
            "test-stream-iterator-age",
            "test-stream-consumer-realtime-behind",
            "test-stream-write-throttled",
            "test-stream-read-throttled",
            "test-stream-put-records-success",
            "test-stream-get-records-success",
            "test-stream-incoming-bytes-capacity",
            "test-stream-incoming-records-capacity",
            "test-stream-traffic-collapsed",
        ]);
        const simple = (n: string) => {
            const a = byName[n];
            return [a.namespace, a.metricName, a.statistic, a.period, a.comparisonOperator, a.threshold, a.alarmActions];
        };
        expect(simple("test-stream-iterator-age")).to.deep.equal(["AWS/Kinesis", "GetRecords.IteratorAgeMilliseconds", "Maximum", 60, "GreaterThanOrEqualToThreshold", 60000, ["arn:page"]]);
        expect(simple("test-stream-consumer-realtime-behind")).to.deep.equal(["AWS/Kinesis", "SubscribeToShardEvent.MillisBehindLatest", "Maximum", 60, "GreaterThanOrEqualToThreshold", 60000, ["arn:page"]]);
        expect(simple("test-stream-write-throttled")).to.deep.equal(["AWS/Kinesis", "WriteProvisionedThroughputExceeded", "Average", 60, "GreaterThanOrEqualToThreshold", 0.01, ["arn:page"]]);
        expect(simple("test-stream-read-throttled")).to.deep.equal(["AWS/Kinesis", "ReadProvisionedThroughputExceeded", "Average", 60, "GreaterThanOrEqualToThreshold", 0.01, ["arn:ticket"]]);
        expect(simple("test-stream-get-records-success")).to.deep.equal(["AWS/Kinesis", "GetRecords.Success", "Average", 60, "LessThanOrEqualToThreshold", 0.98, ["arn:ticket"]]);
        // 0.8 x 128 shards x 1 MiB/s x 60 s and 0.8 x 128 x 1,000 records/s x 60 s
        expect(simple("test-stream-incoming-bytes-capacity")).to.deep.equal(["AWS/Kinesis", "IncomingBytes", "Sum", 60, "GreaterThanOrEqualToThreshold", Math.floor(0.8 * 128 * 1048576 * 60), ["arn:ticket"]]);
        expect(simple("test-stream-incoming-records-capacity")).to.deep.equal(["AWS/Kinesis", "IncomingRecords", "Sum", 60, "GreaterThanOrEqualToThreshold", 6144000, ["arn:ticket"]]);
        for (const a of alarms) {
            if (a.inputs.metricQueries !== undefined) continue;
            const expected = a.inputs.name === "test-stream-consumer-realtime-behind" ? { StreamName: "test-stream", ConsumerName: "realtime" } : { StreamName: "test-stream" };
            expect(a.inputs.dimensions, a.inputs.name).to.deep.equal(expected);
            expect(a.account).to.equal(ACCOUNT);
            // no unit: a unit that differs from the published one leaves an alarm in INSUFFICIENT_DATA
            expect(a.inputs.unit, a.inputs.name).to.equal(undefined);
        }
        const put = byName["test-stream-put-records-success"];
        expect([put.comparisonOperator, put.threshold, put.alarmActions]).to.deep.equal(["LessThanOrEqualToThreshold", 0.95, ["arn:page"]]);
        expect(put.metricQueries).to.deep.equal([
            { id: "successful", returnData: false, metric: { namespace: "AWS/Kinesis", metricName: "PutRecords.SuccessfulRecords", dimensions: { StreamName: "test-stream" }, period: 60, stat: "Sum" } },
            { id: "total", returnData: false, metric: { namespace: "AWS/Kinesis", metricName: "PutRecords.TotalRecords", dimensions: { StreamName: "test-stream" }, period: 60, stat: "Sum" } },
            { id: "e1", expression: "successful / total", label: "PutRecords success rate", returnData: true },
        ]);
        expect(byName["test-stream-incoming-bytes-capacity"].alarmDescription).to.equal(
            "Stream stream: incoming bytes reached 80% of the 128 shards' write capacity (1 MiB/s each); reshard before writes throttle. Severity: ticket. Runbook: docs/runbooks/stream-capacity.md",
        );
    });

    it("takes configurable thresholds, capacity share and disabled alarms", async () => {
        const r = await build({
            shardCount: 10,
            capacityAlarmShare: 0.5,
            alarms: { routing, overrides: { "iterator-age": { threshold: 300000 }, "read-throttled": { enabled: false }, "get-records-success": { enabled: false } } },
        });
        const byName = Object.fromEntries(all(r, ALARM).map((a) => [a.inputs.name, a.inputs]));
        expect(byName["test-stream-iterator-age"].threshold).to.equal(300000);
        expect(byName["test-stream-read-throttled"]).to.equal(undefined);
        expect(byName["test-stream-get-records-success"]).to.equal(undefined);
        expect(byName["test-stream-incoming-records-capacity"].threshold).to.equal(300000); // 0.5 x 10 x 1,000 x 60
        expect(byName["test-stream-incoming-bytes-capacity"].threshold).to.equal(314572800); // 0.5 x 10 x 1 MiB x 60
        const none = await build({ alarms: { enabled: false } });
        expect(all(none, ALARM)).to.have.length(0);
    });

    it("grants write, read, consume and reshard with KMS scoped to the key", async () => {
        const r = await evaluate(() => {
            const provider = testProvider("ingestion", ACCOUNT);
            const s = new KinesisStream("stream", { accountId: ACCOUNT, consumers: ["realtime"] }, { provider });
            const role = (n: string) => new aws.iam.Role(n, { assumeRolePolicy: "{}" }, { provider });
            s.grantWrite("producer-write", role("producer"));
            s.grantRead("firehose-read", role("firehose"));
            s.grantConsume("processor-consume", role("processor"), "realtime");
            s.grantConsume("any-consume", role("any"));
            s.grantReshard("reshard", role("reshard"));
        });
        const streamArn = one(r, STREAM).outputs.arn;
        const keyArn = one(r, "aws:kms/key:Key").outputs.arn;
        const consumerArn = one(r, "aws:kinesis/streamConsumer:StreamConsumer").outputs.arn;
        const doc = (n: string) => {
            const p = one(r, "aws:iam/rolePolicy:RolePolicy", n);
            return policyOf(p).Statement;
        };
        const read = [
            { Sid: "ReadStream", Effect: "Allow", Action: ["kinesis:DescribeStream", "kinesis:DescribeStreamSummary", "kinesis:GetRecords", "kinesis:GetShardIterator", "kinesis:ListShards"], Resource: streamArn },
            { Sid: "DecryptStream", Effect: "Allow", Action: ["kms:Decrypt"], Resource: keyArn },
        ];
        const consume = [
            {
                Sid: "ReadStream",
                Effect: "Allow",
                Action: ["kinesis:DescribeStream", "kinesis:DescribeStreamSummary", "kinesis:GetRecords", "kinesis:GetShardIterator", "kinesis:ListShards", "kinesis:ListStreamConsumers"],
                Resource: streamArn,
            },
            { Sid: "DecryptStream", Effect: "Allow", Action: ["kms:Decrypt"], Resource: keyArn },
        ];
        expect(doc("producer-write")).to.deep.equal([
            { Sid: "WriteStream", Effect: "Allow", Action: ["kinesis:PutRecord", "kinesis:PutRecords", "kinesis:ListShards", "kinesis:DescribeStreamSummary"], Resource: streamArn },
            { Sid: "EncryptStream", Effect: "Allow", Action: ["kms:GenerateDataKey"], Resource: keyArn },
        ]);
        expect(doc("firehose-read")).to.deep.equal(read);
        expect(doc("processor-consume")).to.deep.equal([...consume, { Sid: "SubscribeThroughConsumer", Effect: "Allow", Action: ["kinesis:SubscribeToShard", "kinesis:DescribeStreamConsumer"], Resource: consumerArn }]);
        expect(doc("any-consume")[2].Resource).to.equal(`${streamArn}/consumer/*`);
        expect(doc("reshard")).to.deep.equal([{ Sid: "ReshardStream", Effect: "Allow", Action: ["kinesis:UpdateShardCount", "kinesis:DescribeStreamSummary"], Resource: streamArn }]);
        // the policy lands in the role's account (parent: role)
        expect(one(r, "aws:iam/rolePolicy:RolePolicy", "producer-write").parent).to.equal("producer");
        // same-account grants add no resource policy
        expect(all(r, "aws:kinesis/resourcePolicy:ResourcePolicy")).to.have.length(0);
        expect(policyOf(one(r, "aws:kms/key:Key")).Statement).to.have.length(1);
    });

    it("grants to a principal in another account add the stream, consumer and key policy statements", async () => {
        const OTHER = "210987654321";
        const roleArn = `arn:aws:iam::${OTHER}:role/processor`;
        let grantResult: any;
        const r = await evaluate(() => {
            const s = new KinesisStream("stream", { accountId: ACCOUNT, region: "eu-west-1", consumers: ["realtime"] }, { provider: testProvider("ingestion", ACCOUNT) });
            grantResult = s.grantConsume("processor-consume", principals.roleArn(roleArn, OTHER), "realtime");
            s.grantWrite("same-account-write", principals.roleArn(`arn:aws:iam::${ACCOUNT}:role/producer`, ACCOUNT));
        });
        const streamArn = one(r, STREAM).outputs.arn;
        const consumerArn = one(r, "aws:kinesis/streamConsumer:StreamConsumer").outputs.arn;
        // a role of another stack: no identity policy here
        expect(all(r, "aws:iam/rolePolicy:RolePolicy")).to.have.length(0);
        expect(grantResult.crossAccount).to.equal(true);
        expect(policyOf(one(r, "aws:kinesis/resourcePolicy:ResourcePolicy", "stream-policy")).Statement).to.deep.equal([
            {
                Effect: "Allow",
                Action: ["kinesis:DescribeStream", "kinesis:DescribeStreamSummary", "kinesis:GetRecords", "kinesis:GetShardIterator", "kinesis:ListShards", "kinesis:ListStreamConsumers"],
                Resource: streamArn,
                Principal: { AWS: roleArn },
            },
        ]);
        expect(policyOf(one(r, "aws:kinesis/resourcePolicy:ResourcePolicy", "stream-realtime-policy")).Statement).to.deep.equal([
            { Effect: "Allow", Action: ["kinesis:SubscribeToShard", "kinesis:DescribeStreamConsumer"], Resource: consumerArn, Principal: { AWS: roleArn } },
        ]);
        expect(policyOf(one(r, "aws:kms/key:Key")).Statement[1]).to.deep.equal({
            Effect: "Allow",
            Action: ["kms:Decrypt"],
            Resource: "*",
            Principal: { AWS: roleArn },
            Condition: { StringEquals: { "kms:ViaService": "kinesis.eu-west-1.amazonaws.com" } },
        });
        expect(policyOf(one(r, "aws:kms/key:Key")).Statement).to.have.length(2);
    });

    it("fails when a cross-account grant is made after the program was constructed", async () => {
        let late: unknown;
        await evaluate(async () => {
            const s = new KinesisStream("stream", { accountId: ACCOUNT }, { provider: testProvider("ingestion", ACCOUNT) });
            await new Promise((r) => setImmediate(r));
            try {
                s.grantWrite("late", principals.roleArn("arn:aws:iam::210987654321:role/late", "210987654321"));
            } catch (e) {
                late = e;
            }
        });
        expect((late as Error).message).to.equal('KinesisStream "stream" stream policy: a grant was made after its resource policy was written; make cross-account grants while the program is constructed (before any await).');
    });

    it("fails when a principal names an account but the stream's account is unknown", async () => {
        const err = await evaluateError(() => {
            const s = new KinesisStream("stream", { kmsKeyArn: "arn:aws:kms:eu-west-1:123456789012:key/k" }, { provider: testProvider("ingestion", ACCOUNT) });
            s.grantWrite("w", principals.roleArn("arn:aws:iam::210987654321:role/w", "210987654321"));
        });
        expect(err.message).to.equal('KinesisStream "stream" grant "w": the principal names account 210987654321 but the resource\'s account is not known at plan time; give the resource\'s `accountId` as a plain 12-digit id.');
    });

    it("exposes metric helpers with the stream's dimensions", async () => {
        let specs: Record<string, unknown> = {};
        await evaluate(() => {
            const s = new KinesisStream("stream", { accountId: ACCOUNT, alarms: { enabled: false } }, { provider: testProvider() });
            specs = {
                bytes: s.metricIncomingBytes(),
                records: s.metricIncomingRecords({ periodSeconds: 300 }),
                age: s.metricGetRecordsIteratorAgeMilliseconds({ statistic: "Average" }),
                putSuccess: s.metricPutRecordsSuccess(),
            };
            return s.streamName.apply((n) => ({ n }));
        });
        const strip = (m: any) => ({ metricName: m.metricName, statistic: m.statistic, periodSeconds: m.periodSeconds, namespace: m.namespace });
        expect(strip(specs.bytes)).to.deep.equal({ metricName: "IncomingBytes", statistic: "Sum", periodSeconds: 60, namespace: "AWS/Kinesis" });
        expect(strip(specs.records)).to.deep.equal({ metricName: "IncomingRecords", statistic: "Sum", periodSeconds: 300, namespace: "AWS/Kinesis" });
        expect(strip(specs.age)).to.deep.equal({ metricName: "GetRecords.IteratorAgeMilliseconds", statistic: "Average", periodSeconds: 60, namespace: "AWS/Kinesis" });
        expect(strip(specs.putSuccess)).to.deep.equal({ metricName: "PutRecords.Success", statistic: "Average", periodSeconds: 60, namespace: "AWS/Kinesis" });
    });

    describe("validation", () => {
        const expectError = async (args: Partial<KinesisStreamArgs>, message: string) => {
            const e = await evaluateError(() => new KinesisStream("s", { accountId: ACCOUNT, ...args }));
            expect(e.message).to.equal(message);
        };
        it("fails when `shardCount` is out of range", () => expectError({ shardCount: 0 }, "KinesisStream s: `shardCount` must be an integer between 1 and 10000 (received 0)."));
        it("fails when `shardCount` is not an integer", () => expectError({ shardCount: 2.5 }, "KinesisStream s: `shardCount` must be an integer between 1 and 10000 (received 2.5)."));
        it("fails when `shardCount` is given for an on-demand stream", () => expectError({ mode: "on-demand", shardCount: 4 }, 'KinesisStream s: `shardCount` must be left unset when `mode` is "on-demand" (received 4).'));
        it("fails when `mode` is unknown", () => expectError({ mode: "serverless" as never }, 'KinesisStream s: `mode` must be one of "provisioned", "on-demand" (received "serverless").'));
        it("fails when `retentionHours` is below 24", () => expectError({ retentionHours: 12 }, "KinesisStream s: `retentionHours` must be an integer between 24 and 8760 (received 12)."));
        it("fails when `retentionHours` is above 8760", () => expectError({ retentionHours: 8761 }, "KinesisStream s: `retentionHours` must be an integer between 24 and 8760 (received 8761)."));
        it("fails when a consumer name is invalid", () => expectError({ consumers: ["ok", "no spaces"] }, 'KinesisStream s: `consumers[1]` must be 1 to 128 characters of A-Z a-z 0-9 _ . - (received "no spaces").'));
        it("fails when consumer names repeat", () => expectError({ consumers: ["a", "a"] }, 'KinesisStream s: `consumers` must be a list of distinct names (received ["a","a"]).'));
        it("fails when a shard-level metric is unknown", () =>
            expectError(
                { shardLevelMetrics: ["IncomingBytes", "Bytes" as never] },
                'KinesisStream s: `shardLevelMetrics[1]` must be one of "IncomingBytes", "IncomingRecords", "OutgoingBytes", "OutgoingRecords", "WriteProvisionedThroughputExceeded", "ReadProvisionedThroughputExceeded", "IteratorAgeMilliseconds", "ALL" (received "Bytes").',
            ));
        it("fails when a cross-account principal's account id is not 12 digits", async () => {
            const e = await evaluateError(() => {
                const s = new KinesisStream("s", { accountId: ACCOUNT }, { provider: testProvider("ingestion", ACCOUNT) });
                s.grantRead("r", principals.roleArn("arn:aws:iam::12345:role/r", "12345"));
            });
            expect(e.message).to.equal('principals.roleArn: `accountId` must be a 12-digit AWS account id; received "12345".');
        });
        it("fails when `capacityAlarmShare` is out of range", () => expectError({ capacityAlarmShare: 1.2 }, "KinesisStream s: `capacityAlarmShare` must be a number greater than 0 and at most 1 (received 1.2)."));
        it("fails when neither `accountId` nor `kmsKeyArn` is given", async () => {
            const e = await evaluateError(() => new KinesisStream("s", {}));
            expect(e.message).to.equal("KinesisStream s: `accountId` must be given when `kmsKeyArn` is not (the created key's policy names the account) (received undefined).");
        });
        it("fails when a grant names an undeclared consumer", async () => {
            const e = await evaluateError(() => {
                const s = new KinesisStream("s", { accountId: ACCOUNT, consumers: ["realtime"] });
                s.grantConsume("g", new aws.iam.Role("r", { assumeRolePolicy: "{}" }), "lake");
            });
            expect(e.message).to.equal('KinesisStream s: `consumerName` must be one of the declared consumers ("realtime") (received "lake").');
        });
    });
});
