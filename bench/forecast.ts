/**
 * Forecast backtest (`npm run bench -- --only forecast`): trains the demand
 * model on generated history (local/traffic.ts: the daily/weekly shape, route
 * popularity, Poisson counts), forecasts the next day hour by hour and
 * compares it with seasonal-naive baselines (same hour one week earlier, and
 * one day earlier); then injects hot routes into that day, 5-minute window by
 * window, runs the alert engine (functions/forecast/alerts.ts, the processor's
 * judgement and episode rule) on the model and reports alert precision and
 * recall. The smoothing `alpha` is chosen by measurement: each candidate is
 * trained on all but the last training day and scored on it.
 */
import { AlertEngine, DEFAULT_ALERT_POLICY } from "../functions/forecast/alerts";
import { expectedBetween, FORECAST_METRICS, seasonalNaive, toSeries, trainForecast, type DemandRow, type ForecastMetric, type ForecastModel } from "../functions/forecast/model";
import { mae, smape } from "../functions/forecast/stats";
import type { DemoAlertsResult } from "./demo-alerts";
import { demandShape, generatedHourlyDemand, makeRoutes, poissonDraw, rng, routeWeights } from "../local/traffic";

export interface ForecastBenchOptions {
    /** Weekly-average events per second. @default 50 */
    readonly rate?: number;
    /** @default 50 */
    readonly routes?: number;
    /** Days of training history (the test day follows). @default 7 */
    readonly trainDays?: number;
    /** Hot routes injected into the test day. @default 24 */
    readonly injected?: number;
    /** @default 7 */
    readonly seed?: number;
    /** Candidate smoothing values. @default [0.02, 0.05, 0.1, 0.2, 0.4] */
    readonly alphas?: readonly number[];
}

export interface MetricScore {
    /** sMAPE (%) of the model over every route-hour of the test day. */
    readonly smapeModel: number;
    readonly smapeWeeklyNaive: number;
    readonly smapeDailyNaive: number;
    /** MASE: the model's MAE over the in-sample MAE of the one-day seasonal-naive forecast. */
    readonly maseModel: number;
    readonly maseWeeklyNaive: number;
    /** Best seasonal-naive sMAPE over the model's (> 1: the model is better). */
    readonly improvement: number;
    /** Share of test route-hours inside the model's 95 % interval. */
    readonly intervalCoverage: number;
}

export interface ForecastResult {
    readonly routes: number;
    readonly trainHours: number;
    readonly testHours: number;
    readonly alpha: number;
    readonly alphaValidationSmape: Readonly<Record<string, number>>;
    readonly searches: MetricScore;
    readonly bookings: MetricScore;
    readonly alerts: {
        readonly injected: number;
        readonly raised: number;
        readonly truePositives: number;
        readonly falsePositives: number;
        readonly precision: number;
        readonly recall: number;
        /** Mean minutes from an injected episode's start to the end of the window that raised its alert. */
        readonly meanDetectionMinutes: number;
        readonly multipliers: readonly number[];
        /** The multiplier of every injected episode that raised no alert. */
        readonly missedMultipliers: readonly number[];
    };
    /** The demo's done-when in virtual time (./demo-alerts.ts; `npm run bench` adds it). */
    readonly demo?: DemoAlertsResult;
}

const HOUR = 3_600_000;

function score(model: ForecastModel, rows: readonly DemandRow[], trainHours: number, metric: ForecastMetric): MetricScore {
    const series = toSeries(rows);
    const actual: number[] = [];
    const fModel: number[] = [];
    const fWeekly: number[] = [];
    const fDaily: number[] = [];
    let inside = 0;
    let inSampleNaive = 0;
    let inSampleN = 0;
    for (const [route, s] of series.routes) {
        const x = s[metric];
        for (let h = 24; h < trainHours; h++) {
            inSampleNaive += Math.abs(x[h] - x[h - 24]);
            inSampleN++;
        }
        for (let h = trainHours; h < series.hours; h++) {
            const t = (series.start + h) * HOUR;
            const e = expectedBetween(model, metric, route, t, t + HOUR);
            actual.push(x[h]);
            fModel.push(e.expected);
            fWeekly.push(seasonalNaive(x, h, trainHours >= 168 ? 168 : 24));
            fDaily.push(seasonalNaive(x, h, 24 + (h - trainHours) - ((h - trainHours) % 24)));
            if (x[h] >= e.lower && x[h] <= e.upper) inside++;
        }
    }
    const scale = inSampleNaive / inSampleN;
    const smapeModel = smape(actual, fModel);
    const smapeWeeklyNaive = smape(actual, fWeekly);
    const smapeDailyNaive = smape(actual, fDaily);
    return {
        smapeModel,
        smapeWeeklyNaive,
        smapeDailyNaive,
        maseModel: mae(actual, fModel) / scale,
        maseWeeklyNaive: mae(actual, fWeekly) / scale,
        improvement: Math.min(smapeWeeklyNaive, smapeDailyNaive) / smapeModel,
        intervalCoverage: inside / actual.length,
    };
}

export function benchForecast(opts: ForecastBenchOptions = {}): ForecastResult {
    const rate = opts.rate ?? 50;
    const routeCount = opts.routes ?? 50;
    const trainHours = (opts.trainDays ?? 7) * 24;
    const seed = opts.seed ?? 7;
    const skew = 0.5;
    const from = new Date(Date.parse("2026-11-02T00:00:00Z"));
    const rows = generatedHourlyDemand({ rate, from, hours: trainHours + 24, routes: routeCount, seed, routeSkew: skew });
    const cut = from.getTime() + trainHours * HOUR;
    const train = rows.filter((r) => Date.parse(r.hour) < cut);

    // alpha chosen by measurement: trained without the last training day, scored on it (searches).
    const validationSmape: Record<string, number> = {};
    for (const alpha of opts.alphas ?? [0.02, 0.05, 0.1, 0.2, 0.4]) {
        const m = trainForecast(
            train.filter((r) => Date.parse(r.hour) < cut - 24 * HOUR),
            { alpha, now: new Date(cut) },
        );
        validationSmape[String(alpha)] = score(m, train, trainHours - 24, "searches").smapeModel;
    }
    const alpha = Number(Object.entries(validationSmape).sort((a, b) => a[1] - b[1])[0][0]);
    const model = trainForecast(train, { alpha, now: new Date(cut) });
    const [searches, bookings] = FORECAST_METRICS.map((m) => score(model, rows, trainHours, m));

    // Alerts: the test day in 5-minute windows, with injected hot routes.
    const policy = DEFAULT_ALERT_POLICY;
    const w = policy.windowMinutes * 60_000;
    const routes = makeRoutes(routeCount, seed).map((r) => r.route);
    const weights = routeWeights(routeCount, skew);
    const r = rng(seed * 104729 + 3);
    const multipliers = [2, 3, 5, 10, 20];
    const injected = Array.from({ length: opts.injected ?? 24 }, (_, i) => {
        const startWindow = Math.floor(r() * (288 - 12));
        return { route: routes[Math.floor(r() * routeCount)], start: cut + startWindow * w, end: cut + (startWindow + 6 + Math.floor(r() * 7)) * w, multiplier: multipliers[i % multipliers.length] };
    }).filter((e, i, all) => all.findIndex((o) => o.route === e.route && o.start < e.end + 3 * w && e.start < o.end + 3 * w) === i);
    const engine = new AlertEngine((route, a, b) => {
        const e = expectedBetween(model, "searches", route, a, b);
        return e.historyHours > 0 ? { expected: e.expected, historyWindows: (e.historyHours * 60) / policy.windowMinutes } : undefined;
    }, policy);
    for (let t = cut; t < cut + 24 * HOUR; t += w) {
        const events = rate * 300 * demandShape(t + w / 2) * 0.6;
        const counts = new Map<string, number>();
        routes.forEach((route, i) => {
            const hot = injected.find((e) => e.route === route && t >= e.start && t < e.end);
            counts.set(route, poissonDraw(events * weights[i] * (hot ? hot.multiplier : 1), r));
        });
        engine.window(t, counts);
    }
    const matched = new Set<number>();
    let tp = 0;
    let delay = 0;
    for (const a of engine.alerts) {
        const i = injected.findIndex((e) => e.route === a.route && a.windowStart >= e.start && a.windowStart < e.end);
        if (i >= 0) {
            tp++;
            if (!matched.has(i)) delay += (a.windowStart + w - injected[i].start) / 60_000;
            matched.add(i);
        }
    }
    const missedMultipliers = injected.filter((_, i) => !matched.has(i)).map((e) => e.multiplier);
    const raised = engine.alerts.length;
    return {
        routes: routeCount,
        trainHours,
        testHours: 24,
        alpha,
        alphaValidationSmape: validationSmape,
        searches,
        bookings,
        alerts: {
            injected: injected.length,
            raised,
            truePositives: tp,
            falsePositives: raised - tp,
            precision: raised > 0 ? tp / raised : 0,
            recall: matched.size / injected.length,
            meanDetectionMinutes: matched.size > 0 ? delay / matched.size : 0,
            multipliers,
            missedMultipliers,
        },
    };
}

if (require.main === module) console.log(JSON.stringify(benchForecast(), null, 2));
