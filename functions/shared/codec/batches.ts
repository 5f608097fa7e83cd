/**
 * Splits Kinesis records into PutRecords requests: at most 500 entries and at
 * most 5 MiB (every entry's Data plus PartitionKey) per request, order kept.
 */
import type { AggregatedEntry, PutRecordsEntry } from "./aggregator";
import { MAX_KINESIS_RECORD_BYTES, MAX_PUT_RECORDS_BYTES, MAX_PUT_RECORDS_ENTRIES } from "./limits";
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
  const batches: T[][] = [];
  let current: T[] = [];
  let currentBytes = 0;
  entries.forEach((item, i) => {
    const entry: PutRecordsEntry = "entry" in item ? item.entry : item;
    const size = putRecordsEntrySize(entry);
    if (size > MAX_KINESIS_RECORD_BYTES) {
      throw new RangeError(`entries[${i}] is ${size} bytes (Data + PartitionKey), more than the ${MAX_KINESIS_RECORD_BYTES}-byte Kinesis record limit`);
    }
    if (current.length > 0 && (current.length >= maxEntries || currentBytes + size > maxBytes)) {
      batches.push(current);
      current = [];
      currentBytes = 0;
    }
    current.push(item);
    currentBytes += size;
  });
  if (current.length > 0) batches.push(current);
  return batches;
}
