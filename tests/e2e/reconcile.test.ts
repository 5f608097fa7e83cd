/**
 * End to end on the local platform (issue 14): a shuffled mix of searches,
 * offers, bookings and cancellations (cancellations before their bookings,
 * resends, a booking id reused by another source's event) sent to ingestion;
 * then `npm run ops -- reconcile --day D --local` reports zero differences,
 * names a difference injected into the real-time numbers, and
 * `npm run ops -- recompute --local` rebuilds the window so they reconcile again.
 */
import { expect } from "chai";
import type { Platform } from "../../local/platform";
import { startTestPlatform, stopTestPlatform, tempDir } from "./helpers";
import { TrafficGenerator, rng } from "../../local/traffic";
import type { FlightEvent } from "../../functions/shared/events";
import { main } from "../../scripts/ops";
import { postEvents } from "../helpers/ingest";

async function ops(argv: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(argv, { out: (l) => out.push(l), err: (l) => err.push(l) });
    return { code, out, err };
}

describe("local platform: real-time and pond numbers reconcile (tests/e2e)", function () {
    this.timeout(300_000);
    let platform: Platform;
    let dir: string;
    let events: FlightEvent[] = [];
    let days: string[] = [];
    const now = Date.now();
    // Event times 2 to 3 hours ago: old enough to recompute their hours, inside ingestion's 7-day window.
    const hourStart = Math.floor((now - 3 * 3_600_000) / 3_600_000) * 3_600_000;

    before(async () => {
        dir = tempDir("reconcile");
        platform = await startTestPlatform(dir, {
            lakeBufferIntervalMs: 500,
            esm: { batchSize: 7, maximumBatchingWindowInSeconds: 0, pollIntervalMs: 50, maximumRetryAttempts: 3, retryBaseDelayMs: 10 },
        });
        const gen = new TrafficGenerator({ seed: 1414, idPrefix: "rec", cancellationLag: 0 });
        const r = rng(99);
        const times = Array.from({ length: 600 }, () => hourStart + 60_000 + Math.floor(r() * 58 * 60_000)).sort((a, b) => a - b);
        events = times.map((t) => gen.next(new Date(t)));
        // Shuffle (cancellations may now come before their bookings), add resends of 30 events.
        for (let i = events.length - 1; i > 0; i--) {
            const j = Math.floor(r() * (i + 1));
            [events[i], events[j]] = [events[j], events[i]];
        }
        const resends = Array.from({ length: 30 }, () => JSON.parse(JSON.stringify(events[Math.floor(r() * events.length)])) as FlightEvent);
        const all = [...events, ...resends];
        // One source per request.
        const bySource = new Map<string, FlightEvent[]>();
        for (const e of all) (bySource.get(e.source) ?? bySource.set(e.source, []).get(e.source)!).push(e);
        for (const [source, list] of bySource) {
            for (let i = 0; i < list.length; i += 20) {
                const res = await postEvents(platform.ingestUrl, dir, list.slice(i, i + 20), source);
                expect(res.status, await res.text()).to.equal(202);
            }
        }
        await platform.settle(120_000);
        await new Promise((res) => setTimeout(res, 1500)); // the lake buffer flushes
        await platform.settle(120_000);
        days = [...new Set(events.map((e) => new Date(Date.parse(e.occurredAt)).toISOString().slice(0, 10)))].sort();
    });

    after(async () => {
        await stopTestPlatform(platform, dir);
    });

    it("counts every accepted event once and converges booking state though cancellations arrived first", async () => {
        const n = await platform.db.query<{ n: number }>("SELECT COALESCE(SUM(searches + offers + bookings + cancellations), 0)::int AS n FROM route_minute_stats");
        expect(n[0].n).to.equal(events.length);
        const cancellations = events.filter((e) => e.type === "cancellation").length;
        expect(cancellations).to.be.greaterThan(5);
        const parked = await platform.db.query<{ n: number }>("SELECT count(*)::int AS n FROM unmatched_cancellations u WHERE EXISTS (SELECT 1 FROM booking_events b WHERE b.booking_id = u.booking_id)");
        expect(parked).to.deep.equal([{ n: 0 }]);
        const held = await platform.db.query<{ a: number; b: number }>("SELECT (SELECT COALESCE(SUM(seats - seats_cancelled), 0)::int FROM bookings) AS a, (SELECT COALESCE(SUM(seats_sold), 0)::int FROM flight_inventory) AS b");
        expect(held[0].a).to.equal(held[0].b);
    });

    it("reconcile reports zero differences for every day of the mix", async () => {
        for (const day of days) {
            const r = await ops(["reconcile", "--day", day, "--local", "--platform-dir", dir]);
            expect(r.err, r.err.join("\n")).to.deep.equal([]);
            expect(r.code).to.equal(0);
            expect(r.out).to.deep.equal([`reconcile ${day} (pond "${platform.ponds[0].name}"): real-time and pond numbers agree, 0 differences.`]);
        }
    });

    it("fails when the real-time numbers differ, naming the dataset, route, field and both values; recompute rebuilds the window", async () => {
        const [row] = await platform.db.query<{ route: string; minute: string; bookings: number }>("SELECT route, minute::text AS minute, bookings::int AS bookings FROM route_minute_stats WHERE bookings > 0 ORDER BY route, minute LIMIT 1");
        const day = days.find((d) => row.minute.startsWith(d)) ?? days[0];
        const total = await platform.db.query<{ n: number }>("SELECT SUM(bookings)::int AS n FROM route_minute_stats WHERE route = :route AND minute >= CAST(:day AS date) AND minute < CAST(:day AS date) + 1", { route: row.route, day });
        // A consumer bug: one booking counted twice.
        await platform.db.execute("UPDATE route_minute_stats SET bookings = bookings + 1 WHERE route = :route AND minute = CAST(:minute AS timestamptz)", { route: row.route, minute: row.minute });
        const bad = await ops(["reconcile", "--day", day, "--local", "--platform-dir", dir]);
        expect(bad.code).to.equal(1);
        expect(bad.err).to.deep.equal([`reconcile ${day} (pond "${platform.ponds[0].name}"): 1 difference(s):`, `  route_demand_daily ${row.route} bookings: real-time ${total[0].n + 1}, pond ${total[0].n}`]);
        const from = new Date(hourStart).toISOString();
        const to = new Date(hourStart + 3_600_000).toISOString();
        const rec = await ops(["recompute", "--from", from, "--to", to, "--local", "--platform-dir", dir, "--min-age-minutes", "0"]);
        expect(rec.err, rec.err.join("\n")).to.deep.equal([]);
        expect(rec.code).to.equal(0);
        expect(rec.out[0]).to.match(new RegExp(`^recompute ${from.replace(/[.]/g, "\\.")} → .*: ${events.length} events counted again from \\d+ lake lines \\(0 invalid\\), \\d+ bookings recomputed\\.$`));
        const good = await ops(["reconcile", "--day", day, "--local", "--platform-dir", dir]);
        expect(good.err, good.err.join("\n")).to.deep.equal([]);
        expect(good.code).to.equal(0);
        const held = await platform.db.query<{ a: number; b: number }>("SELECT (SELECT COALESCE(SUM(seats - seats_cancelled), 0)::int FROM bookings) AS a, (SELECT COALESCE(SUM(seats_sold), 0)::int FROM flight_inventory) AS b");
        expect(held[0].a).to.equal(held[0].b);
    });

    it("fails when --day is missing or not a day (exit 2, naming the option)", async () => {
        expect(await ops(["reconcile", "--local", "--platform-dir", dir])).to.deep.equal({ code: 2, out: [], err: ["`reconcile` needs `--day YYYY-MM-DD` (the UTC day to compare)."] });
        const r = await ops(["reconcile", "--day", "2026-02-30", "--local", "--platform-dir", dir]);
        expect(r).to.deep.equal({ code: 2, out: [], err: ['`--day` must be a real UTC day in YYYY-MM-DD form; received "2026-02-30"'] });
    });
});
