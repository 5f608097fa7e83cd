/**
 * Derived streams: a consumer kind that writes transformed events (cleaned,
 * normalised, enriched) to another Kinesis stream through the platform's
 * producer (functions/ingest/producer.ts: frames, spread aggregation, retries
 * of failed entries only) so other consumers read the derived stream with the
 * same framework (./framework.ts) and codec.
 *
 * `derivedStreamHandler(transform, publisher)`: each event of the batch is
 * transformed (pure: the same input gives the same output, so a redelivered
 * record produces the same derived event, with the same identity and
 * fingerprint, which readers deduplicate) and published on its own, so one
 * event that cannot be written (too large, its put failed after the
 * producer's retries) fails only its own record. `transform` returning
 * `null` drops the event on purpose (a filter); throwing fails that event.
 * A derived event must still pass the platform's validator (readers validate
 * it), and keep the source event's identity (source, eventId).
 */
import type { FlightEvent } from "../shared/events";
import { validateEvent } from "../shared/events";
import type { ConsumedEvent, ConsumerHandler } from "./framework";

/** What the handler needs of the producer (functions/ingest/producer.ts `Producer`). */
export interface EventPublisher {
    publish(events: readonly FlightEvent[]): Promise<void>;
}

export type Transform = (event: ConsumedEvent) => FlightEvent | null;

export interface DerivedStats {
    written: number;
    dropped: number;
    failed: number;
}

export function derivedStreamHandler(transform: Transform, publisher: EventPublisher, log: (message: string, fields?: Record<string, unknown>) => void = () => undefined, stats?: DerivedStats): ConsumerHandler {
    return async (events) => {
        const failed: ConsumedEvent[] = [];
        const writes: Promise<void>[] = [];
        for (const c of events) {
            let out: FlightEvent | null;
            try {
                out = transform(c);
                if (out !== null) {
                    const checked = validateEvent(out);
                    if (!checked.ok) throw new Error(`the derived event is not valid: ${checked.errors.map((e) => `${e.path || "event"}: ${e.message}`).join("; ")}`);
                    if (out.source !== c.event.source || out.eventId !== c.event.eventId) {
                        throw new Error(
                            `a derived event must keep its identity (source ${JSON.stringify(c.event.source)}, eventId ${JSON.stringify(c.event.eventId)}); received ${JSON.stringify(out.source)}, ${JSON.stringify(out.eventId)}`,
                        );
                    }
                }
            } catch (e) {
                log("transform failed; the event's record is reported as a failure", { key: c.key, sequenceNumber: c.sequenceNumber, error: (e as Error).message });
                failed.push(c);
                if (stats) stats.failed++;
                continue;
            }
            if (out === null) {
                if (stats) stats.dropped++;
                continue;
            }
            const derived = out;
            writes.push(
                publisher.publish([derived]).then(
                    () => {
                        if (stats) stats.written++;
                    },
                    (e: Error) => {
                        log("writing the derived event failed; its record is reported as a failure", { key: c.key, sequenceNumber: c.sequenceNumber, error: e.message });
                        failed.push(c);
                        if (stats) stats.failed++;
                    },
                ),
            );
        }
        await Promise.all(writes);
        return { failed };
    };
}
