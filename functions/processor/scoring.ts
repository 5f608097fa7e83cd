/**
 * Scoring of a chunk's NEW offers (after the identity gate, inside the chunk's
 * transaction, before the chunk's own offers reach the price statistics):
 * features from Aurora (the route/currency offer distribution over the model's
 * lookback, the route's searches over the same span, the seats held on the
 * carrier's flights of the route and day), then deal classification and
 * price-adjustment scoring through the configured ScoringBackend
 * (functions/scoring). Deals go to `offer_deals`, adjustments of at least the
 * model's minimum to `price_adjustments`, both once per offer identity.
 *
 * Rolled back with the chunk, so a retry scores the offers again and writes
 * them once; the SageMaker backend falls back to the built-in model when the
 * endpoint fails, so counting never waits on a model.
 */
import { routeOf } from "../shared/events";
import type { OfferEvent } from "../shared/events";
import type { DataApi } from "../shared/db/dataapi";
import type { ScoringBackend } from "../scoring/backend";
import type { DealFeatures, PriceFeatures } from "../scoring/model";
import { minuteOf } from "./aggregate";
import { addMinutes, distributionFromSums } from "./rules";
import * as SQL from "./sql";

/** Searches per route over [since, until). */
export const ROUTE_SEARCHES = `SELECT k.route, COALESCE(SUM(s.searches), 0)::bigint AS searches
FROM jsonb_to_recordset(:keys::jsonb) AS k(route text, since timestamptz, until timestamptz)
LEFT JOIN route_minute_stats s ON s.route = k.route AND s.minute >= k.since AND s.minute < k.until
GROUP BY k.route`;

/** Seats held (booked minus cancelled) on a carrier's flights of a route and day. */
export const SEATS_HELD = `SELECT k.carrier, k.origin, k.destination, to_char(k.departure_date, 'YYYY-MM-DD') AS departure_date,
       COALESCE(SUM(b.seats - b.seats_cancelled), 0)::bigint AS seats
FROM jsonb_to_recordset(:keys::jsonb) AS k(carrier text, origin text, destination text, departure_date date)
LEFT JOIN bookings b ON b.carrier = k.carrier AND b.origin = k.origin AND b.destination = k.destination AND b.departure_date = k.departure_date
GROUP BY k.carrier, k.origin, k.destination, k.departure_date`;

export const INSERT_SCORED_DEALS = `INSERT INTO offer_deals (source, event_id, route, origin, destination, carrier, departure_date, amount, currency, route_mean, route_stddev, sample_size, occurred_at, score, reason, model)
SELECT d.source, d.event_id, d.route, d.origin, d.destination, d.carrier, d.departure_date, d.amount, d.currency, d.route_mean, d.route_stddev, d.sample_size, d.occurred_at, d.score, d.reason, d.model
FROM jsonb_to_recordset(:deals::jsonb) AS d(source text, event_id text, route text, origin text, destination text, carrier text, departure_date date, amount float8, currency text, route_mean float8, route_stddev float8, sample_size bigint, occurred_at timestamptz, score float8, reason text, model text)
ON CONFLICT (source, event_id) DO NOTHING`;

export const INSERT_PRICE_ADJUSTMENTS = `INSERT INTO price_adjustments (source, event_id, route, origin, destination, carrier, departure_date, currency, amount, adjustment, suggested_amount, searches_per_hour, seats_held, route_mean, sample_size, reason, model, occurred_at)
SELECT a.source, a.event_id, a.route, a.origin, a.destination, a.carrier, a.departure_date, a.currency, a.amount, a.adjustment, a.suggested_amount, a.searches_per_hour, a.seats_held, a.route_mean, a.sample_size, a.reason, a.model, a.occurred_at
FROM jsonb_to_recordset(:rows::jsonb) AS a(source text, event_id text, route text, origin text, destination text, carrier text, departure_date date, currency text, amount float8, adjustment float8, suggested_amount float8, searches_per_hour float8, seats_held integer, route_mean float8, sample_size bigint, reason text, model text, occurred_at timestamptz)
ON CONFLICT (source, event_id) DO NOTHING`;

export interface ScoringStats {
    readonly deals: number;
    readonly priceAdjustments: number;
}

/** Scores new offers of one chunk in its transaction; returns what was recorded. */
/** The columns a deal row and a price-adjustment row both take from the offer they score (its key, route, price and event time). */
function offerColumns(o: OfferEvent) {
    return {
        source: o.source,
        event_id: o.eventId,
        route: routeOf(o),
        origin: o.origin,
        destination: o.destination,
        carrier: o.carrier,
        departure_date: o.departureDate,
        amount: o.price.amount,
        currency: o.price.currency,
        occurred_at: o.occurredAt,
    };
}

/**
 * The rows of the offers whose score `keep` accepts (scores[i] and features[i] belong to offers[i]): the offer's
 * columns, the `columns` of its score and features, and the score's reason and model cut to their column widths.
 */
function scoredRows<S extends { readonly reason: string; readonly model: string }, F>(
    offers: readonly OfferEvent[],
    scores: readonly S[],
    features: readonly F[],
    keep: (s: S) => boolean,
    columns: (s: S, f: F) => Record<string, unknown>,
): Record<string, unknown>[] {
    return offers.flatMap((o, i) => (keep(scores[i]) ? [{ ...offerColumns(o), ...columns(scores[i], features[i]), reason: scores[i].reason.slice(0, 1000), model: scores[i].model.slice(0, 200) }] : []));
}

export async function scoreOffers(db: DataApi, offers: readonly OfferEvent[], backend: ScoringBackend, tx: string): Promise<ScoringStats> {
    if (offers.length === 0) return { deals: 0, priceAdjustments: 0 };
    const lookback = backend.dealSample.lookbackMinutes;
    // One span per (route, currency): the lookback before the earliest offer's minute (as the deal rule always did).
    const spans = new Map<string, { route: string; currency: string; since: string; until: string }>();
    const routeSpans = new Map<string, { route: string; since: string; until: string }>();
    const flights = new Map<string, { carrier: string; origin: string; destination: string; departure_date: string }>();
    for (const o of offers) {
        const route = routeOf(o);
        const minute = minuteOf(o.occurredAt);
        const k = `${route}|${o.price.currency}`;
        const cur = spans.get(k);
        if (!cur || minute < cur.until) spans.set(k, { route, currency: o.price.currency, since: addMinutes(minute, -lookback), until: minute });
        const rs = routeSpans.get(route);
        if (!rs || minute < rs.until) routeSpans.set(route, { route, since: addMinutes(minute, -lookback), until: minute });
        flights.set(`${o.carrier}|${route}|${o.departureDate}`, { carrier: o.carrier, origin: o.origin, destination: o.destination, departure_date: o.departureDate });
    }
    const [distRows, searchRows, seatRows] = [
        await db.query<{ route: string; currency: string; n: number; price_sum: number; price_sum_sq: number }>(SQL.OFFER_DISTRIBUTIONS, { keys: { json: [...spans.values()] } }, tx),
        await db.query<{ route: string; searches: number }>(ROUTE_SEARCHES, { keys: { json: [...routeSpans.values()] } }, tx),
        await db.query<{ carrier: string; origin: string; destination: string; departure_date: string; seats: number }>(SEATS_HELD, { keys: { json: [...flights.values()] } }, tx),
    ];
    const dist = new Map(distRows.map((r) => [`${r.route}|${r.currency}`, distributionFromSums(Number(r.n), Number(r.price_sum), Number(r.price_sum_sq))]));
    const searches = new Map(searchRows.map((r) => [String(r.route), Number(r.searches)]));
    const seats = new Map(seatRows.map((r) => [`${r.carrier}|${r.origin}-${r.destination}|${r.departure_date}`, Number(r.seats)]));

    const dealFeatures: DealFeatures[] = [];
    const priceFeatures: PriceFeatures[] = [];
    for (const o of offers) {
        const route = routeOf(o);
        const d = dist.get(`${route}|${o.price.currency}`) ?? { count: 0, mean: 0, stddev: 0 };
        dealFeatures.push({ price: o.price.amount, sampleSize: d.count, routeMean: d.mean, routeStddev: d.stddev });
        priceFeatures.push({
            price: o.price.amount,
            searchesPerHour: ((searches.get(route) ?? 0) * 60) / lookback,
            seatsHeld: seats.get(`${o.carrier}|${route}|${o.departureDate}`) ?? 0,
            routeMean: d.mean,
            sampleSize: d.count,
        });
    }
    const dealScores = await backend.scoreDeals(dealFeatures);
    const priceScores = await backend.scorePrices(priceFeatures);

    const deals = scoredRows(
        offers,
        dealScores,
        dealFeatures,
        (s) => s.deal,
        (s, f) => ({ route_mean: f.routeMean, route_stddev: f.routeStddev, sample_size: f.sampleSize, score: s.score }),
    );
    const adjustments = scoredRows(
        offers,
        priceScores,
        priceFeatures,
        (s) => Math.abs(s.adjustment) >= backend.minAdjustment && s.adjustment !== 0,
        (s, f) => ({
            adjustment: s.adjustment,
            suggested_amount: s.suggestedAmount,
            searches_per_hour: f.searchesPerHour,
            seats_held: f.seatsHeld,
            route_mean: f.routeMean,
            sample_size: f.sampleSize,
        }),
    );
    if (deals.length > 0) await db.execute(INSERT_SCORED_DEALS, { deals: { json: deals } }, tx);
    if (adjustments.length > 0) await db.execute(INSERT_PRICE_ADJUSTMENTS, { rows: { json: adjustments } }, tx);
    return { deals: deals.length, priceAdjustments: adjustments.length };
}
