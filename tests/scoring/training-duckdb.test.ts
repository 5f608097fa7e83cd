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
        events.push({
            ...base,
            eventId: "b1",
            type: "booking",
            occurredAt: "2026-11-30T10:30:00Z",
            bookingId: "P1",
            seats: 1,
            fare: { amount: 100, currency: "CHF" },
            flight: { carrier: "LX", number: "1", departureDate: "2026-12-10", origin: "ZRH", destination: "LIS" },
        });
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

describe("scoring: local training job (lake through the S3 API → DuckDB → versioned artifact → the processor's loader)", function () {
    this.timeout(60_000);

    it("writes the versioned artifact and latest.json to the lake bucket, and SCORING_ARTIFACT_URI loads it", async () => {
        const { startS3 } = await import("../../local/emulators/s3");
        const { PutObjectCommand } = await import("@aws-sdk/client-s3");
        const { trainScoringFromLake } = await import("../../local/scoring-train");
        const { scoringFromEnv } = await import("../../functions/scoring/config");
        const s3 = await startS3({ buckets: ["lake"] });
        const client = s3.client();
        try {
            const lines: string[] = [];
            for (let h = 0; h < 24; h++)
                for (let i = 0; i < 3; i++) {
                    lines.push(
                        JSON.stringify({
                            source: "web",
                            eventId: `o${h}-${i}`,
                            type: "offer",
                            occurredAt: `2026-11-30T${String(h).padStart(2, "0")}:0${i}:00Z`,
                            origin: "ZRH",
                            destination: "LIS",
                            departureDate: "2026-12-10",
                            carrier: "LX",
                            price: { amount: 100 + h, currency: "CHF" },
                        }),
                    );
                }
            for (let h = 0; h < 24; h++) {
                const hour = String(h).padStart(2, "0");
                const body = lines.filter((l) => l.includes(`"2026-11-30T${hour}:`)).join("\n") + "\n";
                await client.send(new PutObjectCommand({ Bucket: "lake", Key: `data/type=offer/dt=2026-11-30/hour=${hour}/lake-delivery-1-x-${hour}.json.gz`, Body: gzipSync(body) }));
            }
            const out = await trainScoringFromLake({ s3: client, lakeBucket: "lake", from: "2026-11-30", to: "2026-12-01", now: new Date("2026-12-01T03:00:00Z") });
            expect([out.key, out.latestKey, out.artifact.trainingRows]).to.deep.equal(["models/scoring/2026-12-01T030000Z/artifact.json", "models/scoring/latest.json", 24]);
            // The processor's loader, through the S3 API with the emulator's credentials (as the local platform's functions get them).
            const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };
            process.env.AWS_ACCESS_KEY_ID = "S3RVER";
            process.env.AWS_SECRET_ACCESS_KEY = "S3RVER";
            try {
                const errors: unknown[] = [];
                const b = scoringFromEnv({ SCORING_ARTIFACT_URI: "s3://lake/models/scoring/latest.json", S3_ENDPOINT: s3.endpoint, AWS_REGION: "us-east-1" }, { onError: (e) => errors.push(e) });
                expect((await b.scoreDeals([{ price: 1, sampleSize: 0, routeMean: 0, routeStddev: 0 }]))[0].model).to.equal("builtin:2026-12-01T03:00:00Z");
                expect(errors).to.deep.equal([]);
            } finally {
                if (saved.id === undefined) delete process.env.AWS_ACCESS_KEY_ID;
                else process.env.AWS_ACCESS_KEY_ID = saved.id;
                if (saved.secret === undefined) delete process.env.AWS_SECRET_ACCESS_KEY;
                else process.env.AWS_SECRET_ACCESS_KEY = saved.secret;
            }
        } finally {
            client.destroy();
            await s3.stop();
        }
    });
});
