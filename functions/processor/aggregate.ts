/**
 * Pure aggregation of validated events into per-route, per-minute rows
 * (event time, UTC). No I/O: the writer turns these rows into upserts.
 */
import type { FlightEvent, OfferEvent } from "../shared/events";
import { routeOf } from "../shared/events";

/** Event time truncated to the minute, as an ISO string ("2026-11-22T10:15:00.000Z"). */
export function minuteOf(occurredAt: string): string {
    const t = Date.parse(occurredAt);
    if (Number.isNaN(t)) throw new Error(`minuteOf: occurredAt is not a timestamp (received ${JSON.stringify(occurredAt)}).`);
    return new Date(Math.floor(t / 60_000) * 60_000).toISOString();
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

function endpoints(e: FlightEvent): { origin: string; destination: string } {
    return e.type === "booking" || e.type === "cancellation" ? e.flight : e;
}

/** Counts per (route, minute), sorted by route then minute (a stable lock order for upserts). */
export function aggregateRouteMinutes(events: readonly FlightEvent[]): RouteMinuteRow[] {
    const rows = new Map<string, { -readonly [K in keyof RouteMinuteRow]: RouteMinuteRow[K] }>();
    for (const e of events) {
        const route = routeOf(e);
        const minute = minuteOf(e.occurredAt);
        const key = `${route}|${minute}`;
        let r = rows.get(key);
        if (!r) {
            const { origin, destination } = endpoints(e);
            r = { route, minute, origin, destination, searches: 0, offers: 0, bookings: 0, cancellations: 0, seatsBooked: 0, seatsCancelled: 0 };
            rows.set(key, r);
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
    return [...rows.values()].sort((a, b) => (a.route === b.route ? a.minute.localeCompare(b.minute) : a.route.localeCompare(b.route)));
}

/** Offer price sums per (route, currency, minute), sorted. */
export function aggregateOfferPrices(events: readonly FlightEvent[]): OfferPriceRow[] {
    const rows = new Map<string, { -readonly [K in keyof OfferPriceRow]: OfferPriceRow[K] }>();
    for (const e of events) {
        if (e.type !== "offer") continue;
        const route = routeOf(e);
        const minute = minuteOf(e.occurredAt);
        const { amount, currency } = (e as OfferEvent).price;
        const key = `${route}|${currency}|${minute}`;
        const r = rows.get(key);
        if (!r) {
            rows.set(key, { route, minute, currency, offers: 1, priceSum: amount, priceSumSq: amount * amount, priceMin: amount, priceMax: amount });
        } else {
            r.offers++;
            r.priceSum += amount;
            r.priceSumSq += amount * amount;
            r.priceMin = Math.min(r.priceMin, amount);
            r.priceMax = Math.max(r.priceMax, amount);
        }
    }
    return [...rows.values()].sort((a, b) => `${a.route}|${a.currency}|${a.minute}`.localeCompare(`${b.route}|${b.currency}|${b.minute}`));
}

/** Keeps the first event of each eventId (a batch may carry the same event twice). */
export function dedupeByEventId<T extends { eventId: string }>(events: readonly T[]): T[] {
    const seen = new Set<string>();
    return events.filter((e) => (seen.has(e.eventId) ? false : (seen.add(e.eventId), true)));
}
