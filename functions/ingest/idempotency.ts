/**
 * Event identity at ingestion (functions/shared/identity.ts): an event is
 * identified by (source, eventId) and its content by its fingerprint. The
 * ingestion service honours it per instance:
 *
 * - same identity, same fingerprint: acknowledged without a second write,
 *   whether the first copy is earlier in the same request, being written right
 *   now (the resend waits for that write and shares its outcome), or was
 *   acknowledged within the window;
 * - same identity, another fingerprint: a conflict. The whole request is
 *   refused before anything of it is written (HTTP 409), naming each
 *   conflicting event by its index in THAT request. Messages name only the
 *   sender's own event, never the content of the copy already held.
 *
 * The window is per instance and bounded (entries and age) and holds, per
 * identity, only the identity key, the 22-character fingerprint and an expiry
 * time. An identity is remembered only once Kinesis acknowledged it, so the
 * window never affects durability. Resends that reach another task or arrive
 * after the window are still counted once downstream (processor, pond ETL).
 */
import type { FlightEvent } from "../shared/events";
import { fingerprint, identityKey } from "../shared/identity";
import type { Publisher } from "./server";

export interface IdempotencyOptions {
  /** How long an acknowledged identity is remembered. @default 900000 (15 min) */
  readonly windowMs?: number;
  /** Most identities remembered; the oldest are forgotten first. @default 500000 */
  readonly maxEntries?: number;
  readonly now?: () => number;
  /** Called with the number of duplicate events acknowledged without a write. */
  readonly onDuplicates?: (n: number) => void;
  /** Called with the number of conflicting events of a refused request. */
  readonly onConflicts?: (n: number) => void;
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

/** Remembers acknowledged identities with their fingerprint for a bounded time and count (insertion order = age order). */
export class IdempotencyWindow {
  private readonly acked = new Map<string, { readonly fingerprint: string; readonly expires: number }>();
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

  /** The fingerprint remembered for an identity key, if it is still inside the window. */
  get(key: string): string | undefined {
    const entry = this.acked.get(key);
    if (entry === undefined) return undefined;
    if (entry.expires <= this.now()) {
      this.acked.delete(key);
      return undefined;
    }
    return entry.fingerprint;
  }

  remember(entries: Iterable<{ readonly key: string; readonly fingerprint: string }>): void {
    if (this.maxEntries === 0 || this.windowMs === 0) return;
    const expires = this.now() + this.windowMs;
    for (const { key, fingerprint } of entries) {
      this.acked.delete(key);
      this.acked.set(key, { fingerprint, expires });
    }
    this.evict();
  }

  private evict(): void {
    const now = this.now();
    for (const [key, entry] of this.acked) {
      if (this.acked.size <= this.maxEntries && entry.expires > now) break;
      this.acked.delete(key);
    }
  }
}

interface Identified {
  readonly key: string;
  readonly fingerprint: string;
}

/** Wraps a publisher so each identity is written once per instance and conflicts are refused (see the module comment). */
export class IdempotentPublisher implements Publisher {
  private readonly window: IdempotencyWindow;
  private readonly inflight = new Map<string, { readonly fingerprint: string; readonly written: Promise<void> }>();

  constructor(
    private readonly inner: Publisher,
    private readonly opts: IdempotencyOptions = {},
  ) {
    this.window = new IdempotencyWindow(opts);
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

  /**
   * Publishes the events of one request (their `source` already set from the
   * key). Rejects with IdentityConflictError, writing nothing, when an event
   * reuses an identity with other content.
   */
  publish(events: readonly FlightEvent[]): Promise<void> {
    const fresh: FlightEvent[] = [];
    const freshIds: Identified[] = [];
    const waits: Promise<void>[] = [];
    const seen = new Map<string, { fingerprint: string; index: number }>();
    const conflicts: IdentityConflict[] = [];
    let duplicates = 0;
    events.forEach((e, index) => {
      const key = identityKey(e);
      const fp = fingerprint(e);
      const earlier = seen.get(key);
      if (earlier !== undefined) {
        if (earlier.fingerprint !== fp) {
          conflicts.push({
            index,
            eventId: e.eventId,
            message: `eventId ${JSON.stringify(e.eventId)} appears earlier in this request (index ${earlier.index}) with different content; one eventId names one event`,
          });
        } else duplicates++;
        return;
      }
      seen.set(key, { fingerprint: fp, index });
      const pending = this.inflight.get(key);
      const acked = pending === undefined ? this.window.get(key) : undefined;
      const held = pending?.fingerprint ?? acked;
      if (held !== undefined && held !== fp) {
        conflicts.push({
          index,
          eventId: e.eventId,
          message: `eventId ${JSON.stringify(e.eventId)} of source ${JSON.stringify(e.source)} was already accepted with different content; resend an event unchanged, and give a new event a new eventId`,
        });
        return;
      }
      if (pending !== undefined) {
        duplicates++;
        waits.push(pending.written);
      } else if (acked !== undefined) {
        duplicates++;
      } else {
        fresh.push(e);
        freshIds.push({ key, fingerprint: fp });
      }
    });
    if (conflicts.length > 0) {
      this.opts.onConflicts?.(conflicts.length);
      return Promise.reject(new IdentityConflictError(conflicts));
    }
    if (duplicates > 0) this.opts.onDuplicates?.(duplicates);
    if (fresh.length > 0) {
      let written: Promise<void>;
      try {
        written = this.inner.publish(fresh);
      } catch (err) {
        return Promise.reject(err);
      }
      for (const id of freshIds) this.inflight.set(id.key, { fingerprint: id.fingerprint, written });
      written.then(
        () => {
          for (const id of freshIds) this.inflight.delete(id.key);
          this.window.remember(freshIds);
        },
        () => {
          for (const id of freshIds) this.inflight.delete(id.key);
        },
      );
      waits.push(written);
    }
    return Promise.all(waits).then(() => undefined);
  }
}
