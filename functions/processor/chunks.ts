/**
 * Chunking that keeps every Data API call inside its limits (docs/design.md §5):
 * 4 MiB per request, 1 MiB per response, 64 KB per row. The splitting itself is
 * functions/shared/chunking.ts (the producer's PutRecords batches use it too). Pure.
 */
import { chunkByCountAndBytes } from "../shared/chunking";

/** RDS Data API request limit (BatchExecuteStatement): 4 MiB. */
export const DATA_API_MAX_REQUEST_BYTES = 4 * 1024 * 1024;
/** RDS Data API response limit: 1 MiB. */
export const DATA_API_MAX_RESPONSE_BYTES = 1024 * 1024;
/** RDS Data API row limit: 64 KB. */
export const DATA_API_MAX_ROW_BYTES = 64 * 1024;

export interface ChunkLimits {
    /** Most items per chunk (bounds RETURNING rows: 1,000 ids of <= 128 chars stay far below 1 MiB). @default 1000 */
    readonly maxItems: number;
    /** Most serialized bytes per chunk, leaving room for SQL text and envelope. @default 3 MiB */
    readonly maxBytes: number;
}

export const DEFAULT_CHUNK_LIMITS: ChunkLimits = { maxItems: 1000, maxBytes: 3 * 1024 * 1024 };

/**
 * Splits items in order into chunks of at most `maxItems` items and `maxBytes`
 * bytes (size from `sizeOf`). An item larger than `maxBytes` alone is an error
 * naming its position, since no request could carry it.
 */
export function chunkBySize<T>(items: readonly T[], sizeOf: (item: T) => number, limits: Partial<ChunkLimits> = {}): T[][] {
    const maxItems = limits.maxItems ?? DEFAULT_CHUNK_LIMITS.maxItems;
    const maxBytes = limits.maxBytes ?? DEFAULT_CHUNK_LIMITS.maxBytes;
    if (!Number.isInteger(maxItems) || maxItems < 1) throw new Error(`chunkBySize: \`maxItems\` must be an integer >= 1 (received ${maxItems}).`);
    if (!(maxBytes > 0) || maxBytes > DATA_API_MAX_REQUEST_BYTES) {
        throw new Error(`chunkBySize: \`maxBytes\` must be between 1 and ${DATA_API_MAX_REQUEST_BYTES} (received ${maxBytes}).`);
    }
    return chunkByCountAndBytes(items, sizeOf, { maxItems, maxBytes }, (i, size) => new Error(`chunkBySize: item ${i} is ${size} bytes, more than the ${maxBytes}-byte chunk limit.`));
}

/** UTF-8 bytes of an item's JSON (plus a separator). */
export function jsonBytes(item: unknown): number {
    return Buffer.byteLength(JSON.stringify(item), "utf8") + 1;
}

/** Truncates a string to at most `maxBytes` UTF-8 bytes without splitting a character. */
export function truncateUtf8(s: string, maxBytes: number): { text: string; truncated: boolean } {
    const buf = Buffer.from(s, "utf8");
    if (buf.length <= maxBytes) return { text: s, truncated: false };
    let end = maxBytes;
    while (end > 0 && (buf[end] & 0xc0) === 0x80) end--;
    return { text: buf.subarray(0, end).toString("utf8"), truncated: true };
}
