/**
 * Issue 22: exactly once with the mechanism that fits 10 TB/day (record-part
 * claims per shard, identity digests for searches and offers, per-event
 * identity rows for bookings and cancellations), against the real processor
 * over the local Data API (PGlite). Every test injects the fault for real and
 * counts every event afterwards: redelivered batches, a commit whose answer is
 * lost (the crash between the aggregate transaction and Lambda's checkpoint),
 * shards in any order with resends across them (property), a replayed window
 * after a recompute, a resend 10 minutes later under a new sequence number,
 * child shards reusing sequence numbers.
 */
import { expect } from "chai";
import fc from "fast-check";
import { Logger } from "@aws-lambda-powertools/logger";
import type { KinesisStreamRecord } from "aws-lambda";
import { DataApi } from "../../functions/shared/db/dataapi";
import { ProcessorDeps, createProcessor } from "../../functions/processor/handler";
import { recomputeWindow } from "../../functions/workflows/replay-recompute";
import { TEST_ARRIVAL, booking, cancellation, kinesisEvent, kinesisRecord, nextSequence, offer, search, sharedTestDb, truncateAll } from "./helpers";

process.env.POWERTOOLS_LOG_LEVEL = "SILENT";
process.env.POWERTOOLS_METRICS_DISABLED = "true";

const T = "2026-11-22T10:00:00Z";
const at = (minute: number) => new Date(Date.parse(T) + minute * 60_000).toISOString();

/** A record of `events` (one JSON array) on `shard`, with a sequence number and arrival time. */
function record(events: unknown[], shard = "shardId-000000000000", sequenceNumber = nextSequence(), arrival = TEST_ARRIVAL): KinesisStreamRecord {
    const r = kinesisRecord(Buffer.from(JSON.stringify(events)), sequenceNumber, "pk", arrival);
    return { ...r, eventID: `${shard}:${sequenceNumber}` };
}

const TOTALS = `SELECT COALESCE(SUM(searches), 0)::int AS searches, COALESCE(SUM(offers), 0)::int AS offers,
    COALESCE(SUM(bookings), 0)::int AS bookings, COALESCE(SUM(cancellations), 0)::int AS cancellations FROM route_minute_stats`;

describe("analytics: exactly once at 10 TB/day (issue 22: claims, digests, per-event identity for bookings)", function () {
    this.timeout(300_000);
    let db: DataApi;
    const logger = new Logger({ serviceName: "exactly-once-scale-test", logLevel: "SILENT" });
    const make = (extra: Partial<ProcessorDeps> = {}) => createProcessor({ db, logger, cleanupIntervalMinutes: 0, ...extra });
    const totals = async () => (await db.query(TOTALS))[0];

    before(async () => {
        db = (await sharedTestDb()).db;
    });
    beforeEach(async () => truncateAll(db));

    const mixed = (prefix: string, n: number) =>
        Array.from({ length: n }, (_, i) =>
            i % 3 === 0 ? search(`${prefix}s${i}`, i % 2 ? "ZRH-LIS" : "GVA-JFK", at(i % 7)) : i % 3 === 1 ? offer(`${prefix}o${i}`, "ZRH-LIS", at(i % 5), 100 + i) : booking(`${prefix}b${i}`, `PNR-${prefix}${i}`, 1 + (i % 3), at(i % 4)),
        );

    it("writes one identity row per booking or cancellation and one digest row per chunk and event hour for searches and offers", async () => {
        const events = mixed("r", 300); // 100 searches, 100 offers, 100 bookings, over one event hour
        const out = await make().processBatch(kinesisEvent([record(events.slice(0, 150)), record(events.slice(150))]));
        expect(out.stats).to.include({ events: 300, counted: 300, duplicates: 0, chunks: 1, partsClaimed: 2 });
        expect(await db.query("SELECT event_type, count(*)::int AS n FROM processed_events GROUP BY 1 ORDER BY 1")).to.deep.equal([{ event_type: "booking", n: 100 }]);
        expect(await db.query("SELECT count(*)::int AS rows, SUM(cardinality(identities))::int AS identities FROM identity_digests")).to.deep.equal([{ rows: 1, identities: 200 }]);
        expect(await db.query("SELECT count(*)::int AS n FROM counted_identities")).to.deep.equal([{ n: 300 }]);
        expect(await totals()).to.deep.equal({ searches: 100, offers: 100, bookings: 100, cancellations: 0 });
    });

    it("skips a redelivered batch through its claims and counts nothing twice", async () => {
        const records = [record(mixed("a", 90)), record(mixed("b", 60)), record(mixed("c", 30))];
        const first = await make({ limits: { maxItems: 40 } }).processBatch(kinesisEvent(records));
        expect(first.stats).to.include({ counted: 180, redelivered: 0 });
        const again = await make({ limits: { maxItems: 40 } }).processBatch(kinesisEvent(records));
        expect(again.stats).to.include({ events: 180, counted: 0, duplicates: 180, redelivered: 180, partsClaimed: 0 });
        expect(again.response).to.deep.equal({ batchItemFailures: [] });
        expect(await totals()).to.deep.equal({ searches: 60, offers: 60, bookings: 60, cancellations: 0 });
    });

    it("counts every event once when a commit succeeds but its answer is lost (the crash between the aggregates and the checkpoint)", async () => {
        const records = [record(mixed("x", 40)), record(mixed("y", 40)), record(mixed("z", 40))];
        const api = new DataApi(db.target);
        let commits = 0;
        const commit = api.commit.bind(api);
        api.commit = async (tx: string) => {
            await commit(tx);
            if (++commits === 2) throw new Error("socket hang up (the commit went through; its answer did not)");
        };
        // One transaction per chunk (the path a failed batch transaction falls back to).
        const out = await make({ db: api, limits: { maxItems: 40 }, batchTransaction: false }).processBatch(kinesisEvent(records));
        // The second chunk (record y) committed but looks failed: Lambda retries from y.
        expect(out.response).to.deep.equal({ batchItemFailures: [{ itemIdentifier: records[1].kinesis.sequenceNumber }] });
        const retry = await make({ limits: { maxItems: 40 } }).processBatch(kinesisEvent(records.slice(1)));
        expect(retry.response).to.deep.equal({ batchItemFailures: [] });
        expect(retry.stats).to.include({ counted: 0, redelivered: 80 });
        expect(await totals()).to.deep.equal({ searches: 42, offers: 39, bookings: 39, cancellations: 0 });
    });

    it("counts every event once when the whole batch's commit succeeds but its answer is lost (it is then written chunk by chunk and finds every part claimed)", async () => {
        const records = [record(mixed("bx", 40)), record(mixed("by", 40)), record(mixed("bz", 40))];
        const api = new DataApi(db.target);
        let commits = 0;
        const commit = api.commit.bind(api);
        api.commit = async (tx: string) => {
            await commit(tx);
            if (++commits === 1) throw new Error("socket hang up (the commit went through; its answer did not)");
        };
        const out = await make({ db: api, limits: { maxItems: 40 } }).processBatch(kinesisEvent(records));
        expect(out.response).to.deep.equal({ batchItemFailures: [] });
        expect(out.stats).to.include({ events: 120, counted: 0, redelivered: 120, partsClaimed: 0 });
        const retry = await make({ limits: { maxItems: 40 } }).processBatch(kinesisEvent(records));
        expect(retry.stats).to.include({ counted: 0, redelivered: 120 });
        expect(await totals()).to.deep.equal({ searches: 42, offers: 39, bookings: 39, cancellations: 0 });
    });

    it("counts every event once when the process dies before the checkpoint after some chunks committed", async () => {
        const records = [record(mixed("p", 30)), record(mixed("q", 30)), record(mixed("w", 30))];
        const api = new DataApi(db.target);
        let begins = 0;
        const begin = api.begin.bind(api);
        api.begin = async () => {
            if (++begins === 3) throw new Error("Runtime exited with error: signal: killed");
            return begin();
        };
        // The third chunk never starts: its record is reported failed, the others committed with their claims.
        const out = await make({ db: api, limits: { maxItems: 30 }, batchTransaction: false }).processBatch(kinesisEvent(records));
        expect(out.response).to.deep.equal({ batchItemFailures: [{ itemIdentifier: records[2].kinesis.sequenceNumber }] });
        // A killed container returns nothing: Lambda delivers the WHOLE batch again.
        const retry = await make({ limits: { maxItems: 30 } }).processBatch(kinesisEvent(records));
        expect(retry.stats).to.include({ counted: 30, redelivered: 60, partsClaimed: 1 });
        expect(await totals()).to.deep.equal({ searches: 30, offers: 30, bookings: 30, cancellations: 0 });
    });

    it("catches a resend of the same events 10 minutes later under a new sequence number on another shard, and a changed copy as a conflict", async () => {
        const events = mixed("late", 60);
        await make().processBatch(kinesisEvent([record(events, "shardId-000000000001")]));
        const later = TEST_ARRIVAL + 600;
        const changed = { ...(events[0] as ReturnType<typeof search>), passengers: 4 };
        const out = await make().processBatch(kinesisEvent([record(events, "shardId-000000000002", nextSequence(), later), record([changed], "shardId-000000000002", nextSequence(), later)]));
        expect(out.stats).to.include({ counted: 0, duplicates: 60, redelivered: 0, conflicts: 1 });
        expect(await db.query("SELECT event_id, event_type, attempts FROM identity_conflicts")).to.deep.equal([{ event_id: "lates0", event_type: "search", attempts: 1 }]);
        expect(await totals()).to.deep.equal({ searches: 20, offers: 20, bookings: 20, cancellations: 0 });
    });

    it("counts child shards' records even when they reuse a parent's sequence numbers (claims are per shard id)", async () => {
        const seq = nextSequence();
        await make().processBatch(kinesisEvent([record([search("parent", "ZRH-LIS", at(0))], "shardId-000000000000", seq)]));
        const out = await make().processBatch(kinesisEvent([record([search("child", "ZRH-LIS", at(0))], "shardId-000000000007", seq)]));
        expect(out.stats).to.include({ counted: 1, redelivered: 0 });
        const again = await make().processBatch(kinesisEvent([record([search("parent", "ZRH-LIS", at(0))], "shardId-000000000000", seq)]));
        expect(again.stats).to.include({ counted: 0, redelivered: 1 });
        expect(await totals()).to.deep.equal({ searches: 2, offers: 0, bookings: 0, cancellations: 0 });
    });

    it("neither double counts nor drops a window replayed from the stream after it was recomputed from the lake", async () => {
        const inWindow = mixed("win", 45);
        const records = [record(inWindow.slice(0, 20)), record(inWindow.slice(20))];
        await make().processBatch(kinesisEvent(records));
        const before = await totals();
        const lake = inWindow.map((e) => JSON.stringify(e));
        const r = await recomputeWindow(db, { from: "2026-11-22T10:00:00.000Z", to: "2026-11-22T11:00:00.000Z" }, lake);
        expect(r.stats).to.include({ counted: 45 });
        expect(await totals()).to.deep.equal(before);
        // Replay from the stream: the claimed records are skipped...
        const replay = await make().processBatch(kinesisEvent(records));
        expect(replay.stats).to.include({ counted: 0, redelivered: 45 });
        // ...and records whose claims are gone (or never existed) meet the identities recompute rebuilt.
        await db.execute("TRUNCATE stream_record_claims");
        const unclaimed = await make().processBatch(kinesisEvent(records));
        expect(unclaimed.stats).to.include({ counted: 0, duplicates: 45, redelivered: 0 });
        expect(await totals()).to.deep.equal(before);
        expect(before).to.deep.equal({ searches: 15, offers: 15, bookings: 15, cancellations: 0 });
    });

    it("counts a set of events exactly whatever the shards' order, their interleaving, redeliveries and resends across shards (property)", async () => {
        const pool = [
            ...Array.from({ length: 12 }, (_, i) => search(`ps${i}`, i % 2 ? "ZRH-LIS" : "GVA-JFK", at(i % 3))),
            ...Array.from({ length: 8 }, (_, i) => offer(`po${i}`, "ZRH-LIS", at(i % 2), 50 + i)),
            ...Array.from({ length: 6 }, (_, i) => booking(`pb${i}`, `PNR-P${i % 4}`, 1 + (i % 2), at(i))),
            ...Array.from({ length: 3 }, (_, i) => cancellation(`pc${i}`, `PNR-P${i}`, 1, at(10 + i))),
        ];
        const shards = ["shardId-000000000000", "shardId-000000000001", "shardId-000000000002"];
        await fc.assert(
            fc.asyncProperty(
                fc.array(
                    fc.record({
                        shard: fc.nat({ max: 2 }),
                        events: fc.subarray(
                            pool.map((_, i) => i),
                            { minLength: 1, maxLength: 8 },
                        ),
                    }),
                    { minLength: 1, maxLength: 8 },
                ),
                fc.array(fc.nat({ max: 2 }), { minLength: 0, maxLength: 3 }),
                fc.nat({ max: 1000 }),
                async (sends, redeliver, seed) => {
                    await truncateAll(db);
                    // Every event is sent at least once; the extra sends are resends under new sequence numbers.
                    const all = [...sends, { shard: seed % 3, events: pool.map((_, i) => i) }];
                    const perShard = shards.map((s, k) =>
                        all
                            .filter((x) => x.shard === k)
                            .map((x) =>
                                record(
                                    x.events.map((i) => pool[i]),
                                    s,
                                ),
                            ),
                    );
                    const p = make({ limits: { maxItems: 5 } });
                    // Shards run concurrently, each in order; some are delivered again whole afterwards.
                    await Promise.all(perShard.map((rs) => (rs.length ? p.processBatch(kinesisEvent(rs)) : undefined)));
                    for (const k of redeliver) if (perShard[k].length) await p.processBatch(kinesisEvent([...perShard[k]].reverse()));
                    expect(await totals()).to.deep.equal({ searches: 12, offers: 8, bookings: 6, cancellations: 3 });
                    expect(await db.query("SELECT count(*)::int AS n FROM counted_identities")).to.deep.equal([{ n: 29 }]);
                },
            ),
            { numRuns: 6, seed: 22 },
        );
    });

    it("counts a type the aggregates do not count (flight_status) once by per-event identity, beside searches, across a resend on another shard, without failing the batch", async () => {
        const status = (id: string, minute: number) => ({
            eventId: id,
            type: "flight_status",
            occurredAt: at(minute),
            source: "aviationstack",
            flight: { carrier: "LX", number: "2084", departureDate: "2026-11-22" },
            status: "active",
            departure: { airport: "ZRH", scheduled: "2026-11-22T11:05:00+01:00", delayMinutes: 17 },
            arrival: { airport: "LIS", scheduled: "2026-11-22T13:00:00+00:00" },
        });
        const events = [search("fs-s1", "ZRH-LIS", at(1)), status("fs-1", 1), status("fs-2", 2), search("fs-s2", "ZRH-LIS", at(2))];
        const first = await make().processBatch(kinesisEvent([record(events)]));
        expect(first.response.batchItemFailures).to.deep.equal([]);
        expect(first.stats).to.include({ events: 4, counted: 4, duplicates: 0 });
        // The producer resends the same events 10 minutes later, on another shard, under new sequence numbers.
        const resend = await make().processBatch(kinesisEvent([record(events, "shardId-000000000007")]));
        expect(resend.response.batchItemFailures).to.deep.equal([]);
        expect(resend.stats).to.include({ events: 4, counted: 0, duplicates: 4 });
        expect(await db.query("SELECT event_id FROM processed_events WHERE event_type = 'flight_status' ORDER BY 1")).to.deep.equal([{ event_id: "fs-1" }, { event_id: "fs-2" }]);
        expect(await db.query("SELECT count(*)::int AS n FROM counted_identities")).to.deep.equal([{ n: 4 }]);
        expect(await totals()).to.deep.equal({ searches: 2, offers: 0, bookings: 0, cancellations: 0 });
    });
});
