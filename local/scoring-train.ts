/**
 * The local platform's training job: the SAME job as the AWS training Lambda
 * (functions/forecast/train.ts `runTraining`: the same SQL texts, trainers and
 * artifact layout), with DuckDB as the engine over the lake's objects of the
 * window (downloaded through the S3 API, as the local pond ETL does). In AWS
 * the same SQL runs on Athena over the Glue table (functions/forecast/train-handler.ts).
 *   forecast/models/<version>/model.json + forecast/latest.json      (FORECAST_BUCKET)
 *   models/scoring/<version>/artifact.json + models/scoring/latest.json (SCORING_ARTIFACT_URI)
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { DuckDBInstance } from "@duckdb/node-api";
import { DATA_PREFIX } from "../functions/lake/partitioning";
import { daysOf, duckdbEventsRelation } from "../functions/pond-etl/sql";
import { runTraining, type QueryEngine, type TrainingReport } from "../functions/forecast/train";
import type { ScoringArtifact } from "../functions/scoring/model";
import { SCORING_LATEST_KEY, renderTrainingQuery, storeScoringArtifact, trainArtifact } from "../functions/scoring/training";
import { downloadLakeDay } from "./pond-etl";

export interface LocalTrainingOptions {
    readonly s3: S3Client;
    readonly lakeBucket: string;
    /** First UTC day (inclusive). */
    readonly from: string;
    /** Last UTC day (exclusive). */
    readonly to: string;
    /** Training time (the artifacts' version). @default new Date() */
    readonly now?: Date;
    /** The lake holds a 1-in-N sample of the traffic (functions/forecast/train.ts `sampling`). @default 1 */
    readonly sampling?: number;
}

export interface LocalTrainingResult {
    readonly artifact: ScoringArtifact;
    readonly key: string;
    readonly latestKey: string;
}

/** Downloads the window's lake objects into a temp folder and gives `work` a DuckDB engine and events relation over them. */
async function withLakeEngine<T>(o: LocalTrainingOptions, work: (engine: QueryEngine, events: string) => Promise<T>): Promise<T> {
    const days = daysOf(o.from, o.to);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "model-train-"));
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
        for (const day of days) files += await downloadLakeDay(o.s3, o.lakeBucket, keys, day, dir);
        // No file in the window: read_json would fail on an empty glob; the window simply has no rows.
        const engine: QueryEngine = { rows: async (sql) => (files === 0 ? [] : ((await db.runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[])) };
        return await work(engine, duckdbEventsRelation(dir));
    } finally {
        db.closeSync();
        instance.closeSync();
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

/** Trains BOTH models from the lake (the AWS job's code path on DuckDB) and stores both artifacts in the lake bucket. */
export async function trainModelsFromLake(o: LocalTrainingOptions): Promise<TrainingReport> {
    return withLakeEngine(o, (engine, events) => runTraining({ engine, events, s3: o.s3, bucket: o.lakeBucket, from: o.from, to: o.to, now: o.now, sampling: o.sampling }));
}

/** Trains only the scoring model (same SQL and artifact layout). */
export async function trainScoringFromLake(o: LocalTrainingOptions): Promise<LocalTrainingResult> {
    return withLakeEngine(o, async (engine, events) => {
        const rows = await engine.rows(renderTrainingQuery({ events, from: o.from, to: o.to }));
        const artifact = trainArtifact(rows, o.now ?? new Date());
        const { key } = await storeScoringArtifact(o.s3, o.lakeBucket, artifact);
        return { artifact, key, latestKey: SCORING_LATEST_KEY };
    });
}
