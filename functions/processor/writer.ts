/**
 * Writes validated events to Aurora through the Data API, one transaction per
 * chunk (docs/analytics.md "Counting semantics"):
 *
 * 1. identities are claimed first (identity-gate.ts): only events whose
 *    (source, eventId) is new reach any counter; the same identity with another
 *    fingerprint is recorded as a conflict, never counted;
 * 2. searches, offers, bookings and cancellations count once each in their
 *    route-minute (event time), offers in their price statistics;
 * 3. bookings and cancellations are stored, and the state of every booking id
 *    they touch is recomputed from ALL its events under a per-booking lock
 *    (booking-state.ts), so inventory converges whatever the order.
 *
 * A retried or replayed batch, or the same event on two shards at once, is
 * counted once. The caller hands in chunks of distinct identities
 * (identityRounds).
 */
import type { BookingEvent, CancellationEvent, FlightEvent, OfferEvent, SearchEvent } from "../shared/events";
import { routeOf } from "../shared/events";
import { identityKey } from "../shared/identity";
import { DataApi, Params } from "../shared/db/dataapi";
import { aggregateOfferPrices, aggregateRouteMinutes, minuteOf } from "./aggregate";
import { BookingVersion, CancellationFact, Contribution, bookingState, contributionOf, inventoryDeltas } from "./booking-state";
import { ChunkLimits, DEFAULT_CHUNK_LIMITS, chunkBySize, jsonBytes } from "./chunks";
import { claimIdentities, fingerprinted, identityRounds } from "./identity-gate";
import { AlertRule, DEFAULT_ALERT_RULE, DEFAULT_DEAL_RULE, DealRule, addMinutes, evaluateDemand, windowStartOf } from "./rules";
import { ScoringBackend, builtinBackend } from "../scoring/backend";
import { baselineArtifact } from "../scoring/model";
import { scoreOffers } from "./scoring";
import * as SQL from "./sql";

export interface WriteOptions {
    readonly alertRule?: AlertRule;
    readonly dealRule?: DealRule;
    /** Deal and price-adjustment scoring (functions/scoring). @default the built-in model's baseline with `dealRule` */
    readonly scoring?: ScoringBackend;
    readonly limits?: Partial<ChunkLimits>;
}

export interface WriteStats {
    /** Events handed in (distinct identities). */
    events: number;
    /** Events counted for the first time. */
    counted: number;
    /** Events already counted earlier with the same content (retries, replays, resends). */
    duplicates: number;
    /** Events whose identity was counted with another content (recorded in identity_conflicts). */
    conflicts: number;
    /** Booking events counted (first bookings and rebookings). */
    bookingEvents: number;
    /** Cancellation events counted. */
    cancellationEvents: number;
    /** Booking ids whose state was recomputed. */
    bookingsRecomputed: number;
    /** Cancellations of the touched booking ids still waiting for their booking. */
    cancellationsParked: number;
    /** Applicable cancellations of the touched bookings naming another flight. */
    flightMismatches: number;
    deals: number;
    /** Price adjustments recorded (at least the model's minimum). */
    priceAdjustments: number;
    alerts: number;
    chunks: number;
}

export function emptyStats(): WriteStats {
    return { events: 0, counted: 0, duplicates: 0, conflicts: 0, bookingEvents: 0, cancellationEvents: 0, bookingsRecomputed: 0, cancellationsParked: 0, flightMismatches: 0, deals: 0, priceAdjustments: 0, alerts: 0, chunks: 0 };
}

export function addStats(a: WriteStats, b: WriteStats): void {
    for (const k of Object.keys(a) as (keyof WriteStats)[]) a[k] += b[k];
}

/** Parameter sets of a BatchExecuteStatement, split to respect the request limit. */
async function batchUpsert(db: DataApi, sql: string, sets: Params[], tx: string, limits: Partial<ChunkLimits>): Promise<void> {
    for (const chunk of chunkBySize(sets, jsonBytes, limits)) await db.batchExecute(sql, chunk, tx);
}

/** Splits events into chunks within the Data API limits, in order. */
export function chunkEvents<T extends FlightEvent>(events: readonly T[], limits: Partial<ChunkLimits> = {}): T[][] {
    return chunkBySize(events, jsonBytes, { ...DEFAULT_CHUNK_LIMITS, ...limits });
}

/** Writes events (any order, any size, repeats allowed); returns what happened. Throws if a chunk fails (its transaction is rolled back). */
export async function writeEvents(db: DataApi, events: readonly FlightEvent[], opts: WriteOptions = {}): Promise<WriteStats> {
    const stats = emptyStats();
    const items = events.map(fingerprinted);
    for (const round of identityRounds(items, (i) => i.key, (i) => i.fingerprint)) {
        for (const chunk of chunkEvents(round.map((r) => r.item.event), opts.limits)) addStats(stats, await writeChunk(db, chunk, opts));
    }
    return stats;
}

const num = (v: unknown) => Number(v);

/** One chunk of distinct identities, one transaction. */
export async function writeChunk(db: DataApi, chunk: readonly FlightEvent[], opts: WriteOptions = {}): Promise<WriteStats> {
    const alertRule = opts.alertRule ?? DEFAULT_ALERT_RULE;
    const dealRule = opts.dealRule ?? DEFAULT_DEAL_RULE;
    const limits = opts.limits ?? {};
    const stats = emptyStats();
    stats.events = chunk.length;
    stats.chunks = 1;
    if (chunk.length === 0) return stats;

    return db.transaction(async (tx) => {
        // 1. Identity gate.
        const claim = await claimIdentities(db, chunk.map(fingerprinted), tx);
        const events = claim.fresh.map((f) => f.event);
        stats.counted = events.length;
        stats.duplicates = claim.duplicates;
        stats.conflicts = claim.conflicts;
        if (events.length === 0) return stats;

        const searches = events.filter((e): e is SearchEvent => e.type === "search");
        const offers = events.filter((e): e is OfferEvent => e.type === "offer");
        const bookings = events.filter((e): e is BookingEvent => e.type === "booking");
        const cancellations = events.filter((e): e is CancellationEvent => e.type === "cancellation");
        stats.bookingEvents = bookings.length;
        stats.cancellationEvents = cancellations.length;

        // 2. Deals and price adjustments (processor/scoring.ts), against the distribution before this chunk's offers.
        const scored = await scoreOffers(db, offers, opts.scoring ?? builtinBackend(baselineArtifact(dealRule)), tx);
        stats.deals = scored.deals;
        stats.priceAdjustments = scored.priceAdjustments;

        // 3. Booking state, recomputed from every event of each booking id touched.
        if (bookings.length + cancellations.length > 0) {
            const b = await recomputeBookings(db, bookings, cancellations, tx, limits);
            stats.bookingsRecomputed = b.recomputed;
            stats.cancellationsParked = b.parked;
            stats.flightMismatches = b.mismatches;
        }

        // 4. Counters: every counted event once, at its route and minute of event time.
        await batchUpsert(db, SQL.UPSERT_ROUTE_MINUTE, aggregateRouteMinutes(events).map((r) => ({
            route: r.route, minute: r.minute, origin: r.origin, destination: r.destination, searches: r.searches, offers: r.offers,
            bookings: r.bookings, cancellations: r.cancellations, seats_booked: r.seatsBooked, seats_cancelled: r.seatsCancelled,
        })), tx, limits);
        await batchUpsert(db, SQL.UPSERT_OFFER_PRICES, aggregateOfferPrices(offers).map((p) => ({
            route: p.route, minute: p.minute, currency: p.currency, offers: p.offers, price_sum: asFloat(p.priceSum),
            price_sum_sq: asFloat(p.priceSumSq), price_min: asFloat(p.priceMin), price_max: asFloat(p.priceMax),
        })), tx, limits);

        // 5. High-demand alerts for the windows this chunk's searches fell into.
        stats.alerts = await raiseAlerts(db, searches, alertRule, tx);
        return stats;
    });
}

/**
 * Stores new booking and cancellation events, then recomputes the state of every booking id they
 * (or `extraIds`) touch from ALL its stored events, applying the inventory difference.
 */
export async function recomputeBookings(
    db: DataApi, bookings: readonly BookingEvent[], cancellations: readonly CancellationEvent[], tx: string, limits: Partial<ChunkLimits>, extraIds: readonly string[] = [],
): Promise<{ recomputed: number; parked: number; mismatches: number }> {
    const ids = [...new Set([...bookings, ...cancellations].map((e) => e.bookingId).concat(extraIds))].sort();
    // Concurrent chunks (other shards) touching the same booking wait here, in the same order.
    await db.execute(SQL.LOCK_BOOKINGS, { ids: { json: ids } }, tx);
    if (bookings.length > 0) {
        await db.execute(SQL.INSERT_BOOKING_EVENTS, {
            events: {
                json: sortBy(bookings, identityKey).map((b) => ({
                    source: b.source, event_id: b.eventId, booking_id: b.bookingId, carrier: b.flight.carrier, flight_number: b.flight.number,
                    departure_date: b.flight.departureDate, origin: b.flight.origin, destination: b.flight.destination, seats: b.seats, occurred_at: b.occurredAt,
                })),
            },
        }, tx);
    }
    if (cancellations.length > 0) {
        await db.execute(SQL.INSERT_CANCELLATION_EVENTS, {
            events: {
                json: sortBy(cancellations, identityKey).map((c) => ({
                    source: c.source, event_id: c.eventId, booking_id: c.bookingId, carrier: c.flight.carrier, flight_number: c.flight.number,
                    departure_date: c.flight.departureDate, seats: c.seats, occurred_at: c.occurredAt,
                })),
            },
        }, tx);
    }
    const idParam = { ids: { json: ids } };
    const versions = new Map<string, BookingVersion[]>();
    for (const r of await db.query(SQL.BOOKING_EVENTS_OF, idParam, tx)) {
        const v: BookingVersion = {
            source: String(r.source), eventId: String(r.event_id), bookingId: String(r.booking_id), carrier: String(r.carrier), number: String(r.flight_number),
            departureDate: String(r.departure_date), origin: String(r.origin), destination: String(r.destination), seats: num(r.seats), atUs: num(r.at_us),
        };
        (versions.get(v.bookingId) ?? versions.set(v.bookingId, []).get(v.bookingId)!).push(v);
    }
    const cancels = new Map<string, CancellationFact[]>();
    for (const r of await db.query(SQL.CANCELLATION_EVENTS_OF, idParam, tx)) {
        const c: CancellationFact = {
            source: String(r.source), eventId: String(r.event_id), bookingId: String(r.booking_id), carrier: String(r.carrier), number: String(r.flight_number),
            departureDate: String(r.departure_date), seats: num(r.seats), atUs: num(r.at_us),
        };
        (cancels.get(c.bookingId) ?? cancels.set(c.bookingId, []).get(c.bookingId)!).push(c);
    }
    const stored = new Map<string, Contribution>();
    for (const r of await db.query(SQL.BOOKINGS_OF, idParam, tx)) {
        stored.set(String(r.booking_id), {
            carrier: String(r.carrier), number: String(r.flight_number), departureDate: String(r.departure_date),
            seats: num(r.seats) - num(r.seats_cancelled), bookings: 1, cancellations: num(r.cancellations),
        });
    }
    const states: Params[] = [];
    const parked: Params[] = [];
    const mismatches: Params[] = [];
    const pairs: { before?: Contribution; after?: Contribution }[] = [];
    for (const id of ids) {
        const state = bookingState(id, versions.get(id) ?? [], cancels.get(id) ?? []);
        pairs.push({ before: stored.get(id), after: contributionOf(state) });
        if (!state) {
            for (const c of cancels.get(id) ?? []) {
                parked.push({ source: c.source, event_id: c.eventId, booking_id: id, carrier: c.carrier, flight_number: c.number, departure_date: c.departureDate, seats: c.seats, at_us: c.atUs });
            }
            continue;
        }
        const cur = state.current;
        states.push({
            booking_id: id, event_id: cur.eventId, source: cur.source, carrier: cur.carrier, flight_number: cur.number, departure_date: cur.departureDate,
            origin: cur.origin, destination: cur.destination, seats: cur.seats, seats_cancelled: state.seatsCancelled, status: state.status, at_us: cur.atUs,
            versions: state.versions, cancellations: state.cancellations, flight_mismatches: state.mismatches.length,
        });
        for (const m of state.mismatches) {
            mismatches.push({
                source: m.source, event_id: m.eventId, booking_id: id, named_carrier: m.carrier, named_flight_number: m.number, named_departure_date: m.departureDate,
                booking_carrier: cur.carrier, booking_flight_number: cur.number, booking_departure_date: cur.departureDate,
            });
        }
    }
    if (states.length > 0) await db.execute(SQL.UPSERT_BOOKINGS, { states: { json: states } }, tx);
    await db.execute(SQL.CLEAR_PARKED, idParam, tx);
    if (parked.length > 0) await db.execute(SQL.INSERT_PARKED, { parked: { json: parked } }, tx);
    await db.execute(SQL.CLEAR_MISMATCHES, idParam, tx);
    if (mismatches.length > 0) await db.execute(SQL.INSERT_MISMATCHES, { mismatches: { json: mismatches } }, tx);
    await batchUpsert(db, SQL.UPSERT_INVENTORY, inventoryDeltas(pairs).map((d) => ({
        carrier: d.carrier, number: d.number, departure_date: d.departureDate, seats_delta: d.seatsDelta, bookings: d.bookings, cancellations: d.cancellations,
    })), tx, limits);
    return { recomputed: states.length, parked: parked.length, mismatches: mismatches.length };
}

/** Floats must travel as doubles even when integral (price_sum is double precision). */
function asFloat(n: number): Params[string] {
    return { decimal: String(n) };
}

function sortBy<T>(items: readonly T[], key: (t: T) => string): T[] {
    return [...items].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

/** PostgreSQL deadlock (40P01) or serialization failure (40001): safe to retry the whole chunk. */
export function isRetryableDbError(e: unknown): boolean {
    const m = e instanceof Error ? e.message : String(e);
    return /SQLState: 40(P01|001)\b/.test(m) || /deadlock detected/i.test(m);
}

async function raiseAlerts(db: DataApi, searches: readonly SearchEvent[], rule: AlertRule, tx: string): Promise<number> {
    if (searches.length === 0) return 0;
    const keys = new Map<string, { route: string; origin: string; destination: string; window_start: string; window_end: string; baseline_start: string }>();
    for (const s of searches) {
        const route = routeOf(s);
        const ws = windowStartOf(s.occurredAt, rule.windowMinutes);
        const k = `${route}|${ws}`;
        if (!keys.has(k)) {
            keys.set(k, { route, origin: s.origin, destination: s.destination, window_start: ws, window_end: addMinutes(ws, rule.windowMinutes), baseline_start: addMinutes(ws, -rule.baselineMinutes) });
        }
    }
    const list = [...keys.values()];
    const rows = await db.query<{ i: number; window_searches: number; baseline_searches: number }>(SQL.WINDOW_SEARCHES, {
        keys: { json: list.map((k, i) => ({ i, route: k.route, window_start: k.window_start, window_end: k.window_end, baseline_start: k.baseline_start })) },
    }, tx);
    const alerts = rows.flatMap((r) => {
        const k = list[Number(r.i)];
        const decision = evaluateDemand(Number(r.window_searches), Number(r.baseline_searches), rule);
        if (!decision.alert) return [];
        return [{
            route: k.route, origin: k.origin, destination: k.destination, window_start: k.window_start, window_end: k.window_end,
            searches: Number(r.window_searches), baseline_searches: decision.baselinePerWindow, multiplier: rule.multiplier, min_searches: rule.minSearches,
        }];
    });
    if (alerts.length === 0) return 0;
    return (await db.query(SQL.INSERT_ALERTS, { alerts: { json: alerts } }, tx)).length;
}
