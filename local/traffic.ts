/**
 * Realistic, deterministic (seeded) airline traffic for the local platform,
 * the demo (`npm run traffic`, `npm start -- --demo`) and the end-to-end tests.
 * Pure: no I/O, no clock (callers pass event times).
 *
 * About 50 routes between real airports; searches (with return dates,
 * passengers, cabins), priced offers with itinerary detail (segments, fares
 * per passenger type, taxes), bookings on a few flights per route and
 * cancellations of earlier bookings. One route can be made hot (a burst of
 * searches) so the high-demand alert fires. `invalidEvent` produces events the
 * envelope validator rejects, each for one stated reason.
 */
import type { BookingEvent, CancellationEvent, FlightEvent, OfferEvent, SearchEvent } from "../functions/shared/events";

/** mulberry32: small, fast, deterministic PRNG returning [0, 1). */
export function rng(seed: number): () => number {
    let a = seed >>> 0;
    return () => {
        a = (a + 0x6d2b79f5) >>> 0;
        let t = a;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
}

export const AIRPORTS = ["ZRH", "LIS", "LHR", "CDG", "FRA", "AMS", "MAD", "BCN", "FCO", "MUC", "VIE", "CPH", "OSL", "ARN", "HEL", "DUB", "JFK", "BOS", "ORD", "SFO"] as const;

const CARRIERS = ["LX", "TP", "BA", "AF", "LH", "KL", "IB", "VY", "AZ", "OS", "SK", "AY", "EI", "UA", "AA", "DL"] as const;
const CURRENCIES = ["EUR", "CHF", "GBP", "USD"] as const;
const CABINS = ["economy", "premium_economy", "business", "first"] as const;
/** The local sources (sites and channels); `npm start` issues one ingestion key for each (local/keys.ts). */
export const SOURCES = ["web-eu", "app-ios", "app-android", "gds-amadeus", "meta-skyscanner"] as const;

export interface Route {
    readonly origin: string;
    readonly destination: string;
    /** "ZRH-LIS" */
    readonly route: string;
    /** Flights operated on the route (carrier + number). */
    readonly flights: readonly { carrier: string; number: string }[];
}

/** `count` distinct routes (1..380), deterministic for a seed. */
export function makeRoutes(count: number, seed: number): Route[] {
    const max = AIRPORTS.length * (AIRPORTS.length - 1);
    if (!Number.isInteger(count) || count < 1 || count > max) {
        throw new Error(`\`routes\` must be an integer from 1 to ${max}; received ${String(count)}.`);
    }
    const r = rng(seed ^ 0x5eed);
    const pairs: [string, string][] = [];
    for (const o of AIRPORTS) for (const d of AIRPORTS) if (o !== d) pairs.push([o, d]);
    for (let i = pairs.length - 1; i > 0; i--) {
        const j = Math.floor(r() * (i + 1));
        [pairs[i], pairs[j]] = [pairs[j], pairs[i]];
    }
    return pairs.slice(0, count).map(([origin, destination]) => {
        const flights = Array.from({ length: 2 + Math.floor(r() * 2) }, () => ({
            carrier: CARRIERS[Math.floor(r() * CARRIERS.length)],
            number: String(100 + Math.floor(r() * 8900)),
        }));
        return { origin, destination, route: `${origin}-${destination}`, flights };
    });
}

export interface TrafficOptions {
    /** @default 1 */
    readonly seed?: number;
    /** Number of routes. @default 50 */
    readonly routes?: number;
    /** Prefix of every eventId and bookingId (make it unique per run). @default "t<seed>" */
    readonly idPrefix?: string;
    /** Share of each type among normal events. @default {search: 0.6, offer: 0.25, booking: 0.1, cancellation: 0.05} */
    readonly mix?: { readonly search: number; readonly offer: number; readonly booking: number; readonly cancellation: number };
    /**
     * Cancellations only pick bookings older than the last `cancellationLag`
     * bookings, so live traffic cancels bookings that were processed already
     * (events are partitioned by eventId: a booking and its cancellation sent
     * together may be processed in either order). @default 200
     */
    readonly cancellationLag?: number;
    /**
     * Route popularity: route of rank k (0-based) gets weight 1/(k+1)^routeSkew; 0 is uniform.
     * The hot route (routes[0]) has the median rank, so its normal share is a typical route's. @default 0
     */
    readonly routeSkew?: number;
}

/**
 * Daily and weekly shape of shopping demand at `at` (UTC): a night trough near
 * 04:00, a morning peak near 10:00 and an evening peak near 20:00, busier
 * weekdays and a quieter Saturday. Its mean over a week is 1, so `rate x
 * demandShape(t)` keeps `rate` as the weekly average.
 */
export function demandShape(at: Date | number): number {
    const t = typeof at === "number" ? at : at.getTime();
    const hour = (((t / 3_600_000) % 24) + 24) % 24;
    const day = new Date(t).getUTCDay();
    return DAILY_NORM * dailyRaw(hour) * WEEKLY[day];
}

const bump = (h: number, centre: number, width: number) => {
    const d = Math.min(Math.abs(h - centre), 24 - Math.abs(h - centre));
    return Math.exp(-(d * d) / (2 * width * width));
};
const dailyRaw = (h: number) => 0.25 + bump(h, 10, 2.5) + 0.8 * bump(h, 20, 2.5);
/** Sunday..Saturday (getUTCDay order), mean 1. */
const WEEKLY = (() => {
    const raw = [0.95, 1.05, 1.0, 1.0, 1.05, 1.1, 0.85];
    const m = raw.reduce((a, b) => a + b, 0) / raw.length;
    return raw.map((v) => v / m);
})();
const DAILY_NORM = (() => {
    let sum = 0;
    for (let i = 0; i < 24 * 60; i++) sum += dailyRaw(i / 60);
    return (24 * 60) / sum;
})();

/** Popularity weights of `count` routes (sum 1) for `skew`; routes[0] (the hot route) has the median rank. */
export function routeWeights(count: number, skew: number): number[] {
    if (!(skew >= 0 && skew <= 3)) throw new Error(`\`routeSkew\` must be a number from 0 to 3; received ${String(skew)}.`);
    const half = Math.floor(count / 2);
    const rank = (i: number) => (i === 0 ? half : i <= half ? i - 1 : i);
    const raw = Array.from({ length: count }, (_, i) => 1 / Math.pow(rank(i) + 1, skew));
    const total = raw.reduce((a, b) => a + b, 0);
    return raw.map((w) => w / total);
}

export type InvalidReason = "missing-eventId" | "unknown-type" | "same-origin-destination" | "bad-seats" | "bad-occurredAt" | "negative-price";
export const INVALID_REASONS: readonly InvalidReason[] = ["missing-eventId", "unknown-type", "same-origin-destination", "bad-seats", "bad-occurredAt", "negative-price"];

const pad = (n: number, w = 2) => String(n).padStart(w, "0");
const round2 = (n: number) => Math.round(n * 100) / 100;

/** A generator of events; every call advances its seeded state. */
export class TrafficGenerator {
    readonly routes: Route[];
    /** The route that `hotSearch` targets (routes[0]). */
    readonly hotRoute: Route;
    private readonly r: () => number;
    private readonly prefix: string;
    private seq = 0;
    private readonly mix: Required<TrafficOptions>["mix"];
    /** Bookings not yet cancelled (cancellations pick from these). */
    private readonly open: BookingEvent[] = [];
    private readonly lag: number;
    /** Cumulative route weights (undefined: uniform). */
    private readonly cumulative?: number[];
    /** Share of normal traffic each route gets (routeWeights). */
    readonly weights: number[];

    constructor(opts: TrafficOptions = {}) {
        const seed = opts.seed ?? 1;
        if (!Number.isInteger(seed)) throw new Error(`\`seed\` must be an integer; received ${String(opts.seed)}.`);
        this.routes = makeRoutes(opts.routes ?? 50, seed);
        this.hotRoute = this.routes[0];
        this.r = rng(seed);
        this.weights = routeWeights(this.routes.length, opts.routeSkew ?? 0);
        if ((opts.routeSkew ?? 0) > 0) {
            let acc = 0;
            this.cumulative = this.weights.map((w) => (acc += w));
        }
        this.prefix = opts.idPrefix ?? `t${seed}`;
        this.lag = opts.cancellationLag ?? 200;
        if (!Number.isInteger(this.lag) || this.lag < 0) throw new Error(`\`cancellationLag\` must be an integer >= 0; received ${String(opts.cancellationLag)}.`);
        this.mix = opts.mix ?? { search: 0.6, offer: 0.25, booking: 0.1, cancellation: 0.05 };
        const total = this.mix.search + this.mix.offer + this.mix.booking + this.mix.cancellation;
        if (!(Math.abs(total - 1) < 1e-9) || Object.values(this.mix).some((v) => !(v >= 0))) {
            throw new Error(`\`mix\` shares must be >= 0 and add up to 1; received ${JSON.stringify(this.mix)}.`);
        }
    }

    private pick<T>(list: readonly T[]): T {
        return list[Math.floor(this.r() * list.length)];
    }

    private id(kind: string): string {
        return `${this.prefix}-${kind}-${++this.seq}`;
    }

    /** A route other than the hot one (so the hot route only gets its burst plus normal share). */
    private route(): Route {
        if (this.cumulative) {
            const x = this.r();
            const i = this.cumulative.findIndex((c) => x < c);
            return this.routes[i < 0 ? this.routes.length - 1 : i];
        }
        return this.routes[Math.floor(this.r() * this.routes.length)];
    }

    private departureDate(at: Date): string {
        const d = new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate()) + (1 + Math.floor(this.r() * 60)) * 86400000);
        return d.toISOString().slice(0, 10);
    }

    private base(type: FlightEvent["type"], at: Date) {
        return { eventId: this.id(type.slice(0, 3)), type, occurredAt: at.toISOString(), source: this.pick(SOURCES) };
    }

    /** One event of the normal mix at event time `at`. */
    next(at: Date): FlightEvent {
        const x = this.r();
        const { search, offer, booking } = this.mix;
        if (x < search) return this.search(at);
        if (x < search + offer) return this.offer(at);
        if (x < search + offer + booking || this.open.length <= this.lag) return this.booking(at);
        return this.cancellation(at);
    }

    search(at: Date, route: Route = this.route()): SearchEvent {
        const departureDate = this.departureDate(at);
        const roundTrip = this.r() < 0.7;
        const ret = new Date(Date.parse(departureDate) + (2 + Math.floor(this.r() * 12)) * 86400000).toISOString().slice(0, 10);
        return {
            ...this.base("search", at),
            type: "search",
            origin: route.origin,
            destination: route.destination,
            departureDate,
            ...(roundTrip ? { returnDate: ret } : {}),
            passengers: 1 + Math.floor(this.r() * 4),
            cabin: this.r() < 0.8 ? "economy" : this.pick(CABINS),
        } as SearchEvent;
    }

    /** A search on the hot route (the burst that should raise the alert). */
    hotSearch(at: Date): SearchEvent {
        return this.search(at, this.hotRoute);
    }

    offer(at: Date, route: Route = this.route()): OfferEvent {
        const flight = this.pick(route.flights);
        const departureDate = this.departureDate(at);
        const currency = this.pick(CURRENCIES);
        const adults = 1 + Math.floor(this.r() * 2);
        const children = this.r() < 0.2 ? 1 : 0;
        const baseFare = round2(60 + this.r() * 540);
        const taxes = [
            { code: "YQ", amount: round2(10 + this.r() * 40) },
            { code: "CH", amount: round2(5 + this.r() * 25) },
            { code: "XT", amount: round2(2 + this.r() * 10) },
        ];
        const taxTotal = round2(taxes.reduce((s, t) => s + t.amount, 0));
        const fares = [
            { passengerType: "ADT", count: adults, baseFare, taxes, total: round2(baseFare + taxTotal) },
            ...(children ? [{ passengerType: "CHD", count: children, baseFare: round2(baseFare * 0.75), taxes, total: round2(baseFare * 0.75 + taxTotal) }] : []),
        ];
        const amount = round2(fares.reduce((s, f) => s + f.total * f.count, 0));
        const depHour = 6 + Math.floor(this.r() * 15);
        const depart = `${departureDate}T${pad(depHour)}:${pad(Math.floor(this.r() * 12) * 5)}:00Z`;
        const durationMin = 70 + Math.floor(this.r() * 600);
        const arrive = new Date(Date.parse(depart) + durationMin * 60000).toISOString().replace(".000Z", "Z");
        return {
            ...this.base("offer", at),
            type: "offer",
            origin: route.origin,
            destination: route.destination,
            departureDate,
            carrier: flight.carrier,
            price: { amount, currency },
            offerId: this.id("ofr"),
            validUntil: new Date(at.getTime() + 20 * 60000).toISOString(),
            itinerary: {
                segments: [
                    {
                        carrier: flight.carrier,
                        number: flight.number,
                        origin: route.origin,
                        destination: route.destination,
                        departAt: depart,
                        arriveAt: arrive,
                        cabin: "economy",
                        bookingClass: this.pick(["Y", "B", "M", "H", "Q", "V"]),
                        fareBasis: `${this.pick(["Y", "B", "M"])}${this.pick(["LOW", "FLEX", "SAVER"])}${pad(Math.floor(this.r() * 99))}`,
                    },
                ],
                durationMinutes: durationMin,
            },
            fares,
        } as OfferEvent;
    }

    booking(at: Date, route: Route = this.route()): BookingEvent {
        const flight = this.pick(route.flights);
        // Few departure dates per flight, so inventory rows accumulate.
        const day = new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate()) + (7 + Math.floor(this.r() * 3) * 7) * 86400000);
        const seats = 1 + Math.floor(this.r() * 4);
        const ev = {
            ...this.base("booking", at),
            type: "booking",
            bookingId: this.id("PNR"),
            flight: { carrier: flight.carrier, number: flight.number, departureDate: day.toISOString().slice(0, 10), origin: route.origin, destination: route.destination },
            seats,
            fare: { amount: round2(seats * (80 + this.r() * 500)), currency: this.pick(CURRENCIES) },
            channel: this.pick(["direct", "ota", "gds"]),
        } as BookingEvent;
        this.open.push(ev);
        return ev;
    }

    cancellation(at: Date): CancellationEvent {
        if (this.open.length <= this.lag) throw new Error(`no open booking older than the last ${this.lag} to cancel`);
        const [b] = this.open.splice(Math.floor(this.r() * (this.open.length - this.lag)), 1);
        return {
            ...this.base("cancellation", at),
            type: "cancellation",
            bookingId: b.bookingId,
            flight: { ...b.flight },
            seats: b.seats,
            reason: this.pick(["customer", "schedule-change", "payment-failed"]),
        } as CancellationEvent;
    }

    /** An event the validator rejects, for `reason` (or the next one in turn). */
    invalidEvent(at: Date, reason: InvalidReason = INVALID_REASONS[this.seq % INVALID_REASONS.length]): Record<string, unknown> {
        const ok = this.search(at) as unknown as Record<string, unknown>;
        switch (reason) {
            case "missing-eventId": {
                const { eventId: _drop, ...rest } = ok;
                return rest;
            }
            case "unknown-type":
                return { ...ok, type: "refund" };
            case "same-origin-destination":
                return { ...ok, destination: ok.origin };
            case "bad-seats": {
                const b = this.booking(at) as unknown as Record<string, unknown>;
                this.open.pop();
                return { ...b, seats: 12 };
            }
            case "bad-occurredAt":
                return { ...ok, occurredAt: "yesterday" };
            case "negative-price": {
                const o = this.offer(at) as unknown as Record<string, unknown>;
                return { ...o, price: { amount: -5, currency: "EUR" } };
            }
        }
    }
}

/** What a set of events should produce (used by the e2e tests and the demo summary). */
export interface ExpectedAggregates {
    /** route → counts of each type */
    readonly byRoute: Map<string, { searches: number; offers: number; bookings: number; cancellations: number }>;
    /** "carrier/number/departureDate" → seats booked minus seats cancelled */
    readonly seatsSold: Map<string, number>;
}

/** Expected per-route counts and inventory of DISTINCT events (first occurrence of each eventId). */
export function expectedAggregates(events: readonly FlightEvent[]): ExpectedAggregates {
    const seen = new Set<string>();
    const byRoute: ExpectedAggregates["byRoute"] = new Map();
    const seatsSold = new Map<string, number>();
    for (const e of events) {
        if (seen.has(e.eventId)) continue;
        seen.add(e.eventId);
        const ends = e.type === "booking" || e.type === "cancellation" ? e.flight : e;
        const route = `${ends.origin}-${ends.destination}`;
        const row = byRoute.get(route) ?? { searches: 0, offers: 0, bookings: 0, cancellations: 0 };
        if (e.type === "search") row.searches++;
        else if (e.type === "offer") row.offers++;
        else if (e.type === "booking") row.bookings++;
        else row.cancellations++;
        byRoute.set(route, row);
        if (e.type === "booking" || e.type === "cancellation") {
            const key = `${e.flight.carrier}/${e.flight.number}/${e.flight.departureDate}`;
            seatsSold.set(key, (seatsSold.get(key) ?? 0) + (e.type === "booking" ? e.seats : -e.seats));
        }
    }
    return { byRoute, seatsSold };
}

export interface DemoPlanOptions {
    /** Events per second. */
    readonly rate: number;
    /** Seconds. */
    readonly durationSeconds: number;
    /** Fraction of the run after which the hot route turns hot. @default 0.3 */
    readonly hotAfter?: number;
    /** Extra searches per second on the hot route once hot (capped by 60% of rate). @default max(2, rate * 0.3) */
    readonly hotRate?: number;
    /** Scale the rate by the daily and weekly shape (demandShape) of each second's event time. @default false */
    readonly patterns?: boolean;
}

/**
 * Events to send during second `second` of a live run (event time = `now`):
 * the normal mix, plus a burst on the hot route after `hotAfter` of the run.
 */
export function eventsForSecond(gen: TrafficGenerator, plan: DemoPlanOptions, second: number, now: Date): FlightEvent[] {
    const hotFrom = Math.floor(plan.durationSeconds * (plan.hotAfter ?? 0.3));
    const hotRate = second >= hotFrom ? Math.min(Math.round(plan.hotRate ?? Math.max(2, plan.rate * 0.3)), Math.ceil(plan.rate * 0.6)) : 0;
    const out: FlightEvent[] = [];
    const normal = plan.patterns ? Math.max(0, Math.round((plan.rate - hotRate) * demandShape(now))) : plan.rate - hotRate;
    for (let i = 0; i < normal; i++) out.push(gen.next(new Date(now.getTime() + Math.floor((i * 1000) / Math.max(1, normal)))));
    for (let i = 0; i < hotRate; i++) out.push(gen.hotSearch(new Date(now.getTime() + Math.floor((i * 1000) / Math.max(1, hotRate)))));
    return out;
}

export interface HistoryOptions {
    /** Weekly-average events per second (as `npm start -- --demo --rate`). */
    readonly rate: number;
    /** First hour (UTC, aligned to the hour). */
    readonly from: Date;
    readonly hours: number;
    /** @default 50 */
    readonly routes?: number;
    /** @default 1 */
    readonly seed?: number;
    /** @default 0.8 */
    readonly routeSkew?: number;
    /** Share of searches and bookings in the mix (the generator's defaults). @default {search: 0.6, booking: 0.1} */
    readonly shares?: { readonly search: number; readonly booking: number };
}

export interface HourlyDemand {
    readonly route: string;
    /** Start of the UTC hour, ISO. */
    readonly hour: string;
    readonly searches: number;
    readonly bookings: number;
}

/** A Poisson draw (Knuth for small means, normal approximation above 500). */
export function poissonDraw(mean: number, r: () => number): number {
    if (mean <= 0) return 0;
    if (mean > 500) {
        const u = Math.max(r(), 1e-12);
        const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r());
        return Math.max(0, Math.round(mean + Math.sqrt(mean) * z));
    }
    const l = Math.exp(-mean);
    let k = 0;
    let p = 1;
    do {
        k++;
        p *= r();
    } while (p > l);
    return k - 1;
}

/**
 * Hourly searches and bookings per route that the generator's traffic at
 * `rate` with demandShape and routeWeights produces (Poisson counts around
 * the expected value of each hour), without generating every event: the
 * history the demo backfills and the forecast backtest trains on.
 */
export function generatedHourlyDemand(opts: HistoryOptions): HourlyDemand[] {
    const routes = makeRoutes(opts.routes ?? 50, opts.seed ?? 1);
    const weights = routeWeights(routes.length, opts.routeSkew ?? 0.8);
    const shares = opts.shares ?? { search: 0.6, booking: 0.1 };
    const r = rng((opts.seed ?? 1) * 7919 + 17);
    const from = Math.floor(opts.from.getTime() / 3_600_000) * 3_600_000;
    const out: HourlyDemand[] = [];
    for (let h = 0; h < opts.hours; h++) {
        const t = from + h * 3_600_000;
        // The shape averaged over the hour (sampled every 5 minutes).
        let shape = 0;
        for (let m = 0; m < 12; m++) shape += demandShape(t + m * 300_000 + 150_000) / 12;
        const events = opts.rate * 3600 * shape;
        routes.forEach((route, i) => {
            out.push({
                route: route.route,
                hour: new Date(t).toISOString(),
                searches: poissonDraw(events * shares.search * weights[i], r),
                bookings: poissonDraw(events * shares.booking * weights[i], r),
            });
        });
    }
    return out;
}
