import { expect } from "chai";
import { CONSUMER_OCCURRED_AT_WINDOW, LAKE_DAY_RANGE, describeDuration, validateBatch, validateEvent } from "../../functions/shared/events";
import { loadConfig } from "../../functions/ingest/config";
import { buildServer } from "../../functions/ingest/server";
import type { FlightEvent } from "../../functions/shared/events";
import { validBooking, validOffer, validSearch } from "../ingest/arbitraries";
import * as fc from "fast-check";
import { DATETIME_PATTERN, timestampMs } from "../../functions/shared/event-types/fields";

const NOW = Date.parse("2026-11-24T10:00:00Z");

function only(value: unknown, options = {}) {
    const r = validateEvent(value, options);
    if (r.ok) throw new Error(`expected a failure for ${JSON.stringify(value)}`);
    return r.errors;
}

describe("events: bounds every store accepts (issue 14)", () => {
    describe("occurredAt window around now", () => {
        it("fails when occurredAt is more than 7 days before now, naming the bound", () => {
            expect(only(validSearch({ occurredAt: "2026-11-17T09:59:59Z" }), { now: NOW })).to.deep.equal([
                { index: 0, path: "occurredAt", message: 'occurredAt must be at most 7 days before now (2026-11-24T10:00:00Z); received "2026-11-17T09:59:59Z"' },
            ]);
        });
        it("fails when occurredAt is more than 5 minutes after now (an event 10 minutes ahead)", () => {
            expect(only(validSearch({ occurredAt: "2026-11-24T10:10:00Z" }), { now: NOW })).to.deep.equal([
                { index: 0, path: "occurredAt", message: 'occurredAt must be at most 5 minutes after now (2026-11-24T10:00:00Z); received "2026-11-24T10:10:00Z"' },
            ]);
        });
        it("accepts the exact edges and applies a configured window", () => {
            expect(validateEvent(validSearch({ occurredAt: "2026-11-17T10:00:00Z" }), { now: NOW }).ok).to.equal(true);
            expect(validateEvent(validSearch({ occurredAt: "2026-11-24T10:05:00Z" }), { now: new Date(NOW) }).ok).to.equal(true);
            expect(only(validSearch({ occurredAt: "2026-11-24T09:00:00Z" }), { now: NOW, occurredAtMaxAgeMs: 1_800_000, occurredAtMaxFutureMs: 0 })[0].message).to.equal(
                'occurredAt must be at most 30 minutes before now (2026-11-24T10:00:00Z); received "2026-11-24T09:00:00Z"',
            );
        });
        it("fails when searches are dated 1970, 2001 or 2099 at ingestion time", () => {
            for (const at of ["1970-01-01T00:00:00Z", "2001-09-09T01:46:40Z", "2099-01-01T00:00:00Z"]) {
                expect(validateEvent(validSearch({ occurredAt: at }), { now: NOW }).ok, at).to.equal(false);
            }
        });
    });

    describe("timestampMs (the window's arithmetic parse)", () => {
        const pad = (n: number, w = 2) => String(n).padStart(w, "0");
        it("equals Date.parse on every DATETIME_PATTERN timestamp (any year, offset and fraction length)", () => {
            const stamp = fc
                .record({
                    t: fc.integer({ min: Date.parse("0000-01-01T00:00:00Z") + 86_400_000, max: Date.parse("9999-12-31T00:00:00Z") - 86_400_000 }),
                    fraction: fc.option(fc.stringMatching(/^[0-9]{1,9}$/), { nil: undefined }),
                    offset: fc.option(fc.integer({ min: -(23 * 60 + 59), max: 23 * 60 + 59 }), { nil: undefined }),
                })
                .map(({ t, fraction, offset }) => {
                    const local = new Date(t + (offset ?? 0) * 60_000).toISOString().slice(0, 19);
                    const zone = offset === undefined ? "Z" : `${offset < 0 ? "-" : "+"}${pad(Math.floor(Math.abs(offset) / 60))}:${pad(Math.abs(offset) % 60)}`;
                    return `${local}${fraction === undefined ? "" : `.${fraction}`}${zone}`;
                })
                .filter((at) => DATETIME_PATTERN.test(at));
            fc.assert(
                fc.property(stamp, (at) => timestampMs(at) === Date.parse(at)),
                { numRuns: 5000 },
            );
        });
        it("equals Date.parse on leap days, century years and the edges of the day", () => {
            const cases = ["2000-02-29T00:00:00Z", "2024-02-29T23:59:59.999Z", "2100-03-01T00:00:00Z", "1970-01-01T00:00:00Z", "1969-12-31T23:59:59.9999-00:30", "2026-11-22T10:15:00.5+05:45", "0001-01-01T00:00:00+23:59"];
            expect(cases.map(timestampMs)).to.deep.equal(cases.map((c) => Date.parse(c)));
        });
        it("fails when an event is one millisecond outside the window (the arithmetic bound is exact)", () => {
            expect(validateEvent(validSearch({ occurredAt: "2026-11-17T09:59:59.999Z" }), { now: NOW }).ok).to.equal(false);
            expect(validateEvent(validSearch({ occurredAt: "2026-11-17T10:00:00.000Z" }), { now: NOW }).ok).to.equal(true);
            expect(validateEvent(validSearch({ occurredAt: "2026-11-24T15:05:00.001+05:00" }), { now: NOW }).ok).to.equal(false);
            expect(validateEvent(validSearch({ occurredAt: "2026-11-24T15:05:00.000+05:00" }), { now: NOW }).ok).to.equal(true);
        });
    });

    describe("absolute bounds (also without now)", () => {
        it("fails when occurredAt is year 0000 or its offset is -23:59", () => {
            expect(only(validSearch({ occurredAt: "0000-01-01T00:00:00Z" }))).to.deep.equal([{ index: 0, path: "occurredAt", message: 'occurredAt must be a date and time from 2000-01-01 to 2099-12-31; received "0000-01-01T00:00:00Z"' }]);
            expect(only(validSearch({ occurredAt: "2026-11-22T10:00:00-23:59" }))).to.deep.equal([
                { index: 0, path: "occurredAt", message: 'occurredAt must have a UTC offset from -12:00 to +14:00 (or Z); received "2026-11-22T10:00:00-23:59"' },
            ]);
            // A time whose UTC day would be year 10000 (the lake key "dt=+010000-01-01").
            expect(only(validSearch({ occurredAt: "9999-12-31T23:00:00-12:00" }))[0].path).to.equal("occurredAt");
        });
        it("fails when departureDate, returnDate or flight.departureDate is outside 2000-01-01..2099-12-31", () => {
            expect(only(validSearch({ departureDate: "0000-01-01", returnDate: undefined }))).to.deep.equal([
                { index: 0, path: "departureDate", message: 'departureDate must be a date from 2000-01-01 to 2099-12-31; received "0000-01-01"' },
            ]);
            expect(only(validSearch({ departureDate: "2099-12-30", returnDate: "2100-01-02" }))[0].path).to.equal("returnDate");
            const b = validBooking();
            expect(only({ ...b, flight: { ...(b.flight as object), departureDate: "1999-12-31" } })).to.deep.equal([
                { index: 0, path: "flight.departureDate", message: 'flight.departureDate must be a date from 2000-01-01 to 2099-12-31; received "1999-12-31"' },
            ]);
        });
        it("fails when an amount is above 1,000,000 (1e308 would turn price statistics into Infinity)", () => {
            expect(only(validOffer({ price: { amount: 1e308, currency: "CHF" } }))).to.deep.equal([{ index: 0, path: "price.amount", message: "price.amount must be at most 1000000 (units of the currency); received 1e+308" }]);
            expect(validateEvent(validOffer({ price: { amount: 1_000_000, currency: "CHF" } })).ok).to.equal(true);
            expect(only(validBooking({ fare: { amount: 1_000_000.01, currency: "CHF" } }))[0].path).to.equal("fare.amount");
        });
        it("keeps the lake days of every accepted occurredAt inside LAKE_DAY_RANGE (the projection start)", () => {
            expect(LAKE_DAY_RANGE).to.deep.equal({ first: "1999-12-31", last: "2100-01-01" });
            const earliest = Date.parse("2000-01-01T00:00:00+14:00");
            const latest = Date.parse("2099-12-31T23:59:59-12:00");
            expect(new Date(earliest).toISOString().slice(0, 10)).to.equal(LAKE_DAY_RANGE.first);
            expect(new Date(latest).toISOString().slice(0, 10)).to.equal(LAKE_DAY_RANGE.last);
            expect(validateEvent(validSearch({ occurredAt: "2000-01-01T00:00:00+14:00" })).ok).to.equal(true);
            expect(validateEvent(validSearch({ occurredAt: "2099-12-31T23:59:59-12:00" })).ok).to.equal(true);
        });
        it("lists bound errors of every event of a batch by index", () => {
            const r = validateBatch([validSearch(), validSearch({ occurredAt: "2099-01-01T00:00:00Z" })], { now: NOW });
            expect(r.ok).to.equal(false);
            if (!r.ok) expect(r.errors.map((e) => [e.index, e.path])).to.deep.equal([[1, "occurredAt"]]);
        });
    });

    it("describes durations by their largest whole unit; the consumer window is wider than any ingestion window", () => {
        expect([describeDuration(604_800_000), describeDuration(300_000), describeDuration(3_600_000), describeDuration(90_000), describeDuration(1500)]).to.deep.equal(["7 days", "5 minutes", "1 hour", "90 seconds", "1500 ms"]);
        expect(CONSUMER_OCCURRED_AT_WINDOW).to.deep.equal({ occurredAtMaxAgeMs: 30 * 86_400_000 + 3_600_000, occurredAtMaxFutureMs: 3_600_000 });
    });

    describe("ingestion applies the window", () => {
        const base = { STREAM_NAME: "s", AWS_REGION: "eu-west-1", INGEST_KEYS_FILE: "/tmp/keys.json" };
        it("reads OCCURRED_AT_MAX_AGE_SECONDS / OCCURRED_AT_MAX_FUTURE_SECONDS (defaults 7 d / 5 min)", () => {
            expect(loadConfig(base)).to.include({ occurredAtMaxAgeMs: 604_800_000, occurredAtMaxFutureMs: 300_000 });
            expect(loadConfig({ ...base, OCCURRED_AT_MAX_AGE_SECONDS: "3600", OCCURRED_AT_MAX_FUTURE_SECONDS: "0" })).to.include({ occurredAtMaxAgeMs: 3_600_000, occurredAtMaxFutureMs: 0 });
        });
        it("fails when OCCURRED_AT_MAX_AGE_SECONDS is beyond 30 days", () => {
            expect(() => loadConfig({ ...base, OCCURRED_AT_MAX_AGE_SECONDS: "2592001" })).to.throw('OCCURRED_AT_MAX_AGE_SECONDS must be an integer from 60 to 2592000; received "2592001"');
        });
        it("answers 400 naming the bound for an event 10 minutes in the future", async () => {
            const published: FlightEvent[] = [];
            const app = buildServer({
                publisher: { publish: async (e) => void published.push(...e), queueDepth: 0, isDraining: false },
                auth: "off",
                occurredAtWindow: { maxAgeMs: 604_800_000, maxFutureMs: 300_000 },
            });
            const future = new Date(Date.now() + 600_000).toISOString();
            const res = await app.inject({ method: "POST", url: "/v1/events", headers: { "content-type": "application/json" }, payload: JSON.stringify([validSearch({ occurredAt: future })]) });
            expect(res.statusCode).to.equal(400);
            const body = res.json() as { errors: { index: number; path: string; message: string }[] };
            expect(body.errors.map((e) => [e.index, e.path])).to.deep.equal([[0, "occurredAt"]]);
            expect(body.errors[0].message).to.match(/^occurredAt must be at most 5 minutes after now \(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z\); received "/);
            const ok = await app.inject({ method: "POST", url: "/v1/events", headers: { "content-type": "application/json" }, payload: JSON.stringify([validSearch({ occurredAt: new Date().toISOString() })]) });
            expect(ok.statusCode).to.equal(202);
            expect(published).to.have.length(1);
            await app.close();
        });
    });
});
