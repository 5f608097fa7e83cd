/**
 * The documented analytics rules (docs/analytics.md), pure and configurable.
 *
 * High-demand alerts are raised by the forecast test (functions/forecast/alerts.ts,
 * functions/processor/alerting.ts); of AlertRule the processor uses `baselineMinutes`
 * (the live baseline span). `evaluateDemand` below is the former fixed-multiplier rule:
 * for a route and a window of `windowMinutes` of event time
 * (aligned to multiples of the window since the epoch), alert when
 *   searches(window) >= minSearches  AND  searches(window) >= multiplier x baseline,
 * where baseline = searches over the `baselineMinutes` before the window divided by
 * the number of windows in that span (the average per window). At most one alert per
 * route and window (a unique constraint in the database).
 *
 * Deal flag: an offer is a deal when its price < mean - sigmas x stddev of the
 * route's offers in the same currency over the `lookbackMinutes` before it, and that
 * sample holds at least `minSamples` offers.
 */
import { envNumber } from "../shared/range";

export interface AlertRule {
    /** @default 5 */
    readonly windowMinutes: number;
    /** @default 60 */
    readonly baselineMinutes: number;
    /** @default 3 */
    readonly multiplier: number;
    /** @default 50 */
    readonly minSearches: number;
}

export interface DealRule {
    /** @default 2 */
    readonly sigmas: number;
    /** @default 30 */
    readonly minSamples: number;
    /** @default 60 */
    readonly lookbackMinutes: number;
}

export const DEFAULT_ALERT_RULE: AlertRule = { windowMinutes: 5, baselineMinutes: 60, multiplier: 3, minSearches: 50 };
export const DEFAULT_DEAL_RULE: DealRule = { sigmas: 2, minSamples: 30, lookbackMinutes: 60 };

/** Start of the window holding `iso` (windows aligned to the epoch), ISO string. */
export function windowStartOf(iso: string, windowMinutes: number): string {
    const t = Date.parse(iso);
    if (Number.isNaN(t)) throw new Error(`windowStartOf: not a timestamp (received ${JSON.stringify(iso)}).`);
    const w = windowMinutes * 60_000;
    return new Date(Math.floor(t / w) * w).toISOString();
}

export function addMinutes(iso: string, minutes: number): string {
    return new Date(Date.parse(iso) + minutes * 60_000).toISOString();
}

export interface DemandDecision {
    readonly alert: boolean;
    /** Average searches per window over the baseline span. */
    readonly baselinePerWindow: number;
}

/** Applies the alert rule to a window's searches and the searches of the baseline span. */
export function evaluateDemand(windowSearches: number, baselineSpanSearches: number, rule: AlertRule = DEFAULT_ALERT_RULE): DemandDecision {
    const windows = rule.baselineMinutes / rule.windowMinutes;
    const baselinePerWindow = baselineSpanSearches / windows;
    const alert = windowSearches >= rule.minSearches && windowSearches >= rule.multiplier * baselinePerWindow;
    return { alert, baselinePerWindow };
}

export interface Distribution {
    readonly count: number;
    readonly mean: number;
    /** Population standard deviation. */
    readonly stddev: number;
}

/** Mean and standard deviation from count, sum and sum of squares. */
export function distributionFromSums(count: number, sum: number, sumSq: number): Distribution {
    if (count <= 0) return { count: 0, mean: 0, stddev: 0 };
    const mean = sum / count;
    const variance = Math.max(0, sumSq / count - mean * mean);
    return { count, mean, stddev: Math.sqrt(variance) };
}

/** True when `price` is a deal against `dist` under `rule`. */
export function isDeal(price: number, dist: Distribution, rule: DealRule = DEFAULT_DEAL_RULE): boolean {
    return dist.count >= rule.minSamples && price < dist.mean - rule.sigmas * dist.stddev;
}

/** Reads ALERT_* and DEAL_* variables; every bad value is named. */
export function rulesFromEnv(env: Record<string, string | undefined> = process.env): { alert: AlertRule; deal: DealRule } {
    const alert: AlertRule = {
        windowMinutes: envNumber(env, "ALERT_WINDOW_MINUTES", DEFAULT_ALERT_RULE.windowMinutes, 1, 1440, true),
        baselineMinutes: envNumber(env, "ALERT_BASELINE_MINUTES", DEFAULT_ALERT_RULE.baselineMinutes, 1, 10080, true),
        multiplier: envNumber(env, "ALERT_MULTIPLIER", DEFAULT_ALERT_RULE.multiplier, 1, 1000, false),
        minSearches: envNumber(env, "ALERT_MIN_SEARCHES", DEFAULT_ALERT_RULE.minSearches, 1, 1e9, true),
    };
    if (alert.baselineMinutes % alert.windowMinutes !== 0) {
        throw new Error(`\`ALERT_BASELINE_MINUTES\` must be a multiple of \`ALERT_WINDOW_MINUTES\` (${alert.windowMinutes}) (received ${alert.baselineMinutes}).`);
    }
    const deal: DealRule = {
        sigmas: envNumber(env, "DEAL_SIGMAS", DEFAULT_DEAL_RULE.sigmas, 0, 10, false),
        minSamples: envNumber(env, "DEAL_MIN_SAMPLES", DEFAULT_DEAL_RULE.minSamples, 2, 1e9, true),
        lookbackMinutes: envNumber(env, "DEAL_LOOKBACK_MINUTES", DEFAULT_DEAL_RULE.lookbackMinutes, 1, 10080, true),
    };
    return { alert, deal };
}
