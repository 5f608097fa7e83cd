/**
 * The KPL aggregated-record format (amazon-kinesis-producer, aggregation-format.md):
 *
 *   4-byte magic 0xF3 0x89 0x9A 0xC2
 *   protobuf AggregatedRecord {
 *     repeated string partition_key_table = 1;
 *     repeated string explicit_hash_key_table = 2;
 *     repeated Record records = 3;   // Record { required uint64 partition_key_index = 1;
 *   }                                //          optional uint64 explicit_hash_key_index = 2;
 *                                    //          required bytes data = 3; repeated Tag tags = 4; }
 *   16-byte MD5 of the protobuf bytes
 *
 * KCL, the Kinesis Firehose deaggregator and `aws-kinesis-agg` read this format.
 */
import { createHash } from "node:crypto";
import { KPL_CHECKSUM_BYTES, KPL_MAGIC } from "./limits";
import { ProtoDecodeError, ProtoReader, ProtoWriter, WIRE_LENGTH_DELIMITED, WIRE_VARINT } from "./protobuf";

export interface AggregatedUserRecord {
    readonly partitionKey: string;
    /** Decimal 128-bit hash key, when the producer set one for this user record. */
    readonly explicitHashKey?: string;
    readonly data: Uint8Array;
}

/** Why an aggregated record was rejected. */
export type AggregatedRecordErrorReason = "bad-magic" | "bad-checksum" | "truncated" | "bad-protobuf";

/** A malformed aggregated record; `reason` says which check failed, the message says what was found. */
export class AggregatedRecordError extends Error {
    constructor(
        readonly reason: AggregatedRecordErrorReason,
        message: string,
    ) {
        super(message);
        this.name = "AggregatedRecordError";
    }
}

const utf8 = new TextEncoder();
const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

function hex(bytes: Uint8Array): string {
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex");
}

/** True when `data` starts with the KPL magic number. */
export function isAggregatedRecord(data: Uint8Array): boolean {
    return data.length >= KPL_MAGIC.length && data[0] === KPL_MAGIC[0] && data[1] === KPL_MAGIC[1] && data[2] === KPL_MAGIC[2] && data[3] === KPL_MAGIC[3];
}

export interface EncodeAggregatedInput {
    readonly partitionKeyTable: readonly string[];
    readonly explicitHashKeyTable: readonly string[];
    readonly records: readonly {
        readonly partitionKeyIndex: number;
        readonly explicitHashKeyIndex?: number;
        readonly data: Uint8Array;
    }[];
}

/** Serialises an AggregatedRecord with its magic number and MD5 trailer. */
export function encodeAggregatedRecord(input: EncodeAggregatedInput): Buffer {
    const body = new ProtoWriter(1024);
    for (const pk of input.partitionKeyTable) body.bytes(1, utf8.encode(pk));
    for (const ehk of input.explicitHashKeyTable) body.bytes(2, utf8.encode(ehk));
    for (const record of input.records) {
        const inner = new ProtoWriter(record.data.length + 24);
        inner.uint(1, record.partitionKeyIndex);
        if (record.explicitHashKeyIndex !== undefined) inner.uint(2, record.explicitHashKeyIndex);
        inner.bytes(3, record.data);
        body.bytes(3, inner.finish());
    }
    const protobuf = body.finish();
    const checksum = createHash("md5").update(protobuf).digest();
    return Buffer.concat([KPL_MAGIC, protobuf, checksum]);
}

function decodeString(bytes: Uint8Array, what: string): string {
    try {
        return strictUtf8.decode(bytes);
    } catch {
        throw new AggregatedRecordError("bad-protobuf", `aggregated record: ${what} is not valid UTF-8 (bytes ${hex(bytes.subarray(0, 32))})`);
    }
}

function parseBody(body: Uint8Array): AggregatedUserRecord[] {
    const partitionKeyTable: string[] = [];
    const explicitHashKeyTable: string[] = [];
    const raw: { partitionKeyIndex: number; explicitHashKeyIndex?: number; data: Uint8Array }[] = [];
    const reader = new ProtoReader(body, KPL_MAGIC.length, "aggregated record protobuf");
    while (!reader.done) {
        const field = reader.next();
        if (field.fieldNumber >= 1 && field.fieldNumber <= 3 && field.wireType !== WIRE_LENGTH_DELIMITED) {
            throw new ProtoDecodeError(`aggregated record protobuf: field ${field.fieldNumber} at offset ${KPL_MAGIC.length + field.offset} has wire type ${field.wireType}, expected 2 (length-delimited)`, false);
        }
        if (field.fieldNumber === 1) {
            partitionKeyTable.push(decodeString(field.bytes!, `partition_key_table[${partitionKeyTable.length}]`));
        } else if (field.fieldNumber === 2) {
            explicitHashKeyTable.push(decodeString(field.bytes!, `explicit_hash_key_table[${explicitHashKeyTable.length}]`));
        } else if (field.fieldNumber === 3) {
            const index = raw.length;
            const base = KPL_MAGIC.length + field.offset;
            const inner = new ProtoReader(field.bytes!, base, `aggregated record protobuf: records[${index}]`);
            let partitionKeyIndex: number | undefined;
            let explicitHashKeyIndex: number | undefined;
            let data: Uint8Array | undefined;
            while (!inner.done) {
                const f = inner.next();
                if (f.fieldNumber === 1 || f.fieldNumber === 2) {
                    if (f.wireType !== WIRE_VARINT) {
                        throw new ProtoDecodeError(`aggregated record protobuf: records[${index}] field ${f.fieldNumber} has wire type ${f.wireType}, expected 0 (varint)`, false);
                    }
                    if (f.fieldNumber === 1) partitionKeyIndex = f.varint;
                    else explicitHashKeyIndex = f.varint;
                } else if (f.fieldNumber === 3) {
                    if (f.wireType !== WIRE_LENGTH_DELIMITED) {
                        throw new ProtoDecodeError(`aggregated record protobuf: records[${index}] field 3 has wire type ${f.wireType}, expected 2 (length-delimited)`, false);
                    }
                    data = f.bytes;
                }
                // field 4 (tags) and unknown fields are skipped, as protobuf readers do.
            }
            if (partitionKeyIndex === undefined) {
                throw new AggregatedRecordError("bad-protobuf", `aggregated record: records[${index}] has no partition_key_index (required field 1)`);
            }
            if (data === undefined) {
                throw new AggregatedRecordError("bad-protobuf", `aggregated record: records[${index}] has no data (required field 3)`);
            }
            raw.push({ partitionKeyIndex, explicitHashKeyIndex, data });
        }
        // other top-level fields are unknown and skipped
    }
    return raw.map((r, i) => {
        if (r.partitionKeyIndex >= partitionKeyTable.length) {
            throw new AggregatedRecordError("bad-protobuf", `aggregated record: records[${i}].partition_key_index is ${r.partitionKeyIndex} but partition_key_table has ${partitionKeyTable.length} entries`);
        }
        if (r.explicitHashKeyIndex !== undefined && r.explicitHashKeyIndex >= explicitHashKeyTable.length) {
            throw new AggregatedRecordError("bad-protobuf", `aggregated record: records[${i}].explicit_hash_key_index is ${r.explicitHashKeyIndex} but explicit_hash_key_table has ${explicitHashKeyTable.length} entries`);
        }
        const out: AggregatedUserRecord = {
            partitionKey: partitionKeyTable[r.partitionKeyIndex],
            data: r.data,
            ...(r.explicitHashKeyIndex !== undefined ? { explicitHashKey: explicitHashKeyTable[r.explicitHashKeyIndex] } : {}),
        };
        return out;
    });
}

export interface DecodeAggregatedOptions {
    /** Verify the MD5 trailer. @default true */
    readonly verifyChecksum?: boolean;
}

/**
 * Decodes one aggregated record (strict: the magic number is required).
 * Throws AggregatedRecordError naming the failed check: bad magic, truncated,
 * bad checksum or bad protobuf. User-record `data` views share memory with `data`.
 */
export function decodeAggregatedRecord(data: Uint8Array, opts: DecodeAggregatedOptions = {}): AggregatedUserRecord[] {
    const minimum = KPL_MAGIC.length + KPL_CHECKSUM_BYTES;
    if (data.length < KPL_MAGIC.length || !isAggregatedRecord(data)) {
        throw new AggregatedRecordError("bad-magic", `aggregated record: bad magic number: expected f3899ac2, got ${data.length === 0 ? "(empty)" : hex(data.subarray(0, 4))}`);
    }
    if (data.length < minimum) {
        throw new AggregatedRecordError("truncated", `aggregated record is truncated: ${data.length} bytes, at least ${minimum} needed (4-byte magic number, protobuf message, 16-byte MD5 checksum)`);
    }
    const body = data.subarray(KPL_MAGIC.length, data.length - KPL_CHECKSUM_BYTES);
    const trailer = data.subarray(data.length - KPL_CHECKSUM_BYTES);
    if (opts.verifyChecksum ?? true) {
        const computed = createHash("md5").update(body).digest();
        if (!computed.equals(trailer)) {
            // A record cut short loses its real trailer: the last 16 bytes are then part of
            // the protobuf and the rest of the message ends mid-field. Say so when that is what we see.
            let cause = "";
            try {
                parseBody(body);
            } catch (e) {
                if (e instanceof ProtoDecodeError && e.truncated) cause = e.message;
            }
            if (cause !== "") {
                throw new AggregatedRecordError("truncated", `aggregated record is truncated (${data.length} bytes): MD5 trailer ${hex(trailer)} does not match and ${cause}`);
            }
            throw new AggregatedRecordError("bad-checksum", `aggregated record checksum mismatch: MD5 trailer is ${hex(trailer)} but the ${body.length}-byte protobuf message hashes to ${computed.toString("hex")}`);
        }
    }
    try {
        return parseBody(body);
    } catch (e) {
        if (e instanceof ProtoDecodeError) {
            throw new AggregatedRecordError(e.truncated ? "truncated" : "bad-protobuf", e.message);
        }
        throw e;
    }
}
