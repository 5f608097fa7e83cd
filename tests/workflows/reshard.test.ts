/**
 * Reshard executed locally end to end against kinesis-local: the deployed ASL,
 * the real task code, UpdateShardCount and the ACTIVE polling loop (the
 * emulator takes 150 ms per update, so the Wait/Describe loop really turns).
 */
import { expect } from "chai";
import { DescribeStreamSummaryCommand, KinesisClient } from "@aws-sdk/client-kinesis";
import { GetParameterCommand, ParameterNotFound, PutParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { mockClient } from "aws-sdk-client-mock";
import { KinesisEmulator, createStream, startKinesis } from "../../local/emulators/kinesis";
import { runLocalWorkflow } from "../../local/workflows";
import { MemoryLedger, SsmLedger, reshardBudget } from "../../functions/workflows/ledger";
import { reshardTarget } from "../../functions/workflows/reshard";
import { plannerFigures } from "../../functions/workflows/config";
import { measuredFigures, planDataPath } from "../../functions/shared/capacity";
import benchResults from "../../bench/results.json";
import { WorkflowDeps } from "../../functions/workflows/deps";

describe("workflows: reshard (local, kinesis-local)", function () {
    this.timeout(60000);
    let kinesis: KinesisEmulator;
    let client: KinesisClient;

    before(async () => {
        kinesis = await startKinesis({ operationDelayMs: 150 });
        client = kinesis.client();
    });
    after(async () => kinesis?.stop());

    const deps = (streamName: string, ledger: MemoryLedger, now?: () => Date): WorkflowDeps => ({
        settings: { region: "us-east-1", streamName },
        kinesis: client,
        ledger,
        ...(now ? { now } : {}),
    });

    async function openShards(name: string): Promise<number> {
        const res = await client.send(new DescribeStreamSummaryCommand({ StreamName: name }));
        return res.StreamDescriptionSummary!.OpenShardCount!;
    }

    it("scales 2 → 5 shards in two calls (2x at most), waiting for ACTIVE between them", async () => {
        await createStream(client, "up", 2);
        const ledger = new MemoryLedger();
        const run = await runLocalWorkflow("reshard", { targetShards: 5 }, { deps: deps("up", ledger), waitMs: 50 });
        expect(run.status, `${run.error}: ${run.cause}`).to.equal("SUCCEEDED");
        const out = run.output as { fromShards: number; targetShards: number; openShards: number; steps: unknown[]; budget: { used: number } };
        expect(out).to.deep.include({ streamName: "up", fromShards: 2, targetShards: 5, openShards: 5 });
        expect(out.steps).to.deep.equal([
            { call: 1, fromShards: 2, toShards: 4 },
            { call: 2, fromShards: 4, toShards: 5 },
        ]);
        expect(await openShards("up")).to.equal(5);
        expect((await ledger.calls()).length).to.equal(2);
        expect(run.statesEntered.filter((s) => s === "UpdateShardCount")).to.have.length(2);
        // Each update was followed by at least one poll that saw the stream ACTIVE again.
        expect(run.statesEntered.filter((s) => s === "DescribeStream").length).to.be.at.least(2);
    });

    it("scales 5 → 2 shards down in halves (5 → 3 → 2)", async () => {
        await createStream(client, "down", 5);
        const run = await runLocalWorkflow("reshard", { targetShards: 2 }, { deps: deps("down", new MemoryLedger()), waitMs: 50 });
        expect(run.status, `${run.error}: ${run.cause}`).to.equal("SUCCEEDED");
        expect((run.output as { steps: unknown[] }).steps).to.deep.equal([
            { call: 1, fromShards: 5, toShards: 3 },
            { call: 2, fromShards: 3, toShards: 2 },
        ]);
        expect(await openShards("down")).to.equal(2);
    });

    it("does nothing when the stream already has the target count", async () => {
        await createStream(client, "same", 3);
        const ledger = new MemoryLedger();
        const run = await runLocalWorkflow("reshard", { targetShards: 3 }, { deps: deps("same", ledger) });
        expect(run.status).to.equal("SUCCEEDED");
        expect((run.output as { steps: unknown[] }).steps).to.deep.equal([]);
        expect(run.statesEntered).to.deep.equal(["PlanReshard", "MoreSteps?", "Resharded"]);
        expect(await ledger.calls()).to.deep.equal([]);
    });

    it("fails when the 24 h call budget would be exceeded, before any call", async () => {
        await createStream(client, "budget", 2);
        const now = new Date("2026-11-22T12:00:00.000Z");
        const earlier = Array.from({ length: 9 }, (_, i) => new Date(now.getTime() - (20 - i) * 3600_000));
        const stale = new Date(now.getTime() - 25 * 3600_000); // outside the rolling window
        const ledger = new MemoryLedger([stale, ...earlier]);
        const run = await runLocalWorkflow("reshard", { targetShards: 5 }, { deps: deps("budget", ledger, () => now) });
        expect(run.status).to.equal("FAILED");
        expect(run.error).to.equal("ReshardBudgetExceeded");
        expect(run.cause).to.equal(
            "resharding budget from 2 to 5 shards needs 2 UpdateShardCount calls, but 9 of the 10 calls allowed per rolling 24 h were already made " +
                "(1 left; the oldest stops counting at 2026-11-22T16:00:00.000Z). Retry later or choose a target closer to the current shard count.",
        );
        expect(run.statesEntered).to.deep.equal(["PlanReshard"]);
        expect(await openShards("budget")).to.equal(2);
    });

    it("fails when the target is zero shards", async () => {
        const run = await runLocalWorkflow("reshard", { targetShards: 0 }, { deps: deps("up", new MemoryLedger()) });
        expect(run.status).to.equal("FAILED");
        expect(run.error).to.equal("InvalidReshardInput");
        expect(run.cause).to.equal("`targetShards` must be an integer between 1 and 10000 (received 0).");
    });

    it("sizes the target from a throughput with the capacity planner", () => {
        expect(reshardTarget({ throughputMBps: 1 }))
            .to.be.a("number")
            .and.at.least(1);
        expect(reshardTarget({ throughputMBps: 100 })).to.be.greaterThan(reshardTarget({ throughputMBps: 10 }));
        expect(() => reshardTarget({ throughputMBps: 10, targetShards: 3 })).to.throw("give only one of `targetShards` or `throughputMBps` (received both).");
        expect(() => reshardTarget({})).to.throw("give `targetShards` (a shard count) or `throughputMBps` (peak write MB/s to size for) (received neither).");
        expect(() => reshardTarget({ throughputMBps: -1 })).to.throw("`throughputMBps` must be a number greater than 0 (received -1).");
    });

    it("sizes a throughput with the data-path planner and the measured figures the stack passes (the same plan as shards: auto)", () => {
        const measured = measuredFigures(benchResults);
        const env = { PLANNER_MEASURED_FIGURES: JSON.stringify(measured) };
        const figures = plannerFigures(env);
        expect(figures).to.deep.equal(measured);
        // 10 TB/day at a 2x peak: 231.5 MB/s of event JSON.
        expect(reshardTarget({ throughputMBps: 231.5 }, 10000, figures)).to.equal(planDataPath({ mbPerSecond: 231.5, peakFactor: 1, measured }).shards);
        expect(reshardTarget({ throughputMBps: 231.5 }, 10000, figures)).to.be.at.most(48);
    });

    it("fails when PLANNER_MEASURED_FIGURES is not JSON or lacks a figure, naming the variable and the figure", () => {
        expect(() => plannerFigures({ PLANNER_MEASURED_FIGURES: "{oops" })).to.throw(/^environment variable PLANNER_MEASURED_FIGURES must be JSON \(received "\{oops"\)/);
        expect(() => plannerFigures({ PLANNER_MEASURED_FIGURES: JSON.stringify({ averageEventBytes: 375 }) })).to.throw("environment variable PLANNER_MEASURED_FIGURES needs a positive number `frameCompressionRatio` (received undefined).");
        expect(plannerFigures({})).to.equal(undefined);
    });
});

describe("workflows: reshard ledger", () => {
    it("counts only calls of the rolling 24 h", () => {
        const now = new Date("2026-11-22T12:00:00Z");
        const b = reshardBudget([new Date("2026-11-21T11:59:59Z"), new Date("2026-11-21T12:00:01Z"), new Date("2026-11-22T11:00:00Z")], now);
        expect(b).to.deep.equal({ used: 2, limit: 10, remaining: 8, nextFreeAt: "2026-11-22T12:00:01.000Z" });
    });

    it("keeps the calls in one SSM parameter, pruned to 24 h on each write", async () => {
        const ssm = mockClient(SSMClient);
        const now = new Date("2026-11-22T12:00:00Z");
        ssm.on(GetParameterCommand).resolves({ Parameter: { Value: JSON.stringify({ stream: "s", calls: ["2026-11-20T12:00:00.000Z", "2026-11-22T10:00:00.000Z"] }) } });
        ssm.on(PutParameterCommand).resolves({});
        const ledger = new SsmLedger(new SSMClient({ region: "us-east-1" }), "/flightstream/test/reshard-ledger", "s", () => now);
        await ledger.record(now);
        const put = ssm.commandCalls(PutParameterCommand)[0].args[0].input;
        expect(put).to.deep.equal({
            Name: "/flightstream/test/reshard-ledger",
            Type: "String",
            Overwrite: true,
            Value: JSON.stringify({ stream: "s", calls: ["2026-11-22T10:00:00.000Z", "2026-11-22T12:00:00.000Z"] }),
        });
        ssm.reset();
        ssm.on(GetParameterCommand).rejects(new ParameterNotFound({ message: "not found", $metadata: {} }));
        expect(await ledger.calls()).to.deep.equal([]);
        ssm.restore();
    });
});
