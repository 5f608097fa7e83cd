/**
 * The second consumer of the `clean` stream: counts clean events per type and
 * authenticated source (EMF metric `CleanEvents`, dimensions `type` and
 * `source`, in the consumer's namespace). A record on the clean stream that
 * is not a clean event (./clean/transform.ts `isCleanEvent`) is reported as a
 * failure: the stream carries something else than its writer's output.
 */
import { MetricUnit } from "@aws-lambda-powertools/metrics";
import type { Context, KinesisStreamBatchResponse, KinesisStreamEvent } from "aws-lambda";
import type { ConsumedEvent, ConsumerHandler, ConsumerOptions, Consumer, LocalConsumer, LocalConsumerContext } from "../framework";
import { defineConsumer } from "../framework";
import { consumerTelemetry, lambdaConsumer } from "../lambda";
import { isCleanEvent } from "../clean/transform";

/** Counts of one batch keyed by "type\u0000source". */
export type CleanCounts = Map<string, { type: string; source: string; events: number; keys: string[] }>;

export function cleanStatsHandler(sink: (counts: CleanCounts) => void | Promise<void>): ConsumerHandler {
    return async (events) => {
        const counts: CleanCounts = new Map();
        const failed: ConsumedEvent[] = [];
        for (const c of events) {
            if (!isCleanEvent(c.event)) {
                failed.push(c);
                continue;
            }
            const k = `${c.event.type}\u0000${c.event.clean.authenticatedSource}`;
            const entry = counts.get(k) ?? { type: c.event.type, source: c.event.clean.authenticatedSource, events: 0, keys: [] };
            entry.events++;
            entry.keys.push(c.key);
            counts.set(k, entry);
        }
        await sink(counts);
        return { failed };
    };
}

export function createCleanStats(sink: (counts: CleanCounts) => void | Promise<void>, options: ConsumerOptions = {}): Consumer {
    return defineConsumer(cleanStatsHandler(sink), options);
}

let instance: Consumer | undefined;

export const handler = async (event: KinesisStreamEvent, context?: Context): Promise<KinesisStreamBatchResponse> => {
    if (!instance) {
        const { metrics } = consumerTelemetry();
        instance = lambdaConsumer(
            cleanStatsHandler((counts) => {
                for (const c of counts.values()) {
                    const m = metrics.singleMetric();
                    m.addDimensions({ type: c.type, source: c.source });
                    m.addMetric("CleanEvents", MetricUnit.Count, c.events);
                }
            }),
        );
    }
    return instance.handler(event, context);
};

/** The local platform's instance: the same handler, counts kept in memory (events per type and source, `<type>/<source>`). */
export async function localConsumer(ctx: LocalConsumerContext): Promise<LocalConsumer> {
    const totals: Record<string, number> = { events: 0 };
    const consumer = createCleanStats(
        (counts) => {
            for (const c of counts.values()) {
                totals.events += c.events;
                totals[`${c.type}/${c.source}`] = (totals[`${c.type}/${c.source}`] ?? 0) + c.events;
            }
        },
        { log: ctx.log },
    );
    return { consumer, stats: () => ({ ...totals }) };
}
