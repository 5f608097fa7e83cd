/**
 * Writes validated events to Aurora through the Data API, one transaction per
 * chunk (docs/analytics.md "Counting semantics"):
 *
 * 0. a chunk of stream records (`writeRecordParts`) first claims its record
 *    parts (shard id, sequence number, part): a part claimed before was counted
 *    whole in an earlier transaction (a redelivery, a retry after a crash
 *    between this commit and Lambda's checkpoint, a replay from the stream) and
 *    its events are skipped without touching any identity;
 * 1. identities are gated next (identity-gate.ts): only events whose
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
import { identityKey } from "../shared/identity";
import { DataApi, Params } from "../shared/db/dataapi";
import { MinuteCache, aggregateOfferPrices, aggregateRouteMinutes } from "./aggregate";
import { BookingVersion, CancellationFact, Contribution, bookingState, contributionOf, inventoryDeltas } from "./booking-state";
import { ChunkLimits, DEFAULT_CHUNK_LIMITS, chunkBySize, jsonBytes } from "./chunks";
import { AlertingOptions, raiseForecastAlerts } from "./alerting";
import { GateOptions, fingerprinted, gateIdentities, identityRounds } from "./identity-gate";
import { AlertRule, DEFAULT_ALERT_RULE, DEFAULT_DEAL_RULE, DealRule } from "./rules";
import { ScoringBackend, builtinBackend } from "../scoring/backend";
import { baselineArtifact } from "../scoring/model";
import { scoreOffers } from "./scoring";
import * as SQL from "./sql";

export interface WriteOptions extends GateOptions {
    readonly alertRule?: AlertRule;
    /** The forecast alert test's policy and model (./alerting.ts). */
    readonly alerting?: AlertingOptions;
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
    /** Events already counted earlier with the same content (retries, replays, resends), including `redelivered`. */
    duplicates: number;
    /** Events skipped because their record part was claimed (counted whole) before. */
    redelivered: number;
    /** Record parts claimed by this write. */
    partsClaimed: number;
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
    return {
        events: 0,
        counted: 0,
        duplicates: 0,
        redelivered: 0,
        partsClaimed: 0,
        conflicts: 0,
        bookingEvents: 0,
        cancellationEvents: 0,
        bookingsRecomputed: 0,
        cancellationsParked: 0,
        flightMismatches: 0,
        deals: 0,
        priceAdjustments: 0,
        alerts: 0,
        chunks: 0,
    };
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
    // Copies inside a chunk are dropped there; across chunks the gate sees the earlier chunk's commit.
    for (const chunk of chunkEvents(events, opts.limits)) addStats(stats, await writeChunk(db, chunk, opts));
    return stats;
}

const num = (v: unknown) => Number(v);

/** What a stored booking or cancellation event row says (BOOKING_EVENTS_OF, CANCELLATION_EVENTS_OF): the event, the booking, the flight, the seats and when. */
function storedEventFact(r: Record<string, unknown>): CancellationFact {
    return {
        source: String(r.source),
        eventId: String(r.event_id),
        bookingId: String(r.booking_id),
        carrier: String(r.carrier),
        number: String(r.flight_number),
        departureDate: String(r.departure_date),
        seats: num(r.seats),
        atUs: num(r.at_us),
    };
}

/** A part of a stream record: its valid events split within the chunk limits, in order (deterministic for a record). */
export interface RecordPart {
    readonly shardId: string;
    readonly sequenceNumber: string;
    readonly part: number;
    readonly events: readonly FlightEvent[];
}

/** One chunk of events (repeats allowed), one transaction. */
export async function writeChunk(db: DataApi, chunk: readonly FlightEvent[], opts: WriteOptions = {}): Promise<WriteStats> {
    if (chunk.length === 0) return { ...emptyStats(), chunks: 1 };
    return db.transaction((tx) => writeInTransaction(db, chunk, tx, opts));
}

/**
 * Whole record parts in one transaction: claims the parts first and counts only the events of parts
 * not claimed before, so the claim and the aggregates commit (or roll back) together.
 */
export async function writeRecordParts(db: DataApi, parts: readonly RecordPart[], opts: WriteOptions = {}): Promise<WriteStats> {
    if (parts.every((p) => p.events.length === 0)) return { ...emptyStats(), chunks: 1 };
    return db.transaction((tx) => writePartsInTransaction(db, parts, tx, opts));
}

/** One chunk of a batch: whole record parts (claimed with their aggregates), or events without claims. */
export interface BatchChunk {
    readonly events: readonly FlightEvent[];
    readonly parts?: readonly RecordPart[];
}

/**
 * What a batch counted, kept in memory until the batch's ONE aggregate write
 * (`writeBatch`): the fresh events of every chunk, so each route-minute and
 * price row is upserted once per batch whatever the number of chunks.
 */
export interface DeferredAggregates {
    readonly events: FlightEvent[];
}

/**
 * A whole Lambda batch in ONE transaction: every route-minute (searches,
 * offers) and booking id of the batch is locked first, in sorted order, then
 * each chunk claims its record parts and gates its identities as before
 * (booking state per chunk), while the aggregates of every counted event are
 * pre-aggregated in memory and written at the end as one multi-row upsert per
 * table, with the alerts of the batch's searches, then the transaction commits
 * the claims, the identities and the aggregates together. A failure rolls all
 * of it back (the caller falls back to one transaction per chunk, which
 * isolates the cause).
 */
export async function writeBatch(db: DataApi, chunks: readonly BatchChunk[], opts: WriteOptions = {}): Promise<WriteStats> {
    const all = chunks.flatMap((c) => c.events);
    if (all.length === 0) return { ...emptyStats(), chunks: chunks.length };
    return db.transaction(async (tx) => {
        await lockBatchKeys(db, all, tx);
        const deferred: DeferredAggregates = { events: [] };
        const inner = { ...opts, deferred };
        const stats = emptyStats();
        for (const c of chunks) {
            if (c.events.length === 0) continue;
            addStats(stats, c.parts ? await writePartsInTransaction(db, c.parts, tx, inner) : await writeInTransaction(db, c.events, tx, inner));
        }
        stats.alerts += await writeAggregates(db, deferred.events, tx, opts);
        stats.chunks = chunks.length;
        return stats;
    });
}

/** Locks the batch's route-minutes (searches, offers) and booking ids up front, sorted, so batches on other shards wait in one order. */
async function lockBatchKeys(db: DataApi, events: readonly FlightEvent[], tx: string): Promise<void> {
    const keys = new Map<string, { route: string; minute: string; origin: string; destination: string }>();
    const ids = new Set<string>();
    const minutes = new MinuteCache();
    for (const e of events) {
        if (e.type === "search" || e.type === "offer") {
            const minute = minutes.minuteOf(e.occurredAt);
            keys.set(`${e.origin}-${e.destination}|${minute}`, { route: `${e.origin}-${e.destination}`, minute, origin: e.origin, destination: e.destination });
        } else if (e.type === "booking" || e.type === "cancellation") ids.add(e.bookingId);
    }
    if (keys.size > 0) {
        const sorted = [...keys.entries()].sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0)).map(([, v]) => v);
        for (const part of chunkBySize(sorted, jsonBytes, {})) {
            await db.execute(SQL.ENSURE_ROUTE_MINUTES, { keys: { json: part } }, tx);
            await db.query(SQL.LOCK_ROUTE_MINUTES, { keys: { json: part.map((k) => ({ route: k.route, minute: k.minute })) } }, tx);
        }
    }
    if (ids.size > 0) await db.execute(SQL.LOCK_BOOKINGS, { ids: { json: [...ids].sort() } }, tx);
}

async function writePartsInTransaction(db: DataApi, parts: readonly RecordPart[], tx: string, opts: WriteOptions & { deferred?: DeferredAggregates }): Promise<WriteStats> {
    const all = parts.flatMap((p) => p.events);
    {
        const claimed = await db.query<{ shard_id: string; sequence_number: string; part: number }>(
            SQL.CLAIM_RECORD_PARTS,
            {
                claims: { json: parts.map((p) => ({ shard_id: p.shardId, sequence_number: p.sequenceNumber, part: p.part, events: p.events.length })) },
            },
            tx,
        );
        const fresh = new Set(claimed.map((c) => `${c.shard_id}|${c.sequence_number}|${Number(c.part)}`));
        const counted = parts.filter((p) => fresh.has(`${p.shardId}|${p.sequenceNumber}|${p.part}`));
        const events = counted.flatMap((p) => p.events);
        const stats = events.length > 0 ? await writeInTransaction(db, events, tx, opts) : { ...emptyStats(), chunks: 1 };
        const skipped = all.length - events.length;
        stats.events = all.length;
        stats.redelivered = skipped;
        stats.duplicates += skipped;
        stats.partsClaimed = counted.length;
        return stats;
    }
}

async function writeInTransaction(db: DataApi, chunk: readonly FlightEvent[], tx: string, opts: WriteOptions & { deferred?: DeferredAggregates }): Promise<WriteStats> {
    const stats = emptyStats();
    stats.events = chunk.length;
    stats.chunks = 1;
    const rounds = identityRounds(
        chunk.map(fingerprinted),
        (i) => i.key,
        (i) => i.fingerprint,
    );
    // Exact copies inside the chunk (a resend landing in the same batch) are duplicates too.
    stats.duplicates = chunk.length - rounds.reduce((n, r) => n + r.length, 0);
    for (const round of rounds)
        addStats(
            stats,
            await countRound(
                db,
                round.map((r) => r.item),
                tx,
                opts,
            ),
        );
    stats.events = chunk.length;
    stats.chunks = 1;
    return stats;
}

/** Distinct identities: gate, then every counter for the fresh ones. */
async function countRound(db: DataApi, items: readonly ReturnType<typeof fingerprinted>[], tx: string, opts: WriteOptions & { deferred?: DeferredAggregates }): Promise<WriteStats> {
    const dealRule = opts.dealRule ?? DEFAULT_DEAL_RULE;
    const limits = opts.limits ?? {};
    const stats = emptyStats();
    {
        // 1. Identity gate.
        const claim = await gateIdentities(db, items, tx, opts);
        const events = claim.fresh.map((f) => f.event);
        stats.counted = events.length;
        stats.duplicates = claim.duplicates;
        stats.conflicts = claim.conflicts;
        if (events.length === 0) return stats;

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

        // 4. Counters and 5. alerts: now, or once for the whole batch (writeBatch).
        if (opts.deferred) {
            for (const e of events) opts.deferred.events.push(e);
            return stats;
        }
        stats.alerts = await writeAggregates(db, events, tx, opts);
        return stats;
    }
}

/**
 * 4. Counters: every counted event once, at its route and minute of event time, as ONE multi-row upsert per
 * table (split only by the Data API's request size); 5. the high-demand alerts of the windows the searches fell into.
 */
async function writeAggregates(db: DataApi, events: readonly FlightEvent[], tx: string, opts: WriteOptions): Promise<number> {
    if (events.length === 0) return 0;
    const alertRule = opts.alertRule ?? DEFAULT_ALERT_RULE;
    const minutes = new MinuteCache();
    const offers = events.filter((e): e is OfferEvent => e.type === "offer");
    const searches = events.filter((e): e is SearchEvent => e.type === "search");
    await multiRowUpsert(
        db,
        SQL.UPSERT_ROUTE_MINUTES,
        "rows",
        aggregateRouteMinutes(events, minutes).map((r) => ({
            route: r.route,
            minute: r.minute,
            origin: r.origin,
            destination: r.destination,
            searches: r.searches,
            offers: r.offers,
            bookings: r.bookings,
            cancellations: r.cancellations,
            seats_booked: r.seatsBooked,
            seats_cancelled: r.seatsCancelled,
        })),
        tx,
    );
    await multiRowUpsert(
        db,
        SQL.UPSERT_OFFER_PRICES_ROWS,
        "rows",
        aggregateOfferPrices(offers, minutes).map((p) => ({
            route: p.route,
            minute: p.minute,
            currency: p.currency,
            offers: p.offers,
            price_sum: p.priceSum,
            price_sum_sq: p.priceSumSq,
            price_min: p.priceMin,
            price_max: p.priceMax,
        })),
        tx,
    );
    return raiseForecastAlerts(db, searches, { baselineMinutes: alertRule.baselineMinutes, ...opts.alerting }, tx);
}

/** Rows as one JSON parameter (jsonb_to_recordset), split only where a request would pass the Data API's size limit. */
async function multiRowUpsert(db: DataApi, sql: string, param: string, rows: readonly Record<string, unknown>[], tx: string): Promise<void> {
    if (rows.length === 0) return;
    for (const part of chunkBySize(rows, jsonBytes, { maxItems: 100_000 })) await db.execute(sql, { [param]: { json: part } }, tx);
}

/**
 * Stores new booking and cancellation events, then recomputes the state of every booking id they
 * (or `extraIds`) touch from ALL its stored events, applying the inventory difference.
 */
export async function recomputeBookings(
    db: DataApi,
    bookings: readonly BookingEvent[],
    cancellations: readonly CancellationEvent[],
    tx: string,
    limits: Partial<ChunkLimits>,
    extraIds: readonly string[] = [],
): Promise<{ recomputed: number; parked: number; mismatches: number }> {
    const ids = [...new Set([...bookings, ...cancellations].map((e) => e.bookingId).concat(extraIds))].sort();
    // Concurrent chunks (other shards) touching the same booking wait here, in the same order.
    await db.execute(SQL.LOCK_BOOKINGS, { ids: { json: ids } }, tx);
    if (bookings.length > 0) {
        await db.execute(
            SQL.INSERT_BOOKING_EVENTS,
            {
                events: {
                    json: sortBy(bookings, identityKey).map((b) => ({
                        source: b.source,
                        event_id: b.eventId,
                        booking_id: b.bookingId,
                        carrier: b.flight.carrier,
                        flight_number: b.flight.number,
                        departure_date: b.flight.departureDate,
                        origin: b.flight.origin,
                        destination: b.flight.destination,
                        seats: b.seats,
                        occurred_at: b.occurredAt,
                    })),
                },
            },
            tx,
        );
    }
    if (cancellations.length > 0) {
        await db.execute(
            SQL.INSERT_CANCELLATION_EVENTS,
            {
                events: {
                    json: sortBy(cancellations, identityKey).map((c) => ({
                        source: c.source,
                        event_id: c.eventId,
                        booking_id: c.bookingId,
                        carrier: c.flight.carrier,
                        flight_number: c.flight.number,
                        departure_date: c.flight.departureDate,
                        seats: c.seats,
                        occurred_at: c.occurredAt,
                    })),
                },
            },
            tx,
        );
    }
    const idParam = { ids: { json: ids } };
    const versions = new Map<string, BookingVersion[]>();
    for (const r of await db.query(SQL.BOOKING_EVENTS_OF, idParam, tx)) {
        const v: BookingVersion = { ...storedEventFact(r), origin: String(r.origin), destination: String(r.destination) };
        (versions.get(v.bookingId) ?? versions.set(v.bookingId, []).get(v.bookingId)!).push(v);
    }
    const cancels = new Map<string, CancellationFact[]>();
    for (const r of await db.query(SQL.CANCELLATION_EVENTS_OF, idParam, tx)) {
        const c: CancellationFact = storedEventFact(r);
        (cancels.get(c.bookingId) ?? cancels.set(c.bookingId, []).get(c.bookingId)!).push(c);
    }
    const stored = new Map<string, Contribution>();
    for (const r of await db.query(SQL.BOOKINGS_OF, idParam, tx)) {
        stored.set(String(r.booking_id), {
            carrier: String(r.carrier),
            number: String(r.flight_number),
            departureDate: String(r.departure_date),
            seats: num(r.seats) - num(r.seats_cancelled),
            bookings: 1,
            cancellations: num(r.cancellations),
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
            booking_id: id,
            event_id: cur.eventId,
            source: cur.source,
            carrier: cur.carrier,
            flight_number: cur.number,
            departure_date: cur.departureDate,
            origin: cur.origin,
            destination: cur.destination,
            seats: cur.seats,
            seats_cancelled: state.seatsCancelled,
            status: state.status,
            at_us: cur.atUs,
            versions: state.versions,
            cancellations: state.cancellations,
            flight_mismatches: state.mismatches.length,
        });
        for (const m of state.mismatches) {
            mismatches.push({
                source: m.source,
                event_id: m.eventId,
                booking_id: id,
                named_carrier: m.carrier,
                named_flight_number: m.number,
                named_departure_date: m.departureDate,
                booking_carrier: cur.carrier,
                booking_flight_number: cur.number,
                booking_departure_date: cur.departureDate,
            });
        }
    }
    if (states.length > 0) await db.execute(SQL.UPSERT_BOOKINGS, { states: { json: states } }, tx);
    await db.execute(SQL.CLEAR_PARKED, idParam, tx);
    if (parked.length > 0) await db.execute(SQL.INSERT_PARKED, { parked: { json: parked } }, tx);
    await db.execute(SQL.CLEAR_MISMATCHES, idParam, tx);
    if (mismatches.length > 0) await db.execute(SQL.INSERT_MISMATCHES, { mismatches: { json: mismatches } }, tx);
    await batchUpsert(
        db,
        SQL.UPSERT_INVENTORY,
        inventoryDeltas(pairs).map((d) => ({
            carrier: d.carrier,
            number: d.number,
            departure_date: d.departureDate,
            seats_delta: d.seatsDelta,
            bookings: d.bookings,
            cancellations: d.cancellations,
        })),
        tx,
        limits,
    );
    return { recomputed: states.length, parked: parked.length, mismatches: mismatches.length };
}

function sortBy<T>(items: readonly T[], key: (t: T) => string): T[] {
    return [...items].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

/** PostgreSQL deadlock (40P01) or serialization failure (40001): safe to retry the whole chunk. */
export function isRetryableDbError(e: unknown): boolean {
    const m = e instanceof Error ? e.message : String(e);
    return /SQLState: 40(P01|001)\b/.test(m) || /deadlock detected/i.test(m);
}
