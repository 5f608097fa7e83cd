/**
 * Reconciliation of the real-time numbers (Aurora) with the pond datasets for
 * one UTC day (pure: the ops command `reconcile` does the I/O, scripts/reconcile.ts).
 *
 * Both sides count the same things (docs/analytics.md "Counting semantics"):
 * each event identity (source, eventId) once, at the UTC day of its
 * occurredAt, on the route it names; searches, booking events and
 * cancellation events per route (route_demand_daily), offers per route and
 * currency with their lowest and highest price (offer_price_stats_daily).
 * Every difference is named: dataset, key, field, both values.
 */

/** Real-time rows for one day, read with the statements below. */
export const REALTIME_DEMAND_DAY = `SELECT route, origin, destination, SUM(searches)::bigint AS searches, SUM(bookings)::bigint AS bookings, SUM(cancellations)::bigint AS cancellations
FROM route_minute_stats WHERE minute >= CAST(:day AS date) AND minute < CAST(:day AS date) + 1
GROUP BY route, origin, destination HAVING SUM(searches) + SUM(bookings) + SUM(cancellations) > 0 ORDER BY route`;

export const REALTIME_OFFERS_DAY = `SELECT route, currency, SUM(offers)::bigint AS offers, MIN(price_min)::float8 AS min_price, MAX(price_max)::float8 AS max_price
FROM offer_price_stats WHERE minute >= CAST(:day AS date) AND minute < CAST(:day AS date) + 1
GROUP BY route, currency ORDER BY route, currency`;

export interface DemandRow {
    readonly route: string;
    readonly searches: number;
    readonly bookings: number;
    readonly cancellations: number;
}

export interface OfferRow {
    readonly route: string;
    readonly currency: string;
    readonly offers: number;
    readonly minPrice: number;
    readonly maxPrice: number;
}

export interface DayNumbers {
    readonly demand: readonly DemandRow[];
    readonly offers: readonly OfferRow[];
}

export interface Difference {
    readonly dataset: "route_demand_daily" | "offer_price_stats_daily";
    /** Route, or route and currency ("ZRH-LIS CHF"). */
    readonly key: string;
    readonly field: string;
    readonly realtime: number | null;
    readonly pond: number | null;
}

/** Prices are doubles summed in different orders: equal within one part in 10^9. */
function same(a: number, b: number): boolean {
    return a === b || Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b));
}

function diff<T>(dataset: Difference["dataset"], keyOf: (r: T) => string, fields: readonly (keyof T & string)[], realtime: readonly T[], pond: readonly T[]): Difference[] {
    const a = new Map(realtime.map((r) => [keyOf(r), r]));
    const b = new Map(pond.map((r) => [keyOf(r), r]));
    const out: Difference[] = [];
    for (const key of [...new Set([...a.keys(), ...b.keys()])].sort()) {
        const x = a.get(key);
        const y = b.get(key);
        for (const f of fields) {
            const xv = x ? Number(x[f]) : null;
            const yv = y ? Number(y[f]) : null;
            if (xv === null || yv === null ? xv !== yv : !same(xv, yv)) out.push({ dataset, key, field: f, realtime: xv, pond: yv });
        }
    }
    return out;
}

/** Every difference between the two sides for one day (empty: they reconcile). */
export function reconcileDay(realtime: DayNumbers, pond: DayNumbers): Difference[] {
    return [
        ...diff<DemandRow>("route_demand_daily", (r) => r.route, ["searches", "bookings", "cancellations"], realtime.demand, pond.demand),
        ...diff<OfferRow>("offer_price_stats_daily", (r) => `${r.route} ${r.currency}`, ["offers", "minPrice", "maxPrice"], realtime.offers, pond.offers),
    ];
}

/** One line per difference, e.g. `route_demand_daily ZRH-LIS bookings: real-time 2, pond 3`. */
export function describeDifference(d: Difference): string {
    const v = (n: number | null) => (n === null ? "absent" : String(n));
    return `${d.dataset} ${d.key} ${d.field}: real-time ${v(d.realtime)}, pond ${v(d.pond)}`;
}
