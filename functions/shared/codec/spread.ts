/**
 * Spread aggregation: user records (the producer's frames) are packed into
 * KPL aggregates filled by BYTES, and each aggregate goes to the next open
 * shard in a round robin that starts at a random shard per producer, so the
 * number of Kinesis records per flush depends on the flush's bytes, not on the
 * shard count, and a fleet of producers spreads evenly over the shards.
 *
 * Every aggregate carries an ExplicitHashKey drawn at random inside its
 * shard's range, and every sub-record carries that SAME hash key (one entry in
 * the explicit_hash_key_table), so a KCL reader, which drops sub-records whose
 * hash key lies outside the shard it reads, accepts all of them. That also
 * holds across a reshard with a stale shard map: the aggregate lands on
 * whichever child owns its hash key, and so do its sub-records, since they
 * share it (no sub-record can hash to the sibling).
 */
import { PendingAggregate, type AggregatedEntry } from "./aggregator";
import { ShardMap, validatePartitionKey } from "./hash-key";
import { MAX_KINESIS_RECORD_BYTES } from "./limits";
import { assertIntegerInRange } from "../range";

export interface SpreadUserRecord {
    readonly partitionKey: string;
    readonly data: Uint8Array;
}

/** Picks shards round robin from a random start, and a random hash key inside each. */
export class ShardSpreader {
    private cursor: number;
    private readonly ranges: readonly { shardId: string; start: bigint; width: bigint }[];

    constructor(
        readonly shardMap: ShardMap,
        private readonly random: () => number = Math.random,
    ) {
        this.ranges = shardMap.shards.map((s) => ({ shardId: s.shardId, start: BigInt(s.startingHashKey), width: BigInt(s.endingHashKey) - BigInt(s.startingHashKey) + 1n }));
        this.cursor = Math.floor(random() * this.ranges.length) % this.ranges.length;
    }

    /** The next shard and a decimal hash key inside its range. */
    next(): { shardId: string; hashKey: string } {
        const r = this.ranges[this.cursor];
        this.cursor = (this.cursor + 1) % this.ranges.length;
        // 53 random bits scaled into the range: uniform enough, and always inside it.
        const offset = (BigInt(Math.floor(this.random() * 2 ** 53)) * r.width) >> 53n;
        return { shardId: r.shardId, hashKey: (r.start + offset).toString() };
    }
}

export interface SpreadOptions {
    /** Aggregates are filled up to this many bytes (Data + PartitionKey), 64 .. 1048576. @default 1048576 */
    readonly maxRecordBytes?: number;
}

/**
 * Packs `records` in order into aggregates of at most `maxRecordBytes`, each on
 * the spreader's next shard. A record too large to share an aggregate of that
 * size travels alone in one (up to the 1 MiB Kinesis limit). `userRecordIndexes`
 * are positions in `records`. Throws RangeError naming the record when one does
 * not fit in 1 MiB even alone.
 */
export function aggregateSpread(records: readonly SpreadUserRecord[], spreader: ShardSpreader, opts: SpreadOptions = {}): AggregatedEntry[] {
    const maxRecordBytes = opts.maxRecordBytes ?? MAX_KINESIS_RECORD_BYTES;
    assertIntegerInRange("maxRecordBytes", maxRecordBytes, 64, MAX_KINESIS_RECORD_BYTES);
    const out: AggregatedEntry[] = [];
    let agg: PendingAggregate | undefined;
    const open = (partitionKey: string) => {
        const { shardId, hashKey } = spreader.next();
        return new PendingAggregate(shardId, partitionKey, hashKey);
    };
    records.forEach((record, i) => {
        const partitionKey = validatePartitionKey(record.partitionKey, `user record ${i}: partitionKey`);
        if (agg !== undefined) {
            const delta = agg.delta(partitionKey, agg.outerHashKey, record.data.length);
            if (agg.sizeFor(agg.bodyBytes + delta) <= maxRecordBytes) {
                agg.add(partitionKey, agg.outerHashKey, record.data, i, delta);
                return;
            }
            out.push(agg.build());
            agg = undefined;
        }
        const fresh = open(partitionKey);
        const delta = fresh.delta(partitionKey, fresh.outerHashKey, record.data.length);
        const size = fresh.sizeFor(delta);
        if (size > MAX_KINESIS_RECORD_BYTES) {
            throw new RangeError(`user record ${i} (partitionKey ${JSON.stringify(partitionKey)}) takes ${size} bytes in an aggregate, more than the ${MAX_KINESIS_RECORD_BYTES}-byte Kinesis record limit`);
        }
        fresh.add(partitionKey, fresh.outerHashKey, record.data, i, delta);
        if (size > maxRecordBytes) out.push(fresh.build());
        else agg = fresh;
    });
    if (agg !== undefined) out.push(agg.build());
    return out;
}
