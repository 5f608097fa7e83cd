/**
 * Ingestion throughput: the real service against a bare fastify handler, same
 * autocannon client, same payloads, same run.
 *
 * Fairness on a 2-core machine: each server runs alone in a child process
 * pinned to CPU 0 (`taskset -c 0`), the autocannon client runs in this process
 * pinned to CPU 1; the two servers run one after the other with the same
 * warm-up and the same duration. When taskset is missing the processes are not
 * pinned (the result says so).
 */
import { ChildProcess, execFileSync, spawn } from "child_process";
import * as os from "os";
import * as path from "path";
import type { FlightEvent } from "../functions/shared/events";
import { requestTemplates, stampBody } from "./corpus";
import { BENCH_SOURCE } from "./ingest-source";
import { median } from "./stats";

// autocannon 9 ships no type declarations.
// eslint-disable-next-line @typescript-eslint/no-var-requires
const autocannon = require("autocannon") as (opts: Record<string, unknown>) => Promise<AutocannonResult>;

interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number; p97_5: number; average: number; max: number };
  duration: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  "2xx": number;
  statusCodeStats?: Record<string, { count: number }>;
}

export interface IngestOptions {
  readonly events: readonly FlightEvent[];
  /** Events per request. */
  readonly batchSize: number;
  readonly connections: number;
  readonly durationSeconds: number;
  readonly warmupSeconds: number;
  /** Measured rounds per server, alternating bare and real; figures are medians. */
  readonly rounds: number;
  readonly shards: number;
}

export interface ServerRun {
  readonly mode: "real" | "bare";
  readonly requestsPerSecond: number;
  readonly eventsPerSecond: number;
  /** CPU time (user + system) the server process spent per 1,000 accepted events: less sensitive to other load on the machine. */
  readonly cpuMsPer1000Events: number;
  readonly latencyP50Ms: number;
  readonly latencyP99Ms: number;
  readonly responses2xx: number;
  readonly non2xx: number;
  readonly errors: number;
  readonly timeouts: number;
  readonly statusCodes: Record<string, number>;
  /** Peak RSS of the server process during the measured rounds. */
  readonly peakRssMB: number;
  /** events/s of each measured round (the figure above is their median). */
  readonly roundsEventsPerSecond: readonly number[];
  /** Only for `real`: what reached the Kinesis sink. */
  readonly sink?: { putCalls: number; entries: number; bytes: number };
}

export interface IngestResult {
  readonly batchSize: number;
  readonly connections: number;
  readonly durationSeconds: number;
  readonly warmupSeconds: number;
  readonly rounds: number;
  readonly distinctBodies: number;
  readonly bodyBytesAverage: number;
  readonly pinned: boolean;
  readonly layout: string;
  readonly real: ServerRun;
  readonly bare: ServerRun;
  /** real events/s over bare events/s. */
  readonly ratio: number;
  /** Bytes that reached the Kinesis sink per accepted event in the measured rounds (proof the events were written). */
  readonly sinkBytesPerAcceptedEvent: number;
  /** bare CPU per event over real CPU per event (the throughput ratio if both had a core to themselves). */
  readonly cpuRatio: number;
}

const REPO = path.resolve(__dirname, "..");

function canPin(): boolean {
  try {
    execFileSync("taskset", ["-c", "0", "true"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

function pinSelf(cpus: string): void {
  try {
    execFileSync("taskset", ["-a", "-cp", cpus, String(process.pid)], { stdio: "ignore" });
  } catch {
    // best effort: reported as unpinned by canPin()
  }
}

interface Child {
  proc: ChildProcess;
  url: string;
  /** Request headers: the content type, and the real service's `Authorization: Bearer <key>`. */
  headers: Record<string, string>;
  request<T>(cmd: string, key?: string): Promise<T | undefined>;
}

async function startChild(mode: "real" | "bare", shards: number, pinned: boolean): Promise<Child> {
  const args = ["-r", path.join(REPO, "scripts/register.js"), path.join(REPO, "bench/ingest-server.ts"), mode, String(shards)];
  const proc = pinned
    ? spawn("taskset", ["-c", "0", process.execPath, ...args], { cwd: REPO, stdio: ["ignore", "ignore", "inherit", "ipc"] })
    : spawn(process.execPath, args, { cwd: REPO, stdio: ["ignore", "ignore", "inherit", "ipc"] });
  let authorization: string | undefined;
  const url = await new Promise<string>((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`the ${mode} ingestion server exited with code ${code} before it was ready`));
    proc.once("exit", onExit);
    proc.once("message", (m: { ready?: string; authorization?: string }) => {
      proc.off("exit", onExit);
      authorization = m.authorization;
      if (m.ready) resolve(m.ready);
      else reject(new Error(`unexpected first message from the ${mode} server: ${JSON.stringify(m)}`));
    });
  });
  return {
    proc,
    url,
    headers: { "content-type": "application/json", ...(authorization ? { authorization } : {}) },
    request<T>(cmd: string, key?: string) {
      return new Promise<T | undefined>((resolve) => {
        if (key) proc.once("message", (m: Record<string, T>) => resolve(m[key]));
        proc.send({ cmd });
        if (!key) resolve(undefined);
      });
    },
  };
}

async function stopChild(child: Child): Promise<void> {
  const exited = new Promise<void>((resolve) => child.proc.once("exit", () => resolve()));
  child.proc.send({ cmd: "stop" });
  const timer = setTimeout(() => child.proc.kill("SIGKILL"), 10000);
  await exited;
  clearTimeout(timer);
}

let cannonRuns = 0;

/**
 * One autocannon run cycling through the templates; every request is stamped
 * with a tag unique in this bench process, so no eventId is ever sent twice.
 */
async function cannon(child: Pick<Child, "url" | "headers">, templates: readonly string[], connections: number, durationSeconds: number): Promise<AutocannonResult> {
  const { url, headers } = child;
  const run = ++cannonRuns;
  let n = 0;
  return autocannon({
    url: `${url}/v1/events`,
    connections,
    pipelining: 1,
    duration: durationSeconds,
    requests: templates.map((template) => ({
      method: "POST",
      path: "/v1/events",
      headers,
      setupRequest: (req: Record<string, unknown>) => ({ ...req, body: stampBody(template, `r${run}.${++n}`) }),
    })),
  });
}

interface RoundResult {
  readonly eventsPerSecond: number;
  readonly cpuMsPer1000Events: number;
  readonly requestsPerSecond: number;
  readonly latencyP50Ms: number;
  readonly latencyP99Ms: number;
  readonly responses2xx: number;
  readonly non2xx: number;
  readonly errors: number;
  readonly timeouts: number;
  readonly statusCodes: Record<string, number>;
}

async function measureRound(child: Child, opts: IngestOptions, bodies: string[]): Promise<RoundResult> {
  const cpuBefore = (await child.request<number>("cpu", "cpu"))!;
  const r = await cannon(child, bodies, opts.connections, opts.durationSeconds);
  const cpuAfter = (await child.request<number>("cpu", "cpu"))!;
  const statusCodes: Record<string, number> = {};
  for (const [code, s] of Object.entries(r.statusCodeStats ?? {})) statusCodes[code] = s.count;
  const ok = statusCodes["202"] ?? 0;
  return {
    eventsPerSecond: (ok * opts.batchSize) / r.duration,
    cpuMsPer1000Events: ok > 0 ? (cpuAfter - cpuBefore) / 1000 / ((ok * opts.batchSize) / 1000) : Number.NaN,
    requestsPerSecond: r["2xx"] / r.duration,
    latencyP50Ms: r.latency.p50,
    latencyP99Ms: r.latency.p99,
    responses2xx: r["2xx"],
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
    statusCodes,
  };
}

/** Median of the rounds for each figure; counts are summed. */
function combine(mode: "real" | "bare", rounds: readonly RoundResult[], peakRssBytes: number, sink?: ServerRun["sink"]): ServerRun {
  const med = (f: (r: RoundResult) => number) => median(rounds.map(f));
  const statusCodes: Record<string, number> = {};
  for (const r of rounds) for (const [c, n] of Object.entries(r.statusCodes)) statusCodes[c] = (statusCodes[c] ?? 0) + n;
  const sum = (f: (r: RoundResult) => number) => rounds.reduce((n, r) => n + f(r), 0);
  return {
    mode,
    requestsPerSecond: med((r) => r.requestsPerSecond),
    eventsPerSecond: med((r) => r.eventsPerSecond),
    cpuMsPer1000Events: med((r) => r.cpuMsPer1000Events),
    latencyP50Ms: med((r) => r.latencyP50Ms),
    latencyP99Ms: med((r) => r.latencyP99Ms),
    responses2xx: sum((r) => r.responses2xx),
    non2xx: sum((r) => r.non2xx),
    errors: sum((r) => r.errors),
    timeouts: sum((r) => r.timeouts),
    statusCodes,
    peakRssMB: peakRssBytes / (1024 * 1024),
    roundsEventsPerSecond: rounds.map((r) => r.eventsPerSecond),
    ...(sink ? { sink } : {}),
  };
}

export async function benchIngestion(opts: IngestOptions, log: (line: string) => void): Promise<IngestResult> {
  // Only full batches, so every request carries exactly `batchSize` events.
  // One source for every event: a request carries the events of its key's source (bench/ingest-server.ts BENCH_SOURCE).
  const usable = opts.events.slice(0, Math.floor(opts.events.length / opts.batchSize) * opts.batchSize).map((e) => ({ ...e, source: BENCH_SOURCE }));
  const bodies = requestTemplates(usable, opts.batchSize);
  if (bodies.length === 0) throw new Error(`benchIngestion: need at least ${opts.batchSize} events for one request; received ${opts.events.length}`);
  const pinned = canPin();
  if (pinned) pinSelf("1");
  const children: Child[] = [];
  try {
    const bare = await startChild("bare", opts.shards, pinned);
    children.push(bare);
    const real = await startChild("real", opts.shards, pinned);
    children.push(real);
    log(`ingestion: warm-up ${opts.warmupSeconds} s each (bare fastify handler, real service)`);
    if (opts.warmupSeconds > 0) {
      await cannon(bare, bodies, opts.connections, opts.warmupSeconds);
      await cannon(real, bodies, opts.connections, opts.warmupSeconds);
    }
    await bare.request("reset");
    await real.request("reset");
    const bareRounds: RoundResult[] = [];
    const realRounds: RoundResult[] = [];
    for (let i = 0; i < opts.rounds; i++) {
      log(`ingestion: round ${i + 1}/${opts.rounds}: bare, then real (${opts.connections} connections, ${opts.durationSeconds} s each)`);
      bareRounds.push(await measureRound(bare, opts, bodies));
      realRounds.push(await measureRound(real, opts, bodies));
    }
    type Stats = { peakRssBytes: number; sink: { putCalls: number; entries: number; bytes: number; events: number } };
    const bareStats = (await bare.request<Stats>("stats", "stats"))!;
    const realStats = (await real.request<Stats>("stats", "stats"))!;
    // Every accepted event must have reached the sink (not been acknowledged as a duplicate):
    // counted from the frame headers, since frames compress (bytes no longer tell).
    const accepted = realRounds.reduce((n, r) => n + (r.statusCodes["202"] ?? 0), 0) * opts.batchSize;
    const sinkBytesPerEvent = accepted > 0 ? realStats.sink.bytes / accepted : 0;
    if (realStats.sink.events < accepted) {
      throw new Error(`the real service wrote ${realStats.sink.events} events to the sink for ${accepted} accepted: accepted events were not all written`);
    }
    const bareRun = combine("bare", bareRounds, bareStats.peakRssBytes);
    const realRun = combine("real", realRounds, realStats.peakRssBytes, { putCalls: realStats.sink.putCalls, entries: realStats.sink.entries, bytes: realStats.sink.bytes });
    return {
      batchSize: opts.batchSize,
      connections: opts.connections,
      durationSeconds: opts.durationSeconds,
      warmupSeconds: opts.warmupSeconds,
      rounds: opts.rounds,
      distinctBodies: bodies.length,
      bodyBytesAverage: bodies.reduce((n, b) => n + Buffer.byteLength(stampBody(b, "r1.1")), 0) / bodies.length,
      pinned,
      layout: pinned
        ? "each server in its own child process pinned to CPU 0 (taskset -c 0), the autocannon client in the bench process pinned to CPU 1; only one server is loaded at a time (rounds alternate bare, real)"
        : "not pinned (taskset unavailable): server child processes and the autocannon client share the CPUs; only one server is loaded at a time",
      real: realRun,
      bare: bareRun,
      ratio: realRun.eventsPerSecond / bareRun.eventsPerSecond,
      sinkBytesPerAcceptedEvent: sinkBytesPerEvent,
      cpuRatio: bareRun.cpuMsPer1000Events / realRun.cpuMsPer1000Events,
    };
  } finally {
    for (const c of children) await stopChild(c);
    if (pinned) pinSelf(`0-${Math.max(0, os.cpus().length - 1)}`);
  }
}
