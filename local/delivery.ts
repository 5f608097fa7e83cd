/**
 * Local delivery stream: what Firehose does for the lake, on this machine.
 *
 * Records (from a kinesis-local stream through a GetRecords loop per shard,
 * or handed over directly) go through the SAME processor as the Firehose
 * Lambda (functions/lake/processor.ts: codec decode, envelope validation,
 * partition keys) and are buffered PER PARTITION like Firehose dynamic
 * partitioning: a partition's buffer is written when it reaches
 * `bufferSizeBytes` (uncompressed) or when its oldest record is
 * `bufferIntervalMs` old. Objects are gzip JSON lines at
 * `data/type=/dt=/hour=/<stream>-1-<yyyy-MM-dd-HH-mm-ss>-<uuid>.json.gz`
 * (functions/lake/partitioning.ts), put to the local lake bucket through the
 * S3 API (s3rver). Records that fail processing are written under
 * `errors/processing-failed/dt=<day>/` in Firehose's error-record shape.
 */
import { GetRecordsCommand, GetShardIteratorCommand, KinesisClient, ShardIteratorType } from "@aws-sdk/client-kinesis";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { randomUUID } from "crypto";
import { gzipSync } from "zlib";
import { PartitionKeys, errorPrefix, objectName, partitionPrefix } from "../functions/lake/partitioning";
import { processRecord } from "../functions/lake/processor";
import { decodeAggregatedRecord, isAggregatedRecord } from "../functions/shared/codec";
import { listShards } from "./emulators/kinesis";

export interface LocalDeliveryOptions {
    readonly s3: S3Client;
    readonly bucket: string;
    /** Used in object names like Firehose's delivery stream name. @default "lake-delivery" */
    readonly streamName?: string;
    /** Flush a partition at this many uncompressed bytes (Firehose: 64..128 MiB). @default 134217728 */
    readonly bufferSizeBytes?: number;
    /** Flush a partition when its oldest record is this old. @default 60000 */
    readonly bufferIntervalMs?: number;
    /** Clock (tests). @default Date.now */
    readonly now?: () => number;
}

export interface DeliveredObject {
    readonly key: string;
    readonly events: number;
    readonly bytes: number;
}

interface Buffer_ {
    keys: PartitionKeys;
    chunks: Buffer[];
    bytes: number;
    events: number;
    firstAt: number;
}

function positiveInt(what: string, v: number): number {
    if (!Number.isInteger(v) || v < 1) throw new Error(`LocalDeliveryStream: \`${what}\` must be a positive integer (received ${v}).`);
    return v;
}

export class LocalDeliveryStream {
    readonly delivered: DeliveredObject[] = [];
    readonly failed: string[] = [];
    private readonly buffers = new Map<string, Buffer_>();
    private readonly errors: string[] = [];
    private readonly streamName: string;
    private readonly sizeLimit: number;
    private readonly intervalMs: number;
    private readonly now: () => number;
    private seq = 0;

    constructor(private readonly o: LocalDeliveryOptions) {
        this.streamName = o.streamName ?? "lake-delivery";
        this.sizeLimit = positiveInt("bufferSizeBytes", o.bufferSizeBytes ?? 128 * 1024 * 1024);
        this.intervalMs = positiveInt("bufferIntervalMs", o.bufferIntervalMs ?? 60_000);
        this.now = o.now ?? Date.now;
        objectName(this.streamName, new Date(0), "x"); // validates the name
    }

    /**
     * Adds one Kinesis record's data (codec-encoded). Like Firehose with a
     * Kinesis source, KPL aggregates are de-aggregated first and each user
     * record goes to the processor on its own. Flushes partitions that reach
     * the size limit.
     */
    async putRecord(data: Uint8Array, partitionKey?: string): Promise<void> {
        if (isAggregatedRecord(data)) {
            let users;
            try {
                users = decodeAggregatedRecord(data);
            } catch (e) {
                return this.processUserRecord(data, partitionKey);
            }
            for (const u of users) await this.processUserRecord(u.data, u.partitionKey);
            return;
        }
        return this.processUserRecord(data, partitionKey);
    }

    private async processUserRecord(data: Uint8Array, partitionKey?: string): Promise<void> {
        const recordId = String(++this.seq);
        const p = processRecord({ recordId, data: Buffer.from(data).toString("base64"), kinesisRecordMetadata: { partitionKey } });
        if (p.output.result === "ProcessingFailed") {
            this.failed.push(p.error!);
            const at = this.now();
            this.errors.push(JSON.stringify({
                attemptsMade: 1, arrivalTimestamp: at, errorCode: "Lambda.FunctionError", errorMessage: p.error,
                attemptEndingTimestamp: at, rawData: p.output.data,
            }));
            return;
        }
        if (p.output.result !== "Ok") return;
        const keys = p.output.metadata!.partitionKeys;
        const id = partitionPrefix(keys);
        const chunk = Buffer.from(p.output.data, "base64");
        let b = this.buffers.get(id);
        if (!b) {
            b = { keys, chunks: [], bytes: 0, events: 0, firstAt: this.now() };
            this.buffers.set(id, b);
        }
        b.chunks.push(chunk);
        b.bytes += chunk.length;
        b.events += p.events;
        if (b.bytes >= this.sizeLimit) await this.write(id);
    }

    /** Adds decoded events (as the ingestion service would have sent them, uncompressed). */
    async putEvents(events: readonly unknown[]): Promise<void> {
        for (const e of events) await this.putRecord(Buffer.from(JSON.stringify(e), "utf8"));
    }

    /** Writes partitions whose oldest record reached the buffer interval. */
    async flushDue(): Promise<void> {
        const now = this.now();
        for (const [id, b] of [...this.buffers]) if (now - b.firstAt >= this.intervalMs) await this.write(id);
        await this.writeErrors();
    }

    /** Writes every buffer now (shutdown). */
    async flushAll(): Promise<void> {
        for (const id of [...this.buffers.keys()]) await this.write(id);
        await this.writeErrors();
    }

    /** Buffered (not yet written) events. */
    get pendingEvents(): number {
        let n = 0;
        for (const b of this.buffers.values()) n += b.events;
        return n;
    }

    private async write(id: string): Promise<void> {
        const b = this.buffers.get(id);
        if (!b) return;
        this.buffers.delete(id);
        const body = gzipSync(Buffer.concat(b.chunks));
        const key = `${partitionPrefix(b.keys)}${objectName(this.streamName, new Date(this.now()), randomUUID())}`;
        await this.o.s3.send(new PutObjectCommand({ Bucket: this.o.bucket, Key: key, Body: body, ContentType: "application/x-ndjson" }));
        this.delivered.push({ key, events: b.events, bytes: b.bytes });
    }

    private async writeErrors(): Promise<void> {
        if (this.errors.length === 0) return;
        const lines = this.errors.splice(0).map((l) => `${l}\n`).join("");
        const key = `${errorPrefix("processing-failed", new Date(this.now()))}${objectName(this.streamName, new Date(this.now()), randomUUID())}`;
        await this.o.s3.send(new PutObjectCommand({ Bucket: this.o.bucket, Key: key, Body: gzipSync(lines) }));
    }
}

export interface KinesisDeliveryOptions {
    readonly kinesis: KinesisClient;
    readonly streamName: string;
    /** @default "TRIM_HORIZON" */
    readonly startAt?: "TRIM_HORIZON" | "LATEST";
    /** Pause between GetRecords calls per shard (Kinesis: 5 calls/s/shard). @default 250 */
    readonly pollIntervalMs?: number;
}

/**
 * Consumes every shard of a stream into `delivery` until `stop()` is called;
 * checks the buffer interval on every poll. `stop()` flushes all buffers.
 */
export function consumeStream(delivery: LocalDeliveryStream, o: KinesisDeliveryOptions): { stop(): Promise<void>; readonly records: () => number } {
    let stopped = false;
    let records = 0;
    const poll = o.pollIntervalMs ?? 250;
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    const run = (async () => {
        const shards = await listShards(o.kinesis, o.streamName);
        await Promise.all(shards.map(async (shard) => {
            const it = await o.kinesis.send(new GetShardIteratorCommand({
                StreamName: o.streamName, ShardId: shard.ShardId!, ShardIteratorType: (o.startAt ?? "TRIM_HORIZON") as ShardIteratorType,
            }));
            let iterator = it.ShardIterator;
            while (!stopped && iterator) {
                const r = await o.kinesis.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }));
                for (const rec of r.Records ?? []) {
                    await delivery.putRecord(rec.Data!, rec.PartitionKey);
                    records++;
                }
                await delivery.flushDue();
                iterator = r.NextShardIterator;
                if ((r.Records ?? []).length === 0) await sleep(poll);
            }
        }));
    })();
    return {
        records: () => records,
        async stop() {
            stopped = true;
            await run;
            await delivery.flushAll();
        },
    };
}
