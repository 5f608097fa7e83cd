/**
 * The done-when of the demo's alerts in virtual time: "`npm start -- --demo`
 * at its default rate raises an alert for the hot route within 5 minutes of it
 * turning hot and at most 2 other alerts per hour of steady traffic".
 *
 * For a pinned start time: the demo's backfill (local/backfill.ts
 * `historyHours`: the same generated events, the same 1-in-N sampling) counted
 * per route and UTC hour as the training SQL counts them (searches on their
 * route, bookings on their `flight` route, each eventId once), trained with the
 * training job's trainer and `sampling`; then the demo's live traffic plan
 * (local/traffic.ts `eventsForSecond`, patterns on, the demo's route skew and
 * seed) second by second, its searches counted per route and 5-minute window
 * of event time, through the alert engine (functions/forecast/alerts.ts: the
 * processor's judgement and episode rule) with the model's expectation, as
 * the processor does for a route the model knows.
 */
import { AlertEngine, DEFAULT_ALERT_POLICY, type RaisedAlert } from "../functions/forecast/alerts";
import { expectedBetween, trainForecast, type DemandRow, type ForecastModel } from "../functions/forecast/model";
import { backfillSampling, historyHours } from "../local/backfill";
import { eventsForSecond, TrafficGenerator, type DemoPlanOptions } from "../local/traffic";
import type { FlightEvent } from "../functions/shared/events";

export interface DemoAlertOptions {
    /** Event time the live demo starts (ms). */
    readonly start: number;
    /** `--rate`. @default 50 */
    readonly rate?: number;
    /** `--duration` (s). @default 3600 */
    readonly durationSeconds?: number;
    /** Share of the run before the hot route turns hot (the demo's 0.3). @default 0.3 */
    readonly hotAfter?: number;
    /** `--history-days`. @default 7 */
    readonly historyDays?: number;
}

export interface DemoAlertRun {
    readonly start: string;
    readonly hotRoute: string;
    readonly modelVersion: string;
    readonly sampling: number;
    readonly backfilledEvents: number;
    /** Minutes of traffic before the hot route turned hot, and after. */
    readonly steadyMinutes: number;
    readonly hotMinutes: number;
    /** Minutes from the turn to the end of the window whose alert was raised for the hot route (decided at the latest when it ends); null: none. */
    readonly hotDetectionMinutes: number | null;
    readonly hotAlerts: number;
    /** Alerts on other routes: during the steady part, and over the whole run per hour. */
    readonly otherAlertsSteady: number;
    readonly otherAlertsPerHour: number;
    readonly alerts: readonly RaisedAlert[];
}

const HOUR = 3_600_000;

/** Route-hour rows of events as the forecast's training SQL (functions/forecast/sql.ts) counts them. */
export function demandRowsOf(events: Iterable<{ type: string; eventId: string; source: string; origin?: string; destination?: string; flight?: { origin: string; destination: string }; occurredAt: string }>): DemandRow[] {
    const seen = new Set<string>();
    const rows = new Map<string, { route: string; hour: string; searches: number; bookings: number }>();
    for (const e of events) {
        if (e.type !== "search" && e.type !== "booking") continue;
        const id = `${e.source}\u0000${e.eventId}`;
        if (seen.has(id)) continue;
        seen.add(id);
        const ends = e.type === "booking" ? e.flight! : { origin: e.origin!, destination: e.destination! };
        const hour = new Date(Math.floor(Date.parse(e.occurredAt) / HOUR) * HOUR).toISOString();
        const route = `${ends.origin}-${ends.destination}`;
        const key = `${route}|${hour}`;
        let r = rows.get(key);
        if (!r) rows.set(key, (r = { route, hour, searches: 0, bookings: 0 }));
        if (e.type === "search") r.searches++;
        else r.bookings++;
    }
    return [...rows.values()];
}

/**
 * Feeds the generator's searches, second by second in virtual time from
 * `start` (eventsForSecond with `plan`), into `engine` one window of per-route
 * counts at a time: the demo's live traffic as the processor's alert rule
 * sees it. Shared by this bench and the alert tests (tests/forecast/demo-shape.ts).
 */
export function feedSearchWindows(engine: AlertEngine, gen: TrafficGenerator, plan: DemoPlanOptions, start: number): void {
    const w = engine.policy.windowMinutes * 60_000;
    let current = Math.floor(start / w) * w;
    let counts = new Map<string, number>();
    for (let s = 0; s < plan.durationSeconds; s++) {
        for (const e of eventsForSecond(gen, plan, s, new Date(start + s * 1000))) {
            if (e.type !== "search") continue;
            const ws = Math.floor(Date.parse(e.occurredAt) / w) * w;
            if (ws > current) {
                engine.window(current, counts);
                counts = new Map();
                current = ws;
            }
            const route = `${e.origin}-${e.destination}`;
            counts.set(route, (counts.get(route) ?? 0) + 1);
        }
    }
    engine.window(current, counts);
}

/** The backfilled model of a demo starting at `start` (no lake: the same events and counts). */
export function backfilledDemoModel(start: number, rate = 50, historyDays = 7): { model: ForecastModel; sampling: number; events: number } {
    const sampling = backfillSampling(rate);
    const all: FlightEvent[] = [];
    for (const h of historyHours({ rate, historyDays, routeSkew: 0.5 }, new Date(start))) for (const e of h.events) all.push(e);
    return { model: trainForecast(demandRowsOf(all as never), { now: new Date(start), sampling }), sampling, events: all.length };
}

export function runDemoAlerts(o: DemoAlertOptions): DemoAlertRun {
    const rate = o.rate ?? 50;
    const durationSeconds = o.durationSeconds ?? 3600;
    const hotAfter = o.hotAfter ?? 0.3;
    const { model, sampling, events } = backfilledDemoModel(o.start, rate, o.historyDays ?? 7);
    const policy = DEFAULT_ALERT_POLICY;
    const w = policy.windowMinutes * 60_000;
    const engine = new AlertEngine((route, a, b) => {
        const e = expectedBetween(model, "searches", route, a, b);
        return e.historyHours > 0 ? { expected: e.expected, historyWindows: (e.historyHours * 60) / policy.windowMinutes } : undefined;
    }, policy);
    // The demo's generator (scripts/traffic.ts: seed 1, the demo's route skew).
    const gen = new TrafficGenerator({ seed: 1, routeSkew: 0.5, idPrefix: "demo" });
    const plan = { rate, durationSeconds, hotAfter, patterns: true };
    feedSearchWindows(engine, gen, plan, o.start);
    const hotFrom = o.start + Math.floor(durationSeconds * hotAfter) * 1000;
    const hot = engine.alerts.filter((a) => a.route === gen.hotRoute.route);
    const first = hot.find((a) => a.windowStart + w > hotFrom);
    const others = engine.alerts.filter((a) => a.route !== gen.hotRoute.route);
    return {
        start: new Date(o.start).toISOString(),
        hotRoute: gen.hotRoute.route,
        modelVersion: model.version,
        sampling,
        backfilledEvents: events,
        steadyMinutes: (hotFrom - o.start) / 60_000,
        hotMinutes: (o.start + durationSeconds * 1000 - hotFrom) / 60_000,
        hotDetectionMinutes: first ? (first.windowStart + w - hotFrom) / 60_000 : null,
        hotAlerts: hot.length,
        otherAlertsSteady: others.filter((a) => a.windowStart + w <= hotFrom).length,
        otherAlertsPerHour: others.length / (durationSeconds / 3600),
        alerts: engine.alerts,
    };
}

export interface DemoAlertsResult {
    readonly runs: readonly Omit<DemoAlertRun, "alerts">[];
    /** The worst run's figures. */
    readonly maxHotDetectionMinutes: number;
    readonly maxOtherAlertsPerHour: number;
    readonly maxOtherAlertsSteadyPerHour: number;
    readonly steadyMinutesPerRun: number;
}

/** Runs with an hour of steady traffic (80 minutes, hot after 75 %) at pinned starts across the day and week. */
export const DEMO_ALERT_STARTS = ["2026-12-01T03:40:00Z", "2026-12-02T09:00:00Z", "2026-12-04T19:20:00Z", "2026-12-05T14:00:00Z"] as const;

export function benchDemoAlerts(starts: readonly string[] = DEMO_ALERT_STARTS, durationSeconds = 4800, hotAfter = 0.75): DemoAlertsResult {
    const runs = starts.map((s) => {
        const { alerts: _alerts, ...run } = runDemoAlerts({ start: Date.parse(s), durationSeconds, hotAfter });
        return run;
    });
    return {
        runs,
        maxHotDetectionMinutes: Math.max(...runs.map((r) => r.hotDetectionMinutes ?? Infinity)),
        maxOtherAlertsPerHour: Math.max(...runs.map((r) => r.otherAlertsPerHour)),
        maxOtherAlertsSteadyPerHour: Math.max(...runs.map((r) => r.otherAlertsSteady / (r.steadyMinutes / 60))),
        steadyMinutesPerRun: runs[0]?.steadyMinutes ?? 0,
    };
}

if (require.main === module) console.log(JSON.stringify(benchDemoAlerts(), null, 2));
