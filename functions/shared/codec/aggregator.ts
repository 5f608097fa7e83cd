/**
 * Per-shard KPL aggregation.
 *
 * Each user record's hash key (its explicitHashKey, or the MD5 of its
 * partition key) picks the open shard that owns it. User records are packed
 * into one aggregate per shard, and each aggregate is sent with an
 * ExplicitHashKey inside that shard's range (the first user record's hash
 * key), so Kinesis puts the aggregate on the very shard every user record in
 * it hashes to. Consumers that filter sub-records by shard range (KCL) then
 * drop nothing, which is the data-loss trap aws-kinesis-agg warns about.
 *
 * Sizes are computed exactly as encoded: an entry's Data plus PartitionKey
 * never exceeds `maxRecordBytes` (at most 1 MiB).
 */
import { encodeAggregatedRecord } from "./aggregated-record";
import { CompressionOptions, compressPayload, validateCompressionOptions } from "./compression";
import { ShardMap, ShardRange, hashKeyForPartitionKey, parseHashKey, validatePartitionKey } from "./hash-key";
import { KPL_CHECKSUM_BYTES, KPL_MAGIC, MAX_KINESIS_RECORD_BYTES } from "./limits";
import { lengthDelimitedFieldSize, varintSize } from "./protobuf";
import { assertIntegerInRange } from "../range";

/** One user record (an event) as the producer hands it over. */
export interface UserRecord {
    readonly partitionKey: string;
    readonly data: Uint8Array;
    /** Decimal 0 .. 2^128 - 1; overrides the partition key's hash for routing. */
    readonly explicitHashKey?: string;
}

/** A PutRecords request entry (the shape @aws-sdk/client-kinesis takes). */
export interface PutRecordsEntry {
    readonly PartitionKey: string;
    readonly ExplicitHashKey?: string;
    readonly Data: Uint8Array;
}

/** A Kinesis record ready to send, with the user records it carries. */
export interface AggregatedEntry {
    readonly entry: PutRecordsEntry;
    /** Shard the entry is routed to. */
    readonly shardId: string;
    /** References (by default the input positions) of the user records inside, in order. */
    readonly userRecordIndexes: readonly number[];
    /** True for a KPL aggregate, false for a plain record. */
    readonly aggregated: boolean;
    /** Data bytes plus PartitionKey bytes: what counts against the 1 MiB and 5 MiB limits. */
    readonly sizeBytes: number;
}

export interface AggregatorOptions extends CompressionOptions {
    /** Pack user records into KPL aggregates; false sends one plain record per user record. @default true */
    readonly aggregation?: boolean;
    /** Largest Kinesis record to build (Data + PartitionKey), 64 .. 1048576. @default 1048576 */
    readonly maxRecordBytes?: number;
    /** Most user records in one aggregate. @default unlimited */
    readonly maxUserRecordsPerAggregate?: number;
}

export interface AggregatorStats {
    /** User records added. */
    readonly userRecords: number;
    /** Their payload bytes before compression. */
    readonly userBytes: number;
    /** Their payload bytes after compression. */
    readonly payloadBytes: number;
    /** Kinesis records emitted so far. */
    readonly kinesisRecords: number;
    /** Their Data + PartitionKey bytes. */
    readonly kinesisBytes: number;
}

function utf8Length(s: string): number {
    return Buffer.byteLength(s, "utf8");
}

/** An aggregate being filled (exported for the spread aggregator, ./spread.ts). */
export class PendingAggregate {
    readonly pkIndex = new Map<string, number>();
    readonly ehkIndex = new Map<string, number>();
    readonly records: { partitionKeyIndex: number; explicitHashKeyIndex?: number; data: Uint8Array }[] = [];
    readonly refs: number[] = [];
    bodyBytes = 0;

    constructor(
        readonly shardId: string,
        readonly outerPartitionKey: string,
        readonly outerHashKey: string,
    ) {}

    /** Protobuf bytes this record would add. */
    delta(partitionKey: string, explicitHashKey: string | undefined, payloadLength: number): number {
        let size = 0;
        let pkIdx = this.pkIndex.get(partitionKey);
        if (pkIdx === undefined) {
            pkIdx = this.pkIndex.size;
            size += lengthDelimitedFieldSize(utf8Length(partitionKey));
        }
        let inner = 1 + varintSize(pkIdx) + lengthDelimitedFieldSize(payloadLength);
        if (explicitHashKey !== undefined) {
            let ehkIdx = this.ehkIndex.get(explicitHashKey);
            if (ehkIdx === undefined) {
                ehkIdx = this.ehkIndex.size;
                size += lengthDelimitedFieldSize(utf8Length(explicitHashKey));
            }
            inner += 1 + varintSize(ehkIdx);
        }
        return size + lengthDelimitedFieldSize(inner);
    }

    add(partitionKey: string, explicitHashKey: string | undefined, payload: Uint8Array, ref: number, delta: number): void {
        let partitionKeyIndex = this.pkIndex.get(partitionKey);
        if (partitionKeyIndex === undefined) {
            partitionKeyIndex = this.pkIndex.size;
            this.pkIndex.set(partitionKey, partitionKeyIndex);
        }
        let explicitHashKeyIndex: number | undefined;
        if (explicitHashKey !== undefined) {
            explicitHashKeyIndex = this.ehkIndex.get(explicitHashKey);
            if (explicitHashKeyIndex === undefined) {
                explicitHashKeyIndex = this.ehkIndex.size;
                this.ehkIndex.set(explicitHashKey, explicitHashKeyIndex);
            }
        }
        this.records.push({ partitionKeyIndex, explicitHashKeyIndex, data: payload });
        this.refs.push(ref);
        this.bodyBytes += delta;
    }

    /** Data + PartitionKey bytes of the encoded aggregate with `bodyBytes` of protobuf. */
    sizeFor(bodyBytes: number): number {
        return KPL_MAGIC.length + bodyBytes + KPL_CHECKSUM_BYTES + utf8Length(this.outerPartitionKey);
    }

    build(): AggregatedEntry {
        const data = encodeAggregatedRecord({
            partitionKeyTable: [...this.pkIndex.keys()],
            explicitHashKeyTable: [...this.ehkIndex.keys()],
            records: this.records,
        });
        const sizeBytes = data.length + utf8Length(this.outerPartitionKey);
        if (sizeBytes !== this.sizeFor(this.bodyBytes)) {
            throw new Error(`internal error: aggregate for ${this.shardId} encoded to ${sizeBytes} bytes, ${this.sizeFor(this.bodyBytes)} were computed`);
        }
        return {
            entry: { PartitionKey: this.outerPartitionKey, ExplicitHashKey: this.outerHashKey, Data: data },
            shardId: this.shardId,
            userRecordIndexes: this.refs,
            aggregated: true,
            sizeBytes,
        };
    }
}

/**
 * Streams user records into per-shard aggregates. `add` returns the entries
 * that became full; `flush` returns everything still pending. Within a shard,
 * user records keep their order across entries.
 */
export class RecordAggregator {
    private readonly shardMap: ShardMap;
    private readonly compression: Required<CompressionOptions>;
    private readonly aggregation: boolean;
    private readonly maxRecordBytes: number;
    private readonly maxUserRecords: number;
    private readonly pending = new Map<string, PendingAggregate>();
    private nextRef = 0;
    private counters = { userRecords: 0, userBytes: 0, payloadBytes: 0, kinesisRecords: 0, kinesisBytes: 0 };

    constructor(shards: readonly ShardRange[] | ShardMap, opts: AggregatorOptions = {}) {
        this.shardMap = shards instanceof ShardMap ? shards : new ShardMap(shards);
        this.compression = validateCompressionOptions(opts);
        this.aggregation = opts.aggregation ?? true;
        if (typeof this.aggregation !== "boolean") {
            throw new TypeError(`aggregation must be true or false, got ${JSON.stringify(opts.aggregation)}`);
        }
        this.maxRecordBytes = opts.maxRecordBytes ?? MAX_KINESIS_RECORD_BYTES;
        assertIntegerInRange("maxRecordBytes", this.maxRecordBytes, 64, MAX_KINESIS_RECORD_BYTES);
        this.maxUserRecords = opts.maxUserRecordsPerAggregate ?? Number.POSITIVE_INFINITY;
        if (this.maxUserRecords !== Number.POSITIVE_INFINITY) assertIntegerInRange("maxUserRecordsPerAggregate", this.maxUserRecords, 1, Number.POSITIVE_INFINITY);
    }

    get stats(): AggregatorStats {
        return { ...this.counters };
    }

    /** User records waiting in unfinished aggregates. */
    get pendingUserRecords(): number {
        let n = 0;
        for (const p of this.pending.values()) n += p.records.length;
        return n;
    }

    private emit(entry: AggregatedEntry, out: AggregatedEntry[]): void {
        this.counters.kinesisRecords++;
        this.counters.kinesisBytes += entry.sizeBytes;
        out.push(entry);
    }

    /**
     * Adds one user record. `ref` is what userRecordIndexes reports for it
     * (default: a counter of records added, i.e. the input position).
     */
    add(record: UserRecord, ref?: number): AggregatedEntry[] {
        const position = this.nextRef++;
        const id = ref ?? position;
        const what = `user record ${id}`;
        if (record === null || typeof record !== "object") {
            throw new TypeError(`${what} must be an object with partitionKey and data, got ${record === null ? "null" : typeof record}`);
        }
        const partitionKey = validatePartitionKey(record.partitionKey, `${what}: partitionKey`);
        if (!(record.data instanceof Uint8Array)) {
            throw new TypeError(`${what}: data must be a Uint8Array, got ${record.data === null ? "null" : typeof record.data}`);
        }
        const explicitHashKey = record.explicitHashKey;
        const hashKey = explicitHashKey !== undefined ? parseHashKey(explicitHashKey, `${what}: explicitHashKey`) : hashKeyForPartitionKey(partitionKey);
        const shard = this.shardMap.shardFor(hashKey);
        const payload = compressPayload(record.data, this.compression);
        this.counters.userRecords++;
        this.counters.userBytes += record.data.length;
        this.counters.payloadBytes += payload.length;

        const out: AggregatedEntry[] = [];
        const plainSize = utf8Length(partitionKey) + payload.length;
        const plain = (): AggregatedEntry => {
            if (plainSize > this.maxRecordBytes) {
                throw new RangeError(
                    `${what} (partitionKey ${JSON.stringify(partitionKey)}) is ${plainSize} bytes with its partition key${
                        this.compression.compression === "gzip" ? " after compression" : ""
                    }, more than the ${this.maxRecordBytes}-byte Kinesis record limit`,
                );
            }
            return {
                entry: { PartitionKey: partitionKey, ...(explicitHashKey !== undefined ? { ExplicitHashKey: explicitHashKey } : {}), Data: payload },
                shardId: shard.shardId,
                userRecordIndexes: [id],
                aggregated: false,
                sizeBytes: plainSize,
            };
        };

        if (!this.aggregation) {
            this.emit(plain(), out);
            return out;
        }

        let agg = this.pending.get(shard.shardId);
        if (agg !== undefined) {
            const delta = agg.delta(partitionKey, explicitHashKey, payload.length);
            if (agg.records.length < this.maxUserRecords && agg.sizeFor(agg.bodyBytes + delta) <= this.maxRecordBytes) {
                agg.add(partitionKey, explicitHashKey, payload, id, delta);
                if (agg.records.length >= this.maxUserRecords) {
                    this.emit(agg.build(), out);
                    this.pending.delete(shard.shardId);
                }
                return out;
            }
            this.emit(agg.build(), out);
            this.pending.delete(shard.shardId);
        }
        agg = new PendingAggregate(shard.shardId, partitionKey, hashKey.toString());
        const delta = agg.delta(partitionKey, explicitHashKey, payload.length);
        if (agg.sizeFor(delta) > this.maxRecordBytes) {
            // Too big to wrap: send it as a plain record (routed by the same hash key).
            this.emit(plain(), out);
            return out;
        }
        agg.add(partitionKey, explicitHashKey, payload, id, delta);
        if (agg.records.length >= this.maxUserRecords) {
            this.emit(agg.build(), out);
        } else {
            this.pending.set(shard.shardId, agg);
        }
        return out;
    }

    /** Builds every pending aggregate (in the order their shards were first seen). */
    flush(): AggregatedEntry[] {
        const out: AggregatedEntry[] = [];
        for (const agg of this.pending.values()) this.emit(agg.build(), out);
        this.pending.clear();
        return out;
    }
}

/**
 * Aggregates a batch of user records for the given open shards.
 * `userRecordIndexes` are positions in `records`.
 */
export function aggregate(records: readonly UserRecord[], shards: readonly ShardRange[] | ShardMap, opts: AggregatorOptions = {}): { entries: AggregatedEntry[]; stats: AggregatorStats } {
    const aggregator = new RecordAggregator(shards, opts);
    const entries: AggregatedEntry[] = [];
    records.forEach((record, i) => entries.push(...aggregator.add(record, i)));
    entries.push(...aggregator.flush());
    return { entries, stats: aggregator.stats };
}
