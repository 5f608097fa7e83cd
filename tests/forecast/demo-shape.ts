/** The demo's traffic shape counted per route and window (virtual time), shared by the alert tests and the backtest. */
import { AlertEngine, DEFAULT_ALERT_POLICY, type ForecastFor, type RaisedAlert } from "../../functions/forecast/alerts";
import { expectedBetween, trainForecast, type ForecastModel } from "../../functions/forecast/model";
import { generatedHourlyDemand, TrafficGenerator } from "../../local/traffic";
import { feedSearchWindows } from "../../bench/demo-alerts";

export interface DemoRun {
    readonly hotRoute: string;
    /** Event time the hot route turned hot (ms). */
    readonly hotFrom: number;
    readonly start: number;
    readonly end: number;
    readonly alerts: readonly RaisedAlert[];
}

export const DEMO_DEFAULTS = { rate: 50, durationSeconds: 3600, routeSkew: 0.5, historyHours: 168 } as const;

/** Trains on `historyHours` of generated history before `start`, the demo's backfill. */
export function backfilledModel(start: number, opts: { rate?: number; historyHours?: number; seed?: number } = {}): ForecastModel {
    const hours = opts.historyHours ?? DEMO_DEFAULTS.historyHours;
    const from = new Date(Math.floor(start / 3_600_000) * 3_600_000 - hours * 3_600_000);
    return trainForecast(generatedHourlyDemand({ rate: opts.rate ?? DEMO_DEFAULTS.rate, from, hours, routeSkew: DEMO_DEFAULTS.routeSkew, seed: opts.seed }), { now: new Date(start) });
}

export function modelForecast(model: ForecastModel | undefined, windowMinutes = DEFAULT_ALERT_POLICY.windowMinutes): ForecastFor {
    return (route, from, to) => {
        if (!model) return undefined;
        const e = expectedBetween(model, "searches", route, from, to);
        return e.historyHours > 0 ? { expected: e.expected, historyWindows: (e.historyHours * 60) / windowMinutes } : undefined;
    };
}

/** Runs the demo's live traffic (eventsForSecond, patterns on) for `durationSeconds` from `start` through the alert engine window by window. */
export function runDemo(start: number, forecast: ForecastFor, opts: { rate?: number; durationSeconds?: number; seed?: number } = {}): DemoRun {
    const rate = opts.rate ?? DEMO_DEFAULTS.rate;
    const durationSeconds = opts.durationSeconds ?? DEMO_DEFAULTS.durationSeconds;
    const gen = new TrafficGenerator({ seed: opts.seed ?? 1, routeSkew: DEMO_DEFAULTS.routeSkew, idPrefix: "demo" });
    const engine = new AlertEngine(forecast);
    feedSearchWindows(engine, gen, { rate, durationSeconds, patterns: true }, start);
    return { hotRoute: gen.hotRoute.route, hotFrom: start + Math.floor(durationSeconds * 0.3) * 1000, start, end: start + durationSeconds * 1000, alerts: engine.alerts };
}
