import { expect } from "chai";
import lgCmk from "../../policies/rules/cloudwatch/LogGroupCmkEncryption";
import lgRetention from "../../policies/rules/cloudwatch/LogGroupRetention";
import alarmAction from "../../policies/rules/cloudwatch/AlarmHasAction";
import { KEY_ARN, messages, res } from "./helpers";

const LG = "aws:cloudwatch/logGroup:LogGroup";
const ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";
const COMPOSITE = "aws:cloudwatch/compositeAlarm:CompositeAlarm";
const TOPIC = "arn:aws:sns:eu-west-1:111111111111:page";
const lg = (over: Record<string, any> = {}) => res(LG, "logs", { kmsKeyId: KEY_ARN, retentionInDays: 30, ...over });

describe("log-group-cmk-encryption", () => {
    it("Compliance: kmsKeyId set", async () => {
        expect(await messages(lgCmk, lg())).to.deep.equal([]);
    });
    it("Noncompliance 1: fails when kmsKeyId is missing", async () => {
        expect(await messages(lgCmk, lg({ kmsKeyId: undefined }))).to.deep.equal(["kmsKeyId is not set; encrypt the log group with a customer-managed key."]);
    });
});

describe("log-group-retention", () => {
    it("Compliance: 30 days", async () => {
        expect(await messages(lgRetention, lg())).to.deep.equal([]);
    });
    it("Noncompliance 1: fails when retentionInDays is unset", async () => {
        expect(await messages(lgRetention, lg({ retentionInDays: undefined }))).to.deep.equal(["retentionInDays is not set (logs never expire); set a retention."]);
    });
    it("Noncompliance 2: fails when retentionInDays is 0", async () => {
        expect(await messages(lgRetention, lg({ retentionInDays: 0 }))).to.deep.equal(["retentionInDays is 0 (logs never expire); set a positive retention."]);
    });
});

describe("alarm-has-action", () => {
    it("Compliance: metric alarm routed to a topic", async () => {
        expect(await messages(alarmAction, res(ALARM, "a", { alarmActions: [TOPIC] }))).to.deep.equal([]);
    });
    it("Compliance: composite alarm routed to a topic", async () => {
        expect(await messages(alarmAction, res(COMPOSITE, "c", { alarmActions: [TOPIC], alarmRule: "ALARM(a)" }))).to.deep.equal([]);
    });
    it("Noncompliance 1: fails when alarmActions is missing", async () => {
        expect(await messages(alarmAction, res(ALARM, "a", {}))).to.deep.equal(["alarmActions is empty; route the alarm to an on-call SNS topic."]);
    });
    it("Noncompliance 2: fails when alarmActions is empty", async () => {
        expect(await messages(alarmAction, res(COMPOSITE, "c", { alarmActions: [], alarmRule: "ALARM(a)" }))).to.deep.equal(["alarmActions is empty; route the alarm to an on-call SNS topic."]);
    });
    it("Noncompliance 3: fails when actionsEnabled is false", async () => {
        expect(await messages(alarmAction, res(ALARM, "a", { alarmActions: [TOPIC], actionsEnabled: false }))).to.deep.equal(["actionsEnabled is false; the alarm's actions never run."]);
    });
});
