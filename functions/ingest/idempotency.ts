/**
 * Event identity at ingestion (functions/shared/identity.ts): an event is
 * identified by (source, eventId) and its content by its canonical form. The
 * ingestion service honours it per instance:
 *
 * - same identity, same content: acknowledged without a second write,
 *   whether the first copy is earlier in the same request, being written right
 *   now (the resend waits for that write and shares its outcome), or was
 *   acknowledged within the window;
 * - same identity, other content: a conflict. The whole request is
 *   refused before anything of it is written (HTTP 409), naming each
 *   conflicting event by its index in THAT request. Messages name only the
 *   sender's own event, never the content of the copy already held.
 *
 * The window (`IdempotencyWindow`) holds every identity acknowledged in the
 * last `windowMs` at the production rate, in bounded memory: rotating
 * generations (each `windowMs / (generations - 1)` long) of open-addressing
 * hash tables in typed arrays, 20 bytes per slot: a 96-bit hash of the
 * identity and a 64-bit structural hash of the content (./identity-hash.ts).
 * An identity is held at least `windowMs` and at most one generation longer;
 * a whole generation is dropped at once (no per-entry expiry work), and when
 * `maxEntries` would be exceeded the oldest generation goes early (counted by
 * `onEarlyEviction`, and `coverageMs` says how far back the window reaches).
 * At 10,000 events/s per task and the defaults (15 minutes, 4 generations of
 * 5 minutes) it holds up to 12 million identities in about 340 MB (each
 * generation sized from the previous one's count at a 0.7 load); the test
 * tests/ingest/idempotency.test.ts fills it at that rate in virtual time.
 *
 * A hit is confirmed, not probable: a duplicate is acknowledged without a
 * write only when both the 96-bit identity hash and the 64-bit content hash
 * match (a chance of about entries x 2^-160 per lookup that an unrelated
 * event matches both: below 10^-41 at 12 million entries), and a conflict
 * needs the 96-bit identity to match with another content hash (about
 * entries x 2^-96, 10^-22). An identity is remembered only once Kinesis
 * acknowledged it, so the window never affects durability. Resends that
 * reach another task or arrive after the window are still counted once
 * downstream (processor, lake: the exactly-once guarantee).
 */
import type { FlightEvent } from "../shared/events";
import { createEventHasher, type EventHasher, type EventHashes } from "./identity-hash";
import type { Publisher } from "./server";

/** Bytes per slot of the window's tables: identity hash (12) + content hash (8). */
export const WINDOW_SLOT_BYTES = 20;
/** A generation's table grows (doubles) beyond this load. */
const MAX_LOAD = 0.85;
/** A new generation is sized for the previous one's count at this load. */
const TARGET_LOAD = 0.7;
const MIN_SLOTS = 1024;
const WORDS = 5;

export interface IdempotencyOptions {
    /** How long an acknowledged identity is remembered, at least. @default 900000 (15 min) */
    readonly windowMs?: number;
    /**
     * Most identities held; beyond it the oldest generation is dropped early.
     * The default holds the 15-minute window plus one generation (20 minutes) at 10,000 events/s.
     * @default 12000000
     */
    readonly maxEntries?: number;
    /**
     * Generations the window rotates through (2..64): a lookup probes each live
     * one, so fewer is faster; an identity is held up to one generation longer
     * than `windowMs`. @default 4 (5 minutes each at the 15-minute window: held 15 to 20 minutes)
     */
    readonly generations?: number;
    readonly now?: () => number;
    /** Seed of the identity and content hashes. @default random per instance */
    readonly seed?: number;
    /** Called with the number of duplicate events acknowledged without a write. */
    readonly onDuplicates?: (n: number) => void;
    /** Called with the number of conflicting events of a refused request. */
    readonly onConflicts?: (n: number) => void;
    /** Called with the number of identities forgotten before their window because `maxEntries` was reached. */
    readonly onEarlyEviction?: (n: number) => void;
}

/** One event of a request that reuses an identity with other content. */
export interface IdentityConflict {
    /** Position of the event in its request. */
    readonly index: number;
    readonly eventId: string;
    readonly message: string;
}

/** A request reused identities with other content; nothing of it was written (HTTP 409). */
export class IdentityConflictError extends Error {
    constructor(readonly conflicts: readonly IdentityConflict[]) {
        super(`${conflicts.length} event(s) reuse an identity (source, eventId) with different content`);
        this.name = "IdentityConflictError";
    }
}

/** Bucket of a 32-bit hash in a table of `slots` (any size, not only powers of two). */
function bucket(h: number, slots: number): number {
    return Math.min(slots - 1, Math.floor((h / 4294967296) * slots));
}

/** One generation: an open-addressing (linear probing) table of 5 words per slot; k0 has its low bit set, so 0 marks an empty slot. */
class Generation {
    slots: number;
    table: Uint32Array;
    count = 0;

    constructor(
        readonly id: number,
        slots: number,
    ) {
        this.slots = Math.max(MIN_SLOTS, Math.ceil(slots));
        this.table = new Uint32Array(this.slots * WORDS);
    }

    /** 0 absent, 1 same content, 2 other content. */
    find(k0: number, k1: number, k2: number, f0: number, f1: number): 0 | 1 | 2 {
        const t = this.table;
        let i = bucket(k1, this.slots);
        for (;;) {
            const o = i * WORDS;
            const w = t[o];
            if (w === 0) return 0;
            if (w === k0 && t[o + 1] === k1 && t[o + 2] === k2) return t[o + 3] === f0 && t[o + 4] === f1 ? 1 : 2;
            if (++i === this.slots) i = 0;
        }
    }

    insert(k0: number, k1: number, k2: number, f0: number, f1: number): void {
        if (this.count + 1 > this.slots * MAX_LOAD) this.grow();
        const t = this.table;
        let i = bucket(k1, this.slots);
        for (;;) {
            const o = i * WORDS;
            const w = t[o];
            if (w === 0) {
                t[o] = k0;
                t[o + 1] = k1;
                t[o + 2] = k2;
                t[o + 3] = f0;
                t[o + 4] = f1;
                this.count++;
                return;
            }
            if (w === k0 && t[o + 1] === k1 && t[o + 2] === k2) {
                t[o + 3] = f0;
                t[o + 4] = f1;
                return;
            }
            if (++i === this.slots) i = 0;
        }
    }

    private grow(): void {
        const old = this.table;
        const oldSlots = this.slots;
        this.slots = oldSlots * 2;
        this.table = new Uint32Array(this.slots * WORDS);
        this.count = 0;
        for (let s = 0; s < oldSlots; s++) {
            const o = s * WORDS;
            if (old[o] !== 0) this.insert(old[o], old[o + 1], old[o + 2], old[o + 3], old[o + 4]);
        }
    }
}

/**
 * Remembers acknowledged identities with their content hash for at least
 * `windowMs` (see the module comment): generations of `windowMs / (generations - 1)`.
 */
export class IdempotencyWindow {
    readonly windowMs: number;
    readonly maxEntries: number;
    readonly generations: number;
    /** Length of one generation (ms). */
    readonly generationMs: number;
    private readonly now: () => number;
    private readonly onEarlyEviction: ((n: number) => void) | undefined;
    /** Live generations, oldest first; the last is the one being filled. */
    private live: Generation[] = [];
    private total = 0;
    /** Identities dropped before their window because of `maxEntries`. */
    earlyEvictions = 0;

    constructor(opts: IdempotencyOptions = {}) {
        this.windowMs = opts.windowMs ?? 15 * 60 * 1000;
        this.maxEntries = opts.maxEntries ?? 12_000_000;
        this.generations = opts.generations ?? 4;
        if (!Number.isInteger(this.windowMs) || this.windowMs < 0) throw new RangeError(`\`windowMs\` must be a whole number of milliseconds >= 0 (received ${opts.windowMs}).`);
        if (!Number.isInteger(this.maxEntries) || this.maxEntries < 0) throw new RangeError(`\`maxEntries\` must be a whole number >= 0 (received ${opts.maxEntries}).`);
        if (!Number.isInteger(this.generations) || this.generations < 2 || this.generations > 64) {
            throw new RangeError(`\`generations\` must be a whole number from 2 to 64 (received ${opts.generations}).`);
        }
        this.generationMs = Math.max(1, Math.ceil(this.windowMs / (this.generations - 1)));
        this.now = opts.now ?? Date.now;
        this.onEarlyEviction = opts.onEarlyEviction;
    }

    private get enabled(): boolean {
        return this.maxEntries > 0 && this.windowMs > 0;
    }

    /** Identities held. */
    get size(): number {
        this.rotate();
        return this.total;
    }

    /** Bytes of the live tables. */
    get bytes(): number {
        let n = 0;
        for (const g of this.live) n += g.table.byteLength;
        return n;
    }

    /** How far back the window reaches now (ms): at least `windowMs` unless `maxEntries` forced an early eviction. */
    get coverageMs(): number {
        this.rotate();
        if (this.live.length === 0) return 0;
        return this.now() - this.live[0].id * this.generationMs;
    }

    /** Drops generations whose every identity is older than the window. */
    private rotate(): void {
        const current = Math.floor(this.now() / this.generationMs);
        let drop = 0;
        while (drop < this.live.length && this.live[drop].id <= current - this.generations) drop++;
        if (drop > 0) {
            for (let i = 0; i < drop; i++) this.total -= this.live[i].count;
            this.live = this.live.slice(drop);
        }
    }

    /** 0 absent, 1 held with the same content, 2 held with other content. */
    find(h: EventHashes): 0 | 1 | 2 {
        if (!this.enabled) return 0;
        this.rotate();
        const k0 = (h.k0 | 1) >>> 0;
        for (let i = this.live.length - 1; i >= 0; i--) {
            const r = this.live[i].find(k0, h.k1, h.k2, h.f0, h.f1);
            if (r !== 0) return r;
        }
        return 0;
    }

    remember(entries: Iterable<EventHashes>): void {
        if (!this.enabled) return;
        this.rotate();
        const id = Math.floor(this.now() / this.generationMs);
        let gen = this.live[this.live.length - 1];
        if (gen === undefined || gen.id !== id) {
            const previous = gen?.count ?? 0;
            gen = new Generation(id, previous / TARGET_LOAD);
            this.live.push(gen);
        }
        for (const h of entries) {
            const before = gen.count;
            gen.insert((h.k0 | 1) >>> 0, h.k1, h.k2, h.f0, h.f1);
            this.total += gen.count - before;
        }
        // Over the bound: the oldest generations go first (the one being filled last, only when it alone is over).
        let evicted = 0;
        while (this.total > this.maxEntries && this.live.length > 0) {
            const old = this.live.shift()!;
            this.total -= old.count;
            evicted += old.count;
        }
        if (evicted > 0) {
            this.earlyEvictions += evicted;
            this.onEarlyEviction?.(evicted);
        }
    }
}

/** An identity being written now (keyed by its hash lane k1; `next` chains the rare k1 collisions). */
interface Inflight {
    readonly k0: number;
    readonly k2: number;
    readonly f0: number;
    readonly f1: number;
    readonly written: Promise<void>;
    next: Inflight | undefined;
}

/** An identity seen earlier in the same request. */
interface Seen {
    readonly h: EventHashes;
    readonly index: number;
    next: Seen | undefined;
}

/**
 * Wraps a publisher so each identity is written once per instance and conflicts are refused (see the module comment).
 * Identities are compared by their 96-bit hash everywhere (in the request, in flight, in the window): no key
 * string is built per event; two different identities share a hash with a chance of about n^2 x 2^-97.
 */
export class IdempotentPublisher implements Publisher {
    private readonly window: IdempotencyWindow;
    private readonly hasher: EventHasher;
    private readonly inflight = new Map<number, Inflight>();

    constructor(
        private readonly inner: Publisher,
        private readonly opts: IdempotencyOptions = {},
    ) {
        this.window = new IdempotencyWindow(opts);
        this.hasher = createEventHasher(opts.seed);
    }

    get queueDepth(): number {
        return this.inner.queueDepth;
    }

    get isDraining(): boolean {
        return this.inner.isDraining;
    }

    /** Identities remembered as acknowledged. */
    get remembered(): number {
        return this.window.size;
    }

    /** The window itself (size, bytes, coverage). */
    get idempotencyWindow(): IdempotencyWindow {
        return this.window;
    }

    private findInflight(h: EventHashes): Inflight | undefined {
        for (let e = this.inflight.get(h.k1); e !== undefined; e = e.next) if (e.k0 === h.k0 && e.k2 === h.k2) return e;
        return undefined;
    }

    private addInflight(h: EventHashes, written: Promise<void>): void {
        const head = this.inflight.get(h.k1);
        this.inflight.set(h.k1, { k0: h.k0, k2: h.k2, f0: h.f0, f1: h.f1, written, next: head });
    }

    private removeInflight(h: EventHashes, written: Promise<void>): void {
        let prev: Inflight | undefined;
        for (let e = this.inflight.get(h.k1); e !== undefined; prev = e, e = e.next) {
            if (e.k0 !== h.k0 || e.k2 !== h.k2 || e.written !== written) continue;
            if (prev !== undefined) prev.next = e.next;
            else if (e.next !== undefined) this.inflight.set(h.k1, e.next);
            else this.inflight.delete(h.k1);
            return;
        }
    }

    /**
     * Publishes the events of one request (their `source` already set from the
     * key); `raw[i]`, when given, is event i's JSON text as received, passed on
     * to the inner publisher with the events written. Rejects with
     * IdentityConflictError, writing nothing, when an event reuses an identity
     * with other content.
     */
    publish(events: readonly FlightEvent[], raw?: readonly (Uint8Array | undefined)[]): Promise<void> {
        const n = events.length;
        const hashes: EventHashes[] = new Array(n);
        // Per event: 0 fresh, 1 duplicate (earlier in the request, in flight or in the window), 2 conflict.
        const held = new Uint8Array(n);
        const waits: Promise<void>[] = [];
        const seen = n > 1 ? new Map<number, Seen>() : undefined;
        let conflicts: IdentityConflict[] | undefined;
        let duplicates = 0;
        let freshCount = 0;
        for (let index = 0; index < n; index++) {
            const e = events[index];
            const h = this.hasher.hash(e);
            hashes[index] = h;
            if (seen !== undefined) {
                let earlier: Seen | undefined;
                const head = seen.get(h.k1);
                for (let s = head; s !== undefined; s = s.next) {
                    if (s.h.k0 === h.k0 && s.h.k2 === h.k2) {
                        earlier = s;
                        break;
                    }
                }
                if (earlier !== undefined) {
                    if (earlier.h.f0 !== h.f0 || earlier.h.f1 !== h.f1) {
                        held[index] = 2;
                        (conflicts ??= []).push({
                            index,
                            eventId: e.eventId,
                            message: `eventId ${JSON.stringify(e.eventId)} appears earlier in this request (index ${earlier.index}) with different content; one eventId names one event`,
                        });
                    } else {
                        held[index] = 1;
                        duplicates++;
                    }
                    continue;
                }
                seen.set(h.k1, { h, index, next: head });
            }
            const pending = this.inflight.size > 0 ? this.findInflight(h) : undefined;
            const state = pending !== undefined ? (pending.f0 === h.f0 && pending.f1 === h.f1 ? 1 : 2) : this.window.find(h);
            held[index] = state;
            if (state === 2) {
                (conflicts ??= []).push({
                    index,
                    eventId: e.eventId,
                    message: `eventId ${JSON.stringify(e.eventId)} of source ${JSON.stringify(e.source)} was already accepted with different content; resend an event unchanged, and give a new event a new eventId`,
                });
            } else if (state === 1) {
                duplicates++;
                if (pending !== undefined) waits.push(pending.written);
            } else freshCount++;
        }
        if (conflicts !== undefined) {
            this.opts.onConflicts?.(conflicts.length);
            return Promise.reject(new IdentityConflictError(conflicts));
        }
        if (duplicates > 0) this.opts.onDuplicates?.(duplicates);
        if (freshCount > 0) {
            // Every event fresh (the usual case): the request's own arrays go on as they are.
            let fresh: readonly FlightEvent[] = events;
            let freshRaw: readonly (Uint8Array | undefined)[] | undefined = raw;
            let freshHashes: EventHashes[] = hashes;
            if (freshCount < n) {
                const fe: FlightEvent[] = [];
                const fr: (Uint8Array | undefined)[] = [];
                freshHashes = [];
                for (let i = 0; i < n; i++) {
                    if (held[i] !== 0) continue;
                    fe.push(events[i]);
                    fr.push(raw?.[i]);
                    freshHashes.push(hashes[i]);
                }
                fresh = fe;
                freshRaw = raw === undefined ? undefined : fr;
            }
            let written: Promise<void>;
            try {
                written = freshRaw === undefined ? this.inner.publish(fresh) : this.inner.publish(fresh, freshRaw);
            } catch (err) {
                return Promise.reject(err);
            }
            const keys = freshHashes;
            for (let i = 0; i < keys.length; i++) this.addInflight(keys[i], written);
            written.then(
                () => {
                    for (let i = 0; i < keys.length; i++) this.removeInflight(keys[i], written);
                    this.window.remember(keys);
                },
                () => {
                    for (let i = 0; i < keys.length; i++) this.removeInflight(keys[i], written);
                },
            );
            waits.push(written);
        }
        if (waits.length === 0) return Promise.resolve();
        return waits.length === 1 ? waits[0] : Promise.all(waits).then(() => undefined);
    }
}
