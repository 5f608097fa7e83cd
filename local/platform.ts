/**
 * The local data plane (docs/design.md §3.5) as a library: `startPlatform(opts)`
 * starts every piece on this machine and returns handles for `npm start`
 * (local/main.ts), the end-to-end tests and the benchmarks.
 *
 *   kinesis-local ─► ingestion service (functions/ingest) on INGEST_PORT
 *        │
 *        ├─► local event source mapping (local/esm.ts) ─► stream processor
 *        │     (functions/processor handler) ─► local RDS Data API (PGlite, migrations applied)
 *        │                                         ▲
 *        │                      insights API handler (functions/insights) on INSIGHTS_PORT
 *        └─► local delivery stream (local/delivery.ts) ─► s3rver lake bucket
 *                                                        └─► pond ETL on DuckDB (local/pond-etl.ts),
 *                                                            scheduled (local/scheduler.ts) ─► pond buckets
 *   Step Functions workflows: local/workflows.ts (aws-local-stepfunctions) via `runWorkflow`.
 *
 * The handlers are the AWS ones; only endpoints and client configs differ.
 * Data lives under `dir` (default `.local/`): kinesis/, s3/<bucket>/, db/,
 * esm/ (checkpoints), on-failure.jsonl, platform.json (endpoints of the running platform).
 */
import * as fs from "fs";
import * as path from "path";
import { KinesisClient } from "@aws-sdk/client-kinesis";
import { GetObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import type { KinesisStreamEvent } from "aws-lambda";
import { startKinesis, kinesisClientConfig, type KinesisEmulator, KINESIS_LOCAL_ACCOUNT_ID, LOCAL_REGION } from "./emulators/kinesis";
import { startS3, type S3Emulator } from "./emulators/s3";
import { startDataApi, dataApiClientConfig, type DataApi as DataApiEmulator } from "./dataapi/server";
import { esmOptionsFromMapping, startEventSourceMapping, type EventSourceMapping, type EventSourceMappingOptions } from "./esm";
import { startHttpApiServer, type HttpApiServer } from "./insights-server";
import { parseRate, startScheduler, type Scheduler } from "./scheduler";
import { runPondEtl, type PondEtlOutput } from "./pond-etl";
import { startLocalConnectors, type ConnectorName, type LocalConnectorOptions } from "./connectors";
import type { RunSummary } from "../functions/connectors/flight-status/handler";
import { FileLedger, runLocalWorkflow, type LocalRunResult } from "./workflows";
import { LocalDeliveryStream } from "./delivery";
import { ensureLocalKeys, LOCAL_KEYS_FILE, LOCAL_KEY_STORE_FILE } from "./keys";
import { SOURCES } from "./traffic";
import { startStatusServer } from "./status/server";
import { StreamJournal } from "./stream-journal";
import { derivedStreamNames, startLocalConsumers, type LocalConsumers } from "./consumers";
import { startService, type RunningService } from "../functions/ingest/main";
import { loadConfig as loadIngestConfig } from "../functions/ingest/config";
import { dataApiFromEnv, type DataApi } from "../functions/shared/db/dataapi";
import { runMigrations } from "../functions/shared/db/migrations";
import { processorFromEnv } from "../functions/processor/handler";
import { rulesFromEnv } from "../functions/processor/rules";
import { createInsightsHandler } from "../functions/insights/handler";
import { forecastLoader } from "../functions/forecast/artifact";
import { scoringFromEnv } from "../functions/scoring/config";
import { SCORING_LATEST_KEY } from "../functions/scoring/training";
import type { WorkflowKind } from "../functions/workflows/deps";
import { streamMappingSettings, type StreamMappingSettings } from "@flightstream/components/stream/mapping";
import { consumerMappingArgs, processorMappingArgs, readStackConfigFile, type StackConfig } from "../stack/config";
import { processedEventsRetentionHours } from "../stack/analytics";
import { CONSUMERS } from "../stack/consumers";

export const REPO_ROOT = path.resolve(__dirname, "..");
export const DEFAULT_DIR = path.join(REPO_ROOT, ".local");

export interface PondSpec {
    readonly name: string;
    readonly bucket: string;
    readonly datasets: readonly string[];
    /** Folders of dataset folders the names are looked up in. @default - the repository's datasets/ */
    readonly datasetRoots?: readonly string[];
    /** ETL interval. */
    readonly intervalMs: number;
}

export interface PlatformOptions {
    /** Where data lives. @default <repo>/.local */
    readonly dir?: string;
    /** Wipe `dir` first. @default false */
    readonly reset?: boolean;
    /** Ingestion port (0 = free port). @default INGEST_PORT or 8080 */
    readonly ingestPort?: number;
    /** Insights port (0 = free port). @default INSIGHTS_PORT or 8081 */
    readonly insightsPort?: number;
    /** @default "dev-flight-events" */
    readonly streamName?: string;
    /** @default - `flightstream:stream.shards` of Pulumi.dev.yaml (2) */
    readonly shards?: number;
    /** @default "flightstream-local-lake" */
    readonly lakeBucket?: string;
    /** @default - the ponds of Pulumi.dev.yaml, bucket `flightstream-local-pond-<name>` */
    readonly ponds?: readonly PondSpec[];
    /** Overrides every pond's ETL interval (ms); 0 disables the schedules. @default - each pond's interval */
    readonly etlIntervalMs?: number;
    /** Source connectors (local/connectors: stand-in API, same handler code); interval 0 disables their schedules. @default - every 30 minutes */
    readonly connectors?: Pick<LocalConnectorOptions, "intervalMs" | "flightsPerDay" | "pageLimit" | "source" | "now">;
    /** Lake delivery buffer interval (ms). @default - `flightstream:lake.bufferIntervalSeconds` of Pulumi.dev.yaml (60 s) */
    readonly lakeBufferIntervalMs?: number;
    /** Lake delivery buffer size (uncompressed bytes per partition). @default 134217728 (128 MiB) */
    readonly lakeBufferSizeBytes?: number;
    /** Keep Kinesis records across restarts (kinesis-local persistence under dir/kinesis). @default true */
    readonly persistStream?: boolean;
    /** Event source mapping settings (the stack's defaults otherwise). */
    readonly esm?: Partial<Omit<EventSourceMappingOptions, "client" | "streamName" | "handler" | "checkpointDir">>;
    /**
     * Extra processor environment (ALERT_* / DEAL_* rule variables, ALERTS_TOPIC_ARN + SNS_ENDPOINT /
     * ALERTS_EVENT_BUS_NAME + EVENTBRIDGE_ENDPOINT for alert delivery, DATA_API_ENDPOINT to reroute the
     * processor's Data API client, ...). @default {}
     */
    readonly processorEnv?: Readonly<Record<string, string>>;
    /** Ingestion LOG_LEVEL. @default "warn" */
    readonly ingestLogLevel?: string;
    /** Powertools log level of the processor/insights functions (POWERTOOLS_LOG_LEVEL, process-wide). @default - POWERTOOLS_LOG_LEVEL, else "WARN" */
    readonly functionLogLevel?: string;
    /** Progress and error lines. @default - none */
    readonly log?: (line: string) => void;
    /** Serve the status page (local/status) on this port (0 = a free port). @default - no status page (`npm start` serves it on STATUS_PORT or 8082) */
    readonly statusPort?: number;
    /**
     * Called when a part failed for good (kinesis-local could not be restarted); the platform is
     * stopped first. `npm start` exits non-zero. @default - the error is logged
     */
    readonly onFatal?: (err: Error) => void;
}

export interface ProcessorControl {
    /** Starts the event source mapping (no-op when running). */
    start(): Promise<void>;
    /** Graceful stop: in-flight batches finish and are checkpointed. */
    stop(): Promise<void>;
    /** Crash: in-flight batches are abandoned without checkpoint (redelivered after start). */
    kill(): Promise<void>;
    readonly running: boolean;
    readonly mapping: EventSourceMapping | undefined;
    /** Invokes the processor handler directly (what the replay workflow's delivery does). */
    invoke(event: KinesisStreamEvent): Promise<{ batchItemFailures: { itemIdentifier: string }[] }>;
}

export interface Platform {
    readonly ingestUrl: string;
    readonly insightsUrl: string;
    readonly streamName: string;
    readonly streamArn: string;
    readonly lakeBucket: string;
    readonly ponds: readonly PondSpec[];
    /** The ETL interval override in effect, if any. */
    readonly etlIntervalMs: number | undefined;
    readonly dirs: { root: string; kinesis: string; s3: string; db: string; checkpoints: string; onFailure: string };
    readonly kinesis: KinesisEmulator;
    readonly s3: S3Emulator;
    readonly dataApi: DataApiEmulator;
    /** A DataApi (functions/shared/db) client for queries in tests and tools. */
    readonly db: DataApi;
    /** Environment the functions get (endpoints, ARNs, names). */
    readonly env: Readonly<Record<string, string>>;
    readonly processor: ProcessorControl;
    /** Every other consumer the stack declares (stack/consumers.ts) and the derived streams they write (local/consumers.ts). */
    readonly consumers: LocalConsumers;
    readonly ingest: RunningService;
    /** `{"keys": [{"source", "key"}]}`: the local ingestion keys (local/keys.ts). */
    readonly ingestKeysFile: string;
    /** Local delivery stream into the lake. */
    readonly delivery: LakeDeliveryHandle;
    readonly scheduler: Scheduler;
    /** The status page, when `statusPort` was given. */
    readonly statusUrl: string | undefined;
    /** Runs one source connector now (what its schedule does). */
    runConnector(name: ConnectorName): Promise<RunSummary>;
    /** The stand-in source APIs. */
    readonly connectors: { readonly flightsApiUrl: string };
    /** Runs one pond's ETL now over [from, to) (UTC days; default yesterday..tomorrow). */
    runPondEtl(pond: string, window?: { from: string; to?: string }): Promise<PondEtlOutput[]>;
    /** Runs a Step Functions workflow locally (replay re-delivers through the processor). */
    runWorkflow(kind: WorkflowKind, input: unknown): Promise<LocalRunResult>;
    /** Waits until the stream processor has caught up and the delivery stream has flushed to the lake. */
    settle(timeoutMs?: number): Promise<void>;
    /** Stops everything (idempotent). */
    stop(): Promise<void>;
}

/** The local delivery stream (local/delivery.ts) fed by its own event source mapping. */
export interface LakeDeliveryHandle {
    readonly stream: LocalDeliveryStream;
    /** The `lake-delivery` mapping now (a new one after pauseMapping/resumeMapping). */
    readonly mapping: EventSourceMapping;
    readonly bufferIntervalMs: number;
    /** Waits until the stream is read to its end, then writes every buffer to the lake (retrying failed writes until `timeoutMs`). */
    flush(timeoutMs?: number): Promise<void>;
    /** Stops reading the stream (buffers stay and keep being written); used while kinesis-local restarts. */
    pauseMapping(): Promise<void>;
    resumeMapping(): Promise<void>;
    /** Stops reading (caught up first, up to 3 s), writes every buffer once; what could not be written stays in the write-ahead files. */
    stop(): Promise<void>;
}

/**
 * What the local platform takes from the dev stack: Pulumi.dev.yaml read by stack/config.ts
 * (`readStackConfigFile`, i.e. `parseStackConfig`, so a config error fails `npm start` the way it
 * fails `pulumi up`), and the settings derived from it by the same functions the stack uses.
 */
export interface LocalStackSettings {
    readonly config: StackConfig;
    /** `stream.shards` (an "auto" or on-demand dev stream runs 2 local shards). */
    readonly shards: number;
    readonly lakeBufferIntervalSeconds: number;
    readonly ponds: { name: string; datasets: string[]; schedule: string }[];
    /** The stream processor's mapping: `streamMappingSettings(processorMappingArgs(config))`, what StreamProcessor deploys. */
    readonly processorMapping: StreamMappingSettings;
    /** Each declared consumer's mapping (stack/consumers.ts): `streamMappingSettings(consumerMappingArgs(config, batchSize))`. */
    readonly consumerMappings: Readonly<Record<string, StreamMappingSettings>>;
    /** Processor environment the stack sets from the config (PROCESSED_EVENTS_RETENTION_HOURS). */
    readonly processorEnv: Readonly<Record<string, string>>;
}

export function localStackSettings(file = path.join(REPO_ROOT, "Pulumi.dev.yaml"), stack = "dev"): LocalStackSettings {
    const config = readStackConfigFile(file, stack);
    return {
        config,
        shards: typeof config.stream.shards === "number" && config.stream.mode === "provisioned" ? config.stream.shards : 2,
        lakeBufferIntervalSeconds: config.lake.bufferIntervalSeconds,
        ponds: config.ponds.map((p) => ({ name: p.pond, datasets: [...p.datasets], schedule: p.schedule })),
        processorMapping: streamMappingSettings(processorMappingArgs(config)),
        consumerMappings: Object.fromEntries(CONSUMERS.map((d) => [d.name, streamMappingSettings(consumerMappingArgs(config, d.batchSize))])),
        processorEnv: { PROCESSED_EVENTS_RETENTION_HOURS: String(processedEventsRetentionHours(config)) },
    };
}

/** The local processor mapping's options: the deployed settings, local polling, then the caller's overrides (tests). */
export function processorEsmOptions(settings: LocalStackSettings, overrides: PlatformOptions["esm"] = {}): NonNullable<PlatformOptions["esm"]> {
    return { ...esmOptionsFromMapping(settings.processorMapping), pollIntervalMs: 100, ...overrides };
}

function portOption(name: string, value: number | undefined, envValue: string | undefined, fallback: number): number {
    const raw = value ?? (envValue !== undefined && envValue !== "" ? Number(envValue) : fallback);
    if (!Number.isInteger(raw) || raw < 0 || raw > 65535) {
        throw new Error(`\`${name}\` must be an integer from 0 to 65535 (0 = pick a free port); received ${JSON.stringify(value ?? envValue)}.`);
    }
    return raw;
}

/** What the platform writes into its folder (the manifest in its marker file); `--reset` removes only these. */
export const PLATFORM_ENTRIES = ["kinesis", "s3", "db", "esm", "on-failure.jsonl", "platform.json", "reshard-ledger.json", "stream-journal.jsonl", "lake-wal", LOCAL_KEYS_FILE, LOCAL_KEY_STORE_FILE];
/** Written by the platform into every folder it uses: proof for `--reset` that the folder is the platform's. */
export const MARKER_FILE = ".flightstream-local.json";
/** Held while a platform runs on the folder: `{"pid", "startedAt"}`. */
export const LOCK_FILE = "platform.lock";

function pidAlive(pid: number): boolean {
    try {
        process.kill(pid, 0);
        return true;
    } catch (err) {
        return (err as NodeJS.ErrnoException).code === "EPERM";
    }
}

/** The live owner of `root`'s lock, if any (a lock whose pid is not running is stale). */
export function lockOwner(root: string): { pid: number; startedAt: string } | undefined {
    let owner: { pid: number; startedAt: string };
    try {
        owner = JSON.parse(fs.readFileSync(path.join(root, LOCK_FILE), "utf8")) as { pid: number; startedAt: string };
    } catch {
        return undefined;
    }
    return Number.isInteger(owner.pid) && owner.pid !== process.pid && pidAlive(owner.pid) ? owner : undefined;
}

/** Takes `root`'s lock (refusing while another live platform holds it; a stale lock is replaced). Returns the release function. */
export function acquireLock(root: string, log: (line: string) => void): () => void {
    const file = path.join(root, LOCK_FILE);
    for (let attempt = 0; attempt < 3; attempt++) {
        try {
            const fd = fs.openSync(file, "wx");
            fs.writeSync(fd, JSON.stringify({ pid: process.pid, startedAt: new Date().toISOString() }));
            fs.closeSync(fd);
            return () => {
                try {
                    const held = JSON.parse(fs.readFileSync(file, "utf8")) as { pid: number };
                    if (held.pid === process.pid) fs.rmSync(file, { force: true });
                } catch {
                    // already gone
                }
            };
        } catch (err) {
            if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
            const owner = lockOwner(root);
            if (owner) {
                throw new Error(`${root} is in use by another local platform (pid ${owner.pid}, started ${owner.startedAt}); stop it first, or use another --dir.`, { cause: err });
            }
            let stale = "unreadable";
            try {
                stale = `pid ${(JSON.parse(fs.readFileSync(file, "utf8")) as { pid: number }).pid}, not running`;
            } catch {
                // unreadable lock (cut by a crash)
            }
            log(`removing a stale lock on ${root} (${stale})`);
            fs.rmSync(file, { force: true });
        }
    }
    throw new Error(`could not take the lock ${file} (another platform keeps taking it).`);
}

function writeMarker(root: string): void {
    fs.writeFileSync(path.join(root, MARKER_FILE), JSON.stringify({ createdBy: "flightstream local platform (local/platform.ts)", entries: PLATFORM_ENTRIES }, null, 2) + "\n");
}

export interface ResetReport {
    /** Entries removed (names inside the folder). */
    readonly removed: string[];
    /** Entries left because the platform did not create them. */
    readonly kept: string[];
}

/**
 * `--reset`: removes what the platform created in `root` (the entries its
 * marker file lists), nothing else. Refuses while a live platform holds the
 * folder's lock, and refuses a non-empty folder without the marker.
 */
export function resetDir(root: string): ResetReport {
    if (!fs.existsSync(root)) return { removed: [], kept: [] };
    const owner = lockOwner(root);
    if (owner) {
        throw new Error(`refusing to reset ${root}: a local platform is running on it (pid ${owner.pid}, started ${owner.startedAt}); stop it first (Ctrl-C in its terminal, or kill ${owner.pid}).`);
    }
    const entries = fs.readdirSync(root);
    if (entries.length === 0) return { removed: [], kept: [] };
    let manifest: string[];
    try {
        if (!fs.existsSync(path.join(root, MARKER_FILE))) throw new Error("the file is missing");
        const marker = JSON.parse(fs.readFileSync(path.join(root, MARKER_FILE), "utf8")) as { entries?: unknown };
        if (!Array.isArray(marker.entries) || !marker.entries.every((e) => typeof e === "string")) throw new Error("no `entries` list");
        manifest = marker.entries as string[];
    } catch (err) {
        throw new Error(
            `refusing to reset ${root}: it has no valid ${MARKER_FILE} (${(err as Error).message.split("\n")[0]}), so the local platform did not create it; it holds ${entries
                .slice(0, 5)
                .map((e) => JSON.stringify(e))
                .join(", ")}${entries.length > 5 ? ", ..." : ""}. Point --dir at a folder the platform created, or delete it yourself.`,
            { cause: err },
        );
    }
    // Only names the platform itself writes, even if the marker was edited.
    const ours = new Set(manifest.filter((e) => PLATFORM_ENTRIES.includes(e)));
    const removed: string[] = [];
    const kept: string[] = [];
    for (const e of entries) {
        if (ours.has(e) || e === LOCK_FILE) {
            fs.rmSync(path.join(root, e), { recursive: true, force: true });
            removed.push(e);
        } else if (e !== MARKER_FILE) kept.push(e);
    }
    return { removed, kept };
}

const isoDay = (t: number) => new Date(t).toISOString().slice(0, 10);

/**
 * kinesis-local occasionally exits during start-up on a busy machine (seen
 * once in about a dozen restarts under parallel test load; cause not
 * established: possibly a port taken between choosing and binding it); one
 * retry on fresh ports.
 */
async function startKinesisWithRetry(o: Parameters<typeof startKinesis>[0], log: (line: string) => void): Promise<KinesisEmulator> {
    try {
        return await startKinesis(o);
    } catch (err) {
        const message = (err as Error).message;
        if (!/exited before it was ready/.test(message)) throw err;
        // kinesis-mock rewrites its data file in place: a crash in the middle leaves a file it cannot load. The
        // stream journal holds every acknowledged record, so the platform moves the file aside and starts empty.
        const file = o?.dataDir !== undefined ? path.join(o.dataDir, "kinesis-data.json") : undefined;
        if (file !== undefined && fs.existsSync(file)) {
            try {
                JSON.parse(fs.readFileSync(file, "utf8"));
            } catch (parseErr) {
                const aside = `${file}.unreadable-${Date.now()}`;
                fs.renameSync(file, aside);
                log(`kinesis-local could not load its data file (${(parseErr as Error).message}); moved it to ${aside}; the stream is rebuilt from the journal`);
            }
        }
        log(`kinesis-local exited during start-up; retrying once (${message.split("\n")[0]})`);
        return startKinesis(o);
    }
}

export async function startPlatform(opts: PlatformOptions = {}): Promise<Platform> {
    const log = opts.log ?? (() => undefined);
    let fatalStop: (() => Promise<void>) | undefined;
    const fatal = (err: Error) => {
        void (fatalStop ?? (async () => undefined))().finally(() => (opts.onFatal ?? ((e: Error) => log(`platform stopped: ${e.message}`)))(err));
    };
    const root = path.resolve(opts.dir ?? DEFAULT_DIR);
    const ingestPort = portOption("ingestPort", opts.ingestPort, process.env.INGEST_PORT, 8080);
    const insightsPort = portOption("insightsPort", opts.insightsPort, process.env.INSIGHTS_PORT, 8081);
    const dev = localStackSettings();
    const shards = opts.shards ?? dev.shards;
    if (!Number.isInteger(shards) || shards < 1 || shards > 1000) throw new Error(`\`shards\` must be an integer from 1 to 1000; received ${String(opts.shards)}.`);
    const streamName = opts.streamName ?? "dev-flight-events";
    const lakeBucket = opts.lakeBucket ?? "flightstream-local-lake";
    const ponds: PondSpec[] = [
        ...(opts.ponds ??
            dev.ponds.map((p) => {
                let intervalMs = 3_600_000;
                try {
                    intervalMs = parseRate(p.schedule);
                } catch {
                    // cron schedules run hourly locally
                }
                return { name: p.name, bucket: `flightstream-local-pond-${p.name}`, datasets: p.datasets, intervalMs };
            })),
    ];
    if (opts.reset) {
        const r = resetDir(root);
        log(`--reset: removed ${r.removed.length === 0 ? "nothing" : r.removed.join(", ")} from ${root}${r.kept.length > 0 ? `; kept ${r.kept.join(", ")} (not created by the platform)` : ""}`);
    }
    const dirs = {
        root,
        kinesis: path.join(root, "kinesis"),
        s3: path.join(root, "s3"),
        db: path.join(root, "db"),
        checkpoints: path.join(root, "esm"),
        onFailure: path.join(root, "on-failure.jsonl"),
    };
    fs.mkdirSync(root, { recursive: true });
    const releaseLock = acquireLock(root, log);
    writeMarker(root);
    for (const d of [dirs.kinesis, dirs.s3, dirs.checkpoints]) fs.mkdirSync(d, { recursive: true });
    /**
     * Stop order (SIGTERM, Ctrl-C, stop()): phase 0 the front doors that take no data (scheduler, insights),
     * 1 ingestion (drained: everything accepted reaches the stream), 2 the lake delivery (caught up and
     * flushed), 3 the stream processor's mapping, 4 clients, 5 the emulators, last.
     */
    const stack: Array<{ name: string; phase: number; stop: () => Promise<unknown> }> = [];
    let stoppingPlatform = false;
    const stopAll = async () => {
        stoppingPlatform = true;
        const ordered = stack
            .splice(0)
            .map((s, i) => ({ s, i }))
            .sort((a, b) => a.s.phase - b.s.phase || b.i - a.i)
            .map((x) => x.s);
        for (const s of ordered) {
            try {
                await s.stop();
            } catch (err) {
                log(`stopping ${s.name} failed: ${(err as Error).message}`);
            }
        }
        releaseLock();
    };

    let kinesisNow = undefined as unknown as KinesisEmulator;
    const kinesisOptions = (port?: number) => ({
        // The derived streams (stack/consumers.ts) live next to the raw stream.
        streams: { [streamName]: shards, ...Object.fromEntries(Object.values(derivedStreamNames(streamName)).map((n) => [n, shards])) },
        ...(port !== undefined ? { port } : {}),
        ...(opts.persistStream === false ? {} : { dataDir: dirs.kinesis }),
    });
    let journal: StreamJournal | undefined;
    try {
        const t0 = Date.now();
        const settled = await Promise.allSettled([
            startKinesisWithRetry(kinesisOptions(), log).then((k) => {
                kinesisNow = k;
                stack.push({ name: "kinesis-local", phase: 5, stop: () => kinesisNow.stop() });
                return k;
            }),
            startS3({ directory: dirs.s3, buckets: [lakeBucket, ...ponds.map((p) => p.bucket)] }).then((s) => {
                stack.push({ name: "s3rver", phase: 5, stop: () => s.stop() });
                return s;
            }),
            startDataApi({ dataDir: dirs.db }).then(async (d) => {
                stack.push({ name: "data api", phase: 5, stop: () => d.stop() });
                // Migrate while kinesis-local is still starting.
                const migrator = dataApiFromEnv({ DB_CLUSTER_ARN: d.resourceArn, DB_SECRET_ARN: d.secretArn, DB_NAME: d.database, DATA_API_ENDPOINT: d.endpoint, AWS_REGION: LOCAL_REGION }, dataApiClientConfig(d.endpoint));
                const migrated = await runMigrations(migrator);
                log(`database migrated (${JSON.stringify(migrated)})`);
                return d;
            }),
        ]);
        // allSettled: every emulator that did start is in `stack` before a failure is thrown (and stopped).
        const failed = settled.find((r): r is PromiseRejectedResult => r.status === "rejected");
        if (failed) throw failed.reason;
        const [firstKinesis, s3, dataApi] = settled.map((r) => (r as PromiseFulfilledResult<unknown>).value) as [KinesisEmulator, S3Emulator, DataApiEmulator];
        // The platform's handle on kinesis-local: the same endpoint across restarts of the process behind it.
        const kinesis: KinesisEmulator = {
            endpoint: firstKinesis.endpoint,
            port: firstKinesis.port,
            get pid() {
                return kinesisNow.pid;
            },
            get exited() {
                return kinesisNow.exited;
            },
            client: () => kinesisNow.client(),
            stop: () => kinesisNow.stop(),
        };
        log(`emulators up and database migrated in ${Date.now() - t0} ms`);
        const streamArn = `arn:aws:kinesis:${LOCAL_REGION}:${KINESIS_LOCAL_ACCOUNT_ID}:stream/${streamName}`;
        const env: Record<string, string> = {
            AWS_REGION: LOCAL_REGION,
            STREAM_NAME: streamName,
            STREAM_ARN: streamArn,
            KINESIS_ENDPOINT: kinesis.endpoint,
            S3_ENDPOINT: s3.endpoint,
            LAKE_BUCKET: lakeBucket,
            DATA_API_ENDPOINT: dataApi.endpoint,
            DB_CLUSTER_ARN: dataApi.resourceArn,
            DB_SECRET_ARN: dataApi.secretArn,
            DB_NAME: dataApi.database,
            POWERTOOLS_LOG_LEVEL: opts.functionLogLevel ?? "WARN",
            POWERTOOLS_METRICS_DISABLED: "true",
            ...(opts.processorEnv ?? {}),
        };
        // Functions read POWERTOOLS_* from process.env (Lambda sets them the same way).
        process.env.POWERTOOLS_METRICS_DISABLED ??= env.POWERTOOLS_METRICS_DISABLED;
        if (opts.functionLogLevel !== undefined) process.env.POWERTOOLS_LOG_LEVEL = opts.functionLogLevel;
        else process.env.POWERTOOLS_LOG_LEVEL ??= env.POWERTOOLS_LOG_LEVEL;
        const db = dataApiFromEnv(env, dataApiClientConfig(dataApi.endpoint));

        // Stream processor: the AWS handler (processorFromEnv) with the local Data API client.
        const rules = rulesFromEnv(env);
        // The trained demand model in the lake bucket (functions/forecast/artifact.ts), re-read every 30 s.
        const forecastSource = forecastLoader(s3.client(), lakeBucket, { ttlMs: 30_000 });
        // The built-in scoring model's artifact in the lake bucket (models/scoring/latest.json, written by the
        // training job: `npm start -- --demo` runs it after its backfill), re-read every minute; the baseline until then.
        const scoringS3 = s3.client();
        const scoring = scoringFromEnv(
            { SCORING_ARTIFACT_URI: `s3://${lakeBucket}/${SCORING_LATEST_KEY}`, SCORING_ARTIFACT_REFRESH_MINUTES: "1", ...env },
            {
                dealRule: rules.deal,
                read: async (uri) => {
                    const m = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri);
                    if (!m) return fs.promises.readFile(uri, "utf8");
                    const res = await scoringS3.send(new GetObjectCommand({ Bucket: m[1], Key: m[2] }));
                    return await res.Body!.transformToString("utf8");
                },
            },
        );
        // `processorEnv.DATA_API_ENDPOINT` reroutes only the stream processor's Data API client (the alert fault test puts a cutting proxy there).
        const processorDb = env.DATA_API_ENDPOINT !== dataApi.endpoint ? dataApiFromEnv(env, dataApiClientConfig(env.DATA_API_ENDPOINT)) : db;
        // The AWS function's own wiring (processorFromEnv); only the clients of the emulators are passed in.
        const processorFn = processorFromEnv({ ...dev.processorEnv, ...env }, { db: processorDb, forecast: forecastSource, scoring });
        const esmClient = new KinesisClient(kinesisClientConfig(kinesis.endpoint));
        const kinesisForWorkflows = new KinesisClient(kinesisClientConfig(kinesis.endpoint));
        // Acknowledged means durable here too (local/stream-journal.ts): the consumers only see journaled records.
        // Without persistence kinesis-local starts empty every time: an older journal describes another stream.
        if (opts.persistStream === false) fs.rmSync(path.join(root, "stream-journal.jsonl"), { force: true });
        const streamJournal = new StreamJournal(path.join(root, "stream-journal.jsonl"));
        journal = streamJournal;
        streamJournal.attachToConsumerClient(esmClient);
        // The clients are destroyed after everything that uses them.
        stack.push({ name: "kinesis clients", phase: 4, stop: async () => (esmClient.destroy(), kinesisForWorkflows.destroy(), streamJournal.dispose()) });
        // What kinesis-local restored (after a crash of it or of the whole platform) against the journal.
        await streamJournal.reconcile(esmClient, streamName, dirs.checkpoints, log);
        let mapping: EventSourceMapping | undefined;
        // The deployed mapping's settings (components/stream/mapping.ts of the dev config), local polling, the overrides.
        const esmSettings = processorEsmOptions(dev, opts.esm);
        const processor: ProcessorControl = {
            async start() {
                if (mapping) return;
                mapping = await startEventSourceMapping({
                    ...esmSettings,
                    client: esmClient,
                    streamName,
                    handler: processorFn.handler,
                    checkpointDir: dirs.checkpoints,
                    functionName: "stream-processor",
                    onFailureFile: dirs.onFailure,
                    log: (message, fields) => log(`esm: ${message} ${JSON.stringify(fields ?? {})}`),
                });
            },
            async stop() {
                const m = mapping;
                mapping = undefined;
                await m?.stop();
            },
            async kill() {
                const m = mapping;
                mapping = undefined;
                await m?.kill();
            },
            get running() {
                return mapping !== undefined;
            },
            get mapping() {
                return mapping;
            },
            async invoke(event) {
                const res = await processorFn.handler(event);
                return { batchItemFailures: res.batchItemFailures.map((f) => ({ itemIdentifier: String(f.itemIdentifier) })) };
            },
        };
        await processor.start();
        stack.push({ name: "event source mapping", phase: 3, stop: () => processor.stop() });
        // Every other declared consumer, with the same handler code (derived stream writers through the producer).
        const consumers = await startLocalConsumers({
            kinesisEndpoint: kinesis.endpoint,
            client: esmClient,
            rawStreamName: streamName,
            checkpointDir: dirs.checkpoints,
            env,
            // Each consumer's own deployed settings (stack/consumers.ts), with the same overrides.
            mapping: (d) => dev.consumerMappings[d.name] ?? streamMappingSettings(consumerMappingArgs(dev.config, d.batchSize)),
            esm: { pollIntervalMs: 100, ...opts.esm },
            log,
        });
        stack.push({ name: "consumers", phase: 3, stop: () => consumers.stop() });

        // Ingestion service (functions/ingest) on the local stream; one key per local source (local/keys.ts).
        const ingestKeys = ensureLocalKeys(root, SOURCES);
        log(`ingestion keys for ${ingestKeys.keys.map((k) => k.source).join(", ")} in ${ingestKeys.keysFile}`);
        const ingestConfig = loadIngestConfig({
            INGEST_KEYS_FILE: ingestKeys.storeFile,
            STREAM_NAME: streamName,
            KINESIS_ENDPOINT: kinesis.endpoint,
            AWS_REGION: LOCAL_REGION,
            PORT: String(ingestPort),
            HOST: "127.0.0.1",
            LOG_LEVEL: opts.ingestLogLevel ?? "warn",
            // CloudWatch embedded-metric lines only mean something to the awslogs driver.
            METRICS_OUTPUT: process.env.METRICS_OUTPUT ?? "off",
        });
        const ingestClient = new KinesisClient({ ...kinesisClientConfig(kinesis.endpoint), maxAttempts: 1 });
        streamJournal.attachToProducerClient(ingestClient);
        const ingest = await startService(ingestConfig, { client: ingestClient, unavailableReason: () => streamJournal.unavailableReason });
        stack.push({
            name: "ingestion service",
            phase: 1,
            stop: async () => {
                await ingest.shutdown();
                ingestClient.destroy();
            },
        });

        // Insights API: the API Gateway v2 handler over HTTP.
        const insightsHandler = createInsightsHandler({ db, forecast: forecastSource });
        const insights: HttpApiServer = await startHttpApiServer({ handler: insightsHandler as never, port: insightsPort, functionName: "insights-api" });
        stack.push({ name: "insights API", phase: 0, stop: () => insights.stop() });

        // Lake delivery stream.
        const s3Client: S3Client = s3.client();
        const delivery = await startLakeDelivery({
            client: esmClient,
            streamName,
            s3: s3Client,
            lakeBucket,
            checkpointDir: dirs.checkpoints,
            bufferIntervalMs: opts.lakeBufferIntervalMs ?? dev.lakeBufferIntervalSeconds * 1000,
            bufferSizeBytes: opts.lakeBufferSizeBytes,
            walDir: path.join(root, "lake-wal"),
            log,
        });
        stack.push({ name: "delivery stream", phase: 2, stop: () => delivery.stop() });

        // kinesis-local is a child process: when it dies, say so, refuse puts (503), restart it with backoff on the
        // same port, reconcile with the journal, resume the mappings, say it is back. Out of attempts: fatal.
        const recoverKinesis = async (exit: { code: number | null; signal: NodeJS.Signals | null }) => {
            const how = exit.signal ?? `exit code ${exit.code}`;
            const downSince = Date.now();
            streamJournal.close(`kinesis-local exited (${how}); restarting it`);
            log(`kinesis-local DIED (${how}); ingestion answers 503 until it is back; restarting it`);
            const processorWasRunning = processor.running;
            await Promise.all([processor.stop(), delivery.pauseMapping(), consumers.pause()]);
            for (let attempt = 1; ; attempt++) {
                if (stoppingPlatform) return;
                try {
                    const k = await startKinesisWithRetry(kinesisOptions(kinesis.port), log);
                    if (stoppingPlatform) return void (await k.stop());
                    kinesisNow = k;
                    break;
                } catch (err) {
                    if (attempt >= 5) throw new Error(`kinesis-local could not be restarted after ${attempt} attempts: ${(err as Error).message.split("\n")[0]}`, { cause: err });
                    const wait = Math.min(500 * 2 ** (attempt - 1), 8000);
                    log(`kinesis-local restart attempt ${attempt} failed (${(err as Error).message.split("\n")[0]}); next attempt in ${wait} ms`);
                    await new Promise((r) => setTimeout(r, wait));
                }
            }
            watchKinesis();
            const report = await streamJournal.reconcile(esmClient, streamName, dirs.checkpoints, log);
            if (processorWasRunning) await processor.start();
            await delivery.resumeMapping();
            await consumers.start();
            streamJournal.open();
            log(`kinesis-local is BACK (pid ${kinesisNow.pid}, down ${((Date.now() - downSince) / 1000).toFixed(1)} s; ${report.reput} acknowledged record(s) put again from the journal)`);
        };
        const watchKinesis = () => {
            const watched = kinesisNow;
            void watched.exited.then((exit) => {
                if (stoppingPlatform || kinesisNow !== watched) return;
                recoverKinesis(exit).catch((err) => {
                    if (stoppingPlatform) return;
                    log(`FATAL: ${(err as Error).message}`);
                    fatal(err as Error);
                });
            });
        };
        watchKinesis();

        // Pond ETL schedules.
        const runPond = async (name: string, window?: { from: string; to?: string }) => {
            const pond = ponds.find((p) => p.name === name);
            if (!pond) throw new Error(`no pond ${JSON.stringify(name)}; ponds: ${ponds.map((p) => p.name).join(", ") || "(none)"}.`);
            const now = Date.now();
            return runPondEtl({
                s3: s3Client,
                lakeBucket,
                pondBucket: pond.bucket,
                datasets: pond.datasets,
                datasetRoots: pond.datasetRoots,
                from: window?.from ?? isoDay(now - 86_400_000),
                to: window?.to ?? (window ? undefined : isoDay(now + 86_400_000)),
            });
        };
        // Source connectors (ScheduledSource's handlers) on the same scheduler.
        const connectors = await startLocalConnectors({ ...opts.connectors, kinesisEndpoint: kinesis.endpoint, streamName, attach: (c) => streamJournal.attachToProducerClient(c), log });
        stack.push({ name: "source connectors", phase: 1, stop: () => connectors.stop() });
        const scheduler = startScheduler(
            [
                ...connectors.jobs,
                ...(opts.etlIntervalMs === 0
                    ? []
                    : ponds.map((p) => ({
                          name: `pond-etl-${p.name}`,
                          intervalMs: opts.etlIntervalMs ?? p.intervalMs,
                          run: async () => {
                              const out = await runPond(p.name);
                              log(`pond ETL ${p.name}: ${out.map((o) => `${o.dataset}/${o.day}: ${o.rows} rows`).join(", ") || "nothing to do"}`);
                          },
                      }))),
            ],
            log,
        );
        stack.push({ name: "scheduler", phase: 0, stop: () => scheduler.stop() });

        // Status page (local/status): live charts of this platform, when asked for.
        const status =
            opts.statusPort === undefined
                ? undefined
                : await startStatusServer({
                      port: portOption("statusPort", opts.statusPort, undefined, 8082),
                      sources: {
                          ingestUrl: ingest.url,
                          insightsUrl: insights.url,
                          streamName,
                          kinesis: kinesisForWorkflows,
                          s3: s3Client,
                          db,
                          lakeBucket,
                          ponds,
                          scheduler,
                          readers: () => ({ "stream-processor": processor.mapping, "lake-delivery": delivery.mapping, ...Object.fromEntries(Object.entries(consumers.consumers).map(([k, c]) => [k, c.mapping])) }),
                      },
                  });
        if (status) stack.push({ name: "status page", phase: 0, stop: () => status.stop() });

        const info = {
            pid: process.pid,
            startedAt: new Date().toISOString(),
            ingestUrl: ingest.url,
            ingestKeysFile: ingestKeys.keysFile,
            insightsUrl: insights.url,
            streamName,
            streamArn,
            derivedStreams: consumers.derivedStreams,
            consumers: Object.keys(consumers.consumers),
            lakeBucket,
            ponds: ponds.map((p) => ({ name: p.name, bucket: p.bucket, datasets: p.datasets })),
            endpoints: { kinesis: kinesis.endpoint, s3: s3.endpoint, dataApi: dataApi.endpoint, flightsApi: connectors.flightsApiUrl },
            env,
            dirs,
        };
        fs.writeFileSync(path.join(root, "platform.json"), JSON.stringify(info, null, 2));

        let stopping: Promise<void> | undefined;
        const stopPlatform = () =>
            (stopping ??= (async () => {
                await stopAll();
                try {
                    fs.rmSync(path.join(root, "platform.json"), { force: true });
                } catch {
                    // best effort
                }
            })());
        fatalStop = stopPlatform;
        return {
            ingestUrl: ingest.url,
            insightsUrl: insights.url,
            streamName,
            streamArn,
            lakeBucket,
            ponds,
            etlIntervalMs: opts.etlIntervalMs,
            dirs,
            kinesis,
            s3,
            dataApi,
            db,
            env,
            processor,
            consumers,
            ingest,
            ingestKeysFile: ingestKeys.keysFile,
            delivery,
            scheduler,
            statusUrl: status?.url,
            runPondEtl: runPond,
            runConnector: (name) => connectors.run(name),
            connectors: { flightsApiUrl: connectors.flightsApiUrl },
            runWorkflow(kind, input) {
                return runLocalWorkflow(kind, input, {
                    deps: {
                        settings: { streamName, streamArn, region: LOCAL_REGION, lakeBucket, targets: ["analytics"] },
                        kinesis: kinesisForWorkflows,
                        s3: s3Client,
                        // The same ledger file `npm run ops -- reshard --local` uses.
                        ledger: new FileLedger(path.join(root, "reshard-ledger.json")),
                        deliver: async (_target, event) => {
                            const res = await processor.invoke(event);
                            return { failedSequenceNumbers: res.batchItemFailures.map((f) => f.itemIdentifier) };
                        },
                    },
                });
            },
            async settle(timeoutMs = 60000) {
                await mapping?.waitUntilCaughtUp(timeoutMs);
                await consumers.waitUntilCaughtUp(timeoutMs);
                await delivery.flush(timeoutMs);
            },
            stop: stopPlatform,
        };
    } catch (err) {
        await stopAll();
        journal?.dispose();
        throw err;
    }
}

/**
 * The lake delivery stream: local/delivery.ts (Firehose's processing,
 * per-partition buffering and object layout) reading the stream through a
 * second event source mapping (`lake-delivery`, its own checkpoints), so a
 * restart continues where it stopped instead of re-reading the stream.
 * Every batch is in the buffers' write-ahead files (fsynced) before the
 * mapping checkpoints it, so a crash loses nothing: the next start reloads
 * the files. Buffers are written on their interval/size, on flush() and on
 * stop(); failed writes are retried with backoff.
 */
async function startLakeDelivery(o: {
    client: KinesisClient;
    streamName: string;
    s3: S3Client;
    lakeBucket: string;
    checkpointDir: string;
    bufferIntervalMs: number;
    bufferSizeBytes?: number;
    walDir: string;
    log: (line: string) => void;
}): Promise<LakeDeliveryHandle> {
    const stream = new LocalDeliveryStream({
        s3: o.s3,
        bucket: o.lakeBucket,
        streamName: "lake-delivery",
        bufferIntervalMs: o.bufferIntervalMs,
        walDir: o.walDir,
        onWriteError: (message) => o.log(`lake delivery: ${message}`),
        ...(o.bufferSizeBytes !== undefined ? { bufferSizeBytes: o.bufferSizeBytes } : {}),
    });
    if (stream.recovered.length > 0) {
        o.log(`lake delivery: ${stream.recovered.length} buffer(s) with ${stream.recovered.reduce((n, r) => n + r.events, 0)} record(s) recovered from the write-ahead files of an unclean stop`);
    }
    let writing: Promise<void> = Promise.resolve();
    // One writer at a time: the timer, the mapping and flush() share the buffers.
    const serial = (fn: () => Promise<void>) => (writing = writing.then(fn, fn));
    const startMapping = () =>
        startEventSourceMapping({
            client: o.client,
            streamName: o.streamName,
            functionName: "lake-delivery",
            checkpointDir: o.checkpointDir,
            batchSize: 10000,
            maximumBatchingWindowInSeconds: 0,
            pollIntervalMs: 200,
            handler: async (event) => {
                await serial(async () => {
                    const positions: Record<string, string> = {};
                    for (const r of event.Records) {
                        const shardId = r.eventID.slice(0, r.eventID.indexOf(":"));
                        // Delivered again after a crash between the write-ahead commit and the checkpoint: already buffered.
                        if (stream.isCommitted(shardId, r.kinesis.sequenceNumber)) continue;
                        await stream.putRecord(Buffer.from(r.kinesis.data, "base64"), r.kinesis.partitionKey);
                        positions[shardId] = r.kinesis.sequenceNumber;
                    }
                    // Durable (with the source position) before the mapping checkpoints the batch.
                    stream.commit(positions);
                    await stream.flushDue();
                });
            },
            log: (message, fields) => o.log(`lake delivery: ${message} ${JSON.stringify(fields ?? {})}`),
        });
    let mapping: EventSourceMapping | undefined = await startMapping();
    let current = mapping;
    const timer = setInterval(
        () => {
            serial(() => stream.flushDue()).catch((err) => o.log(`lake delivery: write failed: ${(err as Error).message}`));
        },
        Math.min(1000, o.bufferIntervalMs),
    );
    timer.unref();
    let stopped: Promise<void> | undefined;
    return {
        stream,
        get mapping() {
            return current;
        },
        bufferIntervalMs: o.bufferIntervalMs,
        async flush(timeoutMs = 60000) {
            const deadline = Date.now() + timeoutMs;
            if (mapping) await mapping.waitUntilCaughtUp(timeoutMs);
            for (;;) {
                try {
                    await serial(() => stream.flushAll());
                    return;
                } catch (err) {
                    if (Date.now() > deadline) throw err;
                    await new Promise((r) => setTimeout(r, 250));
                }
            }
        },
        async pauseMapping() {
            const m = mapping;
            mapping = undefined;
            await m?.stop();
        },
        async resumeMapping() {
            if (mapping || stopped) return;
            mapping = await startMapping();
            current = mapping;
        },
        stop() {
            stopped ??= (async () => {
                clearInterval(timer);
                const m = mapping;
                mapping = undefined;
                if (m) {
                    await m.waitUntilCaughtUp(3000).catch((err) => o.log(`lake delivery: stopping before the end of the stream (${(err as Error).message})`));
                    await m.stop();
                }
                try {
                    await serial(() => stream.flushAll());
                } catch (err) {
                    o.log(`lake delivery: ${(err as Error).message}; they are written on the next start`);
                }
                stream.close();
            })();
            return stopped;
        },
    };
}
