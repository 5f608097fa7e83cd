import { expect } from "chai";
import { DataApi } from "../../functions/shared/db/dataapi";
import * as SQL from "../../functions/processor/sql";
import { handler as envHandler } from "../../functions/processor/handler";
import { AlertMessage, AlertPublisher } from "../../functions/processor/publish";
import { trainForecast } from "../../functions/forecast/model";
import { aggregateRecord, booking, cancellation, flight, jsonRecord, kinesisEvent, kinesisRecord, offer, processorSuite, search } from "./helpers";

const T = "2026-11-22T10:00:00Z";
const at = (minute: number, second = 0) => new Date(Date.parse(T) + minute * 60_000 + second * 1000).toISOString();

const ROUTE_STATS = `SELECT route, to_char(minute AT TIME ZONE 'UTC', 'HH24:MI') AS minute, searches::int AS searches, offers::int AS offers,
    bookings::int AS bookings, cancellations::int AS cancellations, seats_booked::int AS seats_booked, seats_cancelled::int AS seats_cancelled
    FROM route_minute_stats ORDER BY route, minute`;
const INVENTORY = `SELECT carrier, flight_number, to_char(departure_date, 'YYYY-MM-DD') AS departure_date, seats_sold, bookings, cancellations FROM flight_inventory ORDER BY 1, 2, 3`;

async function snapshot(db: DataApi) {
    return {
        routes: await db.query(ROUTE_STATS),
        prices: await db.query("SELECT route, currency, offers::int AS offers, price_sum, price_sum_sq, price_min, price_max FROM offer_price_stats ORDER BY 1, 2, minute"),
        inventory: await db.query(INVENTORY),
        bookings: await db.query("SELECT booking_id, seats, seats_cancelled, status FROM bookings ORDER BY 1"),
        unmatched: await db.query("SELECT event_id, booking_id, seats FROM unmatched_cancellations ORDER BY 1"),
        processed: await db.query("SELECT count(*)::int AS n FROM counted_identities"),
        alerts: await db.query("SELECT route, searches::int AS searches FROM alerts ORDER BY alert_id"),
    };
}

/** A known set: 2 routes, searches over two minutes, offers in two currencies, bookings and cancellations. */
function knownBatch() {
    return kinesisEvent([
        jsonRecord(search("s1", "ZRH-LIS", at(0, 1))),
        jsonRecord([search("s2", "ZRH-LIS", at(0, 30)), search("s3", "ZRH-LIS", at(1, 5)), search("s4", "GVA-JFK", at(0, 59))]),
        aggregateRecord([
            offer("o1", "ZRH-LIS", at(0, 2), 100),
            offer("o2", "ZRH-LIS", at(0, 3), 300),
            offer("o3", "ZRH-LIS", at(0, 4), 80, "EUR"),
            booking("b1", "PNR1", 2, at(1, 0)),
            booking("b2", "PNR2", 3, at(1, 10), flight("22", "GVA-JFK")),
        ]),
        jsonRecord(cancellation("c1", "PNR1", 1, at(2, 0))),
    ]);
}

describe("analytics: stream processor against the local Data API", function () {
    this.timeout(120_000);
    const t = processorSuite("processor-test");
    const make = t.make;

    it("counts a known event set exactly (routes per minute, prices, inventory)", async () => {
        const out = await make().processBatch(knownBatch());
        expect(out.response).to.deep.equal({ batchItemFailures: [] });
        expect(out.stats).to.include({ events: 10, counted: 10, duplicates: 0, conflicts: 0, bookingEvents: 2, cancellationEvents: 1, cancellationsParked: 0 });
        const s = await snapshot(t.db);
        expect(s.routes).to.deep.equal([
            { route: "GVA-JFK", minute: "10:00", searches: 1, offers: 0, bookings: 0, cancellations: 0, seats_booked: 0, seats_cancelled: 0 },
            { route: "GVA-JFK", minute: "10:01", searches: 0, offers: 0, bookings: 1, cancellations: 0, seats_booked: 3, seats_cancelled: 0 },
            { route: "ZRH-LIS", minute: "10:00", searches: 2, offers: 3, bookings: 0, cancellations: 0, seats_booked: 0, seats_cancelled: 0 },
            { route: "ZRH-LIS", minute: "10:01", searches: 1, offers: 0, bookings: 1, cancellations: 0, seats_booked: 2, seats_cancelled: 0 },
            { route: "ZRH-LIS", minute: "10:02", searches: 0, offers: 0, bookings: 0, cancellations: 1, seats_booked: 0, seats_cancelled: 1 },
        ]);
        expect(s.prices).to.deep.equal([
            { route: "ZRH-LIS", currency: "CHF", offers: 2, price_sum: 400, price_sum_sq: 100000, price_min: 100, price_max: 300 },
            { route: "ZRH-LIS", currency: "EUR", offers: 1, price_sum: 80, price_sum_sq: 6400, price_min: 80, price_max: 80 },
        ]);
        expect(s.inventory).to.deep.equal([
            { carrier: "LX", flight_number: "22", departure_date: "2026-12-01", seats_sold: 3, bookings: 1, cancellations: 0 },
            { carrier: "LX", flight_number: "318", departure_date: "2026-12-01", seats_sold: 1, bookings: 1, cancellations: 1 },
        ]);
        expect(s.processed).to.deep.equal([{ n: 10 }]);
    });

    it("changes nothing when the same batch is delivered twice", async () => {
        const p = make();
        await p.processBatch(knownBatch());
        const first = await snapshot(t.db);
        const again = await p.processBatch(knownBatch());
        expect(again.stats).to.include({ events: 10, counted: 0, duplicates: 10, conflicts: 0, bookingEvents: 0, cancellationEvents: 0 });
        expect(again.response).to.deep.equal({ batchItemFailures: [] });
        expect(await snapshot(t.db)).to.deep.equal(first);
    });

    it("counts an event once when it arrives twice in one batch and on two processors at once", async () => {
        const batch = kinesisEvent([jsonRecord(search("dup", "ZRH-LIS", at(0))), jsonRecord(search("dup", "ZRH-LIS", at(0))), jsonRecord(search("x", "ZRH-LIS", at(0)))]);
        await Promise.all([make().processBatch(batch), make().processBatch(batch)]);
        expect((await snapshot(t.db)).routes).to.deep.equal([{ route: "ZRH-LIS", minute: "10:00", searches: 2, offers: 0, bookings: 0, cancellations: 0, seats_booked: 0, seats_cancelled: 0 }]);
    });

    it("reports a poison record as a batch item failure while the rest is written", async () => {
        const bad = [
            jsonRecord({ eventId: "bad1", type: "search", occurredAt: at(0), source: "x", origin: "ZRH", destination: "ZRH", departureDate: "2026-12-01", passengers: 1, cabin: "economy" }, "900"),
            kinesisRecord(Buffer.from("not json"), "901"),
            kinesisRecord(Buffer.from([0xf3, 0x89, 0x9a, 0xc2, 1, 2, 3]), "902"),
        ];
        const batch = kinesisEvent([jsonRecord(search("ok1", "ZRH-LIS", at(0)), "899"), ...bad, jsonRecord([search("ok2", "ZRH-LIS", at(0)), { type: "search" }], "903")]);
        const out = await make().processBatch(batch);
        expect(out.response).to.deep.equal({ batchItemFailures: [{ itemIdentifier: "900" }, { itemIdentifier: "901" }, { itemIdentifier: "902" }, { itemIdentifier: "903" }] });
        expect(out.poisonRecords).to.equal(4);
        // ok1 and ok2 (the valid event of the mixed record 903) are counted.
        expect((await snapshot(t.db)).routes).to.deep.equal([{ route: "ZRH-LIS", minute: "10:00", searches: 2, offers: 0, bookings: 0, cancellations: 0, seats_booked: 0, seats_cancelled: 0 }]);
        const rejected = await t.db.query("SELECT sequence_number, reason, attempts, errors->0->>'path' AS first_path, errors->0->>'message' AS first_message FROM rejected_events ORDER BY 1");
        expect(rejected.map((r) => [r.sequence_number, r.reason, r.attempts, r.first_path])).to.deep.equal([
            ["900", "invalid-event", 1, "destination"],
            ["901", "invalid-json", 1, ""],
            ["902", "undecodable", 1, ""],
            ["903", "invalid-event", 1, "[1].eventId"],
        ]);
        expect(rejected[0].first_message).to.equal('destination must differ from origin; both are "ZRH"');
        // The retry (Lambda re-delivers from the first failure) changes no count and bumps attempts.
        const retry = await make().processBatch(kinesisEvent(batch.Records.slice(1)));
        expect(retry.stats.counted).to.equal(0);
        expect((await t.db.query("SELECT attempts FROM rejected_events WHERE sequence_number = '900'"))[0].attempts).to.equal(2);
    });

    it("reports the records of a chunk whose transaction fails, and writes the other chunks", async () => {
        const failing = new DataApi(t.db.target);
        let calls = 0;
        const orig = failing.execute.bind(failing);
        // The aggregate upsert fails twice: in the batch's transaction (rolled back whole), then in the first chunk's.
        failing.execute = async (sql, params, tx) => {
            if (sql === SQL.UPSERT_ROUTE_MINUTES && ++calls <= 2) throw new Error("simulated failure");
            return orig(sql, params, tx);
        };
        const batch = kinesisEvent([jsonRecord(search("a", "ZRH-LIS", at(0)), "10"), jsonRecord(search("b", "ZRH-LIS", at(0)), "11")]);
        const out = await make({ db: failing, limits: { maxItems: 1 } }).processBatch(batch);
        expect(out.response).to.deep.equal({ batchItemFailures: [{ itemIdentifier: "10" }] });
        // The failed chunk was rolled back, so its event id is not claimed: the retry counts it.
        const retry = await make().processBatch(batch);
        expect(retry.stats).to.include({ counted: 1, duplicates: 1 });
        expect((await snapshot(t.db)).routes[0].searches).to.equal(2);
    });

    it("retries a chunk rolled back by a deadlock and reports no failure", async () => {
        const flaky = new DataApi(t.db.target);
        let failures = 0;
        const orig = flaky.execute.bind(flaky);
        // Twice: the batch's transaction (then written chunk by chunk), and the chunk's first attempt (retried).
        flaky.execute = async (sql, params, tx) => {
            if (failures < 2 && sql === SQL.UPSERT_ROUTE_MINUTES) {
                failures++;
                throw new Error("ERROR: deadlock detected\n  Detail: Process 1 waits for ShareLock; SQLState: 40P01");
            }
            return orig(sql, params, tx);
        };
        const out = await make({ db: flaky }).processBatch(kinesisEvent([jsonRecord([search("a", "ZRH-LIS", at(0)), search("b", "ZRH-LIS", at(0))], "20")]));
        expect(failures).to.equal(2);
        expect(out.response).to.deep.equal({ batchItemFailures: [] });
        expect(out.stats).to.include({ counted: 2, duplicates: 0 });
        expect((await snapshot(t.db)).routes[0].searches).to.equal(2);
    });

    it("keeps counts exact when a batch is split into many chunks", async () => {
        const events = Array.from({ length: 25 }, (_, i) => search(`s${i}`, i % 2 ? "ZRH-LIS" : "LIS-ZRH", at(i % 3)));
        const out = await make({ limits: { maxItems: 4 } }).processBatch(kinesisEvent([jsonRecord(events)]));
        expect(out.stats.chunks).to.equal(7);
        const r = await t.db.query("SELECT route, sum(searches)::int AS n FROM route_minute_stats GROUP BY route ORDER BY route");
        expect(r).to.deep.equal([
            { route: "LIS-ZRH", n: 13 },
            { route: "ZRH-LIS", n: 12 },
        ]);
    });

    describe("inventory", () => {
        it("holds the seats of a booking resent under new eventIds once (latest version wins) and counts every booking event on its route", async () => {
            const out = await make().processBatch(kinesisEvent([jsonRecord([booking("b1", "PNR1", 2, at(0)), booking("b1-resent", "PNR1", 2, at(0))])]));
            expect(out.stats).to.include({ bookingEvents: 2, bookingsRecomputed: 1 });
            await make().processBatch(kinesisEvent([jsonRecord(booking("b1-later", "PNR1", 2, at(5)))]));
            const s = await snapshot(t.db);
            expect(s.inventory).to.deep.equal([{ carrier: "LX", flight_number: "318", departure_date: "2026-12-01", seats_sold: 2, bookings: 1, cancellations: 0 }]);
            expect(s.routes.map((r) => [r.minute, r.bookings])).to.deep.equal([
                ["10:00", 2],
                ["10:05", 1],
            ]);
            expect(await t.db.query("SELECT booking_id, event_id, versions FROM bookings")).to.deep.equal([{ booking_id: "PNR1", event_id: "b1-later", versions: 3 }]);
        });

        it("parks a cancellation of a booking not seen yet, counts it on its route, and holds no seats for it", async () => {
            const out = await make().processBatch(kinesisEvent([jsonRecord(cancellation("c1", "GHOST", 2, at(0)))]));
            expect(out.stats).to.include({ cancellationEvents: 1, cancellationsParked: 1, bookingsRecomputed: 0 });
            const s = await snapshot(t.db);
            expect(s.unmatched).to.deep.equal([{ event_id: "c1", booking_id: "GHOST", seats: 2 }]);
            expect(s.inventory).to.deep.equal([]);
            expect(s.routes).to.deep.equal([{ route: "ZRH-LIS", minute: "10:00", searches: 0, offers: 0, bookings: 0, cancellations: 1, seats_booked: 0, seats_cancelled: 2 }]);
        });

        it("never goes below zero: cancellations remove at most the seats the booking holds", async () => {
            await make().processBatch(kinesisEvent([jsonRecord(booking("b1", "PNR1", 2, at(0)))]));
            const out = await make().processBatch(
                kinesisEvent([
                    jsonRecord([
                        cancellation("c1", "PNR1", 5, at(1)), // asks for more than booked: removes 2
                        cancellation("c2", "PNR1", 1, at(2)), // already fully cancelled: nothing
                    ]),
                ]),
            );
            expect(out.stats).to.include({ cancellationEvents: 2, cancellationsParked: 0 });
            const s = await snapshot(t.db);
            expect(s.inventory).to.deep.equal([{ carrier: "LX", flight_number: "318", departure_date: "2026-12-01", seats_sold: 0, bookings: 1, cancellations: 2 }]);
            expect(s.bookings).to.deep.equal([{ booking_id: "PNR1", seats: 2, seats_cancelled: 2, status: "cancelled" }]);
            // Route counters count cancellation events with the seats they name.
            expect(s.routes.filter((r) => r.cancellations).map((r) => [r.minute, r.cancellations, r.seats_cancelled])).to.deep.equal([
                ["10:01", 1, 5],
                ["10:02", 1, 1],
            ]);
        });

        it("applies partial cancellations in order, a booking and its cancellation in one batch", async () => {
            await make().processBatch(kinesisEvent([jsonRecord([booking("b1", "PNR1", 4, at(0)), cancellation("c1", "PNR1", 1, at(1)), cancellation("c2", "PNR1", 2, at(2)), booking("b2", "PNR2", 3, at(3))])]));
            const s = await snapshot(t.db);
            expect(s.bookings).to.deep.equal([
                { booking_id: "PNR1", seats: 4, seats_cancelled: 3, status: "partially_cancelled" },
                { booking_id: "PNR2", seats: 3, seats_cancelled: 0, status: "booked" },
            ]);
            expect(s.inventory).to.deep.equal([{ carrier: "LX", flight_number: "318", departure_date: "2026-12-01", seats_sold: 4, bookings: 2, cancellations: 2 }]);
        });
    });

    describe("high-demand alerts (forecast test, functions/forecast/alerts.ts)", () => {
        const NOW = Date.parse(T) + 60 * 60_000; // 11:00, after every window below
        const searches = (prefix: string, n: number, minute: number, route = "ZRH-LIS") => Array.from({ length: n }, (_, i) => search(`${prefix}${i}`, route, at(minute, i % 60)));
        const ROUTES = ["AMS-ZRH", "GVA-JFK", "LHR-ZRH", "CDG-NCE", "FRA-LIS", "MAD-BCN", "VIE-ZRH", "OSL-CPH", "DUB-LHR", "ATH-FCO"];
        /** 25 searches on each of ten routes in the window starting at `minute`, plus `hot` on ZRH-LIS. */
        const window = (tag: string, minute: number, hot: number) => kinesisEvent([jsonRecord(ROUTES.flatMap((r, k) => searches(`${tag}-${k}-`, 25, minute, r))), ...(hot > 0 ? [jsonRecord(searches(`${tag}-hot-`, hot, minute))] : [])]);
        const ALERTS = `SELECT route, to_char(window_start AT TIME ZONE 'UTC', 'HH24:MI') AS ws, to_char(last_elevated_window AT TIME ZONE 'UTC', 'HH24:MI') AS last,
            searches::int AS searches, round(expected::numeric, 3)::float8 AS expected, basis, alpha, model_version, p_value < 1e-6 AS significant FROM alerts ORDER BY alert_id`;

        it("raises nothing at a cold start: fifty routes, no history, typical volumes", async () => {
            const p = make({ now: () => NOW });
            const routes = Array.from({ length: 50 }, (_, i) => `A${String.fromCharCode(65 + (i % 26))}${String.fromCharCode(65 + Math.floor(i / 26))}-ZRH`);
            const out = await p.processBatch(kinesisEvent([jsonRecord(routes.flatMap((r, i) => searches(`c${i}-`, 20 + (i % 3) * 10, 0, r)))]));
            expect(out.stats.counted).to.equal(1490);
            expect(out.stats.alerts).to.equal(0);
            expect(await t.db.query("SELECT count(*)::int AS n FROM alerts")).to.deep.equal([{ n: 0 }]);
        });

        it("alerts a new route at 20x the typical route once per episode, with the evidence, and publishes it", async () => {
            const sent: AlertMessage[] = [];
            const publisher: AlertPublisher = { name: "fake", publish: async (a) => void sent.push(...a) };
            const p = make({ now: () => NOW, publishers: [publisher] });
            // 3x the typical route without history is not an alert (10x is needed against the prior).
            expect((await p.processBatch(window("w0", 0, 75))).stats.alerts).to.equal(0);
            // The next window: 500 searches against 25 per typical route. Its own history, 75 searches in the one
            // minute the network was active (375 per window), weighs w = 0.2/(0.2 + 24): expected = w·375 + (1 − w)·25 = 27.893.
            expect((await p.processBatch(window("w1", 5, 500))).stats.alerts).to.equal(1);
            // Still hot for two more windows: the same episode, extended, no new alert.
            expect((await p.processBatch(window("w2", 10, 600))).stats.alerts).to.equal(0);
            expect((await p.processBatch(window("w3", 15, 650))).stats.alerts).to.equal(0);
            expect(await t.db.query(ALERTS)).to.deep.equal([{ route: "ZRH-LIS", ws: "10:05", last: "10:15", searches: 500, expected: 27.893, basis: "blend", alpha: 1e-6, model_version: null, significant: true }]);
            expect(sent).to.have.length(1);
            expect(sent[0]).to.include({ route: "ZRH-LIS", windowStart: "2026-11-22T10:05:00Z", windowEnd: "2026-11-22T10:10:00Z", searches: 500, alpha: 1e-6, basis: "blend", modelVersion: null });
            expect(sent[0].expected).to.be.closeTo(25 + (0.2 / 24.2) * 350, 1e-9);
            expect(sent[0].pValue).to.be.below(1e-6);
        });

        it("opens a new episode only after two calm windows", async () => {
            const p = make({ now: () => NOW });
            await p.processBatch(window("w0", 0, 0));
            expect((await p.processBatch(window("w1", 5, 500))).stats.alerts).to.equal(1);
            await p.processBatch(window("w2", 10, 25)); // calm
            expect((await p.processBatch(window("w3", 15, 2000))).stats.alerts).to.equal(0); // one calm window: same episode
            await p.processBatch(window("w4", 20, 25));
            await p.processBatch(window("w5", 25, 25));
            await p.processBatch(window("w6", 30, 25));
            expect((await p.processBatch(window("w7", 35, 5000))).stats.alerts).to.equal(1);
            expect((await t.db.query(ALERTS)).map((r) => [r.ws, r.last])).to.deep.equal([
                ["10:05", "10:15"],
                ["10:35", "10:35"],
            ]);
        });

        it("never judges a window that starts after now", async () => {
            const p = make({ now: () => Date.parse(T) + 4 * 60_000 }); // 10:04: the 10:05 window is in the future
            await p.processBatch(window("w0", 0, 0));
            expect((await p.processBatch(window("w1", 5, 5000))).stats.alerts).to.equal(0);
        });

        it("judges a route the trained model knows against its forecast (ratio 2), recording the model version", async () => {
            const rows = Array.from({ length: 24 * 7 }, (_, h) => ({ route: "ZRH-LIS", hour: new Date(Date.parse(T) - (24 * 7 - h) * 3_600_000).toISOString(), searches: 120, bookings: 5 }));
            const model = trainForecast(rows);
            const p = make({ now: () => NOW, forecast: { current: async () => model } });
            // 10 expected per window: 15 is not an alert, 40 is (no network prior needed).
            expect((await p.processBatch(kinesisEvent([jsonRecord(searches("a", 15, 0))]))).stats.alerts).to.equal(0);
            expect((await p.processBatch(kinesisEvent([jsonRecord(searches("b", 40, 5))]))).stats.alerts).to.equal(1);
            expect(await t.db.query(ALERTS)).to.deep.equal([{ route: "ZRH-LIS", ws: "10:05", last: "10:05", searches: 40, expected: 10, basis: "forecast", alpha: 1e-6, model_version: model.version, significant: true }]);
        });

        it("leaves alerts pending when publishing fails and sends them on a later batch", async () => {
            let fail = true;
            const sent: string[] = [];
            const publisher: AlertPublisher = {
                name: "flaky",
                publish: async (a) => {
                    if (fail) throw new Error("SNS down");
                    sent.push(...a.map((x) => x.route));
                },
            };
            const p = make({ now: () => NOW, publishers: [publisher] });
            await p.processBatch(window("w1", 5, 500));
            expect(await t.db.query("SELECT published_at IS NULL AS pending FROM alerts")).to.deep.equal([{ pending: true }]);
            fail = false;
            await p.processBatch(kinesisEvent([jsonRecord(searches("x", 1, 30, "GVA-JFK"))]));
            expect(sent).to.deep.equal(["ZRH-LIS"]);
        });
    });

    describe("deal flags", () => {
        const deal = { sigmas: 2, minSamples: 10, lookbackMinutes: 60 };
        const offers = (n: number) => Array.from({ length: n }, (_, i) => offer(`o${i}`, "ZRH-LIS", at(-10, i), i % 2 ? 110 : 90)); // mean 100, sd 10

        it("flags an offer priced below mean - 2 sigma of the route's recent offers", async () => {
            const p = make({ dealRule: deal });
            await p.processBatch(kinesisEvent([jsonRecord(offers(10))]));
            const out = await p.processBatch(kinesisEvent([jsonRecord([offer("cheap", "ZRH-LIS", at(0), 79.99), offer("fair", "ZRH-LIS", at(0), 80), offer("eur", "ZRH-LIS", at(0), 10, "EUR")])]));
            expect(out.stats.deals).to.equal(1);
            expect(await t.db.query("SELECT event_id, amount, route_mean, route_stddev, sample_size::int AS n FROM offer_deals")).to.deep.equal([{ event_id: "cheap", amount: 79.99, route_mean: 100, route_stddev: 10, n: 10 }]);
        });

        it("does not flag with fewer offers than the minimum sample", async () => {
            const p = make({ dealRule: deal });
            await p.processBatch(kinesisEvent([jsonRecord(offers(9))]));
            const out = await p.processBatch(kinesisEvent([jsonRecord(offer("cheap", "ZRH-LIS", at(0), 1))]));
            expect(out.stats.deals).to.equal(0);
        });
    });

    it("deletes processed event ids, identity digests and record claims older than the retention", async () => {
        const old = [search("old", "ZRH-LIS", at(0)), booking("old-b", "PNR-OLD", 1, at(0))];
        await make().processBatch(kinesisEvent([jsonRecord(old, "1001")]));
        await t.db.execute("UPDATE processed_events SET processed_at = now() - interval '49 hours'");
        await t.db.execute("UPDATE identity_digests SET created_at = now() - interval '49 hours'");
        await t.db.execute("UPDATE stream_record_claims SET claimed_at = now() - interval '49 hours'");
        await make().processBatch(kinesisEvent([jsonRecord([search("new", "ZRH-LIS", at(0)), booking("new-b", "PNR-NEW", 1, at(0))], "1002")]));
        await make({ processedEventsRetentionHours: 48, cleanupIntervalMinutes: 1 }).processBatch(kinesisEvent([]));
        expect(await t.db.query("SELECT event_id FROM counted_identities ORDER BY 1")).to.deep.equal([{ event_id: "new" }, { event_id: "new-b" }]);
        expect(await t.db.query("SELECT sequence_number FROM stream_record_claims")).to.deep.equal([{ sequence_number: "1002" }]);
    });

    it("builds the Lambda handler from the environment and fails clearly when it is incomplete", async () => {
        const keys = ["DB_CLUSTER_ARN", "DB_SECRET_ARN", "DB_NAME"];
        const saved = Object.fromEntries(keys.map((k) => [k, process.env[k]]));
        try {
            delete process.env.DB_CLUSTER_ARN;
            delete process.env.DB_SECRET_ARN;
            process.env.DB_NAME = "x";
            let err: Error | undefined;
            try {
                await envHandler(kinesisEvent([]));
            } catch (e) {
                err = e as Error;
            }
            expect(err?.message).to.equal("Data API configuration: environment variable(s) `DB_CLUSTER_ARN`, `DB_SECRET_ARN` must be set (received none).");
        } finally {
            for (const k of keys) {
                if (saved[k] === undefined) delete process.env[k];
                else process.env[k] = saved[k];
            }
        }
    });
});
