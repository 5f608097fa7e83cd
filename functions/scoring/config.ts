/**
 * Picks the scoring backend from environment variables (AWS and the local
 * platform alike; only endpoints differ):
 *
 * | variable | meaning |
 * |---|---|
 * | `SCORING_BACKEND` | `builtin` (default) or `sagemaker` |
 * | `SCORING_ENDPOINT_NAME` | the SageMaker endpoint (required with `sagemaker`) |
 * | `SAGEMAKER_ENDPOINT` | SageMaker runtime endpoint override (a local stand-in) |
 * | `SCORING_ARTIFACT_URI` | the built-in model's artifact: `s3://bucket/key` (the lake's `models/scoring/latest.json`) or a file path; unset: the baseline (DEAL_* rule) |
 * | `SCORING_ARTIFACT_REFRESH_MINUTES` | how often the artifact is re-read (1..1440, default 15) |
 *
 * The built-in backend also serves as the fallback of the SageMaker one. An
 * artifact that cannot be read or is invalid leaves the last good one (at
 * first the baseline) in use and is reported through `onError`.
 */
import * as fs from "node:fs";
import { GetObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { SageMakerRuntimeClient } from "@aws-sdk/client-sagemaker-runtime";
import type { DealRule } from "../processor/rules";
import { DealFeatures, PriceFeatures, ScoringArtifact, baselineArtifact, parseArtifact } from "./model";

export { baselineArtifact };
import { ScoringBackend, builtinBackend, withFallback } from "./backend";
import { sageMakerBackend } from "./sagemaker";

export const SCORING_BACKENDS = ["builtin", "sagemaker"] as const;
export type ScoringBackendKind = (typeof SCORING_BACKENDS)[number];

export type ArtifactReader = (uri: string) => Promise<string>;

/** Reads `s3://bucket/key` through S3 (S3_ENDPOINT override) or a local file. */
export function defaultArtifactReader(env: Record<string, string | undefined>): ArtifactReader {
    let s3: S3Client | undefined;
    return async (uri) => {
        const m = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri);
        if (!m) return fs.promises.readFile(uri, "utf8");
        s3 ??= new S3Client({ region: env.AWS_REGION ?? "us-east-1", ...(env.S3_ENDPOINT ? { endpoint: env.S3_ENDPOINT, forcePathStyle: true } : {}) });
        const res = await s3.send(new GetObjectCommand({ Bucket: m[1], Key: m[2] }));
        return await res.Body!.transformToString("utf8");
    };
}

/** A built-in backend whose artifact is (re)loaded lazily from `uri`; the last good artifact stays in use on failure. */
export function artifactBackend(o: { uri: string; read: ArtifactReader; initial: ScoringArtifact; refreshMinutes: number; onError?: (e: unknown) => void; now?: () => number }): ScoringBackend & { current(): ScoringArtifact } {
    const now = o.now ?? Date.now;
    let artifact = o.initial;
    let backend = builtinBackend(artifact);
    let loadedAt = -Infinity;
    let loading: Promise<void> | undefined;
    const refresh = async () => {
        if (now() - loadedAt < o.refreshMinutes * 60_000) return;
        loading ??= (async () => {
            try {
                artifact = parseArtifact(await o.read(o.uri), `scoring artifact ${o.uri}`);
                backend = builtinBackend(artifact);
            } catch (e) {
                o.onError?.(e);
            } finally {
                loadedAt = now();
                loading = undefined;
            }
        })();
        await loading;
    };
    return {
        get name() {
            return backend.name;
        },
        get minAdjustment() {
            return backend.minAdjustment;
        },
        get dealSample() {
            return backend.dealSample;
        },
        current: () => artifact,
        async scoreDeals(f: readonly DealFeatures[]) {
            await refresh();
            return backend.scoreDeals(f);
        },
        async scorePrices(f: readonly PriceFeatures[]) {
            await refresh();
            return backend.scorePrices(f);
        },
    };
}

export interface ScoringFromEnvOptions {
    readonly dealRule?: DealRule;
    readonly read?: ArtifactReader;
    readonly sageMakerClient?: SageMakerRuntimeClient;
    readonly onError?: (e: unknown, what: string) => void;
}

/** The configured backend; a bad variable throws a message naming it, the value and what is allowed. */
export function scoringFromEnv(env: Record<string, string | undefined> = process.env, o: ScoringFromEnvOptions = {}): ScoringBackend {
    const kind = (env.SCORING_BACKEND ?? "builtin") || "builtin";
    if (!SCORING_BACKENDS.includes(kind as ScoringBackendKind)) {
        throw new Error(`\`SCORING_BACKEND\` must be one of ${SCORING_BACKENDS.map((k) => `"${k}"`).join(", ")} (received ${JSON.stringify(kind)}).`);
    }
    const rawRefresh = env.SCORING_ARTIFACT_REFRESH_MINUTES;
    const refreshMinutes = rawRefresh === undefined || rawRefresh === "" ? 15 : Number(rawRefresh);
    if (!Number.isInteger(refreshMinutes) || refreshMinutes < 1 || refreshMinutes > 1440) {
        throw new Error(`\`SCORING_ARTIFACT_REFRESH_MINUTES\` must be an integer between 1 and 1440 (received ${JSON.stringify(rawRefresh)}).`);
    }
    const initial = baselineArtifact(o.dealRule);
    const uri = env.SCORING_ARTIFACT_URI;
    const builtin: ScoringBackend = uri ? artifactBackend({ uri, read: o.read ?? defaultArtifactReader(env), initial, refreshMinutes, onError: (e) => o.onError?.(e, "artifact") }) : builtinBackend(initial);
    if (kind === "builtin") return builtin;

    const endpointName = env.SCORING_ENDPOINT_NAME;
    if (!endpointName || !/^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/.test(endpointName)) {
        throw new Error(`\`SCORING_ENDPOINT_NAME\` must be a SageMaker endpoint name (1-63 letters, digits or hyphens) when \`SCORING_BACKEND\` is "sagemaker" (received ${JSON.stringify(endpointName ?? null)}).`);
    }
    const client = o.sageMakerClient ?? new SageMakerRuntimeClient({ region: env.AWS_REGION ?? "us-east-1", ...(env.SAGEMAKER_ENDPOINT ? { endpoint: env.SAGEMAKER_ENDPOINT } : {}) });
    const sm = sageMakerBackend({ client, endpointName, minAdjustment: initial.price.minAdjustment, dealSample: { minSamples: initial.deal.minSamples, lookbackMinutes: initial.deal.lookbackMinutes } });
    return withFallback(sm, builtin, (e, task) => o.onError?.(e, `sagemaker ${task}`));
}
