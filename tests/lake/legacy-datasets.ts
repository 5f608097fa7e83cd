/**
 * The two pond datasets as they were hard-coded in functions/pond-etl/sql.ts
 * before they moved to datasets/<name>/ (copied verbatim from that file): the
 * reference the files' rendered SQL must equal byte for byte.
 */
export const LEGACY_DATASETS = ["route_demand_daily", "offer_price_stats_daily"] as const;
type Dataset = (typeof LEGACY_DATASETS)[number];
type Dialect = "athena" | "duckdb";

/** Event types each dataset reads (the `type` partitions). */
export const LEGACY_EVENT_TYPES: Record<Dataset, readonly string[]> = {
    route_demand_daily: ["search", "booking", "cancellation"],
    offer_price_stats_daily: ["offer"],
};

/** Output columns (Parquet), in order, with their types. */
export const LEGACY_COLUMNS: Record<Dataset, readonly { name: string; type: "string" | "bigint" | "double" }[]> = {
    route_demand_daily: [
        { name: "route", type: "string" },
        { name: "origin", type: "string" },
        { name: "destination", type: "string" },
        { name: "searches", type: "bigint" },
        { name: "bookings", type: "bigint" },
        { name: "cancellations", type: "bigint" },
    ],
    offer_price_stats_daily: [
        { name: "route", type: "string" },
        { name: "origin", type: "string" },
        { name: "destination", type: "string" },
        { name: "currency", type: "string" },
        { name: "offers", type: "bigint" },
        { name: "min_price", type: "double" },
        { name: "max_price", type: "double" },
        { name: "avg_price", type: "double" },
        { name: "p50_price", type: "double" },
        { name: "p90_price", type: "double" },
    ],
};

export const LEGACY_TEMPLATES: Record<Dataset, string> = {
    route_demand_daily: `WITH e AS (
  SELECT type,
    CASE WHEN type IN ('booking', 'cancellation') THEN flight.origin ELSE origin END AS origin,
    CASE WHEN type IN ('booking', 'cancellation') THEN flight.destination ELSE destination END AS destination,
    row_number() OVER (PARTITION BY source, eventId ORDER BY occurredAt) AS copy
  FROM {{events}}
  WHERE type IN ('search', 'booking', 'cancellation') AND dt = '{{day}}' {{sourceFilter}}
)
SELECT origin || '-' || destination AS route, origin, destination,
  CAST(SUM(CASE WHEN type = 'search' THEN 1 ELSE 0 END) AS BIGINT) AS searches,
  CAST(SUM(CASE WHEN type = 'booking' THEN 1 ELSE 0 END) AS BIGINT) AS bookings,
  CAST(SUM(CASE WHEN type = 'cancellation' THEN 1 ELSE 0 END) AS BIGINT) AS cancellations
FROM e
WHERE copy = 1
GROUP BY origin, destination
ORDER BY route`,
    offer_price_stats_daily: `WITH e AS (
  SELECT origin, destination, price.currency AS currency, CAST(price.amount AS DOUBLE) AS amount,
    row_number() OVER (PARTITION BY source, eventId ORDER BY occurredAt) AS copy
  FROM {{events}}
  WHERE type = 'offer' AND dt = '{{day}}' {{sourceFilter}}
)
SELECT origin || '-' || destination AS route, origin, destination, currency,
  CAST(COUNT(*) AS BIGINT) AS offers,
  MIN(amount) AS min_price,
  MAX(amount) AS max_price,
  AVG(amount) AS avg_price,
  CAST(PERCENTILE(amount, 0.5) AS DOUBLE) AS p50_price,
  CAST(PERCENTILE(amount, 0.9) AS DOUBLE) AS p90_price
FROM e
WHERE copy = 1
GROUP BY origin, destination, currency
ORDER BY route, currency`,
};

/** The old renderer (its body verbatim, over LEGACY_TEMPLATES). */
export function legacyRender(dataset: Dataset, o: { dialect: Dialect; events: string; day: string }): string {
    const athena = o.dialect === "athena";
    const sourceFilter = "";
    const pct = athena ? "approx_percentile(" : "quantile_disc(";
    return LEGACY_TEMPLATES[dataset]
        .replace(/\{\{events\}\}/g, o.events)
        .replace(/\{\{day\}\}/g, o.day)
        .replace(/ ?\{\{sourceFilter\}\}/g, sourceFilter ? ` ${sourceFilter}` : "")
        .replace(/PERCENTILE\(/g, pct);
}
