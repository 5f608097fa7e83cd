import { expect } from "chai";
import fc from "fast-check";
import { validateBatch, validateEvent, routeOf, departureDateOf, type FlightEvent } from "../../functions/shared/events";
import { anyEvent, validBooking, validCancellation, validOffer, validSearch } from "./arbitraries";

function errorsOf(value: unknown) {
    const result = validateEvent(value);
    if (result.ok) throw new Error(`expected a validation failure for ${JSON.stringify(value)}`);
    return result.errors;
}

function expectOnly(value: unknown, path: string, message: string) {
    expect(errorsOf(value)).to.deep.equal([{ index: 0, path, message }]);
}

const flight = (overrides: Record<string, unknown>) => ({
    carrier: "LX",
    number: "2084",
    departureDate: "2026-12-01",
    origin: "ZRH",
    destination: "LIS",
    ...overrides,
});

describe("events: envelope v1 validator", () => {
    it("accepts one valid event of each type and returns the same objects", () => {
        for (const e of [validSearch(), validOffer(), validBooking(), validCancellation()]) {
            const result = validateEvent(e);
            expect(result).to.deep.equal({ ok: true, value: e });
            if (result.ok) expect(result.value).to.equal(e);
        }
    });

    it("accepts a search without returnDate and a returnDate equal to departureDate", () => {
        const { returnDate: _drop, ...oneWay } = validSearch();
        expect(validateEvent(oneWay).ok).to.equal(true);
        expect(validateEvent(validSearch({ returnDate: "2026-12-01" })).ok).to.equal(true);
    });

    describe("envelope", () => {
        it("fails when the event is not an object", () => {
            expectOnly([], "", "event must be a JSON object; received an array");
            expectOnly("x", "", "event must be a JSON object; received a string");
            expectOnly(null, "", "event must be a JSON object; received null");
            expectOnly(7, "", "event must be a JSON object; received a number");
        });
        it("fails when eventId is missing", () => {
            const { eventId: _drop, ...e } = validSearch();
            expectOnly(e, "eventId", "eventId is required");
        });
        it("fails when eventId is not a string", () => {
            expectOnly(validSearch({ eventId: 42 }), "eventId", "eventId must be a string (the idempotency key); received 42");
        });
        it("fails when eventId is empty", () => {
            expectOnly(validSearch({ eventId: "" }), "eventId", "eventId must be 1 to 128 characters long; received an empty string");
        });
        it("fails when eventId is longer than 128 characters", () => {
            expectOnly(validSearch({ eventId: "x".repeat(129) }), "eventId", "eventId must be 1 to 128 characters long; received 129 characters");
        });
        it("fails when type is not one of the registered types", () => {
            expectOnly(validSearch({ type: "refund" }), "type", 'type must be one of "search", "offer", "booking", "cancellation", "flight_status"; received "refund"');
        });
        it("fails when type is missing, listing every other envelope problem too", () => {
            expect(errorsOf({ eventId: "", source: 3 })).to.deep.equal([
                { index: 0, path: "eventId", message: "eventId must be 1 to 128 characters long; received an empty string" },
                { index: 0, path: "type", message: "type is required" },
                { index: 0, path: "occurredAt", message: "occurredAt is required" },
                { index: 0, path: "source", message: "source must be a string (the sending site or channel); received 3" },
            ]);
        });
        it("fails when occurredAt has no offset or Z", () => {
            expectOnly(validSearch({ occurredAt: "2026-11-22T10:15:00" }), "occurredAt", 'occurredAt must be a real ISO-8601 timestamp with seconds and an offset or Z, such as "2026-11-22T10:15:00Z"; received "2026-11-22T10:15:00"');
        });
        it("fails when occurredAt is not a real date", () => {
            expectOnly(validSearch({ occurredAt: "2026-02-30T10:15:00Z" }), "occurredAt", 'occurredAt must be a real ISO-8601 timestamp with seconds and an offset or Z, such as "2026-11-22T10:15:00Z"; received "2026-02-30T10:15:00Z"');
            expectOnly(validSearch({ occurredAt: "2026-11-22T24:00:00Z" }), "occurredAt", 'occurredAt must be a real ISO-8601 timestamp with seconds and an offset or Z, such as "2026-11-22T10:15:00Z"; received "2026-11-22T24:00:00Z"');
        });
        it("fails when occurredAt is a number", () => {
            expectOnly(validSearch({ occurredAt: 1763806500000 }), "occurredAt", "occurredAt must be an ISO-8601 timestamp with offset or Z; received 1763806500000");
        });
        it("fails when source is missing", () => {
            const { source: _drop, ...e } = validOffer();
            expectOnly(e, "source", "source is required");
        });
    });

    describe("search", () => {
        it("fails when origin is not an upper-case IATA code", () => {
            expectOnly(validSearch({ origin: "zrh" }), "origin", 'origin must be a 3-letter upper-case IATA airport code such as "ZRH"; received "zrh"');
            expectOnly(validSearch({ origin: "ZRHX" }), "origin", 'origin must be a 3-letter upper-case IATA airport code such as "ZRH"; received "ZRHX"');
        });
        it("fails when destination is missing", () => {
            const { destination: _drop, ...e } = validSearch();
            expectOnly(e, "destination", "destination is required");
        });
        it("fails when origin equals destination", () => {
            expectOnly(validSearch({ destination: "ZRH" }), "destination", 'destination must differ from origin; both are "ZRH"');
        });
        it("fails when departureDate is not a real date", () => {
            expectOnly(validSearch({ departureDate: "2027-02-29", returnDate: undefined }), "departureDate", 'departureDate must be a real calendar date in YYYY-MM-DD form; received "2027-02-29"');
            expectOnly(validSearch({ departureDate: "2026-12-1" }), "departureDate", 'departureDate must be a real calendar date in YYYY-MM-DD form; received "2026-12-1"');
        });
        it("fails when returnDate is before departureDate", () => {
            expectOnly(validSearch({ returnDate: "2026-11-30" }), "returnDate", 'returnDate must not be before departureDate (2026-12-01); received "2026-11-30"');
        });
        it("fails when returnDate is not a date", () => {
            expectOnly(validSearch({ returnDate: 20261208 }), "returnDate", "returnDate must be a date in YYYY-MM-DD form; received 20261208");
        });
        it("fails when passengers is 0, 10, fractional or a string", () => {
            expectOnly(validSearch({ passengers: 0 }), "passengers", "passengers must be an integer from 1 to 9; received 0");
            expectOnly(validSearch({ passengers: 10 }), "passengers", "passengers must be an integer from 1 to 9; received 10");
            expectOnly(validSearch({ passengers: 2.5 }), "passengers", "passengers must be an integer from 1 to 9; received 2.5");
            expectOnly(validSearch({ passengers: "2" }), "passengers", 'passengers must be an integer from 1 to 9; received "2"');
        });
        it("fails when cabin is not in the enum", () => {
            expectOnly(validSearch({ cabin: "Economy" }), "cabin", 'cabin must be one of "economy", "premium_economy", "business", "first"; received "Economy"');
        });
        it("lists every problem of one event", () => {
            expect(errorsOf(validSearch({ origin: "LIS", passengers: 0, cabin: undefined })).map((e) => e.path)).to.deep.equal(["passengers", "cabin", "destination"]);
        });
    });

    describe("offer", () => {
        it("fails when carrier is not a 2-character designator", () => {
            expectOnly(validOffer({ carrier: "LXX" }), "carrier", 'carrier must be a 2-character IATA airline designator (upper-case letters or digits) such as "LX"; received "LXX"');
            expectOnly(validOffer({ carrier: "lx" }), "carrier", 'carrier must be a 2-character IATA airline designator (upper-case letters or digits) such as "LX"; received "lx"');
        });
        it("accepts a carrier with a digit", () => {
            expect(validateEvent(validOffer({ carrier: "2L" })).ok).to.equal(true);
        });
        it("fails when price.amount is 0 or negative", () => {
            expectOnly(validOffer({ price: { amount: 0, currency: "CHF" } }), "price.amount", "price.amount must be a number greater than 0; received 0");
            expectOnly(validOffer({ price: { amount: -5, currency: "CHF" } }), "price.amount", "price.amount must be a number greater than 0; received -5");
        });
        it("fails when price.currency is not ISO-4217", () => {
            expectOnly(validOffer({ price: { amount: 10, currency: "chf" } }), "price.currency", 'price.currency must be an ISO-4217 currency code of 3 upper-case letters such as "CHF"; received "chf"');
        });
        it("fails when price is missing or not an object", () => {
            expectOnly(validOffer({ price: undefined }), "price", "price is required");
            expectOnly(validOffer({ price: 10 }), "price", "price must be an object with amount and currency; received 10");
        });
        it("fails when origin equals destination", () => {
            expectOnly(validOffer({ origin: "LIS" }), "destination", 'destination must differ from origin; both are "LIS"');
        });
    });

    describe("booking", () => {
        it("fails when bookingId is missing", () => {
            expectOnly(validBooking({ bookingId: undefined }), "bookingId", "bookingId is required");
        });
        it("fails when flight is missing", () => {
            expectOnly(validBooking({ flight: undefined }), "flight", "flight is required");
        });
        it("fails on each flight field with its dotted path", () => {
            expectOnly(validBooking({ flight: flight({ carrier: "L" }) }), "flight.carrier", 'flight.carrier must be a 2-character IATA airline designator (upper-case letters or digits) such as "LX"; received "L"');
            expectOnly(validBooking({ flight: flight({ number: "20845" }) }), "flight.number", 'flight.number must be 1 to 4 digits with an optional upper-case suffix letter such as "123" or "1234A"; received "20845"');
            expectOnly(validBooking({ flight: flight({ number: 2084 }) }), "flight.number", 'flight.number must be a flight number string such as "123"; received 2084');
            expectOnly(validBooking({ flight: flight({ departureDate: "01.12.2026" }) }), "flight.departureDate", 'flight.departureDate must be a real calendar date in YYYY-MM-DD form; received "01.12.2026"');
            expectOnly(validBooking({ flight: flight({ origin: undefined }) }), "flight.origin", "flight.origin is required");
            expectOnly(validBooking({ flight: flight({ destination: "ZRH" }) }), "flight.destination", 'flight.destination must differ from flight.origin; both are "ZRH"');
        });
        it("fails when seats is out of 1..9", () => {
            expectOnly(validBooking({ seats: 0 }), "seats", "seats must be an integer from 1 to 9; received 0");
            expectOnly(validBooking({ seats: 12 }), "seats", "seats must be an integer from 1 to 9; received 12");
        });
        it("fails when fare is invalid", () => {
            expect(errorsOf(validBooking({ fare: { amount: "379", currency: "SFr" } }))).to.deep.equal([
                { index: 0, path: "fare.amount", message: 'fare.amount must be a number greater than 0; received "379"' },
                { index: 0, path: "fare.currency", message: 'fare.currency must be an ISO-4217 currency code of 3 upper-case letters such as "CHF"; received "SFr"' },
            ]);
        });
    });

    describe("cancellation", () => {
        it("fails when seats is missing and flight is an array", () => {
            expect(errorsOf(validCancellation({ seats: undefined, flight: [] }))).to.deep.equal([
                { index: 0, path: "flight", message: "flight must be an object with carrier, number, departureDate, origin and destination; received an array" },
                { index: 0, path: "seats", message: "seats is required" },
            ]);
        });
    });

    describe("validateBatch", () => {
        it("returns every event when all are valid", () => {
            const batch = [validSearch(), validBooking()];
            expect(validateBatch(batch)).to.deep.equal({ ok: true, value: batch });
        });
        it("fails with errors of every invalid event, each with its index", () => {
            expect(validateBatch([validSearch(), validOffer({ carrier: 1 }), null])).to.deep.equal({
                ok: false,
                errors: [
                    { index: 1, path: "carrier", message: 'carrier must be a 2-character IATA airline designator such as "LX"; received 1' },
                    { index: 2, path: "", message: "event must be a JSON object; received null" },
                ],
            });
        });
    });

    describe("helpers", () => {
        it("routeOf and departureDateOf read top-level or flight fields", () => {
            expect(routeOf(validSearch() as FlightEvent)).to.equal("ZRH-LIS");
            expect(routeOf(validCancellation({ flight: flight({ origin: "GVA", destination: "JFK" }) }) as FlightEvent)).to.equal("GVA-JFK");
            expect(departureDateOf(validBooking() as FlightEvent)).to.equal("2026-12-01");
        });
    });

    describe("properties", () => {
        it("every generated valid event passes, unchanged", () => {
            fc.assert(
                fc.property(anyEvent, (e) => {
                    const copy = JSON.parse(JSON.stringify(e));
                    const result = validateEvent(e);
                    expect(result.ok, JSON.stringify(result)).to.equal(true);
                    expect(e).to.deep.equal(copy);
                }),
                { numRuns: 300 },
            );
        });
        it("unknown extra fields survive validation", () => {
            const extraKey = fc
                .string({ minLength: 1, maxLength: 12 })
                .filter(
                    (k) => !["eventId", "type", "occurredAt", "source", "origin", "destination", "departureDate", "returnDate", "passengers", "cabin", "carrier", "price", "bookingId", "flight", "seats", "fare", "__proto__"].includes(k),
                );
            fc.assert(
                fc.property(anyEvent, fc.dictionary(extraKey, fc.jsonValue()), (e, extra) => {
                    const withExtra = { ...e, ...extra };
                    const result = validateEvent(withExtra);
                    expect(result.ok).to.equal(true);
                    if (result.ok) {
                        for (const [k, v] of Object.entries(extra)) expect((result.value as Record<string, unknown>)[k]).to.deep.equal(v);
                    }
                }),
                { numRuns: 200 },
            );
        });
    });
});
