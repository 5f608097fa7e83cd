/**
 * The real service process (functions/ingest/main.ts) against kinesis-local:
 * SIGTERM while requests are in flight loses nothing that was acknowledged,
 * writes nothing that was refused, and the process exits 0 after draining.
 */
import { spawn, type ChildProcess } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { expect } from "chai";
import type { KinesisClient } from "@aws-sdk/client-kinesis";
import { createStream, startKinesis, type KinesisEmulator } from "../../local/emulators/kinesis";
import { countIds, readStreamEvents } from "./helpers";
import { ensureLocalKeys } from "../../local/keys";
import { validBooking, validSearch } from "./arbitraries";

const ROOT = path.resolve(__dirname, "..", "..");

function startService(env: Record<string, string>, args = ["-r", "./scripts/register.js", "functions/ingest/main.ts"]): Promise<{ child: ChildProcess; url: string; lines: string[]; exited: Promise<number | null> }> {
    const child = spawn(process.execPath, args, {
        cwd: ROOT,
        env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
        stdio: ["ignore", "pipe", "pipe"],
    });
    const lines: string[] = [];
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    let stderr = "";
    child.stderr!.on("data", (d) => (stderr += d));
    return new Promise((resolve, reject) => {
        let buf = "";
        child.stdout!.on("data", (d) => {
            buf += d;
            let nl;
            while ((nl = buf.indexOf("\n")) >= 0) {
                const line = buf.slice(0, nl);
                buf = buf.slice(nl + 1);
                lines.push(line);
                try {
                    const parsed = JSON.parse(line);
                    if (parsed.msg === "ingestion service listening") resolve({ child, url: parsed.url, lines, exited });
                } catch {
                    /* not JSON */
                }
            }
        });
        exited.then((code) => reject(new Error(`service exited with ${code} before listening: ${stderr}`)));
    });
}

describe("ingest service process: SIGTERM drains", function () {
    this.timeout(60000);
    let kinesis: KinesisEmulator;
    let client: KinesisClient;
    let keysDir: string;
    let keyStoreFile: string;
    let headers: Record<string, string>;
    before(async () => {
        kinesis = await startKinesis();
        client = kinesis.client();
        keysDir = fs.mkdtempSync(path.join(os.tmpdir(), "ingest-keys-"));
        const keys = ensureLocalKeys(keysDir, ["web-ch"]);
        keyStoreFile = keys.storeFile;
        headers = { "content-type": "application/json", authorization: `Bearer ${keys.keys[0].key}` };
    });
    after(async () => {
        await kinesis?.stop();
        fs.rmSync(keysDir, { recursive: true, force: true });
    });

    async function exitOf(env: Record<string, string>): Promise<{ code: unknown; stderr: string }> {
        const child = spawn(process.execPath, ["-r", "./scripts/register.js", "functions/ingest/main.ts"], {
            cwd: ROOT,
            env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
            stdio: ["ignore", "pipe", "pipe"],
        });
        let stderr = "";
        child.stderr!.on("data", (d) => (stderr += d));
        const code = await new Promise((r) => child.on("exit", r));
        return { code, stderr };
    }

    it("fails to start with a clear message when no key store is configured (no open mode)", async () => {
        const { code, stderr } = await exitOf({ STREAM_NAME: "s", KINESIS_ENDPOINT: kinesis.endpoint });
        expect(code).to.equal(2);
        expect(stderr).to.contain("ingest: the ingestion service needs its key store: set INGEST_KEYS_SECRET_ARN (the Secrets Manager secret holding the key document, on AWS) or INGEST_KEYS_FILE");
    });

    it("fails to start when its key file cannot be read", async () => {
        await createStream(client, "nokeys", 1);
        const missing = path.join(keysDir, "missing.json");
        const { code, stderr } = await exitOf({ STREAM_NAME: "nokeys", KINESIS_ENDPOINT: kinesis.endpoint, AWS_ACCESS_KEY_ID: "local", AWS_SECRET_ACCESS_KEY: "local", PORT: "0", HOST: "127.0.0.1", INGEST_KEYS_FILE: missing });
        expect(code).to.equal(1);
        expect(stderr).to.contain(`ingest: failed to start: KeyStoreError: cannot read the key file ${missing}: ENOENT`);
    });

    it("the esbuild bundle the Dockerfile builds serves /healthz and writes events", async () => {
        const { build } = require("../../functions/ingest/build.js") as { build(outdir: string): Promise<string> };
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ingest-bundle-"));
        const file = await build(dir);
        await createStream(client, "bundle", 1);
        const svc = await startService(
            { STREAM_NAME: "bundle", KINESIS_ENDPOINT: kinesis.endpoint, AWS_REGION: "us-east-1", AWS_ACCESS_KEY_ID: "local", AWS_SECRET_ACCESS_KEY: "local", PORT: "0", HOST: "127.0.0.1", INGEST_KEYS_FILE: keyStoreFile },
            ["--enable-source-maps", file],
        );
        try {
            const health = await fetch(`${svc.url}/healthz`);
            expect(health.status).to.equal(200);
            const res = await fetch(`${svc.url}/v1/events`, { method: "POST", headers, body: JSON.stringify(validSearch({ eventId: "bundled-1", occurredAt: new Date().toISOString() })) });
            expect([res.status, await res.json()]).to.deep.equal([202, { accepted: 1 }]);
            expect((await readStreamEvents(client, "bundle")).map((e) => e.eventId)).to.deep.equal(["bundled-1"]);
        } finally {
            svc.child.kill("SIGTERM");
            expect(await svc.exited).to.equal(0);
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("fails to start with a clear message when STREAM_NAME is missing", async () => {
        const child = spawn(process.execPath, ["-r", "./scripts/register.js", "functions/ingest/main.ts"], {
            cwd: ROOT,
            env: { PATH: process.env.PATH, HOME: process.env.HOME },
            stdio: ["ignore", "pipe", "pipe"],
        });
        let stderr = "";
        child.stderr!.on("data", (d) => (stderr += d));
        const code = await new Promise((r) => child.on("exit", r));
        expect(code).to.equal(2);
        expect(stderr).to.contain('ingest: STREAM_NAME must be a Kinesis stream name (1-128 of a-z A-Z 0-9 _ . -); received ""');
    });

    it("loses nothing acknowledged, writes nothing refused, and exits 0", async () => {
        await createStream(client, "sigterm", 2);
        const svc = await startService({
            STREAM_NAME: "sigterm",
            KINESIS_ENDPOINT: kinesis.endpoint,
            AWS_REGION: "us-east-1",
            AWS_ACCESS_KEY_ID: "local",
            AWS_SECRET_ACCESS_KEY: "local",
            PORT: "0",
            HOST: "127.0.0.1",
            LINGER_MS: "50",
            LOG_LEVEL: "info",
            INGEST_KEYS_FILE: keyStoreFile,
        });
        const requests: Record<string, unknown>[][] = [];
        const results: { status: number; body: unknown }[] = [];
        const send = (events: unknown[]) =>
            fetch(`${svc.url}/v1/events`, { method: "POST", headers, body: JSON.stringify(events) })
                .then(async (res) => ({ status: res.status, body: await res.json() }))
                .catch((err: Error) => ({ status: 0, body: String(err) }));
        // Five senders post requests back to back; the first 202 triggers SIGTERM while
        // the others are in flight; each sender stops at its first refusal.
        let killed = false;
        const sender = async () => {
            for (;;) {
                const r = requests.length;
                requests.push(Array.from({ length: 20 }, (_, i) => (i % 2 ? validSearch : validBooking)({ eventId: `term-${r}-${i}`, source: "web-ch", occurredAt: new Date().toISOString() })));
                const res = await send(requests[r]);
                results[r] = res;
                if (res.status === 202 && !killed) {
                    killed = true;
                    svc.child.kill("SIGTERM");
                }
                if (res.status !== 202) return;
            }
        };
        await Promise.all(Array.from({ length: 5 }, sender));
        const code = await svc.exited;
        expect(code).to.equal(0);
        const counts = countIds(await readStreamEvents(client, "sigterm"));
        let acknowledged = 0;
        results.forEach((res, r) => {
            const ids = requests[r].map((e) => e.eventId as string);
            if (res.status === 202) {
                acknowledged++;
                expect(res.body).to.deep.equal({ accepted: 20 });
                for (const id of ids) expect(counts.get(id), id).to.equal(1);
            } else {
                expect([0, 503], JSON.stringify(res)).to.include(res.status);
                for (const id of ids) expect(counts.has(id), id).to.equal(false);
            }
        });
        // The request that triggered SIGTERM plus requests that were held when it arrived.
        expect(acknowledged).to.be.greaterThan(1);
        if (process.env.DEBUG_INGEST) console.log(results.map((r) => r.status).join(","));
        expect([...counts.values()].every((n) => n === 1)).to.equal(true);
        const logs = svc.lines.map((l) => {
            try {
                return JSON.parse(l);
            } catch {
                return {};
            }
        });
        expect(logs.some((l) => l.msg === "drained; exiting")).to.equal(true);
        const emf = logs.filter((l) => l._aws !== undefined);
        const accepted = emf.reduce((n, l) => n + (l.EventsAccepted ?? 0), 0);
        expect(accepted).to.equal(acknowledged * 20);
        expect(emf[emf.length - 1]._aws.CloudWatchMetrics[0]).to.deep.include({ Namespace: "FlightStream/Ingestion", Dimensions: [["Service", "StreamName"]] });
    });
});
