/**
 * AviationStack flight → `flight_status` event (pure).
 *
 * The event's shape is the `flight_status` type of the event-type registry
 * (functions/shared/event-types/flight-status.ts); the platform validator
 * checks every event before it is published.
 *
 * Identity: `eventId` = `fs:<carrier><number>:<departure day>:<departure
 * airport>:<status>:<update time>`, so polling the same state twice (the next
 * run, a retry, an overlapping page) yields the same event, deduplicated
 * downstream by (source, eventId), and a new status or a new update is a new
 * event. The update time (`occurredAt`) is the latest of `live.updated` and
 * the actual (gate or runway) times that is not after the poll; a flight with
 * none of those was last updated when its day began (its `flight_date` at
 * 00:00 UTC); a flight whose day has not begun yet is not observable yet and
 * is skipped (`not-yet-observable`), as is a record missing what the type
 * needs (each skip names the field, the value and what is allowed).
 */
import type { FlightStatus, FlightStatusEnd, FlightStatusEvent } from "../../shared/event-types/flight-status";
import { AVIATIONSTACK_STATUSES, AviationStackEnd, AviationStackFlight } from "./aviationstack";

export type { FlightStatus, FlightStatusEnd, FlightStatusEvent };

export type MapResult = { readonly ok: true; readonly event: FlightStatusEvent } | { readonly ok: false; readonly reason: string; readonly problem: string };

/** Largest delay the type accepts (minutes). */
const MAX_DELAY_MINUTES = 4320;
const IATA = /^[A-Z]{3}$/;
const CARRIER = /^[A-Z0-9]{2}$/;
const NUMBER = /^\d{1,4}[A-Z]?$/;
const DAY = /^\d{4}-\d{2}-\d{2}$/;
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

const show = (v: unknown): string => (v === undefined ? "nothing" : JSON.stringify(v));

/** The deterministic identity of one observed state. */
export function flightStatusEventId(f: { carrier: string; number: string; departureDate: string; origin: string }, status: string, updatedAt: string): string {
    return `fs:${f.carrier}${f.number}:${f.departureDate}:${f.origin}:${status}:${updatedAt}`;
}

function timestamp(path: string, v: unknown, required: boolean): { ok: true; value?: string } | { ok: false; problem: string } {
    if (v === undefined || v === null) return required ? { ok: false, problem: `${path} must be an ISO-8601 time with an offset; received ${show(v)}` } : { ok: true };
    if (typeof v !== "string" || !TIMESTAMP.test(v) || Number.isNaN(Date.parse(v))) return { ok: false, problem: `${path} must be an ISO-8601 time with an offset such as "2026-12-01T07:05:00+00:00"; received ${show(v)}` };
    return { ok: true, value: v };
}

function end(path: string, e: AviationStackEnd | null | undefined): { ok: true; value: FlightStatusEnd } | { ok: false; problem: string } {
    if (!e || typeof e !== "object") return { ok: false, problem: `${path} must be an object; received ${show(e)}` };
    if (typeof e.iata !== "string" || !IATA.test(e.iata)) return { ok: false, problem: `${path}.iata must be a 3-letter upper-case IATA airport code; received ${show(e.iata)}` };
    const scheduled = timestamp(`${path}.scheduled`, e.scheduled, true);
    if (!scheduled.ok) return scheduled;
    const estimated = timestamp(`${path}.estimated`, e.estimated, false);
    if (!estimated.ok) return estimated;
    const actual = timestamp(`${path}.actual`, e.actual, false);
    if (!actual.ok) return actual;
    if (e.delay !== undefined && e.delay !== null && (!Number.isInteger(e.delay) || e.delay < 0 || e.delay > MAX_DELAY_MINUTES)) {
        return { ok: false, problem: `${path}.delay must be whole minutes from 0 to ${MAX_DELAY_MINUTES}; received ${show(e.delay)}` };
    }
    return {
        ok: true,
        value: {
            airport: e.iata,
            scheduled: scheduled.value!,
            ...(estimated.value !== undefined ? { estimated: estimated.value } : {}),
            ...(actual.value !== undefined ? { actual: actual.value } : {}),
            ...(typeof e.delay === "number" ? { delayMinutes: e.delay } : {}),
        },
    };
}

/** The update time: see the module comment. Undefined when the flight is not observable yet. */
export function updateTimeOf(f: AviationStackFlight, departureDate: string, polledAtMs: number): string | undefined {
    const candidates = [f.live?.updated, f.departure?.actual, f.departure?.actual_runway, f.arrival?.actual, f.arrival?.actual_runway]
        .filter((t): t is string => typeof t === "string" && TIMESTAMP.test(t))
        .map((t) => Date.parse(t))
        .filter((t) => !Number.isNaN(t) && t <= polledAtMs);
    if (candidates.length > 0) return new Date(Math.max(...candidates)).toISOString();
    const dayStart = Date.parse(`${departureDate}T00:00:00Z`);
    return dayStart <= polledAtMs ? new Date(dayStart).toISOString() : undefined;
}

/** Maps one AviationStack flight; `source` is the connector's source name. */
export function toFlightStatusEvent(f: AviationStackFlight, source: string, polledAtMs: number): MapResult {
    const skip = (reason: string, problem: string): MapResult => ({ ok: false, reason, problem });
    if (!f || typeof f !== "object") return skip("invalid", `a flight must be an object; received ${show(f)}`);
    const status = f.flight_status;
    if (typeof status !== "string" || !(AVIATIONSTACK_STATUSES as readonly string[]).includes(status)) {
        return skip("invalid", `flight_status must be one of ${AVIATIONSTACK_STATUSES.map((s) => `"${s}"`).join(", ")}; received ${show(status)}`);
    }
    const carrier = f.airline?.iata;
    if (typeof carrier !== "string" || !CARRIER.test(carrier)) return skip("invalid", `airline.iata must be a 2-character IATA airline designator; received ${show(carrier)}`);
    let number = f.flight?.number;
    if ((number === undefined || number === null) && typeof f.flight?.iata === "string" && f.flight.iata.startsWith(carrier)) number = f.flight.iata.slice(carrier.length);
    if (typeof number !== "string" || !NUMBER.test(number)) return skip("invalid", `flight.number must be 1 to 4 digits with an optional upper-case suffix letter; received ${show(number)}`);
    const departureDate = f.flight_date;
    if (typeof departureDate !== "string" || !DAY.test(departureDate) || Number.isNaN(Date.parse(`${departureDate}T00:00:00Z`))) {
        return skip("invalid", `flight_date must be a day in YYYY-MM-DD form; received ${show(departureDate)}`);
    }
    const departure = end("departure", f.departure);
    if (!departure.ok) return skip("invalid", departure.problem);
    const arrival = end("arrival", f.arrival);
    if (!arrival.ok) return skip("invalid", arrival.problem);
    if (departure.value.airport === arrival.value.airport) return skip("invalid", `arrival.iata must differ from departure.iata; received "${arrival.value.airport}" for both`);
    const updatedAt = updateTimeOf(f, departureDate, polledAtMs);
    if (updatedAt === undefined) return skip("not-yet-observable", `flight_date ${departureDate} has not begun and the flight has no update yet`);
    const flight = { carrier, number, departureDate };
    return {
        ok: true,
        event: {
            eventId: flightStatusEventId({ ...flight, origin: departure.value.airport }, status, updatedAt),
            type: "flight_status",
            occurredAt: updatedAt,
            source,
            flight,
            status: status as FlightStatus,
            departure: departure.value,
            arrival: arrival.value,
        },
    };
}
