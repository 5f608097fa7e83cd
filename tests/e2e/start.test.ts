/**
 * `npm start` as a user runs it (local/main.ts in a child process): both
 * health checks answer, the demo traffic shows up in the insights API, and
 * SIGINT (Ctrl-C) stops everything with exit code 0 and no kinesis-local left.
 */
import { spawn, execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { expect } from "chai";
import { demandShape } from "../../local/traffic";

const ROOT = path.resolve(__dirname, "..", "..");

function childrenOf(pid: number): number[] {
    try {
        return execFileSync("pgrep", ["-P", String(pid)], { encoding: "utf8" })
            .split("\n")
            .filter((l) => l.trim() !== "")
            .map(Number);
    } catch {
        return [];
    }
}

function alive(pid: number): boolean {
    try {
        process.kill(pid, 0);
        return true;
    } catch {
        return false;
    }
}

describe("npm start (local/main.ts)", function () {
    this.timeout(300000);

    it("serves both health checks, shows demo traffic in the insights API, and stops cleanly on SIGINT", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "e2e-start-"));
        const startedAt = new Date();
        const child = spawn(process.execPath, ["-r", "./scripts/register.js", "local/main.ts", "--dir", dir, "--etl-every", "0", "--demo", "--rate", "40", "--duration", "4", "--history-days", "1"], {
            cwd: ROOT,
            env: { ...process.env, INGEST_PORT: "0", INSIGHTS_PORT: "0", STATUS_PORT: "0" },
            stdio: ["ignore", "pipe", "pipe"],
        });
        let out = "";
        child.stdout.on("data", (c: Buffer) => (out += c.toString()));
        child.stderr.on("data", (c: Buffer) => (out += c.toString()));
        const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
        try {
            // Start-up takes 10-20 s on an idle machine, over a minute on a loaded one.
            const deadline = Date.now() + 150000;
            // Port 0: the platform binds free ports itself (probed-and-released ones race with its emulators' ports)
            // and writes them to platform.json once it is up.
            while (!out.includes("local platform is up") && child.exitCode === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
            expect(out, out).to.contain("local platform is up");
            const info = JSON.parse(fs.readFileSync(path.join(dir, "platform.json"), "utf8")) as { ingestUrl: string; insightsUrl: string };
            const [ingestPort, insightsPort] = [info.ingestUrl, info.insightsUrl].map((u) => Number(new URL(u).port));
            const ok = await Promise.all(
                [ingestPort, insightsPort].map((p) =>
                    fetch(`http://127.0.0.1:${p}/healthz`).then(
                        (r) => r.status === 200,
                        () => false,
                    ),
                ),
            );
            const healthy = ok.every(Boolean);
            expect(healthy, out).to.equal(true);
            expect(out).to.contain(`ingestion API   http://127.0.0.1:${ingestPort}`);
            expect(out).to.contain(`insights API    http://127.0.0.1:${insightsPort}`);
            expect(out).to.contain(`data lives in ${dir}/`);

            let routes: { searches: number }[] = [];
            while (Date.now() < deadline + 30000) {
                // A reused keep-alive connection the server has just closed reads ECONNRESET: ask again (a platform that
                // died instead fails below: no "demo: done" line and no clean exit on SIGINT).
                const body = (await fetch(`http://127.0.0.1:${insightsPort}/v1/routes/top?limit=50`).then(
                    (r) => r.json(),
                    () => ({ routes }),
                )) as { routes: { searches: number }[] };
                routes = body.routes;
                if (routes.length > 0 && /demo: done\. sent \d+, accepted \d+, rejected \d+, failed 0/.test(out)) break;
                await new Promise((r) => setTimeout(r, 500));
            }
            expect(routes.length, out).to.be.greaterThan(0);
            expect(out).to.match(/demo: done\. sent \d+, accepted \d+, rejected \d+, failed 0; hot route [A-Z]{3}-[A-Z]{3}/);
            // The demo follows the daily and weekly shape of shopping traffic, so how many events 4 s at 40/s sends
            // depends on the hour: every one sent is accepted or rejected, and at least half the shaped volume goes out.
            const [, sent, accepted, rejected] = /demo: done\. sent (\d+), accepted (\d+), rejected (\d+)/.exec(out)!.map(Number);
            expect(accepted + rejected, out).to.equal(sent);
            expect(accepted, out).to.be.greaterThan(0.5 * 40 * 4 * demandShape(startedAt));

            // The backfill: a day of history as events into the lake at 1 in 240 (40/s to 600 events/hour), both models
            // trained on it, and the live platform serving the forecast from the stored model.
            expect(out).to.match(/demo: backfilled \d+ events \(\d+ searches\) from \S+ to \S+ into \d+ lake objects in [\d.]+ s; scale 1 in 240 of 40 events\/s/);
            const version = /trained both models on the lake \(DuckDB[^)]*\) in [\d.]+ s: forecast (\S+) \(/.exec(out)?.[1];
            expect(version, out).to.be.a("string");
            expect(out).to.match(/demo: backfill and training took [\d.]+ s/);
            const hotRoute = /hot route ([A-Z]{3}-[A-Z]{3})/.exec(out)![1];
            const fc = (await (await fetch(`http://127.0.0.1:${insightsPort}/v1/routes/${hotRoute}/forecast?hours=1`)).json()) as { model?: { version: string } };
            expect(fc.model?.version, JSON.stringify(fc)).to.equal(version);

            const kids = childrenOf(child.pid!);
            expect(kids.length, "kinesis-local child").to.be.greaterThan(0);
            child.kill("SIGINT");
            expect(await exited).to.equal(0);
            await new Promise((r) => setTimeout(r, 500));
            for (const pid of kids) expect(alive(pid), `child ${pid} still running`).to.equal(false);
            expect(out).to.contain(`stopped; data kept in ${dir}`);
            expect(fs.existsSync(path.join(dir, "platform.json"))).to.equal(false);
            expect(fs.readdirSync(path.join(dir, "s3"))).to.include("flightstream-local-lake");
        } finally {
            if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
            await exited;
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
