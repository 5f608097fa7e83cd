/**
 * The ingestion front door against kinesis-local: per-source keys (401/403,
 * source from the key), identity conflicts (409), oversize events in a shared
 * linger batch, and slow-body connections that must not starve other clients.
 * Every test counts what reached the stream afterwards.
 */
import * as net from "net";
import { expect } from "chai";
import type { KinesisClient } from "@aws-sdk/client-kinesis";
import type { FastifyInstance } from "fastify";
import { createStream } from "../../local/emulators/kinesis";
import { IdempotentPublisher } from "../../functions/ingest/idempotency";
import { Producer } from "../../functions/ingest/producer";
import { buildServer, type ServerDeps } from "../../functions/ingest/server";
import { kinesisSuite, countIds, readStreamEvents, seeded, testKeys } from "./helpers";
import { validBooking, validOffer, validSearch } from "./arbitraries";

const KEYS = testKeys();
const post = (app: FastifyInstance, headers: Record<string, string>, body: unknown) => app.inject({ method: "POST", url: "/v1/events", headers, payload: typeof body === "string" ? body : JSON.stringify(body) });

let streamCounter = 0;

describe("ingestion front door (keys, identity, abuse limits)", function () {
    this.timeout(90000);
    const suite = kinesisSuite();
    const { producers, apps } = suite;
    let client: KinesisClient;
    before(() => (client = suite.client));

    async function setup(opts: { producer?: Partial<ConstructorParameters<typeof Producer>[0]>; server?: Partial<ServerDeps> } = {}) {
        const stream = `door-${++streamCounter}`;
        await createStream(client, stream, 2);
        const producer = new Producer({ client, streamName: stream, lingerMs: 5, baseBackoffMs: 1, maxBackoffMs: 20, random: seeded(7), ...opts.producer });
        await producer.start();
        producers.push(producer);
        const app = buildServer({ auth: KEYS.auth, publisher: new IdempotentPublisher(producer), ...opts.server });
        apps.push(app);
        return { stream, producer, app };
    }

    describe("credentials", () => {
        let app: FastifyInstance;
        let stream: string;
        before(async () => {
            ({ app, stream } = await setup());
        });

        const unauthorized: { name: string; authorization?: string; error: string; challenge: string }[] = [
            {
                name: "there is no Authorization header",
                error: "POST /v1/events needs `Authorization: Bearer <key>` (the key of your source); received no Authorization header",
                challenge: 'Bearer realm="flightstream-ingest"',
            },
            {
                name: "the scheme is Basic",
                authorization: "Basic dXNlcjpwYXNz",
                error: 'Authorization must use the Bearer scheme (`Authorization: Bearer <key>`); received "Basic" scheme',
                challenge: 'Bearer realm="flightstream-ingest"',
            },
            { name: "the Bearer key is missing", authorization: "Bearer ", error: "Authorization: Bearer is missing its key", challenge: 'Bearer realm="flightstream-ingest"' },
            {
                name: "the key is not a flightstream key",
                authorization: "Bearer hunter2",
                error: "the bearer key is not a flightstream ingestion key (fsk_ followed by 43 base64url characters; received 7 characters)",
                challenge: 'Bearer realm="flightstream-ingest"',
            },
            {
                name: "the key is unknown",
                authorization: `Bearer fsk_${"A".repeat(43)}`,
                error: "the bearer key is not valid (unknown key)",
                challenge: 'Bearer realm="flightstream-ingest", error="invalid_token"',
            },
            {
                name: "the key was revoked",
                authorization: `Bearer ${KEYS.revokedKey}`,
                error: `the bearer key k-revoked was revoked at ${KEYS.doc.keys.find((k) => k.id === "k-revoked")!.revokedAt}; ask for a new key`,
                challenge: 'Bearer realm="flightstream-ingest", error="invalid_token"',
            },
            {
                name: "the key expired after a rotation",
                authorization: `Bearer ${KEYS.expiredKey}`,
                error: `the bearer key k-expired expired at ${KEYS.doc.keys.find((k) => k.id === "k-expired")!.notAfter} (rotated); use its replacement`,
                challenge: 'Bearer realm="flightstream-ingest", error="invalid_token"',
            },
        ];
        for (const c of unauthorized) {
            it(`fails with 401 when ${c.name}, and writes nothing`, async () => {
                const headers: Record<string, string> = { "content-type": "application/json" };
                if (c.authorization !== undefined) headers.authorization = c.authorization;
                const res = await post(app, headers, validSearch({ eventId: `unauth-${c.name}` }));
                expect(res.statusCode).to.equal(401);
                expect(res.headers["www-authenticate"]).to.equal(c.challenge);
                expect(res.json()).to.deep.equal({ error: c.error });
            });
        }

        it("wrote nothing for any refused request", async () => {
            expect(await readStreamEvents(client, stream)).to.deep.equal([]);
        });

        it("fails with 400 when the Authorization header is sent twice", async () => {
            const res = await app.inject({
                method: "POST",
                url: "/v1/events",
                // light-my-request sends an array value as repeated header lines.
                headers: { "content-type": "application/json", authorization: [`Bearer ${KEYS.key("web-ch")}`, `Bearer ${KEYS.key("gds")}`] as unknown as string },
                payload: JSON.stringify(validSearch()),
            });
            expect(res.statusCode).to.equal(400);
            expect(res.json()).to.deep.equal({ error: "the Authorization header appears 2 times; send it exactly once" });
        });

        it("fails with 403 naming every event whose source is not the key's, and writes nothing", async () => {
            const body = [validSearch({ eventId: "spoof-0" }), validOffer({ eventId: "spoof-1", source: "gds" }), validSearch({ eventId: "spoof-2", source: "web-ch" }), validBooking({ eventId: "spoof-3", source: "Web-CH" })];
            const res = await post(app, KEYS.headers("web-ch"), body);
            expect(res.statusCode).to.equal(403);
            expect(res.json()).to.deep.equal({
                errors: [
                    { index: 1, path: "source", message: 'source "gds" is not the source of this key ("web-ch"); omit source or send "web-ch"' },
                    { index: 3, path: "source", message: 'source "Web-CH" is not the source of this key ("web-ch"); omit source or send "web-ch"' },
                ],
            });
            expect((await readStreamEvents(client, stream)).map((e) => e.eventId)).to.deep.equal([]);
        });

        it("answers 202 with a valid key and fills in the source from the key where events omit it", async () => {
            const { source: _drop, ...bare } = validBooking({ eventId: "from-key-0" });
            const explicit = validOffer({ eventId: "from-key-1", source: "app-ios" });
            const ndjson = [JSON.stringify(bare), JSON.stringify(explicit)].join("\n");
            const res = await post(app, KEYS.headers("app-ios", "application/x-ndjson"), ndjson);
            expect(res.statusCode).to.equal(202);
            expect(res.json()).to.deep.equal({ accepted: 2 });
            const events = await readStreamEvents(client, stream);
            expect(events).to.have.length(2);
            const byId = new Map(events.map((e) => [e.eventId, e]));
            expect(byId.get("from-key-0")).to.deep.equal({ ...bare, source: "app-ios" });
            expect(byId.get("from-key-1")).to.deep.equal(explicit);
        });

        it("two sources may use the same eventId: both events are kept", async () => {
            expect((await post(app, KEYS.headers("web-ch"), validSearch({ eventId: "shared-id", source: undefined }))).statusCode).to.equal(202);
            expect((await post(app, KEYS.headers("gds"), validSearch({ eventId: "shared-id", source: undefined }))).statusCode).to.equal(202);
            const shared = (await readStreamEvents(client, stream)).filter((e) => e.eventId === "shared-id").map((e) => e.source);
            expect(shared.sort()).to.deep.equal(["gds", "web-ch"]);
        });
    });

    describe("identity at ingestion", () => {
        it("acknowledges an identical resend without a second write, and fails with 409 when the same identity comes with other content", async () => {
            const { app, stream } = await setup();
            const original = [validSearch({ eventId: "id-0" }), validSearch({ eventId: "id-1" })];
            expect((await post(app, KEYS.headers("web-ch"), original)).statusCode).to.equal(202);
            // The same events, keys reordered and source omitted: the same identity and fingerprint.
            const resend = original.map((e) =>
                Object.fromEntries(
                    Object.entries(e)
                        .filter(([k]) => k !== "source")
                        .reverse(),
                ),
            );
            const again = await post(app, KEYS.headers("web-ch"), resend);
            expect(again.statusCode).to.equal(202);
            expect(again.json()).to.deep.equal({ accepted: 2 });
            const changed = [validSearch({ eventId: "id-2" }), validSearch({ eventId: "id-1", passengers: 4 })];
            const conflict = await post(app, KEYS.headers("web-ch"), changed);
            expect(conflict.statusCode).to.equal(409);
            expect(conflict.json()).to.deep.equal({
                errors: [
                    {
                        index: 1,
                        path: "eventId",
                        message: 'eventId "id-1" of source "web-ch" was already accepted with different content; resend an event unchanged, and give a new event a new eventId',
                    },
                ],
            });
            const inside = await post(app, KEYS.headers("web-ch"), [validSearch({ eventId: "id-3" }), validSearch({ eventId: "id-3", cabin: "first" })]);
            expect(inside.statusCode).to.equal(409);
            expect(inside.json()).to.deep.equal({
                errors: [{ index: 1, path: "eventId", message: 'eventId "id-3" appears earlier in this request (index 0) with different content; one eventId names one event' }],
            });
            const counts = countIds(await readStreamEvents(client, stream));
            expect([...counts].sort()).to.deep.equal([
                ["id-0", 1],
                ["id-1", 1],
            ]);
        });
    });

    describe("oversize events", () => {
        it("an event between the aggregate size and 1 MiB shares a linger batch with other clients' requests, and all of them are written once", async () => {
            const { app, stream } = await setup({ producer: { lingerMs: 50 }, server: { maxBodyBytes: 2 * 1024 * 1024 } });
            const big = validSearch({ eventId: "big-300k", blob: "b".repeat(300 * 1024) });
            const others = Array.from({ length: 12 }, (_, r) => Array.from({ length: 5 }, (_, i) => validSearch({ eventId: `mate-${r}-${i}`, source: undefined })));
            const responses = await Promise.all([post(app, KEYS.headers("web-ch"), [validSearch({ eventId: "big-mate" }), big]), ...others.map((body, r) => post(app, KEYS.headers(r % 2 === 0 ? "gds" : "app-ios"), body))]);
            expect(responses.map((r) => r.statusCode)).to.deep.equal(responses.map(() => 202));
            const events = await readStreamEvents(client, stream);
            const counts = countIds(events);
            expect(counts.size).to.equal(62);
            expect([...counts.values()].every((n) => n === 1)).to.equal(true);
            expect(events.find((e) => e.eventId === "big-300k")).to.deep.equal(big);
        });

        it("fails when one event does not fit in a Kinesis record: 400 for its own request only, decided before publishing; concurrent requests in the same linger batch get 202", async () => {
            const { app, stream, producer } = await setup({ producer: { lingerMs: 50 }, server: { maxBodyBytes: 3 * 1024 * 1024 } });
            const huge = validSearch({ eventId: "huge-1m", blob: "h".repeat(1024 * 1024) });
            const others = Array.from({ length: 10 }, (_, r) => [validSearch({ eventId: `neighbour-${r}`, source: undefined })]);
            const pending = others.map((body) => post(app, KEYS.headers("gds"), body));
            const bad = post(app, KEYS.headers("web-ch"), [validSearch({ eventId: "huge-mate" }), huge]);
            const [badRes, ...rest] = await Promise.all([bad, ...pending]);
            const size = Buffer.byteLength(JSON.stringify(huge)) + Buffer.byteLength("huge-1m");
            expect(badRes.statusCode).to.equal(400);
            expect(badRes.json()).to.deep.equal({
                errors: [{ index: 1, path: "", message: `event is ${size} bytes as JSON with its partition key; a Kinesis record holds at most 1048576 bytes` }],
            });
            expect(rest.map((r) => r.statusCode)).to.deep.equal(others.map(() => 202));
            for (const r of rest) expect(JSON.stringify(r.json())).not.to.contain("huge");
            const ids = [...countIds(await readStreamEvents(client, stream))].sort();
            expect(ids).to.deep.equal(others.map((_, r) => [`neighbour-${r}`, 1]).sort());
            expect(producer.queueDepth).to.equal(0);
        });
    });

    describe("slow clients", () => {
        /** Opens `n` connections that send headers and then one body byte every 2 s; collects each one's status line. */
        function slowBodies(url: string, n: number, authorization?: string) {
            const { port } = new URL(url);
            const statuses: (number | undefined)[] = new Array(n).fill(undefined);
            const bodies: string[] = new Array(n).fill("");
            const sockets: net.Socket[] = [];
            let opened = 0;
            const allOpen = new Promise<void>((resolve) => {
                for (let i = 0; i < n; i++) {
                    const s = net.connect(Number(port), "127.0.0.1", () => {
                        s.write(`POST /v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n${authorization ? `Authorization: ${authorization}\r\n` : ""}\r\n{`);
                        if (++opened === n) resolve();
                    });
                    let buf = "";
                    s.on("data", (d) => {
                        buf += d.toString("latin1");
                        const m = /^HTTP\/1\.1 (\d{3})/.exec(buf);
                        if (m && statuses[i] === undefined) statuses[i] = Number(m[1]);
                        bodies[i] = buf;
                    });
                    s.on("error", () => undefined);
                    sockets.push(s);
                }
            });
            const drip = setInterval(() => {
                for (const s of sockets) if (!s.destroyed) s.write(" ");
            }, 2000);
            return {
                allOpen,
                statuses,
                bodies,
                closed: () => sockets.filter((s) => s.destroyed || s.readableEnded).length,
                stop() {
                    clearInterval(drip);
                    for (const s of sockets) s.destroy();
                },
            };
        }

        const histogram = (xs: readonly (number | undefined)[]) => {
            const h: Record<string, number> = {};
            for (const x of xs) h[String(x)] = (h[String(x)] ?? 0) + 1;
            return h;
        };

        it("300 slow-body connections from one source do not block another source's POSTs; each gets 429 or 408, and its slots come back", async () => {
            const { app, stream } = await setup({ server: { bodyReadTimeoutMs: 4000 } });
            const url = await app.listen({ port: 0, host: "127.0.0.1" });
            expect(app.server.keepAliveTimeout).to.equal(75000);
            const slow = slowBodies(url, 300, `Bearer ${KEYS.key("gds")}`);
            try {
                await slow.allOpen;
                // The connections beyond gds's reading share (64) are refused at once.
                while (slow.statuses.filter((s) => s !== undefined).length < 236) await new Promise((r) => setTimeout(r, 20));
                expect(histogram(slow.statuses)).to.deep.equal({ "429": 236, undefined: 64 });
                const refused = slow.bodies.find((b) => b.startsWith("HTTP/1.1 429"))!;
                expect(refused).to.contain('{"error":"too many request bodies of source \\"gds\\" are still arriving (64 at once); finish or close them, retry after 1 s"}');
                // Another client (web-ch) is served while all 64 slow bodies still hold their slots.
                const res = await fetch(`${url}/v1/events`, { method: "POST", headers: KEYS.headers("web-ch"), body: JSON.stringify([validSearch({ eventId: "fast-1" })]) });
                expect(res.status).to.equal(202);
                expect(slow.statuses.filter((s) => s === undefined)).to.have.length(64);
                // At the deadline every slow body gets 408 and its connection is closed.
                while (slow.statuses.some((s) => s === undefined)) await new Promise((r) => setTimeout(r, 50));
                expect(histogram(slow.statuses)).to.deep.equal({ "408": 64, "429": 236 });
                const timedOut = slow.bodies.find((b) => b.startsWith("HTTP/1.1 408"))!;
                expect(timedOut).to.match(/connection: close/i);
                expect(timedOut).to.contain('{"error":"the request body did not arrive within 4000 ms (received ');
                // gds's slots are free again.
                const after = await fetch(`${url}/v1/events`, { method: "POST", headers: KEYS.headers("gds"), body: JSON.stringify([validSearch({ eventId: "fast-2", source: "gds" })]) });
                expect(after.status).to.equal(202);
                expect([...countIds(await readStreamEvents(client, stream))].sort()).to.deep.equal([
                    ["fast-1", 1],
                    ["fast-2", 1],
                ]);
            } finally {
                slow.stop();
            }
        });

        it("300 slow-body connections without a key get 401 at once and hold no slot", async () => {
            const { app } = await setup({ server: { bodyReadTimeoutMs: 4000, maxReadingRequests: 8 } });
            const url = await app.listen({ port: 0, host: "127.0.0.1" });
            const slow = slowBodies(url, 300);
            try {
                await slow.allOpen;
                while (slow.statuses.some((s) => s === undefined)) await new Promise((r) => setTimeout(r, 20));
                expect(histogram(slow.statuses)).to.deep.equal({ "401": 300 });
                const res = await fetch(`${url}/v1/events`, { method: "POST", headers: KEYS.headers("web-ch"), body: JSON.stringify(validSearch({ eventId: "fast-3" })) });
                expect(res.status).to.equal(202);
            } finally {
                slow.stop();
            }
        });
    });
});
