/**
 * Event envelope v1: the one validator shared by the ingestion
 * service, the stream processor and the lake.
 *
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
import { z } from "zod";

export const EVENT_TYPES = ["search", "offer", "booking", "cancellation"] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export const CABINS = ["economy", "premium_economy", "business", "first"] as const;
export type Cabin = (typeof CABINS)[number];

/** Longest eventId / bookingId / source accepted. */
export const MAX_ID_CHARS = 128;

/** Earliest calendar day accepted in any date field and in occurredAt's date part. */
export const EARLIEST_DAY = "2000-01-01";
/** Latest calendar day accepted in any date field and in occurredAt's date part. */
export const LATEST_DAY = "2099-12-31";
/** Most westerly and easterly UTC offsets accepted in occurredAt (the real-world range). */
export const MIN_OFFSET = "-12:00";
export const MAX_OFFSET = "+14:00";
const MIN_OFFSET_MINUTES = -12 * 60;
const MAX_OFFSET_MINUTES = 14 * 60;
/**
 * UTC days an accepted occurredAt can fall on (the lake's `dt` values): a local
 * date in [EARLIEST_DAY, LATEST_DAY] at an offset in [MIN_OFFSET, MAX_OFFSET].
 * The Glue partition projection starts at `first` (components/lake/LakeCatalog.ts).
 */
export const LAKE_DAY_RANGE = { first: "1999-12-31", last: "2100-01-01" } as const;
/** Largest amount (price.amount, fare.amount) accepted, in units of the currency. */
export const MAX_AMOUNT = 1_000_000;

/** Default window around "now" for occurredAt (ingestion). */
export const DEFAULT_OCCURRED_AT_MAX_AGE_MS = 7 * 86_400_000;
export const DEFAULT_OCCURRED_AT_MAX_FUTURE_MS = 5 * 60_000;
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

export interface ValidateOptions {
  /** Reference time for the occurredAt window; without it only the absolute bounds apply. */
  readonly now?: Date | number;
  /** How far before `now` occurredAt may be, ms. @default 604800000 (7 days) */
  readonly occurredAtMaxAgeMs?: number;
  /** How far after `now` occurredAt may be, ms. @default 300000 (5 minutes) */
  readonly occurredAtMaxFutureMs?: number;
}

/** "7 days", "5 minutes", "90 seconds": the largest whole unit. */
export function describeDuration(ms: number): string {
  const units: [number, string][] = [[86_400_000, "day"], [3_600_000, "hour"], [60_000, "minute"], [1000, "second"]];
  for (const [size, name] of units) {
    if (ms >= size && ms % size === 0) return `${ms / size} ${name}${ms / size === 1 ? "" : "s"}`;
  }
  return `${ms} ms`;
}

/** Describes a received value for an error message (strings quoted, long ones cut). */
export function describeReceived(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  switch (typeof value) {
    case "string": {
      const shown = value.length > 40 ? `${value.slice(0, 40)}...` : value;
      return `${JSON.stringify(shown)}${value.length > 40 ? ` (${value.length} characters)` : ""}`;
    }
    case "number":
    case "boolean":
    case "bigint":
      return String(value);
    case "object":
      return "an object";
    default:
      return `a ${typeof value}`;
  }
}

function kindOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return "an object";
  return `a ${typeof value}`;
}

type Issue = { input?: unknown; code?: string };

/** Error callback for a type check: "is required" when missing, otherwise the expected kind. */
function typeError(path: string, expected: string) {
  return (iss: Issue) =>
    iss.input === undefined ? `${path} is required` : `${path} must be ${expected}; received ${describeReceived(iss.input)}`;
}

function idString(path: string, what: string) {
  return z
    .string({ error: typeError(path, `a string (${what})`) })
    .min(1, { error: () => `${path} must be 1 to ${MAX_ID_CHARS} characters long; received an empty string` })
    .max(MAX_ID_CHARS, {
      error: (iss: Issue) =>
        `${path} must be 1 to ${MAX_ID_CHARS} characters long; received ${(iss.input as string).length} characters`,
    });
}

function iataAirport(path: string) {
  return z
    .string({ error: typeError(path, `a 3-letter upper-case IATA airport code such as "ZRH"`) })
    .regex(/^[A-Z]{3}$/, {
      error: (iss: Issue) =>
        `${path} must be a 3-letter upper-case IATA airport code such as "ZRH"; received ${describeReceived(iss.input)}`,
    });
}

function calendarDate(path: string) {
  return z.iso.date({
    error: (iss: Issue) =>
      iss.code === "invalid_type"
        ? typeError(path, "a date in YYYY-MM-DD form")(iss)
        : `${path} must be a real calendar date in YYYY-MM-DD form; received ${describeReceived(iss.input)}`,
  });
}

function carrier(path: string) {
  return z
    .string({ error: typeError(path, `a 2-character IATA airline designator such as "LX"`) })
    .regex(/^[A-Z0-9]{2}$/, {
      error: (iss: Issue) =>
        `${path} must be a 2-character IATA airline designator (upper-case letters or digits) such as "LX"; received ${describeReceived(iss.input)}`,
    });
}

function count(path: string) {
  return z
    .number({ error: typeError(path, "an integer from 1 to 9") })
    .refine((n) => Number.isInteger(n) && n >= 1 && n <= 9, {
      error: (iss: Issue) => `${path} must be an integer from 1 to 9; received ${describeReceived(iss.input)}`,
    });
}

function money(path: string) {
  return z.looseObject(
    {
      amount: z
        .number({ error: typeError(`${path}.amount`, "a number greater than 0") })
        .refine((n) => Number.isFinite(n) && n > 0, {
          error: (iss: Issue) =>
            `${path}.amount must be a number greater than 0; received ${describeReceived(iss.input)}`,
        })
        .refine((n) => !(n > MAX_AMOUNT), {
          error: (iss: Issue) =>
            `${path}.amount must be at most ${MAX_AMOUNT} (units of the currency); received ${describeReceived(iss.input)}`,
        }),
      currency: z
        .string({ error: typeError(`${path}.currency`, `an ISO-4217 currency code such as "CHF"`) })
        .regex(/^[A-Z]{3}$/, {
          error: (iss: Issue) =>
            `${path}.currency must be an ISO-4217 currency code of 3 upper-case letters such as "CHF"; received ${describeReceived(iss.input)}`,
        }),
    },
    { error: typeError(path, "an object with amount and currency") },
  );
}

function flight(path: string) {
  return z.looseObject(
    {
      carrier: carrier(`${path}.carrier`),
      number: z
        .string({ error: typeError(`${path}.number`, `a flight number string such as "123"`) })
        .regex(/^[0-9]{1,4}[A-Z]?$/, {
          error: (iss: Issue) =>
            `${path}.number must be 1 to 4 digits with an optional upper-case suffix letter such as "123" or "1234A"; received ${describeReceived(iss.input)}`,
        }),
      departureDate: calendarDate(`${path}.departureDate`),
      origin: iataAirport(`${path}.origin`),
      destination: iataAirport(`${path}.destination`),
    },
    { error: typeError(path, "an object with carrier, number, departureDate, origin and destination") },
  );
}

const envelopeShape = {
  eventId: idString("eventId", "the idempotency key"),
  type: z.enum(EVENT_TYPES, {
    error: (iss: Issue) =>
      iss.input === undefined
        ? "type is required"
        : `type must be one of ${EVENT_TYPES.map((t) => JSON.stringify(t)).join(", ")}; received ${describeReceived(iss.input)}`,
  }),
  occurredAt: z.iso.datetime({
    offset: true,
    error: (iss: Issue) =>
      iss.code === "invalid_type"
        ? typeError("occurredAt", "an ISO-8601 timestamp with offset or Z")(iss)
        : `occurredAt must be a real ISO-8601 timestamp with seconds and an offset or Z, such as "2026-11-22T10:15:00Z"; received ${describeReceived(iss.input)}`,
  }),
  source: idString("source", "the sending site or channel"),
};

/** The fields every event carries, whatever its type (extra fields kept). */
export const EnvelopeSchema = z.looseObject(envelopeShape);

export const SearchEventSchema = z.looseObject({
    ...envelopeShape,
    type: z.literal("search"),
    origin: iataAirport("origin"),
    destination: iataAirport("destination"),
    departureDate: calendarDate("departureDate"),
    returnDate: calendarDate("returnDate").optional(),
    passengers: count("passengers"),
    cabin: z.enum(CABINS, {
      error: (iss: Issue) =>
        iss.input === undefined
          ? "cabin is required"
          : `cabin must be one of ${CABINS.map((c) => JSON.stringify(c)).join(", ")}; received ${describeReceived(iss.input)}`,
    }),
});

export const OfferEventSchema = z.looseObject({
    ...envelopeShape,
    type: z.literal("offer"),
    origin: iataAirport("origin"),
    destination: iataAirport("destination"),
    departureDate: calendarDate("departureDate"),
    carrier: carrier("carrier"),
    price: money("price"),
});

export const BookingEventSchema = z.looseObject({
  ...envelopeShape,
  type: z.literal("booking"),
  bookingId: idString("bookingId", "the booking reference"),
  flight: flight("flight"),
  seats: count("seats"),
  fare: money("fare"),
});

export const CancellationEventSchema = z.looseObject({
  ...envelopeShape,
  type: z.literal("cancellation"),
  bookingId: idString("bookingId", "the booking reference"),
  flight: flight("flight"),
  seats: count("seats"),
});

export type SearchEvent = z.infer<typeof SearchEventSchema>;
export type OfferEvent = z.infer<typeof OfferEventSchema>;
export type BookingEvent = z.infer<typeof BookingEventSchema>;
export type CancellationEvent = z.infer<typeof CancellationEventSchema>;
export type FlightEvent = SearchEvent | OfferEvent | BookingEvent | CancellationEvent;
export type FlightRef = BookingEvent["flight"];
export type Money = BookingEvent["fare"];

const schemaByType = {
  search: SearchEventSchema,
  offer: OfferEventSchema,
  booking: BookingEventSchema,
  cancellation: CancellationEventSchema,
} as const;

export interface ValidationError {
  /** Position of the event in the batch (0 for a single event). */
  readonly index: number;
  /** Dotted path of the offending field (`"flight.carrier"`); `""` for the event itself. */
  readonly path: string;
  readonly message: string;
}

export type ValidationResult<T> = { ok: true; value: T } | { ok: false; errors: ValidationError[] };

function toErrors(index: number, issues: readonly z.core.$ZodIssue[]): ValidationError[] {
  const seen = new Set<string>();
  const out: ValidationError[] = [];
  for (const issue of issues) {
    const path = issue.path.map(String).join(".");
    const key = `${path}\u0000${issue.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ index, path, message: issue.message });
  }
  return out;
}

const IATA_AIRPORT = /^[A-Z]{3}$/;
/** Built once: constructing a zod schema per call dominated validation time (bench/consumer). */
const CALENDAR_DATE = z.iso.date();
const isCalendarDate = (d: unknown): d is string => typeof d === "string" && CALENDAR_DATE.safeParse(d).success;

/**
 * Rules spanning two fields, checked on the raw value whatever else is wrong
 * (so every problem is listed), and only once both fields are valid on their own.
 */
function crossFieldErrors(index: number, type: EventType, value: Record<string, unknown>): ValidationError[] {
  const errors: ValidationError[] = [];
  const route = (holder: unknown, prefix: string) => {
    if (typeof holder !== "object" || holder === null) return;
    const { origin, destination } = holder as Record<string, unknown>;
    if (typeof origin === "string" && IATA_AIRPORT.test(origin) && origin === destination) {
      errors.push({
        index,
        path: `${prefix}destination`,
        message: `${prefix}destination must differ from ${prefix}origin; both are ${JSON.stringify(origin)}`,
      });
    }
  };
  if (type === "search" || type === "offer") route(value, "");
  else route(value.flight, "flight.");
  if (type === "search") {
    const { departureDate, returnDate } = value;
    // YYYY-MM-DD strings compare in date order.
    if (isCalendarDate(departureDate) && isCalendarDate(returnDate) && returnDate < departureDate) {
      errors.push({
        index,
        path: "returnDate",
        message: `returnDate must not be before departureDate (${departureDate}); received "${returnDate}"`,
      });
    }
  }
  return errors;
}

const OCCURRED_AT = /^(\d{4}-\d{2}-\d{2})T\d{2}:\d{2}:\d{2}(?:\.\d+)?(Z|([+-])(\d{2}):(\d{2}))$/;

function dayInRange(path: string, day: unknown, index: number, errors: ValidationError[]): void {
  if (!isCalendarDate(day)) return; // the format error is reported by the schema
  if (day < EARLIEST_DAY || day > LATEST_DAY) {
    errors.push({ index, path, message: `${path} must be a date from ${EARLIEST_DAY} to ${LATEST_DAY}; received "${day}"` });
  }
}

/**
 * Bounds (docs/analytics.md "Bounds"), checked on fields that are valid on their
 * own, so every store accepts what passes.
 */
function boundErrors(index: number, type: EventType, value: Record<string, unknown>, options: ValidateOptions): ValidationError[] {
  const errors: ValidationError[] = [];
  const at = value.occurredAt;
  const m = typeof at === "string" ? OCCURRED_AT.exec(at) : null;
  if (m && !Number.isNaN(Date.parse(at as string))) {
    const day = m[1];
    if (day < EARLIEST_DAY || day > LATEST_DAY) {
      errors.push({ index, path: "occurredAt", message: `occurredAt must be a date and time from ${EARLIEST_DAY} to ${LATEST_DAY}; received "${at}"` });
    } else if (m[2] !== "Z") {
      const minutes = (m[3] === "-" ? -1 : 1) * (Number(m[4]) * 60 + Number(m[5]));
      if (minutes < MIN_OFFSET_MINUTES || minutes > MAX_OFFSET_MINUTES) {
        errors.push({ index, path: "occurredAt", message: `occurredAt must have a UTC offset from ${MIN_OFFSET} to ${MAX_OFFSET} (or Z); received "${at}"` });
      }
    }
    if (errors.length === 0 && options.now !== undefined) {
      const now = typeof options.now === "number" ? options.now : options.now.getTime();
      const t = Date.parse(at as string);
      const maxAge = options.occurredAtMaxAgeMs ?? DEFAULT_OCCURRED_AT_MAX_AGE_MS;
      const maxFuture = options.occurredAtMaxFutureMs ?? DEFAULT_OCCURRED_AT_MAX_FUTURE_MS;
      const nowIso = new Date(now).toISOString().replace(".000Z", "Z");
      if (t < now - maxAge) {
        errors.push({ index, path: "occurredAt", message: `occurredAt must be at most ${describeDuration(maxAge)} before now (${nowIso}); received "${at}"` });
      } else if (t > now + maxFuture) {
        errors.push({ index, path: "occurredAt", message: `occurredAt must be at most ${describeDuration(maxFuture)} after now (${nowIso}); received "${at}"` });
      }
    }
  }
  if (type === "search" || type === "offer") {
    dayInRange("departureDate", value.departureDate, index, errors);
    if (type === "search") dayInRange("returnDate", value.returnDate, index, errors);
  } else if (typeof value.flight === "object" && value.flight !== null) {
    dayInRange("flight.departureDate", (value.flight as Record<string, unknown>).departureDate, index, errors);
  }
  return errors;
}

function validateAt(value: unknown, index: number, options: ValidateOptions = {}): ValidationResult<FlightEvent> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return {
      ok: false,
      errors: [{ index, path: "", message: `event must be a JSON object; received ${kindOf(value)}` }],
    };
  }
  const type = (value as { type?: unknown }).type;
  if (typeof type === "string" && Object.prototype.hasOwnProperty.call(schemaByType, type)) {
    const result = schemaByType[type as EventType].safeParse(value);
    const errors = [
      ...(result.success ? [] : toErrors(index, result.error.issues)),
      ...crossFieldErrors(index, type as EventType, value as Record<string, unknown>),
      ...boundErrors(index, type as EventType, value as Record<string, unknown>, options),
    ];
    return errors.length === 0 ? { ok: true, value: value as FlightEvent } : { ok: false, errors };
  }
  // Unknown or missing type: report it together with every envelope problem.
  const result = EnvelopeSchema.safeParse(value);
  return { ok: false, errors: result.success ? [] : toErrors(index, result.error.issues) };
}

/** Validates one event; on failure lists every problem (index 0). */
export function validateEvent(value: unknown, options: ValidateOptions = {}): ValidationResult<FlightEvent> {
  return validateAt(value, 0, options);
}

/** Validates a batch; the batch is valid only if every event is. Errors carry the event's index. */
export function validateBatch(values: readonly unknown[], options: ValidateOptions = {}): ValidationResult<FlightEvent[]> {
  const events: FlightEvent[] = [];
  const errors: ValidationError[] = [];
  values.forEach((value, index) => {
    const result = validateAt(value, index, options);
    if (result.ok) events.push(result.value);
    else errors.push(...result.errors);
  });
  return errors.length === 0 ? { ok: true, value: events } : { ok: false, errors };
}

/** The route an event concerns, "ORIGIN-DESTINATION" (from `flight` for bookings and cancellations). */
export function routeOf(event: FlightEvent): string {
  const { origin, destination } = event.type === "booking" || event.type === "cancellation" ? event.flight : event;
  return `${origin}-${destination}`;
}

/** The departure date an event concerns. */
export function departureDateOf(event: FlightEvent): string {
  return event.type === "booking" || event.type === "cancellation" ? event.flight.departureDate : event.departureDate;
}
