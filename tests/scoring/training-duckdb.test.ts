import { expect } from "chai";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { gzipSync } from "node:zlib";
import { DuckDBInstance } from "@duckdb/node-api";
import { duckdbEventsRelation } from "../../functions/pond-etl/sql";
import { renderTrainingQuery, trainArtifact } from "../../functions/scoring/training";

/** Writes events as the lake lays them out (functions/lake/partitioning.ts): data/type=/dt=/hour=/x.json.gz. */
function writeLake(dir: string, events: Record<string, unknown>[]): void {
    const groups = new Map<string, Record<string, unknown>[]>();
    for (const e of events) {
        const t = new Date(String(e.occurredAt)).toISOString();
        const k = `data/type=${e.type}/dt=${t.slice(0, 10)}/hour=${t.slice(11, 13)}`;
        groups.set(k, [...(groups.get(k) ?? []), e]);
    }
    for (const [k, list] of groups) {
        fs.mkdirSync(path.join(dir, k), { recursive: true });
        fs.writeFileSync(path.join(dir, k, "lake-delivery-1-2026-11-30-10-00-00-x.json.gz"), gzipSync(list.map((e) => JSON.stringify(e)).join("\n") + "\n"));
    }
}

describe("scoring: the training SQL on DuckDB over lake files (the engine the local platform uses)", function () {
    this.timeout(60_000);
    let dir: string;
    before(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "scoring-lake-"));
        const base = { source: "web", departureDate: "2026-12-10" };
        const events: Record<string, unknown>[] = [];
        // 10:xx: 4 searches, 1 booking, 2 offers (100, 200 CHF); 11:xx: 2 searches, 1 offer (90 CHF) + the same offer again (a duplicate).
        for (let i = 0; i < 4; i++) events.push({ ...base, eventId: `s${i}`, type: "search", occurredAt: `2026-11-30T10:0${i}:00Z`, origin: "ZRH", destination: "LIS", passengers: 1, cabin: "economy" });
        for (let i = 4; i < 6; i++) events.push({ ...base, eventId: `s${i}`, type: "search", occurredAt: `2026-11-30T11:0${i}:00Z`, origin: "ZRH", destination: "LIS", passengers: 1, cabin: "economy" });
        events.push({ ...base, eventId: "b1", type: "booking", occurredAt: "2026-11-30T10:30:00Z", bookingId: "P1", seats: 1, fare: { amount: 100, currency: "CHF" }, flight: { carrier: "LX", number: "1", departureDate: "2026-12-10", origin: "ZRH", destination: "LIS" } });
        events.push({ ...base, eventId: "o1", type: "offer", occurredAt: "2026-11-30T10:10:00Z", origin: "ZRH", destination: "LIS", carrier: "LX", price: { amount: 100, currency: "CHF" } });
        events.push({ ...base, eventId: "o2", type: "offer", occurredAt: "2026-11-30T10:20:00Z", origin: "ZRH", destination: "LIS", carrier: "TP", price: { amount: 200, currency: "CHF" } });
        events.push({ ...base, eventId: "o3", type: "offer", occurredAt: "2026-11-30T11:10:00Z", origin: "ZRH", destination: "LIS", carrier: "LX", price: { amount: 90, currency: "CHF" } });
        events.push({ ...base, eventId: "o3", type: "offer", occurredAt: "2026-11-30T11:10:00Z", origin: "ZRH", destination: "LIS", carrier: "LX", price: { amount: 90, currency: "CHF" } });
        events.push({ ...base, eventId: "late", type: "offer", occurredAt: "2026-12-01T00:10:00Z", origin: "ZRH", destination: "LIS", carrier: "LX", price: { amount: 1, currency: "CHF" } });
        writeLake(dir, events);
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("aggregates per route, currency and hour, each identity once, only the requested days, and trains on the rows", async () => {
        const instance = await DuckDBInstance.create(":memory:");
        const db = await instance.connect();
        try {
            const sql = renderTrainingQuery({ events: duckdbEventsRelation(dir), from: "2026-11-30", to: "2026-12-01" });
            const rows = (await db.runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[];
            expect(rows.map((r) => ({ ...r, searches: Number(r.searches), bookings: Number(r.bookings), offers: Number(r.offers) }))).to.deep.equal([
                { route: "ZRH-LIS", currency: "CHF", dt: "2026-11-30", hour: "10", searches: 4, bookings: 1, offers: 2, avg_price: 150 },
                { route: "ZRH-LIS", currency: "CHF", dt: "2026-11-30", hour: "11", searches: 2, bookings: 0, offers: 1, avg_price: 90 },
            ]);
            const a = trainArtifact(rows, new Date("2026-12-01T03:00:00Z"));
            expect([a.version, a.trainingRows]).to.deep.equal(["2026-12-01T03:00:00Z", 2]);
        } finally {
            db.closeSync();
            instance.closeSync();
        }
    });
});
