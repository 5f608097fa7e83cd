/**
 * Child process of the ingestion benchmark: serves POST /v1/events either
 * through the real ingestion service or a bare fastify handler, and answers
 * the parent's IPC messages.
 *
 *   node -r ./scripts/register.js bench/ingest-server.ts <real|bare> <shards>
 *
 * real: functions/ingest/main.ts `startService` with the production defaults
 *       (linger 20 ms, EMF metrics, pino at warn, a key store with one key for
 *       BENCH_SOURCE, sent back as `authorization`) and a Kinesis client that is
 *       an in-process sink acknowledging PutRecords at once (bench/sink.ts).
 * bare: fastify 5 with its default JSON parser and a handler answering
 *       202 {"accepted": n}; nothing else.
 * Messages: parent → {cmd: "reset"} (zero the sink counters, start sampling peak RSS) | {cmd: "cpu"} | {cmd: "stats"} | {cmd: "stop"};
 * child → {ready: url, authorization?: "Bearer <key>"} | {cpu: microseconds of CPU used so far} | {stats: {...}}.
 */
import Fastify from "fastify";
import type { KinesisClient } from "@aws-sdk/client-kinesis";
import { loadConfig } from "../functions/ingest/config";
import { startService } from "../functions/ingest/main";
import { createKinesisSink } from "./sink";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ensureLocalKeys } from "../local/keys";
import { BENCH_SOURCE } from "./ingest-source";

const mode = process.argv[2];
const shards = Number(process.argv[3] ?? "4");

async function main(): Promise<void> {
  if (mode !== "real" && mode !== "bare") throw new Error(`mode must be "real" or "bare"; received ${JSON.stringify(mode)}`);
  if (!Number.isInteger(shards) || shards < 1) throw new Error(`shards must be a positive integer; received ${JSON.stringify(process.argv[3])}`);
  let url: string;
  let authorization: string | undefined;
  let stop: () => Promise<void>;
  const sink = createKinesisSink({ shards });
  if (mode === "real") {
    const keysDir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-ingest-keys-"));
    const keys = ensureLocalKeys(keysDir, [BENCH_SOURCE]);
    authorization = `Bearer ${keys.keys[0].key}`;
    const config = loadConfig({ STREAM_NAME: "bench-stream", AWS_REGION: "us-east-1", PORT: "0", HOST: "127.0.0.1", LOG_LEVEL: "warn", INGEST_KEYS_FILE: keys.storeFile });
    const service = await startService(config, { client: sink.client as KinesisClient });
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
  process.on("message", (msg: { cmd: string }) => {
    if (msg.cmd === "reset") {
      Object.assign(sink.stats, { putCalls: 0, entries: 0, bytes: 0, userRecords: 0 });
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
      process.send!({ stats: { peakRssBytes: peakRss, rssBytes: process.memoryUsage.rss(), sink: { ...sink.stats } } });
    } else if (msg.cmd === "stop") {
      if (sampler) clearInterval(sampler);
      stop().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    }
  });
  process.send!({ ready: url, authorization });
}

main().catch((err) => {
  process.stderr.write(`bench ingest-server (${mode}): ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
