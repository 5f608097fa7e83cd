/**
 * Compact hashes of an event's identity and content for the ingestion
 * idempotency window (pure; no I/O, no allocation per character).
 *
 * - `identityHash`: 96 bits of (source, eventId), three 32-bit lanes computed
 *   in one pass over the characters of `source`, a NUL and `eventId` (the same
 *   text as functions/shared/identity.ts `identityKey`, without building it).
 * - `contentHash`: 64 bits of the event's content, structural and independent
 *   of object key order (object members are combined by a commutative sum of
 *   per-member hashes, array elements in order), so it is equal exactly when
 *   `canonicalJson` (functions/shared/identity.ts) is equal, up to a 2^-64
 *   chance of two different contents sharing it. No canonical string is
 *   built and nothing is sorted (the SHA-256 fingerprint of the canonical JSON
 *   was the largest per-event cost of the ingestion service).
 *
 * Both are seeded per process (`createEventHasher(seed)`): the hashes are not
 * cryptographic, and a per-process random seed keeps a sender from crafting
 * eventIds that collide with another sender's in a running task.
 */

/** The lanes of one event's hashes: identity (k0, k1, k2) and content (f0, f1), unsigned 32-bit each. */
export interface EventHashes {
    readonly k0: number;
    readonly k1: number;
    readonly k2: number;
    readonly f0: number;
    readonly f1: number;
}

/** murmur3's 32-bit finaliser: every input bit affects every output bit. */
function fmix(h: number): number {
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
    return h >>> 0;
}

const TAG_NULL = 0x6e756c6c;
const TAG_TRUE = 0x74727565;
const TAG_FALSE = 0x66616c73;
const TAG_NUMBER = 0x6e756d62;
const TAG_STRING = 0x73747269;
const TAG_ARRAY = 0x61727261;
const TAG_OBJECT = 0x6f626a65;

export interface EventHasher {
    /** The 96-bit identity hash and the 64-bit content hash of an event whose `source` is set. */
    hash(event: { readonly source: string; readonly eventId: string }): EventHashes;
    /** The 64-bit content hash alone, as [f0, f1]. */
    content(value: unknown): [number, number];
}

/** A hasher with its own seed (random unless given: tests pass one for reproducible values). */
export function createEventHasher(seed?: number): EventHasher {
    const s = seed === undefined ? (Math.random() * 0x100000000) >>> 0 : seed >>> 0;
    const seedA = fmix(s ^ 0x9e3779b9);
    const seedB = fmix(s ^ 0x7f4a7c15);
    const seedC = fmix(s ^ 0x2545f491);
    const f64 = new Float64Array(1);
    const u32 = new Uint32Array(f64.buffer);
    // Results of the recursive walk (no tuple allocated per value).
    let outA = 0;
    let outB = 0;

    function str(v: string, tag: number): void {
        let a = seedA ^ tag;
        let b = seedB ^ tag;
        for (let i = 0; i < v.length; i++) {
            const c = v.charCodeAt(i);
            a = Math.imul(a ^ c, 0x01000193);
            b = Math.imul(b ^ c, 0x5bd1e995);
            b ^= b >>> 15;
        }
        outA = fmix(a ^ v.length);
        outB = fmix(b ^ Math.imul(v.length, 0x27d4eb2d));
    }

    function value(v: unknown): void {
        switch (typeof v) {
            case "string":
                str(v, TAG_STRING);
                return;
            case "number": {
                if (!Number.isFinite(v)) break; // JSON has no NaN/Infinity: canonicalJson writes null
                f64[0] = v === 0 ? 0 : v; // -0 is 0 in JSON
                outA = fmix(Math.imul(u32[0] ^ seedA, 0xcc9e2d51) ^ u32[1] ^ TAG_NUMBER);
                outB = fmix(Math.imul(u32[1] ^ seedB, 0x1b873593) ^ u32[0] ^ TAG_NUMBER);
                return;
            }
            case "boolean":
                outA = fmix(seedA ^ (v ? TAG_TRUE : TAG_FALSE));
                outB = fmix(seedB ^ (v ? TAG_TRUE : TAG_FALSE) ^ 0x5bd1e995);
                return;
            case "object": {
                if (v === null) break;
                if (Array.isArray(v)) {
                    let a = seedA ^ TAG_ARRAY;
                    let b = seedB ^ TAG_ARRAY;
                    for (let i = 0; i < v.length; i++) {
                        value(v[i]);
                        a = fmix(Math.imul(a, 0x01000193) ^ outA);
                        b = fmix(Math.imul(b, 0x5bd1e995) + outB);
                    }
                    outA = fmix(a ^ v.length);
                    outB = fmix(b + v.length);
                    return;
                }
                // Members combine by a sum (commutative: key order does not matter); each member mixes its key and value.
                let a = 0;
                let b = 0;
                let n = 0;
                const o = v as Record<string, unknown>;
                for (const key in o) {
                    if (!Object.prototype.hasOwnProperty.call(o, key)) continue;
                    const m = o[key];
                    if (m === undefined || typeof m === "function" || typeof m === "symbol") continue;
                    str(key, TAG_OBJECT);
                    const ka = outA;
                    const kb = outB;
                    value(m);
                    a = (a + fmix(Math.imul(ka, 0xcc9e2d51) ^ outA)) | 0;
                    b = (b + fmix(Math.imul(kb ^ outB, 0x1b873593) + kb)) | 0;
                    n++;
                }
                outA = fmix(a ^ seedA ^ TAG_OBJECT ^ n);
                outB = fmix(b ^ seedB ^ Math.imul(n, 0x27d4eb2d));
                return;
            }
        }
        // null, and what canonicalJson writes as null (undefined, non-finite numbers, functions, symbols, bigint).
        outA = fmix(seedA ^ TAG_NULL);
        outB = fmix(seedB ^ TAG_NULL ^ 0x1b873593);
    }

    return {
        hash(event) {
            const src = event.source;
            const id = event.eventId;
            let a = seedA;
            let b = seedB;
            let c = seedC;
            const total = src.length + 1 + id.length;
            for (let i = 0; i < total; i++) {
                const ch = i < src.length ? src.charCodeAt(i) : i === src.length ? 0 : id.charCodeAt(i - src.length - 1);
                a = Math.imul(a ^ ch, 0x01000193);
                b = Math.imul(b ^ ch, 0x5bd1e995);
                b ^= b >>> 15;
                c = Math.imul(c + ch, 0x9e3779b1);
                c ^= c >>> 13;
            }
            value(event);
            return { k0: fmix(a ^ total), k1: fmix(b ^ Math.imul(total, 0x27d4eb2d)), k2: fmix(c ^ Math.imul(total, 0x165667b1)), f0: outA, f1: outB };
        },
        content(v) {
            value(v);
            return [outA, outB];
        },
    };
}
