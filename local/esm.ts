/**
 * A local Lambda event source mapping for Kinesis: polls every shard of a
 * stream with GetShardIterator/GetRecords and invokes a handler with the same
 * `KinesisStreamEvent` payload Lambda builds, with the mapping's semantics:
 *
 * - `batchSize` (1..10,000) records per invocation, at most 6 MB of payload;
 *   `maximumBatchingWindowInSeconds` (0..300) waits for a full batch.
 * - `parallelizationFactor` (1..10): up to N concurrent batches per shard, each
 *   partition key always in the same lane, so per-key order is kept.
 * - A thrown error (or a timeout) retries the batch; with
 *   `bisectBatchOnFunctionError` a failed batch of more than one record is split
 *   in two first (splitting does not count toward the retry quota).
 * - `reportBatchItemFailures`: a response `{batchItemFailures:[{itemIdentifier}]}`
 *   checkpoints the records before the lowest failed sequence number and retries
 *   from it; an identifier that is empty or not in the batch fails the whole batch.
 * - `maximumRetryAttempts` (-1 = until the record expires, 0..10,000) and
 *   `maximumRecordAgeInSeconds` (-1, or 60..604,800): records that exhaust them
 *   are discarded and their metadata written to the on-failure sink (a JSONL
 *   file, one AWS on-failure invocation record per line).
 * - Checkpoints per shard are persisted (atomic file replace) after each batch,
 *   so a restart resumes after the last successfully processed record:
 *   at-least-once, like Lambda. Parent shards are read to their end before
 *   their children (after a reshard).
 *
 * `kill()` abandons in-flight batches without checkpointing them (a crash);
 * `stop()` lets the in-flight batches finish and checkpoints them.
 *
 * Parts: `EventSourceMapping` (shard discovery, parents before children, and the
 * public API; `EventSourceMapping.start`), `ShardPoller` (iterator, GetRecords,
 * the batching window and the lanes of one shard; `splitBatches` is the pure
 * batcher), `BatchRunner` (record age, retries with backoff, bisect, partial
 * responses), `Invoker` (Lambda's event and context, the function timeout),
 * `OnFailureSink` and `CheckpointStore`. `esmOptionsFromMapping` turns a deployed
 * mapping's settings (components/stream/mapping.ts) into these options.
 */
import { randomUUID } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { GetRecordsCommand, GetShardIteratorCommand, KinesisClient, ListShardsCommand, type _Record as KinesisRecord, type Shard, type ShardIteratorType } from "@aws-sdk/client-kinesis";
import type { Context, KinesisStreamEvent, KinesisStreamRecord } from "aws-lambda";
import type { StreamMappingSettings } from "@flightstream/components/stream/mapping";

export type StartingPosition = "TRIM_HORIZON" | "LATEST";

/** What the handler may return: nothing (success) or a partial batch response. */
export interface BatchResponse {
    batchItemFailures?: { itemIdentifier?: string | null }[];
}

export type KinesisHandler = (event: KinesisStreamEvent, context: Context) => Promise<BatchResponse | void | undefined | null>;

export interface EventSourceMappingOptions {
    /** Kinesis client for the stream (see local/emulators kinesisClientConfig). */
    readonly client: KinesisClient;
    readonly streamName: string;
    /** The function the mapping invokes (the stream processor's `handler`). */
    readonly handler: KinesisHandler;
    /** Folder for checkpoints (`<streamName>.<mappingName>.checkpoints.json`). */
    readonly checkpointDir: string;
    /** Name used in the checkpoint file, function ARN and logs. @default "stream-processor" */
    readonly functionName?: string;
    /** Region and account in ARNs. @default "us-east-1", "000000000000" */
    readonly region?: string;
    readonly accountId?: string;
    /** @default 100 */
    readonly batchSize?: number;
    /** @default 0 */
    readonly maximumBatchingWindowInSeconds?: number;
    /** @default 1 */
    readonly parallelizationFactor?: number;
    /** @default false */
    readonly bisectBatchOnFunctionError?: boolean;
    /** FunctionResponseTypes contains ReportBatchItemFailures. @default false */
    readonly reportBatchItemFailures?: boolean;
    /** -1 = infinite. @default -1 */
    readonly maximumRetryAttempts?: number;
    /** -1 = infinite. @default -1 */
    readonly maximumRecordAgeInSeconds?: number;
    /** Where to start a shard that has no checkpoint. @default "TRIM_HORIZON" */
    readonly startingPosition?: StartingPosition;
    /** JSONL file receiving on-failure records. @default - discarded records are only logged */
    readonly onFailureFile?: string;
    /** Function timeout; a slower invocation counts as a function error. @default 60000 */
    readonly functionTimeoutMs?: number;
    /** Sleep between GetRecords calls that returned nothing. @default 200 */
    readonly pollIntervalMs?: number;
    /** Delay before retry n is `min(retryBaseDelayMs * 2^(n-1), 2000)`. @default 100 */
    readonly retryBaseDelayMs?: number;
    /** How often shards are listed (new shards after a reshard). @default 5000 */
    readonly shardDiscoveryIntervalMs?: number;
    /** Clock used for record age (tests). @default Date.now */
    readonly now?: () => number;
    /** Called for errors and discarded batches. @default - console.error */
    readonly log?: (message: string, fields?: Record<string, unknown>) => void;
}

/** The mapping options of a deployed aws.lambda.EventSourceMapping's settings (components/stream/mapping.ts). */
export type MappingSettingsOptions = Pick<
    EventSourceMappingOptions,
    "batchSize" | "maximumBatchingWindowInSeconds" | "parallelizationFactor" | "bisectBatchOnFunctionError" | "reportBatchItemFailures" | "maximumRetryAttempts" | "maximumRecordAgeInSeconds" | "startingPosition"
>;

/** The local mapping options that reproduce a deployed mapping's settings (`streamMappingSettings`, what StreamConsumer deploys). */
export function esmOptionsFromMapping(m: StreamMappingSettings): Required<MappingSettingsOptions> {
    return {
        batchSize: m.batchSize,
        maximumBatchingWindowInSeconds: m.maximumBatchingWindowInSeconds,
        parallelizationFactor: m.parallelizationFactor,
        bisectBatchOnFunctionError: m.bisectBatchOnFunctionError,
        reportBatchItemFailures: m.functionResponseTypes.includes("ReportBatchItemFailures"),
        maximumRetryAttempts: m.maximumRetryAttempts,
        maximumRecordAgeInSeconds: m.maximumRecordAgeInSeconds,
        startingPosition: m.startingPosition,
    };
}

/** The AWS on-failure destination record for a Kinesis event source mapping. */
export interface OnFailureRecord {
    requestContext: { requestId: string; functionArn: string; condition: "RetryAttemptsExhausted" | "RecordAgeExceeded"; approximateInvokeCount: number };
    responseContext: { statusCode: number; executedVersion: string; functionError?: string };
    version: "1.0";
    timestamp: string;
    KinesisBatchInfo: {
        shardId: string;
        startSequenceNumber: string;
        endSequenceNumber: string;
        approximateArrivalOfFirstRecord: string;
        approximateArrivalOfLastRecord: string;
        batchSize: number;
        streamArn: string;
    };
}

export interface EsmStats {
    invocations: number;
    functionErrors: number;
    partialFailures: number;
    recordsSucceeded: number;
    recordsDiscarded: number;
    /** Batches whose handler call is running now. */
    inFlightInvocations: number;
    /** Per shard: last checkpointed sequence number. */
    checkpoints: Record<string, string | undefined>;
}

const MAX_PAYLOAD_BYTES = 6 * 1024 * 1024;

function intOption(name: string, value: number | undefined, fallback: number, min: number, max: number, extra?: number): number {
    const v = value ?? fallback;
    if (!Number.isInteger(v) || ((v < min || v > max) && v !== extra)) {
        const allowed = extra !== undefined ? `${extra}, or an integer from ${min} to ${max}` : `an integer from ${min} to ${max}`;
        throw new Error(`\`${name}\` must be ${allowed}; received ${String(value)}.`);
    }
    return v;
}

interface Resolved {
    batchSize: number;
    windowMs: number;
    parallelization: number;
    bisect: boolean;
    reportFailures: boolean;
    maxRetries: number;
    maxAgeMs: number;
    timeoutMs: number;
    pollMs: number;
    retryBaseMs: number;
    discoveryMs: number;
}

export function resolveEsmOptions(o: Omit<EventSourceMappingOptions, "client" | "handler" | "checkpointDir" | "streamName">): Resolved {
    const maxAge = intOption("maximumRecordAgeInSeconds", o.maximumRecordAgeInSeconds, -1, 60, 604800, -1);
    if (o.startingPosition !== undefined && o.startingPosition !== "TRIM_HORIZON" && o.startingPosition !== "LATEST") {
        throw new Error(`\`startingPosition\` must be "TRIM_HORIZON" or "LATEST"; received ${JSON.stringify(o.startingPosition)}.`);
    }
    return {
        batchSize: intOption("batchSize", o.batchSize, 100, 1, 10000),
        windowMs: intOption("maximumBatchingWindowInSeconds", o.maximumBatchingWindowInSeconds, 0, 0, 300) * 1000,
        parallelization: intOption("parallelizationFactor", o.parallelizationFactor, 1, 1, 10),
        bisect: o.bisectBatchOnFunctionError ?? false,
        reportFailures: o.reportBatchItemFailures ?? false,
        maxRetries: intOption("maximumRetryAttempts", o.maximumRetryAttempts, -1, 0, 10000, -1),
        maxAgeMs: maxAge === -1 ? -1 : maxAge * 1000,
        timeoutMs: intOption("functionTimeoutMs", o.functionTimeoutMs, 60000, 1, 900000),
        pollMs: intOption("pollIntervalMs", o.pollIntervalMs, 200, 1, 60000),
        retryBaseMs: intOption("retryBaseDelayMs", o.retryBaseDelayMs, 100, 0, 60000),
        discoveryMs: intOption("shardDiscoveryIntervalMs", o.shardDiscoveryIntervalMs, 5000, 10, 3600000),
    };
}

/** Lane of a partition key under a parallelization factor (stable across restarts). */
export function laneOf(partitionKey: string, lanes: number): number {
    let h = 2166136261;
    for (let i = 0; i < partitionKey.length; i++) {
        h ^= partitionKey.charCodeAt(i);
        h = Math.imul(h, 16777619);
    }
    return (h >>> 0) % lanes;
}

interface CheckpointFile {
    shards: Record<string, { sequenceNumber?: string; closed?: boolean }>;
}

class CheckpointStore {
    private data: CheckpointFile = { shards: {} };
    constructor(readonly file: string) {
        fs.mkdirSync(path.dirname(file), { recursive: true });
        if (fs.existsSync(file)) {
            const raw = fs.readFileSync(file, "utf8");
            try {
                const parsed = JSON.parse(raw) as CheckpointFile;
                if (parsed && typeof parsed === "object" && parsed.shards && typeof parsed.shards === "object") this.data = parsed;
                else throw new Error("no `shards` object");
            } catch (err) {
                throw new Error(`checkpoint file ${file} is not valid (${(err as Error).message}); delete it to start the mapping from its starting position.`, { cause: err });
            }
        }
    }
    get(shardId: string) {
        return this.data.shards[shardId];
    }
    set(shardId: string, value: { sequenceNumber?: string; closed?: boolean }): void {
        this.data.shards[shardId] = { ...this.data.shards[shardId], ...value };
        const tmp = `${this.file}.${process.pid}.tmp`;
        fs.writeFileSync(tmp, JSON.stringify(this.data, null, 1));
        fs.renameSync(tmp, this.file);
    }
    all() {
        return this.data.shards;
    }
}

class Aborted extends Error {}

/** kinesis-mock: `ResourceNotFoundException: Unable to find record with provided SequenceNumber ...`; AWS: InvalidArgumentException. */
function isUnknownSequenceNumber(err: unknown): boolean {
    const e = err as Error;
    return (e?.name === "ResourceNotFoundException" || e?.name === "InvalidArgumentException") && /SequenceNumber/i.test(e.message ?? "");
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function recordSize(r: KinesisRecord): number {
    // base64 data + envelope overhead per record in the invocation payload
    return Math.ceil(((r.Data?.length ?? 0) * 4) / 3) + (r.PartitionKey?.length ?? 0) + 400;
}

/** Splits records into invocations of at most `size` records and 6 MB of payload. */
export function splitBatches(records: KinesisRecord[], size: number): KinesisRecord[][] {
    const out: KinesisRecord[][] = [];
    let cur: KinesisRecord[] = [];
    let bytes = 0;
    for (const r of records) {
        const s = recordSize(r);
        if (cur.length > 0 && (cur.length >= size || bytes + s > MAX_PAYLOAD_BYTES)) {
            out.push(cur);
            cur = [];
            bytes = 0;
        }
        cur.push(r);
        bytes += s;
    }
    if (cur.length > 0) out.push(cur);
    return out;
}

type Log = (message: string, fields?: Record<string, unknown>) => void;

/** What the parts of one mapping share: settings, names, the checkpoint store, counters and the run state. */
interface MappingState {
    readonly opts: EventSourceMappingOptions;
    readonly cfg: Resolved;
    readonly region: string;
    readonly accountId: string;
    readonly functionName: string;
    readonly streamArn: string;
    readonly functionArn: string;
    readonly log: Log;
    readonly store: CheckpointStore;
    readonly stats: EsmStats;
    /** Shards read to their end and checkpointed as closed. */
    readonly finishedShards: Set<string>;
    running: boolean;
    killed: boolean;
}

/** The on-failure destination: counts and logs discarded records, appends AWS on-failure records to the JSONL file. */
class OnFailureSink {
    constructor(private readonly state: MappingState) {}

    discard(shardId: string, records: KinesisRecord[], condition: OnFailureRecord["requestContext"]["condition"], invokeCount: number, functionError: string | undefined): void {
        const { stats, log, opts, functionArn, streamArn } = this.state;
        const first = records[0];
        const last = records[records.length - 1];
        const rec: OnFailureRecord = {
            requestContext: { requestId: randomUUID(), functionArn, condition, approximateInvokeCount: invokeCount },
            responseContext: { statusCode: 200, executedVersion: "$LATEST", ...(functionError !== undefined ? { functionError } : {}) },
            version: "1.0",
            timestamp: new Date().toISOString(),
            KinesisBatchInfo: {
                shardId,
                startSequenceNumber: first.SequenceNumber!,
                endSequenceNumber: last.SequenceNumber!,
                approximateArrivalOfFirstRecord: (first.ApproximateArrivalTimestamp ?? new Date()).toISOString(),
                approximateArrivalOfLastRecord: (last.ApproximateArrivalTimestamp ?? new Date()).toISOString(),
                batchSize: records.length,
                streamArn,
            },
        };
        stats.recordsDiscarded += rec.KinesisBatchInfo.batchSize;
        log("batch discarded", { condition: rec.requestContext.condition, shardId: rec.KinesisBatchInfo.shardId, batchSize: rec.KinesisBatchInfo.batchSize });
        if (opts.onFailureFile === undefined) return;
        fs.mkdirSync(path.dirname(opts.onFailureFile), { recursive: true });
        fs.appendFileSync(opts.onFailureFile, JSON.stringify(rec) + "\n");
    }
}

type InvokeResult = { kind: "ok" } | { kind: "error"; message: string } | { kind: "partial"; from: number };

/** Invokes the handler with Lambda's Kinesis event and context, under the function timeout, and reads a partial batch response. */
class Invoker {
    constructor(private readonly state: MappingState) {}

    private eventRecord(shardId: string, r: KinesisRecord): KinesisStreamRecord {
        const { accountId, functionName, region, streamArn } = this.state;
        const arrival = r.ApproximateArrivalTimestamp ?? new Date();
        return {
            kinesis: {
                kinesisSchemaVersion: "1.0",
                partitionKey: r.PartitionKey!,
                sequenceNumber: r.SequenceNumber!,
                data: Buffer.from(r.Data ?? new Uint8Array()).toString("base64"),
                approximateArrivalTimestamp: arrival.getTime() / 1000,
            },
            eventSource: "aws:kinesis",
            eventVersion: "1.0",
            eventID: `${shardId}:${r.SequenceNumber}`,
            eventName: "aws:kinesis:record",
            invokeIdentityArn: `arn:aws:iam::${accountId}:role/${functionName}-role`,
            awsRegion: region,
            eventSourceARN: streamArn,
        };
    }

    async invoke(shardId: string, records: KinesisRecord[]): Promise<InvokeResult> {
        const { stats, cfg, functionName, functionArn, opts } = this.state;
        stats.invocations++;
        const requestId = randomUUID();
        const started = Date.now();
        const context = {
            callbackWaitsForEmptyEventLoop: true,
            functionName,
            functionVersion: "$LATEST",
            invokedFunctionArn: functionArn,
            memoryLimitInMB: "512",
            awsRequestId: requestId,
            logGroupName: `/aws/lambda/${functionName}`,
            logStreamName: `local/${shardId}`,
            getRemainingTimeInMillis: () => Math.max(0, cfg.timeoutMs - (Date.now() - started)),
            done: () => undefined,
            fail: () => undefined,
            succeed: () => undefined,
        } as Context;
        const event: KinesisStreamEvent = { Records: records.map((r) => this.eventRecord(shardId, r)) };
        let timer: NodeJS.Timeout | undefined;
        let response: BatchResponse | void | undefined | null;
        stats.inFlightInvocations++;
        try {
            response = await Promise.race([
                opts.handler(event, context),
                new Promise<never>((_, reject) => {
                    timer = setTimeout(() => reject(new Error(`Task timed out after ${(cfg.timeoutMs / 1000).toFixed(2)} seconds`)), cfg.timeoutMs);
                }),
            ]);
        } catch (err) {
            stats.functionErrors++;
            return { kind: "error", message: (err as Error)?.message ?? String(err) };
        } finally {
            stats.inFlightInvocations--;
            clearTimeout(timer);
        }
        if (!cfg.reportFailures || response === undefined || response === null) return { kind: "ok" };
        const failures = response.batchItemFailures;
        if (failures === undefined || failures === null || failures.length === 0) return { kind: "ok" };
        if (!Array.isArray(failures)) return { kind: "error", message: "batchItemFailures is not an array" };
        let lowest = records.length;
        for (const f of failures) {
            const id = f?.itemIdentifier;
            const idx = typeof id === "string" && id !== "" ? records.findIndex((r) => r.SequenceNumber === id) : -1;
            // Lambda treats a null, empty or unknown identifier as a failure of the whole batch.
            if (idx < 0) return { kind: "error", message: `batchItemFailures names ${JSON.stringify(id)}, not a sequence number of the batch` };
            lowest = Math.min(lowest, idx);
        }
        stats.partialFailures++;
        return { kind: "partial", from: lowest };
    }
}

/** Runs one batch to completion (success or discard): record age, retries with backoff, bisect on error, partial responses. */
class BatchRunner {
    constructor(
        private readonly state: MappingState,
        private readonly invoker: Invoker,
        private readonly sink: OnFailureSink,
    ) {}

    /** Throws Aborted on kill (and on stop while a batch waits for a retry). */
    async run(shardId: string, batch: KinesisRecord[], checkpoint: (seq: string) => void): Promise<void> {
        const { cfg, stats, opts, log } = this.state;
        const queue: { records: KinesisRecord[]; attempts: number }[] = [{ records: batch, attempts: 0 }];
        while (queue.length > 0) {
            if (this.state.killed) throw new Aborted();
            const item = queue[0];
            if (cfg.maxAgeMs >= 0) {
                const now = (opts.now ?? Date.now)();
                const cutoff = now - cfg.maxAgeMs;
                const expired = item.records.filter((r) => (r.ApproximateArrivalTimestamp?.getTime() ?? now) < cutoff);
                if (expired.length > 0) {
                    this.sink.discard(shardId, expired, "RecordAgeExceeded", item.attempts, undefined);
                    item.records = item.records.filter((r) => !expired.includes(r));
                    if (item.records.length === 0) {
                        checkpoint(expired[expired.length - 1].SequenceNumber!);
                        queue.shift();
                        continue;
                    }
                }
            }
            const result = await this.invoker.invoke(shardId, item.records);
            if (this.state.killed) throw new Aborted();
            if (result.kind === "ok") {
                stats.recordsSucceeded += item.records.length;
                checkpoint(item.records[item.records.length - 1].SequenceNumber!);
                queue.shift();
                continue;
            }
            if (result.kind === "partial") {
                if (result.from > 0) {
                    stats.recordsSucceeded += result.from;
                    checkpoint(item.records[result.from - 1].SequenceNumber!);
                    item.records = item.records.slice(result.from);
                }
                item.attempts++;
            } else if (cfg.bisect && item.records.length > 1) {
                const mid = Math.ceil(item.records.length / 2);
                queue.splice(0, 1, { records: item.records.slice(0, mid), attempts: item.attempts }, { records: item.records.slice(mid), attempts: item.attempts });
                continue;
            } else {
                item.attempts++;
            }
            if (cfg.maxRetries !== -1 && item.attempts > cfg.maxRetries) {
                this.sink.discard(shardId, item.records, "RetryAttemptsExhausted", item.attempts, result.kind === "error" ? "Unhandled" : undefined);
                checkpoint(item.records[item.records.length - 1].SequenceNumber!);
                queue.shift();
                continue;
            }
            if (!this.state.running) throw new Aborted();
            if (result.kind === "error") log("function error; retrying batch", { shardId, attempts: item.attempts, records: item.records.length, error: result.message });
            await sleep(Math.min(cfg.retryBaseMs * 2 ** (item.attempts - 1), 2000));
        }
    }
}

/** Reads one shard (GetShardIterator/GetRecords from its checkpoint), batches its records and hands them to the batch runner lane by lane. */
class ShardPoller {
    buffer: KinesisRecord[] = [];
    iterator: string | undefined;
    lastFetched: string | undefined;
    ended = false;
    inFlight = false;
    /** Time of the start of the last GetRecords that returned no records. */
    lastEmptyPollStartedAt = 0;
    readonly done: Promise<void>;
    private firstBufferedAt = 0;
    /** Records at or before this sequence number are skipped (see newIterator). */
    private skipUpTo: bigint | undefined;

    constructor(
        readonly shard: Shard,
        private readonly state: MappingState,
        private readonly runner: BatchRunner,
    ) {
        this.done = this.run().catch((err) => {
            if (!(err instanceof Aborted)) state.log("shard worker failed", { shardId: shard.ShardId, error: (err as Error).message });
        });
    }

    get id(): string {
        return this.shard.ShardId!;
    }

    private async newIterator(): Promise<string | undefined> {
        const { opts, store, log } = this.state;
        const cp = store.get(this.id)?.sequenceNumber;
        const after = this.lastFetched ?? cp;
        const type: ShardIteratorType = after !== undefined ? "AFTER_SEQUENCE_NUMBER" : (opts.startingPosition ?? "TRIM_HORIZON");
        try {
            const res = await opts.client.send(new GetShardIteratorCommand({ StreamName: opts.streamName, ShardId: this.id, ShardIteratorType: type, ...(after !== undefined ? { StartingSequenceNumber: after } : {}) }));
            return res.ShardIterator;
        } catch (err) {
            // The position is not in the stream (an emulator restored an older state): read from the oldest record
            // after the position instead of asking for it forever.
            if (after === undefined || !isUnknownSequenceNumber(err)) throw err;
            log("checkpoint is not in the stream (restored from an older state); reading from the oldest record after it", { shardId: this.id, sequenceNumber: after });
            this.skipUpTo = BigInt(after);
            const res = await opts.client.send(new GetShardIteratorCommand({ StreamName: opts.streamName, ShardId: this.id, ShardIteratorType: "TRIM_HORIZON" }));
            return res.ShardIterator;
        }
    }

    private async fetch(): Promise<void> {
        const { opts, cfg, log } = this.state;
        const startedAt = Date.now();
        try {
            if (this.iterator === undefined) this.iterator = await this.newIterator();
            if (this.iterator === undefined) {
                this.ended = true;
                return;
            }
            const res = await opts.client.send(new GetRecordsCommand({ ShardIterator: this.iterator, Limit: 10000 }));
            let records = res.Records ?? [];
            if (this.skipUpTo !== undefined && records.length > 0) {
                const skip = this.skipUpTo;
                records = records.filter((r) => BigInt(r.SequenceNumber!) > skip);
                if (records.length > 0) this.skipUpTo = undefined;
            }
            if (records.length > 0) {
                if (this.buffer.length === 0) this.firstBufferedAt = Date.now();
                this.buffer.push(...records);
                this.lastFetched = records[records.length - 1].SequenceNumber;
            } else {
                this.lastEmptyPollStartedAt = startedAt;
            }
            this.iterator = res.NextShardIterator ?? undefined;
            if (res.NextShardIterator === undefined || res.NextShardIterator === null) this.ended = true;
            if (records.length === 0 && !this.ended) await sleep(cfg.pollMs);
        } catch (err) {
            const name = (err as Error).name;
            if (name === "ExpiredIteratorException") this.iterator = undefined;
            else if (name !== "ProvisionedThroughputExceededException") log("reading the shard failed; retrying", { shardId: this.id, error: (err as Error).message });
            await sleep(Math.max(cfg.pollMs, 500));
        }
    }

    private async run(): Promise<void> {
        const state = this.state;
        const cfg = state.cfg;
        while (state.running) {
            const wantMore = this.buffer.length < cfg.batchSize * cfg.parallelization && !this.ended;
            if (wantMore) await this.fetch();
            if (!state.running) return;
            if (this.buffer.length === 0) {
                if (this.ended) {
                    state.store.set(this.id, { closed: true });
                    state.finishedShards.add(this.id);
                    return;
                }
                continue;
            }
            const full = this.buffer.length >= cfg.batchSize;
            const windowOver = Date.now() - this.firstBufferedAt >= cfg.windowMs;
            if (!full && !windowOver && !this.ended) {
                await sleep(Math.min(cfg.pollMs, Math.max(1, cfg.windowMs - (Date.now() - this.firstBufferedAt))));
                continue;
            }
            await this.dispatch();
        }
    }

    /** Takes up to batchSize x parallelization records, runs the lanes, checkpoints the chunk. */
    private async dispatch(): Promise<void> {
        const cfg = this.state.cfg;
        const chunk = this.buffer.splice(0, cfg.batchSize * cfg.parallelization);
        this.firstBufferedAt = Date.now();
        const lanes: KinesisRecord[][] = Array.from({ length: cfg.parallelization }, () => []);
        for (const r of chunk) lanes[cfg.parallelization === 1 ? 0 : laneOf(r.PartitionKey ?? "", cfg.parallelization)].push(r);
        this.inFlight = true;
        try {
            await Promise.all(
                lanes
                    .filter((l) => l.length > 0)
                    .map(async (lane) => {
                        for (const batch of splitBatches(lane, cfg.batchSize)) {
                            // With one lane the checkpoint can advance batch by batch; with several it advances per chunk.
                            await this.runner.run(this.id, batch, (seq) => {
                                if (cfg.parallelization === 1) this.checkpoint(seq);
                            });
                        }
                    }),
            );
            if (cfg.parallelization > 1) this.checkpoint(chunk[chunk.length - 1].SequenceNumber!);
        } finally {
            this.inFlight = false;
        }
    }

    private checkpoint(seq: string): void {
        if (this.state.killed) throw new Aborted();
        this.state.store.set(this.id, { sequenceNumber: seq });
        this.state.stats.checkpoints[this.id] = seq;
    }
}

/**
 * One local event source mapping: discovers the shards (parents before children), runs a
 * ShardPoller per shard, each handing batches to the BatchRunner (retry, bisect, record age,
 * on-failure sink) that calls the Invoker. Start it with {@link EventSourceMapping.start}.
 */
export class EventSourceMapping {
    readonly streamArn: string;
    readonly functionArn: string;
    private readonly state: MappingState;
    private readonly runner: BatchRunner;
    private readonly pollers = new Map<string, ShardPoller>();
    private discoveryTimer: NodeJS.Timeout | undefined;

    private constructor(opts: EventSourceMappingOptions) {
        const cfg = resolveEsmOptions(opts);
        const region = opts.region ?? "us-east-1";
        const accountId = opts.accountId ?? "000000000000";
        const functionName = opts.functionName ?? "stream-processor";
        this.streamArn = `arn:aws:kinesis:${region}:${accountId}:stream/${opts.streamName}`;
        this.functionArn = `arn:aws:lambda:${region}:${accountId}:function:${functionName}`;
        const store = new CheckpointStore(path.join(opts.checkpointDir, `${opts.streamName}.${functionName}.checkpoints.json`));
        const stats: EsmStats = { invocations: 0, functionErrors: 0, partialFailures: 0, recordsSucceeded: 0, recordsDiscarded: 0, inFlightInvocations: 0, checkpoints: {} };
        for (const [id, cp] of Object.entries(store.all())) stats.checkpoints[id] = cp.sequenceNumber;
        this.state = {
            opts,
            cfg,
            region,
            accountId,
            functionName,
            streamArn: this.streamArn,
            functionArn: this.functionArn,
            log: opts.log ?? ((message, fields) => console.error(JSON.stringify({ level: "error", component: "esm", message, ...fields }))),
            store,
            stats,
            finishedShards: new Set(
                Object.entries(store.all())
                    .filter(([, v]) => v.closed)
                    .map(([k]) => k),
            ),
            running: true,
            killed: false,
        };
        this.runner = new BatchRunner(this.state, new Invoker(this.state), new OnFailureSink(this.state));
    }

    /** Starts polling the stream and invoking the handler. */
    static async start(opts: EventSourceMappingOptions): Promise<EventSourceMapping> {
        const mapping = new EventSourceMapping(opts);
        await mapping.discover();
        mapping.scheduleDiscovery();
        return mapping;
    }

    private async discover(): Promise<void> {
        const { opts, finishedShards } = this.state;
        const shards: Shard[] = [];
        let token: string | undefined;
        do {
            const res = await opts.client.send(new ListShardsCommand(token ? { NextToken: token } : { StreamName: opts.streamName }));
            shards.push(...(res.Shards ?? []));
            token = res.NextToken;
        } while (token);
        const known = new Set(shards.map((s) => s.ShardId!));
        for (const s of shards) {
            const id = s.ShardId!;
            if (this.pollers.has(id) || finishedShards.has(id)) continue;
            const parents = [s.ParentShardId, s.AdjacentParentShardId].filter((p): p is string => p !== undefined && p !== null && known.has(p));
            if (parents.some((p) => !finishedShards.has(p))) continue;
            this.pollers.set(id, new ShardPoller(s, this.state, this.runner));
        }
    }

    private scheduleDiscovery(): void {
        this.discoveryTimer = setTimeout(() => {
            this.discover()
                .catch((err) => this.state.log("ListShards failed", { error: (err as Error).message }))
                .finally(() => {
                    if (this.state.running) this.scheduleDiscovery();
                });
        }, this.state.cfg.discoveryMs);
    }

    /** Resolves once every known shard has been read to its current end with nothing buffered or in flight. */
    async waitUntilCaughtUp(timeoutMs = 30000): Promise<void> {
        const since = Date.now();
        const deadline = since + timeoutMs;
        for (;;) {
            await this.discover();
            const pending = [...this.pollers.values()].filter((w) => !this.state.finishedShards.has(w.id) && (w.buffer.length > 0 || w.inFlight || w.lastEmptyPollStartedAt < since));
            if (pending.length === 0) return;
            if (Date.now() > deadline) {
                throw new Error(`event source mapping did not catch up within ${timeoutMs} ms; pending shards: ${pending.map((w) => w.id).join(", ")}`);
            }
            await sleep(50);
        }
    }

    stats(): EsmStats {
        return { ...this.state.stats, checkpoints: { ...this.state.stats.checkpoints } };
    }

    /** Graceful: stops polling, lets in-flight batches finish and checkpoints them. */
    async stop(): Promise<void> {
        this.state.running = false;
        clearTimeout(this.discoveryTimer);
        await Promise.all([...this.pollers.values()].map((w) => w.done));
    }

    /** Crash: stops at once, abandons in-flight batches without checkpointing. */
    async kill(): Promise<void> {
        this.state.killed = true;
        this.state.running = false;
        clearTimeout(this.discoveryTimer);
        // In-flight handler calls are abandoned: nothing after this point is checkpointed.
    }
}

/** Starts polling the stream and invoking the handler ({@link EventSourceMapping.start}). */
export function startEventSourceMapping(opts: EventSourceMappingOptions): Promise<EventSourceMapping> {
    return EventSourceMapping.start(opts);
}
