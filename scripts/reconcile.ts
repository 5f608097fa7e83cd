/**
 * `npm run ops -- reconcile --day D`: compares the real-time numbers of a UTC
 * day (Aurora, through the Data API) with the pond datasets of that day (the
 * Parquet the pond ETL wrote, read with DuckDB through the S3 API) and names
 * every difference (functions/pond-etl/reconcile.ts). Exit 0 when they
 * reconcile, 1 on differences, 2 on bad arguments.
 *
 *   npm run ops -- reconcile --day 2026-11-22 --outputs prod.json [--pond revenue] [--region eu-west-1]
 *   npm run ops -- reconcile --day 2026-11-22 --local [--platform-dir .local] [--pond revenue]
 *
 * The same code reads both sides in AWS and locally; only endpoints differ.
 * Locally the pond ETL of the day is run first (as its schedule would), over
 * the running platform's lake.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { GetObjectCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { RDSDataClient } from "@aws-sdk/client-rds-data";
import { DuckDBInstance } from "@duckdb/node-api";
import { DataApi } from "../functions/shared/db/dataapi";
import { DayNumbers, REALTIME_DEMAND_DAY, REALTIME_OFFERS_DAY, describeDifference, reconcileDay } from "../functions/pond-etl/reconcile";
import { checkDay, outputPrefix, sqlString } from "../functions/pond-etl/sql";
import { gunzipSync } from "zlib";
import { DATA_PREFIX, parseDataKey } from "../functions/lake/partitioning";
import { lakeHours } from "../functions/workflows/replay-window";
import { planRecompute, recomputeWindow, RecomputeWindow } from "../functions/workflows/replay-recompute";
import { defineCommand, fieldNames, numberOption, OptionSpec, parseOrExit } from "./lib/cli";

export interface ReconcileIo {
    readonly out: (line: string) => void;
    readonly err: (line: string) => void;
}

export class ReconcileArgsError extends Error {}

/** The real-time side of a day. */
export async function readRealtime(db: DataApi, day: string): Promise<DayNumbers> {
    const demand = await db.query(REALTIME_DEMAND_DAY, { day });
    const offers = await db.query(REALTIME_OFFERS_DAY, { day });
    return {
        demand: demand.map((r) => ({ route: String(r.route), searches: Number(r.searches), bookings: Number(r.bookings), cancellations: Number(r.cancellations) })),
        offers: offers.map((r) => ({ route: String(r.route), currency: String(r.currency), offers: Number(r.offers), minPrice: Number(r.min_price), maxPrice: Number(r.max_price) })),
    };
}

async function download(s3: S3Client, bucket: string, prefix: string, dir: string): Promise<string[]> {
    const files: string[] = [];
    let token: string | undefined;
    do {
        const r = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
        for (const o of r.Contents ?? []) {
            if (!o.Key?.endsWith(".parquet")) continue;
            const body = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: o.Key }));
            const file = path.join(dir, `${files.length}.parquet`);
            fs.writeFileSync(file, await body.Body!.transformToByteArray());
            files.push(file);
        }
        token = r.IsTruncated ? r.NextContinuationToken : undefined;
    } while (token);
    return files;
}

/** The pond side of a day: its route_demand_daily and offer_price_stats_daily Parquet objects. */
export async function readPond(s3: S3Client, bucket: string, day: string): Promise<DayNumbers> {
    const work = fs.mkdtempSync(path.join(os.tmpdir(), "reconcile-"));
    const instance = await DuckDBInstance.create(":memory:");
    const db = await instance.connect();
    try {
        const read = async (dataset: string, select: string) => {
            const dir = path.join(work, dataset);
            fs.mkdirSync(dir);
            const files = await download(s3, bucket, outputPrefix(dataset as never, day), dir);
            if (files.length === 0) return [];
            const list = `[${files.map(sqlString).join(", ")}]`;
            return (await db.runAndReadAll(select.replace("{{files}}", list))).getRowObjectsJson() as Record<string, unknown>[];
        };
        const demand = await read("route_demand_daily", "SELECT route, searches, bookings, cancellations FROM read_parquet({{files}}) ORDER BY route");
        const offers = await read("offer_price_stats_daily", "SELECT route, currency, offers, min_price, max_price FROM read_parquet({{files}}) ORDER BY route, currency");
        return {
            demand: demand.map((r) => ({ route: String(r.route), searches: Number(r.searches), bookings: Number(r.bookings), cancellations: Number(r.cancellations) })),
            offers: offers.map((r) => ({ route: String(r.route), currency: String(r.currency), offers: Number(r.offers), minPrice: Number(r.min_price), maxPrice: Number(r.max_price) })),
        };
    } finally {
        db.closeSync();
        fs.rmSync(work, { recursive: true, force: true });
    }
}

interface Target {
    readonly db: DataApi;
    readonly s3: S3Client;
    readonly pondBucket: string;
    readonly pond: string;
    readonly lakeBucket?: string;
    /** Runs before reading (local: the pond ETL of the day). */
    readonly prepare?: (day: string) => Promise<void>;
    close(): void;
}

type Ponds = Record<string, { bucket?: string; datasets?: string[] }>;

function pickPond(ponds: Ponds, wanted: string | undefined): [string, string] {
    const names = Object.keys(ponds);
    const name = wanted ?? names[0];
    if (name === undefined || !ponds[name]?.bucket) {
        throw new ReconcileArgsError(`\`--pond\` must be one of ${names.map((n) => `"${n}"`).join(", ") || "(no pond configured)"} (received ${JSON.stringify(wanted ?? null)}).`);
    }
    return [name, ponds[name].bucket!];
}

async function localTarget(dir: string, pond: string | undefined): Promise<Target> {
    const file = path.join(dir, "platform.json");
    if (!fs.existsSync(file)) throw new ReconcileArgsError(`--local: no running local platform (${file} not found); start it with \`npm start\` first.`);
    const info = JSON.parse(fs.readFileSync(file, "utf8")) as {
        lakeBucket: string;
        env: Record<string, string>;
        ponds: { name: string; bucket: string; datasets: string[] }[];
        endpoints: { s3: string; dataApi: string };
    };
    const { s3ClientConfig } = await import("../local/emulators/s3");
    const { dataApiClientConfig } = await import("../local/dataapi/server");
    const { runPondEtl } = await import("../local/pond-etl");
    const [name, bucket] = pickPond(Object.fromEntries(info.ponds.map((p) => [p.name, p])), pond);
    const datasets = info.ponds.find((p) => p.name === name)!.datasets;
    const s3 = new S3Client(s3ClientConfig(info.endpoints.s3));
    const client = new RDSDataClient(dataApiClientConfig(info.endpoints.dataApi));
    const db = new DataApi({ client, resourceArn: info.env.DB_CLUSTER_ARN, secretArn: info.env.DB_SECRET_ARN, database: info.env.DB_NAME });
    return {
        db,
        s3,
        pondBucket: bucket,
        pond: name,
        lakeBucket: info.lakeBucket,
        prepare: async (day) => void (await runPondEtl({ s3, lakeBucket: info.lakeBucket, pondBucket: bucket, datasets, from: day })),
        close: () => (s3.destroy(), client.destroy()),
    };
}

function awsTarget(outputsFile: string, pond: string | undefined, region: string | undefined): Target {
    let outputs: { analytics?: { clusterArn?: string; secretArn?: string; databaseName?: string }; ponds?: Ponds; lake?: { bucket?: string } };
    try {
        outputs = JSON.parse(fs.readFileSync(outputsFile, "utf8"));
    } catch (err) {
        throw new ReconcileArgsError(`\`--outputs\`: cannot read ${JSON.stringify(outputsFile)} as JSON (${(err as Error).message}). Create it with \`pulumi stack output --json > ${outputsFile}\`.`);
    }
    const a = outputs.analytics;
    if (!a?.clusterArn || !a.secretArn || !a.databaseName) {
        throw new ReconcileArgsError(`\`--outputs\`: ${outputsFile} has no analytics.clusterArn, secretArn and databaseName (received ${JSON.stringify(a ?? null)}).`);
    }
    const [name, bucket] = pickPond(outputs.ponds ?? {}, pond);
    const r = region ?? a.clusterArn.split(":")[3];
    const s3 = new S3Client({ region: r });
    const client = new RDSDataClient({ region: r });
    return { db: new DataApi({ client, resourceArn: a.clusterArn, secretArn: a.secretArn, database: a.databaseName }), s3, pondBucket: bucket, pond: name, lakeBucket: outputs.lake?.bucket, close: () => (s3.destroy(), client.destroy()) };
}

const WHERE = {
    local: { type: "boolean", description: "the local platform of `npm start`" },
    "platform-dir": { type: "string", value: "DIR", default: ".local", description: "the local platform's data folder (with --local)" },
    outputs: { type: "string", value: "FILE", description: "the stack outputs (pulumi stack output --json > FILE), instead of --local" },
    region: { type: "string", value: "REGION", default: "the cluster ARN's region", description: "the AWS region" },
} as const satisfies Record<string, OptionSpec>;

export const RECONCILE_COMMAND = defineCommand({
    name: "ops reconcile",
    invocation: "npm run ops -- reconcile",
    summary: "Compares one UTC day's real-time aggregates with the pond's numbers; exit 1 when they differ.",
    options: {
        day: { type: "string", value: "YYYY-MM-DD", description: "the UTC day to compare (required)" },
        pond: { type: "string", value: "NAME", default: "the only pond", description: "the pond to compare with" },
        json: { type: "boolean", description: "print the differences as JSON" },
        ...WHERE,
    },
});

export const RECOMPUTE_COMMAND = defineCommand({
    name: "ops recompute",
    invocation: "npm run ops -- recompute",
    summary: "Rebuilds a window's real-time aggregates from the lake (whole UTC hours, at least --min-age-minutes old).",
    options: {
        from: { type: "string", value: "ISO", field: "from", description: "the window's first hour (required)" },
        to: { type: "string", value: "ISO", field: "to", description: "the window's end hour (required)" },
        "min-age-minutes": { type: "string", value: "N", default: "60", description: "how old --to must be, so the lake holds every event" },
        ...WHERE,
    },
});

/** The `reconcile` subcommand (argv after "reconcile"). */
export async function reconcileCommand(argv: readonly string[], io: ReconcileIo): Promise<number> {
    let target: Target;
    let day: string;
    let json: boolean;
    const parsed = parseOrExit(RECONCILE_COMMAND, argv, io);
    if (typeof parsed === "number") return parsed;
    const { values } = parsed;
    try {
        if (values.day === undefined) throw new ReconcileArgsError("`reconcile` needs `--day YYYY-MM-DD` (the UTC day to compare).");
        try {
            day = checkDay("`--day`", values.day);
        } catch (err) {
            throw new ReconcileArgsError((err as Error).message);
        }
        json = values.json === true;
        if (values.local) target = await localTarget(values["platform-dir"] ?? path.join(__dirname, "..", ".local"), values.pond);
        else if (values.outputs !== undefined) target = awsTarget(values.outputs, values.pond, values.region);
        else throw new ReconcileArgsError("`reconcile` needs `--outputs FILE` (pulumi stack output --json) or `--local`.");
    } catch (err) {
        io.err((err as Error).message);
        return 2;
    }
    try {
        await target.prepare?.(day);
        const differences = reconcileDay(await readRealtime(target.db, day), await readPond(target.s3, target.pondBucket, day));
        if (json) io.out(JSON.stringify({ day, pond: target.pond, differences }, null, 2));
        else if (differences.length === 0) io.out(`reconcile ${day} (pond "${target.pond}"): real-time and pond numbers agree, 0 differences.`);
        else {
            io.err(`reconcile ${day} (pond "${target.pond}"): ${differences.length} difference(s):`);
            for (const d of differences) io.err(`  ${describeDifference(d)}`);
        }
        return differences.length === 0 ? 0 : 1;
    } finally {
        target.close();
    }
}

/** Every lake line (one event each) of the hours overlapping a window. */
export async function readLakeWindow(s3: S3Client, bucket: string, window: RecomputeWindow): Promise<string[]> {
    const hours = new Set(lakeHours({ from: window.from, to: new Date(Date.parse(window.to) - 1).toISOString() }).map((h) => `${h.dt}/${h.hour}`));
    const lines: string[] = [];
    let token: string | undefined;
    do {
        const r = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: DATA_PREFIX, ContinuationToken: token }));
        for (const o of r.Contents ?? []) {
            const k = o.Key ? parseDataKey(o.Key) : undefined;
            if (!k || !hours.has(`${k.dt}/${k.hour}`)) continue;
            const body = Buffer.from(await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: o.Key }))).Body!.transformToByteArray());
            const text = (body.length >= 2 && body[0] === 0x1f && body[1] === 0x8b ? gunzipSync(body) : body).toString("utf8");
            for (const line of text.split("\n")) if (line.trim() !== "") lines.push(line);
        }
        token = r.IsTruncated ? r.NextContinuationToken : undefined;
    } while (token);
    return lines;
}

/** The `recompute` subcommand: rebuilds a window's real-time aggregates from the lake (functions/workflows/replay-recompute.ts). */
export async function recomputeCommand(argv: readonly string[], io: ReconcileIo): Promise<number> {
    let target: Target;
    let window: RecomputeWindow;
    const parsed = parseOrExit(RECOMPUTE_COMMAND, argv, io);
    if (typeof parsed === "number") return parsed;
    const { values } = parsed;
    try {
        const minAge = values["min-age-minutes"] === undefined ? 60 : numberOption("min-age-minutes", values["min-age-minutes"], { integer: true, min: 0 });
        try {
            window = planRecompute({ from: values.from, to: values.to }, new Date(), minAge, fieldNames(RECOMPUTE_COMMAND));
        } catch (err) {
            throw new ReconcileArgsError((err as Error).message);
        }
        if (values.local) target = await localTarget(values["platform-dir"] ?? path.join(__dirname, "..", ".local"), undefined);
        else if (values.outputs !== undefined) target = awsTarget(values.outputs, undefined, values.region);
        else throw new ReconcileArgsError("`recompute` needs `--outputs FILE` (pulumi stack output --json) or `--local`.");
    } catch (err) {
        io.err((err as Error).message);
        return 2;
    }
    try {
        if (!target.lakeBucket) {
            io.err("`--outputs`: no lake.bucket to recompute from.");
            return 2;
        }
        const result = await recomputeWindow(target.db, window, await readLakeWindow(target.s3, target.lakeBucket, window));
        io.out(`recompute ${window.from} → ${window.to}: ${result.stats.counted} events counted again from ${result.lakeEvents} lake lines (${result.invalid} invalid), ${result.bookingsRecomputed} bookings recomputed.`);
        return 0;
    } finally {
        target.close();
    }
}
