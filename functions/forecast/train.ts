/**
 * The scheduled training job for BOTH lake-trained models: the demand forecast
 * (./model.ts, SQL ./sql.ts) and the built-in scoring model
 * (../scoring/model.ts, SQL ../scoring/training.ts). One code path for AWS and
 * local: the SQL texts are rendered for the engine's events relation (the Glue
 * table on Athena, `read_json(...)` over the lake files on DuckDB), the
 * engine returns rows, the pure trainers build the artifacts, and the
 * versioned artifacts land in the lake bucket:
 *   forecast/models/<version>/model.json + forecast/latest.json
 *   models/scoring/<version>/artifact.json + models/scoring/latest.json
 * The AWS handler is ./train-handler.ts; the local platform's is
 * local/scoring-train.ts.
 */
import { AthenaClient, GetQueryExecutionCommand, GetQueryResultsCommand, StartQueryExecutionCommand } from "@aws-sdk/client-athena";
import type { S3Client } from "@aws-sdk/client-s3";
import { checkDay, daysOf } from "../pond-etl/sql";
import { storeScoringArtifact, renderTrainingQuery, trainArtifact } from "../scoring/training";
import { storeModel } from "./artifact";
import { trainForecast } from "./model";
import { demandRows, renderForecastQuery } from "./sql";

/** Runs one SELECT and returns its rows as column → value objects. */
export interface QueryEngine {
    rows(sql: string): Promise<Record<string, unknown>[]>;
}

export interface TrainingJobOptions {
    readonly engine: QueryEngine;
    /** The events relation in the engine's dialect (Glue table name, or DuckDB `read_json(...)`). */
    readonly events: string;
    readonly s3: S3Client;
    /** The lake bucket the artifacts are written to. */
    readonly bucket: string;
    /** SSE-KMS key of the lake bucket. @default - the bucket's default encryption */
    readonly kmsKeyId?: string;
    /** First UTC day of the history (inclusive). */
    readonly from: string;
    /** Last UTC day (exclusive). */
    readonly to: string;
    /** Training time. @default new Date() */
    readonly now?: Date;
    /** Forecast level smoothing. @default the model's default */
    readonly alpha?: number;
    /**
     * The lake holds a 1-in-`sampling` sample of the traffic (the local demo's
     * scaled-down backfill, local/backfill.ts), so the models expect the full
     * traffic: the forecast's route levels are multiplied by it (model.ts
     * `sampling`), the scoring query's counts (searches, bookings, offers) too.
     * An integer from 1 to 100000. @default 1
     */
    readonly sampling?: number;
}

export interface TrainingReport {
    readonly from: string;
    readonly to: string;
    /** The forecast stored, or why none was (no history in the window: the previous model stays current). */
    readonly forecast: { readonly version: string; readonly key: string; readonly rows: number } | { readonly skipped: string };
    readonly scoring: { readonly version: string; readonly key: string; readonly rows: number };
    /** The `sampling` the counts were multiplied by. */
    readonly sampling: number;
}

const COUNT_COLUMNS = ["searches", "bookings", "offers"] as const;

/** Engine rows with their count columns multiplied by `sampling` (a count that is not a number is left for the trainers to reject). */
export function scaleCounts(rows: readonly Record<string, unknown>[], sampling: number): Record<string, unknown>[] {
    if (sampling === 1) return [...rows];
    return rows.map((r) => {
        const out: Record<string, unknown> = { ...r };
        for (const c of COUNT_COLUMNS) {
            const n = Number(r[c]);
            if (c in r && r[c] !== null && Number.isFinite(n)) out[c] = n * sampling;
        }
        return out;
    });
}

/** The window of the last `days` whole UTC days before `at`. Throws naming `days` when it is not 1-31. */
export function trainingWindow(at: Date, days: number): { from: string; to: string } {
    if (!Number.isInteger(days) || days < 1 || days > 31) throw new Error(`training: \`days\` must be an integer from 1 to 31 (received ${String(days)}).`);
    if (Number.isNaN(at.getTime())) throw new Error("training: the scheduled time is not a timestamp (received Invalid Date).");
    const to = at.toISOString().slice(0, 10);
    const from = new Date(Date.parse(`${to}T00:00:00Z`) - days * 86_400_000).toISOString().slice(0, 10);
    return { from, to };
}

/** Trains both models on the window and stores both artifacts (forecast first; each writes its version before its `latest`). */
export async function runTraining(o: TrainingJobOptions): Promise<TrainingReport> {
    checkDay("from", o.from);
    checkDay("to", o.to);
    daysOf(o.from, o.to);
    const now = o.now ?? new Date();
    const sampling = o.sampling ?? 1;
    if (!Number.isInteger(sampling) || sampling < 1 || sampling > 100_000) throw new Error(`training: \`sampling\` must be an integer from 1 to 100000 (received ${String(o.sampling)}).`);
    const window = { events: o.events, from: o.from, to: o.to };

    const demand = demandRows(await o.engine.rows(renderForecastQuery(window)));
    let forecast: TrainingReport["forecast"];
    if (demand.length === 0) {
        forecast = { skipped: `no searches or bookings in the lake from ${o.from} to ${o.to} (exclusive); the current forecast stays` };
    } else {
        const model = trainForecast(demand, { now, sampling, ...(o.alpha !== undefined ? { alpha: o.alpha } : {}) });
        const { key } = await storeModel(o.s3, o.bucket, model, o.kmsKeyId);
        forecast = { version: model.version, key, rows: demand.length };
    }

    const scoringRows = scaleCounts(await o.engine.rows(renderTrainingQuery(window)), sampling);
    const artifact = trainArtifact(scoringRows, now);
    const { key } = await storeScoringArtifact(o.s3, o.bucket, artifact, o.kmsKeyId);
    return { from: o.from, to: o.to, forecast, scoring: { version: artifact.version, key, rows: scoringRows.length }, sampling };
}

export interface AthenaEngineOptions {
    readonly workgroup: string;
    readonly database: string;
    /** @default 1000 */
    readonly pollMs?: number;
    /** Give up after this long. @default 600000 (10 min) */
    readonly timeoutMs?: number;
}

/** Athena as a QueryEngine: StartQueryExecution in the workgroup (its own result location), poll, read every page. */
export function athenaEngine(athena: AthenaClient, o: AthenaEngineOptions): QueryEngine {
    const pollMs = o.pollMs ?? 1000;
    const timeoutMs = o.timeoutMs ?? 600_000;
    return {
        async rows(sql) {
            const started = await athena.send(new StartQueryExecutionCommand({ QueryString: sql, WorkGroup: o.workgroup, QueryExecutionContext: { Database: o.database } }));
            const id = started.QueryExecutionId;
            if (!id) throw new Error("training: Athena StartQueryExecution returned no QueryExecutionId.");
            const deadline = Date.now() + timeoutMs;
            for (;;) {
                const q = await athena.send(new GetQueryExecutionCommand({ QueryExecutionId: id }));
                const state = q.QueryExecution?.Status?.State;
                if (state === "SUCCEEDED") break;
                if (state === "FAILED" || state === "CANCELLED") {
                    throw new Error(`training: Athena query ${id} ${state}: ${q.QueryExecution?.Status?.StateChangeReason ?? "no reason given"}`);
                }
                if (Date.now() > deadline) throw new Error(`training: Athena query ${id} still ${state ?? "unknown"} after ${timeoutMs} ms.`);
                await new Promise((r) => setTimeout(r, pollMs));
            }
            const out: Record<string, unknown>[] = [];
            let columns: string[] | undefined;
            let token: string | undefined;
            let first = true;
            do {
                const page = await athena.send(new GetQueryResultsCommand({ QueryExecutionId: id, NextToken: token }));
                columns ??= (page.ResultSet?.ResultSetMetadata?.ColumnInfo ?? []).map((c) => c.Name ?? "");
                const rows = page.ResultSet?.Rows ?? [];
                // The first row of the first page is the header.
                for (const row of first ? rows.slice(1) : rows) {
                    const rec: Record<string, unknown> = {};
                    (row.Data ?? []).forEach((d, i) => (rec[columns![i]] = d.VarCharValue ?? null));
                    out.push(rec);
                }
                first = false;
                token = page.NextToken;
            } while (token);
            return out;
        },
    };
}
