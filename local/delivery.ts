/**
 * Local delivery stream: what Firehose does for the lake, on this machine.
 *
 * Records (from the local platform's event source mapping on the kinesis-local
 * stream, or handed over directly) go through the SAME processor as the Firehose
 * Lambda (functions/lake/processor.ts: codec decode, envelope validation,
 * partition keys) and are buffered PER PARTITION like Firehose dynamic
 * partitioning: a partition's buffer is written when it reaches
 * `bufferSizeBytes` (uncompressed) or when its oldest record is
 * `bufferIntervalMs` old. Objects are gzip JSON lines at
 * `data/type=/dt=/hour=/<stream>-1-<yyyy-MM-dd-HH-mm-ss>-<uuid>.json.gz`
 * (functions/lake/partitioning.ts), put to the local lake bucket through the
 * S3 API (s3rver). Records that fail processing are written under
 * `errors/processing-failed/dt=<day>/` in Firehose's error-record shape.
 *
 * With Firehose's guarantee: with `walDir` every buffer has a write-ahead
 * file, fsynced by `commit()` before the source is checkpointed, so a crash
 * loses nothing (the next instance reloads the files); a failed object write
 * keeps its buffer and is retried with backoff (never dropped), and after
 * `retryDurationMs` the records go to `errors/delivery-failed/dt=<day>/` with
 * the reason.
 */
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { randomUUID } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { gzipSync } from "zlib";
import { PartitionKeys, errorPrefix, objectName, partitionPrefix } from "../functions/lake/partitioning";
import { processRecord } from "../functions/lake/processor";
import { decodeAggregatedRecord, isAggregatedRecord } from "../functions/shared/codec";

export interface LocalDeliveryOptions {
    readonly s3: S3Client;
    readonly bucket: string;
    /** Used in object names like Firehose's delivery stream name. @default "lake-delivery" */
    readonly streamName?: string;
    /** Flush a partition at this many uncompressed bytes (Firehose: 64..128 MiB). @default 134217728 */
    readonly bufferSizeBytes?: number;
    /** Flush a partition when its oldest record is this old. @default 60000 */
    readonly bufferIntervalMs?: number;
    /**
     * Folder of the write-ahead files: every buffer is appended to its own file, `commit()`
     * fsyncs them, a written object removes its file, and a new instance reloads the files
     * left by a crash (their objects keep the key they were given, so a rewrite replaces).
     * @default - buffers only in memory (a crash loses them)
     */
    readonly walDir?: string;
    /** A failed object write is retried after `min(retryBaseDelayMs * 2^(n-1), 30000)` ms. @default 1000 */
    readonly retryBaseDelayMs?: number;
    /**
     * How long a buffer's write is retried before its records go to
     * `errors/delivery-failed/` with the reason (Firehose retries S3 for up to 24 h). @default 86400000
     */
    readonly retryDurationMs?: number;
    /** Told about every failed write (it is retried). @default - none */
    readonly onWriteError?: (message: string) => void;
    /** Clock (tests). @default Date.now */
    readonly now?: () => number;
}

export interface DeliveredObject {
    readonly key: string;
    readonly events: number;
    readonly bytes: number;
}

interface Buffer_ {
    /** data: partition prefix; errors: errors/<type>/dt=/ */
    kind: "data" | "processing-failed";
    prefix: string;
    /** Buffer id (the object name's uuid). */
    id: string;
    /** Object key, fixed at the first write attempt and kept in the write-ahead file (a retried or replayed write replaces the same object). */
    key?: string;
    chunks: Buffer[];
    bytes: number;
    events: number;
    firstAt: number;
    attempts: number;
    nextAttemptAt: number;
    lastError?: string;
    wal?: { file: string; fd: number; dirty: boolean };
    /** Source positions (shard -> last sequence number) committed into this buffer. */
    positions: Record<string, string>;
}

interface WalHeader {
    kind: Buffer_["kind"];
    prefix: string;
    id: string;
    firstAt: number;
}

function positiveInt(what: string, v: number): number {
    if (!Number.isInteger(v) || v < 1) throw new Error(`LocalDeliveryStream: \`${what}\` must be a positive integer (received ${v}).`);
    return v;
}

export class LocalDeliveryStream {
    readonly delivered: DeliveredObject[] = [];
    readonly failed: string[] = [];
    /** Buffers that exhausted their retries and were written under errors/delivery-failed/. */
    readonly deliveryFailed: DeliveredObject[] = [];
    /** Buffers reloaded from write-ahead files at construction (left by a crash). */
    readonly recovered: { key: string; events: number }[] = [];
    private readonly buffers = new Map<string, Buffer_>();
    private readonly streamName: string;
    private readonly sizeLimit: number;
    private readonly intervalMs: number;
    private readonly retryBaseMs: number;
    private readonly retryDurationMs: number;
    private readonly now: () => number;
    private seq = 0;

    constructor(private readonly o: LocalDeliveryOptions) {
        this.streamName = o.streamName ?? "lake-delivery";
        this.sizeLimit = positiveInt("bufferSizeBytes", o.bufferSizeBytes ?? 128 * 1024 * 1024);
        this.intervalMs = positiveInt("bufferIntervalMs", o.bufferIntervalMs ?? 60_000);
        this.retryBaseMs = positiveInt("retryBaseDelayMs", o.retryBaseDelayMs ?? 1000);
        this.retryDurationMs = positiveInt("retryDurationMs", o.retryDurationMs ?? 86_400_000);
        this.now = o.now ?? Date.now;
        objectName(this.streamName, new Date(0), "x"); // validates the name
        if (o.walDir !== undefined) this.recover(o.walDir);
    }

    /** Reloads the write-ahead files a previous instance left (crash before their objects were written). */
    private recover(dir: string): void {
        fs.mkdirSync(dir, { recursive: true });
        try {
            mergePositions(this.committed, JSON.parse(fs.readFileSync(path.join(dir, "positions.json"), "utf8")) as Record<string, string>);
        } catch {
            // none yet
        }
        for (const name of fs
            .readdirSync(dir)
            .filter((f) => f.endsWith(".wal"))
            .sort()) {
            const file = path.join(dir, name);
            const lines = fs.readFileSync(file, "utf8").split("\n");
            let header: WalHeader;
            try {
                header = JSON.parse(lines[0]) as WalHeader;
            } catch {
                // A crash between creating the file and writing its header: it holds nothing.
                fs.rmSync(file, { force: true });
                continue;
            }
            const b: Buffer_ = { ...header, chunks: [], bytes: 0, events: 0, attempts: 0, nextAttemptAt: 0, positions: {} };
            // Only chunks followed by a commit marker count: later ones belong to a batch the source never
            // checkpointed (it is delivered again).
            let pending: { n: number; chunk: Buffer }[] = [];
            for (const line of lines.slice(1)) {
                if (line === "") continue;
                let rec: { n?: number; d?: string; k?: string; c?: Record<string, string> };
                try {
                    rec = JSON.parse(line) as typeof rec;
                } catch {
                    continue; // a line cut by the crash
                }
                if (rec.k !== undefined) b.key = rec.k;
                else if (rec.c !== undefined) {
                    for (const p of pending) {
                        b.chunks.push(p.chunk);
                        b.bytes += p.chunk.length;
                        b.events += p.n;
                    }
                    pending = [];
                    mergePositions(b.positions, rec.c);
                } else if (rec.d !== undefined) pending.push({ n: rec.n ?? 1, chunk: Buffer.from(rec.d, "base64") });
            }
            mergePositions(this.committed, b.positions);
            if (b.chunks.length === 0 && b.key === undefined) {
                fs.rmSync(file, { force: true });
                continue;
            }
            b.wal = { file, fd: fs.openSync(file, "a"), dirty: false };
            // Each recovered file stays its own buffer (and object): new records open new buffers.
            this.buffers.set(`recovered:${name}`, b);
            this.recovered.push({ key: b.key ?? `${b.prefix}(not named yet: ${b.id})`, events: b.events });
        }
    }

    private open(kind: Buffer_["kind"], prefix: string): Buffer_ {
        const at = this.now();
        const id = randomUUID();
        const b: Buffer_ = { kind, prefix, id, chunks: [], bytes: 0, events: 0, firstAt: at, attempts: 0, nextAttemptAt: 0, positions: {} };
        if (this.o.walDir !== undefined) {
            fs.mkdirSync(this.o.walDir, { recursive: true });
            const file = path.join(this.o.walDir, `${String(at).padStart(15, "0")}-${id}.wal`);
            const fd = fs.openSync(file, "a");
            fs.writeSync(fd, JSON.stringify({ kind, prefix, id, firstAt: at } satisfies WalHeader) + "\n");
            b.wal = { file, fd, dirty: true };
        }
        return b;
    }

    private add(id: string, kind: Buffer_["kind"], prefix: string, chunk: Buffer, events: number): Buffer_ {
        let b = this.buffers.get(id);
        if (!b) {
            b = this.open(kind, prefix);
            this.buffers.set(id, b);
        }
        b.chunks.push(chunk);
        b.bytes += chunk.length;
        b.events += events;
        if (b.wal) {
            fs.writeSync(b.wal.fd, JSON.stringify({ n: events, d: chunk.toString("base64") }) + "\n");
            b.wal.dirty = true;
        }
        return b;
    }

    /**
     * Makes every record added so far durable (fsyncs the write-ahead files);
     * call it before the source is checkpointed. A no-op without `walDir`.
     */
    commit(positions: Readonly<Record<string, string>> = {}): void {
        for (const b of this.buffers.values()) {
            if (b.wal?.dirty) {
                // The marker makes the chunks before it count on recovery, and records how far the source got.
                fs.writeSync(b.wal.fd, JSON.stringify({ c: positions }) + "\n");
                fs.fsyncSync(b.wal.fd);
                b.wal.dirty = false;
                mergePositions(b.positions, positions);
            }
        }
        mergePositions(this.committed, positions);
    }

    /**
     * Source positions (shard -> sequence number) already in a buffer or an object: what a source
     * delivers again after a crash up to these was committed before it, and must be skipped.
     */
    readonly committed: Record<string, string> = {};

    /** True when the record at this position was committed already (delivered again after a crash). */
    isCommitted(shardId: string, sequenceNumber: string): boolean {
        const c = this.committed[shardId];
        return c !== undefined && BigInt(sequenceNumber) <= BigInt(c);
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
            } catch {
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
            const line =
                JSON.stringify({
                    attemptsMade: 1,
                    arrivalTimestamp: at,
                    errorCode: "Lambda.FunctionError",
                    errorMessage: p.error,
                    attemptEndingTimestamp: at,
                    rawData: p.output.data,
                }) + "\n";
            const prefix = errorPrefix("processing-failed", new Date(at));
            this.add(`errors:${prefix}`, "processing-failed", prefix, Buffer.from(line, "utf8"), 1);
            return;
        }
        if (p.output.result !== "Ok") return;
        const keys: PartitionKeys = p.output.metadata!.partitionKeys;
        const prefix = partitionPrefix(keys);
        const b = this.add(prefix, "data", prefix, Buffer.from(p.output.data, "base64"), p.events);
        // With write-ahead files a full buffer is written by the flushDue() after commit(), never with uncommitted records.
        if (b.bytes >= this.sizeLimit && this.o.walDir === undefined) await this.tryWrite(prefix, b, true);
    }

    /** Adds decoded events (as the ingestion service would have sent them, uncompressed). */
    async putEvents(events: readonly unknown[]): Promise<void> {
        for (const e of events) await this.putRecord(Buffer.from(JSON.stringify(e), "utf8"));
    }

    /** Writes buffers whose oldest record reached the buffer interval (failed ones when their retry is due). */
    async flushDue(): Promise<void> {
        const now = this.now();
        for (const [id, b] of [...this.buffers]) {
            const due = b.kind === "processing-failed" || now - b.firstAt >= this.intervalMs || b.bytes >= this.sizeLimit;
            if (due && now >= b.nextAttemptAt) await this.tryWrite(id, b, false);
        }
    }

    /** Writes every buffer now (shutdown, settle); throws if some could not be written (they stay buffered). */
    async flushAll(): Promise<void> {
        const failures: string[] = [];
        for (const [id, b] of [...this.buffers]) {
            if (!(await this.tryWrite(id, b, false))) failures.push(`${b.key ?? b.prefix}: ${b.lastError}`);
        }
        if (failures.length > 0) throw new Error(`${failures.length} lake buffer(s) could not be written and stay buffered${this.o.walDir ? " (write-ahead files kept)" : ""}: ${failures.join("; ")}`);
    }

    /** Buffered (not yet written) events. */
    get pendingEvents(): number {
        let n = 0;
        for (const b of this.buffers.values()) if (b.kind === "data") n += b.events;
        return n;
    }

    /** Buffers whose last write failed (being retried). */
    get failingBuffers(): number {
        let n = 0;
        for (const b of this.buffers.values()) if (b.attempts > 0) n++;
        return n;
    }

    /** Closes the write-ahead files (they stay on disk for the next instance). */
    close(): void {
        for (const b of this.buffers.values()) {
            if (b.wal) {
                try {
                    fs.closeSync(b.wal.fd);
                } catch {
                    // already closed
                }
            }
        }
    }

    /** One write attempt; on failure the buffer stays (retried with backoff), after the retry duration it goes to errors/delivery-failed/. */
    private async tryWrite(id: string, b: Buffer_, sizeTriggered: boolean): Promise<boolean> {
        if (this.buffers.get(id) !== b) return true;
        if (b.key === undefined) {
            // Named like Firehose (delivery time), once: the name goes to the write-ahead file first.
            b.key = `${b.prefix}${objectName(this.streamName, new Date(this.now()), b.id)}`;
            if (b.wal) fs.writeSync(b.wal.fd, JSON.stringify({ k: b.key }) + "\n");
        }
        if (b.wal) {
            fs.fsyncSync(b.wal.fd);
            b.wal.dirty = false;
        }
        // Records added while the write is in flight go to a new buffer.
        this.buffers.delete(id);
        const body = gzipSync(Buffer.concat(b.chunks));
        try {
            if (b.attempts > 0 && this.now() - b.firstAt >= this.retryDurationMs) {
                await this.writeDeliveryFailed(b);
            } else {
                await this.o.s3.send(
                    new PutObjectCommand({
                        Bucket: this.o.bucket,
                        Key: b.key,
                        Body: body,
                        ...(b.kind === "data" ? { ContentType: "application/x-ndjson" } : {}),
                    }),
                );
                if (b.kind === "data") this.delivered.push({ key: b.key, events: b.events, bytes: b.bytes });
            }
        } catch (err) {
            b.attempts++;
            b.lastError = `${(err as Error).name}: ${(err as Error).message}`;
            b.nextAttemptAt = this.now() + Math.min(this.retryBaseMs * 2 ** (b.attempts - 1), 30_000);
            // Back in the map under a key of its own, so it is retried as it is (same object key).
            this.buffers.set(sizeTriggered || this.buffers.has(id) ? `retry:${b.key}` : id, b);
            this.o.onWriteError?.(`writing ${b.key} (${b.events} record(s)) failed (attempt ${b.attempts}, retried in ${b.nextAttemptAt - this.now()} ms): ${b.lastError}`);
            return false;
        }
        if (b.wal) {
            try {
                fs.closeSync(b.wal.fd);
            } catch {
                // already closed
            }
            // The positions outlive the file (positions.json), so a redelivery after a crash is still recognised.
            if (Object.keys(b.positions).length > 0) this.savePositions(b.positions);
            fs.rmSync(b.wal.file, { force: true });
        }
        return true;
    }

    private savePositions(positions: Record<string, string>): void {
        const file = path.join(this.o.walDir!, "positions.json");
        let saved: Record<string, string> = {};
        try {
            saved = JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, string>;
        } catch {
            // first one
        }
        mergePositions(saved, positions);
        fs.writeFileSync(`${file}.tmp`, JSON.stringify(saved));
        fs.renameSync(`${file}.tmp`, file);
    }

    /** Firehose's error-record shape, one line per buffered chunk, with the reason the object could not be written. */
    private async writeDeliveryFailed(b: Buffer_): Promise<void> {
        const at = this.now();
        const lines = b.chunks
            .map(
                (c) =>
                    JSON.stringify({
                        attemptsMade: b.attempts,
                        arrivalTimestamp: b.firstAt,
                        errorCode: "S3.PutObjectFailed",
                        errorMessage: `could not write ${b.key} for ${Math.round((at - b.firstAt) / 1000)} s: ${b.lastError}`,
                        attemptEndingTimestamp: at,
                        rawData: c.toString("base64"),
                    }) + "\n",
            )
            .join("");
        const key = `${errorPrefix("delivery-failed", new Date(b.firstAt))}${b.key!.slice(b.key!.lastIndexOf("/") + 1)}`;
        await this.o.s3.send(new PutObjectCommand({ Bucket: this.o.bucket, Key: key, Body: gzipSync(lines) }));
        this.deliveryFailed.push({ key, events: b.events, bytes: b.bytes });
    }
}

function mergePositions(into: Record<string, string>, from: Readonly<Record<string, string>>): void {
    for (const [shard, seq] of Object.entries(from)) if (into[shard] === undefined || BigInt(seq) > BigInt(into[shard])) into[shard] = seq;
}
