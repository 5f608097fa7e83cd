/**
 * Traffic generator CLI: `npm run traffic -- --rate N --duration S [--url URL] [--keys FILE] [--seed N] [--invalid-rate F]`
 *
 * Posts realistic events (local/traffic.ts) to the ingestion API, one request
 * per source per ~100 ms slice, each with that source's key from `--keys`
 * (default `.local/ingest-keys.json`, written by `npm start`), and turns one route hot after 30% of the run so the
 * high-demand alert fires. A share of invalid events (default 1%) is sent in
 * requests of their own, to show the 400 path. Prints sent, accepted and
 * rejected counts (and 429/503 retries) at the end, and every 5 s.
 */
import * as path from "path";
import { readLocalKeysFile, type LocalKey } from "../local/keys";
import { eventsForSecond, SOURCES, TrafficGenerator } from "../local/traffic";
import { CliUsageError, defineCommand, numberOption, parseCommand, parseOrExit, usageError, usageFailure } from "./lib/cli";

export interface TrafficRunOptions {
    readonly url: string;
    /** One key per source the generator uses (local/traffic.ts SOURCES): each request is sent as one source with its key. */
    readonly keys: readonly LocalKey[];
    readonly rate: number;
    readonly durationSeconds: number;
    readonly seed?: number;
    /** Share of extra invalid events. @default 0.01 */
    readonly invalidRate?: number;
    /** Scale the rate by the daily/weekly pattern (local/traffic.ts demandShape), as `npm start -- --demo` does. @default false */
    readonly patterns?: boolean;
    /** Stops early when aborted. */
    readonly signal?: AbortSignal;
    /** Progress lines. @default - none */
    readonly report?: (line: string) => void;
}

export interface TrafficResult {
    sent: number;
    accepted: number;
    rejected: number;
    /** Requests answered 429/503 and retried. */
    retried: number;
    /** Requests that failed (network errors, unexpected statuses). */
    failed: number;
    hotRoute: string;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function post(url: string, key: string, body: unknown[], result: TrafficResult, signal?: AbortSignal): Promise<void> {
    for (let attempt = 0; attempt < 5; attempt++) {
        let res: Response;
        try {
            res = await fetch(`${url}/v1/events`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${key}` }, body: JSON.stringify(body), signal });
        } catch {
            if (signal?.aborted) return;
            result.failed += body.length;
            return;
        }
        if (res.status === 202) {
            const json = (await res.json()) as { accepted: number };
            result.accepted += json.accepted;
            return;
        }
        if (res.status === 400) {
            await res.text();
            result.rejected += body.length;
            return;
        }
        if (res.status === 429 || res.status === 503) {
            await res.text();
            result.retried++;
            const after = Number(res.headers.get("retry-after") ?? "1");
            await sleep(Math.min(5, Number.isFinite(after) ? after : 1) * 1000);
            continue;
        }
        await res.text();
        result.failed += body.length;
        return;
    }
    result.failed += body.length;
}

/** Events grouped by their `source` (a request carries one source). */
function bySource(events: readonly unknown[]): Map<string, unknown[]> {
    const groups = new Map<string, unknown[]>();
    for (const e of events) {
        const source = String((e as { source?: unknown }).source);
        const list = groups.get(source);
        if (list) list.push(e);
        else groups.set(source, [e]);
    }
    return groups;
}

export async function runTraffic(opts: TrafficRunOptions): Promise<TrafficResult> {
    const keyOf = new Map(opts.keys.map((k) => [k.source, k.key]));
    const missing = SOURCES.filter((s) => !keyOf.has(s));
    if (missing.length > 0) throw new Error(`no ingestion key for source(s) ${missing.join(", ")}; the keys file must hold one per source (${SOURCES.join(", ")})`);
    const seed = opts.seed ?? Date.now() % 1_000_000;
    // Route popularity as in the history `npm start -- --demo` trains the forecast on.
    const gen = new TrafficGenerator({ seed, idPrefix: `demo${seed}`, routeSkew: 0.5 });
    const result: TrafficResult = { sent: 0, accepted: 0, rejected: 0, retried: 0, failed: 0, hotRoute: gen.hotRoute.route };
    const invalidRate = opts.invalidRate ?? 0.01;
    const started = Date.now();
    let lastReport = started;
    const inflight = new Set<Promise<void>>();
    for (let second = 0; second < opts.durationSeconds && !opts.signal?.aborted; second++) {
        const events: unknown[] = eventsForSecond(gen, { rate: opts.rate, durationSeconds: opts.durationSeconds, patterns: opts.patterns ?? false }, second, new Date());
        const invalid = Math.floor(events.length * invalidRate + (second % 3 === 0 && invalidRate > 0 ? 1 : 0));
        // 10 slices per second, at most 500 events per request (the API limit).
        const slices = 10;
        const per = Math.ceil(events.length / slices);
        for (let s = 0; s < slices && !opts.signal?.aborted; s++) {
            const sliceStart = started + second * 1000 + s * 100;
            const wait = sliceStart - Date.now();
            if (wait > 0) await sleep(wait);
            const part = events.slice(s * per, (s + 1) * per);
            const send = (source: string, body: unknown[]) => {
                result.sent += body.length;
                const p = post(opts.url, keyOf.get(source)!, body, result, opts.signal).finally(() => inflight.delete(p));
                inflight.add(p);
            };
            for (const [source, list] of bySource(part)) {
                for (let i = 0; i < list.length; i += 500) send(source, list.slice(i, i + 500));
            }
            if (s === 0 && invalid > 0) {
                const bad = Array.from({ length: invalid }, () => gen.invalidEvent(new Date()));
                for (const [source, list] of bySource(bad)) send(source, list);
            }
            // Back-pressure: never more than 64 requests in flight.
            while (inflight.size > 64) await Promise.race(inflight);
        }
        if (opts.report && Date.now() - lastReport >= 5000) {
            lastReport = Date.now();
            opts.report(`traffic: sent ${result.sent}, accepted ${result.accepted}, rejected ${result.rejected}, retried requests ${result.retried}`);
        }
    }
    await Promise.all(inflight);
    return result;
}

interface CliArgs {
    url: string;
    keysFile: string;
    rate: number;
    duration: number;
    seed?: number;
    invalidRate: number;
}

export const TRAFFIC_COMMAND = defineCommand({
    name: "traffic",
    invocation: "npm run traffic --",
    summary: "Sends generated airline traffic (daily shape, a share of invalid events) to the ingestion API with the local keys.",
    options: {
        rate: { type: "string", value: "N", default: "100", description: "events per second, 1..100000" },
        duration: { type: "string", value: "S", default: "60", description: "seconds to send for, 1..86400" },
        url: { type: "string", value: "URL", default: "http://127.0.0.1:${INGEST_PORT:-8080}", description: "the ingestion API" },
        keys: { type: "string", value: "FILE", default: ".local/ingest-keys.json", description: "the per-source keys npm start wrote" },
        seed: { type: "string", value: "N", description: "generator seed, 0..2147483647 (default: random)" },
        "invalid-rate": { type: "string", value: "F", default: "0.01", description: "share of invalid events, 0..0.5" },
    },
});

/** Parses the options; throws CliUsageError naming the option and the value. */
export function parseTrafficArgs(argv: readonly string[], env: Record<string, string | undefined>): CliArgs {
    const parsed = parseCommand(TRAFFIC_COMMAND, argv);
    // --help: the entry point (parseOrExit) prints the usage before this; here it leaves the defaults.
    const v = parsed.help ? {} : parsed.values;
    const args: CliArgs = { url: `http://127.0.0.1:${env.INGEST_PORT ?? "8080"}`, keysFile: path.resolve(__dirname, "..", ".local", "ingest-keys.json"), rate: 100, duration: 60, invalidRate: 0.01 };
    if (v.url !== undefined) {
        args.url = v.url.replace(/\/+$/, "");
        if (!/^https?:\/\//.test(args.url)) usageError(`\`--url\` must be an http(s) URL (received ${JSON.stringify(v.url)})`);
    }
    if (v.keys !== undefined) args.keysFile = path.resolve(v.keys);
    if (v.rate !== undefined) args.rate = numberOption("rate", v.rate, { integer: true, min: 1, max: 100000 });
    if (v.duration !== undefined) args.duration = numberOption("duration", v.duration, { integer: true, min: 1, max: 86400 });
    if (v.seed !== undefined) args.seed = numberOption("seed", v.seed, { integer: true, min: 0, max: 2 ** 31 - 1 });
    if (v["invalid-rate"] !== undefined) args.invalidRate = numberOption("invalid-rate", v["invalid-rate"], { min: 0, max: 0.5 });
    return args;
}

if (require.main === module) {
    let args: CliArgs;
    let keys: LocalKey[];
    const parsed = parseOrExit(TRAFFIC_COMMAND, process.argv.slice(2));
    if (typeof parsed === "number") process.exit(parsed);
    try {
        args = parseTrafficArgs(process.argv.slice(2), process.env);
        keys = readLocalKeysFile(args.keysFile);
    } catch (err) {
        process.stderr.write(`${err instanceof CliUsageError ? usageFailure(TRAFFIC_COMMAND, err.message) : `traffic: ${(err as Error).message}`}\n`);
        process.exit(2);
    }
    const controller = new AbortController();
    process.once("SIGINT", () => controller.abort());
    process.stdout.write(`traffic: ${args.rate} events/s for ${args.duration} s to ${args.url}\n`);
    runTraffic({ url: args.url, keys, rate: args.rate, durationSeconds: args.duration, seed: args.seed, invalidRate: args.invalidRate, signal: controller.signal, report: (l) => process.stdout.write(l + "\n") }).then(
        (r) => {
            process.stdout.write(`traffic: done. sent ${r.sent}, accepted ${r.accepted}, rejected ${r.rejected}, failed ${r.failed}, retried requests ${r.retried}; hot route ${r.hotRoute}\n`);
            process.exit(r.failed > 0 ? 1 : 0);
        },
        (err) => {
            process.stderr.write(`traffic: ${(err as Error).stack ?? String(err)}\n`);
            process.exit(1);
        },
    );
}
