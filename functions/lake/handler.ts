/**
 * Firehose processing Lambda for the lake delivery stream: decode with the
 * record codec, one JSON line per event, partition keys for dynamic
 * partitioning. Logic lives in ./processor.ts.
 *
 * Metrics (EMF through Powertools, namespace FlightStream/Lake, dimensions
 * service and FunctionName): RecordsReceived and RecordsFailed (records
 * returned as ProcessingFailed; Firehose writes them under errors/ and has no
 * metric of its own for them, so the lake delivery's alarm watches this one).
 */
import { MetricUnit, Metrics } from "@aws-lambda-powertools/metrics";
import { FirehoseOutputRecord, FirehoseTransformationEvent, processFirehoseEvent } from "./processor";

/** CloudWatch namespace of the transform's own metrics. */
export const LAKE_METRICS_NAMESPACE = "FlightStream/Lake";

export function createLakeHandler(deps: { metrics?: Metrics } = {}) {
    return async function handler(event: FirehoseTransformationEvent): Promise<{ records: FirehoseOutputRecord[] }> {
        const { records, errors, events } = processFirehoseEvent(event);
        for (const e of errors.slice(0, 20)) console.error(JSON.stringify({ level: "error", message: "lake record failed", error: e }));
        console.log(JSON.stringify({ level: "info", message: "lake batch processed", records: records.length, events, failed: errors.length }));
        if (deps.metrics) {
            deps.metrics.addMetric("RecordsReceived", MetricUnit.Count, records.length);
            deps.metrics.addMetric("RecordsFailed", MetricUnit.Count, records.filter((r) => r.result === "ProcessingFailed").length);
            deps.metrics.publishStoredMetrics();
        }
        return { records };
    };
}

/** Powertools Metrics configured from the Lambda environment (alarms select the function by FunctionName). */
export function lakeMetricsFromEnv(env: Record<string, string | undefined> = process.env): Metrics {
    return new Metrics({
        namespace: env.POWERTOOLS_METRICS_NAMESPACE ?? LAKE_METRICS_NAMESPACE,
        serviceName: env.POWERTOOLS_SERVICE_NAME ?? "lake-transform",
        ...(env.AWS_LAMBDA_FUNCTION_NAME ? { defaultDimensions: { FunctionName: env.AWS_LAMBDA_FUNCTION_NAME } } : {}),
    });
}

export const handler = createLakeHandler({ metrics: lakeMetricsFromEnv() });
