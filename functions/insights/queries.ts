/** Read queries of the insights API (through the Data API). Output shapes are docs/design.md §3.3. */
import { ALERT_COLUMNS, alertRow, type AlertRow } from "../shared/db/alert-rows";
import { isoUtc as ISO } from "../shared/db/sql-time";
import type { DataApi } from "../shared/db/dataapi";

export interface TopRoute {
    readonly route: string;
    readonly origin: string;
    readonly destination: string;
    readonly searches: number;
    readonly bookings: number;
    readonly cancellations: number;
}

/**
 * Routes by demand over the minutes of event time in [now - minutes, now]
 * (minute buckets starting in that span): most searches first, then most
 * bookings, then route name. Routes with no search, booking or cancellation
 * in the span are left out.
 */
export const TOP_ROUTES = `SELECT route, MIN(origin) AS origin, MIN(destination) AS destination,
       SUM(searches)::bigint AS searches, SUM(bookings)::bigint AS bookings, SUM(cancellations)::bigint AS cancellations
FROM route_minute_stats
WHERE minute >= CAST(:since AS timestamptz) AND minute <= CAST(:until AS timestamptz)
GROUP BY route
HAVING SUM(searches) + SUM(bookings) + SUM(cancellations) > 0
ORDER BY SUM(searches) DESC, SUM(bookings) DESC, route ASC
LIMIT :limit`;

export async function topRoutes(db: DataApi, q: { limit: number; minutes: number; now: Date }): Promise<TopRoute[]> {
    const until = q.now.toISOString();
    const since = new Date(q.now.getTime() - q.minutes * 60_000).toISOString();
    const rows = await db.query(TOP_ROUTES, { since, until, limit: q.limit });
    return rows.map((r) => ({
        route: String(r.route),
        origin: String(r.origin),
        destination: String(r.destination),
        searches: Number(r.searches),
        bookings: Number(r.bookings),
        cancellations: Number(r.cancellations),
    }));
}

/** An alert as the API shows it: the row, `alpha` named `threshold`, and when it was stored. */
export interface AlertView extends Omit<AlertRow, "alpha"> {
    /** The test's significance level (null for alerts stored before it). */
    readonly threshold: number | null;
    readonly createdAt: string;
}

export const RECENT_ALERTS = `SELECT ${ALERT_COLUMNS}, ${ISO("created_at")} AS created_at
FROM alerts WHERE window_start <= CAST(:now AS timestamptz) ORDER BY window_start DESC, alert_id DESC LIMIT :limit`;

/** Newest first (by window start); never a window that starts after `now`. */
export async function recentAlerts(db: DataApi, limit: number, now: Date = new Date()): Promise<AlertView[]> {
    const rows = await db.query(RECENT_ALERTS, { limit, now: now.toISOString() });
    return rows.map((r) => {
        const { alpha, ...row } = alertRow(r);
        return { ...row, threshold: alpha, createdAt: String(r.created_at) };
    });
}

export interface InventoryView {
    readonly carrier: string;
    readonly number: string;
    readonly departureDate: string;
    readonly seatsSold: number;
    readonly bookings: number;
    readonly cancellations: number;
    readonly updatedAt: string;
}

export const FLIGHT_INVENTORY = `SELECT seats_sold::int AS seats_sold, bookings::int AS bookings, cancellations::int AS cancellations, ${ISO("updated_at")} AS updated_at
FROM flight_inventory WHERE carrier = :carrier AND flight_number = :number AND departure_date = CAST(:departure_date AS date)`;

export async function flightInventory(db: DataApi, carrier: string, number: string, departureDate: string): Promise<InventoryView | undefined> {
    const rows = await db.query(FLIGHT_INVENTORY, { carrier, number, departure_date: departureDate });
    if (rows.length === 0) return undefined;
    const r = rows[0];
    return {
        carrier,
        number,
        departureDate,
        seatsSold: Number(r.seats_sold),
        bookings: Number(r.bookings),
        cancellations: Number(r.cancellations),
        updatedAt: String(r.updated_at),
    };
}

export const ROUTE_HOURS = `SELECT (extract(epoch FROM date_trunc('hour', minute)) * 1000)::float8 AS hour_ms, SUM(searches)::bigint AS searches, SUM(bookings)::bigint AS bookings
FROM route_minute_stats WHERE route = :route AND minute >= CAST(:from AS timestamptz) AND minute < CAST(:to AS timestamptz) GROUP BY 1`;

/** Observed searches and bookings of a route per UTC hour in [from, to). */
export async function routeHours(db: DataApi, route: string, from: Date, to: Date): Promise<Map<number, { searches: number; bookings: number }>> {
    const rows = await db.query(ROUTE_HOURS, { route, from: from.toISOString(), to: to.toISOString() });
    return new Map(rows.map((r) => [Number(r.hour_ms), { searches: Number(r.searches), bookings: Number(r.bookings) }]));
}
