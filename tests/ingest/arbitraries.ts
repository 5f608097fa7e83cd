/** fast-check generators and fixtures for envelope v1 events (shared by the ingest tests). */
import fc from "fast-check";
import { bookingType, cancellationType, offerType, searchType, type EventTypeDefinition } from "../../functions/shared/event-types";
import type { FlightEvent } from "../../functions/shared/events";

const upper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ".split("");
const alnum = [...upper, ..."0123456789".split("")];

export const airport = fc.array(fc.constantFrom(...upper), { minLength: 3, maxLength: 3 }).map((a) => a.join(""));
export const carrier = fc.array(fc.constantFrom(...alnum), { minLength: 2, maxLength: 2 }).map((a) => a.join(""));
export const currency = fc.array(fc.constantFrom(...upper), { minLength: 3, maxLength: 3 }).map((a) => a.join(""));
// Up to 2099-10-31: a returnDate up to 60 days later stays inside the validator's last day (2099-12-31).
export const isoDate = fc.date({ min: new Date("2000-01-01T00:00:00Z"), max: new Date("2099-10-31T00:00:00Z"), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10));
export const occurredAt = fc
    .tuple(fc.date({ min: new Date("2000-01-01T00:00:00Z"), max: new Date("2099-12-31T00:00:00Z"), noInvalidDate: true }), fc.constantFrom("Z", "+01:00", "-05:30", "+14:00"))
    .map(([d, zone]) => d.toISOString().replace("Z", zone));
const route = fc.tuple(airport, airport).filter(([o, d]) => o !== d);
const count = fc.integer({ min: 1, max: 9 });
const amount = fc.double({ min: 0.01, max: 1e6, noNaN: true });
const envelope = {
    eventId: fc.string({ minLength: 1, maxLength: 128 }),
    occurredAt,
    source: fc.string({ minLength: 1, maxLength: 128 }),
};
const flight = fc
    .record({
        carrier,
        number: fc.stringMatching(/^[0-9]{1,4}[A-Z]?$/),
        departureDate: isoDate,
        route,
    })
    .map(({ route: [origin, destination], ...f }) => ({ ...f, origin, destination }));

export const searchEvent = fc
    .record({
        ...envelope,
        route,
        departureDate: isoDate,
        stayDays: fc.option(fc.integer({ min: 0, max: 60 }), { nil: undefined }),
        passengers: count,
        cabin: fc.constantFrom("economy", "premium_economy", "business", "first"),
    })
    .map(({ route: [origin, destination], stayDays, ...e }) => {
        const out: Record<string, unknown> = { ...e, type: "search", origin, destination };
        if (stayDays !== undefined) {
            out.returnDate = new Date(Date.parse(`${e.departureDate}T00:00:00Z`) + stayDays * 86400000).toISOString().slice(0, 10);
        }
        return out;
    });
export const offerEvent = fc.record({ ...envelope, route, departureDate: isoDate, carrier, price: fc.record({ amount, currency }) }).map(({ route: [origin, destination], ...e }) => ({ ...e, type: "offer", origin, destination }));
export const bookingEvent = fc.record({ ...envelope, bookingId: fc.string({ minLength: 1, maxLength: 128 }), flight, seats: count, fare: fc.record({ amount, currency }) }).map((e) => ({ ...e, type: "booking" }));
export const cancellationEvent = fc.record({ ...envelope, bookingId: fc.string({ minLength: 1, maxLength: 128 }), flight, seats: count }).map((e) => ({ ...e, type: "cancellation" }));

export const anyEvent = fc.oneof(searchEvent, offerEvent, bookingEvent, cancellationEvent) as fc.Arbitrary<Record<string, unknown>>;

/**
 * Valid fixtures, one per type: the registry's own example events (the ones docs/event-types.md shows),
 * copied deep so a test may change them; tests change one field at a time.
 */
const fromExample =
    (definition: EventTypeDefinition) =>
    (overrides: Record<string, unknown> = {}): Record<string, unknown> => ({ ...structuredClone(definition.example), ...overrides });
export const validSearch = fromExample(searchType);
export const validOffer = fromExample(offerType);
export const validBooking = fromExample(bookingType);
export const validCancellation = fromExample(cancellationType);

export type AnyEvent = FlightEvent;
