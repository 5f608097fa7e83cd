/**
 * Serves an API Gateway HTTP API (payload format 2.0) Lambda handler over
 * plain HTTP on 127.0.0.1: each request becomes the `APIGatewayProxyEventV2`
 * API Gateway would send (rawPath, rawQueryString, queryStringParameters with
 * repeated keys joined by commas, lower-cased headers, cookies, requestContext.http,
 * base64 body for binary content), and the structured result (or a bare
 * object/string, which API Gateway turns into a 200 JSON response) is written back.
 * A handler that throws yields 500 `{"message":"Internal Server Error"}`, as API Gateway does; a
 * request target that is not a valid path (`GET //[ HTTP/1.1`) gets 400 naming it, and any
 * other failure on the request path becomes a 500 (never an unhandled rejection).
 * `GET /healthz` answers 200 without calling the handler (the local health check).
 */
import { randomUUID } from "crypto";
import * as http from "http";
import type { AddressInfo } from "net";
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, Context } from "aws-lambda";

export type HttpApiHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyResultV2>;

export interface HttpApiServerOptions {
    readonly handler: HttpApiHandler;
    /** @default 0 (a free port) */
    readonly port?: number;
    /** @default "127.0.0.1" */
    readonly host?: string;
    /** Function name in the context. @default "insights-api" */
    readonly functionName?: string;
    /** Largest body accepted (API Gateway: 10 MB). @default 10485760 */
    readonly maxBodyBytes?: number;
    /** Called when the handler throws. @default - the stack trace on stderr */
    readonly onHandlerError?: (err: unknown) => void;
}

export interface HttpApiServer {
    readonly url: string;
    readonly port: number;
    stop(): Promise<void>;
}

const TEXT_TYPES = /^(text\/|application\/(json|x-ndjson|xml|javascript|x-www-form-urlencoded))/;

/** Builds the API Gateway v2 event for one request (exported for tests). */
export function toApiGatewayV2Event(req: { method: string; url: string; headers: http.IncomingHttpHeaders; body: Buffer; sourceIp: string }, now = new Date()): APIGatewayProxyEventV2 {
    const url = new URL(req.url, "http://localhost");
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) {
        if (v === undefined || k === "cookie") continue;
        headers[k.toLowerCase()] = Array.isArray(v) ? v.join(",") : v;
    }
    const query: Record<string, string> = {};
    for (const [k, v] of url.searchParams) query[k] = k in query ? `${query[k]},${v}` : v;
    const cookieHeader = req.headers.cookie;
    const cookies = cookieHeader
        ? cookieHeader
              .split(";")
              .map((c) => c.trim())
              .filter((c) => c.length > 0)
        : undefined;
    const contentType = headers["content-type"] ?? "";
    const isText = req.body.length === 0 || TEXT_TYPES.test(contentType);
    const requestId = randomUUID();
    return {
        version: "2.0",
        routeKey: "$default",
        rawPath: url.pathname,
        rawQueryString: url.search.startsWith("?") ? url.search.slice(1) : "",
        ...(cookies ? { cookies } : {}),
        headers,
        ...(Object.keys(query).length > 0 ? { queryStringParameters: query } : {}),
        requestContext: {
            accountId: "000000000000",
            apiId: "local",
            domainName: headers.host ?? "127.0.0.1",
            domainPrefix: (headers.host ?? "127").split(".")[0],
            http: { method: req.method, path: url.pathname, protocol: "HTTP/1.1", sourceIp: req.sourceIp, userAgent: headers["user-agent"] ?? "" },
            requestId,
            routeKey: "$default",
            stage: "$default",
            time: now.toUTCString(),
            timeEpoch: now.getTime(),
        },
        ...(req.body.length > 0 ? { body: isText ? req.body.toString("utf8") : req.body.toString("base64") } : {}),
        isBase64Encoded: req.body.length > 0 && !isText,
    };
}

export async function startHttpApiServer(opts: HttpApiServerOptions): Promise<HttpApiServer> {
    const port = opts.port ?? 0;
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
        throw new Error(`\`port\` must be an integer from 0 to 65535 (0 = pick a free port); received ${String(opts.port)}.`);
    }
    const maxBody = opts.maxBodyBytes ?? 10 * 1024 * 1024;
    const functionName = opts.functionName ?? "insights-api";
    const server = http.createServer((req, res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        let tooLarge = false;
        req.on("data", (c: Buffer) => {
            size += c.length;
            if (size > maxBody) tooLarge = true;
            else chunks.push(c);
        });
        req.on("error", () => res.destroy());
        req.on("end", () => {
            const write = (status: number, headers: Record<string, string>, body: string | Buffer) => {
                if (res.headersSent || res.writableEnded) return void res.destroy();
                res.writeHead(status, { ...headers, "content-length": Buffer.byteLength(body) });
                res.end(body);
            };
            // Every failure on the request path becomes a response (or a closed connection), never an unhandled rejection.
            void (async () => {
                if (tooLarge) return write(413, { "content-type": "application/json" }, JSON.stringify({ message: "Request Entity Too Large" }));
                const path = (req.url ?? "/").split("?")[0];
                if (req.method === "GET" && path === "/healthz") return write(200, { "content-type": "application/json" }, JSON.stringify({ status: "ok" }));
                try {
                    new URL(req.url ?? "/", "http://localhost");
                } catch {
                    return write(400, { "content-type": "application/json" }, JSON.stringify({ message: `Bad Request: the request target ${JSON.stringify(req.url)} is not a valid path` }));
                }
                const event = toApiGatewayV2Event({
                    method: req.method ?? "GET",
                    url: req.url ?? "/",
                    headers: req.headers,
                    body: Buffer.concat(chunks),
                    sourceIp: req.socket.remoteAddress ?? "127.0.0.1",
                });
                const started = Date.now();
                const context = {
                    callbackWaitsForEmptyEventLoop: true,
                    functionName,
                    functionVersion: "$LATEST",
                    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${functionName}`,
                    memoryLimitInMB: "512",
                    awsRequestId: randomUUID(),
                    logGroupName: `/aws/lambda/${functionName}`,
                    logStreamName: "local",
                    getRemainingTimeInMillis: () => Math.max(0, 30000 - (Date.now() - started)),
                    done: () => undefined,
                    fail: () => undefined,
                    succeed: () => undefined,
                } as Context;
                let result: APIGatewayProxyResultV2;
                try {
                    result = await opts.handler(event, context);
                } catch (err) {
                    (opts.onHandlerError ?? ((e: unknown) => process.stderr.write(`insights: handler error: ${(e as Error)?.stack ?? String(e)}\n`)))(err);
                    return write(500, { "content-type": "application/json" }, JSON.stringify({ message: "Internal Server Error" }));
                }
                // API Gateway: a result without statusCode is a 200 JSON body.
                if (typeof result === "string" || result === null || typeof result !== "object" || !("statusCode" in result)) {
                    return write(200, { "content-type": "application/json" }, typeof result === "string" ? result : JSON.stringify(result));
                }
                const headers: Record<string, string> = {};
                for (const [k, v] of Object.entries(result.headers ?? {})) headers[k.toLowerCase()] = String(v);
                if (result.cookies && result.cookies.length > 0) res.setHeader("set-cookie", result.cookies);
                const body = result.body === undefined ? "" : result.isBase64Encoded ? Buffer.from(result.body, "base64") : result.body;
                write(result.statusCode ?? 200, headers, body);
            })().catch((err) => {
                (opts.onHandlerError ?? ((e: unknown) => process.stderr.write(`insights: request failed: ${(e as Error)?.stack ?? String(e)}\n`)))(err);
                write(500, { "content-type": "application/json" }, JSON.stringify({ message: "Internal Server Error" }));
            });
        });
    });
    server.keepAliveTimeout = 5000;
    await new Promise<void>((resolve, reject) => {
        server.once("error", (err: NodeJS.ErrnoException) => reject(new Error(`insights API could not listen on ${opts.host ?? "127.0.0.1"}:${port}: ${err.code === "EADDRINUSE" ? "port in use" : err.message}`)));
        server.listen(port, opts.host ?? "127.0.0.1", () => resolve());
    });
    const address = server.address() as AddressInfo;
    let stopped: Promise<void> | undefined;
    return {
        url: `http://${opts.host ?? "127.0.0.1"}:${address.port}`,
        port: address.port,
        stop() {
            stopped ??= new Promise<void>((resolve) => {
                server.closeAllConnections();
                server.close(() => resolve());
            });
            return stopped;
        },
    };
}
