import { expect } from "chai";
import fc from "fast-check";
import { aggregateOfferPrices, aggregateRouteMinutes, dedupeByEventId, minuteOf } from "../../functions/processor/aggregate";
import { chunkBySize, jsonBytes, truncateUtf8 } from "../../functions/processor/chunks";
import { inventoryDeltas } from "../../functions/processor/booking-state";
import { isRetryableDbError } from "../../functions/processor/writer";
import { DEFAULT_ALERT_RULE, distributionFromSums, evaluateDemand, isDeal, rulesFromEnv, windowStartOf } from "../../functions/processor/rules";
import type { FlightEvent } from "../../functions/shared/events";
import { booking, cancellation, offer, search } from "./helpers";

const ev = (x: unknown) => x as FlightEvent;

describe("analytics: aggregation (pure)", () => {
    it("truncates event time to the UTC minute, whatever the offset", () => {
        expect(minuteOf("2026-11-22T10:15:59.999+02:00")).to.equal("2026-11-22T08:15:00.000Z");
        expect(() => minuteOf("yesterday")).to.throw('minuteOf: occurredAt is not a timestamp (received "yesterday").');
    });

    it("counts per route and minute by type, seats included", () => {
        const rows = aggregateRouteMinutes([
            ev(search("s1", "ZRH-LIS", "2026-11-22T10:00:01Z")),
            ev(search("s2", "ZRH-LIS", "2026-11-22T10:00:59Z")),
            ev(offer("o1", "ZRH-LIS", "2026-11-22T10:00:10Z", 10)),
            ev(booking("b1", "P", 3, "2026-11-22T10:01:00Z")),
            ev(cancellation("c1", "P", 2, "2026-11-22T10:01:30Z")),
            ev(search("s3", "AMS-ZRH", "2026-11-22T10:01:00Z")),
        ]);
        expect(rows).to.deep.equal([
            { route: "AMS-ZRH", minute: "2026-11-22T10:01:00.000Z", origin: "AMS", destination: "ZRH", searches: 1, offers: 0, bookings: 0, cancellations: 0, seatsBooked: 0, seatsCancelled: 0 },
            { route: "ZRH-LIS", minute: "2026-11-22T10:00:00.000Z", origin: "ZRH", destination: "LIS", searches: 2, offers: 1, bookings: 0, cancellations: 0, seatsBooked: 0, seatsCancelled: 0 },
            { route: "ZRH-LIS", minute: "2026-11-22T10:01:00.000Z", origin: "ZRH", destination: "LIS", searches: 0, offers: 0, bookings: 1, cancellations: 1, seatsBooked: 3, seatsCancelled: 2 },
        ]);
    });

    it("sums offer prices per route, currency and minute", () => {
        expect(
            aggregateOfferPrices([
                ev(offer("o1", "ZRH-LIS", "2026-11-22T10:00:10Z", 10)),
                ev(offer("o2", "ZRH-LIS", "2026-11-22T10:00:20Z", 30)),
                ev(offer("o3", "ZRH-LIS", "2026-11-22T10:00:20Z", 5, "EUR")),
                ev(search("s", "ZRH-LIS", "2026-11-22T10:00:20Z")),
            ]),
        ).to.deep.equal([
            { route: "ZRH-LIS", minute: "2026-11-22T10:00:00.000Z", currency: "CHF", offers: 2, priceSum: 40, priceSumSq: 1000, priceMin: 10, priceMax: 30 },
            { route: "ZRH-LIS", minute: "2026-11-22T10:00:00.000Z", currency: "EUR", offers: 1, priceSum: 5, priceSumSq: 25, priceMin: 5, priceMax: 5 },
        ]);
    });

    it("the per-minute counts always add up to the number of events (property)", () => {
        const arb = fc.array(fc.record({ route: fc.constantFrom("ZRH-LIS", "LIS-ZRH", "GVA-JFK"), second: fc.integer({ min: 0, max: 3600 }), type: fc.constantFrom("search", "offer") }), { maxLength: 200 });
        fc.assert(
            fc.property(arb, (items) => {
                const events = items.map((x, i) =>
                    ev(x.type === "search" ? search(`e${i}`, x.route, new Date(Date.UTC(2026, 10, 22, 10, 0, x.second)).toISOString()) : offer(`e${i}`, x.route, new Date(Date.UTC(2026, 10, 22, 10, 0, x.second)).toISOString(), 1)),
                );
                const rows = aggregateRouteMinutes(events);
                return rows.reduce((n, r) => n + r.searches + r.offers, 0) === events.length && new Set(rows.map((r) => `${r.route}${r.minute}`)).size === rows.length;
            }),
        );
    });

    it("keeps the first event of each eventId", () => {
        expect(
            dedupeByEventId([
                { eventId: "a", n: 1 },
                { eventId: "b", n: 2 },
                { eventId: "a", n: 3 },
            ]),
        ).to.deep.equal([
            { eventId: "a", n: 1 },
            { eventId: "b", n: 2 },
        ]);
    });
});

describe("analytics: inventory arithmetic (pure)", () => {
    it("turns old contributions into new ones per flight (a rebooking moves seats), dropping flights with no change", () => {
        const f = (number: string, seats: number, cancellations = 0) => ({ carrier: "LX", number, departureDate: "2026-12-01", seats, bookings: 1, cancellations });
        expect(inventoryDeltas([{ after: f("318", 3) }, { before: f("318", 2), after: f("22", 2, 1) }, { before: f("1", 1), after: f("1", 1) }])).to.deep.equal([
            { carrier: "LX", number: "22", departureDate: "2026-12-01", seatsDelta: 2, bookings: 1, cancellations: 1 },
            { carrier: "LX", number: "318", departureDate: "2026-12-01", seatsDelta: 1, bookings: 0, cancellations: 0 },
        ]);
    });
});

describe("analytics: alert and deal rules (pure)", () => {
    it("aligns windows to multiples of the window length", () => {
        expect(windowStartOf("2026-11-22T10:04:59Z", 5)).to.equal("2026-11-22T10:00:00.000Z");
        expect(windowStartOf("2026-11-22T10:05:00Z", 5)).to.equal("2026-11-22T10:05:00.000Z");
    });

    it("alerts at exactly k x baseline and the minimum volume, not below", () => {
        const rule = DEFAULT_ALERT_RULE; // 5-minute windows, 60-minute baseline (12 windows), k = 3, min 50
        expect(evaluateDemand(60, 240, rule)).to.deep.equal({ alert: true, baselinePerWindow: 20 }); // 60 >= 3 x 20
        expect(evaluateDemand(59, 240, rule)).to.deep.equal({ alert: false, baselinePerWindow: 20 });
        expect(evaluateDemand(49, 0, rule)).to.deep.equal({ alert: false, baselinePerWindow: 0 }); // below min volume
        expect(evaluateDemand(50, 0, rule)).to.deep.equal({ alert: true, baselinePerWindow: 0 });
    });

    it("computes mean and population standard deviation from sums", () => {
        expect(distributionFromSums(4, 400, 40400)).to.deep.equal({ count: 4, mean: 100, stddev: 10 });
        expect(distributionFromSums(0, 0, 0)).to.deep.equal({ count: 0, mean: 0, stddev: 0 });
    });

    it("flags prices strictly below mean - sigmas x stddev with enough samples", () => {
        const d = { count: 30, mean: 100, stddev: 10 };
        expect(isDeal(79.99, d)).to.equal(true);
        expect(isDeal(80, d)).to.equal(false);
        expect(isDeal(1, { ...d, count: 29 })).to.equal(false);
    });

    it("reads rules from the environment with defaults", () => {
        expect(rulesFromEnv({ ALERT_MULTIPLIER: "2.5", DEAL_MIN_SAMPLES: "10" })).to.deep.equal({
            alert: { windowMinutes: 5, baselineMinutes: 60, multiplier: 2.5, minSearches: 50 },
            deal: { sigmas: 2, minSamples: 10, lookbackMinutes: 60 },
        });
    });

    it("fails when a rule variable is out of range", () => {
        expect(() => rulesFromEnv({ ALERT_WINDOW_MINUTES: "0" })).to.throw('`ALERT_WINDOW_MINUTES` must be an integer between 1 and 1440 (received "0").');
        expect(() => rulesFromEnv({ ALERT_WINDOW_MINUTES: "7" })).to.throw("`ALERT_BASELINE_MINUTES` must be a multiple of `ALERT_WINDOW_MINUTES` (7) (received 60).");
    });
});

describe("analytics: Data API chunking (pure)", () => {
    it("splits by item count and by bytes, in order", () => {
        expect(chunkBySize([1, 2, 3, 4, 5], () => 1, { maxItems: 2 })).to.deep.equal([[1, 2], [3, 4], [5]]);
        expect(chunkBySize(["aaaa", "bb", "cc", "d"], (s) => s.length, { maxBytes: 4 })).to.deep.equal([["aaaa"], ["bb", "cc"], ["d"]]);
    });

    it("never exceeds the limits and loses nothing (property)", () => {
        fc.assert(
            fc.property(fc.array(fc.string({ maxLength: 50 }), { maxLength: 300 }), fc.integer({ min: 1, max: 20 }), (items, maxItems) => {
                const chunks = chunkBySize(items, jsonBytes, { maxItems, maxBytes: 200 });
                return chunks.flat().join("\u0000") === items.join("\u0000") && chunks.every((c) => c.length <= maxItems && c.reduce((n, s) => n + jsonBytes(s), 0) <= 200);
            }),
        );
    });

    it("fails when one item is larger than a request may be", () => {
        expect(() => chunkBySize(["x".repeat(10)], (s) => s.length, { maxBytes: 5 })).to.throw("chunkBySize: item 0 is 10 bytes, more than the 5-byte chunk limit.");
        expect(() => chunkBySize([], () => 1, { maxBytes: 5 * 1024 * 1024 })).to.throw("chunkBySize: `maxBytes` must be between 1 and 4194304 (received 5242880).");
    });

    it("truncates UTF-8 without splitting a character", () => {
        expect(truncateUtf8("aé", 2)).to.deep.equal({ text: "a", truncated: true });
        expect(truncateUtf8("aé", 3)).to.deep.equal({ text: "aé", truncated: false });
    });
});

describe("analytics: retryable database errors (pure)", () => {
    it("retries deadlocks and serialization failures only", () => {
        expect(isRetryableDbError(new Error("ERROR: deadlock detected; SQLState: 40P01"))).to.equal(true);
        expect(isRetryableDbError(new Error("ERROR: could not serialize access; SQLState: 40001"))).to.equal(true);
        expect(isRetryableDbError(new Error("ERROR: duplicate key value; SQLState: 23505"))).to.equal(false);
        expect(isRetryableDbError(new Error("simulated outage"))).to.equal(false);
    });
});
