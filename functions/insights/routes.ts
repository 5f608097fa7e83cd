/**
 * Insights API routing and validation (docs/design.md §3.3), independent of the
 * transport: API Gateway (handler.ts) and the local platform's HTTP server
 * call the same `handleRequest`.
 */
import type { DataApi } from "../shared/db/dataapi";
import type { ForecastSource } from "../forecast/artifact";
import { ROUTE_PATTERN, routeForecast } from "./forecast";
import * as Q from "./queries";
import { recentDeals, recentPriceAdjustments, scoringQuery } from "./scoring-queries";

export interface InsightsRequest {
    readonly method: string;
    /** Path without query string, e.g. "/v1/routes/top". */
    readonly path: string;
    readonly query?: Record<string, string | undefined>;
}

export interface InsightsResponse {
    readonly statusCode: number;
    readonly headers: Record<string, string>;
    readonly body: string;
}

export interface InsightsDeps {
    readonly db: DataApi;
    /** Request time (event-time windows end here). @default () => new Date() */
    readonly now?: () => Date;
    /** The trained demand model for the forecast route. @default none (expected values null) */
    readonly forecast?: ForecastSource;
    /** Called with unexpected errors (logged by the caller). */
    readonly onError?: (error: unknown) => void;
}

export interface FieldError {
    readonly path: string;
    readonly message: string;
}

const JSON_HEADERS = { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" };

function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): InsightsResponse {
    return { statusCode, headers: { ...JSON_HEADERS, ...headers }, body: JSON.stringify(body) };
}

/** Integer query parameter in [min, max], or a FieldError. */
export function intParam(query: Record<string, string | undefined>, key: string, dflt: number, min: number, max: number, errors: FieldError[]): number {
    const raw = query[key];
    if (raw === undefined) return dflt;
    if (!/^-?\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
        errors.push({ path: key, message: `${key} must be an integer from ${min} to ${max}; received ${JSON.stringify(raw)}` });
        return dflt;
    }
    return Number(raw);
}

const CARRIER = /^[A-Z0-9]{2}$/;
const FLIGHT_NUMBER = /^[0-9]{1,4}[A-Z]?$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

export function isCalendarDate(s: string): boolean {
    const m = DATE.exec(s);
    if (!m) return false;
    const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
    return d.getUTCFullYear() === Number(m[1]) && d.getUTCMonth() === Number(m[2]) - 1 && d.getUTCDate() === Number(m[3]);
}

/** Validates the inventory path parameters; every problem is listed. */
export function validateFlightParams(carrier: string, number: string, departureDate: string): FieldError[] {
    const errors: FieldError[] = [];
    if (!CARRIER.test(carrier)) errors.push({ path: "carrier", message: `carrier must be a 2-character IATA airline designator (upper-case letters or digits) such as "LX"; received ${JSON.stringify(carrier)}` });
    if (!FLIGHT_NUMBER.test(number)) errors.push({ path: "number", message: `number must be 1 to 4 digits with an optional upper-case suffix letter such as "318"; received ${JSON.stringify(number)}` });
    if (!isCalendarDate(departureDate)) errors.push({ path: "departureDate", message: `departureDate must be a calendar date YYYY-MM-DD; received ${JSON.stringify(departureDate)}` });
    return errors;
}

const ROUTES: { pattern: RegExp; name: "top" | "alerts" | "inventory" | "forecast" | "deals" | "price-adjustments" }[] = [
    { pattern: /^\/v1\/routes\/top\/?$/, name: "top" },
    { pattern: /^\/v1\/alerts\/?$/, name: "alerts" },
    { pattern: /^\/v1\/routes\/([^/]*)\/forecast\/?$/, name: "forecast" },
    { pattern: /^\/v1\/inventory\/([^/]*)\/([^/]*)\/([^/]*)\/?$/, name: "inventory" },
    { pattern: /^\/v1\/deals\/?$/, name: "deals" },
    { pattern: /^\/v1\/price-adjustments\/?$/, name: "price-adjustments" },
];

function safeDecode(s: string): string {
    try {
        return decodeURIComponent(s);
    } catch {
        return s;
    }
}

/** Serves one request. Never throws: unexpected errors become a 500 without details. */
export async function handleRequest(req: InsightsRequest, deps: InsightsDeps): Promise<InsightsResponse> {
    const query = req.query ?? {};
    const match = ROUTES.map((r) => ({ r, m: r.pattern.exec(req.path) })).find((x) => x.m !== null);
    if (!match)
        return json(404, {
            message: `no route for ${req.method} ${req.path}; the insights API serves GET /v1/routes/top, GET /v1/routes/{route}/forecast, GET /v1/alerts, GET /v1/inventory/{carrier}/{number}/{departureDate}, GET /v1/deals and GET /v1/price-adjustments`,
        });
    if (req.method.toUpperCase() !== "GET") return json(405, { message: `method ${req.method} is not allowed on ${req.path}; use GET` }, { allow: "GET" });
    const now = (deps.now ?? (() => new Date()))();
    try {
        switch (match.r.name) {
            case "top": {
                const errors: FieldError[] = [];
                const limit = intParam(query, "limit", 10, 1, 100, errors);
                const minutes = intParam(query, "minutes", 60, 1, 10080, errors);
                if (errors.length > 0) return json(400, { errors });
                return json(200, { routes: await Q.topRoutes(deps.db, { limit, minutes, now }) });
            }
            case "alerts": {
                const errors: FieldError[] = [];
                const limit = intParam(query, "limit", 50, 1, 100, errors);
                if (errors.length > 0) return json(400, { errors });
                return json(200, { alerts: await Q.recentAlerts(deps.db, limit, now) });
            }
            case "forecast": {
                const route = safeDecode(match.m![1]);
                const errors: FieldError[] = [];
                if (!ROUTE_PATTERN.test(route)) errors.push({ path: "route", message: `route must be two 3-letter upper-case IATA airport codes joined by "-" such as "ZRH-LIS"; received ${JSON.stringify(route)}` });
                const hours = intParam(query, "hours", 24, 1, 168, errors);
                if (errors.length > 0) return json(400, { errors });
                return json(200, await routeForecast(deps.db, await deps.forecast?.current(), route, hours, now));
            }
            case "inventory": {
                const [carrier, number, departureDate] = match.m!.slice(1, 4).map(safeDecode);
                const errors = validateFlightParams(carrier, number, departureDate);
                if (errors.length > 0) return json(400, { errors });
                const inv = await Q.flightInventory(deps.db, carrier, number, departureDate);
                if (!inv) return json(404, { message: `no booking recorded for flight ${carrier} ${number} on ${departureDate}` });
                return json(200, inv);
            }
            case "deals":
            case "price-adjustments": {
                const v = scoringQuery(match.r.name, query, now, { intParam, isCalendarDate });
                if (!v.query) return json(400, { errors: v.errors });
                return match.r.name === "deals" ? json(200, { deals: await recentDeals(deps.db, v.query) }) : json(200, { priceAdjustments: await recentPriceAdjustments(deps.db, v.query) });
            }
        }
    } catch (e) {
        deps.onError?.(e);
        return json(500, { message: "internal error; see the insights function's logs" });
    }
}
