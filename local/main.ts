/**
 * `npm start [-- --reset] [-- --demo [--rate N] [--duration S] [--history-days N]] [--shards N] [--etl-every S] [--dir PATH] [--help]`
 * (the options: MAIN_COMMAND below; `--help` prints them on stdout, exit 0; a bad option exits 2 with the usage)
 *
 * Runs the whole data plane on this machine (local/platform.ts), prints the
 * URLs and where data lives, and shuts everything down on Ctrl-C / SIGTERM
 * (kinesis-local is a child process: it is stopped, and its parent-death
 * guard ends it even if this process is killed).
 */
import * as path from "path";
import { CliUsageError, defineCommand, numberOption, parseCommand, usage, usageFailure } from "../scripts/lib/cli";
// The platform (and everything it loads) is imported only when it starts, so `--help` answers at once.
import type { Platform } from "./platform";

const REPO_ROOT = path.resolve(__dirname, "..");
/** Route popularity skew of the demo's traffic and of its backfilled history (local/traffic.ts routeWeights). */
export const DEMO_ROUTE_SKEW = 0.5;

export interface MainArgs {
    reset: boolean;
    demo: boolean;
    rate: number;
    duration: number;
    shards?: number;
    etlEverySeconds?: number;
    dir?: string;
    verbose: boolean;
    /** `--lake-buffer-seconds S`: the lake delivery's buffer interval. */
    lakeBufferSeconds?: number;
    /** `--history-days N`: days of generated history the demo backfills into the lake and trains on first (set only when given; default 7, 0 skips). */
    historyDays?: number;
    /** `--help`: print USAGE and exit 0 (set only when given). */
    help?: true;
}

export const MAIN_COMMAND = defineCommand({
    name: "start",
    invocation: "npm start --",
    summary: `Runs the whole data plane on this machine: ingestion on 127.0.0.1:\${INGEST_PORT:-8080}, insights on
127.0.0.1:\${INSIGHTS_PORT:-8081}, kinesis-local, s3rver, the Data API on PGlite, the stream processor,
the lake delivery and the pond ETL schedules (docs/local-platform.md).`,
    options: {
        reset: { type: "boolean", description: "remove what the platform created in the data folder first (refused while another instance runs on it, or when the folder has no platform marker)" },
        demo: { type: "boolean", description: "also send traffic (--rate, --duration) with the daily/weekly pattern; one route turns hot after 30% of the run; first backfills --history-days of history and trains on it" },
        rate: { type: "string", value: "N", default: "50", description: "demo traffic, events/s, 1..100000" },
        duration: { type: "string", value: "S", default: "3600", description: "demo traffic duration, seconds, 1..604800" },
        "history-days": {
            type: "string",
            value: "N",
            default: "7",
            description:
                "with --demo: first backfill N days of generated history as events into the lake (1 in ceil(rate x 3600 / 600) of the traffic, shape kept), then run the training job on it (DuckDB, the AWS job's SQL) for the forecast and the scoring model, 0..30 (0 skips; skipped when the lake already holds those days: use --reset)",
        },
        shards: { type: "string", value: "N", default: "flightstream:stream.shards of Pulumi.dev.yaml", description: "stream shards, 1..1000" },
        "etl-every": { type: "string", value: "S", default: "each pond's schedule, 60 with --demo", description: "pond ETL interval in seconds, 0..86400 (0 disables)" },
        dir: { type: "string", value: "PATH", default: ".local/", description: "data folder" },
        "lake-buffer-seconds": { type: "string", value: "S", default: "flightstream:lake.bufferIntervalSeconds, 60", description: "lake delivery buffer interval, 1..900" },
        verbose: { type: "boolean", description: "info logs of the functions" },
    },
});

/** The --help text (stdout, exit 0). */
export const HELP = usage(MAIN_COMMAND);

/** Parses npm start's options; throws CliUsageError naming the option and the value. `help: true` for --help. */
export function parseMainArgs(argv: readonly string[]): MainArgs {
    const parsed = parseCommand(MAIN_COMMAND, argv);
    if (parsed.help) return { reset: false, demo: false, rate: 50, duration: 3600, verbose: false, help: true };
    const v = parsed.values;
    const int = (flag: string, raw: string | undefined, min: number, max: number): number | undefined => (raw === undefined ? undefined : numberOption(flag, raw, { integer: true, min, max }));
    const args: MainArgs = {
        reset: v.reset ?? false,
        demo: v.demo ?? false,
        rate: int("rate", v.rate, 1, 100000) ?? 50,
        duration: int("duration", v.duration, 1, 86400 * 7) ?? 3600,
        verbose: v.verbose ?? false,
    };
    const shards = int("shards", v.shards, 1, 1000);
    if (shards !== undefined) args.shards = shards;
    const etl = int("etl-every", v["etl-every"], 0, 86400);
    if (etl !== undefined) args.etlEverySeconds = etl;
    if (v.dir !== undefined) args.dir = v.dir;
    const lakeBuffer = int("lake-buffer-seconds", v["lake-buffer-seconds"], 1, 900);
    if (lakeBuffer !== undefined) args.lakeBufferSeconds = lakeBuffer;
    const historyDays = int("history-days", v["history-days"], 0, 30);
    if (historyDays !== undefined) args.historyDays = historyDays;
    return args;
}

function etlMs(p: Platform, pond: Platform["ponds"][number]): number {
    return p.etlIntervalMs ?? pond.intervalMs;
}

function banner(p: Platform, startedMs: number): string {
    const rel = (d: string) => (d.startsWith(REPO_ROOT) ? path.relative(REPO_ROOT, d) || "." : d);
    const lines = [
        "",
        `FlightStream local platform is up (${(startedMs / 1000).toFixed(1)} s)`,
        "",
        `  ingestion API   ${p.ingestUrl}      POST /v1/events (Authorization: Bearer <key>), GET /healthz`,
        `  ingestion keys  ${rel(p.ingestKeysFile)}  one per source, {"keys": [{"source", "key"}]} (mode 0600)`,
        `  insights API    ${p.insightsUrl}      GET /v1/routes/top, /v1/alerts, /v1/inventory/{carrier}/{number}/{date}`,
        ...(p.statusUrl ? [`  status page     ${p.statusUrl}      live charts: demand, alerts, reader lag, lake/pond freshness, emulator health`] : []),
        "",
        `  Kinesis         ${p.kinesis.endpoint}  stream ${p.streamName} (kinesis-local)`,
        `  S3              ${p.s3.endpoint}  lake s3://${p.lakeBucket}, ponds ${p.ponds.map((x) => `s3://${x.bucket}`).join(", ") || "(none)"} (s3rver)`,
        `  RDS Data API    ${p.dataApi.endpoint}  ${p.dataApi.resourceArn} (PGlite)`,
        `  stream processor: local event source mapping${p.processor.running ? "" : " (stopped)"}; lake delivery: every ${Math.round(p.delivery.bufferIntervalMs / 1000)} s per partition`,
        `  pond ETL: ${Object.keys(p.scheduler.status()).length === 0 ? "schedules off (--etl-every 0)" : p.ponds.map((x) => `${x.name} [${x.datasets.join(", ")}] every ${Math.round(etlMs(p, x) / 1000)} s`).join("; ") || "(no ponds)"}`,
        "",
        `  data lives in ${rel(p.dirs.root)}/ (git-ignored; \`npm start -- --reset\` removes what the platform created):`,
        `    lake and ponds  ${rel(p.dirs.s3)}/<bucket>/`,
        `    database        ${rel(p.dirs.db)}/`,
        `    stream          ${rel(p.dirs.kinesis)}/`,
        `    ESM checkpoints ${rel(p.dirs.checkpoints)}/, on-failure records ${rel(p.dirs.onFailure)}`,
        "",
        "  try:",
        `    npm run traffic -- --rate 100 --duration 60 --url ${p.ingestUrl} --keys ${rel(p.ingestKeysFile)}`,
        `    curl -s '${p.insightsUrl}/v1/routes/top?limit=5'`,
        `    npm run ops -- replay --from <ISO> --to <ISO> --local     (Step Functions workflows on aws-local-stepfunctions)`,
        "",
        "  Ctrl-C stops everything.",
        "",
    ];
    return lines.join("\n");
}

async function main(): Promise<void> {
    let args: MainArgs;
    try {
        args = parseMainArgs(process.argv.slice(2));
    } catch (err) {
        if (!(err instanceof CliUsageError)) throw err;
        process.stderr.write(`${usageFailure(MAIN_COMMAND, err.message)}\n`);
        process.exit(2);
    }
    if (args.help) {
        process.stdout.write(`${HELP}\n`);
        process.exit(0);
    }
    const t0 = Date.now();
    const out = (line: string) => process.stdout.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);
    // Nothing unhandled ends the platform silently: a stray rejection is reported (the request paths handle
    // their own); an uncaught exception leaves state unknown, so it stops everything loudly and exits 1.
    let platformRef: Platform | undefined;
    process.on("unhandledRejection", (reason) => {
        process.stderr.write(`${new Date().toISOString().slice(11, 19)} ERROR unhandled rejection (the platform keeps running): ${(reason as Error)?.stack ?? String(reason)}\n`);
    });
    process.on("uncaughtException", (err) => {
        process.stderr.write(`${new Date().toISOString().slice(11, 19)} FATAL uncaught exception; stopping the platform: ${err.stack ?? String(err)}\n`);
        const hard = setTimeout(() => process.exit(1), 10000);
        hard.unref();
        void (platformRef?.stop() ?? Promise.resolve()).finally(() => process.exit(1));
    });
    process.stdout.write("starting the local platform (kinesis-local, s3rver, Data API on PGlite, ingestion, insights, stream processor, lake delivery, pond ETL)...\n");
    let platform: Platform;
    try {
        const { startPlatform } = await import("./platform");
        platform = await startPlatform({
            dir: args.dir,
            reset: args.reset,
            shards: args.shards,
            // The demo runs pond ETL every minute so the ponds fill while you watch (unless --etl-every says otherwise).
            etlIntervalMs: args.etlEverySeconds !== undefined ? args.etlEverySeconds * 1000 : args.demo ? 60_000 : undefined,
            ...(args.lakeBufferSeconds !== undefined ? { lakeBufferIntervalMs: args.lakeBufferSeconds * 1000 } : {}),
            ingestLogLevel: args.verbose ? "info" : "warn",
            functionLogLevel: args.verbose ? "INFO" : "WARN",
            log: out,
            statusPort: process.env.STATUS_PORT !== undefined && process.env.STATUS_PORT !== "" ? Number(process.env.STATUS_PORT) : 8082,
            onFatal: (err) => {
                process.stderr.write(`FATAL: ${err.message}; the platform stopped\n`);
                process.exit(1);
            },
        });
        platformRef = platform;
    } catch (err) {
        process.stderr.write(`start: the local platform could not start: ${(err as Error).message}\n`);
        process.exit(1);
    }
    process.stdout.write(banner(platform, Date.now() - t0) + "\n");

    const demo = new AbortController();
    let demoDone: Promise<unknown> = Promise.resolve();
    if (args.demo) {
        const { runTraffic } = await import("../scripts/traffic");
        const historyDays = args.historyDays ?? 7;
        if (historyDays > 0) {
            // The backfill (local/backfill.ts): generated history as events into the lake through the lake writer,
            // then the AWS training job's code on DuckDB over the lake for both models; the processor loads them.
            const { backfillAndTrain, backfillSampling, describeBackfill, BACKFILL_EVENTS_PER_HOUR } = await import("./backfill");
            out(`demo: backfilling ${historyDays} day(s) of generated history into the lake at 1 in ${backfillSampling(args.rate)} of ${args.rate} events/s (${BACKFILL_EVENTS_PER_HOUR} events/hour), then training on it...`);
            const tb = Date.now();
            try {
                const report = await backfillAndTrain({ s3: platform.s3.client(), lakeBucket: platform.lakeBucket, rate: args.rate, historyDays, routeSkew: DEMO_ROUTE_SKEW });
                for (const line of describeBackfill(report, args.rate, platform.lakeBucket)) out(line);
                out(`demo: backfill and training took ${((Date.now() - tb) / 1000).toFixed(1)} s`);
            } catch (err) {
                out(`demo: backfill failed (the live demo runs without a trained model): ${(err as Error).message}`);
            }
        }
        out(`demo: sending ${args.rate} events/s for ${args.duration} s; one route turns hot after 30% of the run`);
        const { readLocalKeysFile } = await import("./keys");
        demoDone = runTraffic({ url: platform.ingestUrl, keys: readLocalKeysFile(platform.ingestKeysFile), rate: args.rate, durationSeconds: args.duration, patterns: true, signal: demo.signal, report: out }).then(
            (r) => out(`demo: done. sent ${r.sent}, accepted ${r.accepted}, rejected ${r.rejected}, failed ${r.failed}; hot route ${r.hotRoute}`),
            (err) => out(`demo: traffic failed: ${(err as Error).message}`),
        );
    }

    // High-demand alerts go to SNS/EventBridge on AWS; locally they are printed as they appear.
    const seenAlerts = new Set<string>();
    const alertTimer = setInterval(() => {
        fetch(`${platform.insightsUrl}/v1/alerts?limit=100`)
            .then((r) => r.json() as Promise<{ alerts?: { route: string; windowStart: string; [k: string]: unknown }[] }>)
            .then((body) => {
                for (const a of [...(body.alerts ?? [])].reverse()) {
                    const key = `${a.route}@${a.windowStart}`;
                    if (seenAlerts.has(key)) continue;
                    seenAlerts.add(key);
                    out(`ALERT high demand on ${a.route} (window from ${a.windowStart}): ${JSON.stringify(a)}`);
                }
            })
            .catch(() => undefined);
    }, 5000);
    alertTimer.unref();

    let shuttingDown = false;
    const shutdown = (signal: string) => {
        if (shuttingDown) {
            process.stderr.write("forced exit\n");
            process.exit(130);
        }
        shuttingDown = true;
        out(`${signal}: shutting down (Ctrl-C again to force)...`);
        demo.abort();
        clearInterval(alertTimer);
        void (async () => {
            await demoDone;
            await platform.stop();
            out("stopped; data kept in " + platform.dirs.root);
            process.exit(0);
        })().catch((err) => {
            process.stderr.write(`shutdown failed: ${(err as Error).stack ?? String(err)}\n`);
            process.exit(1);
        });
    };
    process.on("SIGINT", () => shutdown("SIGINT"));
    process.on("SIGTERM", () => shutdown("SIGTERM"));
}

if (require.main === module) void main();
