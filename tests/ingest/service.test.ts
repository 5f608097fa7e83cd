/**
 * The ingestion service against kinesis-local (no mocks of Kinesis): HTTP
 * contract, exactly-once presence of accepted events, injected throttling,
 * queue-full shedding and drain.
 */
import { expect } from "chai";
import type { KinesisClient } from "@aws-sdk/client-kinesis";
import type { FastifyInstance } from "fastify";
import { createStream } from "../../local/emulators/kinesis";
import { Producer, QueueFullError, DrainingError } from "../../functions/ingest/producer";
import { buildServer } from "../../functions/ingest/server";
import { UpdateShardCountCommand } from "@aws-sdk/client-kinesis";
import { waitForStreamActive } from "../../local/emulators/kinesis";
import { kinesisSuite, countIds, gatedClient, readStreamEvents, readStreamRecords, seeded, testKeys, throttlingClient } from "./helpers";
import { validBooking, validCancellation, validOffer, validSearch } from "./arbitraries";

const KEYS = testKeys();
const SOURCE = "web-ch";
const JSON_HEADERS = KEYS.headers(SOURCE);
const NDJSON_HEADERS = KEYS.headers(SOURCE, "application/x-ndjson");

/** Events of every type, all of the key's source (a request carries one source). */
function makeEvents(prefix: string, n: number): Record<string, unknown>[] {
    const makers = [validSearch, validOffer, validBooking, validCancellation];
    return Array.from({ length: n }, (_, i) => makers[i % 4]({ eventId: `${prefix}-${i}`, source: SOURCE, note: `event ${i} ✈ \u{1F6EB}` }));
}

let streamCounter = 0;

describe("ingest service against kinesis-local", function () {
    this.timeout(60000);
    const suite = kinesisSuite();
    const { producers, apps } = suite;
    let client: KinesisClient;
    before(() => (client = suite.client));

    async function setup(opts: { shards?: number; sendClient?: Pick<KinesisClient, "send">; producer?: Partial<ConstructorParameters<typeof Producer>[0]>; maxBodyBytes?: number } = {}) {
        const stream = `ingest-${++streamCounter}`;
        await createStream(client, stream, opts.shards ?? 2);
        const producer = new Producer({
            client: opts.sendClient ?? client,
            streamName: stream,
            lingerMs: 5,
            baseBackoffMs: 1,
            maxBackoffMs: 20,
            random: seeded(7),
            ...opts.producer,
        });
        await producer.start();
        producers.push(producer);
        const app = buildServer({ auth: KEYS.auth, publisher: producer, maxBodyBytes: opts.maxBodyBytes });
        apps.push(app);
        return { stream, producer, app };
    }

    describe("HTTP contract", () => {
        let app: FastifyInstance;
        let stream: string;
        before(async () => {
            ({ app, stream } = await setup());
        });

        it("answers 202 with the count and writes a single event", async () => {
            const res = await app.inject({ method: "POST", url: "/v1/events", headers: JSON_HEADERS, payload: JSON.stringify(validSearch({ eventId: "single-1" })) });
            expect(res.statusCode).to.equal(202);
            expect(res.json()).to.deep.equal({ accepted: 1 });
            const events = await readStreamEvents(client, stream);
            expect(events.filter((e) => e.eventId === "single-1")).to.deep.equal([validSearch({ eventId: "single-1" })]);
        });

        it("fails when an event breaks a rule, with every error by index and path, and writes nothing", async () => {
            const before = (await readStreamEvents(client, stream)).length;
            const body = [
                validSearch({ eventId: "bad-0" }),
                validOffer({ eventId: "bad-1", source: SOURCE, carrier: "lx", price: { amount: 0, currency: "CHF" } }),
                validBooking({ eventId: "bad-2", source: SOURCE, flight: { carrier: "LX", number: "1", departureDate: "2026-12-01", origin: "ZRH", destination: "ZRH" } }),
                validSearch({ eventId: "bad-3", occurredAt: "2026-11-22 10:00:00", passengers: 10 }),
            ];
            const res = await app.inject({ method: "POST", url: "/v1/events", headers: JSON_HEADERS, payload: JSON.stringify(body) });
            expect(res.statusCode).to.equal(400);
            expect(res.json()).to.deep.equal({
                errors: [
                    { index: 1, path: "carrier", message: 'carrier must be a 2-character IATA airline designator (upper-case letters or digits) such as "LX"; received "lx"' },
                    { index: 1, path: "price.amount", message: "price.amount must be a number greater than 0; received 0" },
                    { index: 2, path: "flight.destination", message: 'flight.destination must differ from flight.origin; both are "ZRH"' },
                    { index: 3, path: "occurredAt", message: 'occurredAt must be a real ISO-8601 timestamp with seconds and an offset or Z, such as "2026-11-22T10:15:00Z"; received "2026-11-22 10:00:00"' },
                    { index: 3, path: "passengers", message: "passengers must be an integer from 1 to 9; received 10" },
                ],
            });
            expect((await readStreamEvents(client, stream)).length).to.equal(before);
        });

        it("accepts NDJSON with CRLF line ends and blank lines", async () => {
            const events = makeEvents("nd", 3);
            const payload = events.map((e) => JSON.stringify(e)).join("\r\n") + "\r\n\r\n";
            const res = await app.inject({ method: "POST", url: "/v1/events", headers: NDJSON_HEADERS, payload });
            expect(res.statusCode).to.equal(202);
            expect(res.json()).to.deep.equal({ accepted: 3 });
        });

        it("fails when NDJSON lines are not JSON, naming each line and its event index", async () => {
            const payload = `${JSON.stringify(validSearch())}\n{"eventId":\n\n[1,2\n`;
            const res = await app.inject({ method: "POST", url: "/v1/events", headers: NDJSON_HEADERS, payload });
            expect(res.statusCode).to.equal(400);
            expect(res.json()).to.deep.equal({
                errors: [
                    { index: 1, path: "", message: "line 2 is not valid JSON: Unexpected end of JSON input" },
                    { index: 2, path: "", message: "line 4 is not valid JSON: Expected ',' or ']' after array element in JSON at position 4" },
                ],
            });
        });

        it("fails when the array holds more than 500 events", async () => {
            const res = await app.inject({ method: "POST", url: "/v1/events", headers: JSON_HEADERS, payload: JSON.stringify(makeEvents("many", 501)) });
            expect(res.statusCode).to.equal(400);
            expect(res.json()).to.deep.equal({ errors: [{ index: 500, path: "", message: "a request holds at most 500 events; received 501" }] });
        });

        it("accepts exactly 500 events", async () => {
            const res = await app.inject({ method: "POST", url: "/v1/events", headers: JSON_HEADERS, payload: JSON.stringify(makeEvents("five-hundred", 500)) });
            expect(res.statusCode).to.equal(202);
            expect(res.json()).to.deep.equal({ accepted: 500 });
        });

        const hostile: { name: string; headers: Record<string, string>; payload: string | Buffer; status: number; body: unknown }[] = [
            { name: "the body is invalid JSON", headers: JSON_HEADERS, payload: "{not json", status: 400, body: { errors: [{ index: 0, path: "", message: "body is not valid JSON: Expected property name or '}' in JSON at position 1" }] } },
            { name: "the body is empty", headers: JSON_HEADERS, payload: "", status: 400, body: { errors: [{ index: 0, path: "", message: "body is empty; send one event object, a JSON array of 1 to 500 events, or NDJSON lines" }] } },
            { name: "the body is an empty array", headers: JSON_HEADERS, payload: "[]", status: 400, body: { errors: [{ index: 0, path: "", message: "body is an empty array; send at least one event" }] } },
            { name: "the body is a JSON string", headers: JSON_HEADERS, payload: '"hello"', status: 400, body: { errors: [{ index: 0, path: "", message: "event must be a JSON object; received a string" }] } },
            {
                name: "the body nests 10,000 levels",
                headers: JSON_HEADERS,
                payload: "[".repeat(10000) + "]".repeat(10000),
                status: 400,
                body: { errors: [{ index: 0, path: "", message: "body nests arrays and objects deeper than 32 levels" }] },
            },
            {
                name: "an extra field nests 10,000 levels",
                headers: JSON_HEADERS,
                payload: JSON.stringify(validSearch()).replace(/}$/, `,"x":${'{"a":'.repeat(10000)}1${"}".repeat(10000)}}`),
                status: 400,
                body: { errors: [{ index: 0, path: "", message: "body nests arrays and objects deeper than 32 levels" }] },
            },
            { name: "the body is not UTF-8", headers: JSON_HEADERS, payload: Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), status: 400, body: { errors: [{ index: 0, path: "", message: "body is not valid UTF-8" }] } },
            {
                name: "fields have the wrong types",
                headers: JSON_HEADERS,
                payload: JSON.stringify({ eventId: ["x"], type: {}, occurredAt: true, source: null }),
                status: 400,
                body: {
                    errors: [
                        { index: 0, path: "eventId", message: "eventId must be a string (the idempotency key); received an array" },
                        { index: 0, path: "type", message: 'type must be one of "search", "offer", "booking", "cancellation", "flight_status"; received an object' },
                        { index: 0, path: "occurredAt", message: "occurredAt must be an ISO-8601 timestamp with offset or Z; received true" },
                        { index: 0, path: "source", message: "source must be a string (the sending site or channel); received null" },
                    ],
                },
            },
            {
                name: "codes use look-alike unicode letters",
                headers: JSON_HEADERS,
                payload: JSON.stringify(validSearch({ origin: "ZRＨ", destination: "L\u0131S" })),
                status: 400,
                body: {
                    errors: [
                        { index: 0, path: "origin", message: 'origin must be a 3-letter upper-case IATA airport code such as "ZRH"; received "ZRＨ"' },
                        { index: 0, path: "destination", message: 'destination must be a 3-letter upper-case IATA airport code such as "ZRH"; received "LıS"' },
                    ],
                },
            },
            {
                name: "the content type is text/plain",
                headers: { "content-type": "text/plain", authorization: JSON_HEADERS.authorization },
                payload: "hi",
                status: 415,
                body: { error: 'content type must be application/json or application/x-ndjson; received "text/plain"' },
            },
            { name: "the content type is missing", headers: { authorization: JSON_HEADERS.authorization }, payload: "hi", status: 415, body: { error: "content type must be application/json or application/x-ndjson; received none" } },
            { name: "the body is larger than the limit", headers: JSON_HEADERS, payload: JSON.stringify(validSearch({ blob: "x".repeat(1024 * 1024) })), status: 413, body: { error: "request body is larger than the 1048576-byte limit" } },
        ];
        for (const c of hostile) {
            it(`fails when ${c.name} (${c.status}, never 500)`, async () => {
                const res = await app.inject({ method: "POST", url: "/v1/events", headers: c.headers, payload: c.payload });
                expect(res.statusCode).to.equal(c.status);
                expect(res.json()).to.deep.equal(c.body);
            });
        }

        it("fails when one event does not fit in a Kinesis record", async () => {
            const big = await setup({ maxBodyBytes: 2 * 1024 * 1024 });
            const events = [validSearch({ eventId: "small" }), validSearch({ eventId: "huge", blob: "x".repeat(1024 * 1024) })];
            const res = await big.app.inject({ method: "POST", url: "/v1/events", headers: JSON_HEADERS, payload: JSON.stringify(events) });
            const size = Buffer.byteLength(JSON.stringify(events[1])) + 4;
            expect(res.statusCode).to.equal(400);
            expect(res.json()).to.deep.equal({ errors: [{ index: 1, path: "", message: `event is ${size} bytes as JSON with its partition key; a Kinesis record holds at most 1048576 bytes` }] });
            expect(await readStreamEvents(client, big.stream)).to.deep.equal([]);
        });

        it("accepts a leading byte-order mark and keeps unicode oddities intact", async () => {
            const odd = validSearch({ eventId: "odd-\u{1F600}-\u0000", site: "s\u202Eite", extra: { lone: "\uD800", zw: "a\u200Db" } });
            const res = await app.inject({ method: "POST", url: "/v1/events", headers: KEYS.headers(SOURCE, "application/json; charset=utf-8"), payload: "\uFEFF" + JSON.stringify(odd) });
            expect(res.statusCode).to.equal(202);
            const found = (await readStreamEvents(client, stream)).filter((e) => e.eventId === odd.eventId);
            expect(found).to.deep.equal([odd]);
        });

        it("serves GET /healthz", async () => {
            const res = await app.inject({ method: "GET", url: "/healthz" });
            expect(res.statusCode).to.equal(200);
            expect(res.json()).to.deep.equal({ status: "ok", queueDepth: 0 });
        });

        it("answers 404 with a JSON error for other routes", async () => {
            const res = await app.inject({ method: "DELETE", url: "/v1/events" });
            expect(res.statusCode).to.equal(404);
            expect(res.json()).to.deep.equal({ error: "no route DELETE /v1/events; use POST /v1/events or GET /healthz" });
        });
    });

    it("every accepted event is in the stream exactly once (concurrent JSON and NDJSON requests)", async () => {
        const { app, stream } = await setup({ shards: 4 });
        const requests = Array.from({ length: 20 }, (_, r) => makeEvents(`conc-${r}`, 25));
        const responses = await Promise.all(
            requests.map((events, r) =>
                r % 2 === 0
                    ? app.inject({ method: "POST", url: "/v1/events", headers: JSON_HEADERS, payload: JSON.stringify(events) })
                    : app.inject({ method: "POST", url: "/v1/events", headers: NDJSON_HEADERS, payload: events.map((e) => JSON.stringify(e)).join("\n") }),
            ),
        );
        expect(responses.map((r) => r.statusCode)).to.deep.equal(requests.map(() => 202));
        const events = await readStreamEvents(client, stream);
        const counts = countIds(events);
        expect(events).to.have.length(500);
        for (const e of requests.flat()) expect(counts.get(e.eventId as string), String(e.eventId)).to.equal(1);
        const byId = new Map(events.map((e) => [e.eventId, e]));
        expect(byId.get("conc-3-7")).to.deep.equal(requests[3][7]);
    });

    it("with a share of PutRecords entries and calls throttled, every accepted event is present once", async () => {
        const stream = `ingest-${++streamCounter}`;
        await createStream(client, stream, 3);
        const { client: faulty, stats } = throttlingClient(client, { entryFailureShare: 0.3, callFailureShare: 0.1, random: seeded(42) });
        const producer = new Producer({ client: faulty, streamName: stream, lingerMs: 5, baseBackoffMs: 1, maxBackoffMs: 10, maxAttempts: 30, maxAggregateBytes: 2048, maxFrameEvents: 2, random: seeded(3) });
        await producer.start();
        producers.push(producer);
        const app = buildServer({ auth: KEYS.auth, publisher: producer });
        apps.push(app);
        const requests = Array.from({ length: 30 }, (_, r) => makeEvents(`thr-${r}`, 20));
        const responses = await Promise.all(requests.map((events) => app.inject({ method: "POST", url: "/v1/events", headers: JSON_HEADERS, payload: JSON.stringify(events) })));
        expect(responses.map((r) => r.statusCode)).to.deep.equal(requests.map(() => 202));
        expect(stats.entriesFailed).to.be.greaterThan(0);
        expect(stats.callsRejected).to.be.greaterThan(0);
        const counts = countIds(await readStreamEvents(client, stream));
        expect(counts.size).to.equal(600);
        expect([...counts.values()].every((n) => n === 1)).to.equal(true);
        expect(producer.queueDepth).to.equal(0);
    });

    it("fails the request with 503 and Retry-After when Kinesis never acknowledges, and writes nothing", async () => {
        const stream = `ingest-${++streamCounter}`;
        await createStream(client, stream, 1);
        const { client: faulty, stats } = throttlingClient(client, { entryFailureShare: 1, random: seeded(1) });
        const producer = new Producer({ client: faulty, streamName: stream, lingerMs: 0, baseBackoffMs: 1, maxBackoffMs: 2, maxAttempts: 3, random: seeded(2) });
        await producer.start();
        producers.push(producer);
        const app = buildServer({ auth: KEYS.auth, publisher: producer });
        apps.push(app);
        const res = await app.inject({ method: "POST", url: "/v1/events", headers: JSON_HEADERS, payload: JSON.stringify(makeEvents("never", 4)) });
        expect(res.statusCode).to.equal(503);
        expect(res.headers["retry-after"]).to.equal("1");
        expect(res.json()).to.deep.equal({
            error: "the stream did not acknowledge every event after 3 attempts (last error ProvisionedThroughputExceededException); retry the request",
        });
        expect(stats.putCalls).to.equal(3);
        expect(await readStreamEvents(client, stream)).to.deep.equal([]);
        expect(producer.queueDepth).to.equal(0);
    });

    it("fails with 503 without retrying when the outcome of a PutRecords call is unknown", async () => {
        const stream = `ingest-${++streamCounter}`;
        await createStream(client, stream, 1);
        let calls = 0;
        const broken = {
            send(command: any) {
                if (command.constructor.name === "PutRecordsCommand") {
                    calls++;
                    return Promise.reject(Object.assign(new Error("socket hang up"), { name: "TimeoutError" }));
                }
                return client.send(command);
            },
        } as Pick<KinesisClient, "send">;
        const producer = new Producer({ client: broken, streamName: stream, lingerMs: 0, random: seeded(2) });
        await producer.start();
        producers.push(producer);
        const app = buildServer({ auth: KEYS.auth, publisher: producer });
        apps.push(app);
        const res = await app.inject({ method: "POST", url: "/v1/events", headers: JSON_HEADERS, payload: JSON.stringify(makeEvents("unknown", 2)) });
        expect(res.statusCode).to.equal(503);
        expect(res.json()).to.deep.equal({ error: "the stream did not confirm the write (TimeoutError); retry the request" });
        expect(calls).to.equal(1);
    });

    it("answers 429 with Retry-After when the queue is full, never holds more than its bound, and loses nothing accepted", async () => {
        const stream = `ingest-${++streamCounter}`;
        await createStream(client, stream, 2);
        const gate = gatedClient(client);
        const producer = new Producer({ client: gate.client, streamName: stream, lingerMs: 1, maxQueueEvents: 50, random: seeded(5) });
        await producer.start();
        producers.push(producer);
        const app = buildServer({ auth: KEYS.auth, publisher: producer });
        apps.push(app);
        let maxDepth = 0;
        const sampler = setInterval(() => (maxDepth = Math.max(maxDepth, producer.queueDepth)), 1);
        const requests = Array.from({ length: 40 }, (_, r) => makeEvents(`full-${r}`, 10));
        const pending = requests.map((events) => app.inject({ method: "POST", url: "/v1/events", headers: JSON_HEADERS, payload: JSON.stringify(events) }));
        // The first five requests fill the queue; the others are shed at once.
        while (gate.waiting() === 0) await new Promise((r) => setTimeout(r, 5));
        const shed = await Promise.all(pending.slice(5));
        expect(producer.queueDepth).to.equal(50);
        expect(shed.map((r) => r.statusCode)).to.deep.equal(requests.slice(5).map(() => 429));
        expect(shed[0].headers["retry-after"]).to.equal("1");
        expect(shed[0].json()).to.deep.equal({ error: "the ingestion queue is full (50 of 50 events, " + producer.queueBytes + " of 67108864 bytes held); retry after 1 s" });
        gate.open();
        const accepted = await Promise.all(pending.slice(0, 5));
        clearInterval(sampler);
        expect(accepted.map((r) => r.statusCode)).to.deep.equal([202, 202, 202, 202, 202]);
        expect(maxDepth).to.be.at.most(50);
        const counts = countIds(await readStreamEvents(client, stream));
        expect([...counts.keys()].sort()).to.deep.equal(
            requests
                .slice(0, 5)
                .flat()
                .map((e) => e.eventId as string)
                .sort(),
        );
        expect([...counts.values()].every((n) => n === 1)).to.equal(true);
    });

    it("answers 429 before reading the body when too many requests are in flight, and admits again once they finish", async () => {
        const stream = `ingest-${++streamCounter}`;
        await createStream(client, stream, 1);
        const gate = gatedClient(client);
        const producer = new Producer({ client: gate.client, streamName: stream, lingerMs: 1, random: seeded(5) });
        await producer.start();
        producers.push(producer);
        const app = buildServer({ auth: KEYS.auth, publisher: producer, maxInflightRequests: 3 });
        apps.push(app);
        const post = (prefix: string) => app.inject({ method: "POST", url: "/v1/events", headers: JSON_HEADERS, payload: JSON.stringify(makeEvents(prefix, 2)) });
        const held = [post("inflight-0"), post("inflight-1"), post("inflight-2")];
        while (producer.queueDepth < 6) await new Promise((r) => setTimeout(r, 2));
        const shed = await post("inflight-3");
        expect(shed.statusCode).to.equal(429);
        expect(shed.headers["retry-after"]).to.equal("1");
        expect(shed.json()).to.deep.equal({ error: "too many requests in flight (3); retry after 1 s" });
        expect((await app.inject({ method: "GET", url: "/healthz" })).statusCode).to.equal(200);
        gate.open();
        expect((await Promise.all(held)).map((r) => r.statusCode)).to.deep.equal([202, 202, 202]);
        expect((await post("inflight-4")).statusCode).to.equal(202);
        const counts = countIds(await readStreamEvents(client, stream));
        expect([...counts.keys()].sort()).to.deep.equal(["inflight-0-0", "inflight-0-1", "inflight-1-0", "inflight-1-1", "inflight-2-0", "inflight-2-1", "inflight-4-0", "inflight-4-1"]);
    });

    it("drain() refuses new requests with 503, flushes everything held, then holds nothing", async () => {
        const stream = `ingest-${++streamCounter}`;
        await createStream(client, stream, 2);
        const gate = gatedClient(client);
        const producer = new Producer({ client: gate.client, streamName: stream, lingerMs: 50, random: seeded(9) });
        await producer.start();
        producers.push(producer);
        const app = buildServer({ auth: KEYS.auth, publisher: producer });
        apps.push(app);
        const held = Array.from({ length: 4 }, (_, r) => makeEvents(`drain-${r}`, 10));
        const inflight = held.map((events) => app.inject({ method: "POST", url: "/v1/events", headers: JSON_HEADERS, payload: JSON.stringify(events) }));
        while (producer.queueDepth < 40) await new Promise((r) => setTimeout(r, 2));
        const drained = producer.drain();
        const late = await app.inject({ method: "POST", url: "/v1/events", headers: JSON_HEADERS, payload: JSON.stringify(makeEvents("late", 1)) });
        expect(late.statusCode).to.equal(503);
        expect(late.headers["retry-after"]).to.equal("5");
        expect(late.json()).to.deep.equal({ error: "the service is shutting down; retry against another instance" });
        expect((await app.inject({ method: "GET", url: "/healthz" })).statusCode).to.equal(503);
        gate.open();
        await drained;
        expect(producer.queueDepth).to.equal(0);
        expect((await Promise.all(inflight)).map((r) => r.statusCode)).to.deep.equal([202, 202, 202, 202]);
        const counts = countIds(await readStreamEvents(client, stream));
        expect([...counts.keys()].sort()).to.deep.equal(
            held
                .flat()
                .map((e) => e.eventId as string)
                .sort(),
        );
        await expectRejects(producer.publish([validSearch() as never]), DrainingError);
    });

    it("after resharding, refreshes its shard map when a put lands on another shard, and loses nothing", async () => {
        const { app, stream, producer } = await setup({ shards: 2 });
        const post = (events: Record<string, unknown>[]) => app.inject({ method: "POST", url: "/v1/events", headers: JSON_HEADERS, payload: JSON.stringify(events) });
        const before = makeEvents("reshard-a", 40);
        expect((await post(before)).statusCode).to.equal(202);
        await client.send(new UpdateShardCountCommand({ StreamName: stream, TargetShardCount: 4, ScalingType: "UNIFORM_SCALING" }));
        await waitForStreamActive(client, stream);
        expect(producer.shards.map((s) => s.shardId)).to.have.length(2);
        const during = makeEvents("reshard-b", 40);
        expect((await post(during)).statusCode).to.equal(202);
        for (let i = 0; i < 200 && producer.shards.length !== 4; i++) await new Promise((r) => setTimeout(r, 10));
        expect(producer.shards).to.have.length(4);
        const after = makeEvents("reshard-c", 40);
        expect((await post(after)).statusCode).to.equal(202);
        const records = await readStreamRecords(client, stream);
        const counts = countIds(records.map((r) => r.event));
        for (const e of [...before, ...during, ...after]) expect(counts.get(e.eventId as string), String(e.eventId)).to.equal(1);
        expect(records).to.have.length(120);
        // Every user record, even one sent with the stale map, sits on the shard its hash key belongs to (what KCL checks).
        for (const r of records) {
            expect(r.hashKey >= r.startingHashKey && r.hashKey <= r.endingHashKey, `${String(r.event.eventId)} on ${r.shardId}`).to.equal(true);
        }
    });

    it("validates its options with clear messages", () => {
        expect(() => new Producer({ client, streamName: "s", lingerMs: 51 })).to.throw(RangeError, "`lingerMs` must be an integer from 0 to 50; received 51");
        expect(() => new Producer({ client, streamName: "" })).to.throw(TypeError, '`streamName` must be a non-empty string; received ""');
        expect(() => new Producer({ client, streamName: "s", maxQueueEvents: 0 })).to.throw(RangeError, "`maxQueueEvents` must be an integer from 1 to 10000000; received 0");
    });

    it("QueueFullError maps to 429", () => {
        const e = new QueueFullError("full", 429, 1);
        expect([e.name, e.status, e.retryAfterSeconds]).to.deep.equal(["QueueFullError", 429, 1]);
    });
});

async function expectRejects(p: Promise<unknown>, type: new (...args: never[]) => Error): Promise<void> {
    try {
        await p;
    } catch (err) {
        expect(err).to.be.instanceOf(type);
        return;
    }
    throw new Error("expected a rejection");
}
