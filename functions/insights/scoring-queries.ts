/**
 * Read queries and validation of the scoring endpoints (docs/analytics.md "Insights API"):
 *   GET /v1/deals?route=&carrier=&minutes=&limit=
 *   GET /v1/price-adjustments?route=&carrier=&departureDate=&minutes=&limit=
 * Newest offer first; `minutes` (1..10080, default 1440) is the span of offer
 * event time before the request, so nothing from the future is listed.
 */
import { isoUtc as ISO } from "../shared/db/sql-time";
import type { DataApi, Params } from "../shared/db/dataapi";

export const DEALS_SELECT = `SELECT d.source, d.event_id, d.route, d.origin, d.destination, d.carrier, to_char(d.departure_date, 'YYYY-MM-DD') AS departure_date,
       d.amount::float8 AS amount, d.currency, d.route_mean::float8 AS route_mean, d.route_stddev::float8 AS route_stddev, d.sample_size::bigint AS sample_size,
       d.score::float8 AS score, d.reason, d.model, ${ISO("d.occurred_at")} AS occurred_at, ${ISO("d.flagged_at")} AS flagged_at
FROM offer_deals d`;

export const PRICE_ADJUSTMENTS_SELECT = `SELECT a.source, a.event_id, a.route, a.origin, a.destination, a.carrier, to_char(a.departure_date, 'YYYY-MM-DD') AS departure_date,
       a.currency, a.amount::float8 AS amount, a.adjustment::float8 AS adjustment, a.suggested_amount::float8 AS suggested_amount,
       a.searches_per_hour::float8 AS searches_per_hour, a.seats_held::int AS seats_held, a.route_mean::float8 AS route_mean, a.sample_size::bigint AS sample_size,
       a.reason, a.model, ${ISO("a.occurred_at")} AS occurred_at, ${ISO("a.scored_at")} AS scored_at
FROM price_adjustments a`;

/** What a deal and a price adjustment both say about the offer they concern (the offer's key, route and price). */
export interface ScoredOfferView {
    readonly source: string;
    readonly eventId: string;
    readonly route: string;
    readonly origin: string;
    readonly destination: string;
    readonly carrier: string;
    readonly departureDate: string;
    readonly price: { readonly amount: number; readonly currency: string };
}

export interface DealView extends ScoredOfferView {
    readonly routeMean: number;
    readonly routeStddev: number;
    readonly sampleSize: number;
    readonly score: number;
    readonly reason: string;
    readonly model: string;
    readonly occurredAt: string;
    readonly flaggedAt: string;
}

export interface PriceAdjustmentView extends ScoredOfferView {
    readonly adjustment: number;
    readonly suggestedPrice: { readonly amount: number; readonly currency: string };
    readonly features: { readonly searchesPerHour: number; readonly seatsHeld: number; readonly routeMean: number; readonly sampleSize: number };
    readonly reason: string;
    readonly model: string;
    readonly occurredAt: string;
    readonly scoredAt: string;
}

function scoredOfferView(r: Record<string, unknown>): ScoredOfferView {
    return {
        source: String(r.source),
        eventId: String(r.event_id),
        route: String(r.route),
        origin: String(r.origin),
        destination: String(r.destination),
        carrier: String(r.carrier),
        departureDate: String(r.departure_date),
        price: { amount: Number(r.amount), currency: String(r.currency) },
    };
}

export function dealView(r: Record<string, unknown>): DealView {
    return {
        ...scoredOfferView(r),
        routeMean: Number(r.route_mean),
        routeStddev: Number(r.route_stddev),
        sampleSize: Number(r.sample_size),
        score: Number(r.score),
        reason: String(r.reason),
        model: String(r.model),
        occurredAt: String(r.occurred_at),
        flaggedAt: String(r.flagged_at),
    };
}

export function priceAdjustmentView(r: Record<string, unknown>): PriceAdjustmentView {
    const offer = scoredOfferView(r);
    return {
        ...offer,
        adjustment: Number(r.adjustment),
        suggestedPrice: { amount: Number(r.suggested_amount), currency: offer.price.currency },
        features: { searchesPerHour: Number(r.searches_per_hour), seatsHeld: Number(r.seats_held), routeMean: Number(r.route_mean), sampleSize: Number(r.sample_size) },
        reason: String(r.reason),
        model: String(r.model),
        occurredAt: String(r.occurred_at),
        scoredAt: String(r.scored_at),
    };
}

export interface ScoringQuery {
    readonly route?: string;
    readonly carrier?: string;
    readonly departureDate?: string;
    readonly minutes: number;
    readonly limit: number;
    readonly now: Date;
}

function where(alias: string, q: ScoringQuery): { sql: string; params: Params } {
    const parts = [`${alias}.occurred_at >= CAST(:since AS timestamptz)`, `${alias}.occurred_at <= CAST(:until AS timestamptz)`];
    const params: Params = { since: new Date(q.now.getTime() - q.minutes * 60_000).toISOString(), until: q.now.toISOString(), limit: q.limit };
    if (q.route !== undefined) {
        parts.push(`${alias}.route = :route`);
        params.route = q.route;
    }
    if (q.carrier !== undefined) {
        parts.push(`${alias}.carrier = :carrier`);
        params.carrier = q.carrier;
    }
    if (q.departureDate !== undefined) {
        parts.push(`${alias}.departure_date = CAST(:departure_date AS date)`);
        params.departure_date = q.departureDate;
    }
    return { sql: parts.join(" AND "), params };
}

export async function recentDeals(db: DataApi, q: ScoringQuery): Promise<DealView[]> {
    const w = where("d", q);
    return (await db.query(`${DEALS_SELECT} WHERE ${w.sql} ORDER BY d.occurred_at DESC, d.source, d.event_id LIMIT :limit`, w.params)).map(dealView);
}

export async function recentPriceAdjustments(db: DataApi, q: ScoringQuery): Promise<PriceAdjustmentView[]> {
    const w = where("a", q);
    return (await db.query(`${PRICE_ADJUSTMENTS_SELECT} WHERE ${w.sql} ORDER BY a.occurred_at DESC, a.source, a.event_id LIMIT :limit`, w.params)).map(priceAdjustmentView);
}

export interface ScoringFieldError {
    readonly path: string;
    readonly message: string;
}

const ROUTE = /^[A-Z]{3}-[A-Z]{3}$/;
const CARRIER = /^[A-Z0-9]{2}$/;
const KNOWN: Record<"deals" | "price-adjustments", readonly string[]> = {
    "deals": ["route", "carrier", "minutes", "limit"],
    "price-adjustments": ["route", "carrier", "departureDate", "minutes", "limit"],
};

/** Validates the query of a scoring endpoint; every problem is listed (unknown parameters too). */
export function scoringQuery(
    endpoint: "deals" | "price-adjustments",
    query: Record<string, string | undefined>,
    now: Date,
    h: { intParam: (q: Record<string, string | undefined>, key: string, dflt: number, min: number, max: number, errors: ScoringFieldError[]) => number; isCalendarDate: (s: string) => boolean },
): { query?: ScoringQuery; errors: ScoringFieldError[] } {
    const errors: ScoringFieldError[] = [];
    for (const k of Object.keys(query)) {
        if (query[k] !== undefined && !KNOWN[endpoint].includes(k)) errors.push({ path: k, message: `${k} is not a parameter of /v1/${endpoint}; allowed: ${KNOWN[endpoint].join(", ")}` });
    }
    const limit = h.intParam(query, "limit", 50, 1, 500, errors);
    const minutes = h.intParam(query, "minutes", 1440, 1, 10080, errors);
    const { route, carrier, departureDate } = query;
    if (route !== undefined && !ROUTE.test(route)) errors.push({ path: "route", message: `route must be ORIGIN-DESTINATION with upper-case IATA airport codes such as "ZRH-LIS"; received ${JSON.stringify(route)}` });
    if (carrier !== undefined && !CARRIER.test(carrier)) errors.push({ path: "carrier", message: `carrier must be a 2-character IATA airline designator (upper-case letters or digits) such as "LX"; received ${JSON.stringify(carrier)}` });
    if (endpoint === "price-adjustments" && departureDate !== undefined && !h.isCalendarDate(departureDate)) {
        errors.push({ path: "departureDate", message: `departureDate must be a calendar date YYYY-MM-DD; received ${JSON.stringify(departureDate)}` });
    }
    if (errors.length > 0) return { errors };
    return { errors, query: { route, carrier, departureDate: endpoint === "price-adjustments" ? departureDate : undefined, minutes, limit, now } };
}
