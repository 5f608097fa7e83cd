/**
 * A local RDS Data API endpoint: the service's REST-JSON protocol over HTTP on
 * 127.0.0.1, backed by PostgreSQL (PGlite by default), so
 * `new RDSDataClient({ endpoint, region, credentials })` code runs unchanged.
 * See docs/local-emulators.md.
 */
import { randomUUID } from "crypto";
import * as http from "http";
import type { AddressInfo } from "net";
import { RDSDataClient, RDSDataClientConfig } from "@aws-sdk/client-rds-data";
import { checkPort } from "../emulators/process";
import { PgliteEngine, SqlEngine } from "./engine";
import { DataApiError, badRequest } from "./errors";
import { DATA_API_LIMITS, DataApiService } from "./service";
import { ARN_PATTERNS } from "../../functions/shared/arn";

export const DEFAULT_RESOURCE_ARN = "arn:aws:rds:us-east-1:000000000000:cluster:flightstream-local";
export const DEFAULT_SECRET_ARN = "arn:aws:secretsmanager:us-east-1:000000000000:secret:flightstream-local-db-AbCdEf";
export const DEFAULT_DATABASE = "flightstream";

export interface DataApiOptions {
    /** TCP port on 127.0.0.1. @default - a free port */
    readonly port?: number;
    /** PGlite data directory (created if missing, reopened if present). @default - in memory */
    readonly dataDir?: string;
    /** Cluster ARN the endpoint answers for. @default DEFAULT_RESOURCE_ARN */
    readonly resourceArn?: string;
    /** Secret ARN it accepts. @default DEFAULT_SECRET_ARN */
    readonly secretArn?: string;
    /** Database name it accepts in `database`. @default "flightstream" */
    readonly database?: string;
    /** Use this engine instead of PGlite (e.g. one over Debian's PostgreSQL); stop() closes it. @default - PGlite */
    readonly engine?: SqlEngine;
    /** Idle time after which an open transaction is rolled back. @default 180000 */
    readonly transactionIdleTimeoutMs?: number;
    /** How long a call waits for the connection (held by a transaction) before StatementTimeoutException. @default 45000 */
    readonly statementTimeoutMs?: number;
}

export interface DataApi {
    /** `http://127.0.0.1:<port>` */
    readonly endpoint: string;
    readonly port: number;
    readonly resourceArn: string;
    readonly secretArn: string;
    readonly database: string;
    /** The operations without HTTP (same behaviour). */
    readonly service: DataApiService;
    /** A new RDSDataClient for this endpoint (see `dataApiClientConfig`). */
    client(): RDSDataClient;
    /** Stops the server, rolls back open transactions, closes the database (idempotent). */
    stop(): Promise<void>;
}

/** SDK v3 RDSDataClient configuration for a local endpoint (region, dummy credentials). */
export function dataApiClientConfig(endpoint: string): RDSDataClientConfig {
    return {
        endpoint,
        region: "us-east-1",
        credentials: { accessKeyId: "AKIALOCALDATAAPI", secretAccessKey: "local" },
        maxAttempts: 1,
    };
}

const ROUTES: Record<string, (s: DataApiService, body: never) => Promise<unknown>> = {
    "/Execute": (s, b) => s.executeStatement(b),
    "/BatchExecute": (s, b) => s.batchExecuteStatement(b),
    "/BeginTransaction": (s, b) => s.beginTransaction(b),
    "/CommitTransaction": (s, b) => s.commitTransaction(b),
    "/RollbackTransaction": (s, b) => s.rollbackTransaction(b),
};

const ARN = ARN_PATTERNS.rdsCluster;
const SECRET_ARN = ARN_PATTERNS.secret;

function send(res: http.ServerResponse, status: number, body: unknown, errorType?: string): void {
    // A response already (partly) written cannot carry an error: end the connection instead of throwing.
    if (res.headersSent || res.writableEnded) {
        res.destroy();
        return;
    }
    const text = JSON.stringify(body);
    const headers: http.OutgoingHttpHeaders = {
        "content-type": "application/json",
        "content-length": Buffer.byteLength(text),
        "x-amzn-requestid": randomUUID(),
    };
    if (errorType) headers["x-amzn-errortype"] = errorType;
    res.writeHead(status, headers);
    res.end(text);
}

function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer> {
    return new Promise((resolve, reject) => {
        const chunks: Buffer[] = [];
        let size = 0;
        let tooLarge = false;
        req.on("data", (c: Buffer) => {
            size += c.length;
            if (size > limit) tooLarge = true;
            else chunks.push(c);
        });
        req.on("end", () => {
            if (tooLarge) reject(badRequest(`Request size ${size} bytes exceeds the limit of ${limit} bytes (4 MiB).`));
            else resolve(Buffer.concat(chunks));
        });
        req.on("error", reject);
    });
}

/** Starts the endpoint and resolves once it listens. */
export async function startDataApi(opts: DataApiOptions = {}): Promise<DataApi> {
    checkPort("port", opts.port);
    const resourceArn = opts.resourceArn ?? DEFAULT_RESOURCE_ARN;
    const secretArn = opts.secretArn ?? DEFAULT_SECRET_ARN;
    const database = opts.database ?? DEFAULT_DATABASE;
    if (!ARN.test(resourceArn)) {
        throw new Error(`\`resourceArn\` must look like arn:aws:rds:<region>:<account>:cluster:<name>; received ${JSON.stringify(resourceArn)}.`);
    }
    if (!SECRET_ARN.test(secretArn)) {
        throw new Error(`\`secretArn\` must look like arn:aws:secretsmanager:<region>:<account>:secret:<name>; received ${JSON.stringify(secretArn)}.`);
    }
    if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(database)) {
        throw new Error(`\`database\` must be 1-63 letters, digits or underscores, starting with a letter or underscore; received ${JSON.stringify(database)}.`);
    }
    const engine = opts.engine ?? (await PgliteEngine.create({ dataDir: opts.dataDir }));
    const service = new DataApiService({
        engine,
        resourceArn,
        secretArn,
        database,
        transactionIdleTimeoutMs: opts.transactionIdleTimeoutMs,
        statementTimeoutMs: opts.statementTimeoutMs,
    });

    const server = http.createServer((req, res) => {
        void (async () => {
            try {
                const path = (req.url ?? "/").split("?")[0];
                const route = ROUTES[path];
                if (req.method !== "POST" || !route) {
                    if (path === "/ExecuteSql") throw badRequest("ExecuteSql is not supported by the local Data API; use ExecuteStatement.");
                    send(res, 404, { message: `No operation at ${req.method} ${path}` }, "UnknownOperationException");
                    return;
                }
                const raw = await readBody(req, DATA_API_LIMITS.batchRequestBytes);
                let body: unknown;
                try {
                    body = raw.length === 0 ? {} : JSON.parse(raw.toString("utf8"));
                } catch {
                    throw badRequest("Invalid request body: not JSON.");
                }
                const out = await route(service, body as never);
                send(res, 200, out);
            } catch (err) {
                const e = err instanceof DataApiError ? err : new DataApiError("InternalServerErrorException", String((err as Error)?.message ?? err));
                send(res, e.status, { message: e.message }, e.errorName);
            }
        })().catch((err) => {
            // Last resort (send itself failed): report, drop the connection, keep serving.
            process.stderr.write(`data api: request failed: ${(err as Error)?.stack ?? String(err)}\n`);
            res.destroy();
        });
    });
    server.keepAliveTimeout = 5000;
    await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(opts.port ?? 0, "127.0.0.1", () => resolve());
    }).catch(async (err) => {
        await service.close();
        throw new Error(`local Data API could not listen on 127.0.0.1:${opts.port ?? 0}: ${(err as Error).message}`);
    });
    const port = (server.address() as AddressInfo).port;
    const endpoint = `http://127.0.0.1:${port}`;
    const clients: RDSDataClient[] = [];
    let stopped: Promise<void> | undefined;
    return {
        endpoint,
        port,
        resourceArn,
        secretArn,
        database,
        service,
        client() {
            const c = new RDSDataClient(dataApiClientConfig(endpoint));
            clients.push(c);
            return c;
        },
        stop() {
            stopped ??= (async () => {
                for (const c of clients) c.destroy();
                server.closeAllConnections();
                await new Promise<void>((resolve) => server.close(() => resolve()));
                await service.close();
            })();
            return stopped;
        },
    };
}
