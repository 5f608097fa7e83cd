/**
 * Freshness on the local platform (local/platform.ts `startPlatform`): the
 * time from POSTing an event to the ingestion API until the insights API
 * shows its effect, while background traffic from the traffic generator
 * flows at a steady rate (open loop: a batch goes out on a timer, not after
 * the previous answer).
 *
 * A probe is a booking on a flight no other event touches (carrier "ZZ",
 * its own flight number); it is visible when
 * GET /v1/inventory/ZZ/<number>/<date> answers 200. Probes run one after the
 * other (one poller at a time, every `pollMs`), so polling adds little load.
 * Path: ingestion service → kinesis-local → event source mapping → stream
 * processor → Data API (PGlite) → insights handler.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { localKeyFor } from "../local/keys";
import { TrafficGenerator } from "../local/traffic";
import { isLoaded, optionalModule } from "./optional";
import { notMeasured, percentile, type Figure } from "./stats";

interface PlatformModule {
    startPlatform(opts: Record<string, unknown>): Promise<{
        ingestUrl: string;
        insightsUrl: string;
        processor?: { mapping?: { stats(): { invocations: number; functionErrors: number; partialFailures: number; recordsSucceeded: number } } };
        stop(): Promise<void>;
    }>;
}

export interface FreshnessOptions {
    readonly probes: number;
    /** Background events per second. */
    readonly backgroundEventsPerSecond: number;
    readonly pollMs: number;
    /** A probe not visible after this long counts as not visible. */
    readonly probeTimeoutMs: number;
    readonly seed: number;
    /** Event source mapping overrides passed to startPlatform (diagnostic runs). @default - the platform's settings */
    readonly esm?: Readonly<Record<string, number | boolean>>;
}

export interface FreshnessResult {
    readonly probes: number;
    readonly visible: number;
    readonly p50Ms: Figure;
    readonly p95Ms: Figure;
    readonly maxMs: Figure;
    /** POST → 202 (acknowledged by Kinesis) of the probes, p95. */
    readonly ackP95Ms: Figure;
    readonly backgroundEventsPerSecond: number;
    readonly backgroundSent: number;
    readonly backgroundRejected: number;
    /** Events answered 202 per second of background traffic. */
    readonly backgroundAchievedEventsPerSecond: number;
    /** Events not sent because 50 requests were already waiting for an answer. */
    readonly backgroundSkipped: number;
    /** The stream processor's event source mapping at the end of the run. */
    readonly processorInvocations?: number;
    readonly processorFunctionErrors?: number;
    readonly pollMs: number;
    readonly startupSeconds: number;
    readonly esmOverrides?: Readonly<Record<string, number | boolean>>;
}

const PROBE_CARRIER = "ZZ";
const PROBE_DATE = "2027-01-15";

function probeEvent(i: number, runId: string): Record<string, unknown> {
    return {
        eventId: `fresh-${runId}-${i}`,
        type: "booking",
        occurredAt: new Date().toISOString(),
        source: "bench-freshness",
        bookingId: `FRESH${runId}${i}`,
        flight: { carrier: PROBE_CARRIER, number: String(i + 1), departureDate: PROBE_DATE, origin: "ZRH", destination: "LIS" },
        seats: 1,
        fare: { amount: 199, currency: "CHF" },
    };
}

async function post(url: string, key: string, body: unknown): Promise<number> {
    // The key decides the source: events go without one and the service fills it in.
    const events = (Array.isArray(body) ? body : [body]).map((e) => ({ ...(e as object), source: undefined }));
    const res = await fetch(`${url}/v1/events`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${key}` }, body: JSON.stringify(events) });
    await res.arrayBuffer();
    return res.status;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function benchFreshness(opts: FreshnessOptions, log: (line: string) => void): Promise<FreshnessResult | { notMeasured: string }> {
    const mod = optionalModule<PlatformModule>("local/platform");
    if (!isLoaded(mod)) return mod;
    process.env.POWERTOOLS_LOG_LEVEL ??= "SILENT";
    process.env.POWERTOOLS_METRICS_DISABLED ??= "true";
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "flightstream-bench-"));
    const t0 = performance.now();
    let platform: Awaited<ReturnType<PlatformModule["startPlatform"]>>;
    try {
        platform = await mod.startPlatform({ dir, reset: true, ingestPort: 0, insightsPort: 0, etlIntervalMs: 0, persistStream: false, ...(opts.esm ? { esm: opts.esm } : {}) });
    } catch (err) {
        fs.rmSync(dir, { recursive: true, force: true });
        return notMeasured(`the local platform did not start: ${(err as Error).message.split("\n")[0]}`);
    }
    const startupSeconds = (performance.now() - t0) / 1000;
    const ingestKey = localKeyFor(dir).key;
    log(`freshness: platform up in ${startupSeconds.toFixed(1)} s; ${opts.backgroundEventsPerSecond} background events/s, ${opts.probes} probes`);
    const runId = String(Date.now() % 1e6);
    const gen = new TrafficGenerator({ seed: opts.seed, idPrefix: `bg${runId}` });
    let backgroundSent = 0;
    let backgroundRejected = 0;
    let stopBackground = false;
    const backgroundStarted = performance.now();
    let backgroundSeconds = 0;
    // Open loop: a batch goes out every tick whether or not earlier ones were answered (at most 50 in flight).
    const inFlight = new Set<Promise<void>>();
    let backgroundSkipped = 0;
    const background = (async () => {
        const tickMs = 100;
        const perTick = Math.max(1, Math.round((opts.backgroundEventsPerSecond * tickMs) / 1000));
        let next = performance.now();
        while (!stopBackground) {
            const now = new Date();
            const events = Array.from({ length: perTick }, () => gen.next(now));
            if (inFlight.size >= 50) backgroundSkipped += events.length;
            else {
                const p: Promise<void> = post(platform.ingestUrl, ingestKey, events).then(
                    (status) => {
                        if (status === 202) backgroundSent += events.length;
                        else backgroundRejected += events.length;
                    },
                    () => {
                        backgroundRejected += events.length;
                    },
                );
                inFlight.add(p);
                void p.finally(() => inFlight.delete(p));
            }
            next += tickMs;
            await sleep(Math.max(0, next - performance.now()));
        }
        await Promise.all([...inFlight]);
        backgroundSeconds = (performance.now() - backgroundStarted) / 1000;
    })();

    const latencies: number[] = [];
    const acks: number[] = [];
    let esm: { invocations: number; functionErrors: number } | undefined;
    try {
        await sleep(1000); // let the background traffic reach a steady state
        for (let i = 0; i < opts.probes; i++) {
            const probe = probeEvent(i, runId);
            const started = performance.now();
            const status = await post(platform.ingestUrl, ingestKey, probe);
            acks.push(performance.now() - started);
            if (status !== 202) throw new Error(`probe ${i} was not accepted: HTTP ${status}`);
            const url = `${platform.insightsUrl}/v1/inventory/${PROBE_CARRIER}/${i + 1}/${PROBE_DATE}`;
            let seen = Number.POSITIVE_INFINITY;
            while (performance.now() - started < opts.probeTimeoutMs) {
                const res = await fetch(url);
                await res.arrayBuffer();
                if (res.status === 200) {
                    seen = performance.now() - started;
                    break;
                }
                await sleep(opts.pollMs);
            }
            latencies.push(seen);
        }
    } finally {
        stopBackground = true;
        await background;
        esm = platform.processor?.mapping?.stats();
        await platform.stop();
        fs.rmSync(dir, { recursive: true, force: true });
    }
    const visible = latencies.filter(Number.isFinite).length;
    const pct = (p: number): Figure => {
        const v = percentile(latencies, p);
        return Number.isFinite(v) ? v : notMeasured(`${latencies.length - visible} of ${latencies.length} probes not visible within ${opts.probeTimeoutMs} ms`);
    };
    return {
        probes: latencies.length,
        visible,
        p50Ms: pct(50),
        p95Ms: pct(95),
        maxMs: pct(100),
        ackP95Ms: percentile(acks, 95),
        backgroundEventsPerSecond: opts.backgroundEventsPerSecond,
        backgroundSent,
        backgroundRejected,
        backgroundSkipped,
        backgroundAchievedEventsPerSecond: backgroundSeconds > 0 ? backgroundSent / backgroundSeconds : 0,
        ...(esm ? { processorInvocations: esm.invocations, processorFunctionErrors: esm.functionErrors } : {}),
        pollMs: opts.pollMs,
        startupSeconds,
        ...(opts.esm ? { esmOverrides: opts.esm } : {}),
    };
}
