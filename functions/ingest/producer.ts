/**
 * The ingestion producer: turns validated events into durable Kinesis records.
 *
 * - Batching: events of every request that arrives within `lingerMs` (<= 50 ms)
 *   go out together; a flush starts early once a full PutRecords worth is queued.
 * - Frames: a flush's events are grouped by lake partition (event type and
 *   UTC event hour; `source` is a column, not a path segment) into frames of
 *   at most `maxFrameEvents` events / `maxFrameBytes` bytes of JSON, and each
 *   frame is compressed as a whole (functions/shared/codec/frames.ts: raw
 *   deflate with the type's preset dictionary by default, the codec measured
 *   best in docs/performance.md). A frame is one KPL user record; the Firehose
 *   transform turns it into one lake record with one set of partition keys.
 * - Spread aggregation: frames are packed into KPL aggregates of up to
 *   `maxAggregateBytes`, so the records per flush depend on bytes, not on the
 *   shard count; each aggregate goes to the next open shard of a round robin
 *   that starts at a random shard, with an ExplicitHashKey inside that shard's
 *   range that every sub-record shares (functions/shared/codec/spread.ts), so
 *   KCL readers accept every sub-record, before and after a reshard. The shard
 *   map (ListShards, open shards) is refreshed every `shardMapRefreshMs` and at
 *   once when Kinesis puts an entry on another shard than planned; an aggregate
 *   built with a stale map lands on the child owning its hash key, and its
 *   sub-records, sharing that key, belong there too.
 * - Isolation: a request's events share frames with other requests' events,
 *   but a request's failure never fails another: an event whose frame cannot
 *   fit in a record fails only its own request (EventTooLargeError, naming its
 *   index in that request), and a PutRecords call rejected as invalid
 *   (ValidationException, InvalidArgumentException) is replanned with every
 *   request in frames and calls of its own, so only the request that causes it
 *   fails.
 * - Acknowledgement: `publish(events)` resolves only once every user record of
 *   the request sits in an entry that PutRecords acknowledged (a sequence number).
 * - Retries: ONLY failed entries are retried (their user records are re-aggregated
 *   with the current shard map), with exponential backoff and full jitter
 *   (delay = random() * min(maxBackoffMs, baseBackoffMs * 2^(attempt-1))), for at
 *   most `maxAttempts` attempts per user record; then the request fails
 *   (`PublishError`, HTTP 503) and its remaining records are dropped.
 *   A PutRecords call that throws is retried as a whole only when AWS answered
 *   with a 4xx (nothing was written: throttling, KMS throttling, limits). When
 *   the outcome is unknown (timeout, connection reset, 5xx), retrying could
 *   write the records twice, so the requests involved fail with 503 instead; a
 *   client resend with the same eventIds is deduplicated downstream by eventId.
 *   Create the Kinesis client with `maxAttempts: 1` so the SDK does not retry
 *   ambiguous failures behind the producer's back.
 * - Placement: by bytes over the shards, never by a route key (a hot route
 *   would otherwise pin one shard's 1 MB/s); per-route ordering is not needed
 *   because consumers aggregate by event time and deduplicate by identity
 *   (source, eventId). A resend may land on another shard than the first write.
 * - Back-pressure: at most `maxQueueEvents` events and `maxQueueBytes` bytes are
 *   held (queued, in flight or waiting to retry); beyond that `publish` rejects
 *   at once with `QueueFullError` (HTTP 429 + Retry-After) instead of growing.
 * - Drain: `drain()` refuses new work (`DrainingError`, HTTP 503), flushes at
 *   once, and resolves when every held event is acknowledged or failed.
 */
import { ListShardsCommand, PutRecordsCommand, type KinesisClient, type Shard } from "@aws-sdk/client-kinesis";
import {
    MAX_KINESIS_RECORD_BYTES,
    aggregateSpread,
    encodeFrame,
    planPutRecordsBatches,
    resolveFrameOptions,
    ShardMap,
    ShardSpreader,
    type AggregatedEntry,
    type FrameOptions,
    type ResolvedFrameOptions,
    type ShardRange,
} from "../shared/codec";
import type { FlightEvent } from "../shared/events";
import { eventTimeParts } from "../lake/partitioning";
import { METRIC } from "./metrics";

/**
 * Queued records or bytes that start a flush before the linger ends. About a
 * frame's worth (256 KiB of JSON, the default `maxFrameBytes`): a busy task
 * compresses and sends the first part of a linger's events while the next
 * requests are still arriving, instead of holding every request of the linger
 * until one large flush is compressed and acknowledged (under a 50-connection
 * load of 50-event requests that lockstep left the process idle 40% of the
 * time; docs/performance.md). Frames of a few hundred same-type events keep
 * the measured compression ratio (bench/frames.ts flushes 309 events).
 */
const FLUSH_AT_RECORDS = 1000;
const FLUSH_AT_BYTES = 256 * 1024;

/** Room a lone event needs around it in a record: frame header, aggregate magic, MD5, keys, hash-key table. */
export const FRAME_AND_AGGREGATE_OVERHEAD_BYTES = 512;

/** Upper bound of the linger, so acknowledgement latency stays low. */
export const MAX_LINGER_MS = 50;

export interface ProducerLogger {
    info(obj: object, msg?: string): void;
    warn(obj: object, msg?: string): void;
    error(obj: object, msg?: string): void;
}

export interface ProducerMetrics {
    count(name: string, n?: number): void;
    observe(name: string, value: number): void;
}

export interface ProducerOptions {
    /** Kinesis client (or anything with its `send`); create it with `maxAttempts: 1`. */
    readonly client: Pick<KinesisClient, "send">;
    readonly streamName: string;
    /** Longest time an event waits for others before a flush, 0..50 ms. @default 20 */
    readonly lingerMs?: number;
    /** Most events held (queued, in flight or waiting to retry). @default 50000 */
    readonly maxQueueEvents?: number;
    /** Most event bytes held. @default 67108864 (64 MiB) */
    readonly maxQueueBytes?: number;
    /** Attempts per user record before its request fails. @default 6 */
    readonly maxAttempts?: number;
    /** @default 50 */
    readonly baseBackoffMs?: number;
    /** @default 2000 */
    readonly maxBackoffMs?: number;
    /** Largest aggregated Kinesis record (Data + PartitionKey), 1024..1048576 bytes. @default 65536 */
    readonly maxAggregateBytes?: number;
    /** Most events in one frame, 1..10000. @default 1000 */
    readonly maxFrameEvents?: number;
    /** Most uncompressed JSON bytes in one frame, 1024..1048576 (a frame of one larger event is allowed). @default 262144 */
    readonly maxFrameBytes?: number;
    /** Frame codec, dictionary version and level. @default { codec: "deflate", dictionaryVersion: latest, level: 6 } */
    readonly frames?: FrameOptions;
    /** PutRecords calls in flight at once. @default 8 */
    readonly maxConcurrentPuts?: number;
    /** Periodic shard-map refresh. @default 60000 */
    readonly shardMapRefreshMs?: number;
    /** Seconds a shed client should wait (Retry-After). @default 1 */
    readonly retryAfterSeconds?: number;
    /** Uniform [0,1) source for jitter. @default Math.random */
    readonly random?: () => number;
    readonly now?: () => number;
    readonly logger?: ProducerLogger;
    readonly metrics?: ProducerMetrics;
}

/** Base of the errors `publish` rejects with; `status` and `retryAfterSeconds` map to HTTP. */
export class ProducerError extends Error {
    constructor(
        message: string,
        readonly status: 429 | 503,
        readonly retryAfterSeconds: number,
    ) {
        super(message);
        this.name = new.target.name;
    }
}
/** One event does not fit in a Kinesis record (HTTP 400 for that event). */
export class EventTooLargeError extends Error {
    constructor(
        readonly index: number,
        readonly bytes: number,
    ) {
        super(
            bytes > MAX_KINESIS_RECORD_BYTES
                ? `event is ${bytes} bytes as JSON with its partition key; a Kinesis record holds at most ${MAX_KINESIS_RECORD_BYTES} bytes`
                : `event is ${bytes} bytes as JSON with its partition key; with the ${FRAME_AND_AGGREGATE_OVERHEAD_BYTES} bytes of frame and aggregate around it, more than the ${MAX_KINESIS_RECORD_BYTES}-byte Kinesis record limit`,
        );
        this.name = "EventTooLargeError";
    }
}
/** The bounded queue is full (HTTP 429). */
export class QueueFullError extends ProducerError {}
/** The producer is draining or stopped (HTTP 503). */
export class DrainingError extends ProducerError {}
/** Kinesis did not acknowledge every record of the request after the allowed attempts (HTTP 503). */
export class PublishError extends ProducerError {}

interface Request {
    readonly id: number;
    outstanding: number;
    settled: boolean;
    resolve(): void;
    reject(err: ProducerError | EventTooLargeError): void;
}

interface Pending {
    /** Set once, when `publish` creates the request (records are built before it). */
    request: Request;
    /** Position of the event in its request (for errors, which name only the request's own events). */
    readonly index: number;
    readonly eventId: string;
    readonly type: string;
    /** `<dt>T<hour>`: the UTC event hour, the lake partition with `type`. */
    readonly hour: string;
    readonly data: Uint8Array;
    attempts: number;
    /** Set after a PutRecords call holding this event was rejected as invalid: frame and send it with its own request only. */
    isolated: boolean;
}

/** Placeholder request of records being built (replaced before they are queued). */
const NO_REQUEST: Request = { id: 0, outstanding: 0, settled: true, resolve() {}, reject() {} };

/** One frame: its payload and the events it carries. */
interface Frame {
    readonly partitionKey: string;
    readonly data: Uint8Array;
    readonly members: Pending[];
}

/** PutRecords errors that say the request itself is invalid (retrying it as is cannot succeed). */
const INVALID_REQUEST_ERRORS = new Set(["ValidationException", "InvalidArgumentException", "SerializationException"]);

const noopLogger: ProducerLogger = { info() {}, warn() {}, error() {} };
const noopMetrics: ProducerMetrics = { count() {}, observe() {} };

function checkInt(name: string, value: number, min: number, max: number): number {
    if (!Number.isInteger(value) || value < min || value > max) {
        throw new RangeError(`\`${name}\` must be an integer from ${min} to ${max}; received ${String(value)}`);
    }
    return value;
}

/** Open shards (no ending sequence number) as the codec's ShardRange list. */
export function openShardRanges(shards: readonly Shard[]): ShardRange[] {
    return shards
        .filter((s) => s.SequenceNumberRange?.EndingSequenceNumber === undefined)
        .map((s) => ({
            shardId: s.ShardId!,
            startingHashKey: s.HashKeyRange!.StartingHashKey!,
            endingHashKey: s.HashKeyRange!.EndingHashKey!,
        }));
}

/**
 * `<dt>T<hour>` of a validated occurredAt: a UTC time (`...Z`) already spells
 * it in its first 13 characters; an offset goes through the lake's own parse.
 */
export function utcHourOf(occurredAt: string): string {
    if (occurredAt.length >= 20 && occurredAt.charCodeAt(occurredAt.length - 1) === 0x5a /* Z */ && occurredAt.charCodeAt(10) === 0x54 /* T */) return occurredAt.slice(0, 13);
    const { dt, hour } = eventTimeParts(occurredAt);
    return `${dt}T${hour}`;
}

export class Producer {
    readonly streamName: string;
    readonly lingerMs: number;
    readonly maxQueueEvents: number;
    readonly maxQueueBytes: number;
    readonly maxAttempts: number;
    private readonly opts: ProducerOptions;
    private readonly baseBackoffMs: number;
    private readonly maxBackoffMs: number;
    private readonly maxAggregateBytes: number;
    private readonly maxFrameEvents: number;
    private readonly maxFrameBytes: number;
    private readonly frameOptions: ResolvedFrameOptions;
    private spreader: ShardSpreader | undefined;
    private readonly maxConcurrentPuts: number;
    private readonly retryAfterSeconds: number;
    private readonly random: () => number;
    private readonly now: () => number;
    private readonly log: ProducerLogger;
    private readonly metrics: ProducerMetrics;

    private shardMap: ShardMap | undefined;
    private refreshing: Promise<void> | undefined;
    private refreshTimer: NodeJS.Timeout | undefined;
    private queue: Pending[] = [];
    private queueBytesPending = 0;
    private lingerTimer: NodeJS.Timeout | undefined;
    private readonly backoffTimers = new Set<NodeJS.Timeout>();
    private heldEvents = 0;
    private heldBytes = 0;
    private activePuts = 0;
    private readonly putWaiters: (() => void)[] = [];
    private nextRequestId = 1;
    private draining = false;
    private drainWaiters: (() => void)[] = [];

    constructor(opts: ProducerOptions) {
        this.opts = opts;
        if (typeof opts.streamName !== "string" || opts.streamName.length === 0) {
            throw new TypeError(`\`streamName\` must be a non-empty string; received ${JSON.stringify(opts.streamName)}`);
        }
        this.streamName = opts.streamName;
        this.lingerMs = checkInt("lingerMs", opts.lingerMs ?? 20, 0, MAX_LINGER_MS);
        this.maxQueueEvents = checkInt("maxQueueEvents", opts.maxQueueEvents ?? 50000, 1, 10_000_000);
        this.maxQueueBytes = checkInt("maxQueueBytes", opts.maxQueueBytes ?? 64 * 1024 * 1024, 1024, 4 * 1024 * 1024 * 1024);
        this.maxAttempts = checkInt("maxAttempts", opts.maxAttempts ?? 6, 1, 100);
        this.baseBackoffMs = checkInt("baseBackoffMs", opts.baseBackoffMs ?? 50, 0, 60000);
        this.maxBackoffMs = checkInt("maxBackoffMs", opts.maxBackoffMs ?? 2000, this.baseBackoffMs, 300000);
        this.maxAggregateBytes = checkInt("maxAggregateBytes", opts.maxAggregateBytes ?? 65536, 1024, 1024 * 1024);
        this.maxFrameEvents = checkInt("maxFrameEvents", opts.maxFrameEvents ?? 1000, 1, 10000);
        this.maxFrameBytes = checkInt("maxFrameBytes", opts.maxFrameBytes ?? 256 * 1024, 1024, 1024 * 1024);
        this.frameOptions = resolveFrameOptions(opts.frames);
        this.maxConcurrentPuts = checkInt("maxConcurrentPuts", opts.maxConcurrentPuts ?? 8, 1, 256);
        this.retryAfterSeconds = checkInt("retryAfterSeconds", opts.retryAfterSeconds ?? 1, 1, 3600);
        checkInt("shardMapRefreshMs", opts.shardMapRefreshMs ?? 60000, 1000, 86_400_000);
        this.random = opts.random ?? Math.random;
        this.now = opts.now ?? Date.now;
        this.log = opts.logger ?? noopLogger;
        this.metrics = opts.metrics ?? noopMetrics;
    }

    /** Loads the shard map; call once before `publish`. */
    async start(): Promise<void> {
        await this.refreshShardMap("start");
        const every = this.opts.shardMapRefreshMs ?? 60000;
        this.refreshTimer = setInterval(() => {
            this.refreshShardMap("periodic").catch((err) => this.log.warn({ err }, "shard map refresh failed"));
        }, every);
        this.refreshTimer.unref();
    }

    /** Events held: queued, in flight or waiting to retry. */
    get queueDepth(): number {
        return this.heldEvents;
    }

    get queueBytes(): number {
        return this.heldBytes;
    }

    get isDraining(): boolean {
        return this.draining;
    }

    /** Open shards the producer currently routes to. */
    get shards(): readonly ShardRange[] {
        return this.shardMap?.shards ?? [];
    }

    /**
     * Publishes the events of one request. Resolves when Kinesis acknowledged
     * every one; rejects with QueueFullError, DrainingError or PublishError.
     * `raw[i]`, when given, is event i's JSON text (one line, as received, with
     * its `source`): written as is, so an event is never serialised again.
     */
    publish(events: readonly FlightEvent[], raw?: readonly (Uint8Array | undefined)[]): Promise<void> {
        if (this.draining) {
            this.metrics.count(METRIC.requestsShed);
            return Promise.reject(new DrainingError("the service is shutting down; retry against another instance", 503, 5));
        }
        if (this.shardMap === undefined) {
            return Promise.reject(new DrainingError("the producer has not loaded the stream's shard map yet", 503, this.retryAfterSeconds));
        }
        if (events.length === 0) return Promise.resolve();
        // One pass: the events' bytes and sizes, into the records the queue holds (the request is attached below).
        const records: Pending[] = new Array(events.length);
        let bytes = 0;
        for (let i = 0; i < events.length; i++) {
            const e = events[i];
            // The event's bytes as the request held them (one line, valid JSON), else serialised once here.
            const data = raw?.[i] ?? Buffer.from(JSON.stringify(e), "utf8");
            // Cheap bound first: an eventId of n UTF-16 code units is at most 3n UTF-8 bytes.
            if (data.length + 3 * e.eventId.length + FRAME_AND_AGGREGATE_OVERHEAD_BYTES > MAX_KINESIS_RECORD_BYTES) {
                const size = data.length + Buffer.byteLength(e.eventId, "utf8");
                if (size + FRAME_AND_AGGREGATE_OVERHEAD_BYTES > MAX_KINESIS_RECORD_BYTES) return Promise.reject(new EventTooLargeError(i, size));
            }
            records[i] = { request: NO_REQUEST, index: i, eventId: e.eventId, type: e.type, hour: utcHourOf(e.occurredAt), data, attempts: 0, isolated: false };
            bytes += data.length;
        }
        if (this.heldEvents + records.length > this.maxQueueEvents || this.heldBytes + bytes > this.maxQueueBytes) {
            this.metrics.count(METRIC.requestsShed);
            return Promise.reject(
                new QueueFullError(
                    `the ingestion queue is full (${this.heldEvents} of ${this.maxQueueEvents} events, ${this.heldBytes} of ${this.maxQueueBytes} bytes held); retry after ${this.retryAfterSeconds} s`,
                    429,
                    this.retryAfterSeconds,
                ),
            );
        }
        return new Promise<void>((resolve, reject) => {
            const request: Request = { id: this.nextRequestId++, outstanding: records.length, settled: false, resolve, reject };
            for (let i = 0; i < records.length; i++) records[i].request = request;
            this.heldEvents += records.length;
            this.heldBytes += bytes;
            this.enqueue(records);
        });
    }

    /** Stops accepting, flushes everything and resolves once nothing is held. */
    async drain(): Promise<void> {
        this.draining = true;
        if (this.refreshTimer) clearInterval(this.refreshTimer);
        this.refreshTimer = undefined;
        this.flushNow();
        if (this.heldEvents > 0) {
            await new Promise<void>((resolve) => this.drainWaiters.push(resolve));
        }
    }

    private enqueue(records: readonly Pending[]): void {
        for (const p of records) {
            this.queue.push(p);
            this.queueBytesPending += p.data.length;
        }
        // A full PutRecords worth (or a drain) goes out at once; otherwise wait for the linger.
        if (this.draining || this.queue.length >= FLUSH_AT_RECORDS || this.queueBytesPending >= FLUSH_AT_BYTES) {
            this.flushNow();
        } else if (this.lingerTimer === undefined) {
            this.lingerTimer = setTimeout(() => this.flushNow(), this.lingerMs);
        }
    }

    private flushNow(): void {
        if (this.lingerTimer !== undefined) clearTimeout(this.lingerTimer);
        this.lingerTimer = undefined;
        if (this.queue.length === 0) return;
        const batch: Pending[] = [];
        for (const p of this.queue) {
            // Records of a request that already failed are not sent (the client was told 503).
            if (p.request.settled) this.releaseHeld(p);
            else batch.push(p);
        }
        this.queue = [];
        this.queueBytesPending = 0;
        if (batch.length > 0) void this.send(batch);
    }

    /**
     * Groups the batch into frames by (type, event hour) (and by request for
     * isolated events), compresses them, packs the frames into spread
     * aggregates and sends them. Isolated requests get calls of their own.
     */
    private async send(batch: Pending[]): Promise<void> {
        if (this.refreshing) await this.refreshing;
        const spreader = this.currentSpreader();
        const shared: Frame[] = [];
        const isolated = new Map<number, Frame[]>();
        for (const group of this.groupIntoFrames(batch)) {
            for (const frame of this.encodeFrames(group)) {
                if (frame.members[0].isolated) {
                    const id = frame.members[0].request.id;
                    const list = isolated.get(id) ?? [];
                    list.push(frame);
                    isolated.set(id, list);
                } else {
                    shared.push(frame);
                }
            }
        }
        const work: Promise<void>[] = [];
        for (const frames of [shared, ...isolated.values()]) {
            if (frames.length === 0) continue;
            let entries: AggregatedEntry[];
            try {
                entries = aggregateSpread(frames, spreader, { maxRecordBytes: this.maxAggregateBytes });
            } catch (err) {
                // Every frame fits a record (encodeFrames made sure): only a codec bug gets here. Fail, never lose silently.
                this.log.error({ err }, "could not aggregate frames");
                // The message names no event: the batch holds other clients' requests.
                for (const f of frames) for (const p of f.members) this.settleRecord(p, new PublishError("the service could not encode the records for the stream; retry the request", 503, this.retryAfterSeconds));
                continue;
            }
            for (const call of planPutRecordsBatches(entries)) work.push(this.put(call, frames));
        }
        await Promise.all(work);
    }

    private currentSpreader(): ShardSpreader {
        const map = this.shardMap!;
        if (this.spreader === undefined || this.spreader.shardMap !== map) this.spreader = new ShardSpreader(map, this.random);
        return this.spreader;
    }

    /** Events by frame key, in arrival order: (type, hour), plus the request for isolated events. */
    private groupIntoFrames(batch: readonly Pending[]): Pending[][] {
        // Keyed by type, then hour (no key string built per event); isolated events by request too.
        const groups: Pending[][] = [];
        const byType = new Map<string, Map<string, Pending[]>>();
        let isolated: Map<string, Pending[]> | undefined;
        for (const p of batch) {
            let g: Pending[] | undefined;
            if (p.isolated) {
                const key = `${p.type}|${p.hour}|${p.request.id}`;
                g = (isolated ??= new Map()).get(key);
                if (g === undefined) isolated.set(key, (g = []));
            } else {
                let byHour = byType.get(p.type);
                if (byHour === undefined) byType.set(p.type, (byHour = new Map()));
                g = byHour.get(p.hour);
                if (g === undefined) byHour.set(p.hour, (g = []));
            }
            if (g.length === 0) groups.push(g);
            g.push(p);
        }
        return groups;
    }

    /** Cuts one group into frames within the frame limits and encodes them; an event that cannot fit fails only its request. */
    private encodeFrames(group: readonly Pending[]): Frame[] {
        const frames: Frame[] = [];
        let members: Pending[] = [];
        let bytes = 0;
        const close = () => {
            if (members.length > 0) this.encodeChunk(members, frames);
            members = [];
            bytes = 0;
        };
        for (const p of group) {
            if (members.length > 0 && (members.length >= this.maxFrameEvents || bytes + p.data.length + 1 > this.maxFrameBytes)) close();
            members.push(p);
            bytes += p.data.length + 1;
        }
        close();
        return frames;
    }

    private encodeChunk(members: Pending[], out: Frame[]): void {
        const data = encodeFrame(
            members[0].type,
            members.map((m) => m.data),
            this.frameOptions,
        );
        const partitionKey = members[0].eventId;
        // Room for the aggregate around it: magic, MD5, keys, the hash-key table and protobuf lengths.
        const wrapped = data.length + 2 * Buffer.byteLength(partitionKey, "utf8") + 128;
        if (wrapped <= MAX_KINESIS_RECORD_BYTES) {
            out.push({ partitionKey, data, members });
            return;
        }
        if (members.length > 1) {
            const half = Math.ceil(members.length / 2);
            this.encodeChunk(members.slice(0, half), out);
            this.encodeChunk(members.slice(half), out);
            return;
        }
        const p = members[0];
        this.settleRecord(p, new EventTooLargeError(p.index, p.data.length + Buffer.byteLength(p.eventId, "utf8")));
    }

    private async acquirePut(): Promise<void> {
        if (this.activePuts < this.maxConcurrentPuts) {
            this.activePuts++;
            return;
        }
        await new Promise<void>((resolve) => this.putWaiters.push(resolve));
    }

    private releasePut(): void {
        const next = this.putWaiters.shift();
        if (next) next();
        else this.activePuts--;
    }

    private async put(call: AggregatedEntry[], frames: readonly Frame[]): Promise<void> {
        await this.acquirePut();
        const started = this.now();
        let response;
        try {
            response = await this.opts.client.send(new PutRecordsCommand({ StreamName: this.streamName, Records: call.map((e) => ({ ...e.entry })) }));
        } catch (err) {
            this.releasePut();
            this.metrics.observe(METRIC.putRecordsLatency, this.now() - started);
            const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
            const members = call.flatMap((e) => e.userRecordIndexes.flatMap((i) => frames[i].members));
            const name = (err as Error).name;
            if (status !== undefined && status >= 400 && status < 500 && INVALID_REQUEST_ERRORS.has(name)) {
                this.rejectedAsInvalid(members, err as Error);
            } else if (status !== undefined && status >= 400 && status < 500) {
                this.log.warn({ err: { name: (err as Error).name, message: (err as Error).message }, entries: call.length }, "PutRecords rejected; retrying its records");
                this.retry(members, (err as Error).name);
            } else {
                this.log.error({ err: { name: (err as Error).name, message: (err as Error).message }, entries: call.length }, "PutRecords outcome unknown; failing its requests instead of risking duplicates");
                const error = new PublishError(`the stream did not confirm the write (${(err as Error).name}); retry the request`, 503, this.retryAfterSeconds);
                for (const p of members) this.settleRecord(p, error);
            }
            return;
        }
        this.releasePut();
        this.metrics.observe(METRIC.putRecordsLatency, this.now() - started);
        const results = response.Records ?? [];
        let moved = false;
        const failed: Pending[] = [];
        let lastCode = "";
        call.forEach((entry, i) => {
            const result = results[i];
            const members = entry.userRecordIndexes.flatMap((j) => frames[j].members);
            if (result === undefined || result.ErrorCode !== undefined || result.SequenceNumber === undefined) {
                lastCode = result?.ErrorCode ?? "MissingResult";
                failed.push(...members);
                return;
            }
            if (result.ShardId !== undefined && result.ShardId !== entry.shardId) moved = true;
            for (const p of members) this.settleRecord(p);
        });
        if (failed.length > 0) this.retry(failed, lastCode);
        if (moved) {
            this.log.info({ streamName: this.streamName }, "a record landed on another shard than planned (resharding); refreshing the shard map");
            void this.refreshShardMap("resharded").catch((err) => this.log.warn({ err }, "shard map refresh failed"));
        }
    }

    /**
     * A PutRecords call was rejected as invalid. Events that shared it with other
     * requests are sent again with their own request only (isolated), so the
     * next rejection names one request; an isolated request rejected again fails,
     * with a message about its own events only.
     */
    private rejectedAsInvalid(members: readonly Pending[], err: Error): void {
        const shared = members.filter((p) => !p.isolated);
        const resent = new Set(shared);
        if (shared.length > 0) {
            this.log.warn({ err: { name: err.name, message: err.message }, events: shared.length }, "PutRecords rejected as invalid; resending each request on its own");
            for (const p of shared) p.isolated = true;
            this.retry(shared, err.name);
        }
        const error = new PublishError(`the stream rejected this request's records as invalid (${err.name}); retry the request`, 503, this.retryAfterSeconds);
        for (const p of members) if (!resent.has(p)) this.settleRecord(p, error);
    }

    /**
     * Schedules the failed records of one PutRecords call for another attempt
     * (one timer for them all, so they go out together again).
     */
    private retry(failed: readonly Pending[], reason: string): void {
        const again: Pending[] = [];
        for (const p of failed) {
            if (p.request.settled) {
                this.releaseHeld(p);
                continue;
            }
            p.attempts++;
            if (p.attempts >= this.maxAttempts) {
                this.metrics.count(METRIC.failed);
                this.settleRecord(p, new PublishError(`the stream did not acknowledge every event after ${this.maxAttempts} attempts (last error ${reason}); retry the request`, 503, this.retryAfterSeconds));
                continue;
            }
            again.push(p);
        }
        if (again.length === 0) return;
        this.metrics.count(METRIC.retries, again.length);
        const attempt = Math.max(...again.map((p) => p.attempts));
        const delay = Math.floor(this.random() * Math.min(this.maxBackoffMs, this.baseBackoffMs * 2 ** (attempt - 1)));
        const timer = setTimeout(() => {
            this.backoffTimers.delete(timer);
            this.enqueue(again);
        }, delay);
        this.backoffTimers.add(timer);
    }

    /** A record is done: acknowledged (no error) or given up (error fails its request). */
    private settleRecord(p: Pending, error?: ProducerError | EventTooLargeError): void {
        const request = p.request;
        this.releaseHeld(p);
        if (request.settled) return;
        if (error !== undefined) {
            request.settled = true;
            request.reject(error);
        } else if (--request.outstanding === 0) {
            request.settled = true;
            request.resolve();
        }
        this.checkDrained();
    }

    private releaseHeld(p: Pending): void {
        this.heldEvents--;
        this.heldBytes -= p.data.length;
        this.checkDrained();
    }

    private checkDrained(): void {
        if (this.heldEvents === 0 && this.drainWaiters.length > 0) {
            const waiters = this.drainWaiters;
            this.drainWaiters = [];
            for (const w of waiters) w();
        }
    }

    private refreshShardMap(reason: string): Promise<void> {
        this.refreshing ??= (async () => {
            try {
                const shards: Shard[] = [];
                let nextToken: string | undefined;
                do {
                    const res = await this.opts.client.send(new ListShardsCommand(nextToken ? { NextToken: nextToken } : { StreamName: this.streamName }));
                    shards.push(...(res.Shards ?? []));
                    nextToken = res.NextToken;
                } while (nextToken);
                this.shardMap = new ShardMap(openShardRanges(shards));
                this.log.info({ streamName: this.streamName, openShards: this.shardMap.shards.length, reason }, "shard map loaded");
            } finally {
                this.refreshing = undefined;
            }
        })();
        return this.refreshing;
    }

    /** Cancels timers; for tests after `drain`. Held requests stay pending. */
    stop(): void {
        if (this.refreshTimer) clearInterval(this.refreshTimer);
        if (this.lingerTimer) clearTimeout(this.lingerTimer);
        for (const t of this.backoffTimers) clearTimeout(t);
        this.backoffTimers.clear();
    }
}
