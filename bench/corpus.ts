/**
 * The benchmark corpus: realistic air-shopping traffic from the project's
 * seeded traffic generator (local/traffic.ts): searches, priced offers with
 * itineraries (segments, fares per passenger type, taxes), bookings and
 * cancellations in the generator's default mix. Deterministic: the same
 * options give byte-identical events (event times are derived from `start`,
 * never from the clock).
 */
import type { FlightEvent } from "../functions/shared/events";
import { TrafficGenerator } from "../local/traffic";

export interface CorpusOptions {
    /** @default 20261122 */
    readonly seed?: number;
    /** Number of events. */
    readonly events: number;
    /** Event time of the first event; later ones are 10 ms apart. @default "2026-11-22T10:00:00.000Z" */
    readonly start?: string;
    /** Prefix of event ids. @default "bench<seed>" */
    readonly idPrefix?: string;
}

export interface Corpus {
    readonly seed: number;
    readonly events: readonly FlightEvent[];
    /** Each event as UTF-8 JSON (what the producer puts in one user record). */
    readonly payloads: readonly Buffer[];
}

export const DEFAULT_SEED = 20261122;
export const DEFAULT_START = "2026-11-22T10:00:00.000Z";

export function buildCorpus(opts: CorpusOptions): Corpus {
    const seed = opts.seed ?? DEFAULT_SEED;
    if (!Number.isInteger(opts.events) || opts.events < 1 || opts.events > 10_000_000) {
        throw new RangeError(`buildCorpus: \`events\` must be an integer from 1 to 10000000; received ${String(opts.events)}`);
    }
    const start = Date.parse(opts.start ?? DEFAULT_START);
    if (Number.isNaN(start)) throw new RangeError(`buildCorpus: \`start\` must be an ISO-8601 time; received ${JSON.stringify(opts.start)}`);
    const gen = new TrafficGenerator({ seed, idPrefix: opts.idPrefix ?? `bench${seed}` });
    const events: FlightEvent[] = [];
    for (let i = 0; i < opts.events; i++) events.push(gen.next(new Date(start + i * 10)));
    return { seed, events, payloads: events.map((e) => Buffer.from(JSON.stringify(e), "utf8")) };
}

/** The events of one type (offers, searches, ...). */
export function ofType(corpus: Corpus, type: FlightEvent["type"]): { events: FlightEvent[]; payloads: Buffer[] } {
    const events: FlightEvent[] = [];
    const payloads: Buffer[] = [];
    corpus.events.forEach((e, i) => {
        if (e.type === type) {
            events.push(e);
            payloads.push(corpus.payloads[i]);
        }
    });
    return { events, payloads };
}

/** Request bodies of `batchSize` events each (JSON arrays), in corpus order; the last may be shorter. */
export function requestBodies(events: readonly FlightEvent[], batchSize: number): string[] {
    if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 500) {
        throw new RangeError(`requestBodies: \`batchSize\` must be an integer from 1 to 500 (the API's array limit); received ${String(batchSize)}`);
    }
    const out: string[] = [];
    for (let i = 0; i < events.length; i += batchSize) out.push(JSON.stringify(events.slice(i, i + batchSize)));
    return out;
}

/** Placeholder that `stampBody` replaces, appended to every eventId by `requestTemplates`. */
export const ID_MARK = "@@REQ@@";

/**
 * Request body templates: like `requestBodies`, with `~@@REQ@@` appended to
 * every eventId, so each request can be stamped with fresh ids (the ingestion
 * service acknowledges an eventId it has already written without writing it
 * again, so a benchmark that resent the same ids would measure that shortcut).
 */
export function requestTemplates(events: readonly FlightEvent[], batchSize: number): string[] {
    return requestBodies(
        events.map((e) => ({ ...e, eventId: `${e.eventId}~${ID_MARK}` }) as FlightEvent),
        batchSize,
    );
}

/** A template with every placeholder replaced by `tag` (letters, digits, "." and "-" only). */
export function stampBody(template: string, tag: string): string {
    if (!/^[A-Za-z0-9.-]{1,40}$/.test(tag)) {
        throw new RangeError(`stampBody: \`tag\` must be 1 to 40 letters, digits, "." or "-"; received ${JSON.stringify(tag)}`);
    }
    return template.split(ID_MARK).join(tag);
}
