/**
 * The local data plane (DESIGN.md 3.5) as a library: `startPlatform(opts)`
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
import type { S3Client } from "@aws-sdk/client-s3";
import type { KinesisStreamEvent } from "aws-lambda";
import { parse as parseYaml } from "yaml";
import { startKinesis, kinesisClientConfig, type KinesisEmulator, KINESIS_LOCAL_ACCOUNT_ID, LOCAL_REGION } from "./emulators/kinesis";
import { startS3, type S3Emulator } from "./emulators/s3";
import { startDataApi, dataApiClientConfig, type DataApi as DataApiEmulator } from "./dataapi/server";
import { startEventSourceMapping, type EventSourceMapping, type EventSourceMappingOptions } from "./esm";
import { startHttpApiServer, type HttpApiServer } from "./insights-server";
import { parseRate, startScheduler, type Scheduler } from "./scheduler";
import { runPondEtl, type PondEtlOutput } from "./pond-etl";
import { FileLedger, runLocalWorkflow, type LocalRunResult } from "./workflows";
import { LocalDeliveryStream } from "./delivery";
import { ensureLocalKeys, LOCAL_KEYS_FILE, LOCAL_KEY_STORE_FILE } from "./keys";
import { SOURCES } from "./traffic";
import { startStatusServer } from "./status/server";
import { startService, type RunningService } from "../functions/ingest/main";
import { loadConfig as loadIngestConfig } from "../functions/ingest/config";
import { dataApiFromEnv, type DataApi } from "../functions/shared/db/dataapi";
import { runMigrations } from "../functions/shared/db/migrations";
import { createProcessor } from "../functions/processor/handler";
import { rulesFromEnv } from "../functions/processor/rules";
import { createInsightsHandler } from "../functions/insights/handler";
import type { WorkflowKind } from "../functions/workflows/deps";

export const REPO_ROOT = path.resolve(__dirname, "..");
export const DEFAULT_DIR = path.join(REPO_ROOT, ".local");

export interface PondSpec {
  readonly name: string;
  readonly bucket: string;
  readonly datasets: readonly string[];
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
  /** Lake delivery buffer interval (ms). @default - `flightstream:lake.bufferIntervalSeconds` of Pulumi.dev.yaml (60 s) */
  readonly lakeBufferIntervalMs?: number;
  /** Lake delivery buffer size (uncompressed bytes per partition). @default 134217728 (128 MiB) */
  readonly lakeBufferSizeBytes?: number;
  /** Keep Kinesis records across restarts (kinesis-local persistence under dir/kinesis). @default true */
  readonly persistStream?: boolean;
  /** Event source mapping settings (the stack's defaults otherwise). */
  readonly esm?: Partial<Omit<EventSourceMappingOptions, "client" | "streamName" | "handler" | "checkpointDir">>;
  /** Extra processor environment (ALERT_* / DEAL_* rule variables, ...). @default {} */
  readonly processorEnv?: Readonly<Record<string, string>>;
  /** Ingestion LOG_LEVEL. @default "warn" */
  readonly ingestLogLevel?: string;
  /** Powertools log level of the processor/insights functions (POWERTOOLS_LOG_LEVEL, process-wide). @default - POWERTOOLS_LOG_LEVEL, else "WARN" */
  readonly functionLogLevel?: string;
  /** Progress and error lines. @default - none */
  readonly log?: (line: string) => void;
  /** Serve the status page (local/status) on this port (0 = a free port). @default - no status page (`npm start` serves it on STATUS_PORT or 8082) */
  readonly statusPort?: number;
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
  readonly ingest: RunningService;
  /** `{"keys": [{"source", "key"}]}`: the local ingestion keys (local/keys.ts). */
  readonly ingestKeysFile: string;
  /** Local delivery stream into the lake. */
  readonly delivery: LakeDeliveryHandle;
  readonly scheduler: Scheduler;
  /** The status page, when `statusPort` was given. */
  readonly statusUrl: string | undefined;
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
  readonly mapping: EventSourceMapping;
  readonly bufferIntervalMs: number;
  /** Waits until the stream is read to its end, then writes every buffer to the lake. */
  flush(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

interface DevConfig {
  shards: number;
  lakeBufferIntervalSeconds: number;
  ponds: { name: string; datasets: string[]; schedule: string }[];
}

/** Stream shards and ponds from Pulumi.dev.yaml (the local platform mirrors the dev stack). */
export function readDevConfig(file = path.join(REPO_ROOT, "Pulumi.dev.yaml")): DevConfig {
  const raw = parseYaml(fs.readFileSync(file, "utf8")) as { config?: Record<string, unknown> };
  const cfg = raw?.config ?? {};
  const stream = (cfg["flightstream:stream"] ?? {}) as { shards?: unknown };
  const shards = typeof stream.shards === "number" && Number.isInteger(stream.shards) && stream.shards > 0 ? stream.shards : 2;
  const pondsRaw = (cfg["flightstream:ponds"] ?? {}) as Record<string, { datasets?: string[]; schedule?: string }>;
  const ponds = Object.entries(pondsRaw).map(([name, p]) => ({ name, datasets: p.datasets ?? [], schedule: p.schedule ?? "rate(1 hour)" }));
  const lake = (cfg["flightstream:lake"] ?? {}) as { bufferIntervalSeconds?: unknown };
  const lakeBufferIntervalSeconds = typeof lake.bufferIntervalSeconds === "number" && lake.bufferIntervalSeconds > 0 ? lake.bufferIntervalSeconds : 60;
  return { shards, ponds, lakeBufferIntervalSeconds };
}

function portOption(name: string, value: number | undefined, envValue: string | undefined, fallback: number): number {
  const raw = value ?? (envValue !== undefined && envValue !== "" ? Number(envValue) : fallback);
  if (!Number.isInteger(raw) || raw < 0 || raw > 65535) {
    throw new Error(`\`${name}\` must be an integer from 0 to 65535 (0 = pick a free port); received ${JSON.stringify(value ?? envValue)}.`);
  }
  return raw;
}

/** What the platform writes into its folder; `--reset` refuses to wipe anything else. */
export const PLATFORM_ENTRIES = ["kinesis", "s3", "db", "esm", "on-failure.jsonl", "platform.json", "reshard-ledger.json", LOCAL_KEYS_FILE, LOCAL_KEY_STORE_FILE];

function resetDir(root: string): void {
  if (!fs.existsSync(root)) return;
  const foreign = fs.readdirSync(root).filter((e) => !PLATFORM_ENTRIES.includes(e));
  if (foreign.length > 0) {
    throw new Error(
      `refusing to reset ${root}: it holds ${foreign.slice(0, 5).map((e) => JSON.stringify(e)).join(", ")}${foreign.length > 5 ? ", ..." : ""}, which the local platform did not create (it only wipes ${PLATFORM_ENTRIES.join(", ")}).`,
    );
  }
  for (const e of fs.readdirSync(root)) fs.rmSync(path.join(root, e), { recursive: true, force: true });
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
    log(`kinesis-local exited during start-up; retrying once (${message.split("\n")[0]})`);
    return startKinesis(o);
  }
}

export async function startPlatform(opts: PlatformOptions = {}): Promise<Platform> {
  const log = opts.log ?? (() => undefined);
  const root = path.resolve(opts.dir ?? DEFAULT_DIR);
  const ingestPort = portOption("ingestPort", opts.ingestPort, process.env.INGEST_PORT, 8080);
  const insightsPort = portOption("insightsPort", opts.insightsPort, process.env.INSIGHTS_PORT, 8081);
  const dev = readDevConfig();
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
  if (opts.reset) resetDir(root);
  const dirs = {
    root,
    kinesis: path.join(root, "kinesis"),
    s3: path.join(root, "s3"),
    db: path.join(root, "db"),
    checkpoints: path.join(root, "esm"),
    onFailure: path.join(root, "on-failure.jsonl"),
  };
  for (const d of [root, dirs.kinesis, dirs.s3, dirs.checkpoints]) fs.mkdirSync(d, { recursive: true });
  const stack: Array<{ name: string; stop: () => Promise<unknown> }> = [];
  const stopAll = async () => {
    for (const s of stack.splice(0).reverse()) {
      try {
        await s.stop();
      } catch (err) {
        log(`stopping ${s.name} failed: ${(err as Error).message}`);
      }
    }
  };

  try {
    const t0 = Date.now();
    const settled = await Promise.allSettled([
      startKinesisWithRetry({ streams: { [streamName]: shards }, ...(opts.persistStream === false ? {} : { dataDir: dirs.kinesis }) }, log).then((k) => {
        stack.push({ name: "kinesis-local", stop: () => k.stop() });
        return k;
      }),
      startS3({ directory: dirs.s3, buckets: [lakeBucket, ...ponds.map((p) => p.bucket)] }).then((s) => {
        stack.push({ name: "s3rver", stop: () => s.stop() });
        return s;
      }),
      startDataApi({ dataDir: dirs.db }).then(async (d) => {
        stack.push({ name: "data api", stop: () => d.stop() });
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
    const [kinesis, s3, dataApi] = settled.map((r) => (r as PromiseFulfilledResult<unknown>).value) as [KinesisEmulator, S3Emulator, DataApiEmulator];
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

    // Stream processor: the AWS handler (createProcessor) with the local Data API client.
    const rules = rulesFromEnv(env);
    const processorFn = createProcessor({ db, alertRule: rules.alert, dealRule: rules.deal });
    const esmClient = new KinesisClient(kinesisClientConfig(kinesis.endpoint));
    const kinesisForWorkflows = new KinesisClient(kinesisClientConfig(kinesis.endpoint));
    // Stopped in reverse order: the clients are destroyed after everything that uses them.
    stack.push({ name: "kinesis clients", stop: async () => (esmClient.destroy(), kinesisForWorkflows.destroy()) });
    let mapping: EventSourceMapping | undefined;
    // The deployed mapping's settings (components/analytics/StreamProcessor.ts defaults).
    const esmSettings = {
      batchSize: 500,
      maximumBatchingWindowInSeconds: 1,
      parallelizationFactor: 1,
      bisectBatchOnFunctionError: true,
      reportBatchItemFailures: true,
      maximumRetryAttempts: 10,
      maximumRecordAgeInSeconds: 86400,
      pollIntervalMs: 100,
      ...opts.esm,
    };
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
    stack.push({ name: "event source mapping", stop: () => processor.stop() });

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
    const ingest = await startService(ingestConfig, { client: ingestClient });
    stack.push({
      name: "ingestion service",
      stop: async () => {
        await ingest.shutdown();
        ingestClient.destroy();
      },
    });

    // Insights API: the API Gateway v2 handler over HTTP.
    const insightsHandler = createInsightsHandler({ db });
    const insights: HttpApiServer = await startHttpApiServer({ handler: insightsHandler as never, port: insightsPort, functionName: "insights-api" });
    stack.push({ name: "insights API", stop: () => insights.stop() });

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
      log,
    });
    stack.push({ name: "delivery stream", stop: () => delivery.stop() });

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
        from: window?.from ?? isoDay(now - 86_400_000),
        to: window?.to ?? (window ? undefined : isoDay(now + 86_400_000)),
      });
    };
    const scheduler = startScheduler(
      opts.etlIntervalMs === 0
        ? []
        : ponds.map((p) => ({
            name: `pond-etl-${p.name}`,
            intervalMs: opts.etlIntervalMs ?? p.intervalMs,
            run: async () => {
              const out = await runPond(p.name);
              log(`pond ETL ${p.name}: ${out.map((o) => `${o.dataset}/${o.day}: ${o.rows} rows`).join(", ") || "nothing to do"}`);
            },
          })),
      log,
    );
    stack.push({ name: "scheduler", stop: () => scheduler.stop() });

    // Status page (local/status): live charts of this platform, when asked for.
    const status = opts.statusPort === undefined ? undefined : await startStatusServer({ port: portOption("statusPort", opts.statusPort, undefined, 8082), sources: { ingestUrl: ingest.url, insightsUrl: insights.url, streamName, kinesis: kinesisForWorkflows, s3: s3Client, db, lakeBucket, ponds, scheduler, readers: () => ({ "stream-processor": processor.mapping, "lake-delivery": delivery.mapping }) } });
    if (status) stack.push({ name: "status page", stop: () => status.stop() });

    const info = {
      pid: process.pid,
      startedAt: new Date().toISOString(),
      ingestUrl: ingest.url,
      ingestKeysFile: ingestKeys.keysFile,
      insightsUrl: insights.url,
      streamName,
      streamArn,
      lakeBucket,
      ponds: ponds.map((p) => ({ name: p.name, bucket: p.bucket, datasets: p.datasets })),
      endpoints: { kinesis: kinesis.endpoint, s3: s3.endpoint, dataApi: dataApi.endpoint },
      env,
      dirs,
    };
    fs.writeFileSync(path.join(root, "platform.json"), JSON.stringify(info, null, 2));

    let stopping: Promise<void> | undefined;
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
      ingest,
      ingestKeysFile: ingestKeys.keysFile,
      delivery,
      scheduler,
      statusUrl: status?.url,
      runPondEtl: runPond,
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
        await delivery.flush(timeoutMs);
      },
      stop() {
        stopping ??= (async () => {
          await stopAll();
          try {
            fs.rmSync(path.join(root, "platform.json"), { force: true });
          } catch {
            // best effort
          }
        })();
        return stopping;
      },
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

/**
 * The lake delivery stream: local/delivery.ts (Firehose's processing,
 * per-partition buffering and object layout) reading the stream through a
 * second event source mapping (`lake-delivery`, its own checkpoints), so a
 * restart continues where it stopped instead of re-reading the stream.
 * Buffers are written on their interval/size, on flush() and on stop(); a
 * crash (not Ctrl-C) loses what was buffered but not yet written.
 */
async function startLakeDelivery(o: {
  client: KinesisClient;
  streamName: string;
  s3: S3Client;
  lakeBucket: string;
  checkpointDir: string;
  bufferIntervalMs: number;
  bufferSizeBytes?: number;
  log: (line: string) => void;
}): Promise<LakeDeliveryHandle> {
  const stream = new LocalDeliveryStream({
    s3: o.s3,
    bucket: o.lakeBucket,
    streamName: "lake-delivery",
    bufferIntervalMs: o.bufferIntervalMs,
    ...(o.bufferSizeBytes !== undefined ? { bufferSizeBytes: o.bufferSizeBytes } : {}),
  });
  let writing: Promise<void> = Promise.resolve();
  // One writer at a time: the timer, the mapping and flush() share the buffers.
  const serial = (fn: () => Promise<void>) => (writing = writing.then(fn, fn));
  const mapping = await startEventSourceMapping({
    client: o.client,
    streamName: o.streamName,
    functionName: "lake-delivery",
    checkpointDir: o.checkpointDir,
    batchSize: 10000,
    maximumBatchingWindowInSeconds: 0,
    pollIntervalMs: 200,
    handler: async (event) => {
      await serial(async () => {
        for (const r of event.Records) await stream.putRecord(Buffer.from(r.kinesis.data, "base64"), r.kinesis.partitionKey);
        await stream.flushDue();
      });
    },
    log: (message, fields) => o.log(`lake delivery: ${message} ${JSON.stringify(fields ?? {})}`),
  });
  const timer = setInterval(() => {
    serial(() => stream.flushDue()).catch((err) => o.log(`lake delivery: write failed: ${(err as Error).message}`));
  }, Math.min(1000, o.bufferIntervalMs));
  timer.unref();
  let stopped: Promise<void> | undefined;
  return {
    stream,
    mapping,
    bufferIntervalMs: o.bufferIntervalMs,
    async flush(timeoutMs = 60000) {
      await mapping.waitUntilCaughtUp(timeoutMs);
      await serial(() => stream.flushAll());
    },
    stop() {
      stopped ??= (async () => {
        clearInterval(timer);
        await mapping.stop();
        await serial(() => stream.flushAll());
      })();
      return stopped;
    },
  };
}
