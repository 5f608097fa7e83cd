/**
 * Many deadlines on one timer: the body-read deadlines of POST /v1/events
 * (functions/ingest/server.ts).
 *
 * A timer per request (setTimeout on admission, clearTimeout when the body is
 * in) was a measurable share of a 1-event request's CPU. Here the pending
 * deadlines are a list sorted by due time (a request's deadline is its
 * admission time plus a constant, so a new one almost always goes at the end:
 * O(1)), and a single timer is armed for the earliest. When it fires, every
 * deadline that is due runs, in order, and the timer is armed for the next one.
 * Each deadline runs at the same time its own setTimeout would have (not
 * before its due time; as late as the event loop makes any timer), and a
 * cancelled one never runs. The timer is unref'd: a pending deadline belongs
 * to a request whose socket keeps the process alive anyway.
 */

/** A pending deadline; `cancel()` is idempotent and a no-op once it ran. */
export interface Deadline {
    cancel(): void;
}

class Entry implements Deadline {
    prev: Entry | undefined = undefined;
    next: Entry | undefined = undefined;
    queued = true;

    constructor(
        readonly owner: DeadlineQueue,
        readonly due: number,
        readonly run: () => void,
    ) {}

    cancel(): void {
        if (this.queued) this.owner.remove(this);
    }
}

export class DeadlineQueue {
    private head: Entry | undefined;
    private tail: Entry | undefined;
    private timer: NodeJS.Timeout | undefined;
    /** Due time the timer is armed for (Infinity: no timer). */
    private armedFor = Infinity;
    private count = 0;

    /** @param clock monotonic milliseconds. @default performance.now */
    constructor(private readonly clock: () => number = () => performance.now()) {}

    /** Deadlines pending. */
    get size(): number {
        return this.count;
    }

    /** Runs `run` in `ms` milliseconds (0 or less: on the next timer turn) unless cancelled first. */
    add(ms: number, run: () => void): Deadline {
        const e = new Entry(this, this.clock() + Math.max(0, ms), run);
        // From the tail: the new deadline is almost always the latest.
        let after = this.tail;
        while (after !== undefined && after.due > e.due) after = after.prev;
        e.prev = after;
        e.next = after === undefined ? this.head : after.next;
        if (e.next !== undefined) e.next.prev = e;
        else this.tail = e;
        if (after !== undefined) after.next = e;
        else this.head = e;
        this.count++;
        if (e.due < this.armedFor) this.arm(e.due);
        return e;
    }

    /** @internal (Entry.cancel) */
    remove(e: Entry): void {
        e.queued = false;
        if (e.prev !== undefined) e.prev.next = e.next;
        else this.head = e.next;
        if (e.next !== undefined) e.next.prev = e.prev;
        else this.tail = e.prev;
        e.prev = e.next = undefined;
        this.count--;
        // The timer stays armed: when it fires early it only re-arms for the next deadline.
    }

    private arm(due: number): void {
        if (this.timer !== undefined) clearTimeout(this.timer);
        this.armedFor = due;
        this.timer = setTimeout(() => this.fire(), Math.max(0, due - this.clock()));
        this.timer.unref();
    }

    private fire(): void {
        this.timer = undefined;
        this.armedFor = Infinity;
        const now = this.clock();
        // Run every due deadline; one that throws does not keep the others from running (its error surfaces after them).
        let failure: { err: unknown } | undefined;
        while (this.head !== undefined && this.head.due <= now) {
            const e = this.head;
            this.remove(e);
            try {
                e.run();
            } catch (err) {
                failure ??= { err };
            }
        }
        if (this.head !== undefined) this.arm(this.head.due);
        if (failure !== undefined) throw failure.err;
    }
}
