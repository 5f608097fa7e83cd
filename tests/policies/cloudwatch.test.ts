import { expect } from "chai";
import lgCmk from "../../policies/rules/cloudwatch/LogGroupCmkEncryption";
import lgRetention from "../../policies/rules/cloudwatch/LogGroupRetention";
import alarmAction from "../../policies/rules/cloudwatch/AlarmHasAction";
import auditRetention from "../../policies/rules/cloudwatch/AuditLogRetention";
import { KEY_ARN, messages, res, runRule } from "./helpers";

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

describe("audit-log-retention", () => {
    const ARN = "arn:aws:logs:eu-west-1:111111111111:log-group:/aws/apigateway/insights/access";
    const access = (retentionInDays: number, tags?: Record<string, string>) => res(LG, "access", { name: "/aws/apigateway/insights/access", kmsKeyId: KEY_ARN, retentionInDays, ...(tags ? { tags } : {}) }, { outputs: { arn: ARN } });
    const stage = (destinationArn = ARN) => res("aws:apigatewayv2/stage:Stage", "stage", { apiId: "a", name: "$default", accessLogSettings: { destinationArn, format: "$context.requestId" } });
    it("Compliance: API access logs kept 365 days; ordinary log groups are not audit logs", async () => {
        expect(await messages(auditRetention, access(365), stage(), lg())).to.deep.equal([]);
    });
    it("Noncompliance 1: fails when an API stage's access logs are kept 30 days", async () => {
        expect(await messages(auditRetention, access(30), stage())).to.deep.equal([
            `Log group "/aws/apigateway/insights/access" holds audit logs (access logs of API stage "stage") and keeps them 30 days; audit logs need at least 365 days.`,
        ]);
    });
    it("Noncompliance 2: fails when a flow log's group (by name) keeps 90 days", async () => {
        const flow = res("aws:ec2/flowLog:FlowLog", "vpc-flow", { vpcId: "vpc-1", trafficType: "ALL", logGroupName: "/aws/apigateway/insights/access" });
        expect(await messages(auditRetention, access(90), flow)).to.deep.equal([`Log group "/aws/apigateway/insights/access" holds audit logs (flow logs of "vpc-flow") and keeps them 90 days; audit logs need at least 365 days.`]);
    });
    it("Noncompliance 3: fails when a group tagged LogType=audit is under the configured minimum", async () => {
        const r = await runRule(auditRetention, [access(365, { LogType: "audit" })], { config: { "audit-log-retention": { minimumDays: 400 } } });
        expect(r.violations.map((v) => v.message)).to.deep.equal([`Log group "/aws/apigateway/insights/access" holds audit logs (tagged LogType=audit) and keeps them 365 days; audit logs need at least 400 days.`]);
    });
});
