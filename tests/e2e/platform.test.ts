/**
 * End-to-end: the local platform started from code (temp dir, free ports),
 * a known mix of 3,000+ events with duplicates and invalid ones sent to the
 * ingestion API while the stream processor is killed and restarted, then the
 * lake, the analytics, the alert, the inventory, the pond ETL and a replay
 * are checked against what was sent.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { gunzipSync } from "zlib";
import { expect } from "chai";
import type { S3Client } from "@aws-sdk/client-s3";
import { PutRecordCommand } from "@aws-sdk/client-kinesis";
import { DuckDBInstance } from "@duckdb/node-api";
import type { Platform } from "../../local/platform";
import { getBytes, listKeys, startTestPlatform, stopTestPlatform, tempDir } from "./helpers";
import { TrafficGenerator, expectedAggregates, type ExpectedAggregates } from "../../local/traffic";
import type { FlightEvent } from "../../functions/shared/events";
import { buildMix, type Mix, type Request } from "./mix";
import { postEvents } from "../helpers/ingest";

interface Sent {
    request: Request;
    status: number;
    body: { accepted?: number; errors?: { index: number; path: string; message: string }[] };
}

async function getJson(url: string): Promise<{ status: number; body: any }> {
    const res = await fetch(url);
    return { status: res.status, body: await res.json() };
}

async function send(url: string, platformDir: string, requests: readonly Request[], concurrency = 4, progress: { done: number } = { done: 0 }): Promise<Sent[]> {
    const out: Sent[] = new Array(requests.length);
    let next = 0;
    await Promise.all(
        Array.from({ length: concurrency }, async () => {
            while (next < requests.length) {
                const i = next++;
                for (;;) {
                    const res = await postEvents(url, platformDir, requests[i].body, requests[i].source);
                    const body = (await res.json()) as Sent["body"];
                    if (res.status === 429 || res.status === 503) {
                        await new Promise((r) => setTimeout(r, 200));
                        continue;
                    }
                    out[i] = { request: requests[i], status: res.status, body };
                    progress.done++;
                    break;
                }
            }
        }),
    );
    return out;
}

describe("local platform end to end (tests/e2e)", function () {
    this.timeout(240000);
    let platform: Platform;
    let dir: string;
    let mix: Mix;
    const sent: Sent[] = [];
    let expected: ExpectedAggregates;
    let accepted: FlightEvent[];
    let s3: S3Client;
    let killedInFlight = -1;
    let killedCheckpoints: Record<string, string | undefined> = {};
    const started = new Date();

    before(async () => {
        dir = tempDir("platform");
        platform = await startTestPlatform(dir, {
            lakeBufferIntervalMs: 1000,
            // The alert rule the mix is built for (the documented defaults, pinned here).
            processorEnv: { ALERT_WINDOW_MINUTES: "5", ALERT_BASELINE_MINUTES: "60", ALERT_MULTIPLIER: "3", ALERT_MIN_SEARCHES: "50" },
            // Small batches: many invocations, so the kill lands mid-run.
            esm: { batchSize: 5, maximumBatchingWindowInSeconds: 0, pollIntervalMs: 50, maximumRetryAttempts: 3, retryBaseDelayMs: 10 },
        });
        s3 = platform.s3.client();
        mix = buildMix({ seed: 4242, now: started, events: 3000, hotSearches: 70, duplicates: 150, invalidAlone: 12, invalidMixed: 6, requestSize: 25 });

        // Phase A, first half, with a watcher that kills the processor while a batch is in
        // flight once a quarter of phase A was sent; second half; then restart.
        const half = Math.floor(mix.phaseA.length / 2);
        const progress = { done: 0 };
        const watcher = (async () => {
            const deadline = Date.now() + 60000;
            while (Date.now() < deadline && !(progress.done >= half / 2 && (platform.processor.mapping?.stats().inFlightInvocations ?? 0) > 0)) {
                await new Promise((r) => setTimeout(r, 2));
            }
            const before = platform.processor.mapping!.stats();
            killedInFlight = before.inFlightInvocations;
            killedCheckpoints = before.checkpoints;
            await platform.processor.kill();
        })();
        sent.push(...(await send(platform.ingestUrl, platform.dirs.root, mix.phaseA.slice(0, half), 4, progress)));
        await watcher;
        sent.push(...(await send(platform.ingestUrl, platform.dirs.root, mix.phaseA.slice(half))));
        await new Promise((r) => setTimeout(r, 500));
        await platform.processor.start();
        await platform.settle(120000);
        // Phase B: the cancellations, once their bookings are processed.
        sent.push(...(await send(platform.ingestUrl, platform.dirs.root, mix.phaseB)));
        await platform.settle(120000);

        accepted = sent.filter((s) => s.status === 202).flatMap((s) => s.request.body as FlightEvent[]);
        expected = expectedAggregates(accepted);
    });

    after(async () => {
        await stopTestPlatform(platform, dir);
    });

    it("ingestion accepts every valid request whole and rejects every request holding an invalid event", () => {
        const total = mix.phaseA.length + mix.phaseB.length;
        expect(sent).to.have.length(total);
        for (const s of sent) {
            if (s.request.valid) {
                expect(s.status, JSON.stringify(s.body)).to.equal(202);
                expect(s.body).to.deep.equal({ accepted: s.request.body.length });
            } else {
                expect(s.status).to.equal(400);
                expect(s.body.errors!.length).to.be.greaterThan(0);
                const badIndex = s.request.body.length === 1 ? 0 : 4;
                expect(s.body.errors!.every((e) => e.index === badIndex)).to.equal(true);
            }
        }
        expect(accepted).to.have.length(3000 + 150);
        expect(new Set(accepted.map((e) => e.eventId)).size).to.equal(3000);
    });

    it("every accepted event is in the lake exactly once by eventId (resends are acknowledged, not written again)", async () => {
        const keys = await listKeys(s3, platform.lakeBucket, "data/");
        expect(keys.length).to.be.greaterThan(0);
        const inLake = new Map<string, number>();
        for (const key of keys) {
            expect(key).to.match(/^data\/type=(search|offer|booking|cancellation)\/dt=\d{4}-\d{2}-\d{2}\/hour=\d{2}\/lake-delivery-1-.+\.json\.gz$/);
            const lines = gunzipSync(await getBytes(s3, platform.lakeBucket, key))
                .toString("utf8")
                .split("\n")
                .filter((l) => l !== "");
            for (const line of lines) {
                const e = JSON.parse(line) as FlightEvent;
                expect(key).to.contain(`type=${e.type}/`);
                expect(key).to.contain(`dt=${new Date(e.occurredAt).toISOString().slice(0, 10)}/hour=${new Date(e.occurredAt).toISOString().slice(11, 13)}/`);
                inLake.set(e.eventId, (inLake.get(e.eventId) ?? 0) + 1);
            }
        }
        const acceptedIds = new Set(accepted.map((e) => e.eventId));
        expect(acceptedIds.size).to.equal(3000);
        expect([...inLake.keys()].sort()).to.deep.equal([...acceptedIds].sort());
        const repeated = [...inLake.entries()].filter(([, n]) => n !== 1);
        expect(repeated, "eventIds written more than once").to.deep.equal([]);
        expect(await listKeys(s3, platform.lakeBucket, "errors/")).to.deep.equal([]);
    });

    it("analytics counts per route equal the aggregates of the distinct accepted events", async () => {
        const { status, body } = await getJson(`${platform.insightsUrl}/v1/routes/top?limit=100&minutes=1440`);
        expect(status).to.equal(200);
        const got = new Map<string, { searches: number; bookings: number; cancellations: number }>();
        for (const r of body.routes) {
            expect(r.route).to.equal(`${r.origin}-${r.destination}`);
            got.set(r.route, { searches: r.searches, bookings: r.bookings, cancellations: r.cancellations });
        }
        const want = new Map<string, { searches: number; bookings: number; cancellations: number }>();
        for (const [route, c] of expected.byRoute) {
            if (c.searches + c.bookings + c.cancellations > 0) want.set(route, { searches: c.searches, bookings: c.bookings, cancellations: c.cancellations });
        }
        expect(Object.fromEntries([...got].sort())).to.deep.equal(Object.fromEntries([...want].sort()));
        const totalSearches = [...want.values()].reduce((s, c) => s + c.searches, 0);
        expect(totalSearches).to.equal(accepted.filter((e, i, a) => e.type === "search" && a.findIndex((x) => x.eventId === e.eventId) === i).length);
    });

    it("the hot route yields exactly one alert, for the window of the burst", async () => {
        const { status, body } = await getJson(`${platform.insightsUrl}/v1/alerts`);
        expect(status).to.equal(200);
        expect(body.alerts.map((a: any) => a.route)).to.deep.equal([mix.hotRoute]);
        expect(new Date(body.alerts[0].windowStart).toISOString()).to.equal(mix.hotWindowStart);
        const [origin, destination] = mix.hotRoute.split("-");
        expect(body.alerts[0].origin).to.equal(origin);
        expect(body.alerts[0].destination).to.equal(destination);
    });

    it("inventory of every booked flight equals seats booked minus seats cancelled", async () => {
        expect(expected.seatsSold.size).to.be.greaterThan(50);
        const cancelled = accepted.filter((e) => e.type === "cancellation").length;
        expect(cancelled).to.be.greaterThan(20);
        for (const [key, seats] of expected.seatsSold) {
            const { status, body } = await getJson(`${platform.insightsUrl}/v1/inventory/${key}`);
            expect(status, key).to.equal(200);
            expect(body.seatsSold, key).to.equal(seats);
            const [carrier, number, departureDate] = key.split("/");
            expect([body.carrier, body.number, body.departureDate]).to.deep.equal([carrier, number, departureDate]);
        }
    });

    it("deals and price adjustments answer on the local platform (built-in model): one per accepted offer at most, after the kill and restart", async () => {
        const offers = new Map(accepted.filter((e) => e.type === "offer").map((e) => [`${e.source}/${e.eventId}`, e as FlightEvent & { price: { amount: number; currency: string } }]));
        expect(offers.size).to.be.greaterThan(100);
        const adj = await getJson(`${platform.insightsUrl}/v1/price-adjustments?limit=500&minutes=10080`);
        expect(adj.status).to.equal(200);
        const rows = adj.body.priceAdjustments as { source: string; eventId: string; adjustment: number; price: { amount: number; currency: string }; suggestedPrice: { amount: number }; model: string }[];
        expect(rows.length).to.be.greaterThan(0);
        const ids = rows.map((r) => `${r.source}/${r.eventId}`);
        expect(new Set(ids).size, "an offer scored twice").to.equal(ids.length);
        for (const r of rows) {
            const o = offers.get(`${r.source}/${r.eventId}`);
            expect(o, `${r.eventId} is not an accepted offer`).to.not.equal(undefined);
            expect(r.price).to.deep.equal(o!.price);
            expect(r.model).to.equal("builtin:baseline");
            expect(Math.abs(r.adjustment)).to.be.at.least(0.02).and.at.most(0.15);
            expect(r.suggestedPrice.amount).to.equal(Math.round(o!.price.amount * (1 + r.adjustment) * 100) / 100);
        }
        const deals = await getJson(`${platform.insightsUrl}/v1/deals?limit=500&minutes=10080`);
        expect(deals.status).to.equal(200);
        const dealIds = (deals.body.deals as { source: string; eventId: string }[]).map((d) => `${d.source}/${d.eventId}`);
        expect(new Set(dealIds).size).to.equal(dealIds.length);
        for (const d of dealIds) expect(offers.has(d), d).to.equal(true);
        const bad = await getJson(`${platform.insightsUrl}/v1/deals?limit=0`);
        expect(bad.status).to.equal(400);
        expect(bad.body).to.deep.equal({ errors: [{ path: "limit", message: 'limit must be an integer from 1 to 500; received "0"' }] });
    });

    it("fails with 404 for inventory of a flight never booked", async () => {
        const { status } = await getJson(`${platform.insightsUrl}/v1/inventory/ZZ/9999/2030-01-01`);
        expect(status).to.equal(404);
    });

    it("the kill landed mid-batch and the restart resumed from the checkpoint: nothing lost, nothing counted twice", async () => {
        expect(killedInFlight).to.be.greaterThan(0);
        const after = platform.processor.mapping!.stats();
        // The restarted mapping started from the killed one's checkpoints and moved past them.
        for (const [shard, seq] of Object.entries(killedCheckpoints)) {
            if (seq !== undefined) expect(BigInt(after.checkpoints[shard]!) > BigInt(seq), shard).to.equal(true);
        }
        const rows = await platform.db.query<{ n: number }>("SELECT COALESCE(SUM(searches + offers + bookings + cancellations), 0)::int AS n FROM route_minute_stats");
        const distinctCounted = [...expected.byRoute.values()].reduce((s, c) => s + c.searches + c.offers + c.bookings + c.cancellations, 0);
        expect(Number(rows[0].n)).to.equal(distinctCounted);
    });

    it("pond ETL output equals a DuckDB reference query over the same lake files", async () => {
        const days = [...new Set(accepted.map((e) => e.occurredAt.slice(0, 10)))].sort();
        const to = new Date(Date.parse(`${days[days.length - 1]}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
        const outputs = await platform.runPondEtl("revenue", { from: days[0], to });
        const pond = platform.ponds.find((p) => p.name === "revenue")!;
        const work = fs.mkdtempSync(path.join(os.tmpdir(), "e2e-pond-"));
        try {
            // The lake files, as they are.
            for (const key of await listKeys(s3, platform.lakeBucket, "data/")) {
                const file = path.join(work, "lake", key);
                fs.mkdirSync(path.dirname(file), { recursive: true });
                fs.writeFileSync(file, await getBytes(s3, platform.lakeBucket, key));
            }
            const instance = await DuckDBInstance.create(":memory:");
            const db = await instance.connect();
            const rows = async (sql: string) => (await db.runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[];
            const lakeGlob = `${work}/lake/data/*/*/*/*.json.gz`;
            const events = `(SELECT * FROM read_json('${lakeGlob}', format = 'newline_delimited', union_by_name = true, hive_partitioning = true))`;
            for (const day of days) {
                const demandRef = await rows(`
          WITH d AS (SELECT DISTINCT ON (eventId) eventId, type,
                       CASE WHEN type IN ('booking','cancellation') THEN flight.origin ELSE origin END AS o,
                       CASE WHEN type IN ('booking','cancellation') THEN flight.destination ELSE destination END AS d
                     FROM ${events} WHERE dt = '${day}' AND type <> 'offer')
          SELECT o || '-' || d AS route, count(*) FILTER (type = 'search') AS searches, count(*) FILTER (type = 'booking') AS bookings,
                 count(*) FILTER (type = 'cancellation') AS cancellations
          FROM d GROUP BY 1 ORDER BY 1`);
                const offersRef = await rows(`
          WITH d AS (SELECT DISTINCT ON (eventId) eventId, origin || '-' || destination AS route, price.currency AS currency, price.amount::DOUBLE AS amount
                     FROM ${events} WHERE dt = '${day}' AND type = 'offer')
          SELECT route, currency, count(*) AS offers, min(amount) AS min_price, max(amount) AS max_price, round(avg(amount), 6) AS avg_price
          FROM d GROUP BY 1, 2 ORDER BY 1, 2`);
                const out = (ds: string) => outputs.find((o) => o.dataset === ds && o.day === day)!;
                expect(out("route_demand_daily").rows).to.equal(demandRef.length);
                expect(out("offer_price_stats_daily").rows).to.equal(offersRef.length);
                const parquet = async (ds: string) => {
                    const file = path.join(work, `${ds}-${day}.parquet`);
                    fs.writeFileSync(file, await getBytes(s3, pond.bucket, out(ds).key!));
                    return file;
                };
                const demand = await rows(`SELECT route, searches, bookings, cancellations FROM read_parquet('${await parquet("route_demand_daily")}') ORDER BY route`);
                expect(demand).to.deep.equal(demandRef);
                const offers = await rows(`SELECT route, currency, offers, min_price, max_price, round(avg_price, 6) AS avg_price FROM read_parquet('${await parquet("offer_price_stats_daily")}') ORDER BY route, currency`);
                expect(offers).to.deep.equal(offersRef);
            }
            // And the pond's totals are the sent mix's (independent of the lake).
            const demandAll = await rows(
                `SELECT route, sum(searches)::INT AS searches, sum(bookings)::INT AS bookings, sum(cancellations)::INT AS cancellations FROM read_parquet('${work}/route_demand_daily-*.parquet') GROUP BY 1 ORDER BY 1`,
            );
            const want = [...expected.byRoute]
                .filter(([, c]) => c.searches + c.bookings + c.cancellations > 0)
                .sort(([a], [b]) => (a < b ? -1 : 1))
                .map(([route, c]) => ({ route, searches: c.searches, bookings: c.bookings, cancellations: c.cancellations }));
            expect(demandAll).to.deep.equal(want);
            db.closeSync();
        } finally {
            fs.rmSync(work, { recursive: true, force: true });
        }
    });

    it("replaying the window through the replay workflow changes nothing", async () => {
        const snapshot = async () => ({
            top: (await getJson(`${platform.insightsUrl}/v1/routes/top?limit=100&minutes=1440`)).body,
            alerts: (await getJson(`${platform.insightsUrl}/v1/alerts`)).body,
            inventory: await platform.db.query("SELECT carrier, flight_number, departure_date::text AS d, seats_sold, bookings, cancellations FROM flight_inventory ORDER BY 1, 2, 3"),
        });
        const before = await snapshot();
        const run = await platform.runWorkflow("replay", { from: new Date(started.getTime() - 60_000).toISOString(), to: new Date().toISOString(), target: "analytics" });
        expect(run.status, `${run.error}: ${run.cause}`).to.equal("SUCCEEDED");
        // Every event in the stream was re-delivered to the processor (KPL aggregates count each
        // user record): each accepted eventId once, resends having been acknowledged without a write.
        const totals = (run.output as { totals: { events: number; batches: number } }).totals;
        expect(totals.events).to.equal(new Set(accepted.map((e) => e.eventId)).size);
        expect(totals.batches).to.be.greaterThan(0);
        expect(await snapshot()).to.deep.equal(before);
    });

    it("a reshard while running (2 → 4 shards, reshard workflow) loses and double counts nothing", async () => {
        const run = await platform.runWorkflow("reshard", { targetShards: 4 });
        expect(run.status, `${run.error}: ${run.cause}`).to.equal("SUCCEEDED");
        const gen = new TrafficGenerator({ seed: 777, idPrefix: "e2e-reshard", cancellationLag: 1000 });
        // One source for them all: a request carries the events of one key's source.
        const extra = Array.from({ length: 400 }, () => ({ ...gen.next(new Date(Date.now() - 120_000)), source: "web-eu" }) as FlightEvent);
        const res = await send(
            platform.ingestUrl,
            platform.dirs.root,
            [0, 100, 200, 300].map((i) => ({ body: extra.slice(i, i + 100), source: "web-eu", valid: true })),
        );
        expect(res.map((r) => r.status)).to.deep.equal([202, 202, 202, 202]);
        await platform.settle(120000);
        const checkpoints = Object.keys(platform.processor.mapping!.stats().checkpoints).sort();
        expect(checkpoints.length).to.be.greaterThan(2);
        const all = expectedAggregates([...accepted, ...extra]);
        const { body } = await getJson(`${platform.insightsUrl}/v1/routes/top?limit=100&minutes=1440`);
        const got = Object.fromEntries(body.routes.map((r: any) => [r.route, [r.searches, r.bookings, r.cancellations]]).sort());
        const want = Object.fromEntries(
            [...all.byRoute]
                .filter(([, c]) => c.searches + c.bookings + c.cancellations > 0)
                .map(([route, c]) => [route, [c.searches, c.bookings, c.cancellations]])
                .sort(),
        );
        expect(got).to.deep.equal(want);
        // The new events reached the lake too, once each.
        const ids = new Map<string, number>();
        for (const key of await listKeys(s3, platform.lakeBucket, "data/")) {
            for (const line of gunzipSync(await getBytes(s3, platform.lakeBucket, key))
                .toString("utf8")
                .split("\n")) {
                if (line.includes("e2e-reshard")) {
                    const id = (JSON.parse(line) as FlightEvent).eventId;
                    ids.set(id, (ids.get(id) ?? 0) + 1);
                }
            }
        }
        expect(ids.size).to.equal(400);
        expect([...ids.values()].every((n) => n === 1)).to.equal(true);
    });

    it("a poison record written straight to the stream is retried, then discarded to the on-failure file and kept for review", async () => {
        const kinesis = platform.kinesis.client();
        const put = await kinesis.send(new PutRecordCommand({ StreamName: platform.streamName, PartitionKey: "poison", Data: Buffer.from("this is not an event") }));
        await platform.settle(120000);
        const lines = fs.existsSync(platform.dirs.onFailure) ? fs.readFileSync(platform.dirs.onFailure, "utf8").trim().split("\n") : [];
        expect(lines).to.have.length(1);
        const rec = JSON.parse(lines[0]);
        expect(rec.requestContext.condition).to.equal("RetryAttemptsExhausted");
        expect(rec.requestContext.approximateInvokeCount).to.equal(4);
        expect(rec.requestContext.functionArn).to.equal("arn:aws:lambda:us-east-1:000000000000:function:stream-processor");
        expect(rec.KinesisBatchInfo).to.deep.include({ shardId: put.ShardId, startSequenceNumber: put.SequenceNumber, endSequenceNumber: put.SequenceNumber, batchSize: 1, streamArn: platform.streamArn });
        const rejected = await platform.db.query<{ reason: string; payload: string }>("SELECT reason, payload FROM rejected_events WHERE sequence_number = :seq", { seq: put.SequenceNumber! });
        expect(rejected.map((r) => r.reason)).to.deep.equal(["invalid-json"]);
        expect(rejected[0].payload).to.equal("this is not an event");
        // The lake delivery stream writes it under errors/processing-failed/ as Firehose would.
        expect((await listKeys(s3, platform.lakeBucket, "errors/processing-failed/")).length).to.equal(1);
    });
});
