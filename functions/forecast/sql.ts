/**
 * The forecast's training SQL: ONE text for Athena (over the Glue events
 * table) and DuckDB (over the lake files, `read_json(...)`), the pond SQL's
 * subset. Searches and bookings per route and UTC hour over the days
 * [from, to); each event identity (source, eventId) counts once, as everywhere
 * else. Bookings carry their route in `flight`.
 */
import { checkDay, daysOf, sqlString } from "../pond-etl/sql";
import type { DemandRow } from "./model";

const TEMPLATE = `WITH e AS (
  SELECT type, dt, hour,
    CASE WHEN type = 'booking' THEN flight.origin ELSE origin END AS origin,
    CASE WHEN type = 'booking' THEN flight.destination ELSE destination END AS destination,
    row_number() OVER (PARTITION BY source, eventId ORDER BY occurredAt) AS copy
  FROM {{events}}
  WHERE type IN ('search', 'booking') AND dt IN ({{days}})
)
SELECT origin || '-' || destination AS route, dt || 'T' || hour || ':00:00.000Z' AS hour_start,
  CAST(SUM(CASE WHEN type = 'search' THEN 1 ELSE 0 END) AS BIGINT) AS searches,
  CAST(SUM(CASE WHEN type = 'booking' THEN 1 ELSE 0 END) AS BIGINT) AS bookings
FROM e WHERE copy = 1 AND origin IS NOT NULL AND destination IS NOT NULL
GROUP BY origin, destination, dt, hour
ORDER BY route, hour_start`;

/** The forecast training SELECT over the UTC days [from, to) (at most 31), for either engine. */
export function renderForecastQuery(o: { events: string; from: string; to: string }): string {
    checkDay("from", o.from);
    checkDay("to", o.to);
    const days = daysOf(o.from, o.to).map(sqlString).join(", ");
    return TEMPLATE.replace("{{events}}", o.events).replace("{{days}}", days);
}

/** Engine rows (numbers possibly as strings or bigints) to the model's DemandRow. Throws naming the row and field that is not a count. */
export function demandRows(rows: readonly Record<string, unknown>[]): DemandRow[] {
    return rows.map((r, i) => {
        const count = (field: string) => {
            const n = Number(r[field]);
            if (!Number.isInteger(n) || n < 0) throw new Error(`forecast: row ${i} \`${field}\` must be a non-negative integer (received ${JSON.stringify(String(r[field]))}).`);
            return n;
        };
        return { route: String(r.route), hour: String(r.hour_start), searches: count("searches"), bookings: count("bookings") };
    });
}
