/**
 * Local S3: `s3rver` (a Koa app storing objects as files) in this process on a
 * free loopback port. Clients must use path-style addressing and the
 * credentials of `s3ClientConfig` (s3rver checks signatures).
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { AddressInfo } from "net";
import type { Server } from "http";
import { S3Client, S3ClientConfig } from "@aws-sdk/client-s3";
import { checkPort } from "./process";
import { LOCAL_REGION } from "./kinesis";
import { patchListObjects, patchListObjectsV2Tokens } from "./s3-list-fix";

// s3rver ships no type declarations.
const S3rver: new (options: Record<string, unknown>) => {
    run(): Promise<AddressInfo>;
    close(): Promise<void>;
    httpServer?: Server;
    store: Parameters<typeof patchListObjects>[0];
    // eslint-disable-next-line @typescript-eslint/no-require-imports
} = require("s3rver");

/** Access key pair s3rver accepts (it validates SigV4 signatures against it). */
export const S3_LOCAL_CREDENTIALS = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" } as const;

export interface S3EmulatorOptions {
    /** TCP port on 127.0.0.1. @default - a free port */
    readonly port?: number;
    /**
     * Where objects are stored (one folder per bucket; kept after stop).
     * @default - a fresh temporary folder, deleted by stop()
     */
    readonly directory?: string;
    /** Buckets to create at start (existing ones are kept). @default [] */
    readonly buckets?: readonly string[];
}

export interface S3Emulator {
    /** `http://127.0.0.1:<port>` */
    readonly endpoint: string;
    readonly port: number;
    /** Folder holding the buckets. */
    readonly directory: string;
    /** A new client configured for this emulator (see `s3ClientConfig`). */
    client(): S3Client;
    /** Stops the server (idempotent); removes `directory` if it was a temporary one. */
    stop(): Promise<void>;
}

/** SDK v3 S3 client configuration for a local endpoint: path-style, region, s3rver's credentials. */
export function s3ClientConfig(endpoint: string): S3ClientConfig {
    return {
        endpoint,
        region: LOCAL_REGION,
        forcePathStyle: true,
        credentials: { ...S3_LOCAL_CREDENTIALS },
    };
}

const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** Starts s3rver on 127.0.0.1 and creates `buckets`. */
export async function startS3(opts: S3EmulatorOptions = {}): Promise<S3Emulator> {
    checkPort("port", opts.port);
    for (const name of opts.buckets ?? []) {
        if (typeof name !== "string" || !BUCKET_NAME.test(name) || name.includes("..")) {
            throw new Error(`\`buckets\` entry ${JSON.stringify(name)} is not a valid bucket name (3-63 of a-z 0-9 . -, starting and ending with a letter or digit).`);
        }
    }
    const temporary = opts.directory === undefined;
    const directory = temporary ? fs.mkdtempSync(path.join(os.tmpdir(), "s3rver-")) : path.resolve(opts.directory!);
    fs.mkdirSync(directory, { recursive: true });
    const server = new S3rver({
        address: "127.0.0.1",
        port: opts.port ?? 0,
        silent: true,
        directory,
        vhostBuckets: false,
        configureBuckets: (opts.buckets ?? []).map((name) => ({ name, configs: [] })),
    });
    patchListObjects(server.store);
    patchListObjectsV2Tokens();
    let address: AddressInfo;
    try {
        address = await server.run();
    } catch (err) {
        if (temporary) fs.rmSync(directory, { recursive: true, force: true });
        throw new Error(`s3rver could not listen on 127.0.0.1:${opts.port ?? 0}: ${(err as Error).message}`, { cause: err });
    }
    const endpoint = `http://127.0.0.1:${address.port}`;
    const clients: S3Client[] = [];
    let stopped: Promise<void> | undefined;
    return {
        endpoint,
        port: address.port,
        directory,
        client() {
            const c = new S3Client(s3ClientConfig(endpoint));
            clients.push(c);
            return c;
        },
        stop() {
            stopped ??= (async () => {
                for (const c of clients) c.destroy();
                // Keep-alive sockets of other clients would hold close() open.
                server.httpServer?.closeAllConnections();
                await server.close();
                if (temporary) fs.rmSync(directory, { recursive: true, force: true });
            })();
            return stopped;
        },
    };
}
