/** `cancellation`: booked seats were released (state-changing). */
import { type Envelope, type FlightRef, flightRef, passengerCount } from "./common";
import { f } from "./fields";
import { routed, type EventTypeDefinition } from "./registry";

export interface CancellationEvent extends Envelope {
    readonly type: "cancellation";
    readonly bookingId: string;
    readonly flight: FlightRef;
    readonly seats: number;
}

export const cancellationType: EventTypeDefinition = {
    name: "cancellation",
    description: "Booked seats were released.",
    producedBy: "booking engines (ingestion API)",
    fields: {
        bookingId: f.id("the booking reference"),
        flight: flightRef("the flight"),
        seats: passengerCount("seats released"),
    },
    ...routed("flight.origin", "flight.destination", "flight.departureDate"),
    example: {
        eventId: "evt-cancel-1",
        type: "cancellation",
        occurredAt: "2026-11-22T11:00:00Z",
        source: "app-ios",
        bookingId: "PNR123",
        flight: { carrier: "LX", number: "2084", departureDate: "2026-12-01", origin: "ZRH", destination: "LIS" },
        seats: 1,
    },
};
