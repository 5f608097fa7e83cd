/**
 * What the local status page shows, read from the running platform on every
 * refresh: demand per route and recent alerts (the insights API, as a client
 * would), per-shard reader lag of each consumer (the age of the oldest record
 * after the consumer's checkpoint, read from the stream), lake freshness (the
 * newest object under the lake's data/ prefix), pond freshness (the newest
 * object in each pond bucket, and the ETL schedule's runs), and the health of
 * every emulator and service (a real request to each, timed).
 */
import { DescribeStreamSummaryCommand, GetRecordsCommand, GetShardIteratorCommand, KinesisClient, ListShardsCommand } from "@aws-sdk/client-kinesis";
import { ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import type { DataApi } from "../../functions/shared/db/dataapi";
import type { EventSourceMapping } from "../esm";
import type { Scheduler } from "../scheduler";

export interface StatusSources {
    readonly ingestUrl: string;
    readonly insightsUrl: string;
    readonly streamName: string;
    readonly kinesis: KinesisClient;
    readonly s3: S3Client;
    readonly db: DataApi;
    readonly lakeBucket: string;
    readonly ponds: readonly { name: string; bucket: string; datasets: readonly string[] }[];
    readonly scheduler: Scheduler;
    /** The stream's readers (event source mappings) by name, as they are now (a stopped one is undefined). */
    readonly readers: () => Record<string, EventSourceMapping | undefined>;
}

export interface RouteDemand {
    readonly route: string;
    readonly searches: number;
    readonly bookings: number;
    readonly cancellations: number;
}

export interface ShardLag {
    readonly consumer: string;
    readonly shardId: string;
    /** Age of the oldest record the consumer has not checkpointed yet (0 when it is at the tip). */
    readonly lagMs: number;
    /** Records after the checkpoint seen in one read (at most 1000). */
    readonly pendingRecords: number;
    readonly running: boolean;
}

export interface Freshness {
    readonly name: string;
    /** Seconds since the newest object was written; null when there is none yet. */
    readonly ageSeconds: number | null;
    readonly objects: number;
    readonly newestKey: string | null;
}

export interface PondStatus extends Freshness {
    readonly runs: number;
    readonly failures: number;
    readonly lastError: string | null;
    readonly lastFinishedAt: string | null;
}

export interface Health {
    readonly name: string;
    readonly ok: boolean;
    readonly latencyMs: number;
    readonly detail: string;
}

export interface StatusSnapshot {
    readonly at: string;
    readonly demand: RouteDemand[];
    readonly alerts: { route: string; windowStart: string; searches: number; baselineSearches: number }[];
    readonly lag: ShardLag[];
    readonly lake: Freshness;
    readonly ponds: PondStatus[];
    readonly health: Health[];
}

async function timed(name: string, fn: () => Promise<string>): Promise<Health> {
    const t0 = Date.now();
    try {
        const detail = await fn();
        return { name, ok: true, latencyMs: Date.now() - t0, detail };
    } catch (err) {
        return { name, ok: false, latencyMs: Date.now() - t0, detail: (err as Error).message.split("\n")[0].slice(0, 200) };
    }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- untyped JSON from the local endpoints, read with optional chaining
async function getJson(url: string): Promise<any> {
    const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
    if (!res.ok) throw new Error(`${url} answered ${res.status}`);
    return res.json();
}

/** Newest object under a prefix (paginated listing). */
async function newest(s3: S3Client, bucket: string, prefix: string, name: string, now: number): Promise<Freshness> {
    let token: string | undefined;
    let objects = 0;
    let best: { key: string; at: number } | undefined;
    do {
        const out = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
        for (const o of out.Contents ?? []) {
            if (!o.Key || o.Key.endsWith("/")) continue;
            objects++;
            const at = o.LastModified?.getTime() ?? 0;
            if (!best || at > best.at) best = { key: o.Key, at };
        }
        token = out.IsTruncated ? out.NextContinuationToken : undefined;
    } while (token);
    return { name, objects, newestKey: best?.key ?? null, ageSeconds: best ? Math.max(0, Math.round((now - best.at) / 100) / 10) : null };
}

/** Lag of one consumer on one shard: the first record after its checkpoint. */
async function shardLag(k: KinesisClient, streamName: string, consumer: string, shardId: string, checkpoint: string | undefined, running: boolean, now: number): Promise<ShardLag> {
    const it = await k.send(
        new GetShardIteratorCommand({
            StreamName: streamName,
            ShardId: shardId,
            ...(checkpoint ? { ShardIteratorType: "AFTER_SEQUENCE_NUMBER", StartingSequenceNumber: checkpoint } : { ShardIteratorType: "TRIM_HORIZON" }),
        }),
    );
    const out = await k.send(new GetRecordsCommand({ ShardIterator: it.ShardIterator, Limit: 1000 }));
    const records = out.Records ?? [];
    const first = records[0]?.ApproximateArrivalTimestamp?.getTime();
    return { consumer, shardId, running, pendingRecords: records.length, lagMs: first === undefined ? 0 : Math.max(0, now - first) };
}

export async function collectStatus(src: StatusSources, now = Date.now()): Promise<StatusSnapshot> {
    const health: Health[] = [];
    const [h1, h2, h3, h4, h5] = await Promise.all([
        timed("ingestion API", async () => `GET /healthz ${(await fetch(`${src.ingestUrl}/healthz`, { signal: AbortSignal.timeout(5000) })).status}`),
        timed("insights API", async () => `GET /v1/alerts ${(await fetch(`${src.insightsUrl}/v1/alerts?limit=1`, { signal: AbortSignal.timeout(5000) })).status}`),
        timed("Kinesis (kinesis-local)", async () => {
            const s = await src.kinesis.send(new DescribeStreamSummaryCommand({ StreamName: src.streamName }));
            return `${src.streamName} ${s.StreamDescriptionSummary?.StreamStatus}, ${s.StreamDescriptionSummary?.OpenShardCount} open shards`;
        }),
        timed("S3 (s3rver)", async () => {
            await src.s3.send(new ListObjectsV2Command({ Bucket: src.lakeBucket, MaxKeys: 1 }));
            return `s3://${src.lakeBucket} listed`;
        }),
        timed("RDS Data API (PGlite)", async () => `SELECT 1 → ${(await src.db.query("SELECT 1::int AS one"))[0]?.one}`),
    ]);
    health.push(h1, h2, h3, h4, h5);

    const [top, alerts] = await Promise.all([
        getJson(`${src.insightsUrl}/v1/routes/top?limit=8&minutes=60`)
            .then((b) => (b.routes ?? []) as RouteDemand[])
            .catch(() => [] as RouteDemand[]),
        getJson(`${src.insightsUrl}/v1/alerts?limit=10`)
            .then((b) => (b.alerts ?? []) as StatusSnapshot["alerts"])
            .catch(() => [] as StatusSnapshot["alerts"]),
    ]);

    const lag: ShardLag[] = [];
    try {
        const shards = (await src.kinesis.send(new ListShardsCommand({ StreamName: src.streamName }))).Shards ?? [];
        const open = shards.filter((s) => s.SequenceNumberRange?.EndingSequenceNumber === undefined);
        for (const [consumer, mapping] of Object.entries(src.readers())) {
            const checkpoints = mapping?.stats().checkpoints ?? {};
            lag.push(...(await Promise.all(open.map((s) => shardLag(src.kinesis, src.streamName, consumer, s.ShardId!, checkpoints[s.ShardId!], mapping !== undefined, now)))));
        }
    } catch {
        // Kinesis down: the health tile says so; no lag numbers rather than wrong ones.
    }

    const jobs = src.scheduler.status();
    const [lake, ...ponds] = await Promise.all([
        newest(src.s3, src.lakeBucket, "data/", "lake", now).catch(() => ({ name: "lake", objects: 0, newestKey: null, ageSeconds: null })),
        ...src.ponds.map(async (p): Promise<PondStatus> => {
            const f = await newest(src.s3, p.bucket, "", p.name, now).catch(() => ({ name: p.name, objects: 0, newestKey: null, ageSeconds: null }));
            const j = jobs[`pond-etl-${p.name}`];
            return { ...f, runs: j?.runs ?? 0, failures: j?.failures ?? 0, lastError: j?.lastError ?? null, lastFinishedAt: j?.lastFinishedAt ?? null };
        }),
    ]);

    return {
        at: new Date(now).toISOString(),
        demand: top.map((r) => ({ route: r.route, searches: Number(r.searches), bookings: Number(r.bookings), cancellations: Number(r.cancellations) })),
        alerts: alerts.map((a) => ({ route: a.route, windowStart: a.windowStart, searches: Number(a.searches), baselineSearches: Number(a.baselineSearches) })),
        lag,
        lake,
        ponds,
        health,
    };
}
