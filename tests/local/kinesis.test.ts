import { kinesisSuite } from "./kinesis-suite";
import { createHash } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { spawn } from "child_process";
import * as net from "net";
import { expect } from "chai";
import { GetRecordsCommand, GetShardIteratorCommand, KinesisClient, ListStreamsCommand, PutRecordCommand, PutRecordsCommand, Shard, UpdateShardCountCommand, _Record } from "@aws-sdk/client-kinesis";
import { createStream, kinesisClientConfig, listShards, startKinesis, waitForStreamActive } from "../../local/emulators/kinesis";

const MAX_HASH = (1n << 128n) - 1n;

function hashKey(partitionKey: string): bigint {
    return BigInt("0x" + createHash("md5").update(partitionKey, "utf8").digest("hex"));
}

function shardFor(shards: Shard[], partitionKey: string): string {
    const h = hashKey(partitionKey);
    const open = shards.filter((s) => s.SequenceNumberRange?.EndingSequenceNumber === undefined);
    const hit = open.find((s) => BigInt(s.HashKeyRange!.StartingHashKey!) <= h && h <= BigInt(s.HashKeyRange!.EndingHashKey!));
    return hit!.ShardId!;
}

async function readShard(client: KinesisClient, stream: string, shardId: string, from: { type: "TRIM_HORIZON" } | { type: "AT_TIMESTAMP"; at: Date }): Promise<{ records: _Record[]; closed: boolean }> {
    const it = await client.send(
        new GetShardIteratorCommand({
            StreamName: stream,
            ShardId: shardId,
            ShardIteratorType: from.type,
            Timestamp: from.type === "AT_TIMESTAMP" ? from.at : undefined,
        }),
    );
    const records: _Record[] = [];
    let iterator = it.ShardIterator;
    // Read until caught up (MillisBehindLatest 0 and an empty page) or the shard is closed.
    for (let i = 0; i < 50 && iterator; i++) {
        const page = await client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }));
        records.push(...(page.Records ?? []));
        if (page.NextShardIterator === undefined) return { records, closed: true };
        iterator = page.NextShardIterator;
        if ((page.Records ?? []).length === 0) break;
    }
    return { records, closed: false };
}

const text = (r: _Record) => Buffer.from(r.Data!).toString("utf8");

describe("local/emulators/kinesis (kinesis-local)", function () {
    this.timeout(60000);
    const k = kinesisSuite();

    it("serves plain HTTP on a free loopback port", () => {
        expect(k.emulator.endpoint).to.equal(`http://127.0.0.1:${k.emulator.port}`);
        expect(k.emulator.port).to.be.greaterThan(0);
    });

    it("kinesisClientConfig sets region, dummy credentials, endpoint and an HTTP/1.1 handler", () => {
        const cfg = kinesisClientConfig("http://127.0.0.1:1234");
        expect(cfg.endpoint).to.equal("http://127.0.0.1:1234");
        expect(cfg.region).to.equal("us-east-1");
        expect(cfg.credentials).to.deep.equal({ accessKeyId: "AKIALOCALKINESIS", secretAccessKey: "local" });
        expect((cfg.requestHandler as object).constructor.name).to.equal("NodeHttpHandler");
    });

    it("creates a stream with 4 shards that split the hash space evenly", async () => {
        await createStream(k.client, "k-create", 4);
        const shards = await listShards(k.client, "k-create");
        expect(shards.map((s) => s.ShardId)).to.deep.equal(["shardId-000000000000", "shardId-000000000001", "shardId-000000000002", "shardId-000000000003"]);
        expect(BigInt(shards[0].HashKeyRange!.StartingHashKey!)).to.equal(0n);
        expect(BigInt(shards[3].HashKeyRange!.EndingHashKey!)).to.equal(MAX_HASH);
        for (let i = 1; i < 4; i++) {
            expect(BigInt(shards[i].HashKeyRange!.StartingHashKey!)).to.equal(BigInt(shards[i - 1].HashKeyRange!.EndingHashKey!) + 1n);
        }
    });

    it("PutRecords routes by MD5 of the partition key and GetRecords returns every record once", async () => {
        await createStream(k.client, "k-put", 3);
        const shards = await listShards(k.client, "k-put");
        const entries = Array.from({ length: 60 }, (_, i) => ({ Data: Buffer.from(`event-${i}`), PartitionKey: `route-${i % 17}` }));
        const res = await k.client.send(new PutRecordsCommand({ StreamName: "k-put", Records: entries }));
        expect(res.FailedRecordCount).to.equal(0);
        expect(res.Records!.map((r) => r.ShardId)).to.deep.equal(entries.map((e) => shardFor(shards, e.PartitionKey)));
        const seen: string[] = [];
        for (const shard of shards) {
            const { records } = await readShard(k.client, "k-put", shard.ShardId!, { type: "TRIM_HORIZON" });
            for (const r of records) expect(shardFor(shards, r.PartitionKey!)).to.equal(shard.ShardId);
            seen.push(...records.map(text));
        }
        expect(seen.sort()).to.deep.equal(entries.map((e) => e.Data.toString()).sort());
    });

    it("AT_TIMESTAMP iterators start at the first record at or after the timestamp", async () => {
        await createStream(k.client, "k-ts", 1);
        for (let i = 0; i < 5; i++) {
            await k.client.send(new PutRecordCommand({ StreamName: "k-ts", Data: Buffer.from(`early-${i}`), PartitionKey: "p" }));
        }
        const early = await readShard(k.client, "k-ts", "shardId-000000000000", { type: "TRIM_HORIZON" });
        const lastEarly = Math.max(...early.records.map((r) => r.ApproximateArrivalTimestamp!.getTime()));
        const cut = new Date(lastEarly + 1);
        while (Date.now() <= cut.getTime() + 5) await new Promise((r) => setTimeout(r, 5));
        for (let i = 0; i < 3; i++) {
            await k.client.send(new PutRecordCommand({ StreamName: "k-ts", Data: Buffer.from(`late-${i}`), PartitionKey: "p" }));
        }
        const late = await readShard(k.client, "k-ts", "shardId-000000000000", { type: "AT_TIMESTAMP", at: cut });
        expect(late.records.map(text)).to.deep.equal(["late-0", "late-1", "late-2"]);
        const all = await readShard(k.client, "k-ts", "shardId-000000000000", { type: "AT_TIMESTAMP", at: new Date(0) });
        expect(all.records.map(text)).to.deep.equal(["early-0", "early-1", "early-2", "early-3", "early-4", "late-0", "late-1", "late-2"]);
    });

    it("UpdateShardCount 2 -> 4 closes the parents and splits each into two children", async () => {
        await createStream(k.client, "k-scale", 2);
        await k.client.send(new PutRecordCommand({ StreamName: "k-scale", Data: Buffer.from("before"), PartitionKey: "a" }));
        const res = await k.client.send(new UpdateShardCountCommand({ StreamName: "k-scale", TargetShardCount: 4, ScalingType: "UNIFORM_SCALING" }));
        expect([res.CurrentShardCount, res.TargetShardCount]).to.deep.equal([2, 4]);
        await waitForStreamActive(k.client, "k-scale");
        const shards = await listShards(k.client, "k-scale");
        expect(shards.map((s) => [s.ShardId, s.ParentShardId ?? null, s.SequenceNumberRange?.EndingSequenceNumber === undefined ? "open" : "closed"])).to.deep.equal([
            ["shardId-000000000000", null, "closed"],
            ["shardId-000000000001", null, "closed"],
            ["shardId-000000000002", "shardId-000000000000", "open"],
            ["shardId-000000000003", "shardId-000000000000", "open"],
            ["shardId-000000000004", "shardId-000000000001", "open"],
            ["shardId-000000000005", "shardId-000000000001", "open"],
        ]);
        // New records land in the children; the parent is readable to its end and then closed.
        const put = await k.client.send(new PutRecordCommand({ StreamName: "k-scale", Data: Buffer.from("after"), PartitionKey: "a" }));
        expect(put.ShardId).to.equal(shardFor(shards, "a"));
        const parentId = shards.find((s) => s.ShardId === put.ShardId)!.ParentShardId!;
        const parent = await readShard(k.client, "k-scale", parentId, { type: "TRIM_HORIZON" });
        expect(parent.records.map(text)).to.deep.equal(["before"]);
        expect(parent.closed).to.equal(true);
    });

    it("fails when UpdateShardCount asks for more than double the open shards", async () => {
        await createStream(k.client, "k-scale2", 2);
        let err: Error | undefined;
        try {
            await k.client.send(new UpdateShardCountCommand({ StreamName: "k-scale2", TargetShardCount: 5, ScalingType: "UNIFORM_SCALING" }));
        } catch (e) {
            err = e as Error;
        }
        expect(err?.name).to.equal("InvalidArgumentException");
        expect(err?.message).to.equal("Cannot update shard count beyond 2x current shard count");
    });

    it("listens on loopback only (kinesis-mock itself would bind every interface)", async function () {
        const external = Object.values(os.networkInterfaces())
            .flat()
            .find((i) => i !== undefined && !i.internal && i.family === "IPv4");
        if (!external) this.skip();
        const outcome = await new Promise<string>((resolve) => {
            const socket = net.connect({ host: external!.address, port: k.emulator.port });
            socket.once("connect", () => {
                socket.destroy();
                resolve("connected");
            });
            socket.once("error", (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
        });
        expect(outcome).to.equal("ECONNREFUSED");
    });

    it("fails when the given port is already taken", async () => {
        const blocker = net.createServer();
        await new Promise<void>((r) => blocker.listen(0, "127.0.0.1", () => r()));
        const port = (blocker.address() as net.AddressInfo).port;
        let err: Error | undefined;
        try {
            await startKinesis({ port });
        } catch (e) {
            err = e as Error;
        } finally {
            blocker.close();
        }
        expect(err?.message.split("\n")[0]).to.equal(`kinesis-local on http://127.0.0.1:${port} exited before it was ready; output:`);
        expect(err?.message).to.include("EADDRINUSE");
    });

    it("fails when the port option is not a valid port", async () => {
        let err: Error | undefined;
        try {
            await startKinesis({ port: 70000 });
        } catch (e) {
            err = e as Error;
        }
        expect(err?.message).to.equal("`port` must be an integer from 0 to 65535 (0 = pick a free port); received 70000.");
    });

    it("persists streams and records in dataDir across a restart, and stop() ends the process", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kinesis-local-"));
        try {
            const first = await startKinesis({ dataDir: dir, streams: { "k-persist": 2 } });
            const c1 = first.client();
            await c1.send(new PutRecordCommand({ StreamName: "k-persist", Data: Buffer.from("kept"), PartitionKey: "x" }));
            await first.stop();
            let refused: Error | undefined;
            try {
                await new KinesisClient({ ...kinesisClientConfig(first.endpoint), maxAttempts: 1 }).send(new ListStreamsCommand({}));
            } catch (e) {
                refused = e as Error;
            }
            expect((refused as NodeJS.ErrnoException | undefined)?.code).to.equal("ECONNREFUSED");
            expect(fs.readdirSync(dir)).to.deep.equal(["kinesis-data.json"]);
            const second = await startKinesis({ dataDir: dir });
            try {
                const c2 = second.client();
                expect((await c2.send(new ListStreamsCommand({}))).StreamNames).to.deep.equal(["k-persist"]);
                const shards = await listShards(c2, "k-persist");
                const { records } = await readShard(c2, "k-persist", shardFor(shards, "x"), { type: "TRIM_HORIZON" });
                expect(records.map(text)).to.deep.equal(["kept"]);
            } finally {
                await second.stop();
            }
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("never outlives its parent: the emulator exits when the parent process is killed", async () => {
        const root = path.join(__dirname, "..", "..");
        const script = `require("./local/emulators/kinesis").startKinesis().then((k) => console.log("PID " + k.pid))`;
        const parent = spawn(process.execPath, ["-r", "./scripts/register.js", "-e", script], { cwd: root, stdio: ["ignore", "pipe", "ignore"] });
        const pid = await new Promise<number>((resolve, reject) => {
            let out = "";
            parent.stdout!.on("data", (c: Buffer) => {
                out += c.toString();
                const m = /PID (\d+)/.exec(out);
                if (m) resolve(Number(m[1]));
            });
            parent.once("exit", () => reject(new Error(`parent exited early: ${out}`)));
        });
        const alive = (p: number) => {
            try {
                process.kill(p, 0);
                return true;
            } catch {
                return false;
            }
        };
        expect(alive(pid)).to.equal(true);
        parent.kill("SIGKILL");
        const deadline = Date.now() + 20000;
        while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
        const leaked = alive(pid);
        if (leaked) process.kill(pid, "SIGKILL");
        expect(leaked).to.equal(false);
    });
});
