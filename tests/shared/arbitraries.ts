/** fast-check generators for the registry's types beyond the ingest ones (flight_status), and mutations. */
import fc from "fast-check";
import { FLIGHT_STATUSES } from "../../functions/shared/event-types";
import { airport, carrier, isoDate, occurredAt } from "../ingest/arbitraries";

const end = (at: fc.Arbitrary<string>) =>
    fc.record(
        {
            airport,
            scheduled: at,
            estimated: at,
            actual: at,
            delayMinutes: fc.integer({ min: 0, max: 4320 }),
        },
        { requiredKeys: ["airport", "scheduled"] },
    );

export const flightStatusEvent = fc
    .record({
        eventId: fc.string({ minLength: 1, maxLength: 128 }),
        occurredAt,
        source: fc.string({ minLength: 1, maxLength: 128 }),
        flight: fc.record({ carrier, number: fc.stringMatching(/^[0-9]{1,4}[A-Z]?$/), departureDate: isoDate }),
        status: fc.constantFrom(...FLIGHT_STATUSES),
        departure: end(occurredAt),
        arrival: end(occurredAt),
    })
    .filter((e) => e.departure.airport !== e.arrival.airport)
    .map((e) => ({ ...e, type: "flight_status" })) as fc.Arbitrary<Record<string, unknown>>;

/** Values at and around every bound and format the validator checks, plus arbitrary JSON. */
export const nastyValue: fc.Arbitrary<unknown> = fc.oneof(
    fc.constantFrom(
        undefined,
        null,
        true,
        0,
        -0,
        1,
        9,
        10,
        2.5,
        -1,
        1e6,
        1_000_000.01,
        1e308,
        Number.NaN,
        Infinity,
        -Infinity,
        4320,
        4321,
        "",
        "x".repeat(128),
        "x".repeat(129),
        "ZRH",
        "zrh",
        "ZRHX",
        "LX",
        "2L",
        "lx",
        "LXX",
        "123",
        "1234A",
        "12345",
        "CHF",
        "economy",
        "Economy",
        "search",
        "offer",
        "booking",
        "cancellation",
        "flight_status",
        "refund",
        "active",
        "landed",
        "2000-01-01",
        "1999-12-31",
        "2099-12-31",
        "2100-01-01",
        "0000-01-01",
        "2024-02-29",
        "2023-02-29",
        "2026-12-1",
        "2026-11-22T10:15:00Z",
        "2026-11-22T10:15:00",
        "2026-11-22T10:15Z",
        "2026-02-30T10:15:00Z",
        "2026-11-22T24:00:00Z",
        "2000-01-01T00:00:00+14:00",
        "2099-12-31T23:59:59-12:00",
        "2026-11-22T10:00:00-12:01",
        "2026-11-22T10:00:00+14:01",
        "2026-11-22T10:00:00+23:59",
        "1999-12-31T23:59:59Z",
        "2100-01-01T00:00:00Z",
        "2026-11-22T10:15:00.123456789+05:30",
        "2026-11-22T10:15:00+0100",
        "9999-12-31T23:00:00-12:00",
    ),
    fc.jsonValue(),
    fc.string(),
    fc.double(),
    fc.integer(),
);

type Json = Record<string, unknown>;

/** Paths (arrays of keys) of every value in `e`, nested objects included. */
export function pathsOf(e: Json, prefix: string[] = []): string[][] {
    const out: string[][] = [];
    for (const [k, v] of Object.entries(e)) {
        out.push([...prefix, k]);
        if (typeof v === "object" && v !== null && !Array.isArray(v)) out.push(...pathsOf(v as Json, [...prefix, k]));
    }
    return out;
}

/** A deep copy of `e` with the value at `path` replaced (or deleted when `value` is the DELETE marker). */
export const DELETE = Symbol("delete");
export function mutate(e: Json, path: readonly string[], value: unknown): Json {
    const copy = structuredClone(e) as Json;
    let holder: Json = copy;
    for (const k of path.slice(0, -1)) {
        const next = holder[k];
        if (typeof next !== "object" || next === null) return copy; // an earlier mutation replaced the holder
        holder = next as Json;
    }
    const last = path[path.length - 1];
    if (value === DELETE) delete holder[last];
    else holder[last] = value;
    return copy;
}
