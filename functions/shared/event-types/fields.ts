/**
 * Field kinds an event type is declared with (./search.ts, ./offer.ts, ...).
 * Each kind carries, from ONE declaration:
 *
 * - `zod(path)`: the full validator with the exact, stand-alone messages
 *   (the field's dotted path, what is allowed, the value received);
 * - `check(value)`: the compiled fast-path check (no zod, no allocation) that
 *   accepts exactly what `zod(path)` plus the field's bounds accept;
 * - `glue` / `duckdb`: the lake catalog (Glue) and pond (DuckDB) column types;
 * - `describe`: the allowed values, for the generated docs table.
 *
 * Bounds a kind carries (calendar dates and timestamps 2000-01-01..2099-12-31,
 * offsets -12:00..+14:00, amounts, id lengths) are checked by the registry
 * after the schema, on fields valid on their own (./registry.ts).
 */
import { z } from "zod";

/** Longest eventId / bookingId / source accepted. */
export const MAX_ID_CHARS = 128;
/** Earliest calendar day accepted in any date field and in occurredAt's date part. */
export const EARLIEST_DAY = "2000-01-01";
/** Latest calendar day accepted in any date field and in occurredAt's date part. */
export const LATEST_DAY = "2099-12-31";
/** Most westerly and easterly UTC offsets accepted in timestamps (the real-world range). */
export const MIN_OFFSET = "-12:00";
export const MAX_OFFSET = "+14:00";
export const MIN_OFFSET_MINUTES = -12 * 60;
export const MAX_OFFSET_MINUTES = 14 * 60;
/** Largest amount (price.amount, fare.amount) accepted, in units of the currency. */
export const MAX_AMOUNT = 1_000_000;

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

type Issue = { input?: unknown; code?: string };

/** Error callback for a type check: "is required" when missing, otherwise the expected kind. */
export function typeError(path: string, expected: string) {
    return (iss: Issue) => (iss.input === undefined ? `${path} is required` : `${path} must be ${expected}; received ${describeReceived(iss.input)}`);
}

/** zod's own patterns, so the fast path accepts exactly what the schema accepts. */
export const DATE_PATTERN: RegExp = z.core.regexes.date;
export const DATETIME_PATTERN: RegExp = z.core.regexes.datetime({ offset: true });
const IATA_3 = /^[A-Z]{3}$/;
const CARRIER = /^[A-Z0-9]{2}$/;
const FLIGHT_NUMBER = /^[0-9]{1,4}[A-Z]?$/;

/** Where a bound applies: calendar dates and timestamps are range-checked after the schema. */
export type BoundKind = "date" | "timestamp";

export interface Field {
    readonly kind: string;
    readonly optional: boolean;
    /** One line for the docs table. */
    readonly doc: string;
    /** What is allowed, for the docs table. */
    readonly describe: string;
    readonly glue: string;
    readonly duckdb: string;
    /** Nested fields of an object kind, in declaration order. */
    readonly fields?: Readonly<Record<string, Field>>;
    /** Set for kinds whose values are range-checked after the schema. */
    readonly bound?: BoundKind;
    zod(path: string): z.ZodType;
    /** Fast path: true exactly when `zod(path)` and the field's bounds accept the value. */
    check(value: unknown): boolean;
}

type Base = Omit<Field, "optional" | "doc">;

function make(base: Base, doc: string): Field & { optional: false } {
    return { ...base, optional: false, doc };
}

/** Makes a field optional (absent or `undefined`). */
export function optional(f: Field): Field {
    const inner = f.check;
    return {
        ...f,
        optional: true,
        zod: (path) => f.zod(path).optional(),
        check: (v) => v === undefined || inner(v),
    };
}

export function dayInBounds(day: string): boolean {
    return day >= EARLIEST_DAY && day <= LATEST_DAY;
}

const TIMESTAMP_PARTS = /^(\d{4}-\d{2}-\d{2})T\d{2}:\d{2}:\d{2}(?:\.\d+)?(Z|([+-])(\d{2}):(\d{2}))$/;

/** True when the bound checks read `at`: the timestamp shape and a time Date.parse understands. */
export function timestampParsable(at: string): boolean {
    return TIMESTAMP_PARTS.test(at) && !Number.isNaN(Date.parse(at));
}

/**
 * The absolute bound of a timestamp that passed its format check: a message
 * naming the problem, or undefined when it is inside
 * EARLIEST_DAY..LATEST_DAY with an offset in MIN_OFFSET..MAX_OFFSET.
 */
export function timestampBoundProblem(path: string, at: string): string | undefined {
    const m = TIMESTAMP_PARTS.exec(at);
    if (!m || Number.isNaN(Date.parse(at))) return undefined;
    if (!dayInBounds(m[1])) return `${path} must be a date and time from ${EARLIEST_DAY} to ${LATEST_DAY}; received "${at}"`;
    if (m[2] !== "Z") {
        const minutes = (m[3] === "-" ? -1 : 1) * (Number(m[4]) * 60 + Number(m[5]));
        if (minutes < MIN_OFFSET_MINUTES || minutes > MAX_OFFSET_MINUTES) {
            return `${path} must have a UTC offset from ${MIN_OFFSET} to ${MAX_OFFSET} (or Z); received "${at}"`;
        }
    }
    return undefined;
}

/**
 * Fast equivalent of `timestampBoundProblem(...) === undefined` for a string
 * that matched DATETIME_PATTERN: reads the year and offset from fixed
 * positions (the pattern fixes them), no regex match array.
 */
export function timestampInBounds(at: string): boolean {
    // DATETIME_PATTERN: YYYY-MM-DDTHH:MM:SS[.f+](Z|±HH:MM); the year is 4 digits.
    const c0 = at.charCodeAt(0);
    const c1 = at.charCodeAt(1);
    // 2000..2099: "20" then any two digits (the day part is a real date: DATE_PATTERN).
    if (c0 !== 50 || c1 !== 48) return false;
    const last = at.charCodeAt(at.length - 1);
    if (last === 90 /* Z */) return true;
    const sign = at.charCodeAt(at.length - 6);
    const minutes = ((at.charCodeAt(at.length - 5) - 48) * 10 + (at.charCodeAt(at.length - 4) - 48)) * 60 + (at.charCodeAt(at.length - 2) - 48) * 10 + (at.charCodeAt(at.length - 1) - 48);
    return sign === 45 /* - */ ? minutes <= -MIN_OFFSET_MINUTES : minutes <= MAX_OFFSET_MINUTES;
}

/** Days from 1970-01-01 to the proleptic Gregorian date y-m-d (m 1..12); exact for every year. */
function daysFromCivil(y: number, m: number, d: number): number {
    const yy = m <= 2 ? y - 1 : y;
    const era = Math.floor(yy / 400);
    const yoe = yy - era * 400;
    const doy = Math.floor((153 * (m > 2 ? m - 3 : m + 9) + 2) / 5) + d - 1;
    return era * 146097 + yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy - 719468;
}

function digits2(at: string, i: number): number {
    return (at.charCodeAt(i) - 48) * 10 + (at.charCodeAt(i + 1) - 48);
}

/**
 * `Date.parse(at)` for a string that matched DATETIME_PATTERN
 * (YYYY-MM-DDTHH:MM:SS[.f+](Z|±HH:MM), a real calendar date), by arithmetic
 * on fixed positions instead of the date parser (about 3x faster; the hot
 * paths call it once per event for the occurredAt window). Like V8's parser,
 * a fraction counts to the millisecond (digits past the third are dropped).
 * Property-tested against Date.parse (tests/shared/bounds.test.ts).
 */
export function timestampMs(at: string): number {
    const y = digits2(at, 0) * 100 + digits2(at, 2);
    const day = daysFromCivil(y, digits2(at, 5), digits2(at, 8));
    let i = 19;
    let ms = 0;
    if (at.charCodeAt(i) === 46 /* . */) {
        i++;
        let k = 0;
        for (; i < at.length; i++) {
            const c = at.charCodeAt(i);
            if (c < 48 || c > 57) break;
            if (k < 3) {
                ms = ms * 10 + (c - 48);
                k++;
            }
        }
        for (; k < 3; k++) ms *= 10;
    }
    let offset = 0;
    if (at.charCodeAt(i) !== 90 /* Z */) {
        offset = (at.charCodeAt(i) === 45 /* - */ ? -1 : 1) * (digits2(at, i + 1) * 60 + digits2(at, i + 4));
    }
    return ((day * 24 + digits2(at, 11)) * 60 + digits2(at, 14) - offset) * 60_000 + digits2(at, 17) * 1000 + ms;
}

/**
 * A string kind matched by `pattern`: `expected` names it for the type error
 * ("a ... such as ..."), `mustBe` says what is allowed when the pattern fails.
 */
function patternString(kind: string, describe: string, pattern: RegExp, expected: string, mustBe: string, doc: string): Field {
    return make(
        {
            kind,
            describe,
            glue: "string",
            duckdb: "VARCHAR",
            zod: (path) =>
                z.string({ error: typeError(path, expected) }).regex(pattern, {
                    error: (iss: Issue) => `${path} must be ${mustBe}; received ${describeReceived(iss.input)}`,
                }),
            check: (v) => typeof v === "string" && pattern.test(v),
        },
        doc,
    );
}

/** Constructors of the field kinds. */
export const f = {
    id(what: string, doc = what): Field {
        return make(
            {
                kind: "id",
                describe: `string, 1 to ${MAX_ID_CHARS} characters`,
                glue: "string",
                duckdb: "VARCHAR",
                zod: (path) =>
                    z
                        .string({ error: typeError(path, `a string (${what})`) })
                        .min(1, { error: () => `${path} must be 1 to ${MAX_ID_CHARS} characters long; received an empty string` })
                        .max(MAX_ID_CHARS, {
                            error: (iss: Issue) => `${path} must be 1 to ${MAX_ID_CHARS} characters long; received ${(iss.input as string).length} characters`,
                        }),
                check: (v) => typeof v === "string" && v.length >= 1 && v.length <= MAX_ID_CHARS,
            },
            doc,
        );
    },

    airport(doc: string): Field {
        return patternString("airport", '3-letter upper-case IATA airport code ("ZRH")', IATA_3, `a 3-letter upper-case IATA airport code such as "ZRH"`, `a 3-letter upper-case IATA airport code such as "ZRH"`, doc);
    },

    /** A calendar day YYYY-MM-DD, bounded to EARLIEST_DAY..LATEST_DAY. */
    date(doc: string): Field {
        return make(
            {
                kind: "date",
                describe: `real calendar date YYYY-MM-DD, ${EARLIEST_DAY} to ${LATEST_DAY}`,
                glue: "string",
                duckdb: "VARCHAR",
                bound: "date",
                zod: (path) =>
                    z.iso.date({
                        error: (iss: Issue) => (iss.code === "invalid_type" ? typeError(path, "a date in YYYY-MM-DD form")(iss) : `${path} must be a real calendar date in YYYY-MM-DD form; received ${describeReceived(iss.input)}`),
                    }),
                check: (v) => typeof v === "string" && DATE_PATTERN.test(v) && dayInBounds(v),
            },
            doc,
        );
    },

    /** An ISO-8601 timestamp with seconds and an offset or Z, bounded like occurredAt (without the window around now). */
    timestamp(doc: string): Field {
        return make(
            {
                kind: "timestamp",
                describe: `ISO-8601 timestamp with seconds and offset or Z, ${EARLIEST_DAY} to ${LATEST_DAY}, offset ${MIN_OFFSET} to ${MAX_OFFSET}`,
                glue: "string",
                duckdb: "VARCHAR",
                bound: "timestamp",
                zod: (path) =>
                    z.iso.datetime({
                        offset: true,
                        error: (iss: Issue) =>
                            iss.code === "invalid_type"
                                ? typeError(path, "an ISO-8601 timestamp with offset or Z")(iss)
                                : `${path} must be a real ISO-8601 timestamp with seconds and an offset or Z, such as "2026-11-22T10:15:00Z"; received ${describeReceived(iss.input)}`,
                    }),
                check: (v) => typeof v === "string" && DATETIME_PATTERN.test(v) && timestampInBounds(v),
            },
            doc,
        );
    },

    carrier(doc: string): Field {
        return patternString(
            "carrier",
            '2-character IATA airline designator, upper-case letters or digits ("LX")',
            CARRIER,
            `a 2-character IATA airline designator such as "LX"`,
            `a 2-character IATA airline designator (upper-case letters or digits) such as "LX"`,
            doc,
        );
    },

    flightNumber(doc: string): Field {
        return patternString(
            "flightNumber",
            '1 to 4 digits, optional upper-case suffix letter ("123", "1234A")',
            FLIGHT_NUMBER,
            `a flight number string such as "123"`,
            `1 to 4 digits with an optional upper-case suffix letter such as "123" or "1234A"`,
            doc,
        );
    },

    /** An integer from `min` to `max` (passengers, seats: 1..9). */
    integer(min: number, max: number, doc: string): Field {
        const what = `an integer from ${min} to ${max}`;
        return make(
            {
                kind: "integer",
                describe: `integer ${min} to ${max}`,
                glue: "int",
                duckdb: "INTEGER",
                zod: (path) =>
                    z.number({ error: typeError(path, what) }).refine((n) => Number.isInteger(n) && n >= min && n <= max, {
                        error: (iss: Issue) => `${path} must be ${what}; received ${describeReceived(iss.input)}`,
                    }),
                check: (v) => typeof v === "number" && Number.isInteger(v) && v >= min && v <= max,
            },
            doc,
        );
    },

    /** One of `values` (strings). */
    oneOf(values: readonly [string, ...string[]], doc: string): Field {
        const list = values.map((c) => JSON.stringify(c)).join(", ");
        return make(
            {
                kind: "enum",
                describe: `one of ${values.map((c) => `\`${c}\``).join(", ")}`,
                glue: "string",
                duckdb: "VARCHAR",
                zod: (path) =>
                    z.enum(values, {
                        error: (iss: Issue) => (iss.input === undefined ? `${path} is required` : `${path} must be one of ${list}; received ${describeReceived(iss.input)}`),
                    }),
                check: (v) => typeof v === "string" && values.includes(v),
            },
            doc,
        );
    },

    /** An amount and an ISO-4217 currency: `{ amount, currency }`. */
    money(doc: string): Field {
        const amount: Field = make(
            {
                kind: "amount",
                describe: `number > 0, at most ${MAX_AMOUNT}`,
                glue: "double",
                duckdb: "DOUBLE",
                zod: (path) =>
                    z
                        .number({ error: typeError(path, "a number greater than 0") })
                        .refine((n) => Number.isFinite(n) && n > 0, {
                            error: (iss: Issue) => `${path} must be a number greater than 0; received ${describeReceived(iss.input)}`,
                        })
                        .refine((n) => !(n > MAX_AMOUNT), {
                            error: (iss: Issue) => `${path} must be at most ${MAX_AMOUNT} (units of the currency); received ${describeReceived(iss.input)}`,
                        }),
                check: (v) => typeof v === "number" && Number.isFinite(v) && v > 0 && v <= MAX_AMOUNT,
            },
            "amount in units of the currency",
        );
        const currency = patternString("currency", 'ISO-4217 code, 3 upper-case letters ("CHF")', IATA_3, `an ISO-4217 currency code such as "CHF"`, `an ISO-4217 currency code of 3 upper-case letters such as "CHF"`, "currency");
        return f.object({ amount, currency }, doc);
    },

    /** A nested object with `fields` (extra keys kept). */
    object(fields: Readonly<Record<string, Field>>, doc: string): Field {
        const names = Object.keys(fields);
        const list = names.length === 1 ? names[0] : `${names.slice(0, -1).join(", ")} and ${names[names.length - 1]}`;
        const entries = names.map((k) => [k, fields[k].check] as const);
        const glue = `struct<${names.map((k) => `${k.toLowerCase()}:${fields[k].glue}`).join(",")}>`;
        const duckdb = `STRUCT(${names.map((k) => `${k} ${fields[k].duckdb}`).join(", ")})`;
        return make(
            {
                kind: "object",
                describe: `object with ${list}`,
                glue,
                duckdb,
                fields,
                zod: (path) => z.looseObject(Object.fromEntries(names.map((k) => [k, fields[k].zod(`${path}.${k}`)])), { error: typeError(path, `an object with ${list}`) }),
                check: (v) => {
                    if (typeof v !== "object" || v === null || Array.isArray(v)) return false;
                    const o = v as Record<string, unknown>;
                    for (let i = 0; i < entries.length; i++) if (!entries[i][1](o[entries[i][0]])) return false;
                    return true;
                },
            },
            doc,
        );
    },
};
