/**
 * `npm start [-- --reset] [-- --demo [--rate N] [--duration S]] [--shards N] [--etl-every S] [--dir PATH]`
 *
 * Runs the whole data plane on this machine (local/platform.ts), prints the
 * URLs and where data lives, and shuts everything down on Ctrl-C / SIGTERM
 * (kinesis-local is a child process: it is stopped, and its parent-death
 * guard ends it even if this process is killed).
 */
import * as path from "path";
import { startPlatform, type Platform, REPO_ROOT } from "./platform";

export interface MainArgs {
  reset: boolean;
  demo: boolean;
  rate: number;
  duration: number;
  shards?: number;
  etlEverySeconds?: number;
  dir?: string;
  verbose: boolean;
}

const USAGE = "usage: npm start -- [--reset] [--demo] [--rate N] [--duration S] [--shards N] [--etl-every S] [--dir PATH] [--verbose]";

export function parseMainArgs(argv: readonly string[]): MainArgs {
  const args: MainArgs = { reset: false, demo: false, rate: 50, duration: 3600, verbose: false };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = () => {
      const v = argv[i + 1];
      if (v === undefined || v.startsWith("--")) throw new Error(`${flag} needs a value. ${USAGE}`);
      i++;
      return v;
    };
    const int = (min: number, max: number) => {
      const raw = value();
      const n = Number(raw);
      if (!/^\d+$/.test(raw) || n < min || n > max) throw new Error(`${flag} must be an integer from ${min} to ${max}; received ${JSON.stringify(raw)}.`);
      return n;
    };
    switch (flag) {
      case "--reset":
        args.reset = true;
        break;
      case "--demo":
        args.demo = true;
        break;
      case "--verbose":
        args.verbose = true;
        break;
      case "--rate":
        args.rate = int(1, 100000);
        break;
      case "--duration":
        args.duration = int(1, 86400 * 7);
        break;
      case "--shards":
        args.shards = int(1, 1000);
        break;
      case "--etl-every":
        args.etlEverySeconds = int(0, 86400);
        break;
      case "--dir":
        args.dir = value();
        break;
      default:
        throw new Error(`unknown option ${JSON.stringify(flag)}. ${USAGE}`);
    }
  }
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
    `  data lives in ${rel(p.dirs.root)}/ (git-ignored; \`npm start -- --reset\` wipes it):`,
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
    process.stderr.write(`start: ${(err as Error).message}\n`);
    process.exit(2);
  }
  const t0 = Date.now();
  const out = (line: string) => process.stdout.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);
  process.stdout.write("starting the local platform (kinesis-local, s3rver, Data API on PGlite, ingestion, insights, stream processor, lake delivery, pond ETL)...\n");
  let platform: Platform;
  try {
    platform = await startPlatform({
      dir: args.dir,
      reset: args.reset,
      shards: args.shards,
      // The demo runs pond ETL every minute so the ponds fill while you watch (unless --etl-every says otherwise).
      etlIntervalMs: args.etlEverySeconds !== undefined ? args.etlEverySeconds * 1000 : args.demo ? 60_000 : undefined,
      ingestLogLevel: args.verbose ? "info" : "warn",
      functionLogLevel: args.verbose ? "INFO" : "WARN",
      log: out,
      statusPort: process.env.STATUS_PORT !== undefined && process.env.STATUS_PORT !== "" ? Number(process.env.STATUS_PORT) : 8082,
    });
  } catch (err) {
    process.stderr.write(`start: the local platform could not start: ${(err as Error).message}\n`);
    process.exit(1);
  }
  process.stdout.write(banner(platform, Date.now() - t0) + "\n");

  const demo = new AbortController();
  let demoDone: Promise<unknown> = Promise.resolve();
  if (args.demo) {
    const { runTraffic } = await import("../scripts/traffic");
    out(`demo: sending ${args.rate} events/s for ${args.duration} s; one route turns hot after 30% of the run`);
    const { readLocalKeysFile } = await import("./keys");
    demoDone = runTraffic({ url: platform.ingestUrl, keys: readLocalKeysFile(platform.ingestKeysFile), rate: args.rate, durationSeconds: args.duration, signal: demo.signal, report: out }).then(
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
