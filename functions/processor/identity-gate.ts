/**
 * The downstream half of event identity (functions/shared/identity.ts), in ONE
 * module so the per-event gate can later be swapped for per-shard watermarks
 * (searches and offers at 10 TB/day) without touching the counters.
 *
 * - `identityRounds` (pure): splits a batch so each identity appears once per
 *   round: exact copies (same identity, same fingerprint) are dropped, another
 *   content under the same identity goes to a later round, where the gate sees
 *   it as a conflict against what the first round counted.
 * - `claimIdentities` (in the chunk's transaction): claims (source, eventId)
 *   with the fingerprint; returns the events counted for the first time, the
 *   duplicates (same fingerprint as counted) and the conflicts (another
 *   fingerprint), which are recorded in `identity_conflicts`, never counted.
 */
import type { FlightEvent } from "../shared/events";
import { fingerprint, identityKey } from "../shared/identity";
import { DataApi } from "../shared/db/dataapi";
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
    const claimed = await db.query<{ source: string; event_id: string }>(SQL.CLAIM_EVENTS, {
        events: { json: sorted.map((i) => ({ source: i.event.source, event_id: i.event.eventId, event_type: i.event.type, occurred_at: i.event.occurredAt, fingerprint: i.fingerprint })) },
    }, tx);
    const freshKeys = new Set(claimed.map((r) => identityKey({ source: r.source, eventId: r.event_id })));
    const fresh = items.filter((i) => freshKeys.has(i.key));
    const seen = items.filter((i) => !freshKeys.has(i.key));
    if (seen.length === 0) return { fresh, duplicates: 0, conflicts: 0 };
    const known = await db.query<{ source: string; event_id: string; fingerprint: string }>(SQL.CLAIMED_FINGERPRINTS, {
        keys: { json: seen.map((i) => ({ source: i.event.source, event_id: i.event.eventId })) },
    }, tx);
    const counted = new Map(known.map((r) => [identityKey({ source: r.source, eventId: r.event_id }), r.fingerprint]));
    const conflicts = seen.filter((i) => {
        const fp = counted.get(i.key);
        // '' : recorded before fingerprints existed (content unknown); absent: expired meanwhile. Neither is counted again.
        return fp !== undefined && fp !== "" && fp !== i.fingerprint;
    });
    if (conflicts.length > 0) {
        await db.execute(SQL.UPSERT_CONFLICTS, {
            conflicts: {
                json: conflicts.map((i) => ({
                    source: i.event.source, event_id: i.event.eventId, fingerprint: i.fingerprint, counted_fingerprint: counted.get(i.key),
                    event_type: i.event.type, payload: truncateUtf8(JSON.stringify(i.event), CONFLICT_PAYLOAD_MAX_BYTES).text,
                })),
            },
        }, tx);
    }
    return { fresh, duplicates: seen.length - conflicts.length, conflicts: conflicts.length };
}
