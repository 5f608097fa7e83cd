/**
 * Lambda glue of the consumer framework: Powertools logger and EMF metrics
 * around `defineConsumer` (./framework.ts), configured from the environment
 * StreamConsumer (components/stream/StreamConsumer.ts) sets:
 * POWERTOOLS_SERVICE_NAME, POWERTOOLS_METRICS_NAMESPACE, and the function name
 * as the `FunctionName` dimension, which the component's alarms select.
 *
 * Metrics per batch: RecordsReceived, EventsConsumed, DuplicateEvents,
 * PoisonRecords, FailedEvents (Count).
 */
import { Logger } from "@aws-lambda-powertools/logger";
import { MetricUnit, Metrics } from "@aws-lambda-powertools/metrics";
import { type Consumer, type ConsumerHandler, type ConsumerOptions, defineConsumer } from "./framework";
import type { FlightEvent } from "../shared/events";

/** Namespace of the framework's metrics unless the consumer sets POWERTOOLS_METRICS_NAMESPACE. */
export const CONSUMER_METRICS_NAMESPACE = "FlightStream/Consumers";

export interface LambdaConsumerOptions extends ConsumerOptions {
    readonly env?: Record<string, string | undefined>;
    /** @default env.POWERTOOLS_SERVICE_NAME ?? "consumer" */
    readonly serviceName?: string;
}

export function consumerTelemetry(env: Record<string, string | undefined> = process.env, serviceName = env.POWERTOOLS_SERVICE_NAME ?? "consumer"): { logger: Logger; metrics: Metrics } {
    const logger = new Logger({ serviceName });
    const metrics = new Metrics({
        namespace: env.POWERTOOLS_METRICS_NAMESPACE ?? CONSUMER_METRICS_NAMESPACE,
        serviceName,
        ...(env.AWS_LAMBDA_FUNCTION_NAME ? { defaultDimensions: { FunctionName: env.AWS_LAMBDA_FUNCTION_NAME } } : {}),
    });
    return { logger, metrics };
}

/** A Lambda consumer with the framework's logs and metrics. */
export function lambdaConsumer<E extends FlightEvent = FlightEvent>(handle: ConsumerHandler<E>, options: LambdaConsumerOptions = {}): Consumer {
    const { logger, metrics } = consumerTelemetry(options.env ?? process.env, options.serviceName);
    return defineConsumer(handle, {
        log: (message, fields) => logger.warn(message, fields ?? {}),
        ...options,
        onSummary: (s) => {
            metrics.addMetric("RecordsReceived", MetricUnit.Count, s.records);
            metrics.addMetric("EventsConsumed", MetricUnit.Count, s.events);
            metrics.addMetric("DuplicateEvents", MetricUnit.Count, s.duplicates);
            metrics.addMetric("PoisonRecords", MetricUnit.Count, s.poisonRecords);
            metrics.addMetric("FailedEvents", MetricUnit.Count, s.failedEvents);
            metrics.publishStoredMetrics();
            logger.info("batch consumed", { records: s.records, events: s.events, duplicates: s.duplicates, poisonRecords: s.poisonRecords, failedEvents: s.failedEvents, failures: s.response.batchItemFailures.length });
            options.onSummary?.(s);
        },
    });
}
