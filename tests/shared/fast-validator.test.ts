import { expect } from "chai";
import fc from "fast-check";
import { eventTypes } from "../../functions/shared/event-types";
import { CONSUMER_OCCURRED_AT_WINDOW, isValidEvent, validateEvent } from "../../functions/shared/events";
import { anyEvent, validBooking, validOffer, validSearch } from "../ingest/arbitraries";
import { DELETE, flightStatusEvent, mutate, nastyValue, pathsOf } from "./arbitraries";

const everyType = fc.oneof(anyEvent, flightStatusEvent);

/** The full (zod) validator's verdict. */
const fullValid = (v: unknown, o = {}) => eventTypes.validateFull(v, 0, o).length === 0;

/** A valid event with one value at one path replaced by a nasty value, or deleted, or an extra key added. */
const mutated = everyType.chain((e) => {
    const paths = pathsOf(e);
    return fc.tuple(fc.constantFrom(...paths), fc.oneof(nastyValue, fc.constant(DELETE)), fc.boolean()).map(([path, value, twice]) => {
        let m = mutate(e, path, value);
        if (twice) m = mutate(m, paths[(path.length * 7) % paths.length], value === DELETE ? "" : value);
        return m;
    });
});

/** `now` options: none, the consumer window around a random time, or a short ingestion window. */
const options = fc.oneof(
    fc.constant({}),
    fc.date({ min: new Date("1999-01-01T00:00:00Z"), max: new Date("2101-01-01T00:00:00Z"), noInvalidDate: true }).map((d) => ({ now: d.getTime(), ...CONSUMER_OCCURRED_AT_WINDOW })),
    fc.date({ min: new Date("2000-01-01T00:00:00Z"), max: new Date("2099-12-31T00:00:00Z"), noInvalidDate: true }).map((d) => ({ now: d, occurredAtMaxAgeMs: 3_600_000, occurredAtMaxFutureMs: 0 })),
);

describe("events: the compiled fast path decides exactly as the zod validator (issue 22)", () => {
    it("agrees on arbitrary valid events of every registered type", () => {
        fc.assert(
            fc.property(everyType, options, (e, o) => {
                expect(eventTypes.isValid(e, o), JSON.stringify({ e, o })).to.equal(fullValid(e, o));
            }),
            { numRuns: 1500 },
        );
    });

    it("agrees on mutated, mostly invalid events (every field, every bound, deletions)", () => {
        let invalid = 0;
        fc.assert(
            fc.property(mutated, options, (e, o) => {
                const full = fullValid(e, o);
                if (!full) invalid++;
                expect(eventTypes.isValid(e, o), JSON.stringify({ e, o })).to.equal(full);
            }),
            { numRuns: 3000 },
        );
        // The mutations must mostly produce invalid events, or the property would prove little.
        expect(invalid).to.be.greaterThan(1500);
    });

    it("agrees on non-objects and unknown types", () => {
        for (const v of [null, 1, "x", [], [validSearch()], {}, { ...validSearch(), type: "refund" }, { ...validSearch(), type: "constructor" }, { ...validSearch(), type: "__proto__" }]) {
            expect(eventTypes.isValid(v), JSON.stringify(v)).to.equal(false);
            expect(fullValid(v), JSON.stringify(v)).to.equal(false);
        }
    });

    it("fails when a bound is crossed by one step, on the fast path and in the full validator alike", () => {
        const cases: [Record<string, unknown>, boolean][] = [
            [validSearch({ departureDate: "2099-12-31", returnDate: undefined }), true],
            [validSearch({ departureDate: "2100-01-01", returnDate: undefined }), false],
            [validSearch({ occurredAt: "2000-01-01T00:00:00+14:00" }), true],
            [validSearch({ occurredAt: "1999-12-31T23:59:59Z" }), false],
            [validSearch({ occurredAt: "2026-11-22T10:00:00+14:01" }), false],
            [validSearch({ occurredAt: "2026-11-22T10:00:00-12:00" }), true],
            [validSearch({ occurredAt: "2026-11-22T10:00:00-12:01" }), false],
            [validOffer({ price: { amount: 1_000_000, currency: "CHF" } }), true],
            [validOffer({ price: { amount: 1_000_000.01, currency: "CHF" } }), false],
            [validBooking({ bookingId: "x".repeat(128) }), true],
            [validBooking({ bookingId: "x".repeat(129) }), false],
            [validSearch({ eventId: "" }), false],
        ];
        for (const [e, ok] of cases) {
            expect(eventTypes.isValid(e), JSON.stringify(e)).to.equal(ok);
            expect(fullValid(e), JSON.stringify(e)).to.equal(ok);
        }
        const now = Date.parse("2026-11-24T10:00:00Z");
        expect(isValidEvent(validSearch({ occurredAt: "2026-11-17T10:00:00Z" }), { now })).to.equal(true);
        expect(isValidEvent(validSearch({ occurredAt: "2026-11-17T09:59:59Z" }), { now })).to.equal(false);
        expect(isValidEvent(validSearch({ occurredAt: "2026-11-24T10:05:00Z" }), { now })).to.equal(true);
        expect(isValidEvent(validSearch({ occurredAt: "2026-11-24T10:05:00.001Z" }), { now })).to.equal(false);
    });

    it("returns the input object itself for a valid event and the full validator's messages for an invalid one", () => {
        const e = validSearch();
        const r = validateEvent(e);
        expect(r.ok && r.value).to.equal(e);
        expect(validateEvent(validSearch({ passengers: 0, origin: "LIS" }))).to.deep.equal({
            ok: false,
            errors: [
                { index: 0, path: "passengers", message: "passengers must be an integer from 1 to 9; received 0" },
                { index: 0, path: "destination", message: 'destination must differ from origin; both are "LIS"' },
            ],
        });
    });
});
