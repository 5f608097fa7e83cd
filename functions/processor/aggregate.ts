/**
 * Pure aggregation of validated events into per-route, per-minute rows
 * (event time, UTC). No I/O: the writer turns these rows into upserts.
 * Only the traffic types are counted (search, offer, booking, cancellation);
 * other registered types (flight_status) are not route-minute traffic and
 * are skipped here.
 *
 * Hot path (bench/consumer.ts): rows are found through nested maps (origin →
 * destination → minute) so no key string is built per event, and the minute
 * of a timestamp comes from a small cache keyed by its text up to the minute
 * plus its zone, so Date is parsed once per distinct minute, not per event.
 */
import type { BookingEvent, CancellationEvent, FlightEvent, OfferEvent, SearchEvent } from "../shared/events";

type TrafficEvent = SearchEvent | OfferEvent | BookingEvent | CancellationEvent;

function minuteOfParsed(occurredAt: string): string {
    const t = Date.parse(occurredAt);
    if (Number.isNaN(t)) throw new Error(`minuteOf: occurredAt is not a timestamp (received ${JSON.stringify(occurredAt)}).`);
    return new Date(Math.floor(t / 60_000) * 60_000).toISOString();
}

/** Event time truncated to the minute, as an ISO string ("2026-11-22T10:15:00.000Z"). */
export function minuteOf(occurredAt: string): string {
    return minuteOfParsed(occurredAt);
}

const SHAPE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * minuteOf with a cache: "YYYY-MM-DDTHH:MM" + zone decides the UTC minute
 * (seconds and fractions never cross a minute; offsets are whole minutes), so
 * events of one minute and zone share one parse. Anything not in that shape
 * goes to minuteOf.
 */
export class MinuteCache {
    private readonly cache = new Map<string, string>();
    constructor(private readonly maxEntries = 4096) {}
    minuteOf(occurredAt: string): string {
        if (!SHAPE.test(occurredAt)) return minuteOfParsed(occurredAt);
        const last = occurredAt.charCodeAt(occurredAt.length - 1);
        const key = last === 90 /* Z */ ? occurredAt.slice(0, 16) : occurredAt.slice(0, 16) + occurredAt.slice(-6);
        let m = this.cache.get(key);
        if (m === undefined) {
            m = minuteOfParsed(occurredAt);
            if (this.cache.size >= this.maxEntries) this.cache.clear();
            this.cache.set(key, m);
        }
        return m;
    }
}

export interface RouteMinuteRow {
    readonly route: string;
    readonly minute: string;
    readonly origin: string;
    readonly destination: string;
    readonly searches: number;
    readonly offers: number;
    readonly bookings: number;
    readonly cancellations: number;
    readonly seatsBooked: number;
    readonly seatsCancelled: number;
}

export interface OfferPriceRow {
    readonly route: string;
    readonly minute: string;
    readonly currency: string;
    readonly offers: number;
    readonly priceSum: number;
    readonly priceSumSq: number;
    readonly priceMin: number;
    readonly priceMax: number;
}

function isTraffic(e: FlightEvent): e is TrafficEvent {
    return e.type === "search" || e.type === "offer" || e.type === "booking" || e.type === "cancellation";
}

function endpoints(e: TrafficEvent): { origin: string; destination: string } {
    return e.type === "booking" || e.type === "cancellation" ? e.flight : e;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** origin → destination → minute → value, without building a key string per event. */
class RouteMinuteMap<V> {
    private readonly byOrigin = new Map<string, Map<string, Map<string, V>>>();
    get(origin: string, destination: string, minute: string): V | undefined {
        return this.byOrigin.get(origin)?.get(destination)?.get(minute);
    }
    set(origin: string, destination: string, minute: string, v: V): void {
        let d = this.byOrigin.get(origin);
        if (!d) this.byOrigin.set(origin, (d = new Map()));
        let m = d.get(destination);
        if (!m) d.set(destination, (m = new Map()));
        m.set(minute, v);
    }
}

/** Counts per (route, minute), sorted by route then minute (a stable lock order for upserts). */
export function aggregateRouteMinutes(events: readonly FlightEvent[], minutes: MinuteCache = new MinuteCache()): RouteMinuteRow[] {
    const index = new RouteMinuteMap<Mutable<RouteMinuteRow>>();
    const rows: Mutable<RouteMinuteRow>[] = [];
    for (const e of events) {
        if (!isTraffic(e)) continue;
        const { origin, destination } = endpoints(e);
        const minute = minutes.minuteOf(e.occurredAt);
        let r = index.get(origin, destination, minute);
        if (!r) {
            r = { route: `${origin}-${destination}`, minute, origin, destination, searches: 0, offers: 0, bookings: 0, cancellations: 0, seatsBooked: 0, seatsCancelled: 0 };
            index.set(origin, destination, minute, r);
            rows.push(r);
        }
        switch (e.type) {
            case "search":
                r.searches++;
                break;
            case "offer":
                r.offers++;
                break;
            case "booking":
                r.bookings++;
                r.seatsBooked += e.seats;
                break;
            case "cancellation":
                r.cancellations++;
                r.seatsCancelled += e.seats;
                break;
        }
    }
    return rows.sort((a, b) => (a.route === b.route ? a.minute.localeCompare(b.minute) : a.route.localeCompare(b.route)));
}

/** Offer price sums per (route, currency, minute), sorted. */
export function aggregateOfferPrices(events: readonly FlightEvent[], minutes: MinuteCache = new MinuteCache()): OfferPriceRow[] {
    // origin → destination → minute → currency → row
    const index = new RouteMinuteMap<Map<string, Mutable<OfferPriceRow>>>();
    const rows: Mutable<OfferPriceRow>[] = [];
    for (const e of events) {
        if (e.type !== "offer") continue;
        const { origin, destination } = e as OfferEvent;
        const minute = minutes.minuteOf(e.occurredAt);
        const { amount, currency } = (e as OfferEvent).price;
        let byCurrency = index.get(origin, destination, minute);
        if (!byCurrency) index.set(origin, destination, minute, (byCurrency = new Map()));
        const r = byCurrency.get(currency);
        if (!r) {
            const row = { route: `${origin}-${destination}`, minute, currency, offers: 1, priceSum: amount, priceSumSq: amount * amount, priceMin: amount, priceMax: amount };
            byCurrency.set(currency, row);
            rows.push(row);
        } else {
            r.offers++;
            r.priceSum += amount;
            r.priceSumSq += amount * amount;
            r.priceMin = Math.min(r.priceMin, amount);
            r.priceMax = Math.max(r.priceMax, amount);
        }
    }
    return rows.sort((a, b) => `${a.route}|${a.currency}|${a.minute}`.localeCompare(`${b.route}|${b.currency}|${b.minute}`));
}

/** Keeps the first event of each eventId (a batch may carry the same event twice). */
export function dedupeByEventId<T extends { eventId: string }>(events: readonly T[]): T[] {
    const seen = new Set<string>();
    return events.filter((e) => (seen.has(e.eventId) ? false : (seen.add(e.eventId), true)));
}
