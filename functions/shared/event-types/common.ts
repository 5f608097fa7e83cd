/** Pieces several event types share (the envelope's TypeScript shape, money, the booked flight). */
import { f, type Field } from "./fields";

/** The fields every event carries, whatever its type. */
export interface Envelope {
    readonly eventId: string;
    readonly occurredAt: string;
    readonly source: string;
    /** Unknown extra fields are kept as sent. */
    readonly [extra: string]: unknown;
}

export interface Money {
    readonly amount: number;
    readonly currency: string;
}

/** A flight with its route (bookings, cancellations). */
export interface FlightRef {
    readonly carrier: string;
    readonly number: string;
    readonly departureDate: string;
    readonly origin: string;
    readonly destination: string;
}

export const CABINS = ["economy", "premium_economy", "business", "first"] as const;
export type Cabin = (typeof CABINS)[number];

/** Passengers, seats. */
export const passengerCount = (doc: string): Field => f.integer(1, 9, doc);

export const flightRef = (doc: string): Field =>
    f.object(
        {
            carrier: f.carrier("operating airline"),
            number: f.flightNumber("flight number"),
            departureDate: f.date("local departure day"),
            origin: f.airport("departure airport"),
            destination: f.airport("arrival airport"),
        },
        doc,
    );
