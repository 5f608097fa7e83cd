/**
 * The built-in scoring model (docs/analytics.md "Scoring"): pure, no I/O.
 *
 * Deal classification. An offer is a deal when its route/currency sample over
 * the lookback holds at least `deal.minSamples` offers and its price lies more
 * than `deal.sigmas` standard deviations below the sample mean (the former
 * fixed DealRule is this model's baseline artifact). Score: z = (mean − price) / σ
 * (how many deviations below the mean); reason names the numbers.
 *
 * Price adjustment for a flight's fare (carrier, route, departure date) from
 *   demand     d = ln(max(searches/hour, ε) / typicalSearchesPerHour), clamped to ±2,
 *   load       l = seatsHeld / seatCapacity − targetLoadFactor  (seats held on the flights of that day),
 *   competitor g = price / routeMean − 1  (the other offers of the route and currency),
 * adjustment = clamp(demandWeight·d + loadWeight·l − competitorWeight·g, ±maxAdjustment),
 * suggested amount = price × (1 + adjustment). `typicalSearchesPerHour` and the
 * competitor weight (from the price elasticity of conversion) are what
 * `train` learns from the lake; the other weights are stated in the artifact.
 */
import { z } from "zod";
import { DEFAULT_DEAL_RULE, DealRule } from "../processor/rules";

export const ARTIFACT_FORMAT = "flightstream.scoring";
export const ARTIFACT_FORMAT_VERSION = 1;

const positive = (what: string) => z.number({ error: `${what} must be a number` }).positive({ error: `${what} must be greater than 0` });
const fraction = (what: string) =>
    z
        .number({ error: `${what} must be a number` })
        .min(0, { error: `${what} must be from 0 to 1` })
        .max(1, { error: `${what} must be from 0 to 1` });

export const ScoringArtifactSchema = z.object({
    format: z.literal(ARTIFACT_FORMAT, { error: `format must be "${ARTIFACT_FORMAT}"` }),
    formatVersion: z.literal(ARTIFACT_FORMAT_VERSION, { error: `formatVersion must be ${ARTIFACT_FORMAT_VERSION}` }),
    /** Model version: "baseline" or the training run's id (e.g. "2026-12-01T03:00:00Z"). */
    version: z.string().min(1).max(64),
    trainedAt: z.string().nullable(),
    /** Rows (route, currency, hour) the model was trained on; 0 for the baseline. */
    trainingRows: z.number().int().min(0),
    deal: z.object({
        sigmas: z.number().min(0).max(10),
        minSamples: z.number().int().min(2),
        lookbackMinutes: z.number().int().min(1).max(10080),
    }),
    price: z.object({
        typicalSearchesPerHour: positive("price.typicalSearchesPerHour"),
        seatCapacity: positive("price.seatCapacity"),
        targetLoadFactor: fraction("price.targetLoadFactor"),
        demandWeight: z.number().min(0).max(1),
        loadWeight: z.number().min(0).max(1),
        competitorWeight: z.number().min(0).max(1),
        maxAdjustment: fraction("price.maxAdjustment"),
        /** Adjustments smaller than this (absolute) are not recorded. */
        minAdjustment: fraction("price.minAdjustment"),
        /** Price elasticity of conversion the competitor weight came from (informative). */
        elasticity: z.number().nullable(),
    }),
});
export type ScoringArtifact = z.infer<typeof ScoringArtifactSchema>;

/** The untrained model: the documented DealRule and stated price weights. */
export const BASELINE_ARTIFACT: ScoringArtifact = {
    format: ARTIFACT_FORMAT,
    formatVersion: ARTIFACT_FORMAT_VERSION,
    version: "baseline",
    trainedAt: null,
    trainingRows: 0,
    deal: { sigmas: DEFAULT_DEAL_RULE.sigmas, minSamples: DEFAULT_DEAL_RULE.minSamples, lookbackMinutes: DEFAULT_DEAL_RULE.lookbackMinutes },
    price: {
        typicalSearchesPerHour: 60,
        seatCapacity: 180,
        targetLoadFactor: 0.8,
        demandWeight: 0.05,
        loadWeight: 0.2,
        competitorWeight: 0.3,
        maxAdjustment: 0.15,
        minAdjustment: 0.02,
        elasticity: null,
    },
};

/** The baseline artifact with the processor's DEAL_* rule (the former fixed deal rule). */
export function baselineArtifact(rule: DealRule = DEFAULT_DEAL_RULE): ScoringArtifact {
    return { ...BASELINE_ARTIFACT, deal: { sigmas: rule.sigmas, minSamples: rule.minSamples, lookbackMinutes: rule.lookbackMinutes } };
}

/** Parses an artifact (JSON text or value); every problem is named. */
export function parseArtifact(input: unknown, where = "scoring artifact"): ScoringArtifact {
    let value = input;
    if (typeof input === "string") {
        try {
            value = JSON.parse(input);
        } catch (e) {
            throw new Error(`${where} is not JSON: ${(e as Error).message}`, { cause: e });
        }
    }
    const r = ScoringArtifactSchema.safeParse(value);
    if (!r.success) {
        throw new Error(`${where} is not a valid scoring artifact: ${r.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ")}`);
    }
    return r.data;
}

/** What the processor knows about one offer when it classifies it. */
export interface DealFeatures {
    readonly price: number;
    /** Offers of the route and currency in the lookback before the offer. */
    readonly sampleSize: number;
    readonly routeMean: number;
    /** Population standard deviation. */
    readonly routeStddev: number;
}

export interface DealScore {
    readonly deal: boolean;
    /** Deviations below the route mean (z); 0 without a usable sample. */
    readonly score: number;
    readonly reason: string;
}

export interface PriceFeatures {
    readonly price: number;
    /** Searches on the route over the lookback, per hour. */
    readonly searchesPerHour: number;
    /** Seats held on the carrier's flights of the route that day. */
    readonly seatsHeld: number;
    /** Mean offer price of the route and currency over the lookback (0 when none). */
    readonly routeMean: number;
    readonly sampleSize: number;
}

export interface PriceScore {
    /** Suggested relative change of the fare, e.g. 0.05 = +5 %. */
    readonly adjustment: number;
    readonly suggestedAmount: number;
    readonly demandTerm: number;
    readonly loadTerm: number;
    readonly competitorTerm: number;
    readonly reason: string;
}

const round = (x: number, digits = 4) => Math.round(x * 10 ** digits) / 10 ** digits + 0; // + 0: no negative zero
const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));

export function scoreDeal(f: DealFeatures, a: ScoringArtifact = BASELINE_ARTIFACT): DealScore {
    if (f.sampleSize < a.deal.minSamples) {
        return { deal: false, score: 0, reason: `only ${f.sampleSize} offers of the route in the last ${a.deal.lookbackMinutes} min (at least ${a.deal.minSamples} needed)` };
    }
    const sd = f.routeStddev;
    const z = sd > 0 ? (f.routeMean - f.price) / sd : 0;
    const deal = f.price < f.routeMean - a.deal.sigmas * sd;
    const reason = deal
        ? `price ${round(f.price, 2)} is ${round(z, 2)} standard deviations below the route mean ${round(f.routeMean, 2)} (threshold ${a.deal.sigmas}, ${f.sampleSize} offers)`
        : `price ${round(f.price, 2)} is not more than ${a.deal.sigmas} standard deviations below the route mean ${round(f.routeMean, 2)} (z ${round(z, 2)}, ${f.sampleSize} offers)`;
    return { deal, score: round(z), reason };
}

export function scorePrice(f: PriceFeatures, a: ScoringArtifact = BASELINE_ARTIFACT): PriceScore {
    const p = a.price;
    const demand = clamp(Math.log(Math.max(f.searchesPerHour, 0.1) / p.typicalSearchesPerHour), -2, 2);
    const load = Math.min(1, f.seatsHeld / p.seatCapacity) - p.targetLoadFactor;
    const gap = f.sampleSize > 0 && f.routeMean > 0 ? f.price / f.routeMean - 1 : 0;
    const demandTerm = round(p.demandWeight * demand);
    const loadTerm = round(p.loadWeight * load);
    const competitorTerm = round(-p.competitorWeight * gap);
    const adjustment = round(clamp(demandTerm + loadTerm + competitorTerm, -p.maxAdjustment, p.maxAdjustment));
    const reason =
        `demand ${round(f.searchesPerHour, 1)} searches/h vs typical ${round(p.typicalSearchesPerHour, 1)} (${signed(demandTerm)}), ` +
        `load ${f.seatsHeld}/${p.seatCapacity} seats vs target ${p.targetLoadFactor} (${signed(loadTerm)}), ` +
        (f.sampleSize > 0 ? `price ${round(f.price, 2)} vs competitors' mean ${round(f.routeMean, 2)} (${signed(competitorTerm)})` : `no competitor offers (${signed(0)})`);
    return { adjustment, suggestedAmount: round(f.price * (1 + adjustment), 2), demandTerm, loadTerm, competitorTerm, reason };
}

function signed(x: number): string {
    return `${x >= 0 ? "+" : ""}${round(x * 100, 2)}%`;
}

/** One training row: a route and currency in one UTC hour of the lake (the training SQL's output). */
export interface TrainingRow {
    readonly route: string;
    readonly currency: string;
    readonly searches: number;
    readonly bookings: number;
    readonly offers: number;
    readonly avgPrice: number;
}

export interface TrainOptions {
    readonly version: string;
    readonly trainedAt: string;
    /** Parameters not learned (deal rule, stated weights). @default BASELINE_ARTIFACT */
    readonly base?: ScoringArtifact;
    /** Fewer usable rows than this keep the base's learned values. @default 24 */
    readonly minRows?: number;
}

/**
 * Learns from hourly lake aggregates:
 * - `typicalSearchesPerHour`: the median over routes of their mean searches per hour with activity;
 * - `elasticity`: least-squares slope of ln(conversion) on the relative price
 *   (hour's average offer price / its route-currency mean − 1), within route and currency;
 *   `competitorWeight` = clamp(−elasticity / 10, 0, 1) (an elastic route follows competitors more).
 * Too little data keeps the base values (and says so with trainingRows).
 */
export function train(rows: readonly TrainingRow[], o: TrainOptions): ScoringArtifact {
    const base = o.base ?? BASELINE_ARTIFACT;
    const minRows = o.minRows ?? 24;
    const usable = rows.filter((r) => Number.isFinite(r.searches) && r.searches >= 0 && Number.isFinite(r.avgPrice) && r.avgPrice > 0 && r.offers > 0);
    const out: ScoringArtifact = { ...base, version: o.version, trainedAt: o.trainedAt, trainingRows: usable.length, price: { ...base.price } };
    if (usable.length < minRows) return parseArtifact(out, "trained artifact");

    const perRoute = new Map<string, { searches: number; hours: number }>();
    for (const r of usable) {
        const s = perRoute.get(r.route) ?? { searches: 0, hours: 0 };
        s.searches += r.searches;
        s.hours += 1;
        perRoute.set(r.route, s);
    }
    const means = [...perRoute.values()]
        .map((s) => s.searches / s.hours)
        .filter((m) => m > 0)
        .sort((a, b) => a - b);
    if (means.length > 0) out.price.typicalSearchesPerHour = round(means[Math.floor((means.length - 1) / 2)], 3);

    const groups = new Map<string, TrainingRow[]>();
    for (const r of usable) {
        if (r.searches <= 0) continue;
        const k = `${r.route}|${r.currency}`;
        groups.set(k, [...(groups.get(k) ?? []), r]);
    }
    let sxy = 0;
    let sxx = 0;
    for (const g of groups.values()) {
        if (g.length < 2) continue;
        const mean = g.reduce((s, r) => s + r.avgPrice, 0) / g.length;
        const xs = g.map((r) => r.avgPrice / mean - 1);
        const ys = g.map((r) => Math.log((r.bookings + 0.5) / (r.searches + 1)));
        const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
        const my = ys.reduce((a, b) => a + b, 0) / ys.length;
        xs.forEach((x, i) => {
            sxy += (x - mx) * (ys[i] - my);
            sxx += (x - mx) ** 2;
        });
    }
    if (sxx > 1e-9) {
        const elasticity = sxy / sxx;
        out.price.elasticity = round(elasticity);
        out.price.competitorWeight = round(clamp(-elasticity / 10, 0, 1));
    }
    return parseArtifact(out, "trained artifact");
}
