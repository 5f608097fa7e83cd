import { expect } from "chai";
import { IdempotencyWindow, IdempotentPublisher, IdentityConflictError } from "../../functions/ingest/idempotency";
import type { Publisher } from "../../functions/ingest/server";
import type { FlightEvent } from "../../functions/shared/events";
import { createEventHasher } from "../../functions/ingest/identity-hash";

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

    it("holds an identity at least the window and forgets it one generation later", () => {
        let now = 0;
        const w = new IdempotencyWindow({ windowMs: 1000, generations: 5, now: () => now });
        expect(w.generationMs).to.equal(250);
        const a = { k0: 1, k1: 2, k2: 3, f0: 4, f1: 5 };
        w.remember([a]);
        expect(w.find(a)).to.equal(1);
        expect(w.find({ ...a, f1: 6 })).to.equal(2);
        expect(w.find({ ...a, k2: 7 })).to.equal(0);
        now = 999;
        expect(w.find(a)).to.equal(1);
        now = 1249;
        expect(w.find(a)).to.equal(1);
        now = 1250;
        expect(w.find(a)).to.equal(0);
        expect(w.size).to.equal(0);
    });

    it("drops the oldest generation early beyond maxEntries and counts what it forgot", () => {
        let now = 0;
        let early = 0;
        const w = new IdempotencyWindow({ windowMs: 1000, generations: 5, maxEntries: 3, now: () => now, onEarlyEviction: (n) => (early += n) });
        const h = (i: number) => ({ k0: i, k1: i * 7, k2: i * 13, f0: i, f1: i });
        w.remember([h(1), h(2)]);
        now = 300;
        w.remember([h(3)]);
        expect([w.find(h(1)), w.find(h(2)), w.find(h(3))]).to.deep.equal([1, 1, 1]);
        w.remember([h(4)]);
        expect([w.find(h(1)), w.find(h(2)), w.find(h(3)), w.find(h(4))]).to.deep.equal([0, 0, 1, 1]);
        expect(early).to.equal(2);
        expect(w.earlyEvictions).to.equal(2);
        expect(w.coverageMs).to.equal(50);
    });

    it("grows a generation past its first size without losing an identity", () => {
        const w = new IdempotencyWindow({ now: () => 0 });
        const h = (i: number) => ({ k0: Math.imul(i, 2654435761) >>> 0, k1: Math.imul(i ^ 0x5bd1e995, 0x9e3779b1) >>> 0, k2: i, f0: i, f1: ~i >>> 0 });
        const all = Array.from({ length: 5000 }, (_, i) => h(i));
        w.remember(all);
        expect(w.size).to.equal(5000);
        expect(all.every((x) => w.find(x) === 1)).to.equal(true);
        expect(w.find(h(5001))).to.equal(0);
    });

    it("at the production rate (10,000 events/s for 15 minutes) still catches a duplicate and a conflict from 14 minutes ago", async function () {
        this.timeout(120000);
        let now = Date.parse("2026-12-01T10:00:00Z");
        const inner = new FakePublisher();
        let dups = 0;
        const p = new IdempotentPublisher(inner, { now: () => now, onDuplicates: (n) => (dups += n) });
        const first = p.publish([ev("the-one")]);
        inner.settle(0);
        await first;
        // 10,000 other identities per virtual second for 14 minutes (8.4 million), as the window would receive them.
        let x = 0x9e3779b9;
        const rnd = () => {
            x ^= x << 13;
            x ^= x >>> 17;
            x ^= x << 5;
            return x >>> 0;
        };
        const perSecond = 10000;
        const batch = Array.from({ length: perSecond }, () => ({ k0: 0, k1: 0, k2: 0, f0: 0, f1: 0 }));
        for (let s = 0; s < 14 * 60; s++) {
            now += 1000;
            for (const b of batch) {
                b.k0 = rnd();
                b.k1 = rnd();
                b.k2 = rnd();
                b.f0 = rnd();
                b.f1 = rnd();
            }
            p.idempotencyWindow.remember(batch);
        }
        const w = p.idempotencyWindow;
        expect(w.size).to.equal(14 * 60 * perSecond + 1);
        expect(w.earlyEvictions).to.equal(0);
        expect(w.coverageMs).to.be.at.least(14 * 60 * 1000);
        // Bounded memory: 20 bytes per slot; 4 generations of 5 minutes, each sized from the previous one at a 0.7 load
        // (the one being filled is allocated whole): under 400 MB for the 8.4 million identities of 14 minutes.
        expect(w.bytes).to.be.below(400e6);
        // The duplicate 14 minutes later: 202 without a second publish.
        await p.publish([ev("the-one")]);
        expect(inner.calls).to.deep.equal([["the-one"]]);
        expect(dups).to.equal(1);
        // Same identity, other content: still a conflict.
        const err = await conflictOf(p.publish([ev("the-one", { passengers: 4 })]));
        expect(err.conflicts.map((c) => [c.index, c.eventId])).to.deep.equal([[0, "the-one"]]);
        expect(inner.calls).to.deep.equal([["the-one"]]);
        // Held up to one 5-minute generation longer than the window: at 20 minutes it is forgotten and written again.
        now += 6 * 60 * 1000;
        const again = p.publish([ev("the-one")]);
        expect(inner.calls).to.deep.equal([["the-one"], ["the-one"]]);
        inner.settle(1);
        await again;
    });

    it("hashes content independently of key order and tells different content apart", () => {
        const hasher = createEventHasher(42);
        const a = ev("a", { nested: { x: [1, 2, { y: "z" }], w: null } });
        const reordered = JSON.parse(JSON.stringify(Object.fromEntries(Object.entries(a).reverse())));
        reordered.nested = { w: null, x: [1, 2, { y: "z" }] };
        expect(hasher.hash(reordered)).to.deep.equal(hasher.hash(a));
        const variants = [
            ev("a", { nested: { x: [2, 1, { y: "z" }], w: null } }),
            ev("a", { nested: { x: [1, 2, { y: "z" }], w: false } }),
            ev("a", { nested: { x: [1, 2, { y: "z" }] } }),
            ev("a", { nested: { x: [1, 2, { z: "y" }], w: null } }),
            ev("a", { nested: { x: ["1", 2, { y: "z" }], w: null } }),
            ev("a", { passengers: 2 }),
        ];
        const seen = new Set([hasher.content(a).join(",")]);
        for (const v of variants) seen.add(hasher.content(v).join(","));
        expect(seen.size).to.equal(variants.length + 1);
        // Identity: same eventId from another source is another identity.
        const h1 = hasher.hash(ev("a", { source: "web" }));
        const h2 = hasher.hash(ev("a", { source: "app" }));
        expect([h1.k0, h1.k1, h1.k2]).to.not.deep.equal([h2.k0, h2.k1, h2.k2]);
        // Another seed gives other values.
        expect(createEventHasher(43).hash(a)).to.not.deep.equal(hasher.hash(a));
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
        expect(err.conflicts).to.deep.equal([{ index: 2, eventId: "a", message: 'eventId "a" appears earlier in this request (index 0) with different content; one eventId names one event' }]);
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

    it("fails when generations is out of range", () => {
        expect(() => new IdempotencyWindow({ generations: 1 })).to.throw("`generations` must be a whole number from 2 to 64 (received 1).");
    });
});
