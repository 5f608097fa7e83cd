/**
 * Ingestion throughput: the real service against a bare fastify handler, same
 * autocannon client, same payloads, same run.
 *
 * Fairness on a 2-core machine: each server runs alone in a child process
 * pinned to CPU 0 (`taskset -c 0`), the autocannon client runs in this process
 * pinned to CPU 1; the two servers run one after the other with the same
 * warm-up and the same duration. When taskset is missing the processes are not
 * pinned (the result says so).
 *
 * What runs is what AWS runs: the service as functions/ingest/build.js bundles
 * it for the container image (esbuild, minified), loaded by the server child,
 * itself an esbuild bundle of bench/ingest-server.ts run by plain `node` (no
 * ts-node or SWC hooks in either server's process; the bare handler runs the
 * same way).
 */
import { ChildProcess, execFileSync, spawn } from "child_process";
import * as esbuild from "esbuild";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { FlightEvent } from "../functions/shared/events";
import { requestTemplates, stampBody } from "./corpus";
import { BENCH_SOURCE } from "./ingest-source";
import type { IngestServerMode } from "./ingest-server";
import { startKinesisSink, type HttpKinesisSink, type SinkVerification } from "./sink";
import { median } from "./stats";

// autocannon 9 ships no type declarations.
// eslint-disable-next-line @typescript-eslint/no-require-imports
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

/** What one measured round of one server gives (ServerRun: medians of the rates, sums of the counts). */
export interface RoundResult {
    readonly requestsPerSecond: number;
    readonly eventsPerSecond: number;
    /** CPU time (user + system) the server process spent per 1,000 accepted events: less sensitive to other load on the machine. */
    readonly cpuMsPer1000Events: number;
    /** CPU time per accepted request (µs). */
    readonly cpuMicrosPerRequest: number;
    readonly latencyP50Ms: number;
    readonly latencyP99Ms: number;
    readonly responses2xx: number;
    readonly non2xx: number;
    readonly errors: number;
    readonly timeouts: number;
    readonly statusCodes: Record<string, number>;
}

export interface ServerRun extends RoundResult {
    readonly mode: IngestServerMode;
    /** Peak RSS of the server process during the measured rounds. */
    readonly peakRssMB: number;
    /** events/s of each measured round (the figure above is their median). */
    readonly roundsEventsPerSecond: readonly number[];
    /** Only for `real`: what reached the Kinesis sink in the measured rounds, and its exact count (every record decoded). */
    readonly sink?: { putCalls: number; entries: number; bytes: number; verified: SinkVerification };
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
    /**
     * The least the service must do per request (bench/ingest-server.ts `floor`: the body parse, the frames'
     * compression and one acknowledged put, nothing else), measured the same way: a bound on `ratio` and `cpuRatio`.
     */
    readonly floor: ServerRun;
    /** real events/s over bare events/s. */
    readonly ratio: number;
    /** floor events/s over bare events/s: the highest `ratio` a service that compresses and acknowledges after the put reaches here. */
    readonly floorRatio: number;
    /** bare CPU per event over floor CPU per event: the same bound for `cpuRatio`. */
    readonly floorCpuRatio: number;
    /** real events/s over floor events/s: how near the service is to that floor. */
    readonly realOfFloor: number;
    /** Bytes that reached the Kinesis sink per accepted event in the measured rounds (proof the events were written). */
    readonly sinkBytesPerAcceptedEvent: number;
    /** bare CPU per event over real CPU per event (the throughput ratio if both had a core to themselves). */
    readonly cpuRatio: number;
    /** Events accepted (202) in the measured rounds; the sink decoded exactly these many distinct events (more only when a request failed after part of it was written). */
    readonly acceptedEvents: number;
    /** Events of 202-answered requests not found at the sink (the run fails unless 0). */
    readonly missingAcceptedEvents: number;
    /** Events written for requests still in flight when a round ended (never answered to the client). */
    readonly extraEventsInFlightAtRoundEnds: number;
    /** How the real service reaches Kinesis. */
    readonly kinesis: string;
}

const REPO = path.resolve(__dirname, "..");
const BUNDLED = "both servers run from esbuild bundles under plain node, the real one loading the service bundle functions/ingest/build.js makes for the container image";

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

export interface Child {
    proc: ChildProcess;
    url: string;
    /** Request headers: the content type, and the real service's `Authorization: Bearer <key>`. */
    headers: Record<string, string>;
    request<T>(cmd: string, key?: string): Promise<T | undefined>;
}

/**
 * The server child's bundles in `dir`: the service as the image builds it, and bench/ingest-server.ts loading that
 * service bundle. `readable`: the service not minified (for CPU profiles with the sources' function names).
 */
export async function buildServerBundles(dir: string, readable = false): Promise<{ server: string; service: string }> {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { buildOptions } = require("../functions/ingest/build.js") as { buildOptions(outdir: string): esbuild.BuildOptions };
    const serviceOptions = buildOptions(path.join(dir, "service"));
    await esbuild.build(readable ? { ...serviceOptions, minify: false } : serviceOptions);
    const service = serviceOptions.outfile!;
    const server = path.join(dir, "ingest-server.js");
    await esbuild.build({
        entryPoints: [path.join(REPO, "bench/ingest-server.ts")],
        bundle: true,
        platform: "node",
        target: "node20",
        format: "cjs",
        outfile: server,
        logLevel: "warning",
        plugins: [
            {
                name: "service-bundle",
                // bench/ingest-server.ts's import of the service resolves to the built bundle, not to its sources.
                setup(b) {
                    b.onResolve({ filter: /\/functions\/ingest\/main$/ }, () => ({ path: service, external: true }));
                },
            },
        ],
    });
    return { server, service };
}

export async function startChild(mode: IngestServerMode, endpoint: string, pinned: boolean, bundle: string): Promise<Child> {
    // INGEST_CPU_PROF_DIR=<dir>: each server child writes a V8 CPU profile there when it stops (not used by `npm run bench` itself).
    const profDir = process.env.INGEST_CPU_PROF_DIR;
    const prof = profDir ? ["--cpu-prof", "--cpu-prof-dir", profDir, "--cpu-prof-name", `ingest-${mode}-${process.pid}-${Date.now()}.cpuprofile`] : [];
    const args = [...prof, bundle, mode, endpoint];
    const proc = pinned ? spawn("taskset", ["-c", "0", process.execPath, ...args], { cwd: REPO, stdio: ["ignore", "ignore", "inherit", "ipc"] }) : spawn(process.execPath, args, { cwd: REPO, stdio: ["ignore", "ignore", "inherit", "ipc"] });
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

export async function stopChild(child: Child): Promise<void> {
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
async function cannon(child: Pick<Child, "url" | "headers">, templates: readonly string[], connections: number, durationSeconds: number, acceptedTags?: string[]): Promise<AutocannonResult> {
    const { url, headers } = child;
    const run = ++cannonRuns;
    let n = 0;
    // One request in flight per connection (pipelining 1), so the connection's context names the request a response answers.
    const onResponse = acceptedTags ? (status: number, _body: string, context: { tag?: string }) => status === 202 && context.tag !== undefined && acceptedTags.push(context.tag) : undefined;
    return autocannon({
        url: `${url}/v1/events`,
        connections,
        pipelining: 1,
        duration: durationSeconds,
        requests: templates.map((template) => ({
            method: "POST",
            path: "/v1/events",
            headers,
            setupRequest: (req: Record<string, unknown>, context: { tag?: string }) => {
                context.tag = `r${run}.${++n}`;
                return { ...req, body: stampBody(template, context.tag) };
            },
            ...(onResponse ? { onResponse } : {}),
        })),
    });
}

async function measureRound(child: Child, opts: IngestOptions, bodies: string[], acceptedTags?: string[]): Promise<RoundResult> {
    const cpuBefore = (await child.request<number>("cpu", "cpu"))!;
    const r = await cannon(child, bodies, opts.connections, opts.durationSeconds, acceptedTags);
    const cpuAfter = (await child.request<number>("cpu", "cpu"))!;
    const statusCodes: Record<string, number> = {};
    for (const [code, s] of Object.entries(r.statusCodeStats ?? {})) statusCodes[code] = s.count;
    const ok = statusCodes["202"] ?? 0;
    return {
        eventsPerSecond: (ok * opts.batchSize) / r.duration,
        cpuMsPer1000Events: ok > 0 ? (cpuAfter - cpuBefore) / 1000 / ((ok * opts.batchSize) / 1000) : Number.NaN,
        cpuMicrosPerRequest: ok > 0 ? (cpuAfter - cpuBefore) / ok : Number.NaN,
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
function combine(mode: IngestServerMode, rounds: readonly RoundResult[], peakRssBytes: number, sink?: ServerRun["sink"]): ServerRun {
    const med = (f: (r: RoundResult) => number) => median(rounds.map(f));
    const statusCodes: Record<string, number> = {};
    for (const r of rounds) for (const [c, n] of Object.entries(r.statusCodes)) statusCodes[c] = (statusCodes[c] ?? 0) + n;
    const sum = (f: (r: RoundResult) => number) => rounds.reduce((n, r) => n + f(r), 0);
    return {
        mode,
        requestsPerSecond: med((r) => r.requestsPerSecond),
        eventsPerSecond: med((r) => r.eventsPerSecond),
        cpuMsPer1000Events: med((r) => r.cpuMsPer1000Events),
        cpuMicrosPerRequest: med((r) => r.cpuMicrosPerRequest),
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
    // Dated now: the service refuses occurredAt outside its window (7 days back by default); the corpus keeps its spacing.
    const slice = opts.events.slice(0, Math.floor(opts.events.length / opts.batchSize) * opts.batchSize);
    const latest = Math.max(...slice.map((e) => Date.parse(e.occurredAt)));
    const shift = Date.now() - 1000 - latest;
    const usable = slice.map((e) => ({ ...e, source: BENCH_SOURCE, occurredAt: new Date(Date.parse(e.occurredAt) + shift).toISOString() }) as FlightEvent);
    const bodies = requestTemplates(usable, opts.batchSize);
    if (bodies.length === 0) throw new Error(`benchIngestion: need at least ${opts.batchSize} events for one request; received ${opts.events.length}`);
    const pinned = canPin();
    if (pinned) pinSelf("1");
    const children: Child[] = [];
    let sink: HttpKinesisSink | undefined;
    let floorSink: HttpKinesisSink | undefined;
    const bundleDir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-ingest-"));
    try {
        const { server } = await buildServerBundles(bundleDir, process.env.INGEST_CPU_PROF_DIR !== undefined);
        // The sink runs in this process (on the client's CPU), never in the server's.
        sink = await startKinesisSink({ shards: opts.shards });
        // The floor server writes to its own sink: the real service's sink holds exactly what it accepted.
        floorSink = await startKinesisSink({ shards: opts.shards });
        const bare = await startChild("bare", "", pinned, server);
        children.push(bare);
        const floor = await startChild("floor", floorSink.endpoint, pinned, server);
        children.push(floor);
        const real = await startChild("real", sink.endpoint, pinned, server);
        children.push(real);
        log(`ingestion (${opts.batchSize}-event requests): warm-up ${opts.warmupSeconds} s each (bare fastify handler, floor, real service)`);
        if (opts.warmupSeconds > 0) {
            await cannon(bare, bodies, opts.connections, opts.warmupSeconds);
            await cannon(floor, bodies, opts.connections, opts.warmupSeconds);
            await cannon(real, bodies, opts.connections, opts.warmupSeconds);
        }
        await bare.request("reset");
        await floor.request("reset");
        await real.request("reset");
        sink.reset();
        const bareRounds: RoundResult[] = [];
        const floorRounds: RoundResult[] = [];
        const realRounds: RoundResult[] = [];
        const acceptedTags: string[] = [];
        for (let i = 0; i < opts.rounds; i++) {
            log(`ingestion (${opts.batchSize}-event requests): round ${i + 1}/${opts.rounds}: bare, floor, then real (${opts.connections} connections, ${opts.durationSeconds} s each)`);
            bareRounds.push(await measureRound(bare, opts, bodies));
            floorRounds.push(await measureRound(floor, opts, bodies));
            realRounds.push(await measureRound(real, opts, bodies, acceptedTags));
        }
        type Stats = { peakRssBytes: number };
        const bareStats = (await bare.request<Stats>("stats", "stats"))!;
        const floorStats = (await floor.request<Stats>("stats", "stats"))!;
        const realStats = (await real.request<Stats>("stats", "stats"))!;
        // Every accepted event must have reached the sink exactly once: every kept record decoded, each eventId
        // counted, and every request answered 202 found whole (`<id>~<tag>` for each of its events). Requests still in
        // flight when a round ended were written but never acknowledged to the client: they are extra, not missing.
        const accepted = realRounds.reduce((n, r) => n + (r.statusCodes["202"] ?? 0), 0) * opts.batchSize;
        const contents = sink.verify();
        if (contents.events !== contents.distinctEventIds) {
            throw new Error(`the sink holds ${contents.events} events but ${contents.distinctEventIds} distinct eventIds: an event was written twice`);
        }
        const perTag = new Map<string, number>();
        for (const id of contents.eventIds) {
            const tag = id.slice(id.lastIndexOf("~") + 1);
            perTag.set(tag, (perTag.get(tag) ?? 0) + 1);
        }
        const incomplete = acceptedTags.filter((t) => perTag.get(t) !== opts.batchSize);
        if (acceptedTags.length * opts.batchSize !== accepted || incomplete.length > 0) {
            throw new Error(
                `${incomplete.length} of ${acceptedTags.length} accepted requests (${accepted} events answered 202) are not whole in the sink (first: ${incomplete[0]}, ${perTag.get(incomplete[0]) ?? 0} of ${opts.batchSize} events): accepted events were not all written`,
            );
        }
        const { eventIds: _ids, ...verified } = contents;
        const missingAcceptedEvents = acceptedTags.reduce((n, t) => n + opts.batchSize - Math.min(opts.batchSize, perTag.get(t) ?? 0), 0);
        const sinkBytesPerEvent = accepted > 0 ? sink.stats.bytes / accepted : 0;
        const bareRun = combine("bare", bareRounds, bareStats.peakRssBytes);
        const floorRun = combine("floor", floorRounds, floorStats.peakRssBytes);
        const realRun = combine("real", realRounds, realStats.peakRssBytes, { putCalls: sink.stats.putCalls, entries: sink.stats.entries, bytes: sink.stats.bytes, verified });
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
                ? `each server in its own child process pinned to CPU 0 (taskset -c 0), the autocannon client and the Kinesis sink in the bench process pinned to CPU 1; only one server is loaded at a time (rounds alternate bare, floor, real); ${BUNDLED}`
                : `not pinned (taskset unavailable): server child processes, the autocannon client and the Kinesis sink share the CPUs; only one server is loaded at a time; ${BUNDLED}`,
            kinesis: `the service's own AWS SDK v3 KinesisClient (JSON 1.1, SigV4, keep-alive) over HTTP to a local sink (bench/sink.ts, ${opts.shards} shards) that acknowledges every entry at once`,
            real: realRun,
            bare: bareRun,
            floor: floorRun,
            ratio: realRun.eventsPerSecond / bareRun.eventsPerSecond,
            floorRatio: floorRun.eventsPerSecond / bareRun.eventsPerSecond,
            floorCpuRatio: bareRun.cpuMsPer1000Events / floorRun.cpuMsPer1000Events,
            realOfFloor: realRun.eventsPerSecond / floorRun.eventsPerSecond,
            sinkBytesPerAcceptedEvent: sinkBytesPerEvent,
            cpuRatio: bareRun.cpuMsPer1000Events / realRun.cpuMsPer1000Events,
            acceptedEvents: accepted,
            missingAcceptedEvents,
            extraEventsInFlightAtRoundEnds: contents.events - accepted,
        };
    } finally {
        for (const c of children) await stopChild(c);
        await sink?.close();
        await floorSink?.close();
        fs.rmSync(bundleDir, { recursive: true, force: true });
        if (pinned) pinSelf(`0-${Math.max(0, os.cpus().length - 1)}`);
    }
}
