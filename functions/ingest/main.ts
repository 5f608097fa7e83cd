/**
 * Entry point of the ingestion service (ECS Fargate task, or `npm start` locally).
 * Reads config from the environment (see config.ts), loads the shard map,
 * listens, and on SIGTERM/SIGINT drains: new requests get 503, /healthz turns
 * 503, everything held is flushed to Kinesis, then the process exits.
 */
import { IdempotentPublisher } from "./idempotency";
import { KinesisClient } from "@aws-sdk/client-kinesis";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import pino from "pino";
import { loadConfig, type IngestConfig } from "./config";
import { EmfMetrics, METRIC } from "./metrics";
import { Producer } from "./producer";
import { backendFor, KeyStore } from "./keys";
import { buildServer } from "./server";

export interface RunningService {
    readonly url: string;
    readonly producer: Producer;
    /** The key store the service authenticates against (undefined only with INGEST_AUTH=off). */
    readonly keys: KeyStore | undefined;
    /** Drains the producer and closes the server (what SIGTERM does). */
    shutdown(): Promise<void>;
}

/** Starts the service from a config; used by main and by the local platform. */
export async function startService(config: IngestConfig, opts: { client?: KinesisClient; installSignalHandlers?: boolean; unavailableReason?: () => string | undefined } = {}): Promise<RunningService> {
    const logger = pino({ level: config.logLevel, base: { service: "ingest", stream: config.streamName } });
    const metrics = new EmfMetrics({
        namespace: config.metricsNamespace,
        dimensions: { Service: "ingest", StreamName: config.streamName },
        ...(config.metricsOutput === "off" ? { write: () => undefined } : {}),
    });
    const client =
        opts.client ??
        new KinesisClient({
            region: config.region,
            ...(config.kinesisEndpoint !== undefined ? { endpoint: config.kinesisEndpoint } : {}),
            // HTTP/1.1 keep-alive (kinesis-local needs it; fine on AWS too).
            requestHandler: new NodeHttpHandler({ connectionTimeout: 2000, requestTimeout: 10000 }),
            // The producer retries failed entries itself; SDK retries of ambiguous failures could duplicate records.
            maxAttempts: 1,
        });
    const producer = new Producer({
        client,
        streamName: config.streamName,
        lingerMs: config.lingerMs,
        maxQueueEvents: config.maxQueueEvents,
        maxQueueBytes: config.maxQueueBytes,
        maxAttempts: config.maxAttempts,
        logger: logger.child({ component: "producer" }),
        metrics,
    });
    metrics.gauge(METRIC.queueDepth, () => producer.queueDepth);
    // The key store first: a service that cannot read its keys must not start (no open mode).
    let keys: KeyStore | undefined;
    if (config.keys !== "off") {
        keys = new KeyStore({
            backend: backendFor(config.keys, { region: config.region }),
            refreshMs: config.keysRefreshMs,
            onReloadError: (err) => {
                metrics.count(METRIC.keyReloadFailures, 1);
                logger.error({ err: { name: err.name, message: err.message } }, "key store reload failed; the last good key document stays in use");
            },
        });
        await keys.start();
        logger.info({ keys: keys.size, where: keys.where }, "key store loaded");
    } else {
        logger.warn("INGEST_AUTH=off: POST /v1/events takes no credentials (benchmark comparison only)");
    }
    try {
        await producer.start();
    } catch (err) {
        keys?.stop();
        throw err;
    }
    const publisher = new IdempotentPublisher(producer, {
        windowMs: config.idempotencyWindowMs,
        maxEntries: config.idempotencyMaxEntries,
        onDuplicates: (n) => metrics.count(METRIC.duplicates, n),
        onConflicts: (n) => metrics.count(METRIC.conflicts, n),
        onEarlyEviction: (n) => {
            metrics.count(METRIC.earlyEvictions, n);
            logger.warn({ forgotten: n, maxEntries: config.idempotencyMaxEntries }, "idempotency window reached IDEMPOTENCY_MAX_ENTRIES; the oldest generation was dropped early");
        },
    });
    const app = buildServer({
        publisher,
        auth: keys ?? "off",
        logger,
        metrics,
        maxBodyBytes: config.maxBodyBytes,
        maxInflightRequests: config.maxInflightRequests,
        maxReadingRequests: config.maxReadingRequests,
        maxReadingPerSource: config.maxReadingPerSource,
        bodyReadTimeoutMs: config.bodyReadTimeoutMs,
        occurredAtWindow: { maxAgeMs: config.occurredAtMaxAgeMs, maxFutureMs: config.occurredAtMaxFutureMs },
        unavailableReason: opts.unavailableReason,
    });
    const url = await app.listen({ port: config.port, host: config.host });
    const flushTimer = setInterval(() => metrics.flush(), 10000);
    flushTimer.unref();
    logger.info({ url, lingerMs: config.lingerMs, shards: producer.shards.length }, "ingestion service listening");

    let stopping: Promise<void> | undefined;
    const shutdown = () =>
        (stopping ??= (async () => {
            logger.info({ queueDepth: producer.queueDepth }, "draining");
            await producer.drain();
            await app.close();
            producer.stop();
            keys?.stop();
            clearInterval(flushTimer);
            metrics.flush();
            if (opts.client === undefined) client.destroy();
            logger.info("drained; exiting");
        })());
    if (opts.installSignalHandlers) {
        for (const signal of ["SIGTERM", "SIGINT"] as const) {
            process.once(signal, () => {
                shutdown().then(
                    () => process.exit(0),
                    (err) => {
                        logger.error({ err }, "drain failed");
                        process.exit(1);
                    },
                );
            });
        }
    }
    return { url, producer, keys, shutdown };
}

if (require.main === module) {
    let config: IngestConfig;
    try {
        config = loadConfig(process.env);
    } catch (err) {
        process.stderr.write(`ingest: ${(err as Error).message}\n`);
        process.exit(2);
    }
    startService(config, { installSignalHandlers: true }).catch((err) => {
        process.stderr.write(`ingest: failed to start: ${(err as Error).stack ?? String(err)}\n`);
        process.exit(1);
    });
}
