/**
 * Kinesis Data Streams limits the codec designs against (AWS documentation,
 * "Quotas and limits" and the PutRecords API reference, checked 2026-11).
 */

/** Largest Kinesis record: data blob plus partition key, before base64 (1 MiB). */
export const MAX_KINESIS_RECORD_BYTES = 1024 * 1024;
/** Most entries in one PutRecords request. */
export const MAX_PUT_RECORDS_ENTRIES = 500;
/** Largest PutRecords request: every entry's data plus partition key (5 MiB). */
export const MAX_PUT_RECORDS_BYTES = 5 * 1024 * 1024;
/** Partition keys are 1..256 Unicode characters. */
export const MAX_PARTITION_KEY_CHARS = 256;
/** Hash keys are unsigned 128-bit integers: 0 .. 2^128 - 1. */
export const MAX_HASH_KEY = (1n << 128n) - 1n;
/** The KPL aggregated-record magic number (aggregation-format.md). */
export const KPL_MAGIC = Uint8Array.of(0xf3, 0x89, 0x9a, 0xc2);
/** Length of the MD5 trailer of an aggregated record. */
export const KPL_CHECKSUM_BYTES = 16;
/** Marker that starts every compressed user-record payload: the gzip header (RFC 1952 ID1, ID2, CM=deflate). */
export const GZIP_MARKER = Uint8Array.of(0x1f, 0x8b, 0x08);
