/**
 * Replay tasks: plan (validate, list shards and lake partitions), read one
 * page of a shard or of a lake hour and re-deliver it, summarize.
 *
 * Each page reads at most `pageMaxRecords` records or `pageMaxSeconds`
 * seconds and returns a cursor; the state machine loops over pages with a
 * Choice, so no Lambda invocation runs long and a failed page is retried from
 * its cursor (re-delivery is safe: the processor is idempotent by eventId).
 */
import { GetRecordsCommand, GetRecordsCommandOutput, GetShardIteratorCommand, ListShardsCommand, Shard, _Record } from "@aws-sdk/client-kinesis";
import { GetObjectCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import type { KinesisStreamEvent, KinesisStreamRecord } from "aws-lambda";
import { gunzipSync } from "zlib";
import { decodeRecord } from "../shared/codec";
import { DATA_PREFIX } from "../lake/partitioning";
import { WorkflowDeps, need } from "./deps";
import { WorkflowError } from "./errors";
import { DEFAULT_REPLAY_TARGET, lakeHours, planReplayWindow, ReplayInput, TimeWindow } from "./replay-window";

export interface ReplayItem {
    readonly kind: "shard" | "lake";
    /** Shard id, or `dt=YYYY-MM-DD/hour=HH` for a lake hour. */
    readonly id: string;
    readonly from: string;
    readonly to: string;
}

export interface ReplayPlan {
    readonly from: string;
    readonly to: string;
    readonly target: string;
    readonly stream?: TimeWindow;
    readonly lake?: TimeWindow;
    readonly items: ReplayItem[];
    /** `data/type=<t>/source=<s>/` prefixes found in the lake (read by lake items). */
    readonly lakePrefixes: string[];
}

export interface ReplayTotals {
    /** Kinesis records (or lake lines) re-delivered. */
    readonly records: number;
    /** User records inside them (KPL aggregates count each event). */
    readonly events: number;
    /** Invocations of the target. */
    readonly batches: number;
    /** Pages (task invocations) it took. */
    readonly pages: number;
    /**
     * Records the target still reported failed after 3 deliveries while the rest
     * of their batch was counted: events it refused (kept in its rejected_events
     * table), skipped so the replay goes on.
     */
    readonly rejected: number;
}

export interface ReplayCursor {
    readonly iterator?: string;
    readonly lastSequenceNumber?: string;
    /** Lake: index into lakePrefixes, and the last object key done under it. */
    readonly prefixIndex?: number;
    readonly startAfter?: string;
}

export interface ReplayPageState {
    readonly item: ReplayItem;
    readonly target: string;
    readonly lakePrefixes?: string[];
    readonly cursor?: ReplayCursor;
    readonly totals?: ReplayTotals;
    readonly done?: boolean;
}

export interface ReplaySourceResult extends ReplayTotals {
    readonly source: string;
    readonly kind: "shard" | "lake";
}

const ZERO: ReplayTotals = { records: 0, events: 0, batches: 0, pages: 0, rejected: 0 };

function targets(deps: WorkflowDeps): readonly string[] {
    return deps.settings.targets ?? [DEFAULT_REPLAY_TARGET];
}

/** Task `replay.plan`. */
export async function planReplay(input: ReplayInput, deps: WorkflowDeps): Promise<ReplayPlan> {
    const now = (deps.now ?? (() => new Date()))();
    const window = planReplayWindow(input, {
        now,
        retentionHours: deps.settings.retentionHours ?? 24,
        lakeAvailable: deps.settings.lakeBucket !== undefined,
        lakeRetentionDays: deps.settings.lakeRetentionDays,
        processedRetentionHours: deps.settings.processedRetentionHours,
        targets: targets(deps),
    });
    const items: ReplayItem[] = [];
    let lakePrefixes: string[] = [];
    if (window.lake) {
        const s3 = need(deps.s3, "the S3 client");
        lakePrefixes = await listLakeSourcePrefixes(s3, need(deps.settings.lakeBucket, "LAKE_BUCKET"));
        for (const h of lakeHours(window.lake)) {
            items.push({ kind: "lake", id: `dt=${h.dt}/hour=${h.hour}`, from: window.lake.from, to: window.lake.to });
        }
    }
    if (window.stream) {
        const shards = await listAllShards(deps);
        for (const s of shards) items.push({ kind: "shard", id: s.ShardId!, from: window.stream.from, to: window.stream.to });
    }
    return { ...window, items, lakePrefixes };
}

async function listAllShards(deps: WorkflowDeps): Promise<Shard[]> {
    const kinesis = need(deps.kinesis, "the Kinesis client");
    const streamName = need(deps.settings.streamName, "STREAM_NAME");
    const shards: Shard[] = [];
    let token: string | undefined;
    do {
        const res = await kinesis.send(new ListShardsCommand(token ? { NextToken: token } : { StreamName: streamName }));
        shards.push(...(res.Shards ?? []));
        token = res.NextToken;
    } while (token);
    return shards.sort((a, b) => (a.ShardId! < b.ShardId! ? -1 : a.ShardId! > b.ShardId! ? 1 : 0));
}

async function listPrefixes(s3: S3Client, bucket: string, prefix: string): Promise<string[]> {
    const out: string[] = [];
    let token: string | undefined;
    do {
        const res = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, Delimiter: "/", ContinuationToken: token }));
        out.push(...(res.CommonPrefixes ?? []).map((p) => p.Prefix!).filter((p) => p !== undefined));
        token = res.IsTruncated ? res.NextContinuationToken : undefined;
    } while (token);
    return out;
}

/**
 * Prefixes under which the lake keeps `dt=<day>/hour=<HH>/`: `data/type=<t>/`
 * (the layout since `source` became a column), and `data/type=<t>/source=<s>/`
 * where objects of the older layout remain.
 */
export async function listLakeSourcePrefixes(s3: S3Client, bucket: string): Promise<string[]> {
    const out: string[] = [];
    for (const typePrefix of await listPrefixes(s3, bucket, DATA_PREFIX)) {
        if (!/^data\/type=[^/]+\/$/.test(typePrefix)) continue;
        let current = false;
        for (const sub of await listPrefixes(s3, bucket, typePrefix)) {
            if (/^data\/type=[^/]+\/source=[^/]+\/$/.test(sub)) out.push(sub);
            else if (/^data\/type=[^/]+\/dt=[^/]+\/$/.test(sub)) current = true;
        }
        if (current) out.push(typePrefix);
    }
    return out.sort();
}

function countEvents(data: Uint8Array): number {
    try {
        // Frames expand to one entry per event, so this counts events, not user records.
        return decodeRecord(data, {}, { verifyChecksum: false }).length;
    } catch {
        return 1;
    }
}

function eventRecord(deps: WorkflowDeps, shardId: string, r: { data: Uint8Array; partitionKey: string; sequenceNumber: string; arrival: Date }): KinesisStreamRecord {
    const region = deps.settings.region;
    return {
        kinesis: {
            kinesisSchemaVersion: "1.0",
            partitionKey: r.partitionKey,
            sequenceNumber: r.sequenceNumber,
            data: Buffer.from(r.data).toString("base64"),
            approximateArrivalTimestamp: r.arrival.getTime() / 1000,
        },
        eventSource: "aws:kinesis",
        eventVersion: "1.0",
        eventID: `${shardId}:${r.sequenceNumber}`,
        eventName: "aws:kinesis:record",
        invokeIdentityArn: "replay",
        awsRegion: region,
        eventSourceARN: deps.settings.streamArn ?? `arn:aws:kinesis:${region}:000000000000:stream/${deps.settings.streamName ?? "unknown"}`,
    };
}

/**
 * Delivers in batches; a batch with failures is re-delivered whole (idempotent target) up to 3 times.
 * Records still failing then are skipped when the rest of their batch went through (the target
 * refused their content and kept it for review); a batch failing whole stops the replay.
 */
async function deliverAll(deps: WorkflowDeps, target: string, records: KinesisStreamRecord[]): Promise<{ batches: number; rejected: number }> {
    const deliver = need(deps.deliver, "the replay delivery (processor invoke)");
    const size = deps.settings.deliveryBatchSize ?? 500;
    let batches = 0;
    let rejected = 0;
    for (let i = 0; i < records.length; i += size) {
        const event: KinesisStreamEvent = { Records: records.slice(i, i + size) };
        let failed: string[] = [];
        for (let attempt = 1; attempt <= 3; attempt++) {
            const res = await deliver(target, event);
            batches++;
            failed = res.failedSequenceNumbers;
            if (failed.length === 0) break;
        }
        if (failed.length > 0 && failed.length < event.Records.length) {
            rejected += failed.length;
        } else if (failed.length > 0) {
            throw new WorkflowError("ReplayDeliveryFailed", `target "${target}" reported ${failed.length} failed record(s) 3 times in a row (first: ${failed[0]}); the replay stops here and can be re-run (re-delivery is idempotent).`);
        }
    }
    return { batches, rejected };
}

function add(a: ReplayTotals, b: Partial<ReplayTotals>): ReplayTotals {
    return {
        records: a.records + (b.records ?? 0),
        events: a.events + (b.events ?? 0),
        batches: a.batches + (b.batches ?? 0),
        pages: a.pages + (b.pages ?? 0),
        rejected: (a.rejected ?? 0) + (b.rejected ?? 0),
    };
}

/** Task `replay.readPage`: one page of a shard or a lake hour. */
export async function readReplayPage(state: ReplayPageState, deps: WorkflowDeps): Promise<ReplayPageState> {
    if (!state || typeof state !== "object" || !state.item || (state.item.kind !== "shard" && state.item.kind !== "lake")) {
        throw new Error(`replay.readPage: state must carry \`item\` {kind: "shard"|"lake", id, from, to} (received ${JSON.stringify(state)?.slice(0, 200)}).`);
    }
    return state.item.kind === "shard" ? readShardPage(state, deps) : readLakePage(state, deps);
}

async function readShardPage(state: ReplayPageState, deps: WorkflowDeps): Promise<ReplayPageState> {
    const kinesis = need(deps.kinesis, "the Kinesis client");
    const streamName = need(deps.settings.streamName, "STREAM_NAME");
    const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
    const maxRecords = deps.settings.pageMaxRecords ?? 5000;
    const deadline = Date.now() + (deps.settings.pageMaxSeconds ?? 60) * 1000;
    const { item } = state;
    const to = Date.parse(item.to);
    let iterator = state.cursor?.iterator;
    let lastSeq = state.cursor?.lastSequenceNumber;
    const freshIterator = async (): Promise<string | undefined> => {
        const res = await kinesis.send(
            new GetShardIteratorCommand(
                lastSeq
                    ? { StreamName: streamName, ShardId: item.id, ShardIteratorType: "AFTER_SEQUENCE_NUMBER", StartingSequenceNumber: lastSeq }
                    : { StreamName: streamName, ShardId: item.id, ShardIteratorType: "AT_TIMESTAMP", Timestamp: new Date(item.from) },
            ),
        );
        return res.ShardIterator;
    };
    if (!iterator) iterator = await freshIterator();
    const picked: KinesisStreamRecord[] = [];
    let events = 0;
    let done = false;
    let calls = 0;
    while (!done && picked.length < maxRecords && Date.now() < deadline) {
        if (!iterator) {
            done = true;
            break;
        }
        if (calls > 0) await sleep(200); // 5 GetRecords/s per shard, shared with the live consumers.
        calls++;
        let res: GetRecordsCommandOutput;
        try {
            res = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: Math.min(10000, maxRecords - picked.length) }));
        } catch (err) {
            if ((err as Error).name === "ExpiredIteratorException") {
                iterator = await freshIterator();
                continue;
            }
            throw err;
        }
        const records: _Record[] = res.Records ?? [];
        for (const r of records) {
            const arrival = r.ApproximateArrivalTimestamp ?? new Date(0);
            if (arrival.getTime() > to) {
                done = true;
                break;
            }
            const data = r.Data ?? new Uint8Array();
            picked.push(eventRecord(deps, item.id, { data, partitionKey: r.PartitionKey ?? "", sequenceNumber: r.SequenceNumber!, arrival }));
            events += countEvents(data);
            lastSeq = r.SequenceNumber;
        }
        iterator = res.NextShardIterator ?? undefined;
        // Closed shard read to its end, or caught up with the newest record.
        if (!iterator || (records.length === 0 && res.MillisBehindLatest === 0)) done = true;
    }
    const { batches, rejected } = await deliverAll(deps, state.target, picked);
    return {
        ...state,
        cursor: { ...(iterator && !done ? { iterator } : {}), ...(lastSeq ? { lastSequenceNumber: lastSeq } : {}) },
        totals: add(state.totals ?? ZERO, { records: picked.length, events, batches, pages: 1, rejected }),
        done,
    };
}

async function readLakePage(state: ReplayPageState, deps: WorkflowDeps): Promise<ReplayPageState> {
    const s3 = need(deps.s3, "the S3 client");
    const bucket = need(deps.settings.lakeBucket, "LAKE_BUCKET");
    const maxRecords = deps.settings.pageMaxRecords ?? 5000;
    const deadline = Date.now() + (deps.settings.pageMaxSeconds ?? 60) * 1000;
    const prefixes = state.lakePrefixes ?? [];
    const from = Date.parse(state.item.from);
    const to = Date.parse(state.item.to);
    let prefixIndex = state.cursor?.prefixIndex ?? 0;
    let startAfter = state.cursor?.startAfter;
    const picked: KinesisStreamRecord[] = [];
    while (prefixIndex < prefixes.length && picked.length < maxRecords && Date.now() < deadline) {
        const prefix = `${prefixes[prefixIndex]}${state.item.id}/`;
        const list = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, StartAfter: startAfter, MaxKeys: 100 }));
        const keys = (list.Contents ?? []).map((o) => o.Key!).filter((k) => k !== undefined);
        if (keys.length === 0) {
            prefixIndex++;
            startAfter = undefined;
            continue;
        }
        for (const key of keys) {
            const obj = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
            let body: Buffer = Buffer.from(await obj.Body!.transformToByteArray());
            if (body.length >= 2 && body[0] === 0x1f && body[1] === 0x8b) body = gunzipSync(body);
            const lines = body.toString("utf8").split("\n");
            lines.forEach((line, i) => {
                if (line.trim() === "") return;
                let event: { eventId?: unknown; occurredAt?: unknown };
                try {
                    event = JSON.parse(line);
                } catch {
                    return; // Not an event line; the lake's error prefix holds rejects, data/ only valid events.
                }
                const at = typeof event.occurredAt === "string" ? Date.parse(event.occurredAt) : NaN;
                if (Number.isNaN(at) || at < from || at > to) return;
                picked.push(
                    eventRecord(deps, `lake/${key}`, {
                        data: Buffer.from(line, "utf8"),
                        partitionKey: typeof event.eventId === "string" ? event.eventId : `${key}:${i}`,
                        sequenceNumber: `${key}:${i}`,
                        arrival: new Date(at),
                    }),
                );
            });
            startAfter = key;
            if (picked.length >= maxRecords || Date.now() >= deadline) break;
        }
    }
    const { batches, rejected } = await deliverAll(deps, state.target, picked);
    const done = prefixIndex >= prefixes.length;
    return {
        ...state,
        cursor: done ? {} : { prefixIndex, ...(startAfter ? { startAfter } : {}) },
        totals: add(state.totals ?? ZERO, { records: picked.length, events: picked.length, batches, pages: 1, rejected }),
        done,
    };
}

/** Task `replay.summarize`: the execution's output. */
export function summarizeReplay(state: ReplayPlan & { results?: ReplaySourceResult[] }): {
    from: string;
    to: string;
    target: string;
    stream?: TimeWindow;
    lake?: TimeWindow;
    sources: ReplaySourceResult[];
    totals: ReplayTotals;
} {
    const sources = state.results ?? [];
    const totals = sources.reduce<ReplayTotals>((acc, s) => add(acc, s), ZERO);
    return {
        from: state.from,
        to: state.to,
        target: state.target,
        ...(state.stream ? { stream: state.stream } : {}),
        ...(state.lake ? { lake: state.lake } : {}),
        sources,
        totals,
    };
}
