/**
 * Greedy, order-preserving count/bytes chunking: the one splitter behind the
 * processor's Data API chunks (functions/processor/chunks.ts `chunkBySize`) and
 * the producer's PutRecords calls (functions/shared/codec/batches.ts
 * `planPutRecordsBatches`). Pure.
 */
import { assertIntegerInRange } from "./range";

export interface CountBytesLimits {
    /** Most items per chunk (an integer >= 1). */
    readonly maxItems: number;
    /** Most bytes per chunk (> 0). */
    readonly maxBytes: number;
}

/**
 * Splits `items` in order into chunks of at most `maxItems` items and
 * `maxBytes` bytes (each item's size from `sizeOf`). A chunk is closed when the
 * next item would break a limit; every item is in exactly one chunk, in order.
 * An item larger than `maxBytes` on its own cannot be carried: `tooBig(index,
 * size)` gives the error thrown (by default one naming the item and the limit).
 */
export function chunkByCountAndBytes<T>(
    items: readonly T[],
    sizeOf: (item: T, index: number) => number,
    limits: CountBytesLimits,
    tooBig: (index: number, size: number) => Error = (i, size) => new RangeError(`item ${i} is ${size} bytes, more than the ${limits.maxBytes}-byte chunk limit`),
): T[][] {
    assertIntegerInRange("maxItems", limits.maxItems, 1, Number.POSITIVE_INFINITY);
    if (!(limits.maxBytes > 0)) throw new RangeError(`\`maxBytes\` must be a number greater than 0 (received ${String(limits.maxBytes)})`);
    const chunks: T[][] = [];
    let current: T[] = [];
    let bytes = 0;
    items.forEach((item, i) => {
        const size = sizeOf(item, i);
        if (size > limits.maxBytes) throw tooBig(i, size);
        if (current.length > 0 && (current.length >= limits.maxItems || bytes + size > limits.maxBytes)) {
            chunks.push(current);
            current = [];
            bytes = 0;
        }
        current.push(item);
        bytes += size;
    });
    if (current.length > 0) chunks.push(current);
    return chunks;
}
