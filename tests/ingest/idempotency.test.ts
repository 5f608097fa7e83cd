import { expect } from "chai";
import { IdempotencyWindow, IdempotentPublisher } from "../../functions/ingest/idempotency";
import type { Publisher } from "../../functions/ingest/server";
import type { FlightEvent } from "../../functions/shared/events";

const ev = (id: string): FlightEvent => ({ eventId: id, type: "search", occurredAt: "2026-11-22T10:00:00Z", source: "web", origin: "ZRH", destination: "LIS", departureDate: "2026-12-01", passengers: 1, cabin: "economy" }) as FlightEvent;

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

describe("ingestion idempotency (eventId)", () => {
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

    it("forgets eventIds after the window and beyond the entry bound", () => {
        let now = 0;
        const w = new IdempotencyWindow({ windowMs: 1000, maxEntries: 2, now: () => now });
        w.remember(["a", "b"]);
        expect([w.has("a"), w.has("b")]).to.deep.equal([true, true]);
        w.remember(["c"]);
        expect([w.has("a"), w.has("b"), w.has("c")]).to.deep.equal([false, true, true]);
        now = 1000;
        expect([w.has("b"), w.has("c")]).to.deep.equal([false, false]);
        expect(w.size).to.equal(0);
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
