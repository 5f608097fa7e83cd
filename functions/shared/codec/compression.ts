/**
 * Compression of user-record payloads with node:zlib gzip.
 *
 * Choice: gzip (not zstd, which node:zlib has only from Node 22.15 and as
 * experimental, above the >=22.13 baseline; not brotli, which has no header) because its header doubles as the marker: a payload that
 * starts with 1F 8B 08 is gzip, and decode gunzips it. JSON payloads (the
 * platform's event envelopes) can never start with byte 0x1F, so the marker is
 * unambiguous for them. Each user record is compressed on its own, inside the
 * aggregate, so aggregates stay readable by KCL and aws-kinesis-agg (they
 * hand back the gzip bytes; gunzip them or call decodeRecord).
 */
import { gunzipSync, gzipSync } from "node:zlib";
import { GZIP_MARKER } from "./limits";
import { assertIntegerInRange } from "../range";

export type CompressionCodec = "none" | "gzip";

export interface CompressionOptions {
    /** @default "none" (Firehose dynamic partitioning reads user records as JSON) */
    readonly compression?: CompressionCodec;
    /** zlib level 1..9. @default 6 */
    readonly compressionLevel?: number;
    /** Payloads shorter than this stay uncompressed (gzip adds about 20 bytes). @default 128 */
    readonly compressMinBytes?: number;
}

export function hasGzipMarker(data: Uint8Array): boolean {
    return data.length >= 3 && data[0] === GZIP_MARKER[0] && data[1] === GZIP_MARKER[1] && data[2] === GZIP_MARKER[2];
}

export function validateCompressionOptions(opts: CompressionOptions): Required<CompressionOptions> {
    const compression = opts.compression ?? "none";
    if (compression !== "none" && compression !== "gzip") {
        throw new RangeError(`compression must be "none" or "gzip", got ${JSON.stringify(compression)}`);
    }
    const compressionLevel = opts.compressionLevel ?? 6;
    assertIntegerInRange("compressionLevel", compressionLevel, 1, 9);
    const compressMinBytes = opts.compressMinBytes ?? 128;
    if (!Number.isInteger(compressMinBytes) || compressMinBytes < 0) {
        throw new RangeError(`compressMinBytes must be a non-negative integer, got ${compressMinBytes}`);
    }
    return { compression, compressionLevel, compressMinBytes };
}

/**
 * Compresses a payload when it is worth it: long enough and smaller once
 * gzipped. A payload that already starts with the marker is always gzipped so
 * decode gives it back unchanged.
 */
export function compressPayload(data: Uint8Array, opts: Required<CompressionOptions>): Uint8Array {
    if (opts.compression === "none") return data;
    const marked = hasGzipMarker(data);
    if (!marked && data.length < opts.compressMinBytes) return data;
    const gz = gzipSync(data, { level: opts.compressionLevel });
    return marked || gz.length < data.length ? gz : data;
}

/** Gunzips a payload that carries the marker; returns others as they are. */
export function decompressPayload(data: Uint8Array, what = "payload"): Uint8Array {
    if (!hasGzipMarker(data)) return data;
    try {
        return gunzipSync(data);
    } catch (e) {
        throw new Error(`${what} starts with the gzip marker 1f8b08 but does not gunzip: ${(e as Error).message}`, { cause: e });
    }
}
