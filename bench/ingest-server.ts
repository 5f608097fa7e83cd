/**
 * Child process of the ingestion benchmark: serves POST /v1/events either
 * through the real ingestion service or a bare fastify handler, and answers
 * the parent's IPC messages.
 *
 *   node -r ./scripts/register.js bench/ingest-server.ts <real|bare> [<kinesis endpoint>]   (--help: the usage)
 *
 * real: functions/ingest/main.ts `startService` with the production defaults
 *       (linger 20 ms, EMF metrics, pino at warn, a key store with one key for
 *       BENCH_SOURCE, sent back as `authorization`) and its own AWS SDK v3
 *       Kinesis client, pointed at the benchmark's local HTTP sink
 *       (bench/sink.ts, started by the parent) through KINESIS_ENDPOINT.
 * bare: fastify 5 with its default JSON parser and a handler answering
 *       202 {"accepted": n}; nothing else.
 * Messages: parent → {cmd: "reset"} (start sampling peak RSS) | {cmd: "cpu"} | {cmd: "stats"} | {cmd: "stop"};
 * child → {ready: url, authorization?: "Bearer <key>"} | {cpu: microseconds of CPU used so far} | {stats: {...}}.
 */
import Fastify from "fastify";
import { loadConfig } from "../functions/ingest/config";
import { startService } from "../functions/ingest/main";
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
        { name: "mode", required: true, description: "real (functions/ingest/main.ts startService) or bare (fastify alone)" },
        { name: "endpoint", description: "real: the benchmark sink's Kinesis endpoint, http://127.0.0.1:<port> (bare ignores it)" },
    ],
});

/** Checks the positionals; a bad one → CliUsageError naming it, the value and what is allowed. */
export function ingestServerArgs(positionals: readonly string[]): { mode: "real" | "bare"; endpoint?: string } {
    const [mode, endpoint] = positionals;
    if (mode !== "real" && mode !== "bare") usageError(`<mode> must be "real" or "bare" (received ${JSON.stringify(mode)})`);
    if (mode === "real" && !/^http:\/\/127\.0\.0\.1:[0-9]+$/.test(endpoint ?? "")) usageError(`<endpoint>: the real service needs the sink's endpoint, http://127.0.0.1:<port> (received ${JSON.stringify(endpoint ?? null)})`);
    return mode === "real" ? { mode, endpoint } : { mode };
}

/** Serves until the parent sends {cmd: "stop"}; resolves with the exit code. */
async function serve(mode: "real" | "bare", endpoint: string | undefined): Promise<number> {
    let url: string;
    let authorization: string | undefined;
    let stop: () => Promise<void>;
    if (mode === "real") {
        const keysDir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-ingest-keys-"));
        const keys = ensureLocalKeys(keysDir, [BENCH_SOURCE]);
        authorization = `Bearer ${keys.keys[0].key}`;
        const config = loadConfig({ STREAM_NAME: "bench-stream", AWS_REGION: "us-east-1", PORT: "0", HOST: "127.0.0.1", LOG_LEVEL: "warn", INGEST_KEYS_FILE: keys.storeFile, KINESIS_ENDPOINT: endpoint });
        // The service builds its KinesisClient as in AWS (main.ts); the sink does not check signatures, but the client computes them.
        process.env.AWS_ACCESS_KEY_ID = "AKIABENCHSINK0000000";
        process.env.AWS_SECRET_ACCESS_KEY = "bench-sink-secret-not-a-credential";
        delete process.env.AWS_SESSION_TOKEN;
        delete process.env.AWS_PROFILE;
        const service = await startService(config);
        url = service.url;
        stop = () => service.shutdown().finally(() => fs.rmSync(keysDir, { recursive: true, force: true }));
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
