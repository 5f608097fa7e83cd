/**
 * Splits Kinesis records into PutRecords requests: at most 500 entries and at
 * most 5 MiB (every entry's Data plus PartitionKey) per request, order kept.
 */
import type { AggregatedEntry, PutRecordsEntry } from "./aggregator";
import { MAX_KINESIS_RECORD_BYTES, MAX_PUT_RECORDS_BYTES, MAX_PUT_RECORDS_ENTRIES } from "./limits";
import { chunkByCountAndBytes } from "../chunking";
import { assertIntegerInRange } from "../range";

/** Data + PartitionKey bytes of one entry. */
export function putRecordsEntrySize(entry: PutRecordsEntry): number {
    return entry.Data.length + Buffer.byteLength(entry.PartitionKey, "utf8");
}

export interface BatchLimits {
    /** @default 500 */
    readonly maxEntries?: number;
    /** @default 5242880 (5 MiB) */
    readonly maxBytes?: number;
}

/**
 * Greedy, order-preserving split into PutRecords batches. Accepts plain
 * PutRecords entries or AggregatedEntry values (so the user-record indexes
 * travel with each entry). Throws on an entry above the 1 MiB record limit.
 */
export function planPutRecordsBatches<T extends PutRecordsEntry | AggregatedEntry>(entries: readonly T[], limits: BatchLimits = {}): T[][] {
    const maxEntries = limits.maxEntries ?? MAX_PUT_RECORDS_ENTRIES;
    const maxBytes = limits.maxBytes ?? MAX_PUT_RECORDS_BYTES;
    assertIntegerInRange("maxEntries", maxEntries, 1, MAX_PUT_RECORDS_ENTRIES);
    assertIntegerInRange("maxBytes", maxBytes, MAX_KINESIS_RECORD_BYTES, MAX_PUT_RECORDS_BYTES);
    const tooBig = (i: number, size: number) => new RangeError(`entries[${i}] is ${size} bytes (Data + PartitionKey), more than the ${MAX_KINESIS_RECORD_BYTES}-byte Kinesis record limit`);
    // The record limit (1 MiB) is below a call's byte limit: checked per entry, before packing.
    const sizeOf = (item: T, i: number) => {
        const size = putRecordsEntrySize("entry" in item ? item.entry : item);
        if (size > MAX_KINESIS_RECORD_BYTES) throw tooBig(i, size);
        return size;
    };
    return chunkByCountAndBytes(entries, sizeOf, { maxItems: maxEntries, maxBytes }, tooBig);
}
