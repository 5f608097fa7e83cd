/**
 * eventId is the envelope's idempotency key (DESIGN 3.1). The ingestion service
 * honours it: an event whose eventId this instance has already written (within
 * the window) or is writing right now is acknowledged without being written
 * again, and duplicates inside one request are written once.
 *
 * The window is per instance and bounded (entries and age), so it removes the
 * common duplicates — client retries after a timeout, double submits, replays of
 * a request to the same task — at no cost to durability: an event is only
 * remembered once Kinesis acknowledged it. Duplicates that reach another task,
 * or arrive after the window, are still removed downstream: the real-time
 * processor keeps processed eventIds for the replay horizon, and pond ETL counts
 * each eventId once.
 */
import type { FlightEvent } from "../shared/events";
import type { Publisher } from "./server";

export interface IdempotencyOptions {
    /** How long an acknowledged eventId is remembered. @default 900000 (15 min) */
    readonly windowMs?: number;
    /** Most eventIds remembered; the oldest are forgotten first. @default 500000 */
    readonly maxEntries?: number;
    readonly now?: () => number;
    /** Called with the number of duplicate events acknowledged without a write. */
    readonly onDuplicates?: (n: number) => void;
}

/** Remembers acknowledged eventIds for a bounded time and count (insertion order = age order). */
export class IdempotencyWindow {
    private readonly acked = new Map<string, number>();
    readonly windowMs: number;
    readonly maxEntries: number;
    private readonly now: () => number;

    constructor(opts: IdempotencyOptions = {}) {
        this.windowMs = opts.windowMs ?? 15 * 60 * 1000;
        this.maxEntries = opts.maxEntries ?? 500_000;
        if (!Number.isInteger(this.windowMs) || this.windowMs < 0) throw new RangeError(`\`windowMs\` must be a whole number of milliseconds >= 0 (received ${opts.windowMs}).`);
        if (!Number.isInteger(this.maxEntries) || this.maxEntries < 0) throw new RangeError(`\`maxEntries\` must be a whole number >= 0 (received ${opts.maxEntries}).`);
        this.now = opts.now ?? Date.now;
    }

    get size(): number {
        return this.acked.size;
    }

    has(eventId: string): boolean {
        const expires = this.acked.get(eventId);
        if (expires === undefined) return false;
        if (expires <= this.now()) {
            this.acked.delete(eventId);
            return false;
        }
        return true;
    }

    remember(eventIds: Iterable<string>): void {
        if (this.maxEntries === 0 || this.windowMs === 0) return;
        const expires = this.now() + this.windowMs;
        for (const id of eventIds) {
            this.acked.delete(id);
            this.acked.set(id, expires);
        }
        this.evict();
    }

    private evict(): void {
        const now = this.now();
        for (const [id, expires] of this.acked) {
            if (this.acked.size <= this.maxEntries && expires > now) break;
            this.acked.delete(id);
        }
    }
}

/** Wraps a publisher so repeated eventIds are written once (see the module comment). */
export class IdempotentPublisher implements Publisher {
    private readonly window: IdempotencyWindow;
    private readonly inflight = new Map<string, Promise<void>>();

    constructor(private readonly inner: Publisher, private readonly opts: IdempotencyOptions = {}) {
        this.window = new IdempotencyWindow(opts);
    }

    get queueDepth(): number {
        return this.inner.queueDepth;
    }

    get isDraining(): boolean {
        return this.inner.isDraining;
    }

    /** eventIds remembered as acknowledged. */
    get remembered(): number {
        return this.window.size;
    }

    publish(events: readonly FlightEvent[]): Promise<void> {
        const fresh: FlightEvent[] = [];
        const waits: Promise<void>[] = [];
        const seen = new Set<string>();
        let duplicates = 0;
        for (const e of events) {
            if (seen.has(e.eventId)) {
                duplicates++;
                continue;
            }
            seen.add(e.eventId);
            const pending = this.inflight.get(e.eventId);
            if (pending) {
                duplicates++;
                waits.push(pending);
            } else if (this.window.has(e.eventId)) {
                duplicates++;
            } else {
                fresh.push(e);
            }
        }
        if (duplicates > 0) this.opts.onDuplicates?.(duplicates);
        if (fresh.length > 0) {
            const written = this.inner.publish(fresh);
            const ids = fresh.map((e) => e.eventId);
            for (const id of ids) this.inflight.set(id, written);
            written.then(
                () => {
                    for (const id of ids) this.inflight.delete(id);
                    this.window.remember(ids);
                },
                () => {
                    for (const id of ids) this.inflight.delete(id);
                },
            );
            waits.push(written);
        }
        return Promise.all(waits).then(() => undefined);
    }
}
