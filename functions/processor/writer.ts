/**
 * Writes validated events to Aurora through the Data API, one transaction per
 * chunk. Idempotent: event ids are claimed first (INSERT ... ON CONFLICT DO
 * NOTHING RETURNING) and only newly claimed events reach the counters, so a
 * retried or replayed batch, or the same event on two shards at once, is
 * counted once.
 */
import type { BookingEvent, CancellationEvent, FlightEvent, OfferEvent, SearchEvent } from "../shared/events";
import { routeOf } from "../shared/events";
import { DataApi, Params } from "../shared/db/dataapi";
import { aggregateOfferPrices, aggregateRouteMinutes, cancellationRounds, dedupeByEventId, minuteOf } from "./aggregate";
import { ChunkLimits, DEFAULT_CHUNK_LIMITS, chunkBySize, jsonBytes } from "./chunks";
import { InventoryChange, aggregateInventory } from "./inventory";
import { AlertRule, DEFAULT_ALERT_RULE, DEFAULT_DEAL_RULE, DealRule, addMinutes, distributionFromSums, evaluateDemand, isDeal, windowStartOf } from "./rules";
import * as SQL from "./sql";

export interface WriteOptions {
    readonly alertRule?: AlertRule;
    readonly dealRule?: DealRule;
    readonly limits?: Partial<ChunkLimits>;
}

export interface WriteStats {
    /** Events handed in (after removing repeats inside the batch). */
    events: number;
    /** Events counted for the first time. */
    counted: number;
    /** Events already counted earlier (retries, replays, duplicates). */
    duplicates: number;
    bookingsApplied: number;
    duplicateBookings: number;
    cancellationsApplied: number;
    cancellationsUnmatched: number;
    cancellationsIgnored: number;
    deals: number;
    alerts: number;
    chunks: number;
}

export function emptyStats(): WriteStats {
    return { events: 0, counted: 0, duplicates: 0, bookingsApplied: 0, duplicateBookings: 0, cancellationsApplied: 0, cancellationsUnmatched: 0, cancellationsIgnored: 0, deals: 0, alerts: 0, chunks: 0 };
}

function add(a: WriteStats, b: WriteStats): void {
    for (const k of Object.keys(a) as (keyof WriteStats)[]) a[k] += b[k];
}

/** Parameter sets of a BatchExecuteStatement, split to respect the request limit. */
async function batchUpsert(db: DataApi, sql: string, sets: Params[], tx: string, limits: Partial<ChunkLimits>): Promise<void> {
    for (const chunk of chunkBySize(sets, jsonBytes, limits)) await db.batchExecute(sql, chunk, tx);
}

/** Splits events into chunks within the Data API limits, in order. */
export function chunkEvents(events: readonly FlightEvent[], limits: Partial<ChunkLimits> = {}): FlightEvent[][] {
    return chunkBySize(events, jsonBytes, { ...DEFAULT_CHUNK_LIMITS, ...limits });
}

/** Writes events (any order, any size); returns what happened. Throws if a chunk fails (its transaction is rolled back). */
export async function writeEvents(db: DataApi, events: readonly FlightEvent[], opts: WriteOptions = {}): Promise<WriteStats> {
    const stats = emptyStats();
    for (const chunk of chunkEvents(dedupeByEventId(events), opts.limits)) add(stats, await writeChunk(db, chunk, opts));
    return stats;
}

/** One chunk, one transaction. */
export async function writeChunk(db: DataApi, chunk: readonly FlightEvent[], opts: WriteOptions = {}): Promise<WriteStats> {
    const alertRule = opts.alertRule ?? DEFAULT_ALERT_RULE;
    const dealRule = opts.dealRule ?? DEFAULT_DEAL_RULE;
    const limits = opts.limits ?? {};
    const stats = emptyStats();
    stats.events = chunk.length;
    stats.chunks = 1;
    if (chunk.length === 0) return stats;

    return db.transaction(async (tx) => {
        // 1. Idempotency gate.
        const claimed = await db.query<{ event_id: string }>(SQL.CLAIM_EVENTS, {
            // Sorted, so concurrent chunks holding the same ids lock them in the same order (no deadlock).
            events: { json: sortBy(chunk, (e) => e.eventId).map((e) => ({ event_id: e.eventId, event_type: e.type, occurred_at: e.occurredAt })) },
        }, tx);
        const fresh = new Set(claimed.map((r) => r.event_id));
        const events = chunk.filter((e) => fresh.has(e.eventId));
        stats.counted = events.length;
        stats.duplicates = chunk.length - events.length;
        if (events.length === 0) return stats;

        const searches = events.filter((e): e is SearchEvent => e.type === "search");
        const offers = events.filter((e): e is OfferEvent => e.type === "offer");
        const bookings = dedupeBy(events.filter((e): e is BookingEvent => e.type === "booking"), (b) => b.bookingId);
        const bookingEventsTotal = events.filter((e) => e.type === "booking").length;
        const cancellations = events.filter((e): e is CancellationEvent => e.type === "cancellation");

        // 2. Deal flags, against the distribution before this chunk's offers.
        const deals = await flagDeals(db, offers, dealRule, tx);
        stats.deals = deals;

        // 3. Bookings: first sighting of a booking id only.
        const counted: FlightEvent[] = [...searches, ...offers];
        const changes: InventoryChange[] = [];
        if (bookings.length > 0) {
            const inserted = await db.query<{ booking_id: string }>(SQL.INSERT_BOOKINGS, {
                bookings: {
                    json: sortBy(bookings, (b) => b.bookingId).map((b) => ({
                        booking_id: b.bookingId, event_id: b.eventId, carrier: b.flight.carrier, flight_number: b.flight.number,
                        departure_date: b.flight.departureDate, origin: b.flight.origin, destination: b.flight.destination, seats: b.seats, occurred_at: b.occurredAt,
                    })),
                },
            }, tx);
            const newIds = new Set(inserted.map((r) => r.booking_id));
            for (const b of bookings) {
                if (!newIds.has(b.bookingId)) continue;
                counted.push(b);
                changes.push({ kind: "booking", carrier: b.flight.carrier, number: b.flight.number, departureDate: b.flight.departureDate, seats: b.seats });
            }
            stats.bookingsApplied = newIds.size;
        }
        stats.duplicateBookings = bookingEventsTotal - stats.bookingsApplied;

        // 4. Cancellations, in rounds so a booking is touched once per statement.
        for (const round of cancellationRounds(cancellations)) {
            const rows = await db.query<{ outcome: string; event_id: string; seats: number }>(SQL.APPLY_CANCELLATIONS, {
                cancellations: {
                    json: sortBy(round, (c) => c.bookingId).map((c) => ({
                        event_id: c.eventId, booking_id: c.bookingId, carrier: c.flight.carrier, flight_number: c.flight.number,
                        departure_date: c.flight.departureDate, seats: c.seats, occurred_at: c.occurredAt,
                    })),
                },
            }, tx);
            const byEvent = new Map(round.map((c) => [c.eventId, c]));
            for (const r of rows) {
                const c = byEvent.get(r.event_id)!;
                if (r.outcome === "applied") {
                    stats.cancellationsApplied++;
                    counted.push({ ...c, seats: Number(r.seats) });
                    changes.push({ kind: "cancellation", carrier: c.flight.carrier, number: c.flight.number, departureDate: c.flight.departureDate, seatsRemoved: Number(r.seats) });
                } else {
                    stats.cancellationsUnmatched++;
                }
            }
            stats.cancellationsIgnored += round.length - rows.length;
        }

        // 5. Counters.
        await batchUpsert(db, SQL.UPSERT_INVENTORY, aggregateInventory(changes).map((d) => ({
            carrier: d.carrier, number: d.number, departure_date: d.departureDate, seats_delta: d.seatsDelta, bookings: d.bookings, cancellations: d.cancellations,
        })), tx, limits);
        await batchUpsert(db, SQL.UPSERT_ROUTE_MINUTE, aggregateRouteMinutes(counted).map((r) => ({
            route: r.route, minute: r.minute, origin: r.origin, destination: r.destination, searches: r.searches, offers: r.offers,
            bookings: r.bookings, cancellations: r.cancellations, seats_booked: r.seatsBooked, seats_cancelled: r.seatsCancelled,
        })), tx, limits);
        await batchUpsert(db, SQL.UPSERT_OFFER_PRICES, aggregateOfferPrices(offers).map((p) => ({
            route: p.route, minute: p.minute, currency: p.currency, offers: p.offers, price_sum: asFloat(p.priceSum),
            price_sum_sq: asFloat(p.priceSumSq), price_min: asFloat(p.priceMin), price_max: asFloat(p.priceMax),
        })), tx, limits);

        // 6. High-demand alerts for the windows this chunk's searches fell into.
        stats.alerts = await raiseAlerts(db, searches, alertRule, tx);
        return stats;
    });
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

function dedupeBy<T>(items: readonly T[], key: (t: T) => string): T[] {
    const seen = new Set<string>();
    return items.filter((i) => (seen.has(key(i)) ? false : (seen.add(key(i)), true)));
}

async function flagDeals(db: DataApi, offers: readonly OfferEvent[], rule: DealRule, tx: string): Promise<number> {
    if (offers.length === 0) return 0;
    // One distribution per (route, currency): the lookback span before the earliest offer's minute.
    const keys = new Map<string, { route: string; currency: string; since: string; until: string }>();
    for (const o of offers) {
        const route = routeOf(o);
        const k = `${route}|${o.price.currency}`;
        const minute = minuteOf(o.occurredAt);
        const cur = keys.get(k);
        if (!cur || minute < cur.until) keys.set(k, { route, currency: o.price.currency, since: addMinutes(minute, -rule.lookbackMinutes), until: minute });
    }
    const rows = await db.query<{ route: string; currency: string; n: number; price_sum: number; price_sum_sq: number }>(SQL.OFFER_DISTRIBUTIONS, { keys: { json: [...keys.values()] } }, tx);
    const dist = new Map(rows.map((r) => [`${r.route}|${r.currency}`, distributionFromSums(Number(r.n), Number(r.price_sum), Number(r.price_sum_sq))]));
    const deals = offers.flatMap((o) => {
        const route = routeOf(o);
        const d = dist.get(`${route}|${o.price.currency}`);
        if (!d || !isDeal(o.price.amount, d, rule)) return [];
        return [{
            event_id: o.eventId, route, origin: o.origin, destination: o.destination, carrier: o.carrier, departure_date: o.departureDate,
            amount: o.price.amount, currency: o.price.currency, route_mean: d.mean, route_stddev: d.stddev, sample_size: d.count, occurred_at: o.occurredAt,
        }];
    });
    if (deals.length > 0) await db.execute(SQL.INSERT_DEALS, { deals: { json: deals } }, tx);
    return deals.length;
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
