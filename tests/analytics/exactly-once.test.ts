/**
 * Issue 14 against the real processor over the local Data API (PGlite): a
 * store-rejected event isolated from its batch, order-independent booking
 * state (parked cancellations, cancellations naming another flight,
 * rebookings, shuffles over several shards), identity (source, eventId) with
 * counted conflicts, and "anything the validator accepts is stored".
 */
import { expect } from "chai";
import fc from "fast-check";
import { Logger } from "@aws-lambda-powertools/logger";
import { DataApi } from "../../functions/shared/db/dataapi";
import { ProcessorDeps, createProcessor } from "../../functions/processor/handler";
import { LAKE_DAY_RANGE, validateEvent, type FlightEvent } from "../../functions/shared/events";
import { partitionKeysOf, prefixOf } from "../../functions/lake/partitioning";
import { handleRequest } from "../../functions/insights/routes";
import { anyEvent } from "../ingest/arbitraries";
import { booking, cancellation, flight, jsonRecord, kinesisEvent, kinesisRecord, search, sharedTestDb, truncateAll } from "./helpers";

process.env.POWERTOOLS_LOG_LEVEL = "SILENT";
process.env.POWERTOOLS_METRICS_DISABLED = "true";

const T = "2026-11-22T10:00:00Z";
const at = (minute: number) => new Date(Date.parse(T) + minute * 60_000).toISOString();
const INVENTORY = `SELECT carrier, flight_number, to_char(departure_date, 'YYYY-MM-DD') AS departure_date, seats_sold, bookings, cancellations FROM flight_inventory WHERE seats_sold > 0 OR bookings > 0 ORDER BY 1, 2, 3`;

describe("analytics: every accepted event counted exactly once (issue 14)", function () {
    this.timeout(240_000);
    let db: DataApi;
    const logger = new Logger({ serviceName: "exactly-once-test", logLevel: "SILENT" });
    const make = (extra: Partial<ProcessorDeps> = {}) => createProcessor({ db, logger, cleanupIntervalMinutes: 0, ...extra });

    before(async () => {
        db = (await sharedTestDb()).db;
    });
    beforeEach(async () => truncateAll(db));

    describe("isolation of an event the database refuses", () => {
        /** A Data API whose statements fail like PostgreSQL's datetime overflow when they carry `badId`. */
        function refusing(badId: string): { api: DataApi; refusals: () => number } {
            const api = new DataApi(db.target);
            let refusals = 0;
            const wrap = <F extends (...a: any[]) => Promise<any>>(f: F): F =>
                (async (...args: any[]) => {
                    // Only the counting transaction's statements (args[2] is the transaction id).
                    // The event id travels alone (per-event claims, booking rows) or in its digest key ("<n>:<source><eventId>").
                    const params = JSON.stringify(args[1] ?? {});
                    if (args[2] !== undefined && (params.includes(`"${badId}"`) || params.includes(`:test-site${badId}"`))) {
                        refusals++;
                        throw new Error('ERROR: date/time field value out of range: "0000-01-01T00:00:00Z"; SQLState: 22008');
                    }
                    return f(...args);
                }) as F;
            api.query = wrap(api.query.bind(api));
            api.execute = wrap(api.execute.bind(api));
            return { api, refusals: () => refusals };
        }

        it("commits all 116 other events of the batch once and keeps the refused one in rejected_events, reported as its record's failure", async () => {
            const events = Array.from({ length: 117 }, (_, i) => search(`s${i}`, i % 2 ? "ZRH-LIS" : "GVA-JFK", at(i % 5)));
            const records = [
                jsonRecord(events.slice(0, 50), "100"),
                jsonRecord(events.slice(50, 100), "101"), // s60 is in here, at index 10
                jsonRecord(events.slice(100), "102"),
            ];
            const { api, refusals } = refusing("s60");
            const out = await make({ db: api, limits: { maxItems: 40 } }).processBatch(kinesisEvent(records));
            expect(out.response).to.deep.equal({ batchItemFailures: [{ itemIdentifier: "101" }] });
            expect(out.storeRejected).to.equal(1);
            expect(out.stats.counted).to.equal(116);
            expect(refusals()).to.be.greaterThan(1);
            const counted = await db.query<{ n: number }>("SELECT COALESCE(SUM(searches), 0)::int AS n FROM route_minute_stats");
            expect(counted).to.deep.equal([{ n: 116 }]);
            const rejected = await db.query("SELECT sequence_number, sub_sequence, event_index, reason, source, event_id, errors->0->>'message' AS message, attempts FROM rejected_events");
            expect(rejected).to.deep.equal([
                {
                    sequence_number: "101",
                    sub_sequence: 0,
                    event_index: 10,
                    reason: "store-rejected",
                    source: "test-site",
                    event_id: "s60",
                    message: 'ERROR: date/time field value out of range: "0000-01-01T00:00:00Z"; SQLState: 22008',
                    attempts: 1,
                },
            ]);
            // Lambda's retry from record 101 counts nothing twice and bumps the rejection's attempts.
            const retry = await make({ db: api }).processBatch(kinesisEvent(records.slice(1)));
            expect(retry.stats).to.include({ counted: 0, duplicates: 66 });
            expect(retry.response).to.deep.equal({ batchItemFailures: [{ itemIdentifier: "101" }] });
            expect(await db.query("SELECT attempts FROM rejected_events")).to.deep.equal([{ attempts: 2 }]);
            expect(await db.query("SELECT COALESCE(SUM(searches), 0)::int AS n FROM route_minute_stats")).to.deep.equal([{ n: 116 }]);
        });

        it("fails when the database is unreachable: the chunk's records are failures, nothing is recorded as refused", async () => {
            const down = new DataApi(db.target);
            down.transaction = async () => {
                throw new Error("connect ECONNREFUSED 127.0.0.1:5432");
            };
            const out = await make({ db: down }).processBatch(kinesisEvent([jsonRecord(search("a", "ZRH-LIS", at(0)), "7"), jsonRecord(search("b", "ZRH-LIS", at(0)), "8")]));
            expect(out.response).to.deep.equal({ batchItemFailures: [{ itemIdentifier: "7" }, { itemIdentifier: "8" }] });
            expect(out.storeRejected).to.equal(0);
            expect(await db.query("SELECT count(*)::int AS n FROM rejected_events")).to.deep.equal([{ n: 0 }]);
        });
    });

    describe("order-independent booking state", () => {
        it("applies a cancellation processed before its booking when the booking arrives (booked 2, cancelled 2: 0 seats)", async () => {
            await make().processBatch(kinesisEvent([jsonRecord(cancellation("c1", "PNR1", 2, at(5)))]));
            expect(await db.query("SELECT event_id FROM unmatched_cancellations")).to.deep.equal([{ event_id: "c1" }]);
            await make().processBatch(kinesisEvent([jsonRecord(booking("b1", "PNR1", 2, at(0)))]));
            expect(await db.query(INVENTORY)).to.deep.equal([{ carrier: "LX", flight_number: "318", departure_date: "2026-12-01", seats_sold: 0, bookings: 1, cancellations: 1 }]);
            expect(await db.query("SELECT count(*)::int AS n FROM unmatched_cancellations")).to.deep.equal([{ n: 0 }]);
            expect(await db.query("SELECT status, seats_cancelled FROM bookings")).to.deep.equal([{ status: "cancelled", seats_cancelled: 2 }]);
        });

        it("takes the seats of a cancellation naming another flight off its booking's flight and records the mismatch", async () => {
            await make().processBatch(kinesisEvent([jsonRecord([booking("b1", "PNR1", 3, at(0), flight("318")), booking("b2", "PNR2", 2, at(0), flight("22")), cancellation("c1", "PNR1", 1, at(5), flight("22"))])]));
            expect(await db.query(INVENTORY)).to.deep.equal([
                { carrier: "LX", flight_number: "22", departure_date: "2026-12-01", seats_sold: 2, bookings: 1, cancellations: 0 },
                { carrier: "LX", flight_number: "318", departure_date: "2026-12-01", seats_sold: 2, bookings: 1, cancellations: 1 },
            ]);
            expect(await db.query("SELECT event_id, named_flight_number, booking_flight_number FROM cancellation_mismatches")).to.deep.equal([{ event_id: "c1", named_flight_number: "22", booking_flight_number: "318" }]);
            expect(await db.query("SELECT booking_id, flight_mismatches FROM bookings ORDER BY 1")).to.deep.equal([
                { booking_id: "PNR1", flight_mismatches: 1 },
                { booking_id: "PNR2", flight_mismatches: 0 },
            ]);
        });

        it("moves the seats of a rebooking (same bookingId, another flight) to the new flight, in either order", async () => {
            const history = [booking("b1", "PNR1", 2, at(0), flight("318")), booking("b2", "PNR1", 2, at(10), flight("22"))];
            const want = [{ carrier: "LX", flight_number: "22", departure_date: "2026-12-01", seats_sold: 2, bookings: 1, cancellations: 0 }];
            for (const order of [history, [...history].reverse()]) {
                await truncateAll(db);
                for (const e of order) await make().processBatch(kinesisEvent([jsonRecord(e)]));
                expect(await db.query(INVENTORY)).to.deep.equal(want);
            }
        });

        it("converges to the same inventory and counts for random shuffles of a history spread over several concurrent shards", async () => {
            // A history: 6 bookings on 3 flights, 2 rebooked (once each), partial and full cancellations, one naming another flight.
            const f = (n: string) => flight(n);
            const history: FlightEvent[] = [
                booking("b1", "P1", 2, at(0), f("1")),
                cancellation("c1", "P1", 2, at(5), f("1")),
                booking("b2", "P2", 3, at(1), f("1")),
                booking("b2r", "P2", 3, at(8), f("2")),
                cancellation("c2", "P2", 1, at(9), f("2")),
                booking("b3", "P3", 4, at(2), f("2")),
                cancellation("c3", "P3", 1, at(3), f("3")),
                cancellation("c3b", "P3", 1, at(4), f("2")),
                booking("b4", "P4", 1, at(2), f("3")),
                booking("b4r", "P4", 2, at(6), f("1")),
                cancellation("c4-old", "P4", 1, at(3), f("3")),
                booking("b5", "P5", 5, at(1), f("3")),
                cancellation("c5", "P5", 9, at(7), f("3")),
                booking("b6", "P6", 2, at(4), f("2")),
            ] as FlightEvent[];
            const snapshot = async () => ({
                inventory: await db.query(`SELECT carrier, flight_number, seats_sold, bookings, cancellations FROM flight_inventory WHERE seats_sold > 0 OR bookings > 0 OR cancellations > 0 ORDER BY 1, 2`),
                bookings: await db.query("SELECT booking_id, event_id, flight_number, seats, seats_cancelled, status, versions, cancellations, flight_mismatches FROM bookings ORDER BY 1"),
                routes: await db.query("SELECT route, sum(bookings)::int AS bookings, sum(cancellations)::int AS cancellations FROM route_minute_stats GROUP BY 1 ORDER BY 1"),
                parked: await db.query("SELECT count(*)::int AS n FROM unmatched_cancellations"),
            });
            // Reference: everything in one batch, in history order.
            await make().processBatch(kinesisEvent([jsonRecord(history)]));
            const reference = await snapshot();
            // P1 fully cancelled on 1; P2 rebooked to 2, 1 seat cancelled after; P3 two cancellations (one naming 3) on 2;
            // P4 rebooked to 1, its older cancellation superseded; P5 over-cancelled on 3; P6 on 2.
            expect(reference.inventory).to.deep.equal([
                { carrier: "LX", flight_number: "1", seats_sold: 2, bookings: 2, cancellations: 1 },
                { carrier: "LX", flight_number: "2", seats_sold: 6, bookings: 3, cancellations: 3 },
                { carrier: "LX", flight_number: "3", seats_sold: 0, bookings: 1, cancellations: 1 },
            ]);
            expect(reference.routes).to.deep.equal([{ route: "ZRH-LIS", bookings: 8, cancellations: 6 }]);
            expect(reference.parked).to.deep.equal([{ n: 0 }]);
            await fc.assert(
                fc.asyncProperty(fc.array(fc.nat(), { minLength: history.length, maxLength: history.length }), fc.integer({ min: 2, max: 4 }), async (keys, shards) => {
                    await truncateAll(db);
                    const shuffled = history
                        .map((e, i) => ({ e, k: keys[i] }))
                        .sort((a, b) => a.k - b.k)
                        .map((x) => x.e);
                    // Each simulated shard gets every shards-th event and processes it in small batches, all shards at once.
                    await Promise.all(
                        Array.from({ length: shards }, async (_, s) => {
                            const mine = shuffled.filter((_, i) => i % shards === s);
                            const p = make();
                            for (let i = 0; i < mine.length; i += 2) {
                                const out = await p.processBatch(kinesisEvent(mine.slice(i, i + 2).map((e) => jsonRecord(e))));
                                expect(out.response.batchItemFailures).to.deep.equal([]);
                            }
                        }),
                    );
                    expect(await snapshot()).to.deep.equal(reference);
                }),
                { numRuns: 8, seed: 1414 },
            );
        });
    });

    describe("identity (source, eventId) and content", () => {
        it("counts the same eventId from two sources as two events", async () => {
            const a = search("same-id", "ZRH-LIS", at(0));
            const b = { ...search("same-id", "ZRH-LIS", at(0)), source: "app" };
            const out = await make().processBatch(kinesisEvent([jsonRecord(a), jsonRecord(b)]));
            expect(out.stats).to.include({ counted: 2, conflicts: 0 });
            expect(await db.query("SELECT sum(searches)::int AS n FROM route_minute_stats")).to.deep.equal([{ n: 2 }]);
        });

        it("records the same identity with other content as a counted conflict, counted once, in one batch and across batches", async () => {
            const first = search("id-1", "ZRH-LIS", at(0));
            const other = booking("id-1", "PNR9", 2, at(0)); // a booking reusing a search's eventId
            const out = await make().processBatch(kinesisEvent([jsonRecord(first), jsonRecord(other), jsonRecord(first)]));
            // The third record is an exact copy of the first (a resend in the same batch): a duplicate.
            expect(out.stats).to.include({ counted: 1, conflicts: 1, duplicates: 1 });
            const again = await make().processBatch(kinesisEvent([jsonRecord(other)]));
            expect(again.stats).to.include({ counted: 0, conflicts: 1 });
            expect(await db.query("SELECT source, event_id, event_type, attempts FROM identity_conflicts")).to.deep.equal([{ source: "test-site", event_id: "id-1", event_type: "booking", attempts: 2 }]);
            expect(await db.query("SELECT sum(searches)::int AS s, sum(bookings)::int AS b FROM route_minute_stats")).to.deep.equal([{ s: 1, b: 0 }]);
            expect(await db.query("SELECT count(*)::int AS n FROM bookings")).to.deep.equal([{ n: 0 }]);
        });

        it("treats a resend with another key order as the same event (a duplicate, not a conflict)", async () => {
            const e = search("k1", "ZRH-LIS", at(0));
            const reordered = Object.fromEntries(Object.entries(e).reverse());
            await make().processBatch(kinesisEvent([jsonRecord(e)]));
            const out = await make().processBatch(kinesisEvent([jsonRecord(reordered)]));
            expect(out.stats).to.include({ counted: 0, duplicates: 1, conflicts: 0 });
        });
    });

    describe("bounds: the consumer window is the record's arrival time", () => {
        it("counts an event that was 6 days old on arrival, whenever it is processed", async () => {
            const arrival = Date.parse("2026-11-28T10:00:00Z") / 1000;
            const e = search("old", "ZRH-LIS", "2026-11-22T10:00:00Z");
            const out = await make().processBatch(kinesisEvent([kinesisRecord(Buffer.from(JSON.stringify(e)), "55", "pk", arrival)]));
            expect(out.response.batchItemFailures).to.deep.equal([]);
            expect(out.stats.counted).to.equal(1);
        });

        it("fails when occurredAt is far after the record's arrival (a search dated 2099 written straight to the stream)", async () => {
            const e = search("future", "ZRH-LIS", "2099-01-01T00:00:00Z");
            const out = await make().processBatch(kinesisEvent([jsonRecord(e, "56")]));
            expect(out.response).to.deep.equal({ batchItemFailures: [{ itemIdentifier: "56" }] });
            const r = await db.query("SELECT reason, errors->0->>'message' AS message FROM rejected_events");
            expect(r).to.deep.equal([{ reason: "invalid-event", message: 'occurredAt must be at most 1 hour after now (2026-11-22T12:00:00Z); received "2099-01-01T00:00:00Z"' }]);
        });
    });

    it("stores, partitions and reads back anything the validator accepts (property)", async () => {
        await fc.assert(
            fc.asyncProperty(fc.array(anyEvent, { minLength: 1, maxLength: 8 }), async (values) => {
                await truncateAll(db);
                // Distinct identities; each record arrives at its event's own time (the window is around arrival).
                const events = values.map((v, i) => ({ ...v, eventId: `${i}-${String(v.eventId)}` })) as unknown as FlightEvent[];
                for (const e of events) expect(validateEvent(e).ok, JSON.stringify(e)).to.equal(true);
                const out = await make().processBatch(kinesisEvent(events.map((e, i) => kinesisRecord(Buffer.from(JSON.stringify(e)), `7${i}`, "pk", Date.parse(e.occurredAt) / 1000))));
                expect(out.response.batchItemFailures, JSON.stringify(events)).to.deep.equal([]);
                expect(out.stats.counted).to.equal(events.length);
                const n = await db.query<{ n: number }>("SELECT COALESCE(SUM(searches + offers + bookings + cancellations), 0)::int AS n FROM route_minute_stats");
                expect(n).to.deep.equal([{ n: events.length }]);
                for (const e of events) {
                    const keys = partitionKeysOf(e);
                    expect(keys.dt >= LAKE_DAY_RANGE.first && keys.dt <= LAKE_DAY_RANGE.last, keys.dt).to.equal(true);
                    expect(prefixOf(e)).to.match(/^data\/type=[a-z]+\/dt=\d{4}-\d{2}-\d{2}\/hour=\d{2}\/$/);
                    if (e.type === "booking") {
                        const f = e.flight;
                        const res = await handleRequest({ method: "GET", path: `/v1/inventory/${f.carrier}/${f.number}/${f.departureDate}`, query: {} }, { db });
                        expect(res.statusCode, res.body).to.equal(200);
                    }
                }
            }),
            { numRuns: 25, seed: 14 },
        );
    });
});
