/**
 * Replay executed locally end to end: the deployed ASL under
 * aws-local-stepfunctions, the real task code against kinesis-local (and
 * s3rver for the lake part), re-delivering to a stub target that records
 * every Kinesis-event-shaped payload it gets.
 */
import { expect } from "chai";
import { KinesisClient, PutRecordsCommand } from "@aws-sdk/client-kinesis";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import type { KinesisStreamEvent } from "aws-lambda";
import { gzipSync } from "zlib";
import { KinesisEmulator, listShards, startKinesis } from "../../local/emulators/kinesis";
import { S3Emulator, startS3 } from "../../local/emulators/s3";
import { runLocalWorkflow } from "../../local/workflows";
import { Deliver, WorkflowDeps } from "../../functions/workflows/deps";
import { partitionPrefix, partitionKeysOf, objectName, toJsonLine } from "../../functions/lake/partitioning";

const STREAM = "replay-events";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A target that records what it was given, by source shard. */
function stubTarget(failFirst = 0) {
    const delivered: { target: string; event: KinesisStreamEvent }[] = [];
    let failures = failFirst;
    const deliver: Deliver = async (target, event) => {
        delivered.push({ target, event });
        if (failures > 0) {
            failures--;
            return { failedSequenceNumbers: [event.Records[0].kinesis.sequenceNumber] };
        }
        return { failedSequenceNumbers: [] };
    };
    const byShard = () => {
        const out: Record<string, string[]> = {};
        for (const d of delivered) {
            for (const r of d.event.Records) {
                const shard = r.eventID.split(":")[0];
                (out[shard] ??= []).push(Buffer.from(r.kinesis.data, "base64").toString("utf8"));
            }
        }
        return out;
    };
    return { deliver, delivered, byShard };
}

async function put(client: KinesisClient, tag: string, n: number): Promise<Record<string, string[]>> {
    const res = await client.send(
        new PutRecordsCommand({
            StreamName: STREAM,
            Records: Array.from({ length: n }, (_, i) => ({ PartitionKey: `${tag}-${i}`, Data: Buffer.from(JSON.stringify({ eventId: `${tag}-${i}` })) })),
        }),
    );
    expect(res.FailedRecordCount ?? 0).to.equal(0);
    const out: Record<string, string[]> = {};
    res.Records!.forEach((r, i) => (out[r.ShardId!] ??= []).push(JSON.stringify({ eventId: `${tag}-${i}` })));
    return out;
}

describe("workflows: replay (local, kinesis-local)", function () {
    this.timeout(60000);
    let kinesis: KinesisEmulator;
    let s3: S3Emulator;
    let client: KinesisClient;
    let s3client: S3Client;
    let from: string;
    let to: string;
    let expected: Record<string, string[]>;

    before(async () => {
        [kinesis, s3] = await Promise.all([startKinesis({ streams: { [STREAM]: 3 } }), startS3({ buckets: ["lake"] })]);
        client = kinesis.client();
        s3client = s3.client();
        await put(client, "before", 12);
        await sleep(1100);
        from = new Date().toISOString();
        await sleep(50);
        expected = await put(client, "inside", 30);
        const more = await put(client, "inside2", 9);
        for (const [k, v] of Object.entries(more)) (expected[k] ??= []).push(...v);
        await sleep(1100);
        to = new Date().toISOString();
        await sleep(1100);
        await put(client, "after", 12);
    });

    after(async () => {
        await Promise.all([kinesis?.stop(), s3?.stop()]);
    });

    function deps(deliver: Deliver, extra: Partial<WorkflowDeps["settings"]> = {}): WorkflowDeps {
        return {
            settings: { region: "us-east-1", streamName: STREAM, retentionHours: 24, pageMaxRecords: 4, pageMaxSeconds: 10, deliveryBatchSize: 3, ...extra },
            kinesis: client,
            s3: s3client,
            deliver,
            sleep: async () => undefined,
        };
    }

    it("re-delivers exactly the records of [from, to] of every shard, in pages, with counts per shard", async () => {
        const target = stubTarget();
        const run = await runLocalWorkflow("replay", { from, to, target: "analytics" }, { deps: deps(target.deliver) });
        expect(run.status, `${run.error}: ${run.cause}`).to.equal("SUCCEEDED");
        const shards = (await listShards(client, STREAM)).map((s) => s.ShardId!).sort();
        expect(shards).to.have.length(3);
        const got = target.byShard();
        const out = run.output as { sources: { source: string; kind: string; records: number; events: number; pages: number }[]; totals: { records: number }; stream: unknown; lake?: unknown };
        expect(out.lake).to.equal(undefined);
        expect(out.totals.records).to.equal(39);
        for (const shard of shards) {
            const want = expected[shard] ?? [];
            expect(got[shard] ?? [], shard).to.deep.equal(want);
            const src = out.sources.find((s) => s.source === shard)!;
            expect(src).to.include({ kind: "shard", records: want.length, events: want.length });
            // 4 records per page at most: a shard with n records takes more than n/4 pages.
            expect(src.pages).to.be.at.least(Math.ceil(want.length / 4));
        }
        expect(target.delivered.every((d) => d.target === "analytics")).to.equal(true);
        expect(target.delivered.every((d) => d.event.Records.length <= 3)).to.equal(true);
        const r0 = target.delivered[0].event.Records[0];
        expect(r0).to.include({ eventSource: "aws:kinesis", eventName: "aws:kinesis:record", awsRegion: "us-east-1" });
        expect(run.statesEntered.filter((s) => s === "ReadPage").length).to.be.greaterThan(3);
    });

    it("re-delivers a batch the target reported failures for (idempotent target)", async () => {
        const target = stubTarget(2);
        const run = await runLocalWorkflow("replay", { from, to }, { deps: deps(target.deliver, { pageMaxRecords: 1000, deliveryBatchSize: 500 }) });
        expect(run.status, `${run.error}: ${run.cause}`).to.equal("SUCCEEDED");
        const out = run.output as { totals: { records: number; batches: number } };
        expect(out.totals.records).to.equal(39);
        // 3 shards, one batch each, the first two attempts reported a failure.
        expect(out.totals.batches).to.equal(5);
    });

    it("skips a record the target refuses 3 times in a row while the rest of its batch is counted, and reports it", async () => {
        const target = stubTarget(1000);
        const run = await runLocalWorkflow("replay", { from, to }, { deps: deps(target.deliver, { pageMaxRecords: 1000 }) });
        expect(run.status, `${run.error}: ${run.cause}`).to.equal("SUCCEEDED");
        const out = run.output as { totals: { records: number; batches: number; rejected: number } };
        expect(out.totals.records).to.equal(39);
        // Each batch was delivered 3 times and one of its records skipped.
        expect(out.totals.rejected).to.be.greaterThan(0);
        expect(out.totals.batches).to.equal(3 * out.totals.rejected);
    });

    it("fails when the target reports every record of a batch failed 3 times in a row", async () => {
        const deliver: Deliver = async (_t, event) => ({ failedSequenceNumbers: event.Records.map((r) => r.kinesis.sequenceNumber) });
        const run = await runLocalWorkflow("replay", { from, to }, { deps: deps(deliver, { pageMaxRecords: 1000 }) });
        expect(run.status).to.equal("FAILED");
        expect(run.error).to.equal("ReplayDeliveryFailed");
        expect(run.cause).to.match(/^target "analytics" reported \d+ failed record\(s\) 3 times in a row \(first: \d+\); the replay stops here and can be re-run \(re-delivery is idempotent\)\.$/);
    });

    it("fails when the time range is inverted, naming both ends", async () => {
        const run = await runLocalWorkflow("replay", { from: to, to: from }, { deps: deps(stubTarget().deliver) });
        expect(run.status).to.equal("FAILED");
        expect(run.error).to.equal("InvalidReplayInput");
        expect(run.cause).to.equal(`the time range is inverted or empty: \`from\` (${new Date(to).toISOString()}) must be before \`to\` (${new Date(from).toISOString()}).`);
        expect(run.statesEntered).to.deep.equal(["Plan"]);
    });

    it("fails when the range is beyond retention and no lake is configured", async () => {
        const old = new Date(Date.now() - 30 * 3600_000).toISOString();
        const run = await runLocalWorkflow("replay", { from: old, to }, { deps: deps(stubTarget().deliver) });
        expect(run.status).to.equal("FAILED");
        expect(run.error).to.equal("InvalidReplayInput");
        expect(run.cause).to.match(/^`from` \(.+\) is beyond the stream's 24 h retention \(oldest replayable: .+\) and no lake is configured to replay from\.$/);
    });

    it("replays from the lake's objects beyond retention, counting per hour partition", async () => {
        const now = Date.now();
        const h = (hoursAgo: number, min = 0) => new Date(Math.floor((now - hoursAgo * 3600_000) / 3600_000) * 3600_000 + min * 60_000);
        const events = [
            { at: h(30, 10), source: "web" },
            { at: h(30, 20), source: "web" },
            { at: h(30, 30), source: "app" },
            { at: h(29, 5), source: "web" },
            { at: h(40, 0), source: "web" }, // before `from`
        ].map((e, i) => ({ eventId: `lake-${i}`, type: "search", occurredAt: e.at.toISOString(), source: e.source, origin: "LHR", destination: "JFK", departureDate: "2026-12-01", passengers: 1, cabin: "economy" }));
        const groups = new Map<string, string[]>();
        for (const e of events) {
            const p = partitionPrefix(partitionKeysOf(e));
            groups.set(p, [...(groups.get(p) ?? []), toJsonLine(e)]);
        }
        let n = 0;
        for (const [prefix, lines] of groups) {
            await s3client.send(new PutObjectCommand({ Bucket: "lake", Key: `${prefix}${objectName("events", new Date(), `id${n++}`)}`, Body: gzipSync(lines.join("")) }));
        }
        const target = stubTarget();
        const lakeFrom = h(30).toISOString();
        const lakeTo = h(28).toISOString();
        const run = await runLocalWorkflow("replay", { from: lakeFrom, to: lakeTo }, { deps: deps(target.deliver, { lakeBucket: "lake" }) });
        expect(run.status, `${run.error}: ${run.cause}`).to.equal("SUCCEEDED");
        const out = run.output as { lake: { from: string; to: string }; stream?: unknown; sources: { source: string; kind: string; records: number }[] };
        expect(out.stream).to.equal(undefined);
        expect(out.lake.from).to.equal(lakeFrom);
        const hourId = (d: Date) => `dt=${d.toISOString().slice(0, 10)}/hour=${d.toISOString().slice(11, 13)}`;
        expect(out.sources.map((s) => [s.kind, s.source, s.records])).to.deep.equal([
            ["lake", hourId(h(30)), 3],
            ["lake", hourId(h(29)), 1],
            ["lake", hourId(h(28)), 0],
        ]);
        const ids = target.delivered.flatMap((d) => d.event.Records.map((r) => JSON.parse(Buffer.from(r.kinesis.data, "base64").toString()).eventId)).sort();
        expect(ids).to.deep.equal(["lake-0", "lake-1", "lake-2", "lake-3"]);
    });
});
