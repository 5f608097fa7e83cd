/**
 * The local platform's smaller pieces: traffic generator, scheduler, the
 * API Gateway v2 adapter of the insights server, and the CLI argument parsers.
 */
import { spawnSync } from "child_process";
import * as path from "path";
import { expect } from "chai";
import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { validateEvent, type FlightEvent } from "../../functions/shared/events";
import { INVALID_REASONS, TrafficGenerator, eventsForSecond, expectedAggregates, makeRoutes } from "../../local/traffic";
import { parseRate, startScheduler } from "../../local/scheduler";
import { startHttpApiServer, toApiGatewayV2Event } from "../../local/insights-server";
import { HELP, parseMainArgs } from "../../local/main";
import { parseTrafficArgs } from "../../scripts/traffic";
import { localStackSettings, REPO_ROOT } from "../../local/platform";

const AT = new Date("2026-11-22T10:00:00Z");

describe("traffic generator (local/traffic.ts)", () => {
    it("is deterministic for a seed and produces only valid events over 50 distinct routes", () => {
        const a = new TrafficGenerator({ seed: 9 });
        const b = new TrafficGenerator({ seed: 9 });
        const evA = Array.from({ length: 2000 }, () => a.next(AT));
        const evB = Array.from({ length: 2000 }, () => b.next(AT));
        expect(evA).to.deep.equal(evB);
        expect(new Set(a.routes.map((r) => r.route)).size).to.equal(50);
        for (const e of evA) expect(validateEvent(e).ok, JSON.stringify(e)).to.equal(true);
        const types = new Set(evA.map((e) => e.type));
        expect([...types].sort()).to.deep.equal(["booking", "cancellation", "offer", "search"]);
        expect(new Set(evA.map((e) => e.eventId)).size).to.equal(2000);
    });

    it("offers carry itinerary segments, fares per passenger type and taxes that add up to the price", () => {
        const g = new TrafficGenerator({ seed: 3 });
        const offer = g.offer(AT) as FlightEvent & { itinerary: { segments: unknown[] }; fares: { count: number; total: number; baseFare: number; taxes: { amount: number }[] }[]; price: { amount: number } };
        expect(offer.itinerary.segments).to.have.length(1);
        for (const f of offer.fares) {
            const taxes = f.taxes.reduce((s, t) => s + t.amount, 0);
            expect(Math.abs(f.baseFare + taxes - f.total)).to.be.lessThan(0.011);
        }
        const total = offer.fares.reduce((s, f) => s + f.total * f.count, 0);
        expect(Math.abs(total - offer.price.amount)).to.be.lessThan(0.011);
    });

    it("cancels only bookings older than the lag, with the booking's flight and seats", () => {
        const g = new TrafficGenerator({ seed: 5, cancellationLag: 3 });
        const bookings = Array.from({ length: 4 }, () => g.booking(AT));
        const c = g.cancellation(AT);
        expect(c.bookingId).to.equal(bookings[0].bookingId);
        expect(c.flight).to.deep.equal(bookings[0].flight);
        expect(c.seats).to.equal(bookings[0].seats);
        expect(() => g.cancellation(AT)).to.throw("no open booking older than the last 3 to cancel");
    });

    it("invalid events fail validation for their stated reason", () => {
        const g = new TrafficGenerator({ seed: 1 });
        const paths: Record<string, string> = {
            "missing-eventId": "eventId",
            "unknown-type": "type",
            "same-origin-destination": "destination",
            "bad-seats": "seats",
            "bad-occurredAt": "occurredAt",
            "negative-price": "price.amount",
        };
        for (const reason of INVALID_REASONS) {
            const r = validateEvent(g.invalidEvent(AT, reason));
            expect(r.ok, reason).to.equal(false);
            if (!r.ok)
                expect(
                    r.errors.map((e) => e.path),
                    reason,
                ).to.deep.equal([paths[reason]]);
        }
    });

    it("expected aggregates count each eventId once and net seats per flight", () => {
        const g = new TrafficGenerator({ seed: 2, cancellationLag: 0 });
        const b = g.booking(AT);
        const s = g.search(AT);
        const c = g.cancellation(AT);
        const agg = expectedAggregates([b, s, s, c, b]);
        const key = `${b.flight.carrier}/${b.flight.number}/${b.flight.departureDate}`;
        expect(agg.seatsSold.get(key)).to.equal(0);
        const route = `${b.flight.origin}-${b.flight.destination}`;
        expect(agg.byRoute.get(route)!.bookings).to.equal(1);
        expect(agg.byRoute.get(route)!.cancellations).to.equal(1);
        expect(agg.byRoute.get(`${s.origin}-${s.destination}`)!.searches).to.equal(1);
    });

    it("turns the hot route hot after 30% of a live run", () => {
        const g = new TrafficGenerator({ seed: 4 });
        const hot = g.hotRoute;
        const plan = { rate: 100, durationSeconds: 10 };
        const early = eventsForSecond(g, plan, 0, AT);
        const late = eventsForSecond(g, plan, 3, AT);
        expect(early).to.have.length(100);
        expect(late).to.have.length(100);
        const hotSearches = (evs: FlightEvent[]) => evs.filter((e) => e.type === "search" && `${e.origin}-${e.destination}` === hot.route).length;
        expect(hotSearches(late)).to.be.at.least(30);
        expect(hotSearches(early)).to.be.lessThan(10);
    });

    it("fails when routes or mix are out of range", () => {
        expect(() => makeRoutes(0, 1)).to.throw("`routes` must be an integer from 1 to 380; received 0.");
        expect(() => new TrafficGenerator({ mix: { search: 0.5, offer: 0.5, booking: 0.5, cancellation: 0 } })).to.throw('`mix` shares must be >= 0 and add up to 1; received {"search":0.5,"offer":0.5,"booking":0.5,"cancellation":0}.');
    });
});

describe("scheduler (local/scheduler.ts)", () => {
    it("parses rate expressions", () => {
        expect(parseRate("rate(1 hour)")).to.equal(3_600_000);
        expect(parseRate("rate(15 minutes)")).to.equal(900_000);
        expect(parseRate("rate(2 days)")).to.equal(172_800_000);
    });

    it("fails when the expression is not a rate", () => {
        for (const bad of ["rate(1 hours)", "rate(2 hour)", "cron(15 2 * * ? *)", "rate(0 minutes)"]) {
            expect(() => parseRate(bad)).to.throw(`schedule must be a rate expression such as "rate(1 hour)" or "rate(15 minutes)"; received ${JSON.stringify(bad)}.`);
        }
    });

    it("runs jobs on their interval without overlap, records failures, runNow waits", async () => {
        let runs = 0;
        let concurrent = 0;
        let maxConcurrent = 0;
        const s = startScheduler([
            {
                name: "a",
                intervalMs: 100,
                run: async () => {
                    concurrent++;
                    maxConcurrent = Math.max(maxConcurrent, concurrent);
                    await new Promise((r) => setTimeout(r, 250));
                    concurrent--;
                    runs++;
                },
            },
            { name: "b", intervalMs: 100000, run: async () => Promise.reject(new Error("boom")) },
        ]);
        await new Promise((r) => setTimeout(r, 700));
        await s.runNow("b");
        await s.stop();
        expect(maxConcurrent).to.equal(1);
        expect(runs).to.be.at.least(2);
        expect(s.status().b).to.include({ runs: 1, failures: 1, lastError: "boom", running: false });
        expect(() => s.runNow("c")).to.throw('no scheduled job "c"; jobs: a, b.');
    });
});

describe("insights server (local/insights-server.ts)", () => {
    it("builds the API Gateway v2 event from a request", () => {
        const e = toApiGatewayV2Event({ method: "GET", url: "/v1/routes/top?limit=5&x=1&x=2", headers: { host: "127.0.0.1:8081", "User-Agent": "curl", cookie: "a=1; b=2" }, body: Buffer.alloc(0), sourceIp: "127.0.0.1" }, AT);
        expect(e).to.deep.include({
            version: "2.0",
            routeKey: "$default",
            rawPath: "/v1/routes/top",
            rawQueryString: "limit=5&x=1&x=2",
            cookies: ["a=1", "b=2"],
            queryStringParameters: { limit: "5", x: "1,2" },
            isBase64Encoded: false,
        });
        expect(e.headers).to.deep.equal({ host: "127.0.0.1:8081", "user-agent": "curl" });
        expect(e.requestContext.http).to.deep.equal({ method: "GET", path: "/v1/routes/top", protocol: "HTTP/1.1", sourceIp: "127.0.0.1", userAgent: "curl" });
        expect(e.requestContext.timeEpoch).to.equal(AT.getTime());
        expect(e.body).to.equal(undefined);
    });

    it("serves the handler's result, a 500 when it throws, and /healthz without it", async () => {
        const seen: APIGatewayProxyEventV2[] = [];
        const errors: string[] = [];
        const server = await startHttpApiServer({
            onHandlerError: (e) => errors.push((e as Error).message),
            handler: async (event) => {
                seen.push(event);
                if (event.rawPath === "/boom") throw new Error("boom");
                return { statusCode: 201, headers: { "X-Test": "yes", "content-type": "application/json" }, body: JSON.stringify({ path: event.rawPath }) };
            },
        });
        try {
            const ok = await fetch(`${server.url}/v1/alerts?limit=2`);
            expect(ok.status).to.equal(201);
            expect(ok.headers.get("x-test")).to.equal("yes");
            expect(await ok.json()).to.deep.equal({ path: "/v1/alerts" });
            const boom = await fetch(`${server.url}/boom`);
            expect(boom.status).to.equal(500);
            expect(await boom.json()).to.deep.equal({ message: "Internal Server Error" });
            const health = await fetch(`${server.url}/healthz`);
            expect(health.status).to.equal(200);
            expect(seen.map((e) => e.rawPath)).to.deep.equal(["/v1/alerts", "/boom"]);
            expect(errors).to.deep.equal(["boom"]);
            expect(seen[0].queryStringParameters).to.deep.equal({ limit: "2" });
        } finally {
            await server.stop();
        }
    });

    it("fails when the port is out of range", async () => {
        let err: Error | undefined;
        try {
            await startHttpApiServer({ handler: async () => ({ statusCode: 200 }), port: 70000 });
        } catch (e) {
            err = e as Error;
        }
        expect(err?.message).to.equal("`port` must be an integer from 0 to 65535 (0 = pick a free port); received 70000.");
    });
});

describe("CLI arguments and dev config", () => {
    it("parses npm start flags", () => {
        expect(parseMainArgs(["--reset", "--demo", "--rate", "20", "--shards", "4", "--etl-every", "30"])).to.deep.equal({
            reset: true,
            demo: true,
            rate: 20,
            duration: 3600,
            verbose: false,
            shards: 4,
            etlEverySeconds: 30,
        });
    });

    it("prints the usage on --help to stdout and exits 0 (npm start -- --help)", () => {
        expect(parseMainArgs(["--help"]).help).to.equal(true);
        expect(parseMainArgs(["--lake-buffer-seconds", "2"]).lakeBufferSeconds).to.equal(2);
        const res = spawnSync(process.execPath, ["-r", "./scripts/register.js", "local/main.ts", "--help"], { cwd: path.resolve(__dirname, "..", ".."), encoding: "utf8" });
        expect(res.status).to.equal(0);
        expect(res.stdout).to.equal(`${HELP}\n`);
        expect(res.stdout.split("\n")[0]).to.equal("usage: npm start -- [options]");
        expect(res.stdout).to.contain("  --reset                  remove what the platform created in the data folder first");
    });

    it("fails when npm start gets an unknown flag or a bad value", () => {
        expect(() => parseMainArgs(["--bogus"])).to.throw(/^unknown option `--bogus` \(allowed: --reset, --demo, /);
        expect(() => parseMainArgs(["--shards", "0"])).to.throw('`--shards` must be an integer from 1 to 1000 (received "0")');
        expect(() => parseMainArgs(["--rate"])).to.throw("`--rate` needs a value");
        expect(() => parseMainArgs(["--lake-buffer-seconds", "0"])).to.throw('`--lake-buffer-seconds` must be an integer from 1 to 900 (received "0")');
        expect(() => parseMainArgs(["stray"])).to.throw('unexpected argument "stray" (this command takes no positional arguments)');
    });

    it("parses traffic flags and fails on bad ones", () => {
        expect(parseTrafficArgs(["--rate", "10", "--duration", "5", "--url", "http://127.0.0.1:9000/"], {})).to.deep.equal({
            url: "http://127.0.0.1:9000",
            keysFile: path.join(REPO_ROOT, ".local", "ingest-keys.json"),
            rate: 10,
            duration: 5,
            invalidRate: 0.01,
        });
        expect(parseTrafficArgs([], { INGEST_PORT: "9999" }).url).to.equal("http://127.0.0.1:9999");
        expect(parseTrafficArgs(["--keys", "/tmp/k.json"], {}).keysFile).to.equal("/tmp/k.json");
        expect(() => parseTrafficArgs(["--rate", "0"], {})).to.throw('`--rate` must be an integer from 1 to 100000 (received "0")');
        expect(() => parseTrafficArgs(["--url", "ftp://x"], {})).to.throw('`--url` must be an http(s) URL (received "ftp://x")');
        expect(() => parseTrafficArgs(["--fast"], {})).to.throw("unknown option `--fast` (allowed: --rate, --duration, --url, --keys, --seed, --invalid-rate, --help)");
    });

    it("reads the stream shards, lake buffer and ponds of Pulumi.dev.yaml", () => {
        const cfg = localStackSettings();
        expect(cfg.shards).to.equal(2);
        expect(cfg.lakeBufferIntervalSeconds).to.equal(60);
        expect(cfg.ponds).to.deep.equal([{ name: "revenue", datasets: ["route_demand_daily", "offer_price_stats_daily"], schedule: "rate(1 hour)" }]);
    });
});
