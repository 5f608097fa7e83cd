/**
 * Alerts under a processor crash at the moment they are written (local
 * platform, temp dir, free ports). The processor's Data API client goes through
 * a proxy that, armed, cuts the connection (1) at the alert INSERT (the
 * statement never reaches the database) or (2) after the COMMIT of a
 * transaction that inserted an alert (committed, but the processor never hears
 * so); at the cut the processor's event source mapping is killed (in-flight
 * batches abandoned, not checkpointed) and started again, so the batch is
 * redelivered. Afterwards each hot route has exactly one alert row, each alert
 * was delivered exactly once (an SNS stand-in records every Publish), and
 * every accepted search is counted once.
 */
import * as http from "http";
import { expect } from "chai";
import type { Platform } from "../../local/platform";
import { startTestPlatform, stopTestPlatform, tempDir } from "./helpers";
import { TrafficGenerator } from "../../local/traffic";
import { postEvents } from "../helpers/ingest";

type Cut = "insert" | "commit";

describe("e2e: alerts when the processor is killed while writing them", function () {
    this.timeout(600_000);
    let platform: Platform;
    let dir: string;
    let proxy: http.Server;
    let sns: http.Server;
    let upstream: string | undefined;
    let armed: Cut | undefined;
    const cuts: Cut[] = [];
    const published: { alertId: number; route: string }[] = [];
    let crash: Promise<void> = Promise.resolve();
    const txWithAlert = new Set<string>();
    const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };

    const listen = (s: http.Server) => new Promise<number>((r) => s.listen(0, "127.0.0.1", () => r((s.address() as { port: number }).port)));
    const body = (req: http.IncomingMessage) =>
        new Promise<Buffer>((r) => {
            const c: Buffer[] = [];
            req.on("data", (d: Buffer) => c.push(d));
            req.on("end", () => r(Buffer.concat(c)));
        });

    before(async () => {
        process.env.AWS_ACCESS_KEY_ID ??= "AKIALOCALSNS";
        process.env.AWS_SECRET_ACCESS_KEY ??= "local";
        dir = tempDir("alert-faults");
        proxy = http.createServer(async (req, res) => {
            const raw = await body(req);
            if (!upstream) {
                res.writeHead(503).end();
                return;
            }
            const text = raw.toString("utf8");
            let parsed: { sql?: string; transactionId?: string } = {};
            try {
                parsed = JSON.parse(text) as typeof parsed;
            } catch {
                /* not JSON */
            }
            const isAlertInsert = /INSERT INTO alerts/.test(parsed.sql ?? "");
            if (isAlertInsert && parsed.transactionId) txWithAlert.add(parsed.transactionId);
            const kill = (cut: Cut) => {
                armed = undefined;
                cuts.push(cut);
                req.socket.destroy();
                // The crash: the mapping is killed (nothing of the batch checkpointed), then started again.
                crash = (async () => {
                    await platform.processor.kill();
                    await platform.processor.start();
                })();
            };
            if (armed === "insert" && isAlertInsert) return kill("insert");
            const up = await fetch(`${upstream}${req.url}`, {
                method: req.method,
                headers: { "content-type": String(req.headers["content-type"] ?? "application/json"), authorization: String(req.headers.authorization ?? ""), "x-amz-date": String(req.headers["x-amz-date"] ?? "") },
                body: raw.length ? raw : undefined,
            });
            const out = Buffer.from(await up.arrayBuffer());
            if (armed === "commit" && req.url === "/CommitTransaction" && parsed.transactionId && txWithAlert.has(parsed.transactionId) && up.status === 200) return kill("commit");
            res.writeHead(up.status, { "content-type": up.headers.get("content-type") ?? "application/json" }).end(out);
        });
        sns = http.createServer(async (req, res) => {
            const form = new URLSearchParams((await body(req)).toString("utf8"));
            if (form.get("Action") === "Publish") {
                const m = JSON.parse(form.get("Message")!) as { alertId: number; route: string };
                published.push({ alertId: m.alertId, route: m.route });
            }
            res.writeHead(200, { "content-type": "text/xml" }).end(
                `<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>m${published.length}</MessageId></PublishResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></PublishResponse>`,
            );
        });
        const [proxyPort, snsPort] = [await listen(proxy), await listen(sns)];
        platform = await startTestPlatform(dir, {
            esm: { batchSize: 1000, maximumBatchingWindowInSeconds: 0, pollIntervalMs: 50 },
            processorEnv: { DATA_API_ENDPOINT: `http://127.0.0.1:${proxyPort}`, ALERTS_TOPIC_ARN: "arn:aws:sns:us-east-1:000000000000:alerts", SNS_ENDPOINT: `http://127.0.0.1:${snsPort}` },
        });
        upstream = platform.dataApi.endpoint;
    });
    after(async () => {
        await stopTestPlatform(platform, dir);
        proxy?.close();
        sns?.close();
        if (saved.id === undefined) delete process.env.AWS_ACCESS_KEY_ID;
        if (saved.secret === undefined) delete process.env.AWS_SECRET_ACCESS_KEY;
    });

    it("raises each episode once (one row, one notification) and counts every accepted search once, after a kill at the alert INSERT and after the COMMIT", async () => {
        const gen = new TrafficGenerator({ seed: 3, idPrefix: `af${Date.now()}` });
        const [hotA, hotB, ...normal] = gen.routes.slice(0, 14);
        const at = new Date(Date.now() - 1000);
        const sent = new Map<string, number>();
        const send = async (routes: { route: string }[], per: number) => {
            const events = routes.flatMap((r) => Array.from({ length: per }, () => ({ ...gen.search(at, r as typeof hotA), source: "web-eu" })));
            const res = await postEvents(platform.ingestUrl, platform.dirs.root, events, "web-eu");
            expect(res.status).to.equal(202);
            for (const r of routes) sent.set(r.route, (sent.get(r.route) ?? 0) + per);
        };
        const alertRows = async () =>
            (await platform.db.query("SELECT alert_id::bigint AS alert_id, route, searches::bigint AS searches FROM alerts ORDER BY alert_id", {})).map((r) => ({ alertId: Number(r.alert_id), route: String(r.route) }));
        const waitFor = async (what: string, ok: () => Promise<boolean>) => {
            for (let i = 0; i < 1200; i++) {
                if (await ok()) return;
                await new Promise((r) => setTimeout(r, 250));
            }
            throw new Error(`timed out waiting for ${what}`);
        };

        // The network: 12 routes with 5 searches each in the window (the prior: 5 per route).
        await send(normal, 5);
        await platform.settle(120_000);
        // 1. Hot route A (100 searches, 20x): the processor is killed at its alert INSERT.
        armed = "insert";
        await send([hotA], 100);
        await waitFor("the cut at the INSERT", async () => cuts.length === 1);
        await crash;
        await waitFor("A's alert after the redelivery", async () => (await alertRows()).some((a) => a.route === hotA.route) && published.some((p) => p.route === hotA.route));
        // 2. Hot route B: killed after the COMMIT of the transaction holding its alert.
        armed = "commit";
        await send([hotB], 100);
        await waitFor("the cut after the COMMIT", async () => cuts.length === 2);
        await crash;
        await waitFor("B's alert delivered", async () => published.some((p) => p.route === hotB.route));
        // More searches on both hot routes in the same window: the open episodes are extended, not raised again.
        await send([hotA, hotB], 20);
        await platform.settle(120_000);
        await new Promise((r) => setTimeout(r, 2000));

        expect(cuts).to.deep.equal(["insert", "commit"]);
        const rows = await alertRows();
        expect(rows.map((r) => r.route).sort()).to.deep.equal([hotA.route, hotB.route].sort());
        expect(published.map((p) => p.alertId).sort((a, b) => a - b)).to.deep.equal(rows.map((r) => r.alertId).sort((a, b) => a - b));
        const unpublished = await platform.db.query("SELECT count(*)::bigint AS n FROM alerts WHERE published_at IS NULL", {});
        expect(Number(unpublished[0].n)).to.equal(0);
        // Every accepted search counted once per route.
        const counted = await platform.db.query("SELECT route, SUM(searches)::bigint AS n FROM route_minute_stats GROUP BY route", {});
        expect(Object.fromEntries(counted.map((r) => [String(r.route), Number(r.n)]))).to.deep.equal(Object.fromEntries(sent));
    });
});
