/**
 * Automatic resharding: the pure decision (planner target, alarm share,
 * budget with the on-call reserve), the trigger parsing, the AWS calls
 * (CloudWatch, Step Functions, SNS mocked), and the same starter code on the
 * local Step Functions runner against kinesis-local: real records push the
 * stream over its capacity alarm's share, the starter starts the reshard
 * workflow and the stream ends with the planner's shard count.
 */
import { expect } from "chai";
import { CloudWatchClient, GetMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import { DescribeStreamSummaryCommand, KinesisClient, PutRecordsCommand } from "@aws-sdk/client-kinesis";
import { ListExecutionsCommand, SFNClient, StartExecutionCommand } from "@aws-sdk/client-sfn";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { mockClient } from "aws-sdk-client-mock";
import { KinesisEmulator, createStream, startKinesis } from "../../local/emulators/kinesis";
import { localAutoReshardDeps } from "../../local/auto-reshard";
import { autoReshard, autoReshardTarget, decideAutoReshard, parseTrigger, AutoReshardDeps } from "../../functions/workflows/auto-reshard";
import { cloudWatchLoad, sfnStarter, snsNotifier } from "../../functions/workflows/auto-reshard-aws";
import { MemoryLedger, reshardBudget } from "../../functions/workflows/ledger";
import { measuredFigures, planDataPath } from "../../functions/shared/capacity";
import benchResults from "../../bench/results.json";

const MiB = 1024 * 1024;
const NOW = new Date("2026-11-22T12:00:00.000Z");
const hoursAgo = (h: number) => new Date(NOW.getTime() - h * 3600_000);
const noBudgetUsed = reshardBudget([], NOW);

describe("workflows: automatic reshard decision", () => {
    const settings = { streamName: "s" };

    it("does nothing below the alarm share (79% of the byte limit)", () => {
        const d = decideAutoReshard(4, { bytesPerMinute: 0.79 * 4 * MiB * 60, recordsPerMinute: 1000 }, noBudgetUsed, settings);
        expect(d.action).to.equal("none");
        expect(d.reason).to.contain("below the 80%");
    });

    it("sizes the target from the peak minute at 70% with 1.5x headroom (bytes bind)", () => {
        // 0.9 of 4 shards' bytes: 3.6 MiB/s x 1.5 / 0.7 MiB/s = 7.71 → 8 shards.
        const load = { bytesPerMinute: 0.9 * 4 * MiB * 60, recordsPerMinute: 60 };
        expect(autoReshardTarget(load, settings)).to.equal(8);
        const d = decideAutoReshard(4, load, noBudgetUsed, settings);
        expect(d).to.deep.include({ action: "start", fromShards: 4, targetShards: 8, plannedShards: 8, calls: 1, cappedByBudget: false });
    });

    it("sizes from records when records bind (0.85 x 2 shards' records: 1,700/s x 1.5 / 700 = 3.64 → 4)", () => {
        const d = decideAutoReshard(2, { bytesPerMinute: 1000, recordsPerMinute: 1700 * 60 }, noBudgetUsed, settings);
        expect(d).to.deep.include({ action: "start", fromShards: 2, targetShards: 4, calls: 1 });
    });

    it("takes the capacity planner's target when it asks for more (measured frame ratio and imbalance)", () => {
        const measured = measuredFigures(benchResults);
        const load = { bytesPerMinute: 0.9 * 8 * MiB * 60, recordsPerMinute: 60 };
        const bytesPerSecond = 0.9 * 8 * MiB * 1.5;
        const planner = planDataPath({ mbPerSecond: (bytesPerSecond * measured.frameCompressionRatio) / 1e6, peakFactor: 1, targetUtilization: 0.7, measured }).shards;
        const byLoad = Math.ceil((bytesPerSecond * measured.hotShardImbalance) / (0.7 * MiB));
        expect(autoReshardTarget(load, { streamName: "s", plannerFigures: measured })).to.equal(Math.max(planner, byLoad));
    });

    it("plans more than one call when the target is beyond doubling (2 → 5 is 2 → 4 → 5)", () => {
        const d = decideAutoReshard(2, { bytesPerMinute: 0, recordsPerMinute: 1900 * 60 }, noBudgetUsed, { streamName: "s", headroom: 1.2 });
        // 1,900/s x 1.2 / 700 = 3.26 → 4 shards: one call.
        expect(d).to.deep.include({ action: "start", targetShards: 4, calls: 1 });
        const d2 = decideAutoReshard(2, { bytesPerMinute: 0, recordsPerMinute: 1900 * 60 }, noBudgetUsed, { streamName: "s", headroom: 1.5 });
        // 1,900 x 1.5 / 700 = 4.07 → 5: 2 → 4 → 5.
        expect(d2).to.deep.include({ action: "start", targetShards: 5, calls: 2, cappedByBudget: false });
    });

    it("caps the target to the calls the budget leaves after the on-call reserve", () => {
        const used = reshardBudget(
            Array.from({ length: 7 }, (_, i) => hoursAgo(20 - i)),
            NOW,
        ); // 3 left, 2 reserved → 1
        const d = decideAutoReshard(2, { bytesPerMinute: 0, recordsPerMinute: 1900 * 60 }, used, settings);
        expect(d).to.deep.include({ action: "start", fromShards: 2, targetShards: 4, plannedShards: 5, calls: 1, cappedByBudget: true });
        expect(d.reason).to.contain("the budget allows 1");
    });

    it("fails when the budget has no call left beyond the reserve: blocked, nothing started", () => {
        const used = reshardBudget(
            Array.from({ length: 8 }, (_, i) => hoursAgo(20 - i)),
            NOW,
        );
        const d = decideAutoReshard(2, { bytesPerMinute: 0, recordsPerMinute: 1900 * 60 }, used, settings);
        expect(d.action).to.equal("blocked");
        expect(d.reason).to.contain("8 of 10 UpdateShardCount calls used in the last 24 h, 2 kept for on-call; the oldest stops counting at 2026-11-22T16:00:00.000Z");
    });

    it("does nothing at maxShards", () => {
        const d = decideAutoReshard(4, { bytesPerMinute: 0.95 * 4 * MiB * 60, recordsPerMinute: 0 }, noBudgetUsed, { streamName: "s", maxShards: 4 });
        expect(d.action).to.equal("none");
        expect(d.reason).to.contain("`maxShards` 4");
    });

    it("parses alarm state changes and the schedule; fails when the event is neither", () => {
        expect(parseTrigger({ "detail-type": "CloudWatch Alarm State Change", detail: { alarmName: "a", state: { value: "ALARM" } } })).to.deep.equal({ kind: "alarm", alarmName: "a", state: "ALARM" });
        expect(parseTrigger({ trigger: "schedule" })).to.deep.equal({ kind: "schedule" });
        expect(() => parseTrigger({ trigger: "hourly" })).to.throw(/takes a CloudWatch alarm state change event or \{"trigger": "schedule"\} \(received \{"trigger":"hourly"\}\)/);
        expect(() => parseTrigger({ "detail-type": "CloudWatch Alarm State Change", detail: { alarmName: 3 } })).to.throw(/`detail.alarmName` and `detail.state.value`/);
    });
});

describe("workflows: automatic reshard, AWS calls (mocked clients)", () => {
    // The SDK clients are mocked only while this block runs: mockClient patches the client class, and a mock made
    // when the file loads would reach every other test of the run (kinesis-local's readiness check among them).
    const mocks = () => ({ kinesis: mockClient(KinesisClient), cw: mockClient(CloudWatchClient), sfn: mockClient(SFNClient), sns: mockClient(SNSClient) });
    let kinesis: ReturnType<typeof mocks>["kinesis"], cw: ReturnType<typeof mocks>["cw"], sfn: ReturnType<typeof mocks>["sfn"], sns: ReturnType<typeof mocks>["sns"];
    before(() => ({ kinesis, cw, sfn, sns } = mocks()));
    afterEach(() => {
        kinesis.reset();
        cw.reset();
        sfn.reset();
        sns.reset();
    });
    after(() => {
        kinesis.restore();
        cw.restore();
        sfn.restore();
        sns.restore();
    });

    function deps(ledger = new MemoryLedger()): AutoReshardDeps {
        return {
            settings: { streamName: "prod-flight-events" },
            kinesis: new KinesisClient({ region: "eu-west-1" }),
            ledger,
            load: cloudWatchLoad(new CloudWatchClient({ region: "eu-west-1" })),
            starter: sfnStarter(new SFNClient({ region: "eu-west-1" }), "arn:aws:states:eu-west-1:401234567890:stateMachine:reshard"),
            notifier: snsNotifier(new SNSClient({ region: "eu-west-1" }), { ticket: "arn:ticket", page: "arn:page" }),
            now: () => NOW,
        };
    }
    const active = (open: number) => ({
        StreamDescriptionSummary: {
            StreamName: "prod-flight-events",
            StreamARN: "a",
            StreamStatus: "ACTIVE" as const,
            OpenShardCount: open,
            StreamModeDetails: { StreamMode: "PROVISIONED" as const },
            RetentionPeriodHours: 24,
            StreamCreationTimestamp: NOW,
            EnhancedMonitoring: [],
        },
    });

    it("starts the workflow with the target on the alarm and notifies the ticket topic", async () => {
        kinesis.on(DescribeStreamSummaryCommand).resolves(active(4));
        cw.on(GetMetricDataCommand).resolves({
            MetricDataResults: [
                { Id: "bytes", Values: [0.5 * 4 * MiB * 60, 0.9 * 4 * MiB * 60] },
                { Id: "records", Values: [100, 200] },
            ],
        });
        sfn.on(ListExecutionsCommand).resolves({ executions: [] });
        sfn.on(StartExecutionCommand).resolves({ executionArn: "arn:exec", startDate: NOW });
        sns.on(PublishCommand).resolves({});
        const res = await autoReshard({ "detail-type": "CloudWatch Alarm State Change", detail: { alarmName: "prod-stream-incoming-bytes-capacity", state: { value: "ALARM" } } }, deps());
        expect(res.decision).to.deep.include({ action: "start", targetShards: 8 });
        expect(res.executionId).to.equal("arn:exec");
        const q = cw.commandCalls(GetMetricDataCommand)[0].args[0].input;
        expect(q.StartTime).to.deep.equal(new Date(NOW.getTime() - 15 * 60_000));
        expect(q.MetricDataQueries!.map((m) => [m.MetricStat!.Metric!.MetricName, m.MetricStat!.Period, m.MetricStat!.Stat, m.MetricStat!.Metric!.Dimensions])).to.deep.equal([
            ["IncomingBytes", 60, "Sum", [{ Name: "StreamName", Value: "prod-flight-events" }]],
            ["IncomingRecords", 60, "Sum", [{ Name: "StreamName", Value: "prod-flight-events" }]],
        ]);
        expect(sfn.commandCalls(StartExecutionCommand)[0].args[0].input).to.deep.equal({
            stateMachineArn: "arn:aws:states:eu-west-1:401234567890:stateMachine:reshard",
            name: "auto-202611221200-8",
            input: '{"targetShards":8}',
        });
        const pub = sns.commandCalls(PublishCommand)[0].args[0].input;
        expect(pub.TopicArn).to.equal("arn:ticket");
        expect(pub.Subject).to.equal("Automatic reshard of prod-flight-events: 4 → 8 shards");
        expect(pub.Message).to.contain("Triggered by alarm prod-stream-incoming-bytes-capacity.");
        expect(pub.Message).to.contain("Execution: arn:exec.");
    });

    it("pages on-call and starts nothing when the budget stops it", async () => {
        kinesis.on(DescribeStreamSummaryCommand).resolves(active(4));
        cw.on(GetMetricDataCommand).resolves({
            MetricDataResults: [
                { Id: "bytes", Values: [0.9 * 4 * MiB * 60] },
                { Id: "records", Values: [1] },
            ],
        });
        sfn.on(ListExecutionsCommand).resolves({ executions: [] });
        sns.on(PublishCommand).resolves({});
        const ledger = new MemoryLedger(Array.from({ length: 9 }, (_, i) => hoursAgo(10 - i)));
        const res = await autoReshard({ trigger: "schedule" }, deps(ledger));
        expect(res.decision.action).to.equal("blocked");
        expect(sfn.commandCalls(StartExecutionCommand)).to.have.length(0);
        const pub = sns.commandCalls(PublishCommand)[0].args[0].input;
        expect(pub.TopicArn).to.equal("arn:page");
        expect(pub.Subject).to.equal("Automatic reshard of prod-flight-events stopped by the UpdateShardCount budget");
        expect(pub.Message).to.contain("Triggered by the scheduled check.");
    });

    it("starts nothing while an execution runs, while the stream is UPDATING, or when the alarm returns to OK", async () => {
        kinesis.on(DescribeStreamSummaryCommand).resolves(active(4));
        sfn.on(ListExecutionsCommand).resolves({ executions: [{ executionArn: "x", stateMachineArn: "y", name: "n", status: "RUNNING", startDate: NOW }] });
        expect((await autoReshard({ trigger: "schedule" }, deps())).decision).to.deep.equal({ action: "none", reason: "a reshard execution is already running." });
        kinesis.on(DescribeStreamSummaryCommand).resolves({ StreamDescriptionSummary: { ...active(4).StreamDescriptionSummary, StreamStatus: "UPDATING" } });
        expect((await autoReshard({ trigger: "schedule" }, deps())).decision.reason).to.contain("is UPDATING");
        expect((await autoReshard({ "detail-type": "CloudWatch Alarm State Change", detail: { alarmName: "a", state: { value: "OK" } } }, deps())).decision.reason).to.equal("alarm a went to OK, not ALARM.");
        expect(sfn.commandCalls(StartExecutionCommand)).to.have.length(0);
        expect(sns.commandCalls(PublishCommand)).to.have.length(0);
    });
});

describe("workflows: automatic reshard on the local Step Functions (kinesis-local)", function () {
    this.timeout(120000);
    let kinesis: KinesisEmulator;
    let client: KinesisClient;
    before(async () => {
        kinesis = await startKinesis({ operationDelayMs: 100 });
        client = kinesis.client();
    });
    after(async () => kinesis?.stop());

    async function burst(stream: string, records: number): Promise<void> {
        // Stay inside one arrival minute: start in its first 40 seconds.
        const second = new Date().getUTCSeconds();
        if (second > 40) await new Promise((r) => setTimeout(r, (61 - second) * 1000));
        for (let i = 0; i < records; i += 500) {
            const n = Math.min(500, records - i);
            const res = await client.send(new PutRecordsCommand({ StreamName: stream, Records: Array.from({ length: n }, (_, j) => ({ PartitionKey: `k${i + j}`, Data: Buffer.from(`{"n":${i + j}}`) })) }));
            expect(res.FailedRecordCount ?? 0).to.equal(0);
        }
    }
    const SCALED = (streamName: string) => ({ streamName, alarmShare: 0.02, targetUtilization: 0.01, headroom: 1 });
    const open = async (name: string) => (await client.send(new DescribeStreamSummaryCommand({ StreamName: name }))).StreamDescriptionSummary!.OpenShardCount!;

    it("starts the reshard workflow with the planner's target when the capacity alarm's condition holds, and notifies", async () => {
        await createStream(client, "auto-up", 1);
        // The emulator writes a few hundred records a second, so the shares are scaled down (same code, smaller
        // numbers): 1,500 records in one minute on 1 shard = 2.5% of its 60,000-a-minute limit, over the 2% share
        // set here; at a 1% target utilisation and no headroom: 25/s / 10 = 2.5 → 3 shards (one call, 1 → 2 → 3 is two).
        await burst("auto-up", 1500);
        const ledger = new MemoryLedger();
        const { deps, starter, notifications } = localAutoReshardDeps(client, ledger, SCALED("auto-up"));
        const res = await autoReshard({ "detail-type": "CloudWatch Alarm State Change", detail: { alarmName: "local-stream-incoming-records-capacity", state: { value: "ALARM" } } }, deps);
        expect(res.decision).to.deep.include({ action: "start", fromShards: 1, targetShards: 3, plannedShards: 3, calls: 2 });
        expect(starter.executions.map((e) => e.input)).to.deep.equal([{ targetShards: 3 }]);
        const run = await starter.executions[0].result;
        expect(run.status, `${run.error}: ${run.cause}`).to.equal("SUCCEEDED");
        expect(run.statesEntered.filter((s) => s === "UpdateShardCount")).to.have.length(2);
        expect(await open("auto-up")).to.equal(3);
        expect((await ledger.calls()).length).to.equal(2);
        expect(notifications.map((n) => [n.severity, n.subject])).to.deep.equal([["ticket", "Automatic reshard of auto-up: 1 → 3 shards"]]);
        // The next check sees the same minute against 3 shards: 0.83%, below the share: nothing more.
        const again = await autoReshard({ trigger: "schedule" }, deps);
        expect(again.decision.action).to.equal("none");
        expect(starter.executions).to.have.length(1);
    });

    it("fails when the load is under the alarm's share: the same burst on 2 shards starts nothing", async () => {
        await createStream(client, "auto-calm", 2);
        await burst("auto-calm", 1500);
        const { deps, starter, notifications } = localAutoReshardDeps(client, new MemoryLedger(), SCALED("auto-calm"));
        const res = await autoReshard({ trigger: "schedule" }, deps);
        expect(res.decision.action).to.equal("none");
        expect(res.decision.reason).to.contain("1500 records (1.3% of the record limit)");
        expect(starter.executions).to.have.length(0);
        expect(notifications).to.deep.equal([]);
        expect(await open("auto-calm")).to.equal(2);
    });
});
