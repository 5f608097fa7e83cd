/**
 * The forecast artifact in the lake account's bucket: every trained model is
 * stored under its version, `forecast/models/<version>/model.json`, and
 * `forecast/latest.json` names the current one (`{"version","key"}`), written
 * after the model itself so a reader never sees a pointer to a missing model.
 * Readers (the processor, the insights API) load it through `ForecastLoader`,
 * which keeps the last good model when a read fails.
 */
import { GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { parseForecastModel, type ForecastModel } from "./model";

export const FORECAST_PREFIX = "forecast";
export const LATEST_KEY = `${FORECAST_PREFIX}/latest.json`;
export const modelKey = (version: string) => `${FORECAST_PREFIX}/models/${version}/model.json`;

export async function storeModel(s3: S3Client, bucket: string, model: ForecastModel, kmsKeyId?: string): Promise<{ key: string }> {
    const key = modelKey(model.version);
    const sse = kmsKeyId ? { ServerSideEncryption: "aws:kms" as const, SSEKMSKeyId: kmsKeyId } : {};
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: JSON.stringify(model), ContentType: "application/json", ...sse }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: LATEST_KEY, Body: JSON.stringify({ version: model.version, key }), ContentType: "application/json", ...sse }));
    return { key };
}

async function readJson(s3: S3Client, bucket: string, key: string): Promise<unknown> {
    const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return JSON.parse(await out.Body!.transformToString());
}

/** Reads the current model (undefined when none was trained yet). */
export async function loadLatestModel(s3: S3Client, bucket: string): Promise<ForecastModel | undefined> {
    let pointer: { version?: unknown; key?: unknown };
    try {
        pointer = (await readJson(s3, bucket, LATEST_KEY)) as typeof pointer;
    } catch (e) {
        if ((e as { name?: string }).name === "NoSuchKey") return undefined;
        throw e;
    }
    if (typeof pointer.key !== "string") throw new Error(`forecast: \`key\` in s3://${bucket}/${LATEST_KEY} must be a string (received ${JSON.stringify(pointer.key)}).`);
    return parseForecastModel(await readJson(s3, bucket, pointer.key));
}

export interface ForecastSource {
    current(): Promise<ForecastModel | undefined>;
}

/**
 * Caches the current model for `ttlMs`; a failed refresh keeps the last good model and reports the error.
 * Until a first model is found it looks again after `missTtlMs` (a model trained just after start-up,
 * as the local demo's backfill does, is picked up within seconds).
 */
export function forecastLoader(s3: S3Client, bucket: string, opts: { ttlMs?: number; missTtlMs?: number; onError?: (e: unknown) => void } = {}): ForecastSource {
    const ttl = opts.ttlMs ?? 5 * 60_000;
    const missTtl = Math.min(ttl, opts.missTtlMs ?? 5_000);
    let cached: ForecastModel | undefined;
    let loadedAt = -Infinity;
    return {
        async current() {
            if (Date.now() - loadedAt < (cached ? ttl : missTtl)) return cached;
            loadedAt = Date.now();
            try {
                cached = (await loadLatestModel(s3, bucket)) ?? cached;
            } catch (e) {
                opts.onError?.(e);
            }
            return cached;
        },
    };
}

/** The loader configured by FORECAST_BUCKET (S3_ENDPOINT for the local platform); undefined without a bucket. */
export function forecastSourceFromEnv(env: Record<string, string | undefined> = process.env, onError?: (e: unknown) => void): ForecastSource | undefined {
    if (!env.FORECAST_BUCKET) return undefined;
    const s3 = new S3Client({ region: env.AWS_REGION ?? "us-east-1", ...(env.S3_ENDPOINT ? { endpoint: env.S3_ENDPOINT, forcePathStyle: true } : {}) });
    return forecastLoader(s3, env.FORECAST_BUCKET, { onError });
}
