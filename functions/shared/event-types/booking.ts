/** `booking`: seats were booked on a flight (state-changing). */
import { type Envelope, type FlightRef, type Money, flightRef, passengerCount } from "./common";
import { f } from "./fields";
import { routed, type EventTypeDefinition } from "./registry";

export interface BookingEvent extends Envelope {
    readonly type: "booking";
    readonly bookingId: string;
    readonly flight: FlightRef;
    readonly seats: number;
    readonly fare: Money;
}

export const bookingType: EventTypeDefinition = {
    name: "booking",
    description: "Seats were booked on a flight.",
    producedBy: "booking engines (ingestion API)",
    fields: {
        bookingId: f.id("the booking reference"),
        flight: flightRef("the booked flight"),
        seats: passengerCount("seats booked"),
        fare: f.money("fare paid"),
    },
    ...routed("flight.origin", "flight.destination", "flight.departureDate"),
    example: {
        eventId: "evt-booking-1",
        type: "booking",
        occurredAt: "2026-11-22T10:16:00-05:00",
        source: "app-ios",
        bookingId: "PNR123",
        flight: { carrier: "LX", number: "2084", departureDate: "2026-12-01", origin: "ZRH", destination: "LIS" },
        seats: 2,
        fare: { amount: 379, currency: "CHF" },
    },
};
