import { expect } from "chai";
import { GetObjectCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { DuckDBInstance } from "@duckdb/node-api";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { gunzipSync } from "zlib";
import { S3Emulator, startS3 } from "../../local/emulators/s3";
import { LocalDeliveryStream } from "../../local/delivery";
import { runPondEtl, runPondEtlWorkflow } from "../../local/pond-etl";
import { parseDataKey, prefixOf } from "../../functions/lake/partitioning";
import { aggregate, evenShardRanges } from "../../functions/shared/codec";
import { EVENTS } from "./fixtures";

async function keys(s3: S3Client, bucket: string, prefix = ""): Promise<string[]> {
    const r = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
    return (r.Contents ?? []).map((o) => o.Key!).sort();
}

async function body(s3: S3Client, bucket: string, key: string): Promise<Buffer> {
    const r = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return Buffer.from(await r.Body!.transformToByteArray());
}

async function parquetRows(s3: S3Client, bucket: string, key: string): Promise<Record<string, unknown>[]> {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "pq-")), "x.parquet");
    fs.writeFileSync(file, await body(s3, bucket, key));
    const db = await (await DuckDBInstance.create(":memory:")).connect();
    const r = await db.runAndReadAll(`SELECT * FROM read_parquet('${file}')`);
    db.closeSync();
    return r.getRowObjectsJson() as Record<string, unknown>[];
}

describe("local lake delivery and pond ETL", function () {
    this.timeout(30000);
    let s3e: S3Emulator;
    let s3: S3Client;
    let clock = Date.UTC(2026, 10, 20, 13, 0, 0);

    before(async () => {
        s3e = await startS3({ buckets: ["lake", "pond"] });
        s3 = s3e.client();
    });
    after(async () => {
        await s3e?.stop();
    });

    it("buffers per partition and writes when the interval elapses, in the lake layout", async () => {
        const d = new LocalDeliveryStream({ s3, bucket: "lake", streamName: "lake-local", bufferIntervalMs: 60_000, now: () => clock });
        await d.putEvents(EVENTS);
        await d.putRecord(Buffer.from('{"type":"search"}'));
        clock += 59_000;
        await d.flushDue();
        expect(await keys(s3, "lake", "data/")).to.deep.equal([]);
        expect(d.pendingEvents).to.equal(EVENTS.length);
        clock += 1_000;
        await d.flushDue();
        const written = await keys(s3, "lake", "data/");
        const prefixes = [...new Set(EVENTS.map(prefixOf))].sort();
        expect(written.map((k) => k.slice(0, k.lastIndexOf("/") + 1))).to.deep.equal(prefixes);
        for (const k of written) expect(k).to.match(/\/lake-local-1-2026-11-20-13-01-00-[0-9a-f-]{36}\.json\.gz$/);
        // Every event is in the object of its partition, one JSON line each, in arrival order.
        for (const k of written) {
            const lines = gunzipSync(await body(s3, "lake", k)).toString("utf8");
            const expected = EVENTS.filter((e) => prefixOf(e) === k.slice(0, k.lastIndexOf("/") + 1))
                .map((e) => `${JSON.stringify(e)}\n`)
                .join("");
            expect(lines).to.equal(expected);
        }
        const errors = await keys(s3, "lake", "errors/");
        expect(errors).to.have.length(1);
        expect(errors[0]).to.match(/^errors\/processing-failed\/dt=2026-11-20\/lake-local-1-/);
        const err = JSON.parse(gunzipSync(await body(s3, "lake", errors[0])).toString("utf8"));
        expect(err.errorCode).to.equal("Lambda.FunctionError");
        expect(Buffer.from(err.rawData, "base64").toString()).to.equal('{"type":"search"}');
    });

    it("writes a partition as soon as it reaches the buffer size", async () => {
        const three = [EVENTS[6], EVENTS[7], { ...EVENTS[6], eventId: "o9" }]; // same partition
        const size = three.reduce((n, e) => n + JSON.stringify(e).length + 1, 0);
        const d = new LocalDeliveryStream({ s3, bucket: "pond", streamName: "size", bufferSizeBytes: size, bufferIntervalMs: 3_600_000, now: () => clock });
        await d.putEvents(three.slice(0, 2));
        expect(d.delivered).to.deep.equal([]);
        expect(d.pendingEvents).to.equal(2);
        await d.putEvents(three.slice(2));
        expect(d.delivered.map((o) => [o.events, o.bytes])).to.deep.equal([[3, size]]);
        expect(d.pendingEvents).to.equal(0);
        expect(parseDataKey(d.delivered[0].key)).to.deep.equal({ type: "offer", dt: "2026-11-20", hour: "08" });
        for (const k of await keys(s3, "pond")) expect(k.startsWith("data/")).to.equal(true);
    });

    it("runs the pond SQL on DuckDB over the lake and writes exactly the expected rows", async () => {
        const out = await runPondEtl({ s3, lakeBucket: "lake", pondBucket: "pond", datasets: ["route_demand_daily", "offer_price_stats_daily"], from: "2026-11-20", to: "2026-11-22" });
        expect(out.map((o) => [o.dataset, o.day, o.key, o.rows])).to.deep.equal([
            ["route_demand_daily", "2026-11-20", "route_demand_daily/dt=2026-11-20/part-00000.snappy.parquet", 2],
            ["offer_price_stats_daily", "2026-11-20", "offer_price_stats_daily/dt=2026-11-20/part-00000.snappy.parquet", 2],
            ["route_demand_daily", "2026-11-21", "route_demand_daily/dt=2026-11-21/part-00000.snappy.parquet", 1],
            ["offer_price_stats_daily", "2026-11-21", "offer_price_stats_daily/dt=2026-11-21/part-00000.snappy.parquet", 1],
        ]);
        expect(await parquetRows(s3, "pond", "route_demand_daily/dt=2026-11-20/part-00000.snappy.parquet")).to.deep.equal([
            { route: "GVA-JFK", origin: "GVA", destination: "JFK", searches: "1", bookings: "1", cancellations: "0" },
            // s2 arrives twice (same eventId): counted once; s4 (00:30+02:00 on the 21st) is the 20th in UTC.
            { route: "ZRH-LIS", origin: "ZRH", destination: "LIS", searches: "3", bookings: "1", cancellations: "1" },
        ]);
        expect(await parquetRows(s3, "pond", "offer_price_stats_daily/dt=2026-11-20/part-00000.snappy.parquet")).to.deep.equal([
            { route: "ZRH-LIS", origin: "ZRH", destination: "LIS", currency: "CHF", offers: "3", min_price: 100, max_price: 300, avg_price: 200, p50_price: 200, p90_price: 300 },
            { route: "ZRH-LIS", origin: "ZRH", destination: "LIS", currency: "EUR", offers: "1", min_price: 50.5, max_price: 50.5, avg_price: 50.5, p50_price: 50.5, p90_price: 50.5 },
        ]);
        expect(await parquetRows(s3, "pond", "offer_price_stats_daily/dt=2026-11-21/part-00000.snappy.parquet")).to.deep.equal([
            { route: "ZRH-LIS", origin: "ZRH", destination: "LIS", currency: "CHF", offers: "1", min_price: 999, max_price: 999, avg_price: 999, p50_price: 999, p90_price: 999 },
        ]);
    });

    it("re-running a window replaces its output", async () => {
        const d = new LocalDeliveryStream({ s3, bucket: "lake", streamName: "lake-local", bufferIntervalMs: 1, now: () => clock });
        await d.putEvents([{ ...EVENTS[0], eventId: "s-late", occurredAt: "2026-11-20T20:00:00Z" }]);
        await d.flushAll();
        const out = await runPondEtl({ s3, lakeBucket: "lake", pondBucket: "pond", datasets: ["route_demand_daily"], from: "2026-11-20" });
        expect(out.map((o) => [o.day, o.rows, o.replaced])).to.deep.equal([["2026-11-20", 2, 1]]);
        expect(await keys(s3, "pond", "route_demand_daily/dt=2026-11-20/")).to.deep.equal(["route_demand_daily/dt=2026-11-20/part-00000.snappy.parquet"]);
        const rows = await parquetRows(s3, "pond", "route_demand_daily/dt=2026-11-20/part-00000.snappy.parquet");
        expect(rows.map((r) => [r.route, r.searches])).to.deep.equal([
            ["GVA-JFK", "1"],
            ["ZRH-LIS", "4"],
        ]);
    });

    it("runs the deployed state machine definition locally: clears, writes, registers partitions", async () => {
        const before = await keys(s3, "pond", "offer_price_stats_daily/");
        const run = await runPondEtlWorkflow({ s3, pond: "ops", lakeBucket: "lake", pondBucket: "pond", datasets: ["route_demand_daily", "offer_price_stats_daily"], input: { scheduledTime: "2026-11-21T02:15:00Z" } });
        expect(run.status, run.error).to.equal("SUCCEEDED");
        expect(run.partitions.sort()).to.deep.equal(["offer_price_stats_daily/dt=2026-11-20", "route_demand_daily/dt=2026-11-20"]);
        expect(run.deleted.sort()).to.deep.equal(["offer_price_stats_daily/dt=2026-11-20/part-00000.snappy.parquet", "route_demand_daily/dt=2026-11-20/part-00000.snappy.parquet"]);
        expect(before).to.include("offer_price_stats_daily/dt=2026-11-20/part-00000.snappy.parquet");
        expect(run.statesEntered.filter((x) => x === "Unload")).to.have.length(2);
        const rows = await parquetRows(s3, "pond", "route_demand_daily/dt=2026-11-20/part-00000.snappy.parquet");
        expect(rows.map((r) => [r.route, r.searches, r.bookings, r.cancellations])).to.deep.equal([
            ["GVA-JFK", "1", "1", "0"],
            ["ZRH-LIS", "4", "1", "1"],
        ]);
    });

    it("fails the workflow and notifies when a query fails", async () => {
        const notes: string[] = [];
        const run = await runPondEtlWorkflow({
            s3,
            pond: "ops",
            lakeBucket: "lake",
            pondBucket: "pond",
            datasets: ["offer_price_stats_daily"],
            input: { from: "2026-11-21" },
            notify: (m) => notes.push(m),
            overrides: {
                Unload: async () => {
                    const e = new Error("Query exhausted resources");
                    e.name = "Athena.QueryFailed";
                    throw e;
                },
            },
        });
        expect(run.status).to.equal("FAILED");
        expect(run.error).to.equal("PondEtlFailed");
        expect(run.partitions).to.deep.equal([]);
        expect(notes).to.have.length(1);
        expect(notes[0]).to.match(/^Pond ETL for pond ops failed \(execution .*\): \{.*"Error":"Athena\.QueryFailed".*\}$/);
    });

    it("fails when a dataset is unknown or the window is backwards", async () => {
        let e = await runPondEtl({ s3, lakeBucket: "lake", pondBucket: "pond", datasets: ["nope"], from: "2026-11-20" }).catch((x) => x);
        expect(e.message).to.equal('`datasets[0]` must name a dataset ("offer_price_stats_daily", "route_demand_daily": one folder each with dataset.yaml and dataset.sql); received "nope"');
        e = await runPondEtl({ s3, lakeBucket: "lake", pondBucket: "pond", datasets: ["route_demand_daily"], from: "2026-11-20", to: "2026-11-20" }).catch((x) => x);
        expect(e.message).to.equal('to must be after from (received from "2026-11-20", to "2026-11-20")');
    });

    it("delivers codec-encoded (aggregated, gzip) Kinesis records in the layout", async () => {
        const records = EVENTS.slice(6, 11).map((e) => ({ partitionKey: e.eventId, data: Buffer.from(JSON.stringify(e)) }));
        const { entries } = aggregate(records, evenShardRanges(2), { compression: "gzip", compressMinBytes: 0 });
        const d = new LocalDeliveryStream({ s3, bucket: "pond", streamName: "kin", bufferIntervalMs: 3_600_000 });
        for (const x of entries) await d.putRecord(Buffer.from(x.entry.Data!), x.entry.PartitionKey);
        expect(d.pendingEvents).to.equal(5);
        await d.flushAll();
        expect(d.failed).to.deep.equal([]);
        const ks = (await keys(s3, "pond", "data/")).filter((x) => x.includes("/kin-1-"));
        expect(ks.map((x) => x.slice(0, x.lastIndexOf("/") + 1)).sort()).to.deep.equal([...new Set(EVENTS.slice(6, 11).map(prefixOf))].sort());
        const all = (
            await Promise.all(
                ks.map(async (x) =>
                    gunzipSync(await body(s3, "pond", x))
                        .toString()
                        .trim()
                        .split("\n"),
                ),
            )
        )
            .flat()
            .map((l) => JSON.parse(l).eventId)
            .sort();
        expect(all).to.deep.equal(["o1", "o2", "o3", "o4", "o5"]);
    });
});
