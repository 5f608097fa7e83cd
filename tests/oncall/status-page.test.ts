import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { startPlatform, type Platform } from "../../local/platform";
import { startStatusServer } from "../../local/status/server";
import type { StatusSnapshot } from "../../local/status/collect";
import { runTraffic } from "../../scripts/traffic";
import { readLocalKeysFile } from "../../local/keys";
import { postEvents } from "../helpers/ingest";

/** The page's DOM inside page.waitForFunction callbacks (they run in the browser). */
declare const document: any;

const CHROMIUM = "/usr/bin/chromium";
const FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

/** Numbers the page draws: `data-value` of every element matching `selector`, keyed by `data-key`. */
async function drawn(page: Page, selector: string): Promise<Record<string, number>> {
    return page.$$eval(selector, (els) => Object.fromEntries(els.map((e) => [e.getAttribute("data-key") ?? "", Number(e.getAttribute("data-value"))])));
}

async function status(p: Platform): Promise<StatusSnapshot> {
    return (await (await fetch(`${p.statusUrl}/api/status`)).json()) as StatusSnapshot;
}

describe("local status page (headless Chromium against a running platform)", function () {
    this.timeout(300_000);
    let dir: string;
    let profile: string;
    let platform: Platform;
    let browser: BrowserContext;
    let page: Page;

    before(async () => {
        expect(fs.existsSync(CHROMIUM), `Debian's chromium at ${CHROMIUM} (apt-get install -y chromium; .ci/run does it)`).to.equal(true);
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "status-page-"));
        profile = fs.mkdtempSync(path.join(os.tmpdir(), "status-chromium-"));
        platform = await startPlatform({
            dir,
            ingestPort: 0,
            insightsPort: 0,
            statusPort: 0,
            persistStream: false,
            lakeBufferIntervalMs: 1000,
            etlIntervalMs: 3_600_000,
            // A fresh database has no baseline: any route with 5 searches in a window raises an alert.
            processorEnv: { ALERT_MIN_SEARCHES: "5" },
        });
        const sent = await runTraffic({ url: platform.ingestUrl, keys: readLocalKeysFile(platform.ingestKeysFile), rate: 60, durationSeconds: 6, seed: 20, invalidRate: 0 });
        expect(sent.accepted).to.be.greaterThan(300);
        await platform.settle(120_000);
        await platform.scheduler.runNow("pond-etl-revenue");
        browser = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, chromiumSandbox: false, args: FLAGS, viewport: { width: 1360, height: 900 } });
        page = await browser.newPage();
        await page.goto(platform.statusUrl!);
    });

    after(async () => {
        await browser?.close();
        await platform?.stop();
        for (const d of [dir, profile]) if (d) fs.rmSync(d, { recursive: true, force: true });
    });

    it("shows demand per route, the alerts, per-shard lag per consumer, lake and pond freshness and emulator health with real numbers", async () => {
        await page.waitForFunction(() => document.querySelectorAll("#demand rect").length > 0 && document.querySelectorAll("#freshness polyline").length === 2 && document.querySelectorAll("#health .tile").length === 5, undefined, {
            timeout: 60_000,
        });
        const truth = await status(platform);
        // Demand: one bar per route the insights API ranks, each with its search count.
        const demand = await drawn(page, "#demand rect");
        expect(demand).to.deep.equal(Object.fromEntries(truth.demand.map((d) => [d.route, d.searches])));
        expect(Object.values(demand).reduce((a, b) => a + b, 0)).to.be.greaterThan(0);
        // Alerts: the count and one row per alert.
        const alerts = Number(await page.getAttribute("#alerts .big", "data-value"));
        expect(alerts).to.equal(truth.alerts.length);
        expect(alerts).to.be.greaterThan(0);
        expect(await page.$$eval("#alerts tbody tr", (rows) => rows.map((r) => r.getAttribute("data-key")))).to.deep.equal(truth.alerts.map((a) => a.route));
        // Reader lag: every reader of the raw stream (the clean derived stream's writer too) on both shards (caught up after settle: 0 ms behind).
        const lag = await drawn(page, "#lag rect");
        expect(Object.keys(lag).sort()).to.deep.equal([
            "clean-writer/shardId-000000000000",
            "clean-writer/shardId-000000000001",
            "lake-delivery/shardId-000000000000",
            "lake-delivery/shardId-000000000001",
            "stream-processor/shardId-000000000000",
            "stream-processor/shardId-000000000001",
        ]);
        for (const v of Object.values(lag)) expect(v).to.be.a("number").and.to.equal(0);
        // Freshness: the lake and the pond have output, seconds old.
        const fresh = await drawn(page, "#freshness polyline");
        expect(Object.keys(fresh).sort()).to.deep.equal(["lake", "pond revenue"]);
        for (const v of Object.values(fresh)) expect(v).to.be.within(0, 600);
        expect(truth.lake.objects).to.be.greaterThan(0);
        expect(truth.ponds[0].objects).to.be.greaterThan(0);
        expect(await page.textContent("#freshness-detail")).to.include(`lake: ${truth.lake.objects} objects`);
        // Health: every emulator and service answered.
        const tiles = await page.$$eval("#health .tile", (els) => els.map((e) => [e.getAttribute("data-key"), e.getAttribute("data-ok")]));
        expect(tiles).to.deep.equal([
            ["ingestion API", "true"],
            ["insights API", "true"],
            ["Kinesis (kinesis-local)", "true"],
            ["S3 (s3rver)", "true"],
            ["RDS Data API (PGlite)", "true"],
        ]);
    });

    it("refreshes while it runs: a stopped processor's lag grows on the page and new searches raise their route's bar, without a reload", async () => {
        await platform.processor.kill();
        const now = new Date().toISOString();
        const events = Array.from({ length: 40 }, (_, i) => ({
            eventId: `status-page-${i}`,
            type: "search",
            occurredAt: now,
            origin: "ZRH",
            destination: "OPO",
            departureDate: "2027-01-15",
            passengers: 1,
            cabin: "economy",
        }));
        const res = await postEvents(platform.ingestUrl, dir, events);
        expect(res.status, await res.clone().text()).to.equal(202);
        // The processor is down: its lag on some shard becomes positive while the lake delivery keeps up.
        await page.waitForFunction(() => [...document.querySelectorAll("#lag rect")].some((r) => r.getAttribute("data-key")!.startsWith("stream-processor/") && Number(r.getAttribute("data-value")) > 0), undefined, { timeout: 60_000 });
        await platform.processor.start();
        // Back up: the events are counted and ZRH-OPO's bar appears with all 40 searches.
        await page.waitForFunction(() => Number(document.querySelector('#demand rect[data-key="ZRH-OPO"]')?.getAttribute("data-value") ?? 0) >= 40, undefined, { timeout: 90_000 });
        expect((await drawn(page, "#demand rect"))["ZRH-OPO"]).to.equal((await status(platform)).demand.find((d) => d.route === "ZRH-OPO")!.searches);
        // The screenshot in docs/local-platform.md comes from here (STATUS_SCREENSHOT=docs/status-page.png).
        const shot = process.env.STATUS_SCREENSHOT ?? path.join(dir, "status-page.png");
        await page.screenshot({ path: shot, fullPage: true });
        expect(fs.statSync(shot).size).to.be.greaterThan(10_000);
    });
});

describe("status page server", () => {
    it("fails when asked for anything but GET / and GET /api/status (404 and 405 name what it serves)", async () => {
        const s = await startStatusServer({ port: 0, sources: undefined as never });
        try {
            const missing = await fetch(`${s.url}/nope`);
            expect([missing.status, await missing.json()]).to.deep.equal([404, { message: "no page /nope; the status page serves GET / and GET /api/status" }]);
            const post = await fetch(`${s.url}/api/status`, { method: "POST" });
            expect([post.status, await post.json()]).to.deep.equal([405, { message: "POST is not allowed; the status page serves GET / and GET /api/status" }]);
            const html = await fetch(`${s.url}/`);
            expect([html.status, html.headers.get("content-type")]).to.deep.equal([200, "text/html; charset=utf-8"]);
        } finally {
            await s.stop();
        }
    });

    it("fails when the refresh interval is below 200 ms", async () => {
        let err: Error | undefined;
        await startStatusServer({ port: 0, sources: undefined as never, refreshMs: 50 }).catch((e) => (err = e));
        expect(err?.message).to.equal("`refreshMs` must be an integer of at least 200; received 50.");
    });
});
