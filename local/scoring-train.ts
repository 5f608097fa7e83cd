/**
 * Trains the built-in scoring model locally: the SAME training SQL
 * (functions/scoring/training.ts) on DuckDB over the lake's objects of the
 * window (downloaded through the S3 API, as the local pond ETL does), the pure
 * `train`, and the versioned artifact written back to the lake bucket:
 * `models/scoring/<version>/artifact.json` and `models/scoring/latest.json`
 * (point the processor's SCORING_ARTIFACT_URI at `s3://<lake>/models/scoring/latest.json`).
 * In AWS the same SQL runs on Athena over the Glue table.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ListObjectsV2Command, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { DuckDBInstance } from "@duckdb/node-api";
import { DATA_PREFIX } from "../functions/lake/partitioning";
import { daysOf, duckdbEventsRelation } from "../functions/pond-etl/sql";
import type { ScoringArtifact } from "../functions/scoring/model";
import { SCORING_LATEST_KEY, artifactKey, renderTrainingQuery, trainArtifact } from "../functions/scoring/training";
import { downloadLakeDay } from "./pond-etl";

export interface LocalTrainingOptions {
    readonly s3: S3Client;
    readonly lakeBucket: string;
    /** First UTC day (inclusive). */
    readonly from: string;
    /** Last UTC day (exclusive). */
    readonly to: string;
    /** Training time (the artifact's version). @default new Date() */
    readonly now?: Date;
}

export interface LocalTrainingResult {
    readonly artifact: ScoringArtifact;
    readonly key: string;
    readonly latestKey: string;
}

export async function trainScoringFromLake(o: LocalTrainingOptions): Promise<LocalTrainingResult> {
    const days = daysOf(o.from, o.to);
    const work = fs.mkdtempSync(path.join(os.tmpdir(), "scoring-train-"));
    const instance = await DuckDBInstance.create(":memory:");
    const db = await instance.connect();
    try {
        const keys: string[] = [];
        let token: string | undefined;
        do {
            const r = await o.s3.send(new ListObjectsV2Command({ Bucket: o.lakeBucket, Prefix: DATA_PREFIX, ContinuationToken: token }));
            for (const c of r.Contents ?? []) if (c.Key) keys.push(c.Key);
            token = r.IsTruncated ? r.NextContinuationToken : undefined;
        } while (token);
        let files = 0;
        for (const day of days) files += await downloadLakeDay(o.s3, o.lakeBucket, keys, day, work);
        const rows = files === 0 ? [] : (await db.runAndReadAll(renderTrainingQuery({ events: duckdbEventsRelation(work), from: o.from, to: o.to }))).getRowObjectsJson() as Record<string, unknown>[];
        const artifact = trainArtifact(rows, o.now ?? new Date());
        const body = JSON.stringify(artifact, null, 2);
        const key = artifactKey(artifact.version);
        await o.s3.send(new PutObjectCommand({ Bucket: o.lakeBucket, Key: key, Body: body, ContentType: "application/json" }));
        await o.s3.send(new PutObjectCommand({ Bucket: o.lakeBucket, Key: SCORING_LATEST_KEY, Body: body, ContentType: "application/json" }));
        return { artifact, key, latestKey: SCORING_LATEST_KEY };
    } finally {
        db.closeSync();
        instance.closeSync();
        fs.rmSync(work, { recursive: true, force: true });
    }
}
