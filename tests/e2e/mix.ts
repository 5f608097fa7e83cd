/**
 * The known mix the end-to-end tests send: valid events spread over the last
 * ~40 minutes of event time, a burst of searches on the hot route inside one
 * 5-minute window (20 minutes ago), exact duplicates re-sent later, invalid
 * events alone and inside otherwise-valid requests (which are then rejected
 * as a whole), split into requests of up to `requestSize` events. Every
 * request carries the events of ONE source (the key it is sent with).
 */
import type { FlightEvent } from "../../functions/shared/events";
import { INVALID_REASONS, TrafficGenerator, rng } from "../../local/traffic";

export interface MixOptions {
    readonly seed: number;
    readonly now: Date;
    /** Distinct valid events, hot searches included. */
    readonly events: number;
    readonly hotSearches: number;
    readonly duplicates: number;
    /** Requests made only of invalid events. */
    readonly invalidAlone: number;
    /** Requests of valid events with one invalid event among them (rejected as a whole). */
    readonly invalidMixed: number;
    readonly requestSize: number;
}

export interface Request {
    readonly body: unknown[];
    /** The source of every event in the body: the request is sent with that source's key. */
    readonly source: string;
    /** Whether ingestion must accept it (all events valid). */
    readonly valid: boolean;
}

export interface Mix {
    /** Searches, offers, bookings, duplicates and invalid requests (shuffled). */
    readonly phaseA: Request[];
    /** Cancellations and their duplicates, sent once phase A is processed. */
    readonly phaseB: Request[];
    /** Every valid event in the order of the valid requests (duplicates included). */
    readonly acceptedEvents: FlightEvent[];
    readonly hotRoute: string;
    /** Start of the 5-minute window holding the burst. */
    readonly hotWindowStart: string;
}

const WINDOW_MS = 5 * 60_000;

export function buildMix(o: MixOptions): Mix {
    const gen = new TrafficGenerator({ seed: o.seed, idPrefix: `e2e${o.seed}`, cancellationLag: 0 });
    const r = rng(o.seed + 1);
    const now = o.now.getTime();
    const spreadFrom = now - 40 * 60_000;
    const spreadTo = now - 60_000;
    const hotWindowStart = Math.floor((now - 20 * 60_000) / WINDOW_MS) * WINDOW_MS;
    const normal: FlightEvent[] = [];
    // Event times in increasing order, so cancellations follow their bookings.
    const times = Array.from({ length: o.events - o.hotSearches }, () => spreadFrom + Math.floor(r() * (spreadTo - spreadFrom))).sort((a, b) => a - b);
    for (const t of times) normal.push(gen.next(new Date(t)));
    const hot = Array.from({ length: o.hotSearches }, (_, i) => gen.hotSearch(new Date(hotWindowStart + 30_000 + Math.floor((i * (WINDOW_MS - 60_000)) / o.hotSearches))));
    // Interleave hot searches at random positions.
    const valid = [...normal];
    for (const h of hot) valid.splice(Math.floor(r() * (valid.length + 1)), 0, h);

    // Phase A: everything but cancellations. Phase B (sent after A is processed): the
    // cancellations, as in real traffic where a cancellation follows its booking by hours
    // (events are partitioned by eventId, so a booking and its cancellation sent together
    // could be processed on different shards in either order).
    const isCancel = (e: FlightEvent) => e.type === "cancellation";
    const phaseA = valid.filter((e) => !isCancel(e));
    const phaseB = valid.filter(isCancel);
    const chunk = (events: FlightEvent[], ok: boolean): Request[] => {
        const bySource = new Map<string, FlightEvent[]>();
        for (const e of events) bySource.set(e.source, [...(bySource.get(e.source) ?? []), e]);
        const out: Request[] = [];
        for (const [source, list] of bySource) {
            for (let i = 0; i < list.length; i += o.requestSize) out.push({ body: list.slice(i, i + o.requestSize), source, valid: ok });
        }
        return out;
    };
    const copies = (from: FlightEvent[], n: number) => Array.from({ length: n }, () => JSON.parse(JSON.stringify(from[Math.floor(r() * from.length)])) as FlightEvent);
    const dupB = Math.min(Math.floor(o.duplicates / 10), phaseB.length);
    const requestsA: Request[] = [...chunk(phaseA, true), ...chunk(copies(phaseA, o.duplicates - dupB), true)];
    for (let i = 0; i < o.invalidAlone; i++) {
        const bad = gen.invalidEvent(new Date(spreadTo), INVALID_REASONS[i % INVALID_REASONS.length]);
        requestsA.push({ body: [bad], source: String(bad.source), valid: false });
    }
    // Invalid mixed into fresh valid events: the whole request is refused, so these valid events never count.
    for (let i = 0; i < o.invalidMixed; i++) {
        const bad = gen.invalidEvent(new Date(spreadTo), INVALID_REASONS[(i + 3) % INVALID_REASONS.length]);
        const source = String(bad.source);
        const body: unknown[] = Array.from({ length: 9 }, () => ({ ...gen.search(new Date(spreadTo)), source }));
        body.splice(4, 0, bad);
        requestsA.push({ body, source, valid: false });
    }
    // Deterministic shuffle: a duplicate may arrive before its original (it is the same event).
    for (let i = requestsA.length - 1; i > 0; i--) {
        const j = Math.floor(r() * (i + 1));
        [requestsA[i], requestsA[j]] = [requestsA[j], requestsA[i]];
    }
    const requestsB = [...chunk(phaseB, true), ...chunk(copies(phaseB, dupB), true)];
    const acceptedEvents = [...requestsA, ...requestsB].filter((q) => q.valid).flatMap((q) => q.body as FlightEvent[]);
    return { phaseA: requestsA, phaseB: requestsB, acceptedEvents, hotRoute: gen.hotRoute.route, hotWindowStart: new Date(hotWindowStart).toISOString() };
}
