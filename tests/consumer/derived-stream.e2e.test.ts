/**
 * The clean derived stream on the local platform (npm start's code path):
 * events accepted by ingestion (two sources, extra fields, non-UTC offsets)
 * are cleaned by the clean-writer consumer onto `<stream>-clean` through the
 * producer, and read there by the second consumer (clean-stats). Counted
 * exactly against what ingestion accepted: on the clean stream itself (read
 * back and decoded) and by the second consumer.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { expect } from "chai";
import { GetRecordsCommand, GetShardIteratorCommand, type KinesisClient } from "@aws-sdk/client-kinesis";
import { startPlatform, type Platform } from "../../local/platform";
import { listShards } from "../../local/emulators/kinesis";
import { decodeBatch, type ConsumedEvent } from "../../functions/consumer/framework";
import { isCleanEvent } from "../../functions/consumer/clean/transform";
import { identityKey } from "../../functions/shared/identity";
import { postEvents } from "../helpers/ingest";

async function readAll(client: KinesisClient, streamName: string): Promise<ConsumedEvent[]> {
    const out: ConsumedEvent[] = [];
    for (const shard of await listShards(client, streamName)) {
        let it = (await client.send(new GetShardIteratorCommand({ StreamName: streamName, ShardId: shard.ShardId!, ShardIteratorType: "TRIM_HORIZON" }))).ShardIterator;
        for (let i = 0; it && i < 50; i++) {
            const res = await client.send(new GetRecordsCommand({ ShardIterator: it, Limit: 10000 }));
            const records = res.Records ?? [];
            if (records.length === 0 && (res.MillisBehindLatest ?? 0) === 0) break;
            // Every record as its own batch: copies across records stay visible.
            for (const r of records) {
                const d = decodeBatch([
                    { kinesis: { data: Buffer.from(r.Data!).toString("base64"), partitionKey: r.PartitionKey!, sequenceNumber: r.SequenceNumber!, approximateArrivalTimestamp: r.ApproximateArrivalTimestamp!.getTime() / 1000 } },
                ]);
                expect(d.poison, `poison on ${streamName}`).to.deep.equal([]);
                out.push(...d.events);
            }
            it = res.NextShardIterator;
        }
    }
    return out;
}

describe("derived stream on the local platform: clean events read by a second consumer (e2e)", function () {
    this.timeout(240_000);
    let platform: Platform;
    let dir: string;
    before(async () => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "derived-e2e-"));
        platform = await startPlatform({ dir, reset: true, ingestPort: 0, insightsPort: 0, etlIntervalMs: 0, lakeBufferIntervalMs: 1000, functionLogLevel: "ERROR", persistStream: false, esm: { batchSize: 50, pollIntervalMs: 50 } });
    });
    after(async () => {
        await platform?.stop();
        fs.rmSync(dir, { recursive: true, force: true });
    });

    it("carries every accepted event once, cleaned, and the second consumer counts exactly them", async () => {
        expect(Object.keys(platform.consumers.consumers)).to.deep.equal(["clean-writer", "clean-stats"]);
        const cleanStream = platform.consumers.derivedStreams.clean;
        expect(cleanStream).to.equal(`${platform.streamName}-clean`);
        const now = Date.now();
        const sent: Record<string, unknown>[] = [];
        const sources = ["web-eu", "app-ios"] as const;
        for (let r = 0; r < 12; r++) {
            const source = sources[r % 2];
            const body = Array.from({ length: 25 }, (_, j) => {
                const i = r * 25 + j;
                // Every third event at +02:00, every fourth with a field the clean stream drops, some without `source` (filled from the key).
                const at = new Date(now - i * 1000);
                const occurredAt = i % 3 === 0 ? new Date(at.getTime() + 2 * 3600_000).toISOString().replace("Z", "+02:00") : at.toISOString();
                const base =
                    i % 2 === 0
                        ? { type: "search", origin: "ZRH", destination: "JFK", departureDate: "2027-02-01", passengers: 2, cabin: "business" }
                        : { type: "offer", origin: "GVA", destination: "LHR", departureDate: "2027-02-02", carrier: "LX", price: { amount: 199.5, currency: "CHF" } };
                return { eventId: `d-${i}`, occurredAt, ...(i % 5 === 0 ? {} : { source }), ...base, ...(i % 4 === 0 ? { debugInfo: { sdk: "1.2.3" } } : {}) };
            });
            const res = await postEvents(platform.ingestUrl, platform.dirs.root, body, source);
            expect(res.status, await res.clone().text()).to.equal(202);
            for (const e of body) sent.push({ ...e, source });
        }
        await platform.settle(120_000);

        const clean = await readAll(platform.kinesis.client(), cleanStream);
        // Exactly the accepted events, each once.
        expect(clean.length).to.equal(sent.length);
        expect(new Set(clean.map((c) => c.key))).to.deep.equal(new Set(sent.map((e) => identityKey(e as { source: string; eventId: string }))));
        const byKey = new Map(sent.map((e) => [identityKey(e as { source: string; eventId: string }), e]));
        for (const c of clean) {
            const raw = byKey.get(c.key)!;
            const e = c.event as unknown as Record<string, any>;
            expect(isCleanEvent(c.event), c.key).to.equal(true);
            expect(e.occurredAt).to.equal(new Date(Date.parse(raw.occurredAt as string)).toISOString());
            expect(e.clean.occurredAtAsSent).to.equal(raw.occurredAt);
            expect(e.clean.authenticatedSource).to.equal(raw.source);
            expect(e.clean.route).to.equal(raw.type === "search" ? "ZRH-JFK" : "GVA-LHR");
            expect(e.clean.eventDay).to.equal(e.occurredAt.slice(0, 10));
            expect(e).to.not.have.property("debugInfo");
        }
        // The second consumer read exactly them, per type and authenticated source.
        const stats = platform.consumers.consumers["clean-stats"].stats();
        const expected: Record<string, number> = { events: sent.length };
        for (const e of sent) expected[`${e.type}/${e.source}`] = (expected[`${e.type}/${e.source}`] ?? 0) + 1;
        expect(stats).to.deep.equal(expected);
        expect(platform.consumers.consumers["clean-writer"].stats()).to.deep.equal({ written: sent.length, dropped: 0, failed: 0 });
        for (const c of Object.values(platform.consumers.consumers)) expect(fs.existsSync(c.onFailureFile), c.onFailureFile).to.equal(false);
    });
});
