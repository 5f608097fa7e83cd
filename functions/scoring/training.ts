/**
 * Training the built-in scoring model from the lake: ONE SQL text for Athena
 * and DuckDB (the pond SQL's subset: `{{events}}` is the Glue table on Athena,
 * `read_json(...)` over the lake files on DuckDB), the pure `train` of
 * model.ts, and where the versioned artifact lives in the lake bucket:
 *   models/scoring/<version>/artifact.json   (immutable, one per training run)
 *   models/scoring/latest.json               (the current one; SCORING_ARTIFACT_URI points here)
 *
 * Each event identity (source, eventId) counts once, as everywhere else.
 */
import { PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { checkDay, daysOf, sqlString } from "../pond-etl/sql";
import { ScoringArtifact, TrainingRow, train } from "./model";

export const SCORING_ARTIFACT_PREFIX = "models/scoring/";
export const SCORING_LATEST_KEY = `${SCORING_ARTIFACT_PREFIX}latest.json`;

export function artifactKey(version: string): string {
    if (!/^[0-9A-Za-z:._-]{1,64}$/.test(version)) throw new Error(`version must be 1-64 letters, digits, ':', '.', '_' or '-' (received ${JSON.stringify(version)}).`);
    return `${SCORING_ARTIFACT_PREFIX}${version.replace(/:/g, "")}/artifact.json`;
}

const TEMPLATE = `WITH e AS (
  SELECT type, dt, hour, price.currency AS currency, CAST(price.amount AS DOUBLE) AS amount,
    CASE WHEN type = 'booking' THEN flight.origin ELSE origin END AS origin,
    CASE WHEN type = 'booking' THEN flight.destination ELSE destination END AS destination,
    row_number() OVER (PARTITION BY source, eventId ORDER BY occurredAt) AS copy
  FROM {{events}}
  WHERE type IN ('search', 'offer', 'booking') AND dt IN ({{days}})
),
d AS (
  SELECT origin || '-' || destination AS route, dt, hour,
    CAST(SUM(CASE WHEN type = 'search' THEN 1 ELSE 0 END) AS BIGINT) AS searches,
    CAST(SUM(CASE WHEN type = 'booking' THEN 1 ELSE 0 END) AS BIGINT) AS bookings
  FROM e WHERE copy = 1 GROUP BY origin, destination, dt, hour
),
o AS (
  SELECT origin || '-' || destination AS route, dt, hour, currency,
    CAST(COUNT(*) AS BIGINT) AS offers, AVG(amount) AS avg_price
  FROM e WHERE copy = 1 AND type = 'offer' GROUP BY origin, destination, dt, hour, currency
)
SELECT o.route, o.currency, o.dt, o.hour, COALESCE(d.searches, 0) AS searches, COALESCE(d.bookings, 0) AS bookings, o.offers, o.avg_price
FROM o LEFT JOIN d ON d.route = o.route AND d.dt = o.dt AND d.hour = o.hour
ORDER BY o.route, o.currency, o.dt, o.hour`;

/** The training SELECT over the UTC days [from, to) (at most 31), for either engine. */
export function renderTrainingQuery(o: { events: string; from: string; to: string }): string {
    checkDay("from", o.from);
    checkDay("to", o.to);
    const days = daysOf(o.from, o.to).map(sqlString).join(", ");
    return TEMPLATE.replace("{{events}}", o.events).replace("{{days}}", days);
}

/** Rows of the training query (engine rows, numbers possibly as strings or bigints) to TrainingRow. */
export function trainingRows(rows: readonly Record<string, unknown>[]): TrainingRow[] {
    return rows.map((r) => ({
        route: String(r.route),
        currency: String(r.currency),
        searches: Number(r.searches),
        bookings: Number(r.bookings),
        offers: Number(r.offers),
        avgPrice: Number(r.avg_price),
    }));
}

/** Trains on the query's rows; the version is the training time (UTC, to the second). */
export function trainArtifact(rows: readonly Record<string, unknown>[], at: Date, base?: ScoringArtifact): ScoringArtifact {
    const trainedAt = at.toISOString().replace(/\.\d{3}Z$/, "Z");
    return train(trainingRows(rows), { version: trainedAt, trainedAt, base });
}

/**
 * Writes the artifact under its version, then `latest.json` (the same body),
 * so `latest.json` never names a model that is not stored. SSE-KMS with
 * `kmsKeyId` (the lake key in AWS).
 */
export async function storeScoringArtifact(s3: S3Client, bucket: string, artifact: ScoringArtifact, kmsKeyId?: string): Promise<{ key: string; latestKey: string }> {
    const body = JSON.stringify(artifact, null, 2);
    const key = artifactKey(artifact.version);
    const sse = kmsKeyId ? { ServerSideEncryption: "aws:kms" as const, SSEKMSKeyId: kmsKeyId } : {};
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: "application/json", ...sse }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: SCORING_LATEST_KEY, Body: body, ContentType: "application/json", ...sse }));
    return { key, latestKey: SCORING_LATEST_KEY };
}
