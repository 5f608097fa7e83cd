/**
 * The consumers' hot path over one Kinesis record's data: calls `visit` with
 * each event's JSON text (UTF-8 decoded) and its KPL sub-sequence number,
 * without building a DecodedUserRecord per event (./decode.ts builds those
 * for readers that want the keys and frame details). A frame's body is
 * decoded to text once and split at its newlines (0x0a never occurs inside a
 * UTF-8 sequence, so the lines are the events' texts).
 *
 * It accepts and rejects exactly what `decodeRecord` does: a well-formed KPL
 * aggregate is walked by a lean scanner (magic, MD5 trailer, then the
 * protobuf, two passes: check everything, then visit); anything the scanner
 * does not find well formed is handed to `decodeRecord`, which throws the
 * detailed error (or, for a shape the scanner does not handle, decodes it).
 * No payload is visited for a record that fails.
 */
import { isUtf8 } from "node:buffer";
import { createHash } from "node:crypto";
import { isAggregatedRecord } from "./aggregated-record";
import { decompressPayload, hasGzipMarker } from "./compression";
import { decodeRecord, type KinesisRecordKeys } from "./decode";
import { decodeFrameBody, FRAME_MAGIC, FrameError, frameLineCountMessage, isFrame } from "./frames";
import { GZIP_MARKER, KPL_CHECKSUM_BYTES, KPL_MAGIC } from "./limits";

/** Called per event with its JSON text; `index` is the event's position in its frame (0 for a single-event payload). */
export type PayloadVisitor = (text: string, subSequenceNumber: number, index: number) => void;

/** Visits every event payload of one record's data; throws as decodeRecord throws. */
export function visitRecordTexts(data: Uint8Array, keys: KinesisRecordKeys, visit: PayloadVisitor): void {
    if (!(data instanceof Uint8Array)) {
        decodeRecord(data, keys); // throws the TypeError naming what was received
        return;
    }
    if (!isAggregatedRecord(data)) {
        expand(data, 0, visit, "record payload");
        return;
    }
    const body = scan(data);
    if (body === undefined) {
        // Not well formed (or a shape the scanner leaves to the strict decoder): its error, or its records.
        for (const u of decodeRecord(data, keys)) visit(utf8(u.data), u.subSequenceNumber, u.frame?.index ?? 0);
        return;
    }
    // Second pass: the records' data fields, in order. A plain JSON payload is decoded straight from the
    // aggregate's bytes (no view per event); frames and gzip payloads go through `expand`.
    const text = Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
    let pos = 0;
    let sub = 0;
    while (pos < body.length) {
        const tag = body[pos++];
        const len = varint(body, pos);
        pos = varintEnd;
        if (tag === 0x1a) {
            const end = pos + len;
            let p = pos;
            while (p < end) {
                const t = body[p++];
                if (t === 0x08 || t === 0x10) {
                    varint(body, p);
                    p = varintEnd;
                } else {
                    const l = varint(body, p);
                    p = varintEnd;
                    if (t === 0x1a) {
                        if (isPlainAt(body, p, l)) visit(text.toString("utf8", p, p + l), sub, 0);
                        else expand(body.subarray(p, p + l), sub, visit, "aggregated record payload");
                    }
                    p += l;
                }
            }
            sub++;
        }
        pos += len;
    }
}

function utf8(b: Uint8Array): string {
    return Buffer.isBuffer(b) ? b.toString("utf8") : Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("utf8");
}

/** True when the `len` bytes at `pos` are neither a frame nor a gzip payload (the checks of isFrame and hasGzipMarker, by index). */
function isPlainAt(b: Uint8Array, pos: number, len: number): boolean {
    if (len >= 2 && b[pos] === FRAME_MAGIC[0] && b[pos + 1] === FRAME_MAGIC[1]) return false;
    return !(len >= 3 && b[pos] === GZIP_MARKER[0] && b[pos + 1] === GZIP_MARKER[1] && b[pos + 2] === GZIP_MARKER[2]);
}

function expand(payload: Uint8Array, sub: number, visit: PayloadVisitor, what: string): void {
    if (!isFrame(payload)) {
        visit(utf8(hasGzipMarker(payload) ? decompressPayload(payload, what === "record payload" ? what : `aggregated record: records[${sub}] payload`) : payload), sub, 0);
        return;
    }
    let frame;
    try {
        frame = decodeFrameBody(payload);
    } catch (e) {
        throw new FrameError(`${what === "record payload" ? what : `aggregated record: records[${sub}] payload`}: ${(e as Error).message}`);
    }
    const lines = frame.body.toString("utf8").split("\n");
    if (lines.length !== frame.count) {
        throw new FrameError(`${what === "record payload" ? what : `aggregated record: records[${sub}] payload`}: ${frameLineCountMessage(lines.length, frame.count)}`);
    }
    for (let i = 0; i < lines.length; i++) visit(lines[i], sub, i);
}

let varintEnd = 0;
/** Reads a varint of at most 7 bytes (< 2^49) at `pos`; -1 when longer or past the end. Sets varintEnd. */
function varint(b: Uint8Array, pos: number): number {
    let result = 0;
    let mul = 1;
    for (let i = 0; i < 7; i++) {
        if (pos >= b.length) return -1;
        const byte = b[pos++];
        result += (byte & 0x7f) * mul;
        if ((byte & 0x80) === 0) {
            varintEnd = pos;
            return result;
        }
        mul *= 128;
    }
    return -1;
}

/**
 * First pass: the protobuf body when the aggregate is well formed in the
 * shape the producer writes (fields 1, 2, 3 length-delimited; records with
 * fields 1, 2 varint, 3 and 4 length-delimited; indexes inside the tables;
 * UTF-8 keys; the MD5 trailer matching), otherwise undefined.
 */
function scan(data: Uint8Array): Uint8Array | undefined {
    if (data.length < KPL_MAGIC.length + KPL_CHECKSUM_BYTES) return undefined;
    const body = data.subarray(KPL_MAGIC.length, data.length - KPL_CHECKSUM_BYTES);
    const trailer = data.subarray(data.length - KPL_CHECKSUM_BYTES);
    const digest = createHash("md5").update(body).digest();
    for (let i = 0; i < KPL_CHECKSUM_BYTES; i++) if (digest[i] !== trailer[i]) return undefined;
    let pkCount = 0;
    let ehkCount = 0;
    let maxPk = -1;
    let maxEhk = -1;
    let pos = 0;
    while (pos < body.length) {
        const tag = body[pos++];
        if (tag !== 0x0a && tag !== 0x12 && tag !== 0x1a) return undefined;
        const len = varint(body, pos);
        if (len < 0) return undefined;
        pos = varintEnd;
        const end = pos + len;
        if (end > body.length) return undefined;
        if (tag === 0x0a || tag === 0x12) {
            if (!isUtf8(body.subarray(pos, end))) return undefined;
            if (tag === 0x0a) pkCount++;
            else ehkCount++;
        } else {
            let p = pos;
            let pk = -1;
            let hasData = false;
            while (p < end) {
                const t = body[p++];
                if (t === 0x08 || t === 0x10) {
                    const v = varint(body, p);
                    if (v < 0 || varintEnd > end) return undefined;
                    p = varintEnd;
                    if (t === 0x08) pk = v;
                    else if (v > maxEhk) maxEhk = v;
                } else if (t === 0x1a || t === 0x22) {
                    const l = varint(body, p);
                    if (l < 0 || varintEnd + l > end) return undefined;
                    p = varintEnd + l;
                    if (t === 0x1a) {
                        if (hasData) return undefined; // a repeated data field: the strict decoder decides
                        hasData = true;
                    }
                } else return undefined;
            }
            if (pk < 0 || !hasData) return undefined;
            if (pk > maxPk) maxPk = pk;
        }
        pos = end;
    }
    if (maxPk >= pkCount || maxEhk >= ehkCount) return undefined;
    return body;
}
