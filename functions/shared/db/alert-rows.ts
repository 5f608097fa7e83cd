/**
 * One reading of an `alerts` row (functions/shared/db/migrations): the columns
 * and their conversion, shared by the insights API's recent alerts
 * (functions/insights/queries.ts) and the processor's outbox publisher
 * (functions/processor/publish.ts).
 */

import { isoUtc } from "./sql-time";

/** The select list of an alert row (without its id and bookkeeping columns). */
export const ALERT_COLUMNS = `route, origin, destination, ${isoUtc("window_start")} AS window_start, ${isoUtc("window_end")} AS window_end,
       searches::bigint AS searches, baseline_searches::float8 AS baseline_searches, multiplier::float8 AS multiplier, expected, p_value, alpha, basis, model_version`;

export interface AlertRow {
    readonly route: string;
    readonly origin: string;
    readonly destination: string;
    readonly windowStart: string;
    readonly windowEnd: string;
    readonly searches: number;
    readonly baselineSearches: number;
    /** The ratio observed/expected had to reach. */
    readonly multiplier: number;
    /** The evidence of the test (functions/forecast/alerts.ts); null for alerts stored before it. */
    readonly expected: number | null;
    readonly pValue: number | null;
    readonly alpha: number | null;
    readonly basis: string | null;
    readonly modelVersion: string | null;
}

const orNull = <T>(v: unknown, f: (x: unknown) => T): T | null => (v === null || v === undefined ? null : f(v));

/** The row `r` selected with ALERT_COLUMNS. */
export function alertRow(r: Record<string, unknown>): AlertRow {
    return {
        route: String(r.route),
        origin: String(r.origin),
        destination: String(r.destination),
        windowStart: String(r.window_start),
        windowEnd: String(r.window_end),
        searches: Number(r.searches),
        baselineSearches: Number(r.baseline_searches),
        multiplier: Number(r.multiplier),
        expected: orNull(r.expected, Number),
        pValue: orNull(r.p_value, Number),
        alpha: orNull(r.alpha, Number),
        basis: orNull(r.basis, String),
        modelVersion: orNull(r.model_version, String),
    };
}
