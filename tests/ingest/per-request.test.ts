/**
 * The per-request machinery of the ingestion server without a timer or a
 * logger per request: the body-read deadlines on one timer
 * (functions/ingest/deadlines.ts) and the request logger created only when a
 * request logs (functions/ingest/request-log.ts), each held to what the
 * per-request version did.
 */
import { expect } from "chai";
import * as net from "node:net";
import { Writable } from "node:stream";
import pino from "pino";
import { DeadlineQueue } from "../../functions/ingest/deadlines";
import { lazyChildLogger } from "../../functions/ingest/request-log";
import { buildServer, type Publisher } from "../../functions/ingest/server";
import type { FlightEvent } from "../../functions/shared/events";
import { validSearch } from "./arbitraries";
import { testKeys } from "./helpers";

const KEYS = testKeys();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A pino logger writing its lines into an array. */
function capture(level = "warn"): { logger: pino.Logger; lines: Record<string, unknown>[] } {
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({
        write(chunk: Buffer, _enc, done) {
            for (const l of chunk.toString("utf8").split("\n")) if (l !== "") lines.push(JSON.parse(l) as Record<string, unknown>);
            done();
        },
    });
    return { logger: pino({ level, base: { service: "ingest" } }, sink), lines };
}

describe("body-read deadlines on one timer", () => {
    it("runs each deadline at its own due time, in due order, whatever the order they were added in", async () => {
        let t = 0;
        const q = new DeadlineQueue(() => t);
        const ran: string[] = [];
        q.add(30, () => ran.push("c"));
        q.add(10, () => ran.push("a"));
        q.add(20, () => ran.push("b"));
        q.add(20, () => ran.push("b2"));
        expect(q.size).to.equal(4);
        t = 9;
        await sleep(25);
        expect(ran).to.deep.equal([]);
        t = 20;
        await sleep(25);
        expect(ran).to.deep.equal(["a", "b", "b2"]);
        expect(q.size).to.equal(1);
        t = 30;
        await sleep(25);
        expect(ran).to.deep.equal(["a", "b", "b2", "c"]);
        expect(q.size).to.equal(0);
    });

    it("never runs a cancelled deadline, and cancelling twice or after it ran changes nothing", async () => {
        let t = 0;
        const q = new DeadlineQueue(() => t);
        const ran: string[] = [];
        const a = q.add(5, () => ran.push("a"));
        const b = q.add(5, () => ran.push("b"));
        const c = q.add(5, () => ran.push("c"));
        b.cancel();
        b.cancel();
        a.cancel();
        expect(q.size).to.equal(1);
        t = 5;
        await sleep(20);
        expect(ran).to.deep.equal(["c"]);
        c.cancel();
        expect(q.size).to.equal(0);
        q.add(0, () => ran.push("d"));
        await sleep(20);
        expect(ran).to.deep.equal(["c", "d"]);
    });

    it("fails when a deadline throws: its error surfaces, and every other due deadline still runs", async () => {
        let t = 0;
        const q = new DeadlineQueue(() => t);
        const ran: string[] = [];
        q.add(1, () => {
            throw new Error("first deadline failed");
        });
        q.add(1, () => ran.push("second"));
        q.add(5, () => ran.push("later"));
        const errors: Error[] = [];
        const onError = (err: Error) => errors.push(err);
        const listeners = process.listeners("uncaughtException");
        process.removeAllListeners("uncaughtException");
        process.on("uncaughtException", onError);
        try {
            t = 1;
            await sleep(20);
        } finally {
            process.removeListener("uncaughtException", onError);
            for (const l of listeners) process.on("uncaughtException", l);
        }
        expect(errors.map((e) => e.message)).to.deep.equal(["first deadline failed"]);
        expect(ran).to.deep.equal(["second"]);
        t = 5;
        await sleep(30);
        expect(ran).to.deep.equal(["second", "later"]);
    });

    it("answers 408 to each slow body at its deadline while the fast requests beside it get 202", async () => {
        const published: FlightEvent[] = [];
        const publisher: Publisher = {
            queueDepth: 0,
            isDraining: false,
            async publish(events) {
                published.push(...events);
            },
        };
        const app = buildServer({ auth: KEYS.auth, publisher, bodyReadTimeoutMs: 400 });
        await app.listen({ port: 0, host: "127.0.0.1" });
        const port = (app.server.address() as net.AddressInfo).port;
        const slow = (n: number) =>
            new Promise<{ status: string; ms: number }>((resolve, reject) => {
                const started = Date.now();
                const s = net.connect(port, "127.0.0.1");
                let answer = "";
                s.on("data", (d) => (answer += d.toString("utf8")));
                s.on("close", () => resolve({ status: answer.split("\r\n")[0], ms: Date.now() - started }));
                s.on("error", reject);
                s.write(`POST /v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${KEYS.key("web-ch")}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n[{"n":${n}`);
            });
        try {
            const slowOnes = [slow(1), slow(2), slow(3)];
            await sleep(100);
            const fast = await Promise.all([1, 2, 3, 4, 5].map((i) => app.inject({ method: "POST", url: "/v1/events", headers: KEYS.headers("web-ch"), payload: JSON.stringify(validSearch({ eventId: `fast-${i}`, source: "web-ch" })) })));
            expect(fast.map((r) => r.statusCode)).to.deep.equal([202, 202, 202, 202, 202]);
            const answers = await Promise.all(slowOnes);
            expect(answers.map((a) => a.status)).to.deep.equal(["HTTP/1.1 408 Request Timeout", "HTTP/1.1 408 Request Timeout", "HTTP/1.1 408 Request Timeout"]);
            for (const a of answers) expect(a.ms).to.be.at.least(390);
            expect(published.map((e) => e.eventId)).to.deep.equal(["fast-1", "fast-2", "fast-3", "fast-4", "fast-5"]);
        } finally {
            await app.close();
        }
    });
});

describe("the request logger is created only when a request logs", () => {
    it("writes the same line as a pino child, reqId and the route's level included, and nothing below that level", () => {
        const lazy = capture("info");
        const eager = capture("info");
        const a = lazyChildLogger(lazy.logger, { reqId: "req-7" }, { level: "warn" });
        const b = eager.logger.child({ reqId: "req-7" }, { level: "warn" });
        for (const l of [a, b]) {
            l.info({ res: 1 }, "request completed");
            l.debug("not written");
            l.warn({ detail: "x" }, "slow sender");
            l.error({ err: { message: "boom" } }, "unhandled error");
        }
        const strip = (lines: Record<string, unknown>[]) => lines.map(({ time: _t, pid: _p, hostname: _h, ...rest }) => rest);
        expect(strip(lazy.lines)).to.deep.equal([
            { level: 40, service: "ingest", reqId: "req-7", detail: "x", msg: "slow sender" },
            // (pino's err serialiser adds type and stack to a plain object)
            { level: 50, service: "ingest", reqId: "req-7", err: { type: "Object", message: "boom", stack: "" }, msg: "unhandled error" },
        ]);
        expect(strip(lazy.lines)).to.deep.equal(strip(eager.lines));
        expect(a.level).to.equal("warn");
    });

    it("builds no pino child for a request that logs nothing, and one for a request that does", () => {
        const { logger } = capture("warn");
        let children = 0;
        const child = logger.child.bind(logger);
        (logger as unknown as { child: (b: pino.Bindings, o?: pino.ChildLoggerOptions) => pino.Logger }).child = (b, o) => {
            children++;
            return child(b, o);
        };
        const quiet = lazyChildLogger(logger, { reqId: "r1" }, {});
        quiet.info("below warn");
        quiet.debug("below warn");
        expect(children).to.equal(0);
        const loud = lazyChildLogger(logger, { reqId: "r2" }, {});
        loud.warn("one");
        loud.error("two");
        expect(children).to.equal(1);
        loud.child({ part: "x" }).warn("three");
        expect(children).to.equal(1 + 1);
    });

    it("the server's error log of a failed request names its reqId", async () => {
        const { logger, lines } = capture("warn");
        const publisher: Publisher = {
            queueDepth: 0,
            isDraining: false,
            publish: () => Promise.reject(new TypeError("publisher exploded")),
        };
        const app = buildServer({ auth: KEYS.auth, publisher, logger });
        try {
            const res = await app.inject({ method: "POST", url: "/v1/events", headers: KEYS.headers("web-ch"), payload: JSON.stringify(validSearch({ eventId: "log-1", source: "web-ch" })) });
            expect(res.statusCode).to.equal(500);
            expect(JSON.parse(res.body)).to.deep.equal({ error: "internal error" });
            const errors = lines.filter((l) => l.msg === "unhandled error");
            expect(errors).to.have.length(1);
            expect(errors[0].reqId).to.match(/^req-/);
            expect((errors[0].err as { message: string }).message).to.equal("publisher exploded");
        } finally {
            await app.close();
        }
    });
});

describe("the bearer key's fast path agrees with the general parse", () => {
    it("accepts the key whatever the scheme's case or the spaces around it, and refuses a near-miss with the general message", async () => {
        const publisher: Publisher = { queueDepth: 0, isDraining: false, publish: async () => {} };
        const app = buildServer({ auth: KEYS.auth, publisher });
        const key = KEYS.key("web-ch");
        const post = (authorization: string, i: number) =>
            app.inject({ method: "POST", url: "/v1/events", headers: { "content-type": "application/json", authorization }, payload: JSON.stringify(validSearch({ eventId: `bk-${i}`, source: "web-ch" })) });
        try {
            const ok = await Promise.all([`Bearer ${key}`, `bearer ${key}`, `BEARER ${key}`, `Bearer   ${key}`, `Bearer ${key}  `].map(post));
            expect(ok.map((r) => r.statusCode)).to.deep.equal([202, 202, 202, 202, 202]);
            const wrong = await Promise.all([`Bearer ${key.slice(0, -1)}!`, `Bearer ${key.slice(1)}x`, `Bearer ${key}x`].map(post));
            expect(wrong.map((r) => [r.statusCode, JSON.parse(r.body).error])).to.deep.equal([
                [401, "the bearer key is not a flightstream ingestion key (fsk_ followed by 43 base64url characters; received 47 characters)"],
                [401, "the bearer key is not a flightstream ingestion key (fsk_ followed by 43 base64url characters; received 47 characters)"],
                [401, "the bearer key is not a flightstream ingestion key (fsk_ followed by 43 base64url characters; received 48 characters)"],
            ]);
        } finally {
            await app.close();
        }
    });
});
