/**
 * Local Kinesis Data Streams: runs the `kinesis-local` npm package (the
 * kinesis-mock emulator, Scala.js) as a child process on a free loopback port.
 * See docs/local-emulators.md for what it supports and how it differs from AWS.
 */
import * as fs from "fs";
import * as path from "path";
import { CreateStreamCommand, DescribeStreamSummaryCommand, KinesisClient, KinesisClientConfig, ListShardsCommand, ListStreamsCommand, Shard } from "@aws-sdk/client-kinesis";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { ExitedBeforeReadyError, checkPort, freePort, spawnNode, waitUntilReady } from "./process";

export const LOCAL_REGION = "us-east-1";
/** Account id kinesis-mock namespaces streams under (its default). */
export const KINESIS_LOCAL_ACCOUNT_ID = "000000000000";

export interface KinesisEmulatorOptions {
    /** TCP port for plain HTTP on 127.0.0.1. @default - a free port */
    readonly port?: number;
    /** Maximum open shards per account (kinesis-mock `SHARD_LIMIT`). @default 1000 */
    readonly shardLimit?: number;
    /**
     * Directory where kinesis-mock persists streams and records (every
     * `persistIntervalMs` and on stop) and reloads them at start.
     * @default - no persistence (in memory)
     */
    readonly dataDir?: string;
    /** Delay of CreateStream/UpdateShardCount/... before the stream turns ACTIVE, in ms. @default 25 */
    readonly operationDelayMs?: number;
    /** Persistence interval in ms when `dataDir` is set. @default 1000 */
    readonly persistIntervalMs?: number;
    /** Streams to create at start, `name` → shard count. @default - none */
    readonly streams?: Readonly<Record<string, number>>;
    /** How long to wait for the emulator to answer ListStreams. @default 30000 */
    readonly startTimeoutMs?: number;
}

export interface KinesisEmulator {
    /** `http://127.0.0.1:<port>` */
    readonly endpoint: string;
    readonly port: number;
    /** Process id of the emulator (a child of this process). */
    readonly pid: number | undefined;
    /** Resolves when the emulator process has exited (after stop(), or on its own: a crash). */
    readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
    /** A new client configured for this emulator (see `kinesisClientConfig`). */
    client(): KinesisClient;
    /** Stops the emulator process (idempotent). */
    stop(): Promise<void>;
}

/**
 * SDK v3 client configuration for a local Kinesis endpoint: region, dummy
 * credentials and an HTTP/1.1 handler (kinesis-mock fails with an HTTP/2
 * protocol error under the SDK's default handler).
 */
export function kinesisClientConfig(endpoint: string): KinesisClientConfig {
    return {
        endpoint,
        region: LOCAL_REGION,
        credentials: { accessKeyId: "AKIALOCALKINESIS", secretAccessKey: "local" },
        requestHandler: new NodeHttpHandler(),
        maxAttempts: 3,
    };
}

function packageDir(): string {
    return path.dirname(require.resolve("kinesis-local/package.json"));
}

function checkPositiveInt(name: string, value: number | undefined, max: number): void {
    if (value === undefined) return;
    if (!Number.isInteger(value) || value < 1 || value > max) {
        throw new Error(`\`${name}\` must be an integer from 1 to ${max}; received ${String(value)}.`);
    }
}

/** Starts kinesis-mock and resolves once it answers ListStreams. */
export async function startKinesis(opts: KinesisEmulatorOptions = {}): Promise<KinesisEmulator> {
    checkPort("port", opts.port);
    checkPositiveInt("shardLimit", opts.shardLimit, 100000);
    checkPositiveInt("persistIntervalMs", opts.persistIntervalMs, 3600000);
    if (opts.operationDelayMs !== undefined && (!Number.isInteger(opts.operationDelayMs) || opts.operationDelayMs < 0)) {
        throw new Error(`\`operationDelayMs\` must be a non-negative integer; received ${String(opts.operationDelayMs)}.`);
    }
    for (const [name, shards] of Object.entries(opts.streams ?? {})) {
        if (!/^[a-zA-Z0-9_.-]{1,128}$/.test(name)) {
            throw new Error(`\`streams\` key ${JSON.stringify(name)} is not a valid stream name (1-128 of a-z A-Z 0-9 _ . -).`);
        }
        checkPositiveInt(`streams.${name}`, shards, 100000);
    }
    const explicitPort = opts.port !== undefined && opts.port !== 0;
    // A free port can be taken by another process before kinesis-mock binds it; then it exits and we retry.
    for (let attempt = 1; ; attempt++) {
        const port = explicitPort ? opts.port! : await freePort();
        try {
            return await launch(opts, port, await freePort());
        } catch (err) {
            if (explicitPort || attempt >= 3 || !(err instanceof ExitedBeforeReadyError)) throw err;
        }
    }
}

async function launch(opts: KinesisEmulatorOptions, port: number, tlsPort: number): Promise<KinesisEmulator> {
    const streams = Object.entries(opts.streams ?? {});
    const delay = `${opts.operationDelayMs ?? 25}ms`;
    const env: NodeJS.ProcessEnv = {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        KINESIS_MOCK_PLAIN_PORT: String(port),
        KINESIS_MOCK_TLS_PORT: String(tlsPort),
        SHARD_LIMIT: String(opts.shardLimit ?? 1000),
        AWS_REGION: LOCAL_REGION,
        AWS_ACCOUNT_ID: KINESIS_LOCAL_ACCOUNT_ID,
        LOG_LEVEL: "WARN",
        ROOT_LOG_LEVEL: "ERROR",
        // kinesis-mock has no bind-address option; parent-guard.js keeps it on loopback.
        EMULATOR_LISTEN_HOST: "127.0.0.1",
    };
    for (const op of [
        "CREATE_STREAM_DURATION",
        "DELETE_STREAM_DURATION",
        "REGISTER_STREAM_CONSUMER_DURATION",
        "DEREGISTER_STREAM_CONSUMER_DURATION",
        "START_STREAM_ENCRYPTION_DURATION",
        "STOP_STREAM_ENCRYPTION_DURATION",
        "MERGE_SHARDS_DURATION",
        "SPLIT_SHARD_DURATION",
        "UPDATE_SHARD_COUNT_DURATION",
        "UPDATE_STREAM_MODE_DURATION",
    ]) {
        env[op] = delay;
    }
    if (opts.dataDir !== undefined) {
        const dir = path.resolve(opts.dataDir);
        fs.mkdirSync(dir, { recursive: true });
        env.SHOULD_PERSIST_DATA = "true";
        env.LOAD_DATA_IF_EXISTS = "true";
        env.PERSIST_PATH = dir;
        env.PERSIST_INTERVAL = `${opts.persistIntervalMs ?? 1000}ms`;
    }
    if (streams.length > 0) {
        env.INITIALIZE_STREAMS = streams.map(([name, shards]) => `${name}:${shards}`).join(",");
    }
    const managed = spawnNode(["main.js"], { cwd: packageDir(), env });
    const endpoint = `http://127.0.0.1:${port}`;
    const probeClient = new KinesisClient({
        ...kinesisClientConfig(endpoint),
        maxAttempts: 1,
        requestHandler: new NodeHttpHandler({ connectionTimeout: 2000, requestTimeout: 5000 }),
    });
    try {
        await waitUntilReady(`kinesis-local on ${endpoint}`, managed, () => probeClient.send(new ListStreamsCommand({})), opts.startTimeoutMs ?? 30000);
        for (const [name] of streams) await waitForActive(probeClient, name, 30000);
    } catch (err) {
        await managed.stop();
        throw err;
    } finally {
        probeClient.destroy();
    }
    const clients: KinesisClient[] = [];
    let stopped: Promise<void> | undefined;
    return {
        endpoint,
        port,
        pid: managed.child.pid,
        exited: managed.exited,
        client() {
            const c = new KinesisClient(kinesisClientConfig(endpoint));
            clients.push(c);
            return c;
        },
        stop() {
            stopped ??= (async () => {
                for (const c of clients) c.destroy();
                await managed.stop();
            })();
            return stopped;
        },
    };
}

async function waitForActive(client: KinesisClient, streamName: string, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let status: string | undefined;
    while (Date.now() < deadline) {
        try {
            const res = await client.send(new DescribeStreamSummaryCommand({ StreamName: streamName }));
            status = res.StreamDescriptionSummary?.StreamStatus;
            if (status === "ACTIVE") return;
        } catch (err) {
            if ((err as Error).name !== "ResourceNotFoundException") throw err;
        }
        await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`stream ${JSON.stringify(streamName)} did not become ACTIVE within ${timeoutMs} ms (last status: ${status ?? "not found"}).`);
}

/** Waits until `streamName` is ACTIVE (after CreateStream, UpdateShardCount, ...). */
export async function waitForStreamActive(client: KinesisClient, streamName: string, timeoutMs = 30000): Promise<void> {
    await waitForActive(client, streamName, timeoutMs);
}

/** Creates a provisioned stream with `shards` shards and waits until it is ACTIVE. */
export async function createStream(client: KinesisClient, name: string, shards: number): Promise<void> {
    checkPositiveInt("shards", shards, 100000);
    await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: shards }));
    await waitForActive(client, name, 30000);
}

/** All shards of a stream (open and closed), following NextToken. */
export async function listShards(client: KinesisClient, streamName: string): Promise<Shard[]> {
    const shards: Shard[] = [];
    let nextToken: string | undefined;
    do {
        const res = await client.send(new ListShardsCommand(nextToken ? { NextToken: nextToken } : { StreamName: streamName }));
        shards.push(...(res.Shards ?? []));
        nextToken = res.NextToken;
    } while (nextToken);
    return shards;
}
