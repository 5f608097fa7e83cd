/**
 * The local status page server (`npm start` serves it on STATUS_PORT, default
 * 8082): GET / is the page (local/status/page.ts), GET /api/status one fresh
 * snapshot (local/status/collect.ts). Loopback only.
 */
import * as http from "http";
import { AddressInfo } from "net";
import { collectStatus, StatusSources } from "./collect";
import { statusPageHtml } from "./page";

export interface StatusServerOptions {
    readonly sources: StatusSources;
    /** 0 = a free port. */
    readonly port: number;
    /** @default "127.0.0.1" */
    readonly host?: string;
    /** How often the page refreshes its charts. @default 2000 */
    readonly refreshMs?: number;
}

export interface StatusServer {
    readonly url: string;
    stop(): Promise<void>;
}

export async function startStatusServer(o: StatusServerOptions): Promise<StatusServer> {
    const refreshMs = o.refreshMs ?? 2000;
    if (!Number.isInteger(refreshMs) || refreshMs < 200) throw new Error(`\`refreshMs\` must be an integer of at least 200; received ${String(o.refreshMs)}.`);
    const html = statusPageHtml(refreshMs);
    // One collection at a time: concurrent page loads share the running one.
    let running: Promise<unknown> | undefined;
    const snapshot = () => (running ??= collectStatus(o.sources).finally(() => (running = undefined)));
    const server = http.createServer((req, res) => {
        const path = (req.url ?? "/").split("?")[0];
        if (req.method !== "GET") {
            res.writeHead(405, { "content-type": "application/json", allow: "GET" }).end(JSON.stringify({ message: `${req.method} is not allowed; the status page serves GET / and GET /api/status` }));
        } else if (path === "/") {
            res.writeHead(200, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" }).end(html);
        } else if (path === "/api/status") {
            snapshot().then(
                (s) => res.writeHead(200, { "content-type": "application/json", "cache-control": "no-store" }).end(JSON.stringify(s)),
                (err) => res.writeHead(500, { "content-type": "application/json" }).end(JSON.stringify({ message: `status collection failed: ${(err as Error).message}` })),
            );
        } else {
            res.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ message: `no page ${path}; the status page serves GET / and GET /api/status` }));
        }
    });
    await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(o.port, o.host ?? "127.0.0.1", () => resolve());
    });
    const addr = server.address() as AddressInfo;
    return {
        url: `http://${addr.address}:${addr.port}`,
        stop: () =>
            new Promise<void>((resolve) => {
                server.closeAllConnections();
                server.close(() => resolve());
            }),
    };
}
