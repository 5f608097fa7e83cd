/**
 * Automatic resharding wiring: the component under mocks (starter role, alarm rule, schedule,
 * validation) and the prod / dev plans (on in prod from `stream.autoReshard`, off in dev).
 */
import { expect } from "chai";
import { all, evaluate, evaluateError, one, policyOf, testProvider, ProgramResult } from "../helpers/pulumi";
import { AutoReshardArgs, ReshardWorkflow } from "@flightstream/components/workflows";
import { Grantee, KinesisStreamRef, TopicRef, applyGrant, asGrantable } from "@flightstream/components/common/grants";
import type { OnCallSeverity } from "@flightstream/components/oncall";
import { planStack } from "../../plan/stack";
import { parseStackConfig } from "../../stack/config";

const ACCOUNT = "111111111111";
const STREAM_ARN = `arn:aws:kinesis:eu-west-1:${ACCOUNT}:stream/test-events`;
const base = { accountId: ACCOUNT, region: "eu-west-1", stream: KinesisStreamRef.fromStreamAttributes({ streamArn: STREAM_ARN, streamName: "test-events" }) };
const TOPICS = {
    ticketTopicArn: `arn:aws:sns:eu-west-1:${ACCOUNT}:ticket`,
    pageTopicArn: `arn:aws:sns:eu-west-1:${ACCOUNT}:page`,
    topicKeyArn: `arn:aws:kms:eu-west-1:${ACCOUNT}:key/oncall`,
};
/** The on-call side the starter needs: the two topics (as references) and a grantPublish that records what it was asked. */
function onCallOf(granted: { name: string; severities: readonly string[] }[] = []): AutoReshardArgs["onCall"] {
    const topics = {
        ticket: TopicRef.fromTopicAttributes({ topicArn: TOPICS.ticketTopicArn, keyArn: TOPICS.topicKeyArn }),
        page: TopicRef.fromTopicAttributes({ topicArn: TOPICS.pageTopicArn, keyArn: TOPICS.topicKeyArn }),
    };
    return {
        topics,
        grantPublish: (name: string, grantee: Grantee, severities: readonly OnCallSeverity[] = ["page", "ticket"]) => {
            granted.push({ name, severities });
            const g = asGrantable(grantee);
            return applyGrant(name, g, false, TopicRef.publishStatements(severities.map((s) => topics[s])));
        },
    };
}
const automatic = { alarmNames: ["test-stream-incoming-bytes-capacity", "test-stream-incoming-records-capacity"], onCall: onCallOf() };

describe("workflows: automatic reshard wiring", function () {
    this.timeout(180000);

    it("ReshardWorkflow with `automatic`: starter with least privilege, alarm rule, 15-minute schedule, errors alarm", async () => {
        const granted: { name: string; severities: readonly string[] }[] = [];
        const r = await evaluate(() => new ReshardWorkflow("reshard", { ...base, automatic: { ...automatic, onCall: onCallOf(granted) } }, { provider: testProvider() }));
        // The starter publishes through the on-call grant, to the ticket and the page topic.
        expect(granted).to.deep.equal([{ name: "reshard-auto-notify", severities: ["ticket", "page"] }]);
        const fns = all(r, "aws:lambda/function:Function")
            .map((f) => f.name)
            .sort();
        expect(fns).to.deep.equal(["reshard-auto-tasks", "reshard-tasks"]);
        const starter = one(r, "aws:lambda/function:Function", "reshard-auto-tasks");
        const sm = one(r, "aws:sfn/stateMachine:StateMachine");
        const env = starter.inputs.environment.variables;
        expect(env).to.deep.include({ WORKFLOW: "reshard-auto", STREAM_NAME: "test-events", ONCALL_TICKET_TOPIC_ARN: TOPICS.ticketTopicArn, ONCALL_PAGE_TOPIC_ARN: TOPICS.pageTopicArn });
        expect(env.RESHARD_STATE_MACHINE_ARN)
            .to.be.a("string")
            .and.match(/stateMachine/);
        const st = policyOf(one(r, "aws:iam/rolePolicy:RolePolicy", "reshard-auto-tasks-policy")).Statement;
        const bySid = Object.fromEntries(st.map((s: any) => [s.Sid, s]));
        expect(Object.keys(bySid)).to.deep.equal(["DescribeStream", "Publish", "EncryptNotifications", "ReadLedger", "StartReshard", "ReadStreamMetrics", "WriteOwnLogs", "Tracing"]);
        expect(bySid.DescribeStream).to.deep.equal({ Sid: "DescribeStream", Effect: "Allow", Action: ["kinesis:DescribeStreamSummary"], Resource: STREAM_ARN });
        expect(bySid.ReadLedger.Action).to.equal("ssm:GetParameter");
        expect(bySid.StartReshard).to.deep.equal({ Sid: "StartReshard", Effect: "Allow", Action: ["states:StartExecution", "states:ListExecutions"], Resource: env.RESHARD_STATE_MACHINE_ARN });
        expect(bySid.Publish).to.deep.equal({ Sid: "Publish", Effect: "Allow", Action: "sns:Publish", Resource: [TOPICS.ticketTopicArn, TOPICS.pageTopicArn] });
        expect(bySid.EncryptNotifications).to.deep.equal({ Sid: "EncryptNotifications", Effect: "Allow", Action: ["kms:GenerateDataKey", "kms:Decrypt"], Resource: TOPICS.topicKeyArn });
        expect(sm.name).to.equal("reshard");

        const rule = one(r, "aws:cloudwatch/eventRule:EventRule", "reshard-auto-alarms");
        expect(JSON.parse(rule.inputs.eventPattern)).to.deep.equal({
            source: ["aws.cloudwatch"],
            "detail-type": ["CloudWatch Alarm State Change"],
            detail: { alarmName: automatic.alarmNames, state: { value: ["ALARM"] } },
        });
        const target = one(r, "aws:cloudwatch/eventTarget:EventTarget");
        expect(target.inputs.arn).to.equal(starter.outputs?.arn ?? target.inputs.arn);
        const perm = one(r, "aws:lambda/permission:Permission", "reshard-auto-alarms-invoke");
        expect(perm.inputs).to.deep.include({ action: "lambda:InvokeFunction", principal: "events.amazonaws.com" });

        const schedule = one(r, "aws:scheduler/schedule:Schedule");
        expect(schedule.inputs).to.deep.include({ scheduleExpression: "rate(15 minutes)", scheduleExpressionTimezone: "UTC" });
        expect(schedule.inputs.target.input).to.equal('{"trigger":"schedule"}');
        const schedulePolicy = policyOf(one(r, "aws:iam/rolePolicy:RolePolicy", "reshard-auto-schedule-policy")).Statement;
        expect(schedulePolicy).to.deep.equal([{ Sid: "InvokeStarter", Effect: "Allow", Action: "lambda:InvokeFunction", Resource: schedule.inputs.target.arn }]);
        const trust = JSON.parse(one(r, "aws:iam/role:Role", "reshard-auto-schedule-role").inputs.assumeRolePolicy);
        expect(trust.Statement[0]).to.deep.include({ Principal: { Service: "scheduler.amazonaws.com" }, Condition: { StringEquals: { "aws:SourceAccount": ACCOUNT } } });

        const errors = one(r, "aws:cloudwatch/metricAlarm:MetricAlarm", "reshard-auto-errors");
        expect(errors.inputs).to.deep.include({ namespace: "AWS/Lambda", metricName: "Errors", statistic: "Sum", period: 900, threshold: 1 });
        expect(errors.inputs.dimensions).to.deep.equal({ FunctionName: starter.inputs.name });
    });

    it("ReshardWorkflow without `automatic`: no starter, no rule, no schedule", async () => {
        const r = await evaluate(() => new ReshardWorkflow("reshard", base, { provider: testProvider() }));
        expect(all(r, "aws:lambda/function:Function").map((f) => f.name)).to.deep.equal(["reshard-tasks"]);
        expect(all(r, "aws:cloudwatch/eventRule:EventRule")).to.deep.equal([]);
        expect(all(r, "aws:scheduler/schedule:Schedule")).to.deep.equal([]);
    });

    for (const [label, bad, expected] of [
        ["no alarms", { alarmNames: [] }, "`automatic.alarmNames` must be a non-empty list of alarm names"],
        ["a share over 1", { alarmShare: 1.5 }, "`automatic.alarmShare`"],
        ["a bad schedule", { schedule: "every 5 minutes" }, '`automatic.schedule` must be an EventBridge Scheduler expression such as "rate(15 minutes)"'],
        ["a reserve of 10 calls", { reserveCalls: 10 }, "`automatic.reserveCalls`"],
    ] as const) {
        it(`fails when \`automatic\` has ${label}, naming the argument`, async () => {
            const err = await evaluateError(() => new ReshardWorkflow("reshard", { ...base, automatic: { ...automatic, ...bad } as never }, { provider: testProvider() }));
            expect(err.message).to.contain(expected);
        });
    }

    it("fails when `stream.autoReshard` is on for an on-demand stream", () => {
        expect(() => parseStackConfig({ environment: "dev", stream: { mode: "on-demand", autoReshard: true } }, "dev")).to.throw(/`stream.autoReshard` must be false or unset when `stream.mode` is "on-demand"/);
    });

    describe("plans", () => {
        let prod: ProgramResult;
        let dev: ProgramResult;
        before(async () => {
            prod = await planStack("prod");
            dev = await planStack("dev");
        });

        it("prod: the stream's two capacity alarms start the starter, which notifies the ingestion on-call topics", () => {
            const rule = prod.resources.find((r) => r.type === "aws:cloudwatch/eventRule:EventRule" && r.name === "reshard-auto-alarms")!;
            expect(rule, "reshard-auto-alarms rule").to.not.equal(undefined);
            expect(JSON.parse(rule.inputs.eventPattern).detail.alarmName).to.deep.equal(["prod-stream-incoming-bytes-capacity", "prod-stream-incoming-records-capacity"]);
            const alarmNames = prod.resources.filter((r) => r.type === "aws:cloudwatch/metricAlarm:MetricAlarm").map((a) => a.inputs.name);
            expect(alarmNames).to.include.members(["prod-stream-incoming-bytes-capacity", "prod-stream-incoming-records-capacity", "prod-reshard-auto-errors"]);
            const starter = prod.resources.find((r) => r.type === "aws:lambda/function:Function" && r.name === "reshard-auto-tasks")!;
            const env = starter.inputs.environment.variables;
            const topics = prod.resources.filter((r) => r.type === "aws:sns/topic:Topic" && /oncall-ingestion/.test(r.name));
            expect(topics.length).to.equal(2);
            expect([env.ONCALL_TICKET_TOPIC_ARN, env.ONCALL_PAGE_TOPIC_ARN].every((a: string) => /^arn:aws:sns:eu-west-1:401234567890:/.test(a))).to.equal(true);
            expect(JSON.parse(env.PLANNER_MEASURED_FIGURES).frameCompressionRatio).to.be.greaterThan(0);
            expect(starter.account ?? "401234567890").to.equal("401234567890");
            const schedule = prod.resources.find((r) => r.type === "aws:scheduler/schedule:Schedule" && r.name === "reshard-auto-check")!;
            expect(schedule.inputs.scheduleExpression).to.equal("rate(15 minutes)");
        });

        it("dev: automatic reshard is off (no starter, rule or schedule); the workflow itself stays", () => {
            expect(dev.resources.filter((r) => r.name.startsWith("reshard-auto"))).to.deep.equal([]);
            expect(dev.resources.some((r) => r.type === "aws:sfn/stateMachine:StateMachine" && r.name === "reshard")).to.equal(true);
        });
    });
});
