/**
 * Turns one Kinesis record of a Lambda event into validated events, or says
 * why it is poison. Pure (no I/O): the codec deaggregates/gunzips, each user
 * record is JSON (one event or an array of events), each event is validated
 * with the ONE rule set ingestion uses, its occurredAt window taken around the
 * record's Kinesis arrival time (CONSUMER_OCCURRED_AT_WINDOW), so an event is
 * never rejected only because it is old by the time it is processed or replayed.
 *
 * Hot path (bench/consumer.ts): the codec hands over each event's text
 * (a frame's body is decoded once and split), and a valid event is accepted by the compiled
 * fast path (isValidEvent) without building a result; only an event it
 * rejects goes through validateEvent for the messages.
 */
import { visitRecordTexts } from "../shared/codec";
import { CONSUMER_OCCURRED_AT_WINDOW, FlightEvent, isValidEvent, validateEvent, type ValidateOptions } from "../shared/events";

export interface KinesisRecordLike {
    readonly kinesis: {
        readonly data: string;
        readonly partitionKey: string;
        readonly sequenceNumber: string;
        /** Seconds since the epoch (Lambda's Kinesis event); absent: the time of decoding. */
        readonly approximateArrivalTimestamp?: number;
    };
}

/** Where an event sits in its Kinesis record: user record (KPL sub-sequence) and index in its JSON array. */
export interface EventPosition {
    readonly subSequence: number;
    readonly index: number;
}

export interface Rejection {
    readonly subSequence: number;
    readonly reason: "undecodable" | "invalid-json" | "invalid-event";
    readonly errors: { path: string; message: string }[];
    /** The payload as text (or base64 when it could not be decoded). */
    readonly payload: string;
}

export interface DecodedRecord {
    readonly sequenceNumber: string;
    readonly partitionKey: string;
    /** Valid events, in order. */
    readonly events: FlightEvent[];
    /** Position of each valid event (same order as `events`). */
    readonly positions: EventPosition[];
    /** Problems; any rejection makes the record a batch item failure. */
    readonly rejections: Rejection[];
}

export function decodeKinesisRecord(record: KinesisRecordLike, now: () => number = Date.now): DecodedRecord {
    const { data, partitionKey, sequenceNumber, approximateArrivalTimestamp } = record.kinesis;
    const out: DecodedRecord = { sequenceNumber, partitionKey, events: [], positions: [], rejections: [] };
    const arrival = typeof approximateArrivalTimestamp === "number" && Number.isFinite(approximateArrivalTimestamp) ? approximateArrivalTimestamp * 1000 : now();
    const options = { now: arrival, ...CONSUMER_OCCURRED_AT_WINDOW };
    try {
        visitRecordTexts(Buffer.from(data, "base64"), { partitionKey }, (text, sub, index) => {
            let value: unknown;
            try {
                value = JSON.parse(text);
            } catch (e) {
                out.rejections.push({ subSequence: sub, reason: "invalid-json", errors: [{ path: "", message: `payload is not JSON: ${(e as Error).message}` }], payload: text });
                return;
            }
            if (!Array.isArray(value) && isValidEvent(value, options)) {
                out.events.push(value);
                out.positions.push({ subSequence: sub, index });
                return;
            }
            slowPath(out, sub, index, text, value, options);
        });
    } catch (e) {
        // Nothing of an undecodable record counts: the whole record is poison.
        out.events.length = 0;
        out.positions.length = 0;
        out.rejections.length = 0;
        out.rejections.push({ subSequence: 0, reason: "undecodable", errors: [{ path: "", message: (e as Error).message }], payload: data });
        return out;
    }
    return out;
}

/** An event the fast path did not accept, or a JSON array of events: the full validator, for the messages. */
function slowPath(out: DecodedRecord, sub: number, frameIndex: number, text: string, value: unknown, options: ValidateOptions): void {
    if (!Array.isArray(value)) {
        const r = validateEvent(value, options);
        if (r.ok) {
            out.events.push(r.value);
            out.positions.push({ subSequence: sub, index: frameIndex });
        } else out.rejections.push({ subSequence: sub, reason: "invalid-event", errors: r.errors.map((er) => ({ path: er.path, message: er.message })), payload: text });
        return;
    }
    const errors: { path: string; message: string }[] = [];
    value.forEach((v, i) => {
        const r = validateEvent(v, options);
        if (r.ok) {
            out.events.push(r.value);
            out.positions.push({ subSequence: sub, index: i });
        } else errors.push(...r.errors.map((er) => ({ path: `[${i}]${er.path ? `.${er.path}` : ""}`, message: er.message })));
    });
    if (errors.length > 0) out.rejections.push({ subSequence: sub, reason: "invalid-event", errors, payload: text });
}
