/**
 * Kinesis routes a record to the open shard whose hash-key range holds the
 * record's hash key: the ExplicitHashKey when given, otherwise the MD5 of the
 * partition key (UTF-8) read as a big-endian unsigned 128-bit integer.
 */
import { createHash } from "node:crypto";
import { MAX_HASH_KEY, MAX_PARTITION_KEY_CHARS } from "./limits";
import { assertIntegerInRange } from "../range";

/** An open shard and its inclusive hash-key range, as ListShards returns it (decimal strings). */
export interface ShardRange {
    readonly shardId: string;
    readonly startingHashKey: string;
    readonly endingHashKey: string;
}

/** Hash key Kinesis derives from a partition key. */
export function hashKeyForPartitionKey(partitionKey: string): bigint {
    return BigInt("0x" + createHash("md5").update(partitionKey, "utf8").digest("hex"));
}

/** Parses a decimal hash key, rejecting anything outside 0 .. 2^128 - 1. */
export function parseHashKey(value: string, what = "hash key"): bigint {
    if (typeof value !== "string" || !/^[0-9]{1,39}$/.test(value)) {
        throw new RangeError(`${what} must be a decimal integer between 0 and 2^128 - 1, got ${JSON.stringify(value)}`);
    }
    const n = BigInt(value);
    if (n > MAX_HASH_KEY) {
        throw new RangeError(`${what} must be a decimal integer between 0 and 2^128 - 1, got ${JSON.stringify(value)}`);
    }
    return n;
}

/** Checks a partition key: 1..256 Unicode characters. */
export function validatePartitionKey(partitionKey: unknown, what = "partitionKey"): string {
    if (typeof partitionKey !== "string") {
        throw new TypeError(`${what} must be a string of 1 to ${MAX_PARTITION_KEY_CHARS} characters, got ${typeof partitionKey}`);
    }
    const chars = [...partitionKey].length;
    if (chars < 1 || chars > MAX_PARTITION_KEY_CHARS) {
        throw new RangeError(`${what} must be 1 to ${MAX_PARTITION_KEY_CHARS} characters, got ${chars}`);
    }
    return partitionKey;
}

interface ParsedShard {
    readonly shard: ShardRange;
    readonly start: bigint;
    readonly end: bigint;
}

/** The open shards of a stream, sorted by range, for finding the shard that owns a hash key. */
export class ShardMap {
    private readonly sorted: readonly ParsedShard[];

    constructor(shards: readonly ShardRange[]) {
        if (!Array.isArray(shards) || shards.length === 0) {
            throw new RangeError("shards must list at least one open shard with its hash-key range, got none");
        }
        const parsed = shards.map((shard, i) => {
            const start = parseHashKey(shard.startingHashKey, `shards[${i}].startingHashKey`);
            const end = parseHashKey(shard.endingHashKey, `shards[${i}].endingHashKey`);
            if (start > end) {
                throw new RangeError(`shards[${i}] (${shard.shardId}) has startingHashKey ${shard.startingHashKey} greater than endingHashKey ${shard.endingHashKey}`);
            }
            return { shard, start, end };
        });
        parsed.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
        for (let i = 1; i < parsed.length; i++) {
            if (parsed[i].start <= parsed[i - 1].end) {
                throw new RangeError(`shards ${parsed[i - 1].shard.shardId} and ${parsed[i].shard.shardId} overlap: pass only open shards (closed parents overlap their children)`);
            }
        }
        this.sorted = parsed;
    }

    get shards(): readonly ShardRange[] {
        return this.sorted.map((s) => s.shard);
    }

    /** The shard whose range holds `hashKey`; throws when no open shard covers it. */
    shardFor(hashKey: bigint): ShardRange {
        let lo = 0;
        let hi = this.sorted.length - 1;
        while (lo <= hi) {
            const mid = (lo + hi) >> 1;
            const s = this.sorted[mid];
            if (hashKey < s.start) hi = mid - 1;
            else if (hashKey > s.end) lo = mid + 1;
            else return s.shard;
        }
        throw new RangeError(`no shard in the shard map covers hash key ${hashKey}: the shard list has gaps (refresh it with ListShards)`);
    }
}

/**
 * The ranges CreateStream gives `count` evenly split shards
 * (shardId-000000000000, ...): each spans floor(2^128 / count) keys and the
 * last one ends at 2^128 - 1. For tests and the local emulator.
 */
export function evenShardRanges(count: number): ShardRange[] {
    assertIntegerInRange("count", count, 1, 100000);
    const width = (MAX_HASH_KEY + 1n) / BigInt(count);
    return Array.from({ length: count }, (_, i) => ({
        shardId: `shardId-${String(i).padStart(12, "0")}`,
        startingHashKey: (width * BigInt(i)).toString(),
        endingHashKey: (i === count - 1 ? MAX_HASH_KEY : width * BigInt(i + 1) - 1n).toString(),
    }));
}
