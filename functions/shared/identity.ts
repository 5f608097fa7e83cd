/**
 * Event identity, shared by the ingestion service, the stream processor, the
 * lake and pond ETL (docs/analytics.md, "Identity").
 *
 * - An event's identity is (source, eventId): two sources may use the same
 *   eventId for different events, and both are counted.
 * - Its fingerprint is a hash of its content in canonical form (object keys
 *   sorted at every level, no whitespace), so a resend serialised with another
 *   key order or spacing is recognised as the same event. The same identity
 *   with another fingerprint is a conflict: reported (HTTP 409 at ingestion,
 *   a counted conflict downstream), never silently dropped.
 *
 * Pure: no I/O, no AWS imports.
 */
import { createHash } from "node:crypto";

/** The identity key of an event: source and eventId joined by a NUL (neither may contain one in practice). */
export function identityKey(event: { readonly source: string; readonly eventId: string }): string {
    return `${event.source}\u0000${event.eventId}`;
}

/** JSON with object keys sorted at every level and no whitespace; arrays keep their order. */
export function canonicalJson(value: unknown): string {
    if (value === null || typeof value !== "object") {
        const s = JSON.stringify(value);
        // undefined, functions and symbols have no JSON form; inside objects they are skipped below.
        return s === undefined ? "null" : s;
    }
    if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
    const obj = value as Record<string, unknown>;
    const parts: string[] = [];
    for (const key of Object.keys(obj).sort()) {
        const v = obj[key];
        if (v === undefined || typeof v === "function" || typeof v === "symbol") continue;
        parts.push(`${JSON.stringify(key)}:${canonicalJson(v)}`);
    }
    return `{${parts.join(",")}}`;
}

/** Length of a fingerprint: 22 base64url characters = 132 bits of SHA-256. */
export const FINGERPRINT_CHARS = 22;

/** The content fingerprint of an event (SHA-256 of its canonical JSON, base64url, 22 characters). */
export function fingerprint(event: unknown): string {
    return createHash("sha256").update(canonicalJson(event), "utf8").digest("base64url").slice(0, FINGERPRINT_CHARS);
}
