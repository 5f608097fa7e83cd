/**
 * The `clean` derived stream's transform (pure): what readers of the clean
 * stream can rely on, whatever the sender put in its events.
 *
 * - Only the fields of the event's type survive (the raw stream keeps a
 *   sender's unknown extra fields; the clean stream drops them). Types the
 *   transform does not know keep their fields.
 * - `occurredAt` is normalised to UTC with milliseconds
 *   (`2026-11-22T09:15:00.000Z`); the sender's text is kept in
 *   `clean.occurredAtAsSent`.
 * - `clean.authenticatedSource`: the source whose ingestion key sent the event
 *   (ingestion refuses an event whose `source` is another source's, and fills
 *   it in from the key when omitted), so readers need not trust free text.
 * - Enrichment: `clean.route` ("ORIGIN-DESTINATION") and
 *   `clean.departureDate` where the type has them, `clean.eventDay` and
 *   `clean.eventHour` (UTC), `clean.version` ({@link CLEAN_VERSION}).
 *
 * The identity (source, eventId) is kept, and the output depends only on the
 * event's content, so a redelivered or resent event gives the same clean
 * event (same fingerprint): readers deduplicate it like any other copy.
 */
import { ENVELOPE_FIELDS, eventTypes } from "../../shared/event-types";
import type { FlightEvent } from "../../shared/events";

export const CLEAN_VERSION = 1;

/** What the transform adds under `clean`. */
export interface CleanMarks {
    readonly version: number;
    readonly authenticatedSource: string;
    readonly occurredAtAsSent: string;
    readonly eventDay: string;
    readonly eventHour: string;
    readonly route?: string;
    readonly departureDate?: string;
}

export type CleanEvent = FlightEvent & { readonly clean: CleanMarks };

/** The fields each registered type declares (the envelope's and its own), from the event-type registry. */
const FIELDS: Record<string, readonly string[]> = Object.fromEntries(eventTypes.definitions.map((d) => [d.name, [...ENVELOPE_FIELDS, ...Object.keys(d.fields)]]));

export function cleanEvent(event: FlightEvent): CleanEvent {
    const raw = event as unknown as Record<string, unknown>;
    const fields = FIELDS[event.type];
    const kept: Record<string, unknown> = {};
    for (const k of fields ?? Object.keys(raw)) if (raw[k] !== undefined && k !== "clean") kept[k] = raw[k];
    const utc = new Date(Date.parse(event.occurredAt)).toISOString();
    const where = (event.type === "booking" || event.type === "cancellation" ? (raw.flight as Record<string, unknown> | undefined) : raw) ?? {};
    const route = typeof where.origin === "string" && typeof where.destination === "string" ? `${where.origin}-${where.destination}` : undefined;
    const departureDate = typeof where.departureDate === "string" ? where.departureDate : undefined;
    const clean: CleanMarks = {
        version: CLEAN_VERSION,
        authenticatedSource: event.source,
        occurredAtAsSent: event.occurredAt,
        eventDay: utc.slice(0, 10),
        eventHour: utc.slice(11, 13),
        ...(route !== undefined ? { route } : {}),
        ...(departureDate !== undefined ? { departureDate } : {}),
    };
    return { ...kept, occurredAt: utc, clean } as unknown as CleanEvent;
}

/** True for an event the clean transform produced (what readers of the clean stream check). */
export function isCleanEvent(event: FlightEvent): event is CleanEvent {
    const c = (event as { clean?: Partial<CleanMarks> }).clean;
    return typeof c === "object" && c !== null && c.version === CLEAN_VERSION && c.authenticatedSource === event.source && typeof c.eventDay === "string";
}
