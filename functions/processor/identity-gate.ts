/**
 * The downstream half of event identity (functions/shared/identity.ts), in ONE
 * module (docs/analytics.md "Identity and idempotency"):
 *
 * - `identityRounds` (pure): splits a batch so each identity appears once per
 *   round: exact copies (same identity, same fingerprint) are dropped, another
 *   content under the same identity goes to a later round, where the gate sees
 *   it as a conflict against what the first round counted.
 * - `gateIdentities` (in the chunk's transaction): returns the events counted
 *   for the first time, the duplicates (same fingerprint as counted) and the
 *   conflicts (another fingerprint), which are recorded in
 *   `identity_conflicts`, never counted. Two structures hold what was counted:
 *   - the state-changing types (bookings, cancellations: `PER_EVENT_IDENTITY_TYPES`)
 *     claim one `processed_events` row each (`claimIdentities`), as booking
 *     state needs their events anyway;
 *   - every other type (searches, offers: ~99 % of the volume) is looked up in
 *     `identity_digests` (GIN over the identities) and the chunk's new ones are
 *     stored as ONE row per event hour (`claimDigests`): a producer resend (the
 *     same identity again at a higher sequence number, on any shard) is caught
 *     for as long as the digests are kept (PROCESSED_EVENTS_RETENTION_HOURS).
 *     Concurrent chunks with the same event (a copy on another shard at the
 *     same moment) serialise on the route-minute row both will count, so the
 *     second sees the first's digest once it commits.
 *   Each structure also checks the other, so one identity reused across types
 *   is a conflict, as before.
 */
import type { FlightEvent } from "../shared/events";
import { routeOf } from "../shared/events";
import { fingerprint, identityKey } from "../shared/identity";
import { DataApi } from "../shared/db/dataapi";
import { minuteOf } from "./aggregate";
import { truncateUtf8 } from "./chunks";
import * as SQL from "./sql";

/** Largest payload kept per conflict. */
export const CONFLICT_PAYLOAD_MAX_BYTES = 16 * 1024;

export interface Fingerprinted<E extends FlightEvent = FlightEvent> {
    readonly event: E;
    readonly key: string;
    readonly fingerprint: string;
}

export function fingerprinted<E extends FlightEvent>(event: E): Fingerprinted<E> {
    return { event, key: identityKey(event), fingerprint: fingerprint(event) };
}

/** Rounds of distinct identities; each item keeps every input position it stands for. */
export function identityRounds<T>(items: readonly T[], keyOf: (t: T) => string, fingerprintOf: (t: T) => string): { item: T; copies: T[] }[][] {
    const rounds: { item: T; copies: T[] }[][] = [];
    const seen = new Map<string, Map<string, { item: T; copies: T[] }>>();
    for (const item of items) {
        const key = keyOf(item);
        const fp = fingerprintOf(item);
        let versions = seen.get(key);
        if (!versions) seen.set(key, (versions = new Map()));
        const known = versions.get(fp);
        if (known) {
            known.copies.push(item);
            continue;
        }
        const entry = { item, copies: [item] };
        (rounds[versions.size] ??= []).push(entry);
        versions.set(fp, entry);
    }
    return rounds;
}

export interface ClaimResult<E extends FlightEvent> {
    readonly fresh: Fingerprinted<E>[];
    readonly duplicates: number;
    readonly conflicts: number;
}

/** Claims a chunk's identities (distinct within the chunk) in transaction `tx`. */
export async function claimIdentities<E extends FlightEvent>(db: DataApi, items: readonly Fingerprinted<E>[], tx: string): Promise<ClaimResult<E>> {
    // Sorted, so concurrent chunks holding the same identities lock them in the same order (no deadlock).
    const sorted = [...items].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const claimed = await db.query<{ source: string; event_id: string }>(
        SQL.CLAIM_EVENTS,
        {
            events: { json: sorted.map((i) => ({ source: i.event.source, event_id: i.event.eventId, event_type: i.event.type, occurred_at: i.event.occurredAt, fingerprint: i.fingerprint })) },
        },
        tx,
    );
    const freshKeys = new Set(claimed.map((r) => identityKey({ source: r.source, eventId: r.event_id })));
    const fresh = items.filter((i) => freshKeys.has(i.key));
    const seen = items.filter((i) => !freshKeys.has(i.key));
    if (seen.length === 0) return { fresh, duplicates: 0, conflicts: 0 };
    const known = await db.query<{ source: string; event_id: string; fingerprint: string }>(
        SQL.CLAIMED_FINGERPRINTS,
        {
            keys: { json: seen.map((i) => ({ source: i.event.source, event_id: i.event.eventId })) },
        },
        tx,
    );
    const counted = new Map(known.map((r) => [identityKey({ source: r.source, eventId: r.event_id }), r.fingerprint]));
    const conflicts = seen.filter((i) => {
        const fp = counted.get(i.key);
        // '' : recorded before fingerprints existed (content unknown); absent: expired meanwhile. Neither is counted again.
        return fp !== undefined && fp !== "" && fp !== i.fingerprint;
    });
    await recordConflicts(db, conflicts, (i) => counted.get(i.key)!, tx);
    return { fresh, duplicates: seen.length - conflicts.length, conflicts: conflicts.length };
}

/** The event types that keep one identity row per event (their events are stored for booking state anyway). */
export const PER_EVENT_IDENTITY_TYPES: ReadonlySet<string> = new Set(["booking", "cancellation"]);

/**
 * The identity as one text value for the digests: "<characters in source>:<source><eventId>"
 * (length-prefixed, so no separator can be ambiguous; PostgreSQL text cannot hold the NUL of identityKey).
 */
export function digestKey(event: { readonly source: string; readonly eventId: string }): string {
    return `${Array.from(event.source).length}:${event.source}${event.eventId}`;
}

/** Start of the UTC hour of event time (the digests' event_hour). */
export function eventHourOf(occurredAt: string): string {
    return new Date(Math.floor(Date.parse(occurredAt) / 3_600_000) * 3_600_000).toISOString();
}

async function recordConflicts<E extends FlightEvent>(db: DataApi, conflicts: readonly Fingerprinted<E>[], countedOf: (i: Fingerprinted<E>) => string, tx: string): Promise<void> {
    if (conflicts.length === 0) return;
    await db.execute(
        SQL.UPSERT_CONFLICTS,
        {
            conflicts: {
                json: conflicts.map((i) => ({
                    source: i.event.source,
                    event_id: i.event.eventId,
                    fingerprint: i.fingerprint,
                    counted_fingerprint: countedOf(i),
                    event_type: i.event.type,
                    payload: truncateUtf8(JSON.stringify(i.event), CONFLICT_PAYLOAD_MAX_BYTES).text,
                })),
            },
        },
        tx,
    );
}

export interface GateOptions {
    /** Types that claim one processed_events row per event; the others go through identity_digests. @default PER_EVENT_IDENTITY_TYPES */
    readonly perEventTypes?: ReadonlySet<string>;
}

/**
 * The types whose identities go into the route-minute digests: the ones the
 * aggregates count per route and minute (the digest path locks those rows).
 * Every other type — bookings and cancellations (state), and types the
 * aggregates do not count, such as flight_status — takes per-event rows.
 */
const DIGEST_TYPES: ReadonlySet<string> = new Set(["search", "offer"]);

/** The identity gate for a chunk's items (distinct identities), in transaction `tx`. */
export async function gateIdentities<E extends FlightEvent>(db: DataApi, items: readonly Fingerprinted<E>[], tx: string, opts: GateOptions = {}): Promise<ClaimResult<E>> {
    const perEvent = opts.perEventTypes ?? PER_EVENT_IDENTITY_TYPES;
    const perEventItem = (i: Fingerprinted<E>) => perEvent.has(i.event.type) || !DIGEST_TYPES.has(i.event.type);
    const state = items.filter(perEventItem);
    const stream = items.filter((i) => !perEventItem(i));
    const a = state.length > 0 ? await claimStateIdentities(db, state, tx) : { fresh: [], duplicates: 0, conflicts: 0 };
    const b = stream.length > 0 ? await claimDigests(db, stream, tx) : { fresh: [], duplicates: 0, conflicts: 0 };
    const fresh = new Set([...a.fresh, ...b.fresh]);
    return { fresh: items.filter((i) => fresh.has(i)), duplicates: a.duplicates + b.duplicates, conflicts: a.conflicts + b.conflicts };
}

/** Per-event claims, then a check that no digest holds the identity under another type (such claims are given back). */
async function claimStateIdentities<E extends FlightEvent>(db: DataApi, items: readonly Fingerprinted<E>[], tx: string): Promise<ClaimResult<E>> {
    const claim = await claimIdentities(db, items, tx);
    if (claim.fresh.length === 0) return claim;
    const hits = await db.query<{ key: string; fingerprint: string }>(SQL.DIGESTED_FINGERPRINTS, { keys: { json: claim.fresh.map((i) => digestKey(i.event)) } }, tx);
    if (hits.length === 0) return claim;
    const counted = new Map(hits.map((h) => [String(h.key), String(h.fingerprint)]));
    const taken = claim.fresh.filter((i) => counted.has(digestKey(i.event)));
    await db.execute(SQL.UNCLAIM_EVENTS, { keys: { json: taken.map((i) => ({ source: i.event.source, event_id: i.event.eventId })) } }, tx);
    const conflicts = taken.filter((i) => counted.get(digestKey(i.event)) !== i.fingerprint);
    await recordConflicts(db, conflicts, (i) => counted.get(digestKey(i.event))!, tx);
    const takenSet = new Set(taken);
    return {
        fresh: claim.fresh.filter((i) => !takenSet.has(i)),
        duplicates: claim.duplicates + taken.length - conflicts.length,
        conflicts: claim.conflicts + conflicts.length,
    };
}

/**
 * Searches and offers: lock their route-minutes, look their identities up in the digests (and the
 * per-event rows), store the new ones as one digest row per event hour.
 */
export async function claimDigests<E extends FlightEvent>(db: DataApi, items: readonly Fingerprinted<E>[], tx: string): Promise<ClaimResult<E>> {
    const keys = new Map<string, { route: string; minute: string; origin: string; destination: string }>();
    for (const i of items) {
        const e = i.event;
        const route = routeOf(e);
        const minute = minuteOf(e.occurredAt);
        const { origin, destination } = e.type === "booking" || e.type === "cancellation" ? e.flight : (e as Extract<FlightEvent, { type: "search" | "offer" }>);
        keys.set(`${route}|${minute}`, { route, minute, origin, destination });
    }
    const sortedKeys = [...keys.entries()].sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0)).map(([, v]) => v);
    await db.execute(SQL.ENSURE_ROUTE_MINUTES, { keys: { json: sortedKeys } }, tx);
    await db.query(SQL.LOCK_ROUTE_MINUTES, { keys: { json: sortedKeys.map((k) => ({ route: k.route, minute: k.minute })) } }, tx);

    const keyOf = new Map(items.map((i) => [i, digestKey(i.event)]));
    const hits = await db.query<{ key: string; fingerprint: string }>(SQL.COUNTED_FINGERPRINTS, { keys: { json: [...keyOf.values()].sort() } }, tx);
    const counted = new Map<string, Set<string>>();
    for (const h of hits) (counted.get(String(h.key)) ?? counted.set(String(h.key), new Set()).get(String(h.key))!).add(String(h.fingerprint));
    const fresh: Fingerprinted<E>[] = [];
    const conflicts: Fingerprinted<E>[] = [];
    let duplicates = 0;
    for (const i of items) {
        const fps = counted.get(keyOf.get(i)!);
        if (!fps) fresh.push(i);
        else if (fps.has(i.fingerprint) || fps.has("")) duplicates++;
        else conflicts.push(i);
    }
    await recordConflicts(db, conflicts, (i) => [...counted.get(keyOf.get(i)!)!][0], tx);
    if (fresh.length > 0) {
        const byHour = new Map<string, { identities: string[]; fingerprints: string[] }>();
        for (const i of fresh) {
            const h = eventHourOf(i.event.occurredAt);
            const d = byHour.get(h) ?? byHour.set(h, { identities: [], fingerprints: [] }).get(h)!;
            d.identities.push(keyOf.get(i)!);
            d.fingerprints.push(i.fingerprint);
        }
        await db.execute(SQL.INSERT_DIGESTS, { digests: { json: [...byHour.entries()].map(([event_hour, d]) => ({ event_hour, ...d })) } }, tx);
    }
    return { fresh, duplicates, conflicts: conflicts.length };
}
