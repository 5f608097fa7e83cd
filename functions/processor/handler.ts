/**
 * Stream processor Lambda (Kinesis event source mapping, ReportBatchItemFailures).
 *
 * One consumer of the consumer framework (functions/consumer/framework.ts):
 * the framework decodes and validates each Kinesis record (decode.ts),
 * deduplicates exact copies within the batch and builds the partial batch
 * response; a record that cannot be decoded or holds an invalid event is a
 * batch item failure (and is kept in `rejected_events` for review), while
 * every valid event of the batch is written (writer.ts), in rounds of
 * distinct identities (identity-gate.ts). The write path is keyed by record
 * (record-part claims): each record's part holds the events that record
 * carries (the framework's `layout`), so a part is the same on every
 * redelivery whatever else the batch holds; a failed record hands its events
 * back to the framework, which reports every record carrying a copy.
 *
 * Isolation: a chunk the database refuses for its DATA (SQLState class 22 or
 * 23: a value out of range, a constraint) is split in halves until the event
 * that caused it is alone; that event goes to `rejected_events` (reason
 * "store-rejected", the database's message) and its record is a batch item
 * failure (so, after the retries, the on-failure destination), while every
 * other event of the batch is committed once. Any other failure (the database
 * unreachable, throttled) fails the chunk's records without bisecting: the
 * retry counts them. Retries are safe because writes are idempotent.
 */
import { Logger } from "@aws-lambda-powertools/logger";
import { MetricUnit, Metrics } from "@aws-lambda-powertools/metrics";
import type { Context, KinesisStreamBatchResponse, KinesisStreamEvent, KinesisStreamRecord } from "aws-lambda";
import { DataApi, dataApiFromEnv } from "../shared/db/dataapi";
import type { FlightEvent } from "../shared/events";
import { ChunkLimits, DEFAULT_CHUNK_LIMITS, chunkBySize, jsonBytes, truncateUtf8 } from "./chunks";
import { DecodedRecord, EventPosition } from "./decode";
import { type BatchRecord, type ConsumedEvent, consumeBatch } from "../consumer/framework";
import { AlertPolicy, alertPolicyFromEnv } from "../forecast/alerts";
import { ForecastSource, forecastSourceFromEnv } from "../forecast/artifact";
import { AlertPublisher, publishPendingAlerts, publishersFromEnv } from "./publish";
import { AlertRule, DealRule, rulesFromEnv } from "./rules";
import type { AlertingOptions } from "./alerting";
import type { ScoringBackend } from "../scoring/backend";
import { scoringFromEnv } from "../scoring/config";
import { ScoringPublisher, publishPendingScores, scoringPublisherFromEnv } from "./scoring-publish";
import * as SQL from "./sql";
import { envNumber } from "../shared/range";
import { RecordPart, WriteStats, addStats, emptyStats, isRetryableDbError, writeBatch as writeWholeBatch, writeChunk, writeRecordParts } from "./writer";

/** CloudWatch namespace of the processor's own metrics (EMF; dimensions service and FunctionName). */
export const PROCESSOR_METRICS_NAMESPACE = "FlightStream/Analytics";

/** Largest payload kept per rejected record (well below the Data API's 64 KB row limit). */
export const REJECTED_PAYLOAD_MAX_BYTES = 16 * 1024;

export interface ProcessorDeps {
    readonly db: DataApi;
    readonly logger?: Logger;
    readonly metrics?: Metrics;
    readonly publishers?: readonly AlertPublisher[];
    readonly alertRule?: AlertRule;
    /** The forecast alert test (functions/forecast/alerts.ts). @default DEFAULT_ALERT_POLICY */
    readonly alertPolicy?: AlertPolicy;
    /** The trained demand model (read once per batch). @default none: live baseline and network prior only */
    readonly forecast?: ForecastSource;
    /** Wall clock for the alert test (windows after it are never judged). @default Date.now */
    readonly now?: () => number;
    readonly dealRule?: DealRule;
    /** Deal and price-adjustment scoring (functions/scoring). @default the built-in baseline with `dealRule` */
    readonly scoring?: ScoringBackend;
    /** Publishes recorded deals and price adjustments (EventBridge, SCORING_EVENT_BUS_NAME). @default none */
    readonly scoringPublisher?: ScoringPublisher;
    readonly limits?: Partial<ChunkLimits>;
    /** Keep processed event ids this long (>= every window replay accepts). @default 48 */
    readonly processedEventsRetentionHours?: number;
    /** Retries of a chunk rolled back by a deadlock or serialization failure. @default 2 */
    readonly deadlockRetries?: number;
    /** Delete expired processed ids at most this often per container; 0 disables. @default 15 */
    readonly cleanupIntervalMinutes?: number;
    /** Types keeping one processed_events row per event (the others go through identity_digests). @default bookings and cancellations */
    readonly perEventIdentityTypes?: ReadonlySet<string>;
    /**
     * Write the whole batch in one transaction with its aggregates pre-aggregated in memory (one upsert per
     * table per batch); on any failure the batch is rolled back and written chunk by chunk. @default true
     */
    readonly batchTransaction?: boolean;
}

export interface BatchOutcome {
    readonly response: KinesisStreamBatchResponse;
    readonly stats: WriteStats;
    readonly poisonRecords: number;
    /** Events the database refused (kept in rejected_events, their records reported as failures). */
    readonly storeRejected: number;
}

/** PostgreSQL refused the data itself (SQLState class 22 data exception or 23 integrity violation): retrying cannot help. */
export function isDataError(e: unknown): boolean {
    const m = e instanceof Error ? e.message : String(e);
    return /SQLState: 2[23][0-9A-Z]{3}\b/.test(m);
}

/** One valid event of the batch and where it came from. */
interface Located {
    readonly event: FlightEvent;
    readonly sequenceNumber: string;
    readonly partitionKey: string;
    readonly position: EventPosition;
}

/** A record part inside a chunk (the writer's RecordPart). */
type ChunkPart = RecordPart;

/**
 * The shard a Lambda Kinesis record came from: its eventID is "<shardId>:<sequenceNumber>". Undefined
 * when absent (such records are written without claims: the identity gate alone keeps them exact).
 */
export function shardIdOf(record: { readonly eventID?: string; readonly kinesis: { readonly sequenceNumber: string } }): string | undefined {
    const id = record.eventID;
    const suffix = `:${record.kinesis.sequenceNumber}`;
    if (typeof id !== "string" || !id.endsWith(suffix) || id.length === suffix.length) return undefined;
    return id.slice(0, -suffix.length);
}

/**
 * Chunks of whole record parts, in stream order: each record's valid events are split within the chunk
 * limits (the same split for the same record, so a part claimed once is recognised on every redelivery),
 * then parts are packed into chunks within the same limits.
 */
export function recordChunks(records: readonly KinesisStreamRecord[], decoded: ReadonlyMap<string, DecodedRecord>, located: readonly Located[], limits: Partial<ChunkLimits> = {}): { items: Located[]; parts?: ChunkPart[] }[] {
    const maxItems = limits.maxItems ?? DEFAULT_CHUNK_LIMITS.maxItems;
    const maxBytes = limits.maxBytes ?? DEFAULT_CHUNK_LIMITS.maxBytes;
    const bySeq = new Map<string, Located[]>();
    for (const l of located) (bySeq.get(l.sequenceNumber) ?? bySeq.set(l.sequenceNumber, []).get(l.sequenceNumber)!).push(l);
    const out: { items: Located[]; parts?: ChunkPart[] }[] = [];
    let cur: { items: Located[]; parts?: ChunkPart[] } = { items: [], parts: [] };
    let bytes = 0;
    const flush = () => {
        if (cur.items.length > 0) out.push(cur);
        cur = { items: [], parts: [] };
        bytes = 0;
    };
    for (const r of records) {
        const d = decoded.get(r.kinesis.sequenceNumber);
        const mine = bySeq.get(r.kinesis.sequenceNumber);
        if (!d || !mine) continue;
        bySeq.delete(r.kinesis.sequenceNumber);
        const shardId = shardIdOf(r);
        chunkBySize(mine, (l) => jsonBytes(l.event), limits).forEach((items, part) => {
            const size = items.reduce((n, l) => n + jsonBytes(l.event), 0);
            if (cur.items.length > 0 && (cur.items.length + items.length > maxItems || bytes + size > maxBytes)) flush();
            if (shardId === undefined) {
                // No claim for this part: written alone, through the identity gate only.
                flush();
                out.push({ items });
                return;
            }
            cur.items.push(...items);
            cur.parts!.push({ shardId, sequenceNumber: r.kinesis.sequenceNumber, part, events: items.map((l) => l.event) });
            bytes += size;
        });
    }
    flush();
    return out;
}

export function createProcessor(deps: ProcessorDeps) {
    const logger = deps.logger ?? new Logger({ serviceName: "processor" });
    const metrics = deps.metrics;
    let lastCleanup = 0;
    let alerting: AlertingOptions = {};

    /** Poison records (undecodable, not JSON, invalid events): logged and kept in `rejected_events` for review. */
    async function storePoison(poison: readonly DecodedRecord[]): Promise<void> {
        for (const d of poison) {
            logger.warn("poison record", { sequenceNumber: d.sequenceNumber, partitionKey: d.partitionKey, rejections: d.rejections.map((r) => ({ reason: r.reason, errors: r.errors })) });
            try {
                await deps.db.batchExecute(
                    SQL.UPSERT_REJECTED,
                    d.rejections.map((r) => {
                        const p = truncateUtf8(r.payload, REJECTED_PAYLOAD_MAX_BYTES);
                        return {
                            sequence_number: d.sequenceNumber,
                            sub_sequence: r.subSequence,
                            event_index: 0,
                            partition_key: d.partitionKey,
                            reason: r.reason,
                            errors: JSON.stringify(r.errors.slice(0, 50)),
                            payload: p.text,
                            payload_truncated: p.truncated,
                            source: null,
                            event_id: null,
                        };
                    }),
                );
            } catch (e) {
                logger.error("could not store rejected record", { error: e as Error, sequenceNumber: d.sequenceNumber });
            }
        }
    }

    async function processBatch(event: KinesisStreamEvent): Promise<BatchOutcome> {
        // Decoding, validation, in-batch deduplication and the partial batch response: the consumer framework
        // (functions/consumer/framework.ts), the same as every other stream consumer.
        const stats = emptyStats();
        let storeRejected = 0;
        const summary = await consumeBatch(
            event,
            async (_events, ctx) => {
                const r = await writeBatch(event.Records, ctx.layout);
                addStats(stats, r.stats);
                storeRejected += r.storeRejected;
                return { failed: r.failed };
            },
            { onPoison: storePoison, log: (message, fields) => logger.warn(message, fields ?? {}) },
        );
        const poisonRecords = summary.poisonRecords;
        // Outbox backlog after this invocation's publish attempt (the AlertsOutboxBacklog metric and its alarm).
        let outboxBacklog: number | undefined;
        if ((deps.publishers ?? []).length > 0) {
            try {
                await publishPendingAlerts(deps.db, deps.publishers!);
            } catch (e) {
                logger.error("alert publishing failed; alerts stay pending", { error: e as Error });
            }
            try {
                outboxBacklog = Number((await deps.db.query(SQL.ALERTS_OUTBOX_BACKLOG))[0]?.pending ?? 0);
            } catch (e) {
                logger.warn("could not read the alerts outbox backlog", { error: e as Error });
            }
        }
        if (deps.scoringPublisher) {
            try {
                await publishPendingScores(deps.db, deps.scoringPublisher);
            } catch (e) {
                logger.error("scoring results publishing failed; they stay pending", { error: e as Error });
            }
        }
        await maybeCleanup();

        if (metrics) {
            metrics.addMetric("RecordsReceived", MetricUnit.Count, event.Records.length);
            metrics.addMetric("PoisonRecords", MetricUnit.Count, poisonRecords);
            metrics.addMetric("StoreRejectedEvents", MetricUnit.Count, storeRejected);
            metrics.addMetric("EventsCounted", MetricUnit.Count, stats.counted);
            metrics.addMetric("DuplicateEvents", MetricUnit.Count, stats.duplicates);
            metrics.addMetric("IdentityConflicts", MetricUnit.Count, stats.conflicts);
            metrics.addMetric("ParkedCancellations", MetricUnit.Count, stats.cancellationsParked);
            metrics.addMetric("CancellationFlightMismatches", MetricUnit.Count, stats.flightMismatches);
            metrics.addMetric("AlertsRaised", MetricUnit.Count, stats.alerts);
            metrics.addMetric("DealsFlagged", MetricUnit.Count, stats.deals);
            metrics.addMetric("PriceAdjustments", MetricUnit.Count, stats.priceAdjustments);
            const calls = deps.db.takeStats();
            metrics.addMetric("DataApiCalls", MetricUnit.Count, calls.calls);
            metrics.addMetric("DataApiErrors", MetricUnit.Count, calls.errors);
            if (calls.calls > 0) metrics.addMetric("DataApiLatency", MetricUnit.Milliseconds, calls.totalMs / calls.calls);
            if (outboxBacklog !== undefined) metrics.addMetric("AlertsOutboxBacklog", MetricUnit.Count, outboxBacklog);
            metrics.publishStoredMetrics();
        }
        const { batchItemFailures } = summary.response;
        logger.info("batch processed", { records: event.Records.length, failures: batchItemFailures.length, storeRejected, inBatchCopies: summary.duplicates, ...stats });
        return { response: summary.response, stats, poisonRecords, storeRejected };
    }

    /**
     * The write path (unchanged): every valid event of every record (poison records may still carry some), in stream
     * order, each record's own events as it carries them (a claimed record part is the same whatever else the batch holds).
     */
    async function writeBatch(records: readonly KinesisStreamRecord[], layout: readonly BatchRecord[]): Promise<{ stats: WriteStats; storeRejected: number; failed: ConsumedEvent[] }> {
        const decoded = new Map<string, DecodedRecord>();
        const located: Located[] = [];
        for (const r of layout) {
            const d = r.decoded;
            decoded.set(d.sequenceNumber, d);
            d.events.forEach((e, i) => located.push({ event: e, sequenceNumber: d.sequenceNumber, partitionKey: d.partitionKey, position: d.positions[i] }));
        }
        let model;
        try {
            model = await deps.forecast?.current();
        } catch (e) {
            logger.warn("forecast model unavailable; alerts use the live baseline", { error: e as Error });
        }
        alerting = { policy: deps.alertPolicy, model, now: deps.now?.() };
        const stats = emptyStats();
        let storeRejected = 0;
        type Item = Located;
        const failed = new Set<string>();
        const failItems = (items: readonly Item[]) => {
            for (const it of items) failed.add(it.sequenceNumber);
        };
        /**
         * Writes a chunk of whole record parts (their claims commit with their aggregates); on a data error
         * bisects down to the event that caused it, without claims (the identity gate alone keeps those halves exact).
         */
        const writeIsolated = async (items: Item[], parts?: ChunkPart[]): Promise<void> => {
            try {
                addStats(
                    stats,
                    await writeWithRetry(
                        items.map((it) => it.event),
                        parts,
                    ),
                );
                return;
            } catch (e) {
                if (!isDataError(e)) {
                    logger.error("chunk write failed; its records are reported as failures", { error: e as Error, events: items.length });
                    failItems(items);
                    return;
                }
                if (items.length > 1) {
                    const half = Math.ceil(items.length / 2);
                    await writeIsolated(items.slice(0, half));
                    await writeIsolated(items.slice(half));
                    return;
                }
                storeRejected++;
                failItems(items);
                await storeRejection(items[0], (e as Error).message);
            }
        };
        const chunks = recordChunks(records, decoded, located, deps.limits);
        // One transaction for the batch (claims, identities, booking state, one aggregate upsert per table); if it
        // fails it is rolled back whole, and the chunks are written one transaction each, isolating what failed.
        if ((deps.batchTransaction ?? true) && chunks.length > 0) {
            try {
                addStats(
                    stats,
                    await writeWholeBatch(
                        deps.db,
                        chunks.map((c) => ({ events: c.items.map((it) => it.event), parts: c.parts })),
                        writeOptions(),
                    ),
                );
                return { stats, storeRejected: 0, failed: [] };
            } catch (e) {
                logger.warn("the batch transaction failed and was rolled back; writing chunk by chunk", { error: e as Error, chunks: chunks.length });
            }
        }
        for (const chunk of chunks) await writeIsolated(chunk.items, chunk.parts);

        // Every event a failed record carries goes back to the framework: it reports every record carrying a copy.
        const failedEvents = layout.filter((r) => failed.has(r.decoded.sequenceNumber)).flatMap((r) => r.events);
        return { stats, storeRejected, failed: failedEvents };
    }

    /** Keeps an event the database refused for review: its record position, identity, the database's message and the event. */
    async function storeRejection(located: Located, message: string): Promise<void> {
        const { event } = located;
        logger.error("the database refused an event; it is kept in rejected_events and its record reported as a failure", {
            sequenceNumber: located.sequenceNumber,
            source: event.source,
            eventId: event.eventId,
            error: message,
        });
        const p = truncateUtf8(JSON.stringify(event), REJECTED_PAYLOAD_MAX_BYTES);
        try {
            await deps.db.execute(SQL.UPSERT_REJECTED, {
                sequence_number: located.sequenceNumber,
                sub_sequence: located.position.subSequence,
                event_index: located.position.index,
                partition_key: located.partitionKey,
                reason: "store-rejected",
                errors: JSON.stringify([{ path: "", message: message.slice(0, 2000) }]),
                payload: p.text,
                payload_truncated: p.truncated,
                source: event.source,
                event_id: event.eventId,
            });
        } catch (e) {
            logger.error("could not store the refused event", { error: e as Error, sequenceNumber: located.sequenceNumber });
        }
    }

    function writeOptions() {
        return { alertRule: deps.alertRule, alerting, dealRule: deps.dealRule, scoring: deps.scoring, limits: deps.limits, perEventTypes: deps.perEventIdentityTypes };
    }

    /** Retries a chunk whose transaction hit a deadlock or serialization failure (it was rolled back). */
    async function writeWithRetry(chunk: FlightEvent[], parts?: ChunkPart[]): Promise<WriteStats> {
        const attempts = deps.deadlockRetries ?? 2;
        const opts = writeOptions();
        for (let i = 0; ; i++) {
            try {
                return parts ? await writeRecordParts(deps.db, parts, opts) : await writeChunk(deps.db, chunk, opts);
            } catch (e) {
                if (i >= attempts || !isRetryableDbError(e)) throw e;
                logger.warn("chunk hit a deadlock; retrying", { attempt: i + 1, error: e as Error });
            }
        }
    }

    async function maybeCleanup(): Promise<void> {
        const interval = deps.cleanupIntervalMinutes ?? 15;
        if (interval <= 0 || Date.now() - lastCleanup < interval * 60_000) return;
        lastCleanup = Date.now();
        try {
            const params = { retention_hours: deps.processedEventsRetentionHours ?? 48, limit: 10_000 };
            await deps.db.execute(SQL.CLEANUP_PROCESSED, params);
            await deps.db.execute(SQL.CLEANUP_CLAIMS, params);
            await deps.db.execute(SQL.CLEANUP_DIGESTS, params);
        } catch (e) {
            logger.warn("processed_events cleanup failed", { error: e as Error });
        }
    }

    return {
        processBatch,
        /** The Lambda handler shape. */
        handler: async (event: KinesisStreamEvent, context?: Context): Promise<KinesisStreamBatchResponse> => {
            if (context) logger.addContext(context);
            return (await processBatch(event)).response;
        },
    };
}

/**
 * Builds the processor from environment variables (AWS and the local platform). `overrides` replace
 * dependencies whose clients only the caller can build (the local platform: the emulators' Data API
 * client, the lake's forecast loader and scoring artifact reader); everything else comes from `env`.
 */
export function processorFromEnv(env: Record<string, string | undefined> = process.env, overrides: Partial<ProcessorDeps> = {}) {
    const rules = rulesFromEnv(env);
    const logger = new Logger({ serviceName: env.POWERTOOLS_SERVICE_NAME ?? "processor" });
    return createProcessor({
        db: overrides.db ?? dataApiFromEnv(env),
        logger,
        alertPolicy: alertPolicyFromEnv(env),
        forecast: "forecast" in overrides ? overrides.forecast : forecastSourceFromEnv(env, (e) => logger.warn("could not load the forecast model; keeping the last one", { error: e as Error })),
        metrics: new Metrics({
            namespace: env.POWERTOOLS_METRICS_NAMESPACE ?? PROCESSOR_METRICS_NAMESPACE,
            serviceName: env.POWERTOOLS_SERVICE_NAME ?? "processor",
            // Alarms select one function's metrics by this dimension.
            ...(env.AWS_LAMBDA_FUNCTION_NAME ? { defaultDimensions: { FunctionName: env.AWS_LAMBDA_FUNCTION_NAME } } : {}),
        }),
        publishers: publishersFromEnv(env),
        alertRule: rules.alert,
        dealRule: rules.deal,
        scoring: overrides.scoring ?? scoringFromEnv(env, { dealRule: rules.deal, onError: (e, what) => logger.warn(`scoring: ${what} failed; the built-in model scores`, { error: e as Error }) }),
        scoringPublisher: scoringPublisherFromEnv(env),
        processedEventsRetentionHours: envNumber(env, "PROCESSED_EVENTS_RETENTION_HOURS", 48, 24, 8760 + 168, true),
        cleanupIntervalMinutes: envNumber(env, "CLEANUP_INTERVAL_MINUTES", 15, 0, 1440, true),
        ...overrides,
    });
}

let instance: ReturnType<typeof createProcessor> | undefined;

export const handler = async (event: KinesisStreamEvent, context?: Context): Promise<KinesisStreamBatchResponse> => {
    instance ??= processorFromEnv();
    return instance.handler(event, context);
};
