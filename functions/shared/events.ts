/**
 * Event envelope v1: the one validator shared by the ingestion
 * service, the stream processor and the lake, built from the event-type
 * registry (./event-types: one file per type; docs/event-types.md).
 *
 * - Valid events take the compiled fast path (no zod, no allocation); only an
 *   event the fast path rejects goes through the full zod validator, for the
 *   detailed messages (tests/shared/fast-validator.test.ts proves both agree).
 * - `validateEvent(value)` / `validateBatch(values)` return either the typed
 *   events or EVERY problem found, as `{ index, path, message }`.
 * - `path` is dotted: `"flight.carrier"`, `"price.amount"`; `""` names the
 *   event itself. `index` is the event's position in the batch (0 for a single
 *   event).
 * - Messages stand alone: they name the field (full dotted path), what is
 *   allowed and the value received, e.g.
 *   `origin must be a 3-letter upper-case IATA airport code such as "ZRH"; received "zrh"`.
 * - Unknown extra fields are kept: the events returned are the input objects
 *   themselves (same key order, nothing stripped or added).
 *
 * Formats (strict):
 * - `occurredAt`: `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`, a real calendar
 *   date and time (seconds are required, a zone offset or `Z` is required).
 * - dates: `YYYY-MM-DD`, a real calendar date (2024-02-29 yes, 2023-02-29 no).
 * - IATA airport codes: 3 upper-case letters; origin and destination differ.
 * - carrier: 2-character IATA airline designator, upper-case letters or digits.
 * - flight number: a string of 1 to 4 digits with an optional upper-case
 *   operational suffix letter (`"123"`, `"8"`, `"1234A"`).
 * - amounts: finite numbers > 0 and at most {@link MAX_AMOUNT} (1,000,000 units
 *   of the currency); currency: ISO-4217 code, 3 upper-case letters.
 * - passengers, seats: integers 1..9.
 *
 * Bounds (every store behind the validator accepts whatever passes it: the
 * PostgreSQL columns, the lake's `dt=YYYY-MM-DD` layout, Glue partition
 * projection; docs/analytics.md "Bounds"):
 * - calendar dates (`departureDate`, `returnDate`, `flight.departureDate`) and
 *   the date part of `occurredAt`: {@link EARLIEST_DAY} to {@link LATEST_DAY};
 * - the `occurredAt` offset: {@link MIN_OFFSET} to {@link MAX_OFFSET}, so its UTC
 *   day (the lake's `dt`) lies in {@link LAKE_DAY_RANGE};
 * - with `options.now` (ingestion: the time of receipt; the processor: the
 *   record's Kinesis arrival time), `occurredAt` must lie in
 *   [now - occurredAtMaxAgeMs, now + occurredAtMaxFutureMs] (defaults 7 days
 *   and 5 minutes). Without `now` only the absolute bounds apply.
 */
import {
    CABINS,
    DEFAULT_OCCURRED_AT_MAX_AGE_MS,
    DEFAULT_OCCURRED_AT_MAX_FUTURE_MS,
    EARLIEST_DAY,
    LATEST_DAY,
    MAX_AMOUNT,
    MAX_ID_CHARS,
    MAX_OFFSET,
    MIN_OFFSET,
    describeDuration,
    describeReceived,
    eventTypes,
    type BookingEvent,
    type Cabin,
    type CancellationEvent,
    type FlightRef,
    type FlightStatusEvent,
    type Money,
    type OfferEvent,
    type RegisteredEvent,
    type RegisteredEventType,
    type SearchEvent,
    type ValidateOptions,
    type ValidationError,
    type ValidationResult,
} from "./event-types";

export { CABINS, DEFAULT_OCCURRED_AT_MAX_AGE_MS, DEFAULT_OCCURRED_AT_MAX_FUTURE_MS, EARLIEST_DAY, LATEST_DAY, MAX_AMOUNT, MAX_ID_CHARS, MAX_OFFSET, MIN_OFFSET, describeDuration, describeReceived };
export type { BookingEvent, Cabin, CancellationEvent, FlightRef, FlightStatusEvent, Money, OfferEvent, SearchEvent, ValidateOptions, ValidationError, ValidationResult };

/** The registered event types, in registry order (functions/shared/event-types/index.ts). */
export const EVENT_TYPES: readonly EventType[] = eventTypes.names as readonly EventType[];
export type EventType = RegisteredEventType;
/** Every event the validator accepts: one of the registered types. */
export type FlightEvent = RegisteredEvent;

/**
 * UTC days an accepted occurredAt can fall on (the lake's `dt` values): a local
 * date in [EARLIEST_DAY, LATEST_DAY] at an offset in [MIN_OFFSET, MAX_OFFSET].
 * The Glue partition projection starts at `first` (components/lake/LakeCatalog.ts).
 */
export const LAKE_DAY_RANGE = { first: "1999-12-31", last: "2100-01-01" } as const;

/** The widest window ingestion may be configured with (OCCURRED_AT_MAX_AGE_SECONDS / _FUTURE_SECONDS). */
export const OCCURRED_AT_MAX_AGE_LIMIT_MS = 30 * 86_400_000;
export const OCCURRED_AT_MAX_FUTURE_LIMIT_MS = 60 * 60_000;
/**
 * The window consumers check against a record's Kinesis arrival time: the widest
 * ingestion window plus an hour for the time between receipt and arrival, so a
 * consumer never rejects an event ingestion accepted, however old it is by the
 * time it is processed or replayed.
 */
export const CONSUMER_OCCURRED_AT_WINDOW = {
    occurredAtMaxAgeMs: OCCURRED_AT_MAX_AGE_LIMIT_MS + 3_600_000,
    occurredAtMaxFutureMs: OCCURRED_AT_MAX_FUTURE_LIMIT_MS,
} as const;

/** The fields every event carries, whatever its type (extra fields kept). */
export const EnvelopeSchema = eventTypes.envelopeSchema;
export const SearchEventSchema = eventTypes.schemaOf("search")!;
export const OfferEventSchema = eventTypes.schemaOf("offer")!;
export const BookingEventSchema = eventTypes.schemaOf("booking")!;
export const CancellationEventSchema = eventTypes.schemaOf("cancellation")!;
export const FlightStatusEventSchema = eventTypes.schemaOf("flight_status")!;

/** Validates one event; on failure lists every problem (index 0). */
export function validateEvent(value: unknown, options: ValidateOptions = {}): ValidationResult<FlightEvent> {
    return eventTypes.validateAt<FlightEvent>(value, 0, options);
}

/** Validates a batch; the batch is valid only if every event is. Errors carry the event's index. */
export function validateBatch(values: readonly unknown[], options: ValidateOptions = {}): ValidationResult<FlightEvent[]> {
    return eventTypes.validateBatch<FlightEvent>(values, options);
}

/** True when the compiled fast path accepts `value` (what validateEvent decides for valid events, without building a result). */
export function isValidEvent(value: unknown, options: ValidateOptions = {}): value is FlightEvent {
    return eventTypes.isValid(value, options);
}

function at(event: FlightEvent, dotted: string): string {
    let v: unknown = event;
    for (const k of dotted.split(".")) v = (v as Record<string, unknown>)[k];
    return v as string;
}

/** The route an event concerns, "ORIGIN-DESTINATION" (from the type's declared route fields: `flight` for bookings and cancellations). */
export function routeOf(event: FlightEvent): string {
    switch (event.type) {
        case "search":
        case "offer":
            return `${event.origin}-${event.destination}`;
        case "booking":
        case "cancellation":
            return `${event.flight.origin}-${event.flight.destination}`;
        default: {
            const route = eventTypes.definition(event.type)?.route;
            if (!route) throw new TypeError(`routeOf: event type "${event.type}" declares no route`);
            return `${at(event, route.origin)}-${at(event, route.destination)}`;
        }
    }
}

/** The departure date an event concerns. */
export function departureDateOf(event: FlightEvent): string {
    switch (event.type) {
        case "search":
        case "offer":
            return event.departureDate;
        case "booking":
        case "cancellation":
            return event.flight.departureDate;
        default: {
            const path = eventTypes.definition(event.type)?.departureDate;
            if (!path) throw new TypeError(`departureDateOf: event type "${event.type}" declares no departure date`);
            return at(event, path);
        }
    }
}
