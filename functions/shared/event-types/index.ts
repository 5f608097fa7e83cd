/**
 * THE event-type registry: one file per type in this folder, listed here.
 * Adding a type is adding its file and one entry below; validation
 * (functions/shared/events.ts), the lake partition (functions/lake/partitioning.ts),
 * the Glue columns (components/lake/LakeCatalog.ts), the pond SQL input
 * columns (`pondColumns`) and docs/event-types.md follow from it
 * (docs/event-types.md says how; tests/shared/registry.test.ts checks each).
 */
import { bookingType, type BookingEvent } from "./booking";
import { cancellationType, type CancellationEvent } from "./cancellation";
import { flightStatusType, type FlightStatusEvent } from "./flight-status";
import { offerType, type OfferEvent } from "./offer";
import { ENVELOPE_FIELDS, EventTypeRegistry, type EventTypeDefinition } from "./registry";
export { ENVELOPE_FIELDS };
import { searchType, type SearchEvent } from "./search";

export * from "./fields";
export * from "./common";
export * from "./registry";
export { searchType, type SearchEvent } from "./search";
export { offerType, type OfferEvent } from "./offer";
export { bookingType, type BookingEvent } from "./booking";
export { cancellationType, type CancellationEvent } from "./cancellation";
export { flightStatusType, FLIGHT_STATUSES, MAX_DELAY_MINUTES, type FlightStatus, type FlightStatusEnd, type FlightStatusEvent } from "./flight-status";

/** Every event type of the platform, in order (the order of `type must be one of ...`). */
export const EVENT_TYPE_DEFINITIONS: readonly EventTypeDefinition[] = [searchType, offerType, bookingType, cancellationType, flightStatusType];

/** The union of the registered types' events (keep in step with EVENT_TYPE_DEFINITIONS). */
export type RegisteredEvent = SearchEvent | OfferEvent | BookingEvent | CancellationEvent | FlightStatusEvent;
export type RegisteredEventType = RegisteredEvent["type"];

/** The platform's registry. */
export const eventTypes = new EventTypeRegistry(EVENT_TYPE_DEFINITIONS);

/** Pond SQL input columns of the lake's events (DuckDB `read_json` columns), optionally only those `types` carry. */
export function pondColumns(types?: readonly string[]) {
    return eventTypes.pondColumns(types);
}
