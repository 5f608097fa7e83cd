/** `search`: a traveller searched a route (60% of the traffic). */
import { CABINS, type Cabin, type Envelope, passengerCount } from "./common";
import { f, optional } from "./fields";
import { routed, type EventTypeDefinition } from "./registry";

export interface SearchEvent extends Envelope {
    readonly type: "search";
    readonly origin: string;
    readonly destination: string;
    readonly departureDate: string;
    readonly returnDate?: string;
    readonly passengers: number;
    readonly cabin: Cabin;
}

export const searchType: EventTypeDefinition = {
    name: "search",
    description: "A traveller searched a route.",
    producedBy: "websites and apps (ingestion API)",
    fields: {
        origin: f.airport("departure airport"),
        destination: f.airport("arrival airport"),
        departureDate: f.date("outbound day"),
        returnDate: optional(f.date("return day (round trips)")),
        passengers: passengerCount("travellers"),
        cabin: f.oneOf(CABINS, "cabin class"),
    },
    ...routed("origin", "destination", "departureDate", { kind: "notBefore", field: "returnDate", other: "departureDate" }),
    example: {
        eventId: "evt-search-1",
        type: "search",
        occurredAt: "2026-11-22T10:15:00Z",
        source: "web-ch",
        origin: "ZRH",
        destination: "LIS",
        departureDate: "2026-12-01",
        returnDate: "2026-12-08",
        passengers: 2,
        cabin: "economy",
    },
};
