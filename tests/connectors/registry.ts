import { EVENT_TYPES } from "../../functions/shared/events";

/**
 * True once the event-type registry (functions/shared/event-types) declares
 * `flight_status`; until then the platform validator refuses the connector's
 * events, and the tests that need them accepted are skipped with this reason.
 */
export const REGISTRY_HAS_FLIGHT_STATUS = (EVENT_TYPES as readonly string[]).includes("flight_status");
