/**
 * One scoring interface, two backends (docs/analytics.md "Scoring"):
 * - `builtinBackend(artifact)`: the model of model.ts, in the processor;
 * - `sageMakerBackend({ client, endpointName })` (sagemaker.ts): a SageMaker
 *   real-time endpoint (InvokeEndpoint, JSON in and out, contract below).
 * `withFallback(primary, fallback)` scores with the fallback when the primary
 * fails, so a model outage never stops counting (each result names its model).
 *
 * SageMaker contract (application/json):
 *   request  {"task":"deals","instances":[DealFeatures...]}   → {"predictions":[{"deal":bool,"score":num,"reason":str}...]}
 *   request  {"task":"prices","instances":[PriceFeatures...]} → {"predictions":[{"adjustment":num,"reason":str}...]}
 * one prediction per instance, in order; the response's `modelVersion` (optional) is recorded.
 */
import { BASELINE_ARTIFACT, DealFeatures, DealScore, PriceFeatures, ScoringArtifact, scoreDeal, scorePrice } from "./model";

export interface ScoredDeal extends DealScore {
    /** Which model decided: "builtin:<version>" or "sagemaker:<endpoint>[:<version>]". */
    readonly model: string;
}

export interface ScoredPrice {
    readonly adjustment: number;
    readonly suggestedAmount: number;
    readonly reason: string;
    readonly model: string;
}

export interface ScoringBackend {
    readonly name: string;
    /** Adjustments smaller than this (absolute) are not recorded. */
    readonly minAdjustment: number;
    /** Offers of a route/currency in the lookback needed before a deal can be called, and the lookback. */
    readonly dealSample: { readonly minSamples: number; readonly lookbackMinutes: number };
    scoreDeals(features: readonly DealFeatures[]): Promise<ScoredDeal[]>;
    scorePrices(features: readonly PriceFeatures[]): Promise<ScoredPrice[]>;
}

export function builtinBackend(artifact: ScoringArtifact = BASELINE_ARTIFACT): ScoringBackend {
    const model = `builtin:${artifact.version}`;
    return {
        name: model,
        minAdjustment: artifact.price.minAdjustment,
        dealSample: { minSamples: artifact.deal.minSamples, lookbackMinutes: artifact.deal.lookbackMinutes },
        async scoreDeals(features) {
            return features.map((f) => ({ ...scoreDeal(f, artifact), model }));
        },
        async scorePrices(features) {
            return features.map((f) => {
                const s = scorePrice(f, artifact);
                return { adjustment: s.adjustment, suggestedAmount: s.suggestedAmount, reason: s.reason, model };
            });
        },
    };
}

/** Scores with `fallback` when `primary` throws; `onFallback` is told why (log it, count it). */
export function withFallback(primary: ScoringBackend, fallback: ScoringBackend, onFallback?: (error: unknown, task: "deals" | "prices") => void): ScoringBackend {
    return {
        name: primary.name,
        minAdjustment: primary.minAdjustment,
        dealSample: primary.dealSample,
        async scoreDeals(features) {
            try {
                return await primary.scoreDeals(features);
            } catch (e) {
                onFallback?.(e, "deals");
                return (await fallback.scoreDeals(features)).map((s) => ({ ...s, model: `${s.model} (fallback)` }));
            }
        },
        async scorePrices(features) {
            try {
                return await primary.scorePrices(features);
            } catch (e) {
                onFallback?.(e, "prices");
                return (await fallback.scorePrices(features)).map((s) => ({ ...s, model: `${s.model} (fallback)` }));
            }
        },
    };
}
