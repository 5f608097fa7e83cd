/** `offer`: a priced offer shown for a route (air shopping). */
import { type Envelope, type Money } from "./common";
import { f } from "./fields";
import { routed, type EventTypeDefinition } from "./registry";

export interface OfferEvent extends Envelope {
    readonly type: "offer";
    readonly origin: string;
    readonly destination: string;
    readonly departureDate: string;
    readonly carrier: string;
    readonly price: Money;
}

export const offerType: EventTypeDefinition = {
    name: "offer",
    description: "A priced offer was shown for a route.",
    producedBy: "websites, apps, GDS (ingestion API)",
    fields: {
        origin: f.airport("departure airport"),
        destination: f.airport("arrival airport"),
        departureDate: f.date("outbound day"),
        carrier: f.carrier("offering airline"),
        price: f.money("total price"),
    },
    ...routed("origin", "destination", "departureDate"),
    example: {
        eventId: "evt-offer-1",
        type: "offer",
        occurredAt: "2026-11-22T10:15:01.250+01:00",
        source: "gds",
        origin: "ZRH",
        destination: "LIS",
        departureDate: "2026-12-01",
        carrier: "LX",
        price: { amount: 189.5, currency: "CHF" },
    },
};
