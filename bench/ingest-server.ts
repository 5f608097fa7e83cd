/**
 * Child process of the ingestion benchmark: serves POST /v1/events either
 * through the real ingestion service or a bare fastify handler, and answers
 * the parent's IPC messages.
 *
 *   node -r ./scripts/register.js bench/ingest-server.ts <real|floor|bare> [<kinesis endpoint>]   (--help: the usage)
 *   (bench/ingest.ts runs it as an esbuild bundle under plain node, the service from its image bundle)
 *
 * real: functions/ingest/main.ts `startService` with the production defaults
 *       (linger 20 ms, EMF metrics, pino at warn, a key store with one key for
 *       BENCH_SOURCE, sent back as `authorization`) and its own AWS SDK v3
 *       Kinesis client, pointed at the benchmark's local HTTP sink
 *       (bench/sink.ts, started by the parent) through KINESIS_ENDPOINT.
 * floor: the least the service must do per request, and nothing else: the
 *       service's own body parse (JSON.parse and each event's bytes,
 *       functions/ingest/parse.ts), the producer's frames (events grouped by
 *       type and UTC hour over a 20 ms linger, deflated with the type's
 *       dictionary: functions/shared/codec encodeFrame, the default options)
 *       put through the same AWS SDK Kinesis client to its own sink, and the
 *       202 once the put is acknowledged (a 202 means durable). No key,
 *       admission, validation, identity window, retries or metrics.
 * bare: fastify 5 with its default JSON parser and a handler answering
 *       202 {"accepted": n}; nothing else.
 * Messages: parent → {cmd: "reset"} (start sampling peak RSS) | {cmd: "cpu"} | {cmd: "stats"} | {cmd: "stop"};
 * child → {ready: url, authorization?: "Bearer <key>"} | {cpu: microseconds of CPU used so far} | {stats: {...}}.
 */
import { KinesisClient, PutRecordsCommand, type PutRecordsRequestEntry } from "@aws-sdk/client-kinesis";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import Fastify from "fastify";
import { loadConfig } from "../functions/ingest/config";
import { startService } from "../functions/ingest/main";
import { parseJsonBody } from "../functions/ingest/parse";
import { utcHourOf } from "../functions/ingest/producer";
import { encodeFrame, resolveFrameOptions } from "../functions/shared/codec";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ensureLocalKeys } from "../local/keys";
import { defineCommand, runMain, usageError } from "../scripts/lib/cli";
import { BENCH_SOURCE } from "./ingest-source";

export const BENCH_INGEST_SERVER_COMMAND = defineCommand({
    name: "bench ingest-server",
    invocation: "node -r ./scripts/register.js bench/ingest-server.ts",
    summary: "Serves POST /v1/events through the real ingestion service or a bare fastify handler and answers the benchmark's IPC messages (forked by bench/ingest.ts).",
    options: {},
    positionals: [
        { name: "mode", required: true, description: "real (functions/ingest/main.ts startService), floor (parse, frames, one put, 202 after it) or bare (fastify alone)" },
        { name: "endpoint", description: "real and floor: the benchmark sink's Kinesis endpoint, http://127.0.0.1:<port> (bare ignores it)" },
    ],
});

/** Checks the positionals; a bad one → CliUsageError naming it, the value and what is allowed. */
export function ingestServerArgs(positionals: readonly string[]): { mode: IngestServerMode; endpoint?: string } {
    const [mode, endpoint] = positionals;
    if (mode !== "real" && mode !== "floor" && mode !== "bare") usageError(`<mode> must be "real", "floor" or "bare" (received ${JSON.stringify(mode)})`);
    if (mode !== "bare" && !/^http:\/\/127\.0\.0\.1:[0-9]+$/.test(endpoint ?? "")) usageError(`<endpoint>: the ${mode} server needs the sink's endpoint, http://127.0.0.1:<port> (received ${JSON.stringify(endpoint ?? null)})`);
    return mode === "bare" ? { mode } : { mode, endpoint };
}

export type IngestServerMode = "real" | "floor" | "bare";

const FLOOR_LINGER_MS = 20;

/** The floor server (see the module comment): parse, frames per linger, one PutRecords, 202 after it. */
async function startFloor(endpoint: string): Promise<{ url: string; stop: () => Promise<void> }> {
    const client = new KinesisClient({ region: "us-east-1", endpoint, requestHandler: new NodeHttpHandler({ connectionTimeout: 2000, requestTimeout: 10000 }), maxAttempts: 1 });
    const frameOptions = resolveFrameOptions({});
    type Waiter = { resolve: () => void; reject: (err: Error) => void };
    let groups = new Map<string, { type: string; lines: Uint8Array[] }>();
    let waiters: Waiter[] = [];
    let timer: NodeJS.Timeout | undefined;
    let spread = 0;
    const flush = () => {
        timer = undefined;
        const batch = groups;
        const settle = waiters;
        groups = new Map();
        waiters = [];
        const records: PutRecordsRequestEntry[] = [];
        for (const g of batch.values()) {
            // Spread over the hash-key space as the producer spreads its aggregates.
            spread = (spread + 0x9e3779b1) >>> 0;
            records.push({ Data: encodeFrame(g.type, g.lines, frameOptions), PartitionKey: "f", ExplicitHashKey: (BigInt(spread) << 96n).toString() });
        }
        client.send(new PutRecordsCommand({ StreamName: "bench-floor", Records: records })).then(
            (out) => {
                const failed = out.FailedRecordCount ?? 0;
                for (const w of settle) {
                    if (failed > 0) w.reject(new Error(`${failed} records failed`));
                    else w.resolve();
                }
            },
            (err: Error) => settle.forEach((w) => w.reject(err)),
        );
    };
    const app = Fastify({ logger: false, bodyLimit: 1024 * 1024 });
    app.removeAllContentTypeParsers();
    app.addContentTypeParser("application/json", { parseAs: "buffer" }, (_request, body, done) => done(null, parseJsonBody(body as Buffer)));
    app.post("/v1/events", (request, reply) => {
        const parsed = request.body as ReturnType<typeof parseJsonBody>;
        if (!parsed.ok) return reply.code(400).send({ errors: parsed.errors });
        const values = parsed.values as { type: string; occurredAt: string }[];
        for (let i = 0; i < values.length; i++) {
            const e = values[i];
            const key = `${e.type}|${utcHourOf(e.occurredAt)}`;
            let g = groups.get(key);
            if (g === undefined) groups.set(key, (g = { type: e.type, lines: [] }));
            g.lines.push(parsed.raw?.[i] ?? Buffer.from(JSON.stringify(e)));
        }
        timer ??= setTimeout(flush, FLOOR_LINGER_MS);
        return new Promise<void>((resolve, reject) => waiters.push({ resolve, reject })).then(() => reply.code(202).send({ accepted: values.length }));
    });
    const url = await app.listen({ port: 0, host: "127.0.0.1" });
    return {
        url,
        stop: async () => {
            await app.close();
            client.destroy();
        },
    };
}

/** Serves until the parent sends {cmd: "stop"}; resolves with the exit code. */
async function serve(mode: IngestServerMode, endpoint: string | undefined): Promise<number> {
    let url: string;
    let authorization: string | undefined;
    let stop: () => Promise<void>;
    if (mode !== "bare") {
        // The real and floor servers build their KinesisClient as in AWS; the sink does not check signatures, but the client computes them.
        process.env.AWS_ACCESS_KEY_ID = "AKIABENCHSINK0000000";
        process.env.AWS_SECRET_ACCESS_KEY = "bench-sink-secret-not-a-credential";
        delete process.env.AWS_SESSION_TOKEN;
        delete process.env.AWS_PROFILE;
    }
    if (mode === "real") {
        const keysDir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-ingest-keys-"));
        const keys = ensureLocalKeys(keysDir, [BENCH_SOURCE]);
        authorization = `Bearer ${keys.keys[0].key}`;
        const config = loadConfig({ STREAM_NAME: "bench-stream", AWS_REGION: "us-east-1", PORT: "0", HOST: "127.0.0.1", LOG_LEVEL: "warn", INGEST_KEYS_FILE: keys.storeFile, KINESIS_ENDPOINT: endpoint });
        const service = await startService(config);
        url = service.url;
        stop = () => service.shutdown().finally(() => fs.rmSync(keysDir, { recursive: true, force: true }));
    } else if (mode === "floor") {
        ({ url, stop } = await startFloor(endpoint!));
    } else {
        const app = Fastify({ logger: false, bodyLimit: 1024 * 1024 });
        app.post("/v1/events", async (request, reply) => {
            const body = request.body;
            return reply.code(202).send({ accepted: Array.isArray(body) ? body.length : 1 });
        });
        url = await app.listen({ port: 0, host: "127.0.0.1" });
        stop = () => app.close();
    }

    let peakRss = process.memoryUsage.rss();
    let sampler: NodeJS.Timeout | undefined;
    let stopped!: (code: number) => void;
    const done = new Promise<number>((resolve) => (stopped = resolve));
    process.on("message", (msg: { cmd: string }) => {
        if (msg.cmd === "reset") {
            peakRss = process.memoryUsage.rss();
            if (sampler) clearInterval(sampler);
            sampler = setInterval(() => {
                peakRss = Math.max(peakRss, process.memoryUsage.rss());
            }, 25);
        } else if (msg.cmd === "cpu") {
            const u = process.cpuUsage();
            process.send!({ cpu: u.user + u.system });
        } else if (msg.cmd === "stats") {
            peakRss = Math.max(peakRss, process.memoryUsage.rss());
            process.send!({ stats: { peakRssBytes: peakRss, rssBytes: process.memoryUsage.rss() } });
        } else if (msg.cmd === "stop") {
            if (sampler) clearInterval(sampler);
            stop().then(
                () => stopped(0),
                () => stopped(1),
            );
        }
    });
    process.send!({ ready: url, authorization });
    return done;
}

if (require.main === module) {
    runMain(
        BENCH_INGEST_SERVER_COMMAND,
        (_values, positionals) => {
            const { mode, endpoint } = ingestServerArgs(positionals);
            return serve(mode, endpoint);
        },
        1,
    );
}
