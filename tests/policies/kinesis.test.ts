import { expect } from "chai";
import cmk from "../../policies/rules/kinesis/KinesisStreamCmkEncryption";
import retention from "../../policies/rules/kinesis/KinesisStreamRetention";
import iteratorAge from "../../policies/rules/kinesis/KinesisStreamIteratorAgeAlarm";
import { KEY_ARN, messages, res, runRule } from "./helpers";

const STREAM = "aws:kinesis/stream:Stream";
const ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";
const stream = (over: Record<string, any> = {}) => res(STREAM, "events", { name: "prod-events", shardCount: 2, retentionPeriod: 48, encryptionType: "KMS", kmsKeyId: KEY_ARN, ...over });
const alarm = (over: Record<string, any> = {}) =>
    res(ALARM, "events-iterator-age", {
        name: "prod-stream-iterator-age",
        namespace: "AWS/Kinesis",
        metricName: "GetRecords.IteratorAgeMilliseconds",
        dimensions: { StreamName: "prod-events" },
        alarmActions: ["arn:aws:sns:eu-west-1:111111111111:page"],
        ...over,
    });

describe("kinesis-stream-cmk-encryption", () => {
    it("Compliance: KMS with a customer-managed key", async () => {
        expect(await messages(cmk, stream())).to.deep.equal([]);
    });
    it("Compliance: not applicable to other types", async () => {
        const r = await runRule(cmk, [res("aws:sns/topic:Topic", "t", {})]);
        expect(r.violations).to.deep.equal([]);
        expect(r.notApplicable).to.deep.equal([{ policy: "kinesis-stream-cmk-encryption", resource: "aws:sns/topic:Topic::t", reason: "Policy only applies to resources of type 'aws:kinesis/stream:Stream'" }]);
    });
    it("Noncompliance 1: fails when encryptionType is not set", async () => {
        expect(await messages(cmk, stream({ encryptionType: undefined }))).to.deep.equal([`encryptionType is not set (default "NONE"); set "KMS" with a customer-managed kmsKeyId.`]);
    });
    it("Noncompliance 2: fails when encryptionType is NONE", async () => {
        expect(await messages(cmk, stream({ encryptionType: "NONE" }))).to.deep.equal([`encryptionType is "NONE"; set "KMS" with a customer-managed kmsKeyId.`]);
    });
    it("Noncompliance 3: fails when kmsKeyId is missing", async () => {
        expect(await messages(cmk, stream({ kmsKeyId: undefined }))).to.deep.equal([`encryptionType is "KMS" but kmsKeyId is not set; name a customer-managed KMS key.`]);
    });
    it("Noncompliance 4: fails when kmsKeyId is alias/aws/kinesis", async () => {
        expect(await messages(cmk, stream({ kmsKeyId: "alias/aws/kinesis" }))).to.deep.equal([`kmsKeyId is the AWS-managed key "alias/aws/kinesis"; use a customer-managed KMS key.`]);
    });
    it("is mandatory by default", async () => {
        const r = await runRule(cmk, [stream({ encryptionType: "NONE" })]);
        expect(r.violations.map((v) => [v.policy, v.level, v.resource])).to.deep.equal([["kinesis-stream-cmk-encryption", "mandatory", "aws:kinesis/stream:Stream::events"]]);
    });
});

describe("kinesis-stream-retention", () => {
    it("Compliance: 48 hours", async () => {
        expect(await messages(retention, stream())).to.deep.equal([]);
    });
    it("Compliance: unset means the 24-hour default", async () => {
        expect(await messages(retention, stream({ retentionPeriod: undefined }))).to.deep.equal([]);
    });
    it("Noncompliance 1: fails when retention is below 24 hours", async () => {
        expect(await messages(retention, stream({ retentionPeriod: 12 }))).to.deep.equal(["retentionPeriod is 12 hours; at least 24 hours required."]);
    });
    it("Noncompliance 2: fails when below a configured minimumHours", async () => {
        const r = await runRule(retention, [stream({ retentionPeriod: 48 })], { config: { "kinesis-stream-retention": { minimumHours: 72 } } });
        expect(r.violations.map((v) => v.message)).to.deep.equal(["retentionPeriod is 48 hours; at least 72 hours required."]);
    });
});

describe("kinesis-stream-iterator-age-alarm (stack)", () => {
    it("Compliance: a matching alarm", async () => {
        expect(await messages(iteratorAge, stream(), alarm())).to.deep.equal([]);
    });
    it("Compliance: a metric-math alarm querying the stream's iterator age", async () => {
        const mq = alarm({
            metricName: undefined,
            dimensions: undefined,
            metricQueries: [{ id: "m1", metric: { metricName: "GetRecords.IteratorAgeMilliseconds", namespace: "AWS/Kinesis", dimensions: { StreamName: "prod-events" }, period: 60, stat: "Maximum" } }],
        });
        expect(await messages(iteratorAge, stream(), mq)).to.deep.equal([]);
    });
    it("Compliance: not applicable without streams", async () => {
        const r = await runRule(iteratorAge, [alarm()]);
        expect(r.notApplicable).to.deep.equal([{ policy: "kinesis-stream-iterator-age-alarm", resource: "stack", reason: "The stack has no Kinesis data streams" }]);
    });
    it("Noncompliance 1: fails when there is no alarm", async () => {
        const r = await runRule(iteratorAge, [stream()]);
        expect(r.violations).to.deep.equal([
            {
                policy: "kinesis-stream-iterator-age-alarm",
                level: "advisory",
                resource: "aws:kinesis/stream:Stream::events",
                message: `Kinesis stream "prod-events" has no alarm on GetRecords.IteratorAgeMilliseconds with dimension StreamName="prod-events".`,
            },
        ]);
    });
    it("Noncompliance 2: fails when the alarm names another stream", async () => {
        expect(await messages(iteratorAge, stream(), alarm({ dimensions: { StreamName: "other" } }))).to.deep.equal([
            `Kinesis stream "prod-events" has no alarm on GetRecords.IteratorAgeMilliseconds with dimension StreamName="prod-events".`,
        ]);
    });
    it("Noncompliance 3: fails when the alarm watches another metric", async () => {
        expect(await messages(iteratorAge, stream(), alarm({ metricName: "WriteProvisionedThroughputExceeded" }))).to.deep.equal([
            `Kinesis stream "prod-events" has no alarm on GetRecords.IteratorAgeMilliseconds with dimension StreamName="prod-events".`,
        ]);
    });
});
