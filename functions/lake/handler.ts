/**
 * Firehose processing Lambda for the lake delivery stream: decode with the
 * record codec, one JSON line per event, partition keys for dynamic
 * partitioning. Logic lives in ./processor.ts.
 */
import { FirehoseOutputRecord, FirehoseTransformationEvent, processFirehoseEvent } from "./processor";

export async function handler(event: FirehoseTransformationEvent): Promise<{ records: FirehoseOutputRecord[] }> {
    const { records, errors, events } = processFirehoseEvent(event);
    for (const e of errors.slice(0, 20)) console.error(JSON.stringify({ level: "error", message: "lake record failed", error: e }));
    console.log(JSON.stringify({ level: "info", message: "lake batch processed", records: records.length, events, failed: errors.length }));
    return { records };
}
