/**
 * Local pond ETL: the SAME dataset SQL (functions/pond-etl/sql.ts) on DuckDB
 * over the local lake, writing Parquet to the local pond, one object per
 * dataset-day under `<dataset>/dt=<day>/` (the layout Athena UNLOAD writes).
 *
 * For each day of the window: download that day's lake objects
 * (`data/.../dt=<day>/...json.gz`) from the lake bucket (s3rver or any S3 API)
 * into a scratch folder, run each dataset's query, delete the pond's previous
 * output for that dataset-day, then upload the new Parquet file. Re-running a
 * window therefore replaces its output (and a day with no rows ends up empty,
 * as on AWS where UNLOAD of an empty result writes nothing).
 */
import { DeleteObjectsCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { DuckDBInstance } from "@duckdb/node-api";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { DATA_PREFIX, parseDataKey } from "../functions/lake/partitioning";
import { Dataset, checkDataset, daysOf, duckdbEventsRelation, outputPrefix, renderDatasetQuery, sqlString } from "../functions/pond-etl/sql";

export interface PondEtlOptions {
    readonly s3: S3Client;
    readonly lakeBucket: string;
    readonly pondBucket: string;
    readonly datasets: readonly string[];
    /** First UTC day (inclusive), YYYY-MM-DD. */
    readonly from: string;
    /** Last UTC day (exclusive), YYYY-MM-DD. @default - the day after `from` */
    readonly to?: string;
    /** Scratch folder. @default - a temporary folder, removed afterwards */
    readonly workDir?: string;
}

export interface PondEtlOutput {
    readonly dataset: Dataset;
    readonly day: string;
    /** Object written, or undefined when the day had no rows. */
    readonly key?: string;
    readonly rows: number;
    /** Objects of the previous run removed first. */
    readonly replaced: number;
}

export const PARQUET_OBJECT = "part-00000.snappy.parquet";

async function listKeys(s3: S3Client, bucket: string, prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
        const r = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
        for (const o of r.Contents ?? []) if (o.Key) keys.push(o.Key);
        token = r.IsTruncated ? r.NextContinuationToken : undefined;
    } while (token);
    return keys;
}

async function deletePrefix(s3: S3Client, bucket: string, prefix: string): Promise<number> {
    const keys = await listKeys(s3, bucket, prefix);
    for (let i = 0; i < keys.length; i += 1000) {
        await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys.slice(i, i + 1000).map((Key) => ({ Key })) } }));
    }
    return keys.length;
}

/** Runs the pond's datasets over the window; returns one entry per dataset-day. */
export async function runPondEtl(o: PondEtlOptions): Promise<PondEtlOutput[]> {
    const datasets = o.datasets.map(checkDataset);
    if (datasets.length === 0) throw new Error("runPondEtl: `datasets` must name at least one dataset (received []).");
    const to = o.to ?? new Date(Date.parse(`${o.from}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
    const days = daysOf(o.from, to);
    const temporary = o.workDir === undefined;
    const work = o.workDir ?? fs.mkdtempSync(path.join(os.tmpdir(), "pond-etl-"));
    const instance = await DuckDBInstance.create(":memory:");
    const db = await instance.connect();
    const results: PondEtlOutput[] = [];
    try {
        const lakeKeys = await listKeys(o.s3, o.lakeBucket, DATA_PREFIX);
        for (const day of days) {
            const lakeDir = path.join(work, `lake-${day}`);
            let files = 0;
            for (const key of lakeKeys) {
                if (parseDataKey(key)?.dt !== day || !key.endsWith(".json.gz")) continue;
                const body = await o.s3.send(new GetObjectCommand({ Bucket: o.lakeBucket, Key: key }));
                const file = path.join(lakeDir, key);
                fs.mkdirSync(path.dirname(file), { recursive: true });
                fs.writeFileSync(file, await body.Body!.transformToByteArray());
                files++;
            }
            for (const dataset of datasets) {
                const prefix = outputPrefix(dataset, day);
                let rows = 0;
                let out: string | undefined;
                if (files > 0) {
                    const select = renderDatasetQuery(dataset, { dialect: "duckdb", events: duckdbEventsRelation(lakeDir), day });
                    out = path.join(work, `${dataset}-${day}.parquet`);
                    const r = await db.runAndReadAll(`COPY (${select}) TO ${sqlString(out)} (FORMAT parquet, COMPRESSION snappy)`);
                    rows = Number(r.getRows()[0]?.[0] ?? 0);
                }
                const replaced = await deletePrefix(o.s3, o.pondBucket, prefix);
                let key: string | undefined;
                if (out && rows > 0) {
                    key = `${prefix}${PARQUET_OBJECT}`;
                    await o.s3.send(new PutObjectCommand({ Bucket: o.pondBucket, Key: key, Body: fs.readFileSync(out), ContentType: "application/vnd.apache.parquet" }));
                }
                results.push({ dataset, day, key, rows, replaced });
            }
        }
    } finally {
        db.closeSync();
        if (temporary) fs.rmSync(work, { recursive: true, force: true });
    }
    return results;
}
