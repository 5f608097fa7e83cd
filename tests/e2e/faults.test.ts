/**
 * The local platform under its own faults, run as a user runs it (local/main.ts
 * in a child process, a temp data folder, free ports, 1 s lake buffers). The
 * faults are real: raw malformed request lines over a socket to every port,
 * SIGKILL of the kinesis-local child during traffic, the lake bucket's folder
 * moved away under s3rver during traffic, SIGTERM under load, SIGKILL of the
 * whole platform during traffic and a restart on the same folder. Afterwards
 * every acknowledged (202) event is counted: once in the database
 * (counted_identities and the route aggregates) and exactly once in the lake.
 */
import { spawn, execFileSync, type ChildProcess } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { gunzipSync } from "zlib";
import { expect } from "chai";
import { GetObjectCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { ListStreamsCommand, KinesisClient } from "@aws-sdk/client-kinesis";
import { s3ClientConfig } from "../../local/emulators/s3";
import { kinesisClientConfig } from "../../local/emulators/kinesis";
import { dataApiClientConfig } from "../../local/dataapi/server";
import { dataApiFromEnv } from "../../functions/shared/db/dataapi";
import { TrafficGenerator } from "../../local/traffic";
import { ingestHeaders } from "../helpers/ingest";

const ROOT = path.resolve(__dirname, "..", "..");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface PlatformInfo {
    ingestUrl: string;
    insightsUrl: string;
    lakeBucket: string;
    endpoints: { kinesis: string; s3: string; dataApi: string };
    env: Record<string, string>;
}

class ChildPlatform {
    out = "";
    readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
    info!: PlatformInfo;
    private constructor(
        readonly child: ChildProcess,
        readonly dir: string,
    ) {
        child.stdout!.on("data", (c: Buffer) => (this.out += c.toString()));
        child.stderr!.on("data", (c: Buffer) => (this.out += c.toString()));
        this.exited = new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
    }

    static async start(dir: string): Promise<ChildPlatform> {
        // Port 0: the platform binds free ports itself and writes them to platform.json. Ports probed here and
        // released would race with the emulators' own free ports on a restart (CI saw "port in use").
        const child = spawn(process.execPath, ["-r", "./scripts/register.js", "local/main.ts", "--dir", dir, "--etl-every", "0", "--lake-buffer-seconds", "1"], {
            cwd: ROOT,
            env: { ...process.env, INGEST_PORT: "0", INSIGHTS_PORT: "0", STATUS_PORT: "0" },
            stdio: ["ignore", "pipe", "pipe"],
        });
        const p = new ChildPlatform(child, dir);
        // Start-up takes 10-20 s on an idle machine; much longer on a loaded one.
        const deadline = Date.now() + 180000;
        while (!p.out.includes("local platform is up")) {
            if (child.exitCode !== null || Date.now() > deadline) throw new Error(`the platform did not start:\n${p.out}`);
            await sleep(100);
        }
        p.info = JSON.parse(fs.readFileSync(path.join(dir, "platform.json"), "utf8")) as PlatformInfo;
        return p;
    }

    get alive(): boolean {
        return this.child.exitCode === null && this.child.signalCode === null;
    }

    /** The kinesis-local child (node -r parent-guard.js main.js). */
    kinesisPid(): number {
        const pids = execFileSync("pgrep", ["-P", String(this.child.pid)], { encoding: "utf8" })
            .split("\n")
            .filter((l) => l.trim() !== "")
            .map(Number);
        const kin = pids.filter((pid) => {
            try {
                return fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("parent-guard");
            } catch {
                return false;
            }
        });
        expect(kin, "one kinesis-local child").to.have.length(1);
        return kin[0];
    }

    async kill(): Promise<void> {
        if (this.alive) this.child.kill("SIGKILL");
        await this.exited;
    }
}

/** A client that posts batches of search events and retries a batch (same events) until it gets 202, like a real producer. */
class Traffic {
    readonly acked: string[] = [];
    readonly statuses = new Map<number | string, number>();
    private readonly gen: TrafficGenerator;
    private stopped = false;
    readonly unacked: unknown[][] = [];
    constructor(seed: number, prefix: string) {
        this.gen = new TrafficGenerator({ seed, idPrefix: prefix });
    }

    /** Sends `batches` batches of `size` events (`gapMs` apart); a batch is retried until 202 or `stop()`. */
    async run(url: () => string, dir: string, batches: number, size = 10, gapMs = 40): Promise<void> {
        for (let i = 0; i < batches && !this.stopped; i++) {
            // One source per request: the key's (the service fills `source` in).
            const events = Array.from({ length: size }, () => ({ ...this.gen.search(new Date()), source: undefined }));
            await this.send(url, dir, events);
            await sleep(gapMs);
        }
    }

    async send(url: () => string, dir: string, events: unknown[]): Promise<boolean> {
        for (;;) {
            if (this.stopped) {
                this.unacked.push(events);
                return false;
            }
            let status: number | string;
            try {
                const res = await fetch(`${url()}/v1/events`, { method: "POST", headers: ingestHeaders(dir), body: JSON.stringify(events), signal: AbortSignal.timeout(15000) });
                status = res.status;
                await res.arrayBuffer();
            } catch (err) {
                status = (err as Error).name;
            }
            this.statuses.set(status, (this.statuses.get(status) ?? 0) + 1);
            if (status === 202) {
                for (const e of events) this.acked.push((e as { eventId: string }).eventId);
                return true;
            }
            await sleep(200);
        }
    }

    stop(): void {
        this.stopped = true;
    }
}

async function lakeEventIds(info: PlatformInfo): Promise<string[]> {
    const s3 = new S3Client(s3ClientConfig(info.endpoints.s3));
    const ids: string[] = [];
    try {
        let token: string | undefined;
        do {
            const page = await s3.send(new ListObjectsV2Command({ Bucket: info.lakeBucket, Prefix: "data/", ContinuationToken: token }));
            for (const o of page.Contents ?? []) {
                const body = await s3.send(new GetObjectCommand({ Bucket: info.lakeBucket, Key: o.Key! }));
                const text = gunzipSync(Buffer.from(await body.Body!.transformToByteArray())).toString("utf8");
                for (const line of text.split("\n")) if (line !== "") ids.push((JSON.parse(line) as { eventId: string }).eventId);
            }
            token = page.NextContinuationToken;
        } while (token);
    } finally {
        s3.destroy();
    }
    return ids;
}

async function dbCounts(info: PlatformInfo): Promise<{ ids: Set<string>; searches: number }> {
    const db = dataApiFromEnv(info.env, dataApiClientConfig(info.endpoints.dataApi));
    const rows = await db.query<{ event_id: string }>("SELECT event_id FROM counted_identities");
    const sum = await db.query<{ n: number }>("SELECT COALESCE(SUM(searches), 0)::int AS n FROM route_minute_stats");
    return { ids: new Set(rows.map((r) => r.event_id)), searches: Number(sum[0].n) };
}

/**
 * Waits until the database counted each acknowledged event once and the lake holds each exactly once
 * (`resent`: events of requests cut by a kill and sent again, which the lake may hold twice: a client
 * retry, kept as Firehose keeps them; the database still counts them once).
 */
async function expectAllCountedOnce(info: PlatformInfo, acked: readonly string[], resent: ReadonlySet<string> = new Set(), timeoutMs = 60000): Promise<void> {
    const want = new Set(acked);
    expect(want.size, "acknowledged event ids are distinct").to.equal(acked.length);
    const deadline = Date.now() + timeoutMs;
    let last: string;
    for (;;) {
        const db = await dbCounts(info);
        const lake = await lakeEventIds(info);
        const lakeCount = new Map<string, number>();
        for (const id of lake) lakeCount.set(id, (lakeCount.get(id) ?? 0) + 1);
        const missingDb = acked.filter((id) => !db.ids.has(id));
        const missingLake = acked.filter((id) => !lakeCount.has(id));
        const twiceInLake = [...lakeCount].filter(([id, n]) => n > (resent.has(id) ? 2 : 1)).map(([id]) => id);
        const extra = [...lakeCount].reduce((n, [id, c]) => n + (resent.has(id) ? c - 1 : 0), 0);
        last = `db missing ${missingDb.length}, db searches ${db.searches} of ${acked.length}, lake missing ${missingLake.length}, lake duplicates ${twiceInLake.length}, lake rows ${lake.length}`;
        if (missingDb.length === 0 && missingLake.length === 0) {
            expect(twiceInLake, "events twice in the lake").to.deep.equal([]);
            expect(db.searches, "searches counted in route_minute_stats").to.equal(acked.length);
            expect(db.ids.size, "processed events").to.equal(acked.length);
            expect(lake.length, "lake rows").to.equal(acked.length + extra);
            return;
        }
        if (Date.now() > deadline) expect.fail(`not every acknowledged event was counted within ${timeoutMs} ms: ${last}; missing from the lake: ${missingLake.slice(0, 10).join(", ")}`);
        await sleep(500);
    }
}

/** Writes raw bytes to a port and returns what came back (until the peer closes or 2 s pass). */
function rawRequest(port: number, bytes: string | Buffer): Promise<string> {
    return new Promise((resolve) => {
        const socket = net.connect(port, "127.0.0.1");
        let got = "";
        const done = () => {
            socket.destroy();
            resolve(got);
        };
        socket.setTimeout(2000, done);
        socket.on("data", (c) => (got += c.toString("latin1")));
        socket.on("error", done);
        socket.on("close", done);
        socket.on("connect", () => socket.write(bytes));
    });
}

const portOf = (url: string) => Number(new URL(url).port);

describe("local platform faults (npm start in a child process)", function () {
    this.timeout(300000);
    let dir: string;
    let platform: ChildPlatform | undefined;
    /** Every event acknowledged since the folder was created (across restarts). */
    const acked: string[] = [];
    const resent = new Set<string>();

    before(async () => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "e2e-faults-"));
        platform = await ChildPlatform.start(dir);
    });
    after(async () => {
        await platform?.kill();
        fs.rmSync(dir, { recursive: true, force: true });
    });

    it("survives a malformed request line on every port (ingestion, insights, kinesis-local, s3rver, Data API)", async () => {
        const p = platform!;
        const kinesisBefore = p.kinesisPid();
        const ports = {
            ingestion: portOf(p.info.ingestUrl),
            insights: portOf(p.info.insightsUrl),
            kinesis: portOf(p.info.endpoints.kinesis),
            s3: portOf(p.info.endpoints.s3),
            dataApi: portOf(p.info.endpoints.dataApi),
        };
        const lines = ["GET //[ HTTP/1.1\r\nHost: x\r\n\r\n", "\x16\x03\x01\x00garbage\r\n\r\n", "POST / HTTP/1.1\r\nContent-Length: -5\r\n\r\n", "GET /%%zz HTTP/1.1\r\nHost: x\r\n\r\n"];
        const answers: Record<string, string[]> = {};
        for (const [name, port] of Object.entries(ports)) {
            answers[name] = [];
            for (const line of lines) answers[name].push(await rawRequest(port, line));
        }
        // The line that used to end every platform process: now a 400 naming the target.
        expect(answers.insights[0]).to.match(/^HTTP\/1\.1 400 /);
        expect(answers.insights[0]).to.contain('Bad Request: the request target \\"//[\\" is not a valid path');
        await sleep(500);
        expect(p.alive, p.out).to.equal(true);
        expect(p.kinesisPid()).to.equal(kinesisBefore);
        for (const url of [p.info.ingestUrl, p.info.insightsUrl]) expect((await fetch(`${url}/healthz`)).status, url).to.equal(200);
        const k = new KinesisClient(kinesisClientConfig(p.info.endpoints.kinesis));
        expect((await k.send(new ListStreamsCommand({}))).StreamNames).to.include("dev-flight-events");
        k.destroy();
        const traffic = new Traffic(1, "raw");
        await traffic.run(() => p.info.ingestUrl, dir, 3);
        acked.push(...traffic.acked);
        await expectAllCountedOnce(p.info, acked, resent);
    });

    it("kill -9 of kinesis-local during traffic: 503 and an unhealthy /healthz while down, restarted, every acknowledged event counted once", async () => {
        const p = platform!;
        const traffic = new Traffic(2, "kin");
        const running = traffic.run(() => p.info.ingestUrl, dir, 60);
        await sleep(1000);
        const pid = p.kinesisPid();
        process.kill(pid, "SIGKILL");
        let health: { status: number; body: string } | undefined;
        const deadline = Date.now() + 5000;
        while (Date.now() < deadline) {
            const res = await fetch(`${p.info.ingestUrl}/healthz`);
            const body = await res.text();
            if (res.status === 503) {
                health = { status: res.status, body };
                break;
            }
            await sleep(20);
        }
        expect(health, p.out).to.not.equal(undefined);
        expect(JSON.parse(health!.body)).to.deep.equal({ status: "unavailable", reason: "kinesis-local exited (SIGKILL); restarting it" });
        while (!p.out.includes("kinesis-local is BACK")) {
            expect(p.alive, p.out).to.equal(true);
            await sleep(100);
        }
        await running;
        expect(p.out).to.contain("kinesis-local DIED (SIGKILL); ingestion answers 503 until it is back; restarting it");
        expect(p.kinesisPid()).to.not.equal(pid);
        expect((await fetch(`${p.info.ingestUrl}/healthz`)).status).to.equal(200);
        expect(traffic.statuses.get(503) ?? 0, `statuses ${JSON.stringify([...traffic.statuses])}`).to.be.greaterThan(0);
        expect(p.out).to.not.contain("Unable to find record");
        acked.push(...traffic.acked);
        expect(traffic.acked).to.have.length(600);
        await expectAllCountedOnce(p.info, acked, resent);
    });

    it("a lake outage during traffic (the bucket's folder moved away): writes retried, every acknowledged event in the lake exactly once after it ends", async () => {
        const p = platform!;
        const bucketDir = path.join(dir, "s3", p.info.lakeBucket);
        const away = path.join(dir, "lake-away");
        const traffic = new Traffic(3, "lake");
        const running = traffic.run(() => p.info.ingestUrl, dir, 50);
        await sleep(500);
        fs.renameSync(bucketDir, away);
        const outageStart = Date.now();
        while (!/lake delivery: writing data\/.* failed \(attempt 1/.test(p.out)) {
            expect(Date.now() - outageStart, p.out).to.be.lessThan(15000);
            await sleep(100);
        }
        await sleep(2500);
        fs.renameSync(away, bucketDir);
        await running;
        acked.push(...traffic.acked);
        expect(traffic.acked).to.have.length(500);
        await expectAllCountedOnce(p.info, acked, resent);
        // Nothing left in the write-ahead files once written.
        const deadline = Date.now() + 10000;
        while (fs.readdirSync(path.join(dir, "lake-wal")).length > 1 && Date.now() < deadline) await sleep(200);
        expect(p.alive).to.equal(true);
    });

    it("SIGTERM under load stops within 10 s, in order (ingestion drained, delivery flushed, mappings, emulators), exit 0", async () => {
        const p = platform!;
        const traffic = new Traffic(4, "term");
        const running = traffic.run(() => p.info.ingestUrl, dir, 1000, 20, 5);
        await sleep(1500);
        const t0 = Date.now();
        p.child.kill("SIGTERM");
        const exit = await p.exited;
        const took = Date.now() - t0;
        traffic.stop();
        await running;
        expect(exit, p.out).to.deep.equal({ code: 0, signal: null });
        expect(took, p.out).to.be.lessThan(10000);
        expect(p.out).to.contain("SIGTERM: shutting down");
        const shutdownLog = p.out.slice(p.out.indexOf("SIGTERM: shutting down"));
        expect(shutdownLog.match(/.*retrying.*/g) ?? [], "retry lines during shutdown").to.deep.equal([]);
        expect(fs.existsSync(path.join(dir, "platform.lock"))).to.equal(false);
        acked.push(...traffic.acked);
        // Restart on the same folder: everything acknowledged before the stop is there once; resend what was refused.
        platform = await ChildPlatform.start(dir);
        const again = new Traffic(5, "term2");
        for (const batch of traffic.unacked) await again.send(() => platform!.info.ingestUrl, dir, batch);
        acked.push(...again.acked);
        for (const id of again.acked) resent.add(id);
        await expectAllCountedOnce(platform.info, acked, resent);
    });

    it("kill -9 of the whole platform during traffic, restart on the same folder: every acknowledged event counted once in the database and present once in the lake", async () => {
        const p = platform!;
        const traffic = new Traffic(6, "crash");
        const running = traffic.run(() => p.info.ingestUrl, dir, 1000, 20, 5);
        await sleep(2500);
        await p.kill();
        traffic.stop();
        await running;
        expect(traffic.acked.length, "acknowledged before the kill").to.be.greaterThan(0);
        acked.push(...traffic.acked);
        platform = await ChildPlatform.start(dir);
        expect(platform.out).to.match(/removing a stale lock on .* \(pid \d+, not running\)/);
        // The batches that were cut by the kill were never acknowledged: the client sends them again.
        const again = new Traffic(7, "crash2");
        for (const batch of traffic.unacked) await again.send(() => platform!.info.ingestUrl, dir, batch);
        acked.push(...again.acked);
        for (const id of again.acked) resent.add(id);
        await expectAllCountedOnce(platform.info, acked, resent);
    });
});
