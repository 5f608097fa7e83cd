/**
 * Local pond ETL: the SAME dataset SQL (datasets/<name>/dataset.sql, rendered by
 * functions/pond-etl/sql.ts) on DuckDB
 * over the local lake, writing Parquet to the local pond, one object per
 * dataset-day under `<dataset>/dt=<day>/` (the layout Athena UNLOAD writes).
 *
 * For each day of the window: download that day's lake objects
 * (`data/.../dt=<day>/...json.gz`) from the lake bucket (s3rver or any S3 API)
 * into a scratch folder, run each dataset's query, delete the pond's previous
 * output for that dataset-day, then upload the new Parquet file. Re-running a
 * window therefore replaces its output (and a day with no rows ends up empty,
 * as on AWS where UNLOAD of an empty result writes nothing).
 *
 * `runPondEtlWorkflow` runs the deployed state machine definition itself
 * (functions/pond-etl/asl.ts) with aws-local-stepfunctions, each task mapped
 * to the local equivalent of its AWS API (S3 API, plan code, DuckDB for the
 * Athena UNLOAD, a list for partition registration, a callback for SNS).
 */
import { DeleteObjectsCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import { StateMachine } from "aws-local-stepfunctions";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { DATA_PREFIX, parseDataKey } from "../functions/lake/partitioning";
import { DatasetCatalog, DatasetDefinition, loadDatasetCatalog, pickDatasets, repositoryDatasets } from "../functions/pond-etl/datasets";
import { Dataset, datasetOf, daysOf, duckdbEventsRelation, outputPrefix, renderDatasetQuery, sqlString } from "../functions/pond-etl/sql";
import { pondEtlDefinition } from "../functions/pond-etl/asl";
import { PlanInput, SourceListing, buildPlan, eventTypesFor } from "../functions/pond-etl/plan";

/** What both the direct run and the workflow run read and write: the S3 API, the two buckets and the datasets. */
export interface PondEtlStores {
    readonly s3: S3Client;
    readonly lakeBucket: string;
    readonly pondBucket: string;
    readonly datasets: readonly string[];
    /** Folders of datasets (one folder per dataset) the names are looked up in. @default - the repository's datasets/ */
    readonly datasetRoots?: readonly string[];
}

export interface PondEtlOptions extends PondEtlStores {
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

/** Downloads one UTC day of lake objects into `dir` (keys kept); returns how many. */
export async function downloadLakeDay(s3: S3Client, lakeBucket: string, lakeKeys: readonly string[], day: string, dir: string): Promise<number> {
    let files = 0;
    for (const key of lakeKeys) {
        if (parseDataKey(key)?.dt !== day || !key.endsWith(".json.gz")) continue;
        const body = await s3.send(new GetObjectCommand({ Bucket: lakeBucket, Key: key }));
        const file = path.join(dir, key);
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, await body.Body!.transformToByteArray());
        files++;
    }
    return files;
}

/** The catalog the options name (the repository's datasets/ by default). */
export function catalogFor(datasetRoots?: readonly string[]): DatasetCatalog {
    return datasetRoots === undefined ? repositoryDatasets() : loadDatasetCatalog(datasetRoots);
}

/**
 * Runs one dataset-day on DuckDB into a local Parquet file; returns the row
 * count (0: no file). The query's columns must be the dataset's declared
 * `columns`, in order (an error names both lists otherwise).
 */
export async function computeDatasetDay(db: DuckDBConnection, dataset: Dataset | DatasetDefinition, day: string, lakeDir: string, out: string): Promise<number> {
    const d = datasetOf(dataset);
    const select = renderDatasetQuery(d, { dialect: "duckdb", events: duckdbEventsRelation(lakeDir), day });
    const described = await db.runAndReadAll(`DESCRIBE SELECT * FROM (${select})`);
    const got = described.getRows().map((r) => String(r[0]));
    const want = d.columns.map((c) => c.name);
    if (got.join(",") !== want.join(",")) {
        throw new Error(`dataset "${d.name}": dataset.sql selects columns ${JSON.stringify(got)} but dataset.yaml declares ${JSON.stringify(want)}; they must be the same, in the same order`);
    }
    const r = await db.runAndReadAll(`COPY (${select}) TO ${sqlString(out)} (FORMAT parquet, COMPRESSION snappy)`);
    return Number(r.getRows()[0]?.[0] ?? 0);
}

/** Uploads a dataset-day's Parquet file as `<dataset>/dt=<day>/part-00000.snappy.parquet`. */
export async function uploadDatasetDay(s3: S3Client, pondBucket: string, dataset: Dataset, day: string, file: string): Promise<string> {
    const key = `${outputPrefix(dataset, day)}${PARQUET_OBJECT}`;
    await s3.send(new PutObjectCommand({ Bucket: pondBucket, Key: key, Body: fs.readFileSync(file), ContentType: "application/vnd.apache.parquet" }));
    return key;
}

/** Runs the pond's datasets over the window; returns one entry per dataset-day. */
export async function runPondEtl(o: PondEtlOptions): Promise<PondEtlOutput[]> {
    if (o.datasets.length === 0) throw new Error("runPondEtl: `datasets` must name at least one dataset (received []).");
    const datasets = pickDatasets("datasets", o.datasets, catalogFor(o.datasetRoots));
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
            const files = await downloadLakeDay(o.s3, o.lakeBucket, lakeKeys, day, lakeDir);
            for (const dataset of datasets) {
                const out = path.join(work, `${dataset.name}-${day}.parquet`);
                const rows = files > 0 ? await computeDatasetDay(db, dataset, day, lakeDir, out) : 0;
                const replaced = await deletePrefix(o.s3, o.pondBucket, outputPrefix(dataset.name, day));
                const key = rows > 0 ? await uploadDatasetDay(o.s3, o.pondBucket, dataset.name, day, out) : undefined;
                results.push({ dataset: dataset.name, day, key, rows, replaced });
            }
        }
    } finally {
        db.closeSync();
        if (temporary) fs.rmSync(work, { recursive: true, force: true });
    }
    return results;
}

export interface PondEtlWorkflowOptions extends PondEtlStores {
    readonly pond: string;
    /** Execution input: `{from, to}` or `{scheduledTime}`. */
    readonly input: PlanInput;
    /** Called instead of SNS when the run fails. */
    readonly notify?: (message: string) => void;
    /** Overrides states (tests inject failures), by state name. */
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a state's input is whatever the previous state returned
    readonly overrides?: Record<string, (input: any) => Promise<unknown>>;
}

export interface PondEtlWorkflowResult {
    readonly status: "SUCCEEDED" | "FAILED";
    readonly error?: string;
    /** Partitions registered (`<dataset>/dt=<day>`), in order. */
    readonly partitions: string[];
    /** Pond objects deleted before writing. */
    readonly deleted: string[];
    readonly statesEntered: string[];
}

/**
 * Runs the SAME state machine definition the PondEtl component deploys
 * (functions/pond-etl/asl.ts) with aws-local-stepfunctions: S3 tasks go to
 * the local S3 API, Plan runs functions/pond-etl/plan.ts, the Athena UNLOAD
 * of a dataset-day runs the same dataset SQL on DuckDB and uploads the
 * Parquet, partition registration is recorded, SNS becomes `notify`.
 */
export async function runPondEtlWorkflow(o: PondEtlWorkflowOptions): Promise<PondEtlWorkflowResult> {
    const catalog = catalogFor(o.datasetRoots);
    const datasets = pickDatasets("datasets", o.datasets, catalog);
    const definition = pondEtlDefinition({
        pond: o.pond,
        lakeBucket: o.lakeBucket,
        pondBucket: o.pondBucket,
        workGroup: `local-pond-${o.pond}`,
        planFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:local-pond-etl-${o.pond}-plan`,
        failureTopicArn: "arn:aws:sns:us-east-1:000000000000:local-pond-etl-failures",
        eventTypes: eventTypesFor(datasets, catalog),
    });
    const config = { pond: o.pond, datasets: datasets.map((d) => d.name), catalog, eventsTable: "local_lake.events", pondDatabase: `local_pond_${o.pond}`, pondBucket: o.pondBucket };
    const work = fs.mkdtempSync(path.join(os.tmpdir(), "pond-etl-wf-"));
    const instance = await DuckDBInstance.create(":memory:");
    const db = await instance.connect();
    const partitions: string[] = [];
    const deleted: string[] = [];
    const statesEntered: string[] = [];
    let lakeKeys: string[] | undefined;
    // Local handlers receive what the task sends (its Parameters), as the AWS APIs would.
    const target = (query: string): { dataset: DatasetDefinition; day: string } => {
        const m = /s3:\/\/[^/]+\/([a-z][a-z0-9_]*)\/dt=(\d{4}-\d{2}-\d{2})\//.exec(query);
        if (!m) throw new Error(`local Athena: no s3://<bucket>/<dataset>/dt=<day>/ location in the query: ${query.slice(0, 200)}`);
        return { dataset: datasetOf(m[1], catalog), day: m[2] };
    };
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a state's input is whatever the previous state returned
    const handlers: Record<string, (input: any) => Promise<unknown>> = {
        ListTypeSources: async (i: { Bucket: string; Prefix: string; Delimiter: string; MaxKeys: number }) => {
            const r = await o.s3.send(new ListObjectsV2Command(i));
            return { Prefix: r.Prefix, KeyCount: r.KeyCount ?? 0, ...(r.CommonPrefixes?.length ? { CommonPrefixes: r.CommonPrefixes.map((c) => ({ Prefix: c.Prefix })) } : {}) };
        },
        Plan: async (i: { Payload: { input: PlanInput; listings: SourceListing[] } }) => ({ StatusCode: 200, Payload: JSON.parse(JSON.stringify(buildPlan(config, i.Payload.input, i.Payload.listings))) }),
        ListOutput: async (i: { Bucket: string; Prefix: string; MaxKeys: number }) => {
            const r = await o.s3.send(new ListObjectsV2Command(i));
            return { KeyCount: r.KeyCount ?? 0, ...(r.Contents?.length ? { Contents: r.Contents.map((c) => ({ Key: c.Key, Size: c.Size })) } : {}) };
        },
        DeleteObject: async (i: { Bucket: string; Key: string }) => {
            await o.s3.send(new DeleteObjectsCommand({ Bucket: i.Bucket, Delete: { Objects: [{ Key: i.Key }] } }));
            deleted.push(i.Key);
            return {};
        },
        Unload: async (i: { QueryString: string }) => {
            const { dataset, day } = target(i.QueryString);
            lakeKeys ??= await listKeys(o.s3, o.lakeBucket, DATA_PREFIX);
            const lakeDir = path.join(work, `lake-${day}`);
            const files = fs.existsSync(lakeDir) ? 1 : await downloadLakeDay(o.s3, o.lakeBucket, lakeKeys, day, lakeDir);
            const out = path.join(work, `${dataset.name}-${day}.parquet`);
            const rows = files > 0 ? await computeDatasetDay(db, dataset, day, lakeDir, out) : 0;
            if (rows > 0) await uploadDatasetDay(o.s3, o.pondBucket, dataset.name, day, out);
            return { QueryExecution: { Status: { State: "SUCCEEDED" } } };
        },
        AddPartition: async (i: { QueryString: string }) => {
            const { dataset, day } = target(i.QueryString);
            partitions.push(`${dataset.name}/dt=${day}`);
            return { QueryExecution: { Status: { State: "SUCCEEDED" } } };
        },
        NotifyFailure: async (i: { Message: string }) => {
            o.notify?.(i.Message);
            return { MessageId: "local" };
        },
        ...o.overrides,
    };
    const machine = new StateMachine(definition as never, { validationOptions: { checkPaths: true, checkArn: true } });
    const zero = Object.fromEntries(["ListTypeSources", "Plan", "ListOutput", "DeleteObject", "Unload", "AddPartition", "NotifyFailure", "ListSources", "RunDatasets", "DeleteOutput"].map((n) => [n, 0]));
    const executionId = `arn:aws:states:us-east-1:000000000000:execution:local-pond-etl-${o.pond}:${Date.now()}`;
    const execution = machine.run(o.input as never, {
        overrides: { taskResourceLocalHandlers: handlers as never, retryIntervalOverrides: zero },
        context: { Execution: { Id: executionId, Name: executionId.split(":").pop(), Input: o.input, StartTime: new Date().toISOString() } } as never,
    });
    const logs = (async () => {
        for await (const e of execution.eventLogs) {
            const ev = e as { type: string; state?: { name: string } };
            if (ev.type === "StateEntered" && ev.state) statesEntered.push(ev.state.name);
        }
    })();
    try {
        await execution.result;
        await logs;
        return { status: "SUCCEEDED", partitions, deleted, statesEntered };
    } catch (err) {
        await logs.catch(() => undefined);
        const e = err as Error & { cause?: { name?: string } };
        return { status: "FAILED", error: e.cause?.name ?? e.name, partitions, deleted, statesEntered };
    } finally {
        db.closeSync();
        fs.rmSync(work, { recursive: true, force: true });
    }
}
