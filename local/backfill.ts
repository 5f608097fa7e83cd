/**
 * The demo's backfill (`npm start -- --demo`, `--history-days N`): generated
 * history written as EVENTS into the local lake, then the training job.
 *
 * 1. The traffic generator (./traffic.ts, the demo's route popularity) makes
 *    the events of every hour of the last `historyDays` days before the
 *    current hour, with the daily and weekly shape (demandShape), at a fixed
 *    budget of `eventsPerHour` events per hour on weekly average: the live
 *    demo's `rate x 3600` scaled down by `sampling = ceil(rate x 3600 /
 *    eventsPerHour)` (1 when the rate is below the budget), shape preserved.
 * 2. They go into the lake through the platform's lake writer
 *    (./delivery.ts `LocalDeliveryStream`: the Firehose processor,
 *    dynamic partitioning, gzip JSON lines, object names), as frames of the
 *    record codec like the ingestion service writes them, so the files,
 *    partitions (`data/type=/dt=/hour=/`) and layout are the real ones.
 * 3. The SAME training job as the AWS ModelTraining Lambda
 *    (functions/forecast/train.ts `runTraining`, the shared SQL, on DuckDB
 *    over the lake: ./scoring-train.ts) trains the forecast and the built-in
 *    scoring model with `sampling`, and stores both versioned artifacts in the
 *    lake bucket, where the live processor and the insights API load them.
 *
 * A lake that already holds events in the history's days (an earlier run on
 * the same folder) is not backfilled again: its events would be counted twice
 * and live traffic mixed with sampled history; the models stored then stay.
 */
import { ListObjectsV2Command, type S3Client } from "@aws-sdk/client-s3";
import { DATA_PREFIX, parseDataKey } from "../functions/lake/partitioning";
import { encodeFrame, resolveFrameOptions } from "../functions/shared/codec/frames";
import type { TrainingReport } from "../functions/forecast/train";
import type { FlightEvent } from "../functions/shared/events";
import { LocalDeliveryStream } from "./delivery";
import { trainModelsFromLake } from "./scoring-train";
import { demandShape, TrafficGenerator } from "./traffic";

/** Weekly-average events per hour the backfill writes (the scale is stated in its report). */
export const BACKFILL_EVENTS_PER_HOUR = 600;
const HOUR = 3_600_000;

export interface BackfillOptions {
    readonly s3: S3Client;
    readonly lakeBucket: string;
    /** The live demo's weekly-average events per second (`--rate`). */
    readonly rate: number;
    /** Days of history before the current hour, 1..30. */
    readonly historyDays: number;
    /** The demo's start (the history ends at the start of its hour). @default new Date() */
    readonly now?: Date;
    /** @default BACKFILL_EVENTS_PER_HOUR */
    readonly eventsPerHour?: number;
    /** Route popularity skew (local/main.ts DEMO_ROUTE_SKEW). @default 0.5 */
    readonly routeSkew?: number;
    /** @default 1 (the demo's traffic seed) */
    readonly seed?: number;
}

export interface BackfillReport {
    /** First and last (exclusive) hour of the history, ISO. */
    readonly from: string;
    readonly to: string;
    /** Events written into the lake, and the objects they went into. */
    readonly events: number;
    readonly searches: number;
    readonly objects: number;
    /** The history is 1 in `sampling` of the traffic at `rate`. */
    readonly sampling: number;
    readonly eventsPerHour: number;
    readonly writeMs: number;
    readonly trainMs: number;
    /** Why nothing was written or trained (the lake already had history), else undefined. */
    readonly skipped?: string;
    readonly training?: TrainingReport;
}

/** 1-in-N sampling of `rate` events/s to a budget of `eventsPerHour` (weekly average). */
export function backfillSampling(rate: number, eventsPerHour = BACKFILL_EVENTS_PER_HOUR): number {
    if (!(rate > 0)) throw new Error(`backfill: \`rate\` must be a positive number of events per second (received ${String(rate)}).`);
    if (!Number.isInteger(eventsPerHour) || eventsPerHour < 24) throw new Error(`backfill: \`eventsPerHour\` must be an integer of at least 24 (received ${String(eventsPerHour)}).`);
    return Math.max(1, Math.ceil((rate * 3600) / eventsPerHour));
}

/** The history's hours: [start of the hour `historyDays` days before `now`'s, start of `now`'s hour). */
export function backfillWindow(now: Date, historyDays: number): { fromMs: number; toMs: number; days: { from: string; to: string } } {
    if (!Number.isInteger(historyDays) || historyDays < 1 || historyDays > 30) throw new Error(`backfill: \`historyDays\` must be an integer from 1 to 30 (received ${String(historyDays)}).`);
    const toMs = Math.floor(now.getTime() / HOUR) * HOUR;
    const fromMs = toMs - historyDays * 24 * HOUR;
    // UTC days [from, to) holding every hour of the history (to: the day after the last hour's).
    const from = new Date(fromMs).toISOString().slice(0, 10);
    const to = new Date(Date.parse(new Date(toMs - HOUR).toISOString().slice(0, 10)) + 24 * HOUR).toISOString().slice(0, 10);
    return { fromMs, toMs, days: { from, to } };
}

/** Lake objects under data/ whose event day is in [from, to). */
async function lakeObjectsIn(s3: S3Client, bucket: string, from: string, to: string): Promise<number> {
    let n = 0;
    let token: string | undefined;
    do {
        const r = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: DATA_PREFIX, ContinuationToken: token }));
        for (const c of r.Contents ?? []) {
            const k = c.Key ? parseDataKey(c.Key) : undefined;
            if (k && k.dt >= from && k.dt < to) n++;
        }
        token = r.IsTruncated ? r.NextContinuationToken : undefined;
    } while (token);
    return n;
}

/**
 * The backfill's events, hour by hour (pure, deterministic): `round(rate x 3600 / sampling x
 * the hour's mean demandShape)` events of the generator's normal mix, evenly spaced in the hour.
 */
export function* historyHours(o: Pick<BackfillOptions, "rate" | "historyDays" | "eventsPerHour" | "routeSkew" | "seed">, now: Date): Generator<{ hourMs: number; events: FlightEvent[] }> {
    const sampling = backfillSampling(o.rate, o.eventsPerHour ?? BACKFILL_EVENTS_PER_HOUR);
    const { fromMs, toMs } = backfillWindow(now, o.historyDays);
    const perHour = (o.rate * 3600) / sampling;
    const gen = new TrafficGenerator({ seed: o.seed ?? 1, routeSkew: o.routeSkew ?? 0.5, idPrefix: `history-${new Date(fromMs).toISOString().slice(0, 13).replace(/[-:T]/g, "")}` });
    for (let h = fromMs; h < toMs; h += HOUR) {
        // The shape averaged over the hour (every 5 minutes), as the live demo's per-second shape sums up.
        let shape = 0;
        for (let m = 0; m < 12; m++) shape += demandShape(h + m * 300_000 + 150_000) / 12;
        const n = Math.round(perHour * shape);
        const events: FlightEvent[] = [];
        for (let i = 0; i < n; i++) events.push(gen.next(new Date(h + Math.floor(((i + 0.5) * HOUR) / n))));
        yield { hourMs: h, events };
    }
}

/** Writes the generated history into the lake through the lake writer, then trains both models on it. */
export async function backfillAndTrain(o: BackfillOptions): Promise<BackfillReport> {
    const now = o.now ?? new Date();
    const eventsPerHour = o.eventsPerHour ?? BACKFILL_EVENTS_PER_HOUR;
    const sampling = backfillSampling(o.rate, eventsPerHour);
    const { fromMs, toMs, days } = backfillWindow(now, o.historyDays);
    const base = { from: new Date(fromMs).toISOString(), to: new Date(toMs).toISOString(), sampling, eventsPerHour };
    const existing = await lakeObjectsIn(o.s3, o.lakeBucket, days.from, days.to);
    if (existing > 0) {
        return {
            ...base,
            events: 0,
            searches: 0,
            objects: 0,
            writeMs: 0,
            trainMs: 0,
            skipped: `the lake already holds ${existing} object(s) of events from ${days.from} to ${days.to} (exclusive), an earlier run; \`npm start -- --reset --demo\` backfills afresh`,
        };
    }

    const t0 = Date.now();
    // The lake writer the platform uses, one per UTC day of the history so the days' objects are written
    // in parallel when the backfill ends (never by time).
    const writers = new Map<string, LocalDeliveryStream>();
    const writerFor = (hourMs: number) => {
        const day = new Date(hourMs).toISOString().slice(0, 10);
        let w = writers.get(day);
        if (!w) writers.set(day, (w = new LocalDeliveryStream({ s3: o.s3, bucket: o.lakeBucket, streamName: "lake-delivery", bufferIntervalMs: 86_400_000 })));
        return w;
    };
    const frameOptions = resolveFrameOptions({ codec: "deflate" });
    const encoder = new TextEncoder();
    let events = 0;
    let searches = 0;
    for (const { hourMs, events: hour } of historyHours(o, now)) {
        const delivery = writerFor(hourMs);
        const byType = new Map<string, Uint8Array[]>();
        for (const e of hour) {
            if (e.type === "search") searches++;
            let lines = byType.get(e.type);
            if (!lines) byType.set(e.type, (lines = []));
            lines.push(encoder.encode(JSON.stringify(e)));
        }
        // One frame per (type, hour) partition and at most 500 events, as the ingestion service writes them.
        for (const [type, lines] of byType) {
            for (let i = 0; i < lines.length; i += 500) await delivery.putRecord(encodeFrame(type, lines.slice(i, i + 500), frameOptions));
        }
        events += hour.length;
    }
    const failed = [...writers.values()].flatMap((w) => w.failed);
    if (failed.length > 0) throw new Error(`backfill: ${failed.length} generated record(s) failed the lake processor, first: ${failed[0]}`);
    await Promise.all([...writers.values()].map((w) => w.flushAll()));
    const objects = [...writers.values()].reduce((n, w) => n + w.delivered.length, 0);
    const writeMs = Date.now() - t0;

    const t1 = Date.now();
    const training = await trainModelsFromLake({ s3: o.s3, lakeBucket: o.lakeBucket, from: days.from, to: days.to, now, sampling });
    return { ...base, events, searches, objects, writeMs, trainMs: Date.now() - t1, training };
}

/** The lines `npm start -- --demo` prints about the backfill. */
export function describeBackfill(r: BackfillReport, rate: number, bucket: string): string[] {
    const scale = `1 in ${r.sampling} of ${rate} events/s (${r.eventsPerHour} events/hour on weekly average, the daily and weekly shape kept)`;
    if (r.skipped) return [`demo: backfill skipped: ${r.skipped}`];
    const t = r.training!;
    const forecast = "skipped" in t.forecast ? `forecast not trained (${t.forecast.skipped})` : `forecast ${t.forecast.version} (${t.forecast.rows} route-hours) s3://${bucket}/${t.forecast.key}`;
    return [
        `demo: backfilled ${r.events} events (${r.searches} searches) from ${r.from} to ${r.to} into ${r.objects} lake objects in ${(r.writeMs / 1000).toFixed(1)} s; scale ${scale}`,
        `demo: trained both models on the lake (DuckDB, the training job's SQL, levels and counts x ${r.sampling}) in ${(r.trainMs / 1000).toFixed(1)} s: ${forecast}; scoring ${t.scoring.version} (${t.scoring.rows} rows) s3://${bucket}/${t.scoring.key}`,
        "demo: the stream processor and the insights API load the forecast within 5 s, the processor the scoring model within a minute",
    ];
}
