/**
 * Consumer throughput over the Kinesis records the producer writes (KPL
 * aggregates of the corpus, as functions/ingest/producer.ts builds them):
 *
 * - baseline: a loop that only JSON-parses the same event bytes;
 * - in-memory: the stream processor's pure modules, decode (base64, KPL
 *   deaggregation, gunzip when marked, JSON) → validate → aggregate
 *   (route-minute counts and offer price sums);
 * - Data API writer: the processor's Lambda handler path (`processBatch`:
 *   decode, validate, idempotency gate, upserts, alerts) against the local
 *   Data API over PGlite (local/dataapi) with the migrations applied.
 */
import { ShardMap, ShardSpreader, aggregate, aggregateSpread, encodeFrame, evenShardRanges, resolveFrameOptions, type AggregatedEntry } from "../functions/shared/codec";
import { eventTimeParts } from "../functions/lake/partitioning";
import type { FlightEvent } from "../functions/shared/events";
import { DEFAULT_START, type Corpus } from "./corpus";
import { runChildForMessage } from "./child";
import { lambdaNodeHeapFlags, PROCESSOR_MEMORY_MIB } from "../functions/processor/runtime";
import { isLoaded, optionalModule } from "./optional";
import { isMeasured, median, notMeasured, perSecond, ratio, type Figure } from "./stats";

/** A Lambda Kinesis event record (the fields the processor reads, plus the envelope). */
export interface LambdaKinesisRecord {
    kinesis: { kinesisSchemaVersion: string; partitionKey: string; sequenceNumber: string; data: string; approximateArrivalTimestamp: number };
    eventSource: string;
    eventVersion: string;
    eventID: string;
    eventName: string;
    invokeIdentityArn: string;
    awsRegion: string;
    eventSourceARN: string;
}

/** Minimal views of the modules used (they may land after this harness). */
interface DecodeModule {
    decodeKinesisRecord(record: { kinesis: { data: string; partitionKey: string; sequenceNumber: string } }): { events: FlightEvent[]; rejections: unknown[] };
}
interface AggregateModule {
    aggregateRouteMinutes(events: readonly FlightEvent[]): unknown[];
    aggregateOfferPrices(events: readonly FlightEvent[]): unknown[];
    dedupeByEventId<T extends { eventId: string }>(events: readonly T[]): T[];
}
interface HandlerModule {
    createProcessor(deps: { db: unknown; cleanupIntervalMinutes?: number }): {
        processBatch(event: { Records: LambdaKinesisRecord[] }): Promise<{ response: { batchItemFailures: unknown[] }; stats: { counted: number; events: number } }>;
    };
}
interface DataApiModule {
    DataApi: new (target: { client: unknown; resourceArn: string; secretArn: string; database: string }) => unknown;
}
interface MigrationsModule {
    runMigrations(db: unknown): Promise<unknown>;
}

/**
 * Kinesis arrival time of the bench records: one minute after the corpus's
 * start (bench/corpus.ts DEFAULT_START), so every event lies in the
 * consumer's occurredAt window (CONSUMER_OCCURRED_AT_WINDOW: at most 1 hour
 * after arrival) as in production, where arrival follows the event.
 */
export const DEFAULT_ARRIVAL_SECONDS = Date.parse(DEFAULT_START) / 1000 + 60;

/** The producer's Kinesis records for the corpus, as a Lambda event would carry them. */
export function producerRecords(payloads: readonly Buffer[], partitionKeys: readonly string[], shards = 4, maxRecordBytes = 65536, arrivalSeconds = DEFAULT_ARRIVAL_SECONDS): LambdaKinesisRecord[] {
    const { entries } = aggregate(
        payloads.map((data, i) => ({ partitionKey: partitionKeys[i], data })),
        evenShardRanges(shards),
        { maxRecordBytes },
    );
    return toLambdaRecords(entries, arrivalSeconds);
}

/**
 * What the producer writes today (functions/ingest/producer.ts): each flush of
 * `flushEvents` events grouped by (type, UTC event hour) into frames of at
 * most `maxFrameEvents` (the default codec: raw deflate with the type's
 * dictionary), the frames spread over `shards` shards in aggregates of at
 * most `maxRecordBytes`.
 */
export function framedRecords(
    events: readonly FlightEvent[],
    payloads: readonly Buffer[],
    opts: { flushEvents?: number; maxFrameEvents?: number; shards?: number; maxRecordBytes?: number; arrivalSeconds?: number } = {},
): LambdaKinesisRecord[] {
    const flush = opts.flushEvents ?? 309;
    const maxFrame = opts.maxFrameEvents ?? 500;
    const frameOptions = resolveFrameOptions();
    let seed = 1;
    const random = () => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
    const spreader = new ShardSpreader(new ShardMap(evenShardRanges(opts.shards ?? 48)), random);
    const entries: AggregatedEntry[] = [];
    for (let start = 0; start < events.length; start += flush) {
        const groups = new Map<string, number[]>();
        for (let i = start; i < Math.min(start + flush, events.length); i++) {
            const { dt, hour } = eventTimeParts(events[i].occurredAt);
            const key = `${events[i].type}|${dt}T${hour}`;
            let g = groups.get(key);
            if (!g) groups.set(key, (g = []));
            g.push(i);
        }
        const frames: { partitionKey: string; data: Uint8Array }[] = [];
        for (const g of groups.values()) {
            for (let k = 0; k < g.length; k += maxFrame) {
                const members = g.slice(k, k + maxFrame);
                frames.push({
                    partitionKey: events[members[0]].eventId,
                    data: encodeFrame(
                        events[members[0]].type,
                        members.map((m) => payloads[m]),
                        frameOptions,
                    ),
                });
            }
        }
        for (const e of aggregateSpread(frames, spreader, { maxRecordBytes: opts.maxRecordBytes ?? 1_048_576 })) entries.push(e);
    }
    return toLambdaRecords(entries, opts.arrivalSeconds ?? DEFAULT_ARRIVAL_SECONDS);
}

function toLambdaRecords(entries: readonly AggregatedEntry[], arrivalSeconds: number): LambdaKinesisRecord[] {
    return entries.map((e, i) => {
        const sequenceNumber = `4961${String(i + 1).padStart(52, "0")}`;
        return {
            kinesis: {
                kinesisSchemaVersion: "1.0",
                partitionKey: e.entry.PartitionKey,
                sequenceNumber,
                data: Buffer.from(e.entry.Data).toString("base64"),
                approximateArrivalTimestamp: arrivalSeconds,
            },
            eventSource: "aws:kinesis",
            eventVersion: "1.0",
            eventID: `${e.shardId}:${sequenceNumber}`,
            eventName: "aws:kinesis:record",
            invokeIdentityArn: "arn:aws:iam::000000000000:role/bench-processor",
            awsRegion: "us-east-1",
            eventSourceARN: "arn:aws:kinesis:us-east-1:000000000000:stream/bench",
        };
    });
}

/** Repeats `fn` (which handles `events` events per call) for at least `minMs`; events/s. */
function timeLoop(fn: () => void, events: number, minMs: number): number {
    fn(); // warm-up
    let calls = 0;
    const started = performance.now();
    let elapsed: number;
    do {
        fn();
        calls++;
        elapsed = performance.now() - started;
    } while (elapsed < minMs);
    return perSecond(calls * events, elapsed);
}

export interface ConsumerResult {
    readonly events: number;
    readonly kinesisRecords: number;
    /** The V8 heap flags of the process the in-memory loops ran in (Lambda's, for the processor's memory). */
    readonly heapFlags: readonly string[];
    readonly jsonParseEventsPerSecond: Figure;
    readonly inMemoryEventsPerSecond: Figure;
    readonly inMemoryRatio: Figure;
    /** The same loop over the records as the producer writes them now: partition frames (deflate + dictionary), spread aggregates. */
    readonly framedKinesisRecords: number;
    readonly framedEventsPerSecond: Figure;
    readonly framedRatio: Figure;
    readonly writerEvents: number;
    readonly writerEventsPerSecond: Figure;
    readonly writerRatio: Figure;
    readonly writerDetail?: { counted: number; batches: number; failures: number; seconds: number };
}

export interface ConsumerOptions {
    readonly corpus: Corpus;
    /** Events the in-memory loops go through per call. */
    readonly memoryEvents: number;
    readonly minMs: number;
    /** Events written through the Data API. */
    readonly writerEvents: number;
    /** Kinesis records per processor invocation (the event source mapping's batch size). */
    readonly batchRecords: number;
}

/** The in-memory loops' rates (events/s): JSON.parse alone, and decode → validate → aggregate over both record shapes (medians of the rounds). */
export interface InMemoryRates {
    readonly events: number;
    readonly kinesisRecords: number;
    readonly framedKinesisRecords: number;
    readonly jsonParse: number;
    /** A Figure: not measured when the processor's modules are missing. */
    readonly inMemory: Figure;
    readonly framed: Figure;
}

/** Runs the in-memory loops in this process (bench/consumer-child.ts calls it in a process with Lambda's heap). */
export function measureInMemory(corpus: Corpus, memoryEvents: number, minMs: number): InMemoryRates {
    const n = Math.min(memoryEvents, corpus.events.length);
    const payloads = corpus.payloads.slice(0, n);
    const keys = corpus.events.slice(0, n).map((e) => e.eventId);
    const records = producerRecords(payloads, keys);
    const framed = framedRecords(corpus.events.slice(0, n), payloads);

    const jsonLoop = () => {
        for (const p of payloads) JSON.parse(p.toString("utf8"));
    };
    const decode = optionalModule<DecodeModule>("functions/processor/decode");
    const agg = optionalModule<AggregateModule>("functions/processor/aggregate");
    let memoryLoop: (() => void) | undefined;
    let framedLoop: (() => void) | undefined;
    let inMemoryMissing: Figure | undefined;
    if (!isLoaded(decode)) inMemoryMissing = decode;
    else if (!isLoaded(agg)) inMemoryMissing = agg;
    else {
        const loopOver = (recs: readonly LambdaKinesisRecord[]) => () => {
            const events: FlightEvent[] = [];
            for (const r of recs) {
                const d = decode.decodeKinesisRecord(r);
                if (d.rejections.length > 0) throw new Error(`consumer bench: record ${r.kinesis.sequenceNumber} was rejected: ${JSON.stringify(d.rejections[0])}`);
                for (const e of d.events) events.push(e);
            }
            const unique = agg.dedupeByEventId(events);
            if (unique.length !== n) throw new Error(`consumer bench: decoded ${unique.length} distinct events from ${n}`);
            agg.aggregateRouteMinutes(unique);
            agg.aggregateOfferPrices(unique);
        };
        memoryLoop = loopOver(records);
        framedLoop = loopOver(framed);
    }
    // Alternate the loops in rounds so both see the same machine conditions; report medians.
    const rounds = 3;
    const jsonRates: number[] = [];
    const memoryRates: number[] = [];
    const framedRates: number[] = [];
    for (let i = 0; i < rounds; i++) {
        jsonRates.push(timeLoop(jsonLoop, n, minMs / rounds));
        if (memoryLoop) memoryRates.push(timeLoop(memoryLoop, n, minMs / rounds));
        if (framedLoop) framedRates.push(timeLoop(framedLoop, n, minMs / rounds));
    }
    return {
        events: n,
        kinesisRecords: records.length,
        framedKinesisRecords: framed.length,
        jsonParse: median(jsonRates),
        inMemory: memoryLoop ? median(memoryRates) : inMemoryMissing!,
        framed: framedLoop ? median(framedRates) : inMemoryMissing!,
    };
}

/**
 * The in-memory loops in a child process started with the heap the AWS Lambda Node.js runtime gives the stream
 * processor (functions/processor/runtime.ts lambdaNodeHeapFlags at PROCESSOR_MEMORY_MIB): the loops keep a whole
 * batch's events alive, so the young generation's size decides how much of them the collector copies.
 */
export async function measureInMemoryAsLambda(corpusEvents: number, memoryEvents: number, minMs: number): Promise<InMemoryRates & { heapFlags: string[] }> {
    const heapFlags = lambdaNodeHeapFlags(PROCESSOR_MEMORY_MIB);
    type Msg = { rates?: InMemoryRates; error?: string };
    const msg = await runChildForMessage<Msg>("bench/consumer-child.ts", [String(corpusEvents), String(memoryEvents), String(minMs)], "the consumer loops process", { nodeFlags: heapFlags });
    if (msg.error !== undefined || msg.rates === undefined) throw new Error(`the consumer loops failed: ${msg.error ?? "no result"}`);
    return { ...msg.rates, heapFlags };
}

export async function benchConsumer(opts: ConsumerOptions, log: (line: string) => void): Promise<ConsumerResult> {
    const rates = await measureInMemoryAsLambda(opts.corpus.events.length, opts.memoryEvents, opts.minMs);
    log(
        `consumer: ${rates.events} events in ${rates.kinesisRecords} aggregated Kinesis records of single-event payloads, ${rates.framedKinesisRecords} of frames (loops in a process started with ${rates.heapFlags.join(" ")}, Lambda's heap at ${PROCESSOR_MEMORY_MIB} MiB)`,
    );

    const writer = await benchWriter(opts, log);
    return {
        events: rates.events,
        kinesisRecords: rates.kinesisRecords,
        heapFlags: rates.heapFlags,
        jsonParseEventsPerSecond: rates.jsonParse,
        inMemoryEventsPerSecond: rates.inMemory,
        inMemoryRatio: ratio(rates.inMemory, rates.jsonParse),
        framedKinesisRecords: rates.framedKinesisRecords,
        framedEventsPerSecond: rates.framed,
        framedRatio: ratio(rates.framed, rates.jsonParse),
        writerEvents: writer.events,
        writerEventsPerSecond: writer.eventsPerSecond,
        writerRatio: ratio(writer.eventsPerSecond, rates.jsonParse),
        ...(writer.detail ? { writerDetail: writer.detail } : {}),
    };
}

async function benchWriter(opts: ConsumerOptions, log: (line: string) => void): Promise<{ events: number; eventsPerSecond: Figure; detail?: ConsumerResult["writerDetail"] }> {
    const handler = optionalModule<HandlerModule>("functions/processor/handler");
    const dataApi = optionalModule<DataApiModule>("functions/shared/db/dataapi");
    const migrations = optionalModule<MigrationsModule>("functions/shared/db/migrations");
    const local = optionalModule<{ startDataApi(o?: object): Promise<{ client(): unknown; resourceArn: string; secretArn: string; database: string; stop(): Promise<void> }> }>("local/dataapi/index");
    const n = Math.min(opts.writerEvents, opts.corpus.events.length);
    for (const m of [handler, dataApi, migrations, local]) if (!isLoaded(m)) return { events: n, eventsPerSecond: m };
    if (!isLoaded(handler) || !isLoaded(dataApi) || !isLoaded(migrations) || !isLoaded(local)) throw new Error("unreachable");

    process.env.POWERTOOLS_LOG_LEVEL ??= "SILENT";
    process.env.POWERTOOLS_METRICS_DISABLED ??= "true";
    const server = await local.startDataApi();
    try {
        const db = new dataApi.DataApi({ client: server.client(), resourceArn: server.resourceArn, secretArn: server.secretArn, database: server.database });
        await migrations.runMigrations(db);
        const processor = handler.createProcessor({ db, cleanupIntervalMinutes: 0 });
        const payloads = opts.corpus.payloads.slice(0, n);
        const keys = opts.corpus.events.slice(0, n).map((e) => e.eventId);
        const records = producerRecords(payloads, keys);
        log(`consumer: Data API writer, ${n} events in ${records.length} records, ${opts.batchRecords} records per invocation`);
        let counted = 0;
        let failures = 0;
        let batches = 0;
        const started = performance.now();
        for (let i = 0; i < records.length; i += opts.batchRecords) {
            const out = await processor.processBatch({ Records: records.slice(i, i + opts.batchRecords) });
            counted += out.stats.counted;
            failures += out.response.batchItemFailures.length;
            batches++;
        }
        const ms = performance.now() - started;
        if (failures > 0) return { events: n, eventsPerSecond: notMeasured(`${failures} records failed in the processor`) };
        if (counted !== n) return { events: n, eventsPerSecond: notMeasured(`the processor counted ${counted} of ${n} events`) };
        const eps = perSecond(n, ms);
        return { events: n, eventsPerSecond: isMeasured(eps) ? eps : notMeasured("no time elapsed"), detail: { counted, batches, failures, seconds: ms / 1000 } };
    } finally {
        await server.stop();
    }
}
