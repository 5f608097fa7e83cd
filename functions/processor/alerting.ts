/**
 * The processor's alert write path on the forecast (docs/analytics.md,
 * "High-demand alert test"): for every (route, window) a chunk's new searches
 * fall into, reads the window's evidence in the chunk's transaction (observed
 * searches, the route's live baseline, the network prior, the route's latest
 * episode), judges it with functions/forecast/alerts.ts and opens or extends
 * the route's episode. The route's own expectation is the trained model's
 * (loaded by ./forecast-loader.ts) when it knows the route, else its rate
 * over the `baselineMinutes` before the window (counting only minutes in which
 * the network had searches, so a platform that just started has no history).
 * A window starting after `now` is never judged.
 */
import { AlertPolicy, DEFAULT_ALERT_POLICY, episodeAction, judgeWindow, type Episode } from "../forecast/alerts";
import { expectedBetween, type ForecastModel } from "../forecast/model";
import type { DataApi } from "../shared/db/dataapi";
import type { SearchEvent } from "../shared/events";

export interface AlertingOptions {
    /** @default DEFAULT_ALERT_POLICY */
    readonly policy?: AlertPolicy;
    /** The trained model, when one is loaded. @default none (live baseline and network prior only) */
    readonly model?: ForecastModel;
    /** Minutes before a window that make a route's live baseline. @default 60 */
    readonly baselineMinutes?: number;
    /** Wall clock (ms). @default Date.now() */
    readonly now?: number;
}

export const WINDOW_EVIDENCE = `SELECT k.i,
  COALESCE((SELECT SUM(s.searches) FROM route_minute_stats s WHERE s.route = k.route AND s.minute >= k.window_start AND s.minute < k.window_end), 0)::bigint AS observed,
  COALESCE((SELECT SUM(s.searches) FROM route_minute_stats s WHERE s.route = k.route AND s.minute >= k.baseline_start AND s.minute < k.window_start), 0)::bigint AS baseline_searches,
  (SELECT count(DISTINCT s.minute) FROM route_minute_stats s WHERE s.minute >= k.baseline_start AND s.minute < k.window_start AND s.searches > 0)::bigint AS network_minutes,
  n.median_per_route::float8 AS median_per_route, n.routes::bigint AS routes,
  e.alert_id::bigint AS alert_id, (extract(epoch FROM e.window_start) * 1000)::float8 AS opened_ms, (extract(epoch FROM e.last_elevated) * 1000)::float8 AS last_elevated_ms
FROM jsonb_to_recordset(:keys::jsonb) AS k(i integer, route text, window_start timestamptz, window_end timestamptz, baseline_start timestamptz)
LEFT JOIN LATERAL (
  SELECT COALESCE(percentile_cont(0.5) WITHIN GROUP (ORDER BY t.n), 0) AS median_per_route, count(*) AS routes
  FROM (SELECT SUM(s.searches) AS n FROM route_minute_stats s WHERE s.minute >= k.window_start AND s.minute < k.window_end GROUP BY s.route HAVING SUM(s.searches) > 0) t
) n ON true
LEFT JOIN LATERAL (
  SELECT a.alert_id, a.window_start, COALESCE(a.last_elevated_window, a.window_start) AS last_elevated
  FROM alerts a WHERE a.route = k.route ORDER BY a.window_start DESC LIMIT 1
) e ON true`;

export const INSERT_FORECAST_ALERTS = `INSERT INTO alerts (route, origin, destination, window_start, window_end, searches, baseline_searches, multiplier, min_searches,
  expected, p_value, alpha, basis, model_version, last_elevated_window)
SELECT a.route, a.origin, a.destination, a.window_start, a.window_end, a.searches, a.expected, a.ratio, a.min_searches,
  a.expected, a.p_value, a.alpha, a.basis, a.model_version, a.window_start
FROM jsonb_to_recordset(:alerts::jsonb) AS a(route text, origin text, destination text, window_start timestamptz, window_end timestamptz, searches bigint,
  expected float8, ratio float8, min_searches bigint, p_value float8, alpha float8, basis text, model_version text)
ON CONFLICT ON CONSTRAINT alerts_one_per_route_window DO NOTHING
RETURNING alert_id`;

export const EXTEND_EPISODES = `UPDATE alerts a SET last_elevated_window = GREATEST(COALESCE(a.last_elevated_window, a.window_start), x.w)
FROM jsonb_to_recordset(:episodes::jsonb) AS x(alert_id bigint, w timestamptz) WHERE a.alert_id = x.alert_id`;

const iso = (ms: number) => new Date(ms).toISOString();

/** Judges every (route, window) of the chunk's searches and writes the alerts they open; returns how many. */
export async function raiseForecastAlerts(db: DataApi, searches: readonly SearchEvent[], opts: AlertingOptions, tx: string): Promise<number> {
    if (searches.length === 0) return 0;
    const policy = opts.policy ?? DEFAULT_ALERT_POLICY;
    const now = opts.now ?? Date.now();
    const w = policy.windowMinutes * 60_000;
    const baselineMs = (opts.baselineMinutes ?? 60) * 60_000;
    const keys = new Map<string, { route: string; origin: string; destination: string; start: number }>();
    for (const s of searches) {
        const start = Math.floor(Date.parse(s.occurredAt) / w) * w;
        if (start > now) continue;
        const route = `${s.origin}-${s.destination}`;
        keys.set(`${route}|${start}`, { route, origin: s.origin, destination: s.destination, start });
    }
    // Oldest window first, so an episode opened by one window is extended by the next.
    const list = [...keys.values()].sort((a, b) => a.start - b.start);
    if (list.length === 0) return 0;
    const rows = await db.query(
        WINDOW_EVIDENCE,
        {
            keys: { json: list.map((k, i) => ({ i, route: k.route, window_start: iso(k.start), window_end: iso(k.start + w), baseline_start: iso(k.start - baselineMs) })) },
        },
        tx,
    );
    const opened: Record<string, unknown>[] = [];
    const extended: { alert_id: number; w: string }[] = [];
    const episodes = new Map<string, Episode & { alertId?: number }>();
    for (const r of [...rows].sort((a, b) => Number(a.i) - Number(b.i))) {
        const k = list[Number(r.i)];
        const fromModel = opts.model ? expectedBetween(opts.model, "searches", k.route, k.start, k.start + w) : undefined;
        const networkMinutes = Number(r.network_minutes);
        const forecast =
            fromModel && fromModel.historyHours > 0
                ? { expected: fromModel.expected, historyWindows: (fromModel.historyHours * 60) / policy.windowMinutes }
                : networkMinutes > 0
                  ? { expected: (Number(r.baseline_searches) / networkMinutes) * policy.windowMinutes, historyWindows: networkMinutes / policy.windowMinutes }
                  : undefined;
        const j = judgeWindow({ observed: Number(r.observed), forecast, network: { medianPerRoute: Number(r.median_per_route ?? 0), routes: Number(r.routes ?? 0) } }, policy);
        const stored = r.alert_id === null || r.alert_id === undefined ? undefined : { openedAt: Number(r.opened_ms), lastElevatedAt: Number(r.last_elevated_ms), alertId: Number(r.alert_id) };
        const latest = episodes.get(k.route) ?? stored;
        const action = episodeAction(latest, k.start, j, policy);
        if (action === "open") {
            episodes.set(k.route, { openedAt: k.start, lastElevatedAt: k.start });
            opened.push({
                route: k.route,
                origin: k.origin,
                destination: k.destination,
                window_start: iso(k.start),
                window_end: iso(k.start + w),
                searches: j.observed,
                expected: j.expected,
                ratio: j.ratio,
                min_searches: policy.minSearches,
                p_value: j.pValue,
                alpha: j.alpha,
                basis: j.basis,
                model_version: fromModel && fromModel.historyHours > 0 ? opts.model!.version : null,
            });
        } else if (action === "extend" && latest) {
            episodes.set(k.route, { ...latest, lastElevatedAt: Math.max(latest.lastElevatedAt, k.start) });
            if (latest.alertId !== undefined) extended.push({ alert_id: latest.alertId, w: iso(k.start) });
        }
    }
    if (extended.length > 0) await db.execute(EXTEND_EPISODES, { episodes: { json: extended } }, tx);
    if (opened.length === 0) return 0;
    return (await db.query(INSERT_FORECAST_ALERTS, { alerts: { json: opened } }, tx)).length;
}
