import { expect } from "chai";
import { GetRecordsCommand, GetShardIteratorCommand, KinesisClient, ListShardsCommand } from "@aws-sdk/client-kinesis";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { parseFlightsPage, SourceApiError, type AviationStackFlight } from "../../functions/connectors/flight-status/aviationstack";
import { toFlightStatusEvent } from "../../functions/connectors/flight-status/event";
import { pageUrl, pollFlights } from "../../functions/connectors/flight-status/poll";
import { createFlightStatusConnector, fetchJson, settingsFromEnv } from "../../functions/connectors/flight-status/handler";
import { apiKeyOf, SecretCache } from "../../functions/connectors/runtime";
import { decodeRecord } from "../../functions/shared/codec";
import { flightStatusType } from "../../functions/shared/event-types";
import { flightsAt, startFlightsApi, type FlightsApi } from "../../local/connectors/aviationstack";
import { startSecretsStandIn, type SecretsStandIn } from "../../local/connectors/secrets";
import { createStream, kinesisClientConfig, startKinesis, type KinesisEmulator } from "../../local/emulators/kinesis";

const RECORDED: AviationStackFlight = {
    flight_date: "2026-12-01",
    flight_status: "active",
    departure: {
        airport: "Zurich",
        timezone: "Europe/Zurich",
        iata: "ZRH",
        icao: "LSZH",
        terminal: "1",
        gate: "A12",
        delay: 17,
        scheduled: "2026-12-01T07:05:00+00:00",
        estimated: "2026-12-01T07:20:00+00:00",
        actual: "2026-12-01T07:22:00+00:00",
        estimated_runway: "2026-12-01T07:22:00+00:00",
        actual_runway: "2026-12-01T07:30:00+00:00",
    },
    arrival: {
        airport: "Humberto Delgado",
        timezone: "Europe/Lisbon",
        iata: "LIS",
        icao: "LPPT",
        terminal: null,
        gate: null,
        baggage: null,
        delay: null,
        scheduled: "2026-12-01T09:00:00+00:00",
        estimated: "2026-12-01T09:10:00+00:00",
        actual: null,
        estimated_runway: null,
        actual_runway: null,
    },
    airline: { name: "Swiss", iata: "LX", icao: "SWR" },
    flight: { number: "2084", iata: "LX2084", icao: "SWR2084", codeshared: null },
    aircraft: { registration: "HB-JCA", iata: "BCS3", icao: "BCS3", icao24: "4B1234" },
    live: { updated: "2026-12-01T08:10:00+00:00", latitude: 44.1, longitude: -2.3, altitude: 11000, direction: 230, speed_horizontal: 820, speed_vertical: 0, is_ground: false },
};
const POLLED = Date.parse("2026-12-01T08:30:00Z");

describe("flight-status connector: AviationStack flights → flight_status events", () => {
    it("maps a recorded flight to a flight_status event whose eventId is flight + status + update time", () => {
        // The registry's flight_status example (docs/event-types.md) is exactly this event.
        expect(toFlightStatusEvent(RECORDED, "aviationstack", POLLED)).to.deep.equal({ ok: true, event: flightStatusType.example });
    });

    it("re-polling the same state yields the same eventId; a new status or update yields a new one", () => {
        const id = (f: AviationStackFlight, t: number) => {
            const m = toFlightStatusEvent(f, "aviationstack", t);
            if (!m.ok) throw new Error(m.problem);
            return m.event.eventId;
        };
        const first = id(RECORDED, POLLED);
        expect(id(RECORDED, POLLED + 30 * 60_000)).to.equal(first);
        expect(id({ ...RECORDED, live: { ...RECORDED.live, updated: "2026-12-01T08:20:00+00:00" } }, POLLED)).to.equal("fs:LX2084:2026-12-01:ZRH:active:2026-12-01T08:20:00.000Z");
        expect(id({ ...RECORDED, flight_status: "landed", live: null, arrival: { ...RECORDED.arrival, actual: "2026-12-01T09:08:00+00:00" } }, Date.parse("2026-12-01T09:30:00Z"))).to.equal(
            "fs:LX2084:2026-12-01:ZRH:landed:2026-12-01T09:08:00.000Z",
        );
        // Scheduled, no update yet: last updated when its day began; a later day is not observable yet.
        const scheduled = { ...RECORDED, flight_status: "scheduled", live: null, departure: { ...RECORDED.departure, actual: null, actual_runway: null } };
        expect(id(scheduled, POLLED)).to.equal("fs:LX2084:2026-12-01:ZRH:scheduled:2026-12-01T00:00:00.000Z");
        expect(toFlightStatusEvent({ ...scheduled, flight_date: "2026-12-02" }, "aviationstack", POLLED)).to.deep.equal({
            ok: false,
            reason: "not-yet-observable",
            problem: "flight_date 2026-12-02 has not begun and the flight has no update yet",
        });
    });

    it("fails when a record lacks what the type needs, naming the field, the value and what is allowed", () => {
        const problem = (f: AviationStackFlight) => {
            const m = toFlightStatusEvent(f, "aviationstack", POLLED);
            return m.ok ? "mapped" : m.problem;
        };
        expect(problem({ ...RECORDED, flight_status: "boarding" })).to.equal('flight_status must be one of "scheduled", "active", "landed", "cancelled", "incident", "diverted"; received "boarding"');
        expect(problem({ ...RECORDED, airline: { name: "Swiss", iata: null } })).to.equal("airline.iata must be a 2-character IATA airline designator; received null");
        expect(problem({ ...RECORDED, departure: { ...RECORDED.departure, iata: "zrh" } })).to.equal('departure.iata must be a 3-letter upper-case IATA airport code; received "zrh"');
        expect(problem({ ...RECORDED, arrival: { ...RECORDED.arrival, scheduled: null } })).to.equal("arrival.scheduled must be an ISO-8601 time with an offset; received null");
        expect(problem({ ...RECORDED, departure: { ...RECORDED.departure, delay: -3 } })).to.equal("departure.delay must be whole minutes from 0 to 4320; received -3");
        expect(problem({ ...RECORDED, arrival: { ...RECORDED.arrival, iata: "ZRH" } })).to.equal('arrival.iata must differ from departure.iata; received "ZRH" for both');
        expect(problem({ ...RECORDED, flight: { iata: "LX2084" } })).to.equal("mapped");
    });

    it("fails when the API refuses the request or answers an inconsistent page", () => {
        expect(() => parseFlightsPage(401, { error: { code: "invalid_access_key", message: "You have not supplied a valid API Access Key." } })).to.throw(
            SourceApiError,
            "the flights API refused the request (HTTP 401): invalid_access_key: You have not supplied a valid API Access Key.",
        );
        expect(() => parseFlightsPage(200, { pagination: { limit: 100, offset: 0, count: 2, total: 2 }, data: [RECORDED] })).to.throw("the flights API answer's `pagination.count` (2) must equal the flights in `data` (1)");
        expect(() => parseFlightsPage(200, { data: [] })).to.throw('the flights API answer must hold `pagination` {limit, offset, count, total}; received {"data":[]}');
        expect(pageUrl({ baseUrl: "http://127.0.0.1:9/", accessKey: "k y", limit: 20, source: "aviationstack", query: { dep_iata: "ZRH" } }, 40)).to.equal("http://127.0.0.1:9/v1/flights?access_key=k+y&limit=20&offset=40&dep_iata=ZRH");
    });

    describe("against the local stand-in API", () => {
        let api: FlightsApi;
        let clock = Date.parse("2026-12-01T12:00:00Z");
        before(async () => {
            api = await startFlightsApi({ accessKey: "local-key", flightsPerDay: 48, now: () => clock });
        });
        after(async () => {
            await api?.stop();
        });

        it("pages through every flight (limit 20: 3 pages) and re-polls to the same events while nothing changed", async () => {
            const cfg = { baseUrl: api.url, accessKey: "local-key", limit: 20, source: "aviationstack" };
            const a = await pollFlights(cfg, fetchJson, clock);
            expect({ pages: a.pages, flights: a.flights, total: a.total, truncated: a.truncated, skipped: a.skipped }).to.deep.equal({ pages: 3, flights: 48, total: 48, truncated: false, skipped: [] });
            expect(a.events.length).to.equal(48);
            const byStatus = (es: { status: string }[]) => es.reduce<Record<string, number>>((m, e) => ((m[e.status] = (m[e.status] ?? 0) + 1), m), {});
            const want = byStatus(flightsAt(clock, 48).map((f) => ({ status: f.flight_status! })));
            expect(byStatus(a.events)).to.deep.equal(want);
            expect(Object.keys(want).sort()).to.include.members(["active", "landed", "scheduled"]);
            const b = await pollFlights(cfg, fetchJson, clock + 60_000);
            expect(b.events.map((e) => e.eventId)).to.deep.equal(a.events.map((e) => e.eventId));
            clock += 2 * 3600_000;
            const c = await pollFlights(cfg, fetchJson, clock);
            const changed = c.events.filter((e) => !a.events.some((x) => x.eventId === e.eventId)).length;
            expect(changed).to.be.greaterThan(0);
            const truncated = await pollFlights({ ...cfg, maxPages: 2 }, fetchJson, clock);
            expect({ pages: truncated.pages, flights: truncated.flights, truncated: truncated.truncated }).to.deep.equal({ pages: 2, flights: 40, truncated: true });
        });

        it("fails when the access key is wrong (the API's own error)", async () => {
            const e = await pollFlights({ baseUrl: api.url, accessKey: "wrong", source: "aviationstack" }, fetchJson, clock).catch((x) => x);
            expect(e.message).to.equal("the flights API refused the request (HTTP 401): invalid_access_key: You have not supplied a valid API Access Key. [Technical Support: support@apilayer.com]");
        });
    });

    it("fails when the secret holds the placeholder or no key; caches the key it read", async () => {
        expect(apiKeyOf("arn:s", '{"apiKey":"abc"}')).to.equal("abc");
        expect(apiKeyOf("arn:s", "abc")).to.equal("abc");
        expect(() => apiKeyOf("arn:s", '{"apiKey":"REPLACE_ME"}')).to.throw('secret arn:s must hold the source\'s API key as {"apiKey": "<key>"}; received the placeholder REPLACE_ME (set the key: aws secretsmanager put-secret-value)');
        expect(() => apiKeyOf("arn:s", '{"key":"abc"}')).to.throw('secret arn:s must hold the source\'s API key as {"apiKey": "<key>"}; received no apiKey');
        const secrets = await startSecretsStandIn({ "arn:aws:secretsmanager:eu-west-1:000000000000:secret:fs-key": '{"apiKey":"one"}' });
        const client = new SecretsManagerClient({ endpoint: secrets.endpoint, region: "eu-west-1", credentials: { accessKeyId: "x", secretAccessKey: "x" } });
        try {
            let t = 0;
            const cache = new SecretCache(client, "arn:aws:secretsmanager:eu-west-1:000000000000:secret:fs-key", () => t);
            expect(await cache.get()).to.equal("one");
            secrets.put("arn:aws:secretsmanager:eu-west-1:000000000000:secret:fs-key", '{"apiKey":"two"}');
            expect(await cache.get()).to.equal("one");
            t += 15 * 60_000;
            expect(await cache.get()).to.equal("two");
            const missing = await new SecretCache(client, "nope").get().catch((x) => x);
            expect(missing.name).to.equal("ResourceNotFoundException");
        } finally {
            client.destroy();
            await secrets.stop();
        }
    });

    it("fails when a required setting is missing from the environment", () => {
        expect(() => settingsFromEnv({ SOURCE_API_URL: "http://x" })).to.throw("environment variable API_KEY_SECRET_ARN must be set (received nothing)");
        expect(settingsFromEnv({ SOURCE_API_URL: "http://x", API_KEY_SECRET_ARN: "arn", STREAM_NAME: "s", PAGE_LIMIT: "25", SOURCE_QUERY: "dep_iata=ZRH" })).to.deep.equal({
            baseUrl: "http://x",
            secretId: "arn",
            streamName: "s",
            source: "aviationstack",
            connector: "flight-status",
            limit: 25,
            maxPages: undefined,
            query: { dep_iata: "ZRH" },
        });
    });

    describe("one run: stand-in API → secret → producer → stream", function () {
        this.timeout(120_000);
        let kinesis: KinesisEmulator;
        let api: FlightsApi;
        let secrets: SecretsStandIn;
        const now = Date.now();
        before(async function () {
            kinesis = await startKinesis();
            api = await startFlightsApi({ accessKey: "run-key", flightsPerDay: 30, now: () => now });
            secrets = await startSecretsStandIn({ "arn:fs-key": '{"apiKey":"run-key"}' });
        });
        after(async () => {
            await api?.stop();
            await secrets?.stop();
            await kinesis?.stop();
        });

        it("publishes each observable flight once per state; a re-run at the same state publishes the same eventIds", async () => {
            const client = new KinesisClient({ ...kinesisClientConfig(kinesis.endpoint), maxAttempts: 1 });
            const sm = new SecretsManagerClient({ endpoint: secrets.endpoint, region: "eu-west-1", credentials: { accessKeyId: "x", secretAccessKey: "x" } });
            try {
                await createStream(client, "fs-connector", 1);
                const lines: string[] = [];
                const run = createFlightStatusConnector(
                    { baseUrl: api.url, secretId: "arn:fs-key", streamName: "fs-connector", source: "aviationstack", connector: "flight-status", limit: 7 },
                    { clients: { kinesis: client, secrets: sm }, now: () => now, log: (l) => lines.push(l) },
                );
                const first = await run();
                const expected = flightsAt(now, 30)
                    .map((f) => toFlightStatusEvent(f, "aviationstack", now))
                    .filter((m) => m.ok).length;
                expect(first).to.deep.equal({ pages: 5, flights: 30, total: 30, truncated: false, published: expected, skipped: 30 - expected });
                await run();
                const shard = (await client.send(new ListShardsCommand({ StreamName: "fs-connector" }))).Shards![0].ShardId!;
                let it = (await client.send(new GetShardIteratorCommand({ StreamName: "fs-connector", ShardId: shard, ShardIteratorType: "TRIM_HORIZON" }))).ShardIterator;
                const ids: string[] = [];
                for (let i = 0; i < 5 && it; i++) {
                    const r = await client.send(new GetRecordsCommand({ ShardIterator: it }));
                    for (const rec of r.Records ?? []) for (const u of decodeRecord(rec.Data!)) ids.push((JSON.parse(Buffer.from(u.data).toString("utf8")) as { eventId: string }).eventId);
                    it = r.NextShardIterator;
                }
                expect(ids.length).to.equal(2 * expected);
                expect(new Set(ids).size).to.equal(expected);
                const summary = JSON.parse(lines[lines.length - 1]);
                expect([summary.Connector, summary.EventsPublished, summary.RunsFailed, summary._aws.CloudWatchMetrics[0].Namespace]).to.deep.equal(["flight-status", expected, 0, "flightstream/connectors"]);
            } finally {
                client.destroy();
                sm.destroy();
            }
        });
    });
});
