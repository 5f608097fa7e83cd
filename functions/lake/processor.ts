/**
 * Firehose data-transformation logic (pure): a Firehose record from the
 * Kinesis source is one Kinesis user record (Firehose de-aggregates KPL
 * aggregates itself) written by the ingestion service with the record codec
 * (functions/shared/codec): a compressed frame of the events of one lake
 * partition (type, event hour), or, from an older producer, one event's JSON
 * (possibly gzip-marked). Dynamic partitioning needs JSON, so this processor
 * decodes with the codec, validates every event against the envelope
 * (functions/shared/events.ts) and returns ONE output record per input record:
 * the events as JSON lines with the one set of partition keys
 * (type, dt, hour) of functions/lake/partitioning.ts.
 *
 * If a record decodes to events with different keys (a frame from a broken
 * producer, or an aggregate Firehose did not de-aggregate), it is marked
 * ProcessingFailed and lands under errors/processing-failed/ instead of being
 * mis-partitioned.
 *
 * Output is about 11x the input with frames (docs/lake-layout.md): the
 * delivery stream's processor buffer (components/lake/LakeDelivery.ts) is
 * sized so a response stays under Lambda's 6 MB.
 */
import { decodeRecord } from "../shared/codec";

/** Lambda's synchronous response limit (bytes). */
export const LAMBDA_RESPONSE_LIMIT_BYTES = 6 * 1024 * 1024;
/**
 * Firehose's processor buffer (`BufferSizeInMBs`, 0.2..3): the input of one
 * transform invocation. Frames expand about 11x (docs/performance.md) and the
 * response carries base64 (4/3), so 0.2 MB in is about 2.9 MB out, room for
 * frames up to 22x under the 6 MB limit.
 */
export const TRANSFORM_BUFFER_MB = 0.2;

/** Largest response (bytes) for an input buffer of `bufferMb` expanding `ratio` times. */
export function transformResponseBytes(bufferMb: number, ratio: number): number {
    return Math.ceil(bufferMb * 1e6 * ratio * (4 / 3));
}
import { validateEvent } from "../shared/events";
import { PartitionKeys, partitionKeysOf, partitionPrefix, toJsonLine } from "./partitioning";

export interface FirehoseInputRecord {
    readonly recordId: string;
    /** base64 */
    readonly data: string;
    readonly approximateArrivalTimestamp?: number;
    readonly kinesisRecordMetadata?: { readonly partitionKey?: string; readonly sequenceNumber?: string; readonly shardId?: string };
}

export interface FirehoseTransformationEvent {
    readonly invocationId?: string;
    readonly deliveryStreamArn?: string;
    readonly sourceKinesisStreamArn?: string;
    readonly region?: string;
    readonly records: readonly FirehoseInputRecord[];
}

export type FirehoseResult = "Ok" | "Dropped" | "ProcessingFailed";

export interface FirehoseOutputRecord {
    readonly recordId: string;
    readonly result: FirehoseResult;
    /** base64 */
    readonly data: string;
    readonly metadata?: { readonly partitionKeys: PartitionKeys };
}

export interface ProcessedRecord {
    readonly output: FirehoseOutputRecord;
    /** Why a record failed (logged by the handler; Firehose keeps the original data under errors/). */
    readonly error?: string;
    readonly events: number;
}

/** Decodes, validates and partitions one Firehose record. */
export function processRecord(record: FirehoseInputRecord): ProcessedRecord {
    const failed = (error: string): ProcessedRecord => ({
        output: { recordId: record.recordId, result: "ProcessingFailed", data: record.data },
        error: `record ${record.recordId}: ${error}`,
        events: 0,
    });
    let lines = "";
    let keys: PartitionKeys | undefined;
    let count = 0;
    try {
        const users = decodeRecord(Buffer.from(record.data, "base64"), { partitionKey: record.kinesisRecordMetadata?.partitionKey });
        for (const [i, u] of users.entries()) {
            const where = users.length > 1 ? `user record ${i}: ` : "";
            let parsed: unknown;
            try {
                parsed = JSON.parse(Buffer.from(u.data).toString("utf8"));
            } catch (e) {
                return failed(`${where}payload is not JSON (${(e as Error).message})`);
            }
            const v = validateEvent(parsed);
            if (!v.ok) return failed(`${where}invalid event: ${v.errors.map((x) => x.message).join("; ")}`);
            const k = partitionKeysOf(v.value);
            if (keys && partitionPrefix(keys) !== partitionPrefix(k)) {
                return failed(`${where}events of one record fall into different partitions (${partitionPrefix(keys)} and ${partitionPrefix(k)})`);
            }
            keys = k;
            lines += toJsonLine(v.value);
            count++;
        }
    } catch (e) {
        return failed((e as Error).message);
    }
    if (!keys) return { output: { recordId: record.recordId, result: "Dropped", data: "" }, events: 0 };
    return {
        output: { recordId: record.recordId, result: "Ok", data: Buffer.from(lines, "utf8").toString("base64"), metadata: { partitionKeys: keys } },
        events: count,
    };
}

/** Processes a whole Firehose invocation, keeping record order and ids. */
export function processFirehoseEvent(event: FirehoseTransformationEvent): { records: FirehoseOutputRecord[]; errors: string[]; events: number } {
    if (!event || !Array.isArray(event.records)) {
        throw new TypeError(`Firehose event must have a \`records\` array; received ${event === null ? "null" : typeof event}`);
    }
    const processed = event.records.map(processRecord);
    return {
        records: processed.map((p) => p.output),
        errors: processed.flatMap((p) => (p.error ? [p.error] : [])),
        events: processed.reduce((n, p) => n + p.events, 0),
    };
}
