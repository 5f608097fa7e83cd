/**
 * Decoding for consumers: a Kinesis record's data may be a KPL aggregate (magic
 * number first) or a plain record. Each user record's payload is either a
 * compressed frame of events (./frames.ts: what the producer writes), which
 * comes back as one decoded entry PER EVENT, or an old single-event payload
 * (JSON, gunzipped when it carries the gzip marker), which comes back as it
 * was. A rolling deploy mixes both; every reader goes through here.
 */
import { decodeAggregatedRecord, isAggregatedRecord } from "./aggregated-record";
import { decompressPayload } from "./compression";
import { decodeFrame, FrameError, isFrame, type FrameCodec } from "./frames";

export interface DecodedUserRecord {
    readonly partitionKey: string;
    readonly explicitHashKey?: string;
    readonly data: Uint8Array;
    /** Position inside the aggregate (KCL's sub-sequence number); 0 for a plain record. */
    readonly subSequenceNumber: number;
    /** True when the Kinesis record was a KPL aggregate. */
    readonly aggregated: boolean;
    /** Set when the user record was a frame: this entry is its `index`-th event of `events`. */
    readonly frame?: { readonly codec: FrameCodec; readonly dictionaryVersion: number; readonly type: string; readonly index: number; readonly events: number };
}

export interface DecodeOptions {
    /** Verify the aggregate's MD5 trailer. @default true */
    readonly verifyChecksum?: boolean;
    /** Gunzip payloads that start with the gzip marker and expand frames into their events. @default true */
    readonly decompress?: boolean;
}

/** What the Kinesis record itself carries; used for plain (non-aggregated) records. */
export interface KinesisRecordKeys {
    readonly partitionKey?: string;
    readonly explicitHashKey?: string;
}

/**
 * Deaggregates and decompresses one Kinesis record's data. Malformed
 * aggregates throw AggregatedRecordError (bad checksum, truncated, bad protobuf).
 */
export function decodeRecord(data: Uint8Array, keys: KinesisRecordKeys = {}, opts: DecodeOptions = {}): DecodedUserRecord[] {
    if (!(data instanceof Uint8Array)) {
        throw new TypeError(`decodeRecord: data must be a Uint8Array, got ${data === null ? "null" : typeof data}`);
    }
    const decompress = opts.decompress ?? true;
    if (!isAggregatedRecord(data)) {
        const base = { partitionKey: keys.partitionKey ?? "", ...(keys.explicitHashKey !== undefined ? { explicitHashKey: keys.explicitHashKey } : {}), subSequenceNumber: 0, aggregated: false };
        return expand(base, data, decompress, "record payload");
    }
    const out: DecodedUserRecord[] = [];
    decodeAggregatedRecord(data, { verifyChecksum: opts.verifyChecksum }).forEach((r, i) => {
        const base = { partitionKey: r.partitionKey, ...(r.explicitHashKey !== undefined ? { explicitHashKey: r.explicitHashKey } : {}), subSequenceNumber: i, aggregated: true };
        for (const d of expand(base, r.data, decompress, `aggregated record: records[${i}] payload`)) out.push(d);
    });
    return out;
}

type Base = Omit<DecodedUserRecord, "data" | "frame">;

/** One user record's payload: a frame becomes one entry per event; anything else stays one entry. */
function expand(base: Base, payload: Uint8Array, decompress: boolean, what: string): DecodedUserRecord[] {
    if (!decompress) return [{ ...base, data: payload }];
    if (!isFrame(payload)) return [{ ...base, data: decompressPayload(payload, what) }];
    let frame;
    try {
        frame = decodeFrame(payload);
    } catch (e) {
        throw new FrameError(`${what}: ${(e as Error).message}`);
    }
    const events = frame.events.length;
    return frame.events.map((data, index) => ({
        ...base,
        data,
        frame: { codec: frame.codec, dictionaryVersion: frame.dictionaryVersion, type: frame.type, index, events },
    }));
}

/** A record as a Lambda Kinesis event carries it (`event.Records[i].kinesis`). */
export interface KinesisEventRecordPayload {
    readonly data: string;
    readonly partitionKey: string;
    readonly sequenceNumber?: string;
}

/** Decodes a Lambda event's base64 record; each user record keeps the Kinesis sequence number. */
export function decodeKinesisEventRecord(record: KinesisEventRecordPayload, opts: DecodeOptions = {}): (DecodedUserRecord & { readonly sequenceNumber?: string })[] {
    const data = Buffer.from(record.data, "base64");
    return decodeRecord(data, { partitionKey: record.partitionKey }, opts).map((r) => ({ ...r, sequenceNumber: record.sequenceNumber }));
}
