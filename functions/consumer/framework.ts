/**
 * The micro-batch consumer framework: the handler contract every stream
 * consumer (components/stream/StreamConsumer.ts) runs behind.
 *
 * A consumer is `defineConsumer(handle)`: `handle(events, context)` receives
 * the batch's events DECODED (KPL aggregates, frames and old single-event
 * payloads alike, through functions/shared/codec), VALIDATED (the one rule set
 * ingestion uses, functions/shared/events.ts, with the occurredAt window taken
 * around each record's Kinesis arrival time) and DEDUPLICATED within the
 * batch (exact copies, same identity and same fingerprint, reach the handler
 * once; another content under the same identity is a separate event, the
 * handler sees the conflict). It returns the events it could not process
 * (`{ failed: [...] }`, the objects it was given), or nothing.
 *
 * The framework turns that into the Kinesis partial batch response
 * (ReportBatchItemFailures): every record that carried a failed event (every
 * copy of it) and every poison record (undecodable, not JSON, an invalid
 * event) is a batch item failure; the event source mapping retries from the
 * lowest of them (records after it are delivered again, so handlers must be
 * idempotent per identity) until `maximumRetryAttempts` / record age, then
 * the on-failure queue. A handler that THROWS fails the whole invocation (the
 * mapping bisects and retries): use it for "nothing of this batch could be
 * processed" (the downstream store unreachable), not for one bad event.
 *
 * Pure with respect to I/O: the handler does the I/O; the same code runs in
 * Lambda and on the local platform (local/esm.ts).
 */
import type { Context, KinesisStreamBatchResponse, KinesisStreamEvent } from "aws-lambda";
import type { FlightEvent } from "../shared/events";
import { fingerprint, identityKey } from "../shared/identity";
import { type DecodedRecord, type EventPosition, type KinesisRecordLike, decodeKinesisRecord } from "../processor/decode";

/** One event of the batch as the handler receives it. */
export interface ConsumedEvent<E extends FlightEvent = FlightEvent> {
    readonly event: E;
    /** functions/shared/identity.ts identityKey: (source, eventId). */
    readonly key: string;
    readonly fingerprint: string;
    /** The first record that carried it. */
    readonly sequenceNumber: string;
    readonly partitionKey: string;
    readonly position: EventPosition;
    /** Seconds since the epoch the record reached Kinesis (Lambda's approximateArrivalTimestamp). */
    readonly arrivalSeconds: number;
}

export interface ConsumerContext {
    /** Records in the invocation. */
    readonly records: number;
    /** Exact copies dropped before the handler. */
    readonly duplicates: number;
    /** Poison records (reported as failures whatever the handler does). */
    readonly poison: readonly DecodedRecord[];
    /** The Lambda context (absent in direct calls). */
    readonly lambda?: Context;
    /**
     * Every record of the batch in stream order with ALL the events it carries (exact copies included),
     * each mapped to the distinct event the handler was given. For handlers whose writes are keyed by
     * record (the analytics processor claims record parts: a part must be the same whatever else the
     * batch holds, so it is built from the record's own events, never from the deduplicated list).
     */
    readonly layout: readonly BatchRecord[];
}

/** One record of the batch as decoded, and the handler's event for each event it carries. */
export interface BatchRecord {
    readonly decoded: DecodedRecord;
    /** `events[i]` is the handler's event for `decoded.events[i]` (the same object for every exact copy). */
    readonly events: readonly ConsumedEvent[];
}

/** What a handler returns: the events it could not process, or nothing (all done). */
export type HandlerResult = { readonly failed?: readonly ConsumedEvent[] } | void | undefined;

export type ConsumerHandler<E extends FlightEvent = FlightEvent> = (events: readonly ConsumedEvent<E>[], context: ConsumerContext) => Promise<HandlerResult>;

export interface ConsumerOptions {
    /** Clock for records without an arrival time. @default Date.now */
    readonly now?: () => number;
    /** Called with the poison records of a batch before the response is built (log them, keep them). @default - logged through `log` */
    readonly onPoison?: (records: readonly DecodedRecord[]) => Promise<void>;
    /** Called once per batch with its summary (metrics, logs). @default - nothing */
    readonly onSummary?: (summary: BatchSummary) => void;
    /** @default - structured JSON on stderr */
    readonly log?: (message: string, fields?: Record<string, unknown>) => void;
}

export interface BatchSummary {
    readonly response: KinesisStreamBatchResponse;
    readonly records: number;
    /** Distinct events given to the handler. */
    readonly events: number;
    readonly duplicates: number;
    readonly poisonRecords: number;
    /** Events the handler returned as failed. */
    readonly failedEvents: number;
}

/** The decoded batch before the handler: distinct events, every record carrying each, poison records. */
export interface DecodedBatch {
    readonly events: ConsumedEvent[];
    /** For each event given to the handler: the sequence numbers of every record that carried a copy. */
    readonly carriers: Map<ConsumedEvent, Set<string>>;
    readonly duplicates: number;
    readonly poison: DecodedRecord[];
    /** Every record in stream order (ConsumerContext.layout). */
    readonly layout: BatchRecord[];
}

export function decodeBatch(records: readonly KinesisRecordLike[], now: () => number = Date.now): DecodedBatch {
    const events: ConsumedEvent[] = [];
    const carriers = new Map<ConsumedEvent, Set<string>>();
    const seen = new Map<string, ConsumedEvent>();
    const poison: DecodedRecord[] = [];
    const layout: BatchRecord[] = [];
    let duplicates = 0;
    for (const record of records) {
        const d = decodeKinesisRecord(record, now);
        if (d.rejections.length > 0) poison.push(d);
        const mine: ConsumedEvent[] = [];
        layout.push({ decoded: d, events: mine });
        const arrival = record.kinesis.approximateArrivalTimestamp;
        const arrivalSeconds = typeof arrival === "number" && Number.isFinite(arrival) ? arrival : now() / 1000;
        d.events.forEach((event, i) => {
            const key = identityKey(event);
            const fp = fingerprint(event);
            const dedup = `${key}\u0000${fp}`;
            const known = seen.get(dedup);
            if (known) {
                duplicates++;
                carriers.get(known)!.add(d.sequenceNumber);
                mine.push(known);
                return;
            }
            const c: ConsumedEvent = { event, key, fingerprint: fp, sequenceNumber: d.sequenceNumber, partitionKey: d.partitionKey, position: d.positions[i], arrivalSeconds };
            seen.set(dedup, c);
            events.push(c);
            mine.push(c);
            carriers.set(c, new Set([d.sequenceNumber]));
        });
    }
    return { events, carriers, duplicates, poison, layout };
}

/** Runs one Kinesis batch through a handler and builds the partial batch response. */
export async function consumeBatch<E extends FlightEvent>(event: KinesisStreamEvent, handle: ConsumerHandler<E>, options: ConsumerOptions = {}, lambda?: Context): Promise<BatchSummary> {
    const log = options.log ?? defaultLog;
    const batch = decodeBatch(event.Records, options.now);
    const failedRecords = new Set<string>(batch.poison.map((p) => p.sequenceNumber));
    if (batch.poison.length > 0) {
        if (options.onPoison) await options.onPoison(batch.poison);
        else for (const p of batch.poison) log("poison record", { sequenceNumber: p.sequenceNumber, partitionKey: p.partitionKey, rejections: p.rejections.map((r) => ({ reason: r.reason, errors: r.errors.slice(0, 10) })) });
    }
    let failedEvents = 0;
    if (batch.events.length > 0) {
        const result = await handle(batch.events as ConsumedEvent<E>[], { records: event.Records.length, duplicates: batch.duplicates, poison: batch.poison, layout: batch.layout, ...(lambda ? { lambda } : {}) });
        const failed = result && typeof result === "object" && "failed" in result ? (result.failed ?? []) : [];
        if (!Array.isArray(failed)) throw new TypeError(`consumer handler: \`failed\` must be an array of the events it was given; received ${typeof failed}`);
        const counted = new Set<ConsumedEvent>();
        for (const f of failed) {
            const carriers = batch.carriers.get(f as ConsumedEvent);
            if (!carriers) throw new TypeError(`consumer handler: \`failed\` must hold the event objects it was given; received one that is not in the batch (${JSON.stringify((f as ConsumedEvent)?.key ?? f)})`);
            if (counted.has(f as ConsumedEvent)) continue;
            counted.add(f as ConsumedEvent);
            failedEvents++;
            for (const s of carriers) failedRecords.add(s);
        }
    }
    // Stream order: Lambda retries from the lowest reported sequence number.
    const batchItemFailures = event.Records.filter((r) => failedRecords.has(r.kinesis.sequenceNumber)).map((r) => ({ itemIdentifier: r.kinesis.sequenceNumber }));
    const summary: BatchSummary = { response: { batchItemFailures }, records: event.Records.length, events: batch.events.length, duplicates: batch.duplicates, poisonRecords: batch.poison.length, failedEvents };
    options.onSummary?.(summary);
    return summary;
}

export interface Consumer {
    /** The Lambda handler (Kinesis event source mapping with ReportBatchItemFailures). */
    readonly handler: (event: KinesisStreamEvent, context?: Context) => Promise<KinesisStreamBatchResponse>;
    /** The same, returning the whole summary (tests, the local platform). */
    readonly processBatch: (event: KinesisStreamEvent, context?: Context) => Promise<BatchSummary>;
}

/** Wraps a handler into a Lambda consumer. */
export function defineConsumer<E extends FlightEvent = FlightEvent>(handle: ConsumerHandler<E>, options: ConsumerOptions = {}): Consumer {
    const processBatch = (event: KinesisStreamEvent, context?: Context) => consumeBatch(event, handle, options, context);
    return { processBatch, handler: async (event, context) => (await processBatch(event, context)).response };
}

function defaultLog(message: string, fields?: Record<string, unknown>): void {
    console.error(JSON.stringify({ level: "WARN", component: "consumer", message, ...fields }));
}

/**
 * What a handler module may export besides `handler` so the local platform
 * (local/consumers.ts) builds it with local clients: the same consumer code,
 * other endpoints. Without it, the local platform calls `handler`.
 */
export interface LocalConsumerContext {
    readonly env: Readonly<Record<string, string>>;
    /** A Kinesis client on kinesis-local (`maxAttempts: 1`). */
    readonly kinesis: import("@aws-sdk/client-kinesis").KinesisClient;
    readonly log: (message: string, fields?: Record<string, unknown>) => void;
}

export interface LocalConsumer {
    readonly consumer: Consumer;
    /** Counters shown by the local platform (status, tests). */
    readonly stats?: () => Record<string, number>;
    /** Flushes and releases what the consumer holds. */
    readonly stop?: () => Promise<void>;
}
