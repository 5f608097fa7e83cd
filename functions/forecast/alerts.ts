/**
 * High-demand alerts on the forecast (docs/analytics.md, "High-demand alert test").
 *
 * For a route and a window of `windowMinutes` of event time:
 *   expected = w·forecast + (1 − w)·prior,    w = h / (h + priorWindows)
 * where `forecast` is the route's expected searches in the window (the trained
 * model, or the route's own recent rate), `h` the windows of history behind it
 * and `prior` the network-wide level: the median searches per active route in
 * the same window. The window is hot when
 *   observed ≥ minSearches  ∧  observed ≥ ratio·expected  ∧  P(X ≥ observed | X ~ Poisson(expected)) < alpha
 * with ratio = w·minRatio + (1 − w)·priorRatio: a route without history must be
 * `priorRatio` (default 10) times the typical route, a route the forecast knows
 * `minRatio` (default 2) times its forecast. With neither a forecast nor at
 * least `minNetworkRoutes` active routes in the window there is no expectation
 * and nothing is raised (cold start).
 *
 * Episodes (hysteresis): a hot window opens an episode and raises the one
 * alert of it; the episode stays open while windows stay at or above
 * closeRatio·expected, and a new one can only open after `calmWindows` windows
 * below that. Pure: the processor (functions/processor/alerting.ts) and the
 * in-memory engine below (backtest, tests) call the same functions.
 */
import { poissonUpperTail } from "./stats";
import { envNumber } from "../shared/range";

export interface AlertPolicy {
    /** @default 5 */
    readonly windowMinutes: number;
    /** Poisson upper-tail p-value below which a window is significant. @default 1e-6 */
    readonly alpha: number;
    /** Observed / expected a route with a full forecast must reach. @default 2 */
    readonly minRatio: number;
    /** Observed / expected a route without history must reach (against the network prior). @default 10 */
    readonly priorRatio: number;
    /** Windows of history at which the forecast and the prior weigh the same. @default 24 */
    readonly priorWindows: number;
    /** Fewest searches in a window that can alert. @default 20 */
    readonly minSearches: number;
    /** An episode stays open while observed ≥ closeRatio·expected. @default 1.25 */
    readonly closeRatio: number;
    /** Windows below closeRatio·expected that close an episode. @default 2 */
    readonly calmWindows: number;
    /** Active routes a window needs for the network prior. @default 5 */
    readonly minNetworkRoutes: number;
}

export const DEFAULT_ALERT_POLICY: AlertPolicy = {
    windowMinutes: 5,
    alpha: 1e-6,
    minRatio: 2,
    priorRatio: 10,
    priorWindows: 24,
    minSearches: 20,
    closeRatio: 1.25,
    calmWindows: 2,
    minNetworkRoutes: 5,
};

export interface WindowEvidence {
    /** Searches on the route in the window. */
    readonly observed: number;
    /** The route's own expectation for the window and the windows of history behind it. */
    readonly forecast?: { readonly expected: number; readonly historyWindows: number };
    /** Median searches per active route in the same window, and how many routes were active. */
    readonly network: { readonly medianPerRoute: number; readonly routes: number };
}

export type AlertBasis = "forecast" | "prior" | "blend" | "none";

export interface Judgement {
    readonly observed: number;
    readonly expected: number;
    readonly pValue: number;
    /** The ratio observed/expected had to reach. */
    readonly ratio: number;
    readonly alpha: number;
    /** Weight of the route's own forecast (0: prior only). */
    readonly forecastWeight: number;
    readonly basis: AlertBasis;
    readonly hot: boolean;
    /** At or above closeRatio·expected: keeps an open episode open. */
    readonly elevated: boolean;
}

export function judgeWindow(e: WindowEvidence, policy: AlertPolicy = DEFAULT_ALERT_POLICY): Judgement {
    const h = e.forecast ? Math.max(0, e.forecast.historyWindows) : 0;
    const w = e.forecast ? h / (h + policy.priorWindows) : 0;
    const hasPrior = e.network.routes >= policy.minNetworkRoutes && e.network.medianPerRoute > 0;
    if (!hasPrior && w === 0) return none(e, policy);
    // Without a network prior (too few active routes) only a route's own history judges it.
    const expected = hasPrior ? w * (e.forecast?.expected ?? 0) + (1 - w) * e.network.medianPerRoute : e.forecast!.expected;
    const basis: AlertBasis = !hasPrior || w >= 0.95 ? "forecast" : w === 0 ? "prior" : "blend";
    const ratio = w * policy.minRatio + (1 - w) * policy.priorRatio;
    // A forecast of 0 (a route never seen at this hour) is judged as if one search were expected.
    const floor = Math.max(expected, 1);
    const pValue = poissonUpperTail(e.observed, floor);
    const hot = e.observed >= policy.minSearches && e.observed >= ratio * floor && pValue < policy.alpha;
    return { observed: e.observed, expected, pValue, ratio, alpha: policy.alpha, forecastWeight: w, basis, hot, elevated: e.observed >= policy.closeRatio * floor };
}

function none(e: WindowEvidence, policy: AlertPolicy): Judgement {
    return { observed: e.observed, expected: 0, pValue: 1, ratio: policy.priorRatio, alpha: policy.alpha, forecastWeight: 0, basis: "none", hot: false, elevated: false };
}

/** The route's latest episode: the window that opened it and the last window at or above closeRatio·expected. */
export interface Episode {
    readonly openedAt: number;
    readonly lastElevatedAt: number;
}

export type EpisodeAction = "open" | "extend" | "none";

/**
 * What a judged window does to the route's latest episode (`windowStart` ms):
 * an open episode (its last elevated window within `calmWindows` windows) is
 * extended by an elevated window and never raises again; otherwise a hot
 * window opens a new one (the alert).
 */
export function episodeAction(latest: Episode | undefined, windowStart: number, j: Judgement, policy: AlertPolicy = DEFAULT_ALERT_POLICY): EpisodeAction {
    const w = policy.windowMinutes * 60_000;
    const open = latest !== undefined && windowStart >= latest.openedAt && windowStart - latest.lastElevatedAt <= policy.calmWindows * w;
    if (open) return j.elevated || j.hot ? "extend" : "none";
    if (latest !== undefined && windowStart < latest.openedAt) return "none";
    return j.hot ? "open" : "none";
}

export interface RaisedAlert extends Judgement {
    readonly route: string;
    readonly windowStart: number;
}

/** A source of the route's own expectation for a window (the trained model, or none). */
export type ForecastFor = (route: string, windowStart: number, windowEnd: number) => { expected: number; historyWindows: number } | undefined;

/**
 * The alert logic over complete windows in memory (virtual time): feed each
 * window's searches per route, get the alerts it raises. Same judgement and
 * episode rule as the processor; used by the backtest and the tests.
 */
export class AlertEngine {
    private readonly episodes = new Map<string, Episode>();
    readonly alerts: RaisedAlert[] = [];

    constructor(
        private readonly forecast: ForecastFor,
        readonly policy: AlertPolicy = DEFAULT_ALERT_POLICY,
    ) {}

    window(windowStart: number, searches: ReadonlyMap<string, number>): RaisedAlert[] {
        const w = this.policy.windowMinutes * 60_000;
        const network = networkLevel([...searches.values()]);
        const raised: RaisedAlert[] = [];
        const routes = new Set([...searches.keys()]);
        for (const route of this.episodes.keys()) routes.add(route);
        for (const route of routes) {
            const j = judgeWindow({ observed: searches.get(route) ?? 0, forecast: this.forecast(route, windowStart, windowStart + w), network }, this.policy);
            const latest = this.episodes.get(route);
            const action = episodeAction(latest, windowStart, j, this.policy);
            if (action === "open") {
                this.episodes.set(route, { openedAt: windowStart, lastElevatedAt: windowStart });
                raised.push({ ...j, route, windowStart });
            } else if (action === "extend" && latest) {
                this.episodes.set(route, { openedAt: latest.openedAt, lastElevatedAt: windowStart });
            }
        }
        this.alerts.push(...raised);
        return raised;
    }
}

/** Median searches per active route (routes with at least one search) and their number. */
export function networkLevel(counts: readonly number[]): { medianPerRoute: number; routes: number } {
    const active = counts.filter((c) => c > 0).sort((a, b) => a - b);
    if (active.length === 0) return { medianPerRoute: 0, routes: 0 };
    const m = Math.floor(active.length / 2);
    return { medianPerRoute: active.length % 2 ? active[m] : (active[m - 1] + active[m]) / 2, routes: active.length };
}

/** Reads ALERT_* variables (every bad value named); ALERT_WINDOW_MINUTES and ALERT_MIN_SEARCHES keep their names. */
export function alertPolicyFromEnv(env: Record<string, string | undefined> = process.env): AlertPolicy {
    const d = DEFAULT_ALERT_POLICY;
    return {
        windowMinutes: envNumber(env, "ALERT_WINDOW_MINUTES", d.windowMinutes, 1, 1440, true),
        alpha: envNumber(env, "ALERT_P_VALUE", d.alpha, 1e-15, 0.05, false),
        minRatio: envNumber(env, "ALERT_MIN_RATIO", d.minRatio, 1, 1000, false),
        priorRatio: envNumber(env, "ALERT_PRIOR_RATIO", d.priorRatio, 1, 1000, false),
        priorWindows: envNumber(env, "ALERT_PRIOR_WINDOWS", d.priorWindows, 1, 100000, true),
        minSearches: envNumber(env, "ALERT_MIN_SEARCHES", d.minSearches, 1, 1e9, true),
        closeRatio: envNumber(env, "ALERT_CLOSE_RATIO", d.closeRatio, 1, 1000, false),
        calmWindows: envNumber(env, "ALERT_CALM_WINDOWS", d.calmWindows, 1, 1000, true),
        minNetworkRoutes: envNumber(env, "ALERT_MIN_NETWORK_ROUTES", d.minNetworkRoutes, 1, 100000, true),
    };
}
