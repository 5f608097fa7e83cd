/**
 * Decoding for consumers: a Kinesis record's data may be a KPL aggregate (magic
 * number first) or a plain record; either way the user records come back with
 * their payloads gunzipped when they carry the gzip marker.
 */
import { decodeAggregatedRecord, isAggregatedRecord } from "./aggregated-record";
import { decompressPayload } from "./compression";

export interface DecodedUserRecord {
  readonly partitionKey: string;
  readonly explicitHashKey?: string;
  readonly data: Uint8Array;
  /** Position inside the aggregate (KCL's sub-sequence number); 0 for a plain record. */
  readonly subSequenceNumber: number;
  /** True when the Kinesis record was a KPL aggregate. */
  readonly aggregated: boolean;
}

export interface DecodeOptions {
  /** Verify the aggregate's MD5 trailer. @default true */
  readonly verifyChecksum?: boolean;
  /** Gunzip payloads that start with the gzip marker. @default true */
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
    return [
      {
        partitionKey: keys.partitionKey ?? "",
        ...(keys.explicitHashKey !== undefined ? { explicitHashKey: keys.explicitHashKey } : {}),
        data: decompress ? decompressPayload(data, "record payload") : data,
        subSequenceNumber: 0,
        aggregated: false,
      },
    ];
  }
  return decodeAggregatedRecord(data, { verifyChecksum: opts.verifyChecksum }).map((r, i) => ({
    ...r,
    data: decompress ? decompressPayload(r.data, `aggregated record: records[${i}] payload`) : r.data,
    subSequenceNumber: i,
    aggregated: true,
  }));
}

/** A record as a Lambda Kinesis event carries it (`event.Records[i].kinesis`). */
export interface KinesisEventRecordPayload {
  readonly data: string;
  readonly partitionKey: string;
  readonly sequenceNumber?: string;
}

/** Decodes a Lambda event's base64 record; each user record keeps the Kinesis sequence number. */
export function decodeKinesisEventRecord(
  record: KinesisEventRecordPayload,
  opts: DecodeOptions = {},
): (DecodedUserRecord & { readonly sequenceNumber?: string })[] {
  const data = Buffer.from(record.data, "base64");
  return decodeRecord(data, { partitionKey: record.partitionKey }, opts).map((r) => ({ ...r, sequenceNumber: record.sequenceNumber }));
}
