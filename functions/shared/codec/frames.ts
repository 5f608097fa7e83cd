/**
 * Partition-aligned compressed frames: the user-record payload the ingestion
 * producer writes. One frame holds the events of ONE lake partition (event
 * type and UTC event hour; `source` is a column, not a path segment) from one
 * producer flush, as NDJSON (UTF-8 JSON objects joined by "\n"), compressed
 * as a whole with the codec measured best on the bench corpus
 * (docs/performance.md): raw deflate with a preset dictionary per event type.
 *
 * Layout (format version 1):
 *
 *   byte 0..1  magic FE 46 ("\xFE" never starts UTF-8 JSON, and is not the gzip marker 1F 8B)
 *   byte 2     format version (1)
 *   byte 3     codec: 0 none, 1 gzip, 2 raw deflate, 3 brotli
 *   byte 4     dictionary version (0: none; N: DICTIONARIES[N][type])
 *   varint     event count
 *   varint     uncompressed body length (bytes)
 *   varint     type length, then the type (ASCII)
 *   rest       the compressed body
 *
 * Every reader (processor, Firehose transform, replay, local delivery) goes
 * through `decodeRecord` (./decode.ts), which turns a frame back into its
 * events and leaves old single-event payloads (JSON, or gzip-marked JSON)
 * as they were: a rolling deploy mixes both.
 */
import { brotliCompressSync, brotliDecompressSync, constants as zlibConstants, deflateRawSync, gunzipSync, gzipSync, inflateRawSync } from "node:zlib";
import { DICTIONARIES, LATEST_DICTIONARY_VERSION, dictionaryFor } from "./dictionaries";
import { ProtoWriter, varintSize } from "./protobuf";
import { integerRangeText, isIntegerInRange, problemMessage } from "../range";

export const FRAME_MAGIC = Uint8Array.of(0xfe, 0x46);
export const FRAME_FORMAT_VERSION = 1;
/** Largest uncompressed frame body a reader accepts (a guard against decompression bombs). */
export const MAX_FRAME_BODY_BYTES = 8 * 1024 * 1024;
/** Largest output chunk a reader sizes from a frame header (bodies above it decompress in chunks of it). */
const MAX_SIZED_CHUNK_BYTES = 1024 * 1024;

export const FRAME_CODECS = ["none", "gzip", "deflate", "brotli"] as const;
export type FrameCodec = (typeof FRAME_CODECS)[number];

/** Raised for a malformed frame; the message says what was found. */
export class FrameError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "FrameError";
    }
}

export interface FrameOptions {
    /** @default "deflate" (raw deflate with the type's preset dictionary: the measured best, docs/performance.md) */
    readonly codec?: FrameCodec;
    /** Dictionary version for deflate; 0 = no dictionary. @default LATEST_DICTIONARY_VERSION */
    readonly dictionaryVersion?: number;
    /** zlib level 1..9 (brotli quality 1..11). @default 6 */
    readonly level?: number;
}

export interface ResolvedFrameOptions {
    readonly codec: FrameCodec;
    readonly dictionaryVersion: number;
    readonly level: number;
}

export function resolveFrameOptions(opts: FrameOptions = {}): ResolvedFrameOptions {
    const codec = opts.codec ?? "deflate";
    if (!FRAME_CODECS.includes(codec)) {
        throw new RangeError(`\`codec\` must be one of ${FRAME_CODECS.map((c) => `"${c}"`).join(", ")}; received ${JSON.stringify(codec)}`);
    }
    const dictionaryVersion = opts.dictionaryVersion ?? (codec === "deflate" ? LATEST_DICTIONARY_VERSION : 0);
    if (!Number.isInteger(dictionaryVersion) || dictionaryVersion < 0 || (dictionaryVersion > 0 && DICTIONARIES[dictionaryVersion] === undefined)) {
        throw new RangeError(`\`dictionaryVersion\` must be 0 (none) or one of the versions in the repository (${Object.keys(DICTIONARIES).join(", ")}); received ${JSON.stringify(opts.dictionaryVersion)}`);
    }
    if (dictionaryVersion > 0 && codec !== "deflate") {
        throw new RangeError(`\`dictionaryVersion\` ${dictionaryVersion} needs codec "deflate" (only raw deflate takes a preset dictionary in node:zlib); received codec ${JSON.stringify(codec)}`);
    }
    const level = opts.level ?? 6;
    const maxLevel = codec === "brotli" ? 11 : 9;
    if (!isIntegerInRange(level, 1, maxLevel)) throw new RangeError(`${problemMessage("level", integerRangeText(1, maxLevel), opts.level)} for codec "${codec}"`);
    return { codec, dictionaryVersion, level };
}

const NEWLINE = 0x0a;

/** True when `data` starts with the frame magic. */
export function isFrame(data: Uint8Array): boolean {
    return data.length >= 2 && data[0] === FRAME_MAGIC[0] && data[1] === FRAME_MAGIC[1];
}

function compress(body: Buffer, type: string, o: ResolvedFrameOptions): Buffer {
    switch (o.codec) {
        case "none":
            return body;
        case "gzip":
            return gzipSync(body, { level: o.level });
        case "deflate": {
            const dictionary = o.dictionaryVersion > 0 ? dictionaryFor(o.dictionaryVersion, type) : undefined;
            return deflateRawSync(body, dictionary ? { level: o.level, dictionary } : { level: o.level });
        }
        case "brotli":
            return brotliCompressSync(body, { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: o.level, [zlibConstants.BROTLI_PARAM_SIZE_HINT]: body.length } });
    }
}

/**
 * Encodes one frame from the events' JSON texts (each one line, no newline
 * inside: JSON.stringify never emits one). `type` picks the dictionary.
 */
export function encodeFrame(type: string, lines: readonly Uint8Array[], opts: ResolvedFrameOptions): Buffer {
    if (lines.length === 0) throw new RangeError("encodeFrame: a frame needs at least one event");
    if (!/^[a-z][a-z_]{0,31}$/.test(type)) throw new RangeError(`encodeFrame: \`type\` must be a lower-case event type such as "search"; received ${JSON.stringify(type)}`);
    let length = lines.length - 1;
    for (const l of lines) length += l.length;
    const body = Buffer.allocUnsafe(length);
    let pos = 0;
    for (let i = 0; i < lines.length; i++) {
        if (i > 0) body[pos++] = NEWLINE;
        body.set(lines[i], pos);
        pos += lines[i].length;
    }
    // A dictionary only exists for the types it was trained on; others go without.
    const effective = opts.dictionaryVersion > 0 && !dictionaryFor(opts.dictionaryVersion, type) ? { ...opts, dictionaryVersion: 0 } : opts;
    const compressed = compress(body, type, effective);
    const header = new ProtoWriter(16 + type.length);
    header.varint(lines.length).varint(length).varint(type.length);
    const h = header.finish();
    const out = Buffer.allocUnsafe(5 + h.length + type.length + compressed.length);
    out[0] = FRAME_MAGIC[0];
    out[1] = FRAME_MAGIC[1];
    out[2] = FRAME_FORMAT_VERSION;
    out[3] = FRAME_CODECS.indexOf(effective.codec);
    out[4] = effective.dictionaryVersion;
    h.copy(out, 5);
    out.write(type, 5 + h.length, "latin1");
    compressed.copy(out, 5 + h.length + type.length);
    return out;
}

/** Bytes of a frame header for `events` events, `bodyBytes` uncompressed and `type`. */
export function frameHeaderBytes(events: number, bodyBytes: number, type: string): number {
    return 5 + varintSize(events) + varintSize(bodyBytes) + varintSize(type.length) + type.length;
}

export interface DecodedFrame {
    readonly codec: FrameCodec;
    readonly dictionaryVersion: number;
    readonly type: string;
    /** Each event's JSON text (views into one decompressed buffer). */
    readonly events: Uint8Array[];
}

function readVarint(data: Uint8Array, pos: number, what: string): [number, number] {
    let result = 0;
    let mul = 1;
    for (let i = 0; i < 8; i++) {
        if (pos >= data.length) throw new FrameError(`frame: ${what} runs past the end of the ${data.length}-byte frame`);
        const b = data[pos++];
        result += (b & 0x7f) * mul;
        if ((b & 0x80) === 0) return [result, pos];
        mul *= 128;
    }
    throw new FrameError(`frame: ${what} is longer than 8 bytes`);
}

/** The event count a frame's header declares (no decompression); 1 for a payload that is not a frame. */
export function frameEventCount(data: Uint8Array): number {
    if (!isFrame(data) || data.length < 6) return 1;
    return readVarint(data, 5, "event count")[0];
}

/** Decodes a frame into its events' JSON texts; throws FrameError naming what is wrong. */
export function decodeFrame(data: Uint8Array): DecodedFrame {
    const { codec, dictionaryVersion, type, count, body } = decodeFrameBody(data);
    const events: Uint8Array[] = [];
    let start = 0;
    for (;;) {
        // indexOf is native (memchr): no per-byte loop in JS.
        const nl = body.indexOf(NEWLINE, start);
        const end = nl < 0 ? body.length : nl;
        events.push(body.subarray(start, end));
        if (nl < 0) break;
        start = nl + 1;
    }
    if (events.length !== count) throw new FrameError(frameLineCountMessage(events.length, count));
    return { codec, dictionaryVersion, type, events };
}

export function frameLineCountMessage(lines: number, count: number): string {
    return `frame: holds ${lines} lines, the header says ${count} events`;
}

/** A frame's header and its decompressed NDJSON body (the consumers' fast path splits the text itself). */
export interface DecodedFrameBody {
    readonly codec: FrameCodec;
    readonly dictionaryVersion: number;
    readonly type: string;
    /** Event count the header declares. */
    readonly count: number;
    readonly body: Buffer;
}

/** Decodes a frame's header and decompresses its body; throws FrameError naming what is wrong. */
export function decodeFrameBody(data: Uint8Array): DecodedFrameBody {
    if (!isFrame(data)) throw new FrameError(`frame: bad magic: expected fe46, got ${Buffer.from(data.subarray(0, 2)).toString("hex") || "(empty)"}`);
    if (data.length < 5) throw new FrameError(`frame is truncated: ${data.length} bytes, the header alone takes at least 8`);
    if (data[2] !== FRAME_FORMAT_VERSION) {
        throw new FrameError(`frame: format version ${data[2]} is not supported by this reader (it reads version ${FRAME_FORMAT_VERSION}); deploy the newer reader first`);
    }
    const codec = FRAME_CODECS[data[3]];
    if (codec === undefined) throw new FrameError(`frame: codec id ${data[3]} is unknown (known: ${FRAME_CODECS.map((c, i) => `${i} ${c}`).join(", ")})`);
    const dictionaryVersion = data[4];
    let pos = 5;
    let count: number;
    let length: number;
    let typeLength: number;
    [count, pos] = readVarint(data, pos, "event count");
    [length, pos] = readVarint(data, pos, "body length");
    [typeLength, pos] = readVarint(data, pos, "type length");
    if (count < 1) throw new FrameError("frame: event count is 0; a frame holds at least one event");
    if (length > MAX_FRAME_BODY_BYTES) throw new FrameError(`frame: body length ${length} is above the ${MAX_FRAME_BODY_BYTES}-byte limit`);
    if (pos + typeLength > data.length) throw new FrameError(`frame: type (${typeLength} bytes) runs past the end of the ${data.length}-byte frame`);
    const type = Buffer.from(data.buffer, data.byteOffset + pos, typeLength).toString("latin1");
    pos += typeLength;
    const compressed = data.subarray(pos);
    // The header names the body's length: one output chunk of that size (+1, so zlib ends in one pass)
    // instead of 16 KiB chunks concatenated; capped, so a lying header cannot make a reader allocate more.
    const chunkSize = Math.max(64, Math.min(length + 1, MAX_SIZED_CHUNK_BYTES));
    let body: Buffer;
    try {
        switch (codec) {
            case "none":
                body = Buffer.from(compressed.buffer, compressed.byteOffset, compressed.byteLength);
                break;
            case "gzip":
                body = gunzipSync(compressed, { maxOutputLength: MAX_FRAME_BODY_BYTES, chunkSize });
                break;
            case "deflate": {
                let dictionary: Buffer | undefined;
                if (dictionaryVersion > 0) {
                    dictionary = dictionaryFor(dictionaryVersion, type);
                    if (dictionary === undefined) {
                        throw new FrameError(`frame: dictionary version ${dictionaryVersion} for type "${type}" is not in this reader (it has versions ${Object.keys(DICTIONARIES).join(", ")}); deploy the newer reader first`);
                    }
                }
                body = inflateRawSync(compressed, dictionary ? { dictionary, maxOutputLength: MAX_FRAME_BODY_BYTES, chunkSize } : { maxOutputLength: MAX_FRAME_BODY_BYTES, chunkSize });
                break;
            }
            case "brotli":
                body = brotliDecompressSync(compressed, { maxOutputLength: MAX_FRAME_BODY_BYTES });
                break;
        }
    } catch (e) {
        if (e instanceof FrameError) throw e;
        throw new FrameError(`frame (${codec}${dictionaryVersion > 0 ? `, dictionary v${dictionaryVersion}` : ""}, type "${type}") does not decompress: ${(e as Error).message}`);
    }
    if (body.length !== length) throw new FrameError(`frame: body is ${body.length} bytes after decompression, the header says ${length}`);
    return { codec, dictionaryVersion, type, count, body };
}
