/**
 * `flight_status`: the operational status of one flight, as a flight-status
 * connector reads it (the shape of the AviationStack `flights` endpoint,
 * normalised): the flight (IATA carrier, number, local departure day), its
 * status, and per end the airport with scheduled / estimated / actual times
 * and the delay in minutes. The connector (functions/connectors) maps
 * AviationStack's `flight_status`, `departure.iata`, `departure.scheduled`,
 * `departure.delay`, ... onto these fields; `occurredAt` is when the status
 * was observed.
 */
import { type Envelope } from "./common";
import { f, optional, type Field } from "./fields";
import { routed, type EventTypeDefinition } from "./registry";

export const FLIGHT_STATUSES = ["scheduled", "active", "landed", "cancelled", "incident", "diverted"] as const;
export type FlightStatus = (typeof FLIGHT_STATUSES)[number];
/** Largest delay accepted, minutes (3 days). */
export const MAX_DELAY_MINUTES = 4320;

/** One end of the flight. */
export interface FlightStatusEnd {
    readonly airport: string;
    /** ISO-8601 with offset. */
    readonly scheduled: string;
    readonly estimated?: string;
    readonly actual?: string;
    /** Minutes late (0 when on time); absent when not known. */
    readonly delayMinutes?: number;
}

export interface FlightStatusEvent extends Envelope {
    readonly type: "flight_status";
    readonly flight: { readonly carrier: string; readonly number: string; readonly departureDate: string };
    readonly status: FlightStatus;
    readonly departure: FlightStatusEnd;
    readonly arrival: FlightStatusEnd;
}

const end = (doc: string): Field =>
    f.object(
        {
            airport: f.airport("IATA airport code"),
            scheduled: f.timestamp("scheduled time"),
            estimated: optional(f.timestamp("estimated time")),
            actual: optional(f.timestamp("actual time")),
            delayMinutes: optional(f.integer(0, MAX_DELAY_MINUTES, "delay, minutes")),
        },
        doc,
    );

export const flightStatusType: EventTypeDefinition = {
    name: "flight_status",
    description: "The operational status of a flight (AviationStack flights shape, normalised).",
    producedBy: "the flight-status connector (ScheduledSource)",
    fields: {
        flight: f.object(
            {
                carrier: f.carrier("operating airline"),
                number: f.flightNumber("flight number"),
                departureDate: f.date("local departure day"),
            },
            "the flight",
        ),
        status: f.oneOf(FLIGHT_STATUSES, "operational status"),
        departure: end("departure end"),
        arrival: end("arrival end"),
    },
    ...routed("departure.airport", "arrival.airport", "flight.departureDate"),
    // What the connector makes of a recorded AviationStack flight (tests/connectors/flight-status.test.ts checks it).
    example: {
        eventId: "fs:LX2084:2026-12-01:ZRH:active:2026-12-01T08:10:00.000Z",
        type: "flight_status",
        occurredAt: "2026-12-01T08:10:00.000Z",
        source: "aviationstack",
        flight: { carrier: "LX", number: "2084", departureDate: "2026-12-01" },
        status: "active",
        departure: { airport: "ZRH", scheduled: "2026-12-01T07:05:00+00:00", estimated: "2026-12-01T07:20:00+00:00", actual: "2026-12-01T07:22:00+00:00", delayMinutes: 17 },
        arrival: { airport: "LIS", scheduled: "2026-12-01T09:00:00+00:00", estimated: "2026-12-01T09:10:00+00:00" },
    },
};
