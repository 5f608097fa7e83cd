import * as aws from "@pulumi/aws";
import { expect } from "chai";
import { createAlarm } from "@flightstream/components/common/alarms";
import { metric } from "@flightstream/components/common/metrics";
import { freshnessWindow, scheduleIntervalSeconds } from "@flightstream/components/oncall/schedule";
import { KinesisStream } from "@flightstream/components/stream";
import { alarmProblems, alarmsOf, queueProblems } from "../../plan/checks";
import { planStack } from "../../plan/stack";
import { ProgramResult, evaluate, evaluateError, one, testProvider } from "../helpers/pulumi";

describe("anomaly detection alarms (createAlarm with a band)", () => {
    it("compares the metric with ANOMALY_DETECTION_BAND through thresholdMetricId, without a fixed threshold", async () => {
        const r = await evaluate(() => {
            const parent = new aws.sns.Topic("parent", {}, { provider: testProvider() });
            createAlarm(
                parent,
                "stream",
                {
                    condition: "traffic-collapsed",
                    metric: metric("AWS/Kinesis", "IncomingRecords", { StreamName: "s" }, { statistic: "Sum", periodSeconds: 300 }),
                    bandWidth: 2.5,
                    comparison: "LessThanLowerThreshold",
                    severity: "page",
                    runbook: "traffic-drop",
                    description: "Traffic collapsed.",
                    evaluationPeriods: 3,
                    datapointsToAlarm: 3,
                },
                { routing: { page: ["arn:page"], ticket: ["arn:ticket"] } },
            );
        });
        const a = one(r, "aws:cloudwatch/metricAlarm:MetricAlarm");
        expect(a.inputs.threshold).to.equal(undefined);
        expect(a.inputs.thresholdMetricId).to.equal("band");
        expect(a.inputs.comparisonOperator).to.equal("LessThanLowerThreshold");
        expect(a.inputs.metricQueries).to.deep.equal([
            { id: "m1", returnData: true, metric: { namespace: "AWS/Kinesis", metricName: "IncomingRecords", dimensions: { StreamName: "s" }, period: 300, stat: "Sum" } },
            { id: "band", expression: "ANOMALY_DETECTION_BAND(m1, 2.5)", label: "IncomingRecords expected range", returnData: true },
        ]);
        expect(a.inputs.alarmActions).to.deep.equal(["arn:page"]);
        expect(a.inputs.okActions).to.deep.equal(["arn:page"]);
    });
});

describe("KinesisStream traffic alarms", () => {
    it("always watches IncomingRecords against its anomaly band, and against the floor when one is given", async () => {
        const r = await evaluate(() => {
            new KinesisStream("stream", { accountId: "111111111111", shardCount: 2, trafficAnomalyBandWidth: 4, trafficFloorRecordsPerMinute: 500 }, { provider: testProvider() });
        });
        const collapsed = one(r, "aws:cloudwatch/metricAlarm:MetricAlarm", "stream-traffic-collapsed");
        expect(collapsed.inputs.metricQueries[1].expression).to.equal("ANOMALY_DETECTION_BAND(m1, 4)");
        expect(collapsed.inputs.metricQueries[0].metric.dimensions).to.deep.equal({ StreamName: "test-stream" });
        const stopped = one(r, "aws:cloudwatch/metricAlarm:MetricAlarm", "stream-traffic-stopped");
        expect([stopped.inputs.metricName, stopped.inputs.statistic, stopped.inputs.period, stopped.inputs.threshold, stopped.inputs.comparisonOperator]).to.deep.equal(["IncomingRecords", "Sum", 60, 500, "LessThanThreshold"]);
        expect([stopped.inputs.evaluationPeriods, stopped.inputs.datapointsToAlarm, stopped.inputs.treatMissingData]).to.deep.equal([5, 5, "breaching"]);
    });

    it("creates no floor alarm without a floor", async () => {
        const r = await evaluate(() => new KinesisStream("stream", { accountId: "111111111111" }, { provider: testProvider() }));
        const names = r.resources.filter((x) => x.type === "aws:cloudwatch/metricAlarm:MetricAlarm").map((x) => x.inputs.name);
        expect(names).to.include("test-stream-traffic-collapsed");
        expect(names).not.to.include("test-stream-traffic-stopped");
    });

    it("fails when the floor is not a positive integer", async () => {
        const e = await evaluateError(() => new KinesisStream("stream", { accountId: "111111111111", trafficFloorRecordsPerMinute: 0.5 }));
        expect(e.message).to.equal("KinesisStream stream: `trafficFloorRecordsPerMinute` must be a positive integer (records per minute) (received 0.5).");
    });

    it("fails when the band width is not in (0, 10]", async () => {
        const e = await evaluateError(() => new KinesisStream("stream", { accountId: "111111111111", trafficAnomalyBandWidth: 0 }));
        expect(e.message).to.equal("KinesisStream stream: `trafficAnomalyBandWidth` must be a number greater than 0 and at most 10 (received 0).");
    });
});

describe("schedule intervals (pond freshness deadlines)", () => {
    it("takes the longest gap between runs of rate and cron expressions", () => {
        expect(scheduleIntervalSeconds("rate(1 hour)")).to.equal(3600);
        expect(scheduleIntervalSeconds("rate(15 minutes)")).to.equal(900);
        expect(scheduleIntervalSeconds("cron(15 2 * * ? *)")).to.equal(86400);
        expect(scheduleIntervalSeconds("cron(0 1,13 * * ? *)")).to.equal(43200);
        expect(scheduleIntervalSeconds("cron(0 8 ? * MON-FRI *)")).to.equal(3 * 86400);
        expect(scheduleIntervalSeconds("cron(0/20 * * * ? *)")).to.equal(1200);
        expect(scheduleIntervalSeconds("at(2026-12-24T10:00:00)")).to.equal(undefined);
    });

    it("covers a deadline with 5-minute periods up to 6 hours and hourly periods beyond", () => {
        expect(freshnessWindow(7200)).to.deep.equal({ periodSeconds: 300, evaluationPeriods: 24 });
        expect(freshnessWindow(90000)).to.deep.equal({ periodSeconds: 3600, evaluationPeriods: 25 });
    });

    it("fails when a cron field uses L, W or #", () => {
        expect(() => scheduleIntervalSeconds("cron(0 2 L * ? *)")).to.throw('schedule "cron(0 2 L * ? *)": the day-of-month field "L" uses L, W or #, which the freshness alarm cannot evaluate; give the deadline explicitly.');
    });

    it("fails when a deadline is longer than CloudWatch can evaluate", () => {
        expect(() => freshnessWindow(8 * 86400)).to.throw("a freshness deadline must be between 300 and 604800 seconds (CloudWatch evaluates at most 7 days); received 691200.");
    });
});

describe("on-call sees every failure (prod plan)", function () {
    this.timeout(120000);
    let prod: ProgramResult;
    before(async () => {
        prod = await planStack("prod");
    });

    const EXPECTED: Record<string, { account: string; severity: string; runbook: string; dimensions: string[] }> = {
        "prod-stream-traffic-collapsed": { account: "ingestion", severity: "page", runbook: "docs/runbooks/traffic-drop.md", dimensions: ["StreamName"] },
        "prod-stream-traffic-stopped": { account: "ingestion", severity: "page", runbook: "docs/runbooks/traffic-drop.md", dimensions: ["StreamName"] },
        "prod-ingestion-requests-shed": { account: "ingestion", severity: "page", runbook: "docs/runbooks/ingestion-capacity.md", dimensions: ["Service", "StreamName"] },
        "prod-ingestion-events-failed": { account: "ingestion", severity: "page", runbook: "docs/runbooks/stream-put-errors.md", dimensions: ["Service", "StreamName"] },
        "prod-lake-delivery-processing-success": { account: "ingestion", severity: "page", runbook: "docs/runbooks/lake-transform.md", dimensions: ["DeliveryStreamName"] },
        "prod-lake-delivery-transform-errors": { account: "ingestion", severity: "ticket", runbook: "docs/runbooks/lake-transform.md", dimensions: ["FunctionName"] },
        "prod-lake-delivery-transform-failed-records": { account: "ingestion", severity: "ticket", runbook: "docs/runbooks/lake-transform.md", dimensions: ["service", "FunctionName"] },
        "prod-lake-delivery-delivery-success": { account: "ingestion", severity: "ticket", runbook: "docs/runbooks/lake-freshness.md", dimensions: ["DeliveryStreamName"] },
        "prod-pond-etl-revenue-freshness": { account: "lake", severity: "ticket", runbook: "docs/runbooks/pond-freshness.md", dimensions: ["StateMachineArn"] },
        "prod-pond-etl-science-freshness": { account: "lake", severity: "ticket", runbook: "docs/runbooks/pond-freshness.md", dimensions: ["StateMachineArn"] },
        "prod-analytics-processor-alerts-outbox-backlog": { account: "analytics", severity: "page", runbook: "docs/runbooks/alerts-outbox.md", dimensions: ["service", "FunctionName"] },
    };

    it("holds the new alarms, each in its account with dimensions, actions, OK actions and an existing runbook", () => {
        const byName = new Map(alarmsOf(prod).map((a) => [a.name, a]));
        for (const [name, want] of Object.entries(EXPECTED)) {
            const a = byName.get(name);
            expect(a, name).to.not.equal(undefined);
            expect([a!.accountName, a!.severity, a!.runbook, Object.keys(a!.dimensions).sort()], name).to.deep.equal([want.account, want.severity, want.runbook, [...want.dimensions].sort()]);
            expect(a!.actions, name).to.have.length(1);
            expect(a!.actions[0], name).to.match(new RegExp(`^arn:aws:sns:eu-west-1:\\d{12}:prod-oncall-${want.account}-${want.severity}$`));
            expect(a!.okActions, name).to.deep.equal(a!.actions);
        }
        expect(alarmProblems(prod)).to.deep.equal([]);
    });

    it("watches the pond freshness over the schedule plus one hour of grace (daily: 25 hourly periods, none may be missing)", () => {
        const a = prod.resources.find((r) => r.inputs.name === "prod-pond-etl-revenue-freshness")!;
        expect([a.inputs.metricName, a.inputs.statistic, a.inputs.period, a.inputs.evaluationPeriods, a.inputs.datapointsToAlarm, a.inputs.comparisonOperator, a.inputs.threshold, a.inputs.treatMissingData]).to.deep.equal([
            "ExecutionsSucceeded",
            "Sum",
            3600,
            25,
            25,
            "LessThanThreshold",
            1,
            "breaching",
        ]);
        expect(a.inputs.dimensions.StateMachineArn).to.equal("arn:aws:states:eu-west-1:402345678901:stateMachine:prod-pond-etl-revenue-workflow");
    });

    it("has a depth alarm on every SQS queue (dead-letter and on-failure queues)", () => {
        // The processor's and each declared consumer's on-failure queues, and the dead-letter queues (the flight-status source's too).
        expect(prod.resources.filter((r) => r.type === "aws:sqs/queue:Queue").length).to.equal(6);
        expect(queueProblems(prod)).to.deep.equal([]);
    });

    it("fails when a queue has no depth alarm (the check itself)", () => {
        const withoutAlarms = { ...prod, resources: prod.resources.filter((r) => !(r.type === "aws:cloudwatch/metricAlarm:MetricAlarm" && /failed-batches$/.test(r.inputs.name))) };
        expect(queueProblems(withoutAlarms as ProgramResult)).to.deep.equal([
            "queue prod-clean-writer-failures (ingestion) has no alarm on ApproximateNumberOfMessagesVisible",
            "queue prod-clean-stats-failures (ingestion) has no alarm on ApproximateNumberOfMessagesVisible",
            "queue prod-analytics-processor-failures (analytics) has no alarm on ApproximateNumberOfMessagesVisible",
        ]);
    });

    it("routes the stream and front-door alarms into the composite ingestion-path alarm", () => {
        const c = prod.resources.find((r) => r.type === "aws:cloudwatch/compositeAlarm:CompositeAlarm")!;
        for (const n of ["prod-stream-traffic-collapsed", "prod-stream-traffic-stopped", "prod-ingestion-requests-shed", "prod-ingestion-events-failed", "prod-lake-delivery-processing-success"]) {
            expect(c.inputs.alarmRule).to.include(`ALARM("${n}")`);
        }
    });
});
