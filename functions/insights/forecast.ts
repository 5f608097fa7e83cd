/**
 * `GET /v1/routes/{route}/forecast?hours=24`: for each UTC hour from `hours`
 * hours before the current one to the next one, the route's observed searches
 * and bookings (null for hours that have not started) and the trained model's
 * expected value with its 95 % interval (functions/forecast/model.ts). Without
 * a trained model the expected values are null and `model` is null.
 */
import { expectedBetween, FORECAST_METRICS, type ForecastModel } from "../forecast/model";
import type { DataApi } from "../shared/db/dataapi";
import { routeHours } from "./queries";

export const ROUTE_PATTERN = /^[A-Z]{3}-[A-Z]{3}$/;

export interface ForecastPoint {
    readonly hour: string;
    readonly observed: { readonly searches: number; readonly bookings: number } | null;
    readonly expected: Readonly<Record<"searches" | "bookings", { readonly value: number; readonly lower: number; readonly upper: number }>> | null;
}

export interface RouteForecast {
    readonly route: string;
    readonly model: { readonly version: string; readonly trainedAt: string; readonly kind: string; readonly historyHours: number } | null;
    readonly interval: "95%";
    readonly hours: readonly ForecastPoint[];
}

const HOUR = 3_600_000;

export async function routeForecast(db: DataApi, model: ForecastModel | undefined, route: string, hours: number, now: Date): Promise<RouteForecast> {
    const current = Math.floor(now.getTime() / HOUR) * HOUR;
    const from = current - hours * HOUR;
    const to = current + 2 * HOUR;
    const observed = await routeHours(db, route, new Date(from), new Date(Math.min(to, now.getTime() + 1)));
    const points: ForecastPoint[] = [];
    for (let t = from; t < to; t += HOUR) {
        const started = t <= now.getTime();
        points.push({
            hour: new Date(t).toISOString(),
            observed: started ? (observed.get(t) ?? { searches: 0, bookings: 0 }) : null,
            expected: model
                ? (Object.fromEntries(
                      FORECAST_METRICS.map((m) => {
                          const e = expectedBetween(model, m, route, t, t + HOUR);
                          return [m, { value: e.expected, lower: e.lower, upper: e.upper }];
                      }),
                  ) as ForecastPoint["expected"])
                : null,
        });
    }
    return {
        route,
        model: model ? { version: model.version, trainedAt: model.trainedAt, kind: model.kind, historyHours: model.metrics.searches.routes[route]?.hours ?? 0 } : null,
        interval: "95%",
        hours: points,
    };
}
