/**
 * Demand forecast per route: searches and bookings per route and hour
 * (docs/analytics.md, "Demand forecast").
 *
 * Model `seasonal-es` (seasonal exponential smoothing with pooled seasonality):
 *   expected(route, t) = level(route) x daily[hourOfDay(t)] x weekly[dayOfWeek(t)]
 * - daily (24) and weekly (7) multiplicative indices are estimated from the
 *   network-wide hourly totals (every route pooled, so they are not noisy for a
 *   small route); weekly is 1 for every day until the history spans a week;
 * - level(route) is the exponentially smoothed deseasonalized hourly count
 *   (smoothing `alpha`, initialized with the mean of the first day);
 * - `hours` is how many hours of history the route has (from its first
 *   event), which the alert test uses to weigh the forecast against the
 *   network prior;
 * - `dispersion` is the relative error of the one-step forecasts beyond
 *   Poisson noise, measured on the training data; the forecast interval is
 *   expected ± z·sqrt(expected + (dispersion·expected)²).
 * The baseline it is measured against (bench/forecast.ts) is seasonal-naive:
 * the value one week earlier (one day earlier with less than a week).
 *
 * Pure: the training job (./train.ts) reads the rows with ./sql.ts and
 * stores the artifact (./artifact.ts).
 */

export const FORECAST_METRICS = ["searches", "bookings"] as const;
export type ForecastMetric = (typeof FORECAST_METRICS)[number];

/** One route-hour of history (the training query's row). */
export interface DemandRow {
    readonly route: string;
    /** Start of the UTC hour, ISO. */
    readonly hour: string;
    readonly searches: number;
    readonly bookings: number;
}

export interface RouteLevel {
    /** Smoothed deseasonalized count per hour. */
    readonly level: number;
    /** Hours of history since the route's first event. */
    readonly hours: number;
}

export interface MetricModel {
    /** Multiplicative index per UTC hour of day (mean 1). */
    readonly daily: readonly number[];
    /** Multiplicative index per UTC day of week, Sunday first (mean 1). */
    readonly weekly: readonly number[];
    /** Median route level (the network-wide prior for a route the model does not know). */
    readonly typicalLevel: number;
    /** Relative one-step error beyond Poisson noise (for the interval). */
    readonly dispersion: number;
    readonly routes: Readonly<Record<string, RouteLevel>>;
}

export interface ForecastModel {
    readonly schema: 1;
    readonly kind: "seasonal-es";
    /** Version of the artifact: the training end hour and a content hash (`YYYYMMDDTHH-<8 hex>`). */
    readonly version: string;
    readonly trainedAt: string;
    /** First and last hour of the history (ISO, hours). */
    readonly from: string;
    readonly to: string;
    readonly alpha: number;
    /** The history was a 1-in-`sampling` sample (levels scaled up by it); absent: the full traffic. */
    readonly sampling?: number;
    readonly metrics: Readonly<Record<ForecastMetric, MetricModel>>;
}

export interface TrainOptions {
    /** Level smoothing (the backtest, bench/forecast.ts, picks it on a validation day). @default 0.02 */
    readonly alpha?: number;
    /** The training time recorded in the artifact. @default now */
    readonly now?: Date;
    /**
     * The rows are a 1-in-`sampling` sample of the traffic (the local demo's
     * scaled-down backfill): the route levels (and the typical level) are
     * multiplied by it; the seasonal indices and the dispersion (a relative
     * error beyond Poisson) are the sample's. An integer from 1 to 100000. @default 1
     */
    readonly sampling?: number;
}

const HOUR = 3_600_000;

function hourIndex(iso: string): number {
    const t = Date.parse(iso);
    if (Number.isNaN(t)) throw new Error(`forecast: \`hour\` is not a timestamp (received ${JSON.stringify(iso)}).`);
    return Math.floor(t / HOUR);
}

const hourOfDay = (h: number) => ((h % 24) + 24) % 24;
/** 1970-01-01 was a Thursday (day 4). */
const dayOfWeek = (h: number) => (((Math.floor(h / 24) + 4) % 7) + 7) % 7;

/** Dense series per route and metric from rows (hours without a row are 0 once the route exists). */
export function toSeries(rows: readonly DemandRow[]): { start: number; hours: number; routes: Map<string, { first: number; searches: Float64Array; bookings: Float64Array }> } {
    if (rows.length === 0) throw new Error("forecast: no history to train on (0 rows).");
    let start = Infinity;
    let end = -Infinity;
    for (const r of rows) {
        const h = hourIndex(r.hour);
        start = Math.min(start, h);
        end = Math.max(end, h);
    }
    const hours = end - start + 1;
    const routes = new Map<string, { first: number; searches: Float64Array; bookings: Float64Array }>();
    for (const r of rows) {
        const h = hourIndex(r.hour) - start;
        let s = routes.get(r.route);
        if (!s) routes.set(r.route, (s = { first: h, searches: new Float64Array(hours), bookings: new Float64Array(hours) }));
        s.first = Math.min(s.first, h);
        s.searches[h] += Number(r.searches);
        s.bookings[h] += Number(r.bookings);
    }
    return { start, hours, routes };
}

function normalize(v: number[]): number[] {
    const m = v.reduce((a, b) => a + b, 0) / v.length;
    return m > 0 ? v.map((x) => x / m) : v.map(() => 1);
}

function median(v: readonly number[]): number {
    if (v.length === 0) return 0;
    const s = [...v].sort((a, b) => a - b);
    const m = Math.floor(s.length / 2);
    return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function fitMetric(series: ReturnType<typeof toSeries>, metric: ForecastMetric, alpha: number, sampling: number): MetricModel {
    const { start, hours, routes } = series;
    const network = new Float64Array(hours);
    for (const s of routes.values()) for (let h = 0; h < hours; h++) network[h] += s[metric][h];
    // Daily index: mean network count per hour of day, divided by the day-of-week index when a week is known.
    const weeklySums = new Array(7).fill(0);
    const weeklyN = new Array(7).fill(0);
    for (let h = 0; h < hours; h++) {
        weeklySums[dayOfWeek(start + h)] += network[h];
        weeklyN[dayOfWeek(start + h)] += 1;
    }
    const fullWeek = hours >= 168;
    const weekly = fullWeek ? normalize(weeklySums.map((s, d) => (weeklyN[d] ? s / weeklyN[d] : 0))) : new Array(7).fill(1);
    const dailySums = new Array(24).fill(0);
    const dailyN = new Array(24).fill(0);
    for (let h = 0; h < hours; h++) {
        dailySums[hourOfDay(start + h)] += network[h] / (weekly[dayOfWeek(start + h)] || 1);
        dailyN[hourOfDay(start + h)] += 1;
    }
    const daily = normalize(dailySums.map((s, i) => (dailyN[i] ? s / dailyN[i] : 0)));
    const season = (h: number) => daily[hourOfDay(start + h)] * weekly[dayOfWeek(start + h)] || 1e-9;

    const out: Record<string, RouteLevel> = {};
    let relSq = 0;
    let relN = 0;
    for (const [route, s] of routes) {
        const x = s[metric];
        const init = Math.min(hours, s.first + 24);
        let sum = 0;
        for (let h = s.first; h < init; h++) sum += x[h] / season(h);
        let level = sum / Math.max(1, init - s.first);
        for (let h = s.first; h < hours; h++) {
            const f = level * season(h);
            if (h >= init && f >= 20) {
                // Error beyond Poisson: (x - f)² - f, relative to f².
                relSq += ((x[h] - f) ** 2 - f) / (f * f);
                relN++;
            }
            level = alpha * (x[h] / season(h)) + (1 - alpha) * level;
        }
        out[route] = { level: level * sampling, hours: hours - s.first };
    }
    return {
        daily,
        weekly,
        typicalLevel: median(Object.values(out).map((r) => r.level)),
        dispersion: relN > 0 ? Math.sqrt(Math.max(0, relSq / relN)) : 0.1,
        routes: out,
    };
}

/** FNV-1a of a string, 8 hex digits (the artifact version's content hash). */
export function hash8(s: string): string {
    let h = 0x811c9dc5;
    for (let i = 0; i < s.length; i++) {
        h ^= s.charCodeAt(i);
        h = Math.imul(h, 0x01000193) >>> 0;
    }
    return h.toString(16).padStart(8, "0");
}

/** Trains the model on route-hour rows. Throws naming the problem when there is nothing to train on or `alpha` is out of range. */
export function trainForecast(rows: readonly DemandRow[], opts: TrainOptions = {}): ForecastModel {
    const alpha = opts.alpha ?? 0.02;
    if (!(alpha > 0 && alpha <= 1)) throw new Error(`forecast: \`alpha\` must be a number in (0, 1] (received ${String(opts.alpha)}).`);
    const sampling = opts.sampling ?? 1;
    if (!Number.isInteger(sampling) || sampling < 1 || sampling > 100_000) throw new Error(`forecast: \`sampling\` must be an integer from 1 to 100000 (received ${String(opts.sampling)}).`);
    const series = toSeries(rows);
    const metrics = { searches: fitMetric(series, "searches", alpha, sampling), bookings: fitMetric(series, "bookings", alpha, sampling) };
    const to = new Date((series.start + series.hours - 1) * HOUR).toISOString();
    const body = JSON.stringify(metrics);
    return {
        schema: 1,
        kind: "seasonal-es",
        version: `${to.slice(0, 13).replace(/[-:]/g, "")}-${hash8(body + alpha)}`,
        trainedAt: (opts.now ?? new Date()).toISOString(),
        from: new Date(series.start * HOUR).toISOString(),
        to,
        alpha,
        ...(sampling !== 1 ? { sampling } : {}),
        metrics,
    };
}

export interface Expectation {
    readonly expected: number;
    readonly lower: number;
    readonly upper: number;
    /** Hours of history behind it (0: the network prior, the route is unknown to the model). */
    readonly historyHours: number;
}

/** z of a two-sided 95 % interval. */
export const Z95 = 1.959964;

/**
 * Expected count of `metric` on `route` over [fromMs, toMs) (any span; each
 * hour's share is pro rata). A route the model does not know gets the
 * typical route's level (historyHours 0).
 */
export function expectedBetween(model: ForecastModel, metric: ForecastMetric, route: string, fromMs: number, toMs: number): Expectation {
    const m = model.metrics[metric];
    const r = m.routes[route];
    const level = r ? r.level : m.typicalLevel;
    let expected = 0;
    for (let t = fromMs; t < toMs;) {
        const h = Math.floor(t / HOUR);
        const next = Math.min(toMs, (h + 1) * HOUR);
        expected += level * m.daily[hourOfDay(h)] * m.weekly[dayOfWeek(h)] * ((next - t) / HOUR);
        t = next;
    }
    const sd = Math.sqrt(expected + (m.dispersion * expected) ** 2);
    return { expected, lower: Math.max(0, expected - Z95 * sd), upper: expected + Z95 * sd, historyHours: r ? r.hours : 0 };
}

/** Checks a parsed artifact's shape (the loader refuses anything else, naming the field). */
export function parseForecastModel(value: unknown): ForecastModel {
    const v = value as Partial<ForecastModel> | null;
    const fail = (field: string, got: unknown, allowed: string) => {
        throw new Error(`forecast artifact: \`${field}\` must be ${allowed} (received ${JSON.stringify(got)?.slice(0, 80)}).`);
    };
    if (!v || typeof v !== "object") fail("(root)", v, "an object");
    if (v!.schema !== 1) fail("schema", v!.schema, "1");
    if (v!.kind !== "seasonal-es") fail("kind", v!.kind, '"seasonal-es"');
    if (typeof v!.version !== "string") fail("version", v!.version, "a string");
    for (const metric of FORECAST_METRICS) {
        const m = v!.metrics?.[metric];
        if (!m) fail(`metrics.${metric}`, m, "an object");
        if (!Array.isArray(m!.daily) || m!.daily.length !== 24) fail(`metrics.${metric}.daily`, m!.daily, "24 numbers");
        if (!Array.isArray(m!.weekly) || m!.weekly.length !== 7) fail(`metrics.${metric}.weekly`, m!.weekly, "7 numbers");
        if (typeof m!.typicalLevel !== "number") fail(`metrics.${metric}.typicalLevel`, m!.typicalLevel, "a number");
        if (!m!.routes || typeof m!.routes !== "object") fail(`metrics.${metric}.routes`, m!.routes, "an object");
    }
    return v as ForecastModel;
}

/** Seasonal-naive forecast of one route-hour: the value `lag` hours earlier (the backtest's baseline). */
export function seasonalNaive(series: Float64Array, h: number, lag: number): number {
    return h - lag >= 0 ? series[h - lag] : 0;
}
