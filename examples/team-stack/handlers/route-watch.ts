/**
 * The team's own consumer (bundled from this folder by StreamConsumer): counts
 * searches per route in each micro-batch of the team's stream and publishes
 * them as the EMF metric `RouteSearches` (dimension `route`). It is written
 * against the platform's consumer framework, so it receives decoded,
 * validated, deduplicated events; a search without a route it can read is
 * reported as failed (retried, then the on-failure queue), other types are
 * skipped.
 */
import { MetricUnit } from "@aws-lambda-powertools/metrics";
import type { Context, KinesisStreamBatchResponse, KinesisStreamEvent } from "aws-lambda";
import type { ConsumedEvent, ConsumerHandler } from "@flightstream/components/functions/consumer/framework";
import { consumerTelemetry, lambdaConsumer } from "@flightstream/components/functions/consumer/lambda";

export function routeSearches(sink: (counts: Map<string, number>) => void): ConsumerHandler {
    return async (events) => {
        const counts = new Map<string, number>();
        const failed: ConsumedEvent[] = [];
        for (const c of events) {
            if (c.event.type !== "search") continue;
            const { origin, destination } = c.event;
            if (typeof origin !== "string" || typeof destination !== "string") {
                failed.push(c);
                continue;
            }
            const route = `${origin}-${destination}`;
            counts.set(route, (counts.get(route) ?? 0) + 1);
        }
        sink(counts);
        return { failed };
    };
}

let instance: ReturnType<typeof lambdaConsumer> | undefined;

export const handler = async (event: KinesisStreamEvent, context?: Context): Promise<KinesisStreamBatchResponse> => {
    if (!instance) {
        const { metrics } = consumerTelemetry();
        instance = lambdaConsumer(
            routeSearches((counts) => {
                for (const [route, n] of counts) {
                    const m = metrics.singleMetric();
                    m.addDimension("route", route);
                    m.addMetric("RouteSearches", MetricUnit.Count, n);
                }
            }),
        );
    }
    return instance.handler(event, context);
};
