/**
 * The whole-batch transaction (functions/processor/writer.ts writeBatch: claims, identities, booking state and
 * ONE pre-aggregated upsert per table, committed together) under real faults: the processor runs in its own
 * process against the local Data API and is SIGKILLed right after the aggregate upsert (inside the transaction)
 * or right after the commit (before Lambda's checkpoint). The batch is then redelivered as it was, and reordered
 * (records reversed, over two invocations, with a copy of an event on another shard), and every acknowledged
 * event must be counted exactly once: the aggregates and the booking state equal a reference database that
 * processed the batch once without faults.
 */
import { expect } from "chai";
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { KinesisStreamRecord } from "aws-lambda";
import { startDataApi } from "../../local/dataapi";
import { DataApi } from "../../functions/shared/db/dataapi";
import { runMigrations } from "../../functions/shared/db/migrations";
import { createProcessor } from "../../functions/processor/handler";
import { booking, cancellation, flight, jsonRecord, kinesisEvent, offer, search } from "./helpers";

const at = (s: number) => new Date(Date.parse("2026-11-22T11:58:00Z") + s * 1000).toISOString();

/** Records on two shards: searches and offers on two routes and minutes, a booking cancelled in part, a rebooking, an exact copy. */
function batchRecords(): KinesisStreamRecord[] {
    const onShard = (r: KinesisStreamRecord, shard: string) => ({ ...r, eventID: `${shard}:${r.kinesis.sequenceNumber}` });
    const f = flight("318", "ZRH-LIS");
    return [
        onShard(jsonRecord([search("s1", "ZRH-LIS", at(0)), search("s2", "ZRH-LIS", at(1)), offer("o1", "ZRH-LIS", at(2), 120)], "7001"), "shardId-000000000000"),
        onShard(jsonRecord([booking("b1", "BK1", 3, at(3), f), search("s3", "ZRH-MAD", at(65))], "7002"), "shardId-000000000000"),
        onShard(jsonRecord([offer("o2", "ZRH-LIS", at(4), 80.25), cancellation("c1", "BK1", 1, at(70), f)], "7003"), "shardId-000000000001"),
        // s2 again on the other shard (a producer resend): counted once.
        onShard(jsonRecord([search("s2", "ZRH-LIS", at(1)), booking("b2", "BK2", 2, at(80), flight("319", "ZRH-MAD")), offer("o3", "ZRH-MAD", at(66), 99)], "7004"), "shardId-000000000001"),
        onShard(jsonRecord([search("s4", "ZRH-MAD", at(66)), search("s5", "ZRH-LIS", at(2))], "7005"), "shardId-000000000000"),
    ];
}

/** Distinct events the batch acknowledges once fully processed. */
const DISTINCT = { searches: 5, offers: 3, bookings: 2, cancellations: 1 };

async function snapshot(db: DataApi): Promise<Record<string, unknown[]>> {
    const q = (sql: string) => db.query(sql);
    return {
        routeMinutes: await q(
            "SELECT route, to_char(minute AT TIME ZONE 'UTC', 'HH24:MI') AS minute, searches::int AS searches, offers::int AS offers, bookings::int AS bookings, cancellations::int AS cancellations, seats_booked::int AS seats_booked, seats_cancelled::int AS seats_cancelled FROM route_minute_stats WHERE searches + offers + bookings + cancellations > 0 ORDER BY route, minute",
        ),
        prices: await q("SELECT route, currency, offers::int AS offers, price_sum::float8 AS price_sum, price_min::float8 AS price_min, price_max::float8 AS price_max FROM offer_price_stats ORDER BY route, currency, minute"),
        bookings: await q("SELECT booking_id, seats, seats_cancelled, status FROM bookings ORDER BY booking_id"),
        inventory: await q("SELECT carrier, flight_number, seats_sold, bookings, cancellations FROM flight_inventory ORDER BY carrier, flight_number"),
        bookingEvents: await q("SELECT event_id FROM booking_events ORDER BY event_id"),
        cancellationEvents: await q("SELECT event_id FROM cancellation_events ORDER BY event_id"),
    };
}

async function totals(db: DataApi): Promise<Record<string, number>> {
    const r = await db.query(
        "SELECT COALESCE(SUM(searches), 0)::int AS searches, COALESCE(SUM(offers), 0)::int AS offers, COALESCE(SUM(bookings), 0)::int AS bookings, COALESCE(SUM(cancellations), 0)::int AS cancellations FROM route_minute_stats",
    );
    return r[0] as Record<string, number>;
}

interface Local {
    readonly db: DataApi;
    readonly endpoint: string;
    readonly resourceArn: string;
    readonly secretArn: string;
    readonly database: string;
    stop(): Promise<void>;
}

async function startLocal(): Promise<Local> {
    // A transaction abandoned by a killed process is rolled back after 1.5 s idle (Aurora's Data API: 3 minutes).
    const s = await startDataApi({ transactionIdleTimeoutMs: 1500 });
    const db = new DataApi({ client: s.client(), resourceArn: s.resourceArn, secretArn: s.secretArn, database: s.database });
    await runMigrations(db);
    return { db, endpoint: s.endpoint, resourceArn: s.resourceArn, secretArn: s.secretArn, database: s.database, stop: () => s.stop() };
}

/** Runs the processor in a child process on the batch; resolves with its output, exit code and signal. */
function runChild(local: Local, records: KinesisStreamRecord[], killAt: "after-upsert" | "after-commit" | "none", dir: string): Promise<{ out: string; code: number | null; signal: NodeJS.Signals | null }> {
    const file = path.join(dir, `batch-${killAt}-${Date.now()}.json`);
    fs.writeFileSync(file, JSON.stringify(kinesisEvent(records)));
    const child = spawn(process.execPath, ["-r", "./scripts/register.js", "tests/analytics/fixtures/processor-child.ts", local.endpoint, local.resourceArn, local.secretArn, local.database, file, killAt], {
        cwd: path.join(__dirname, "../.."),
        stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (d) => (out += String(d)));
    child.stderr.on("data", (d) => (out += String(d)));
    return new Promise((resolve) => child.on("exit", (code, signal) => resolve({ out, code, signal })));
}

describe("processor: the whole-batch transaction under process kills and redelivery", function () {
    this.timeout(240_000);
    let reference: Local;
    let expected: Record<string, unknown[]>;
    let dir: string;
    const make = (db: DataApi) => createProcessor({ db, cleanupIntervalMinutes: 0, limits: { maxItems: 2 } });

    before(async () => {
        process.env.POWERTOOLS_LOG_LEVEL = "SILENT";
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "batch-faults-"));
        reference = await startLocal();
        const out = await make(reference.db).processBatch(kinesisEvent(batchRecords()));
        expect(out.response).to.deep.equal({ batchItemFailures: [] });
        expect(out.stats).to.include({ counted: 11, duplicates: 1, partsClaimed: 7 });
        expected = await snapshot(reference.db);
        expect(await totals(reference.db)).to.deep.equal(DISTINCT);
    });

    after(async () => {
        await reference?.stop();
        fs.rmSync(dir, { recursive: true, force: true });
    });

    for (const killAt of ["after-upsert", "after-commit"] as const) {
        it(`counts every acknowledged event once when the processor is killed ${killAt === "after-upsert" ? "between the aggregate upsert and the commit" : "between the commit and the checkpoint"}, then the batch is redelivered as it was and reordered`, async () => {
            const local = await startLocal();
            try {
                const killed = await runChild(local, batchRecords(), killAt, dir);
                expect(killed.signal, killed.out).to.equal("SIGKILL");
                expect(killed.out).to.contain(`reached ${killAt}`);
                // Killed before the commit: nothing of the batch is there; after it: all of it, once.
                expect(await totals(local.db)).to.deep.equal(killAt === "after-upsert" ? { searches: 0, offers: 0, bookings: 0, cancellations: 0 } : DISTINCT);

                // Lambda redelivers the batch (the checkpoint never moved).
                const again = await make(local.db).processBatch(kinesisEvent(batchRecords()));
                expect(again.response).to.deep.equal({ batchItemFailures: [] });
                expect(again.stats.counted).to.equal(killAt === "after-upsert" ? 11 : 0);
                // A replay in another order, split over two invocations, with each half's records reversed.
                const reversed = batchRecords().reverse();
                for (const half of [reversed.slice(0, 2), reversed.slice(2)]) {
                    const r = await make(local.db).processBatch(kinesisEvent(half));
                    expect(r.response).to.deep.equal({ batchItemFailures: [] });
                    expect(r.stats.counted).to.equal(0);
                }
                expect(await totals(local.db)).to.deep.equal(DISTINCT);
                expect(await snapshot(local.db)).to.deep.equal(expected);
            } finally {
                await local.stop();
            }
        });
    }
});
