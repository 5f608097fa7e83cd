import { expect } from "chai";
import { IdempotencyWindow, IdempotentPublisher, IdentityConflictError } from "../../functions/ingest/idempotency";
import type { Publisher } from "../../functions/ingest/server";
import type { FlightEvent } from "../../functions/shared/events";

const ev = (id: string, more: Partial<Record<string, unknown>> = {}): FlightEvent =>
    ({ eventId: id, type: "search", occurredAt: "2026-11-22T10:00:00Z", source: "web", origin: "ZRH", destination: "LIS", departureDate: "2026-12-01", passengers: 1, cabin: "economy", ...more }) as FlightEvent;

/** A publisher whose writes are settled by the test. */
class FakePublisher implements Publisher {
    readonly calls: string[][] = [];
    private pending: { resolve: () => void; reject: (e: Error) => void }[] = [];
    queueDepth = 0;
    isDraining = false;
    publish(events: readonly FlightEvent[]): Promise<void> {
        this.calls.push(events.map((e) => e.eventId));
        return new Promise((resolve, reject) => this.pending.push({ resolve, reject }));
    }
    settle(i: number, error?: Error) {
        if (error) this.pending[i].reject(error);
        else this.pending[i].resolve();
    }
}

const tick = () => new Promise((r) => setImmediate(r));

async function conflictOf(p: Promise<unknown>): Promise<IdentityConflictError> {
    try {
        await p;
    } catch (err) {
        expect(err).to.be.instanceOf(IdentityConflictError);
        return err as IdentityConflictError;
    }
    throw new Error("expected an IdentityConflictError");
}

describe("ingestion idempotency (identity = source + eventId, with the content fingerprint)", () => {
    it("writes duplicates inside one request once and acknowledges them all", async () => {
        const inner = new FakePublisher();
        let dups = 0;
        const p = new IdempotentPublisher(inner, { onDuplicates: (n) => (dups += n) });
        const done = p.publish([ev("a"), ev("b"), ev("a")]);
        expect(inner.calls).to.deep.equal([["a", "b"]]);
        inner.settle(0);
        await done;
        expect(dups).to.equal(1);
    });

    it("acknowledges a resend after the first write was acknowledged without writing it again", async () => {
        const inner = new FakePublisher();
        const p = new IdempotentPublisher(inner);
        const first = p.publish([ev("a"), ev("b")]);
        inner.settle(0);
        await first;
        await p.publish([ev("a")]);
        expect(inner.calls).to.deep.equal([["a", "b"]]);
        const third = p.publish([ev("b"), ev("c")]);
        expect(inner.calls).to.deep.equal([["a", "b"], ["c"]]);
        inner.settle(1);
        await third;
    });

    it("a resend while the first write is in flight waits for that write and fails with it", async () => {
        const inner = new FakePublisher();
        const p = new IdempotentPublisher(inner);
        const first = p.publish([ev("a")]);
        const second = p.publish([ev("a")]);
        expect(inner.calls).to.deep.equal([["a"]]);
        inner.settle(0, new Error("throttled"));
        const results = await Promise.allSettled([first, second]);
        expect(results.map((r) => r.status)).to.deep.equal(["rejected", "rejected"]);
        await tick();
        // Nothing was remembered: the next resend is written.
        const third = p.publish([ev("a")]);
        expect(inner.calls).to.deep.equal([["a"], ["a"]]);
        inner.settle(1);
        await third;
        expect(p.remembered).to.equal(1);
    });

    it("forgets identities after the window and beyond the entry bound", () => {
        let now = 0;
        const w = new IdempotencyWindow({ windowMs: 1000, maxEntries: 2, now: () => now });
        w.remember([{ key: "a", fingerprint: "fa" }, { key: "b", fingerprint: "fb" }]);
        expect([w.get("a"), w.get("b")]).to.deep.equal(["fa", "fb"]);
        w.remember([{ key: "c", fingerprint: "fc" }]);
        expect([w.get("a"), w.get("b"), w.get("c")]).to.deep.equal([undefined, "fb", "fc"]);
        now = 1000;
        expect([w.get("b"), w.get("c")]).to.deep.equal([undefined, undefined]);
        expect(w.size).to.equal(0);
    });

    it("the same eventId from two sources is two events: both are written", async () => {
        const inner = new FakePublisher();
        const p = new IdempotentPublisher(inner);
        const done = p.publish([ev("a", { source: "web" }), ev("a", { source: "app" })]);
        expect(inner.calls).to.deep.equal([["a", "a"]]);
        inner.settle(0);
        await done;
    });

    it("a resend with its keys in another order is the same event (canonical fingerprint)", async () => {
        const inner = new FakePublisher();
        const p = new IdempotentPublisher(inner);
        const first = p.publish([ev("a")]);
        inner.settle(0);
        await first;
        const reordered = Object.fromEntries(Object.entries(ev("a")).reverse()) as unknown as FlightEvent;
        await p.publish([reordered]);
        expect(inner.calls).to.deep.equal([["a"]]);
    });

    it("fails when an eventId appears twice in one request with different content, naming the later index, and writes nothing", async () => {
        const inner = new FakePublisher();
        let conflicts = 0;
        const p = new IdempotentPublisher(inner, { onConflicts: (n) => (conflicts += n) });
        const err = await conflictOf(p.publish([ev("a"), ev("b"), ev("a", { passengers: 2 })]));
        expect(err.conflicts).to.deep.equal([
            { index: 2, eventId: "a", message: 'eventId "a" appears earlier in this request (index 0) with different content; one eventId names one event' },
        ]);
        expect(inner.calls).to.deep.equal([]);
        expect(conflicts).to.equal(1);
    });

    it("fails when an acknowledged identity comes back with other content, and the request writes nothing", async () => {
        const inner = new FakePublisher();
        const p = new IdempotentPublisher(inner);
        const first = p.publish([ev("a")]);
        inner.settle(0);
        await first;
        const err = await conflictOf(p.publish([ev("fresh"), ev("a", { cabin: "business" })]));
        expect(err.conflicts).to.deep.equal([
            {
                index: 1,
                eventId: "a",
                message: 'eventId "a" of source "web" was already accepted with different content; resend an event unchanged, and give a new event a new eventId',
            },
        ]);
        expect(inner.calls).to.deep.equal([["a"]]);
    });

    it("fails when an identity being written is sent again with other content (in flight)", async () => {
        const inner = new FakePublisher();
        const p = new IdempotentPublisher(inner);
        const first = p.publish([ev("a")]);
        const err = await conflictOf(p.publish([ev("a", { passengers: 3 })]));
        expect(err.conflicts.map((c) => c.index)).to.deep.equal([0]);
        inner.settle(0);
        await first;
        expect(inner.calls).to.deep.equal([["a"]]);
    });

    it("is disabled by a zero window", async () => {
        const inner = new FakePublisher();
        const p = new IdempotentPublisher(inner, { windowMs: 0 });
        const a = p.publish([ev("a")]);
        inner.settle(0);
        await a;
        const b = p.publish([ev("a")]);
        expect(inner.calls).to.deep.equal([["a"], ["a"]]);
        inner.settle(1);
        await b;
    });

    it("fails when the window is negative", () => {
        expect(() => new IdempotencyWindow({ windowMs: -1 })).to.throw("`windowMs` must be a whole number of milliseconds >= 0 (received -1).");
    });
});
