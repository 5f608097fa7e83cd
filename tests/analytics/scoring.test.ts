import { expect } from "chai";
import { DataApi } from "../../functions/shared/db/dataapi";
import { builtinBackend, ScoringBackend } from "../../functions/scoring/backend";
import { baselineArtifact } from "../../functions/scoring/model";
import { ScoringEvent, publishPendingScores } from "../../functions/processor/scoring-publish";
import { handleRequest } from "../../functions/insights/routes";
import { booking, flight, jsonRecord, kinesisEvent, expectBadRequest, offer, processorSuite, search } from "./helpers";

const T = "2026-11-22T10:00:00Z";
const at = (minute: number, second = 0) => new Date(Date.parse(T) + minute * 60_000 + second * 1000).toISOString();
const NOW = new Date("2026-11-22T10:30:00Z");
const get = (db: DataApi, path: string, query: Record<string, string> = {}) => handleRequest({ method: "GET", path, query }, { db, now: () => NOW });

/** 10 offers of ZRH-LIS at 90/110 CHF (mean 100, sd 10) ten minutes before T, 30 searches, a booking of 150 seats on LX 318. */
function history() {
    return [
        ...Array.from({ length: 10 }, (_, i) => offer(`h${i}`, "ZRH-LIS", at(-10, i), i % 2 ? 110 : 90)),
        ...Array.from({ length: 30 }, (_, i) => search(`s${i}`, "ZRH-LIS", at(-20, i))),
        booking("b1", "PNR1", 9, at(-15), flight("318", "ZRH-LIS", "2026-12-01")),
    ];
}

describe("analytics: deal and price-adjustment scoring in the processor, served by the insights API", function () {
    this.timeout(120_000);
    const artifact = { ...baselineArtifact({ sigmas: 2, minSamples: 10, lookbackMinutes: 60 }), version: "t1" };
    const t = processorSuite("scoring-test", { scoring: builtinBackend(artifact) });
    const make = t.make;
    const DEALS = "SELECT event_id, amount, score, reason, model FROM offer_deals ORDER BY event_id";
    const ADJ = "SELECT event_id, adjustment, suggested_amount, searches_per_hour, seats_held, route_mean, sample_size::int AS n, model FROM price_adjustments ORDER BY event_id";

    it("records a deal with its score, reason and model, and price adjustments from demand, load and competitors, once per offer", async () => {
        const p = make();
        await p.processBatch(kinesisEvent([jsonRecord(history())]));
        const batch = kinesisEvent([jsonRecord([offer("cheap", "ZRH-LIS", at(0), 75), offer("pricey", "ZRH-LIS", at(0), 130), offer("fair", "ZRH-LIS", at(0), 100)])]);
        const out = await p.processBatch(batch);
        expect(out.stats.deals).to.equal(1);
        expect(out.stats.priceAdjustments).to.equal(3);
        expect(await t.db.query(DEALS)).to.deep.equal([{ event_id: "cheap", amount: 75, score: 2.5, reason: "price 75 is 2.5 standard deviations below the route mean 100 (threshold 2, 10 offers)", model: "builtin:t1" }]);
        // demand: 30 searches in 60 min = 30/h vs typical 60 → 0.05·ln(0.5) = −0.0347; load 9/180 − 0.8 → 0.2·(−0.75) = −0.15;
        // competitor −0.3·(price/100 − 1): 75 → +0.075, total −0.1097; 100 → −0.1847 and 130 → −0.2747, both capped at −0.15.
        const adj = await t.db.query(`${ADJ.replace(" ORDER BY", " WHERE event_id NOT LIKE 'h%' ORDER BY")}`);
        const row = (event_id: string, adjustment: number, suggested_amount: number) => ({ event_id, adjustment, suggested_amount, searches_per_hour: 30, seats_held: 9, route_mean: 100, n: 10, model: "builtin:t1" });
        expect(adj).to.deep.equal([row("cheap", -0.1097, 66.77), row("fair", -0.15, 85), row("pricey", -0.15, 110.5)]);
        const before = await t.db.query("SELECT count(*)::int AS n FROM price_adjustments");

        // The same batch again (a retry, a replay): nothing new.
        const again = await p.processBatch(batch);
        expect(again.stats.deals).to.equal(0);
        expect(again.stats.priceAdjustments).to.equal(0);
        expect(await t.db.query("SELECT count(*)::int AS n FROM offer_deals")).to.deep.equal([{ n: 1 }]);
        expect(await t.db.query("SELECT count(*)::int AS n FROM price_adjustments")).to.deep.equal(before);
    });

    it("fails when the scorer fails inside the chunk: the chunk rolls back, its records are failures, and the retry counts and scores every offer once", async () => {
        await make().processBatch(kinesisEvent([jsonRecord(history())]));
        let broken = true;
        const flaky: ScoringBackend = {
            ...builtinBackend(artifact),
            scoreDeals: async (f) => {
                if (broken) throw new Error("scorer down");
                return builtinBackend(artifact).scoreDeals(f);
            },
        };
        const p = make({ scoring: flaky });
        const batch = kinesisEvent([jsonRecord([offer("cheap", "ZRH-LIS", at(0), 75), search("live", "ZRH-LIS", at(0))])]);
        const first = await p.processBatch(batch);
        expect(first.response.batchItemFailures).to.have.length(1);
        expect(await t.db.query("SELECT count(*)::int AS n FROM processed_events WHERE event_id IN ('cheap', 'live')")).to.deep.equal([{ n: 0 }]);
        broken = false;
        const second = await p.processBatch(batch);
        expect(second.response.batchItemFailures).to.deep.equal([]);
        expect(second.stats.counted).to.equal(2);
        expect(await t.db.query("SELECT event_id FROM offer_deals")).to.deep.equal([{ event_id: "cheap" }]);
        expect(await t.db.query("SELECT SUM(offers)::int AS offers FROM offer_price_stats")).to.deep.equal([{ offers: 11 }]);
    });

    it("serves GET /v1/deals and GET /v1/price-adjustments, newest first, filtered, never from the future", async () => {
        const p = make();
        await p.processBatch(kinesisEvent([jsonRecord(history())]));
        await p.processBatch(kinesisEvent([jsonRecord([offer("cheap", "ZRH-LIS", at(0), 75), offer("cheap2", "ZRH-LIS", at(1), 70)])]));
        await p.processBatch(kinesisEvent([jsonRecord([offer("future", "ZRH-LIS", at(45), 10)])]));
        const deals = await get(t.db, "/v1/deals", { minutes: "35" });
        expect(deals.statusCode).to.equal(200);
        const body = JSON.parse(deals.body);
        expect(body.deals.map((d: { eventId: string }) => d.eventId)).to.deep.equal(["cheap2", "cheap"]);
        expect(body.deals[1]).to.deep.equal({
            source: "test-site",
            eventId: "cheap",
            route: "ZRH-LIS",
            origin: "ZRH",
            destination: "LIS",
            carrier: "LX",
            departureDate: "2026-12-01",
            price: { amount: 75, currency: "CHF" },
            routeMean: 100,
            routeStddev: 10,
            sampleSize: 10,
            score: 2.5,
            reason: "price 75 is 2.5 standard deviations below the route mean 100 (threshold 2, 10 offers)",
            model: "builtin:t1",
            occurredAt: "2026-11-22T10:00:00Z",
            flaggedAt: body.deals[1].flaggedAt,
        });
        expect(JSON.parse((await get(t.db, "/v1/deals", { route: "GVA-JFK" })).body)).to.deep.equal({ deals: [] });
        expect(JSON.parse((await get(t.db, "/v1/deals", { limit: "1", minutes: "35" })).body).deals).to.have.length(1);

        const adj = JSON.parse((await get(t.db, "/v1/price-adjustments", { carrier: "LX", departureDate: "2026-12-01", route: "ZRH-LIS", minutes: "35" })).body);
        expect(adj.priceAdjustments.map((a: { eventId: string }) => a.eventId)).to.deep.equal(["cheap2", "cheap"]);
        expect(adj.priceAdjustments[1]).to.deep.include({
            eventId: "cheap",
            price: { amount: 75, currency: "CHF" },
            adjustment: -0.1097,
            suggestedPrice: { amount: 66.77, currency: "CHF" },
            features: { searchesPerHour: 30, seatsHeld: 9, routeMean: 100, sampleSize: 10 },
            model: "builtin:t1",
        });
        expect(JSON.parse((await get(t.db, "/v1/price-adjustments", { departureDate: "2026-12-02" })).body)).to.deep.equal({ priceAdjustments: [] });
    });

    it("fails when query parameters are bad: a 400 naming each parameter, the value and what is allowed", async () => {
        const r = await get(t.db, "/v1/price-adjustments", { route: "zrh-lis", carrier: "L", departureDate: "2026-02-30", limit: "0", minutes: "x", sort: "asc" });
        expectBadRequest(r, {
            errors: [
                { path: "sort", message: "sort is not a parameter of /v1/price-adjustments; allowed: route, carrier, departureDate, minutes, limit" },
                { path: "limit", message: 'limit must be an integer from 1 to 500; received "0"' },
                { path: "minutes", message: 'minutes must be an integer from 1 to 10080; received "x"' },
                { path: "route", message: 'route must be ORIGIN-DESTINATION with upper-case IATA airport codes such as "ZRH-LIS"; received "zrh-lis"' },
                { path: "carrier", message: 'carrier must be a 2-character IATA airline designator (upper-case letters or digits) such as "LX"; received "L"' },
                { path: "departureDate", message: 'departureDate must be a calendar date YYYY-MM-DD; received "2026-02-30"' },
            ],
        });
        const d = await get(t.db, "/v1/deals", { departureDate: "2026-12-01" });
        expectBadRequest(d, { errors: [{ path: "departureDate", message: "departureDate is not a parameter of /v1/deals; allowed: route, carrier, minutes, limit" }] });
        expect((await handleRequest({ method: "POST", path: "/v1/deals" }, { db: t.db })).statusCode).to.equal(405);
    });

    it("publishes recorded deals and adjustments once (outbox), and keeps them pending when publishing fails", async () => {
        const p = make();
        await p.processBatch(kinesisEvent([jsonRecord(history())]));
        await t.db.execute("UPDATE price_adjustments SET published_at = now()");
        await p.processBatch(kinesisEvent([jsonRecord([offer("cheap", "ZRH-LIS", at(0), 75)])]));
        const sent: ScoringEvent[] = [];
        let fail = true;
        const publisher = {
            publish: async (e: readonly ScoringEvent[]) => {
                if (fail) throw new Error("EventBridge down");
                sent.push(...e);
            },
        };
        expect(await publishPendingScores(t.db, publisher).catch((e) => e.message)).to.equal("EventBridge down");
        fail = false;
        expect(await publishPendingScores(t.db, publisher)).to.equal(2);
        expect(sent.map((e) => [e.detailType, e.detail.eventId, e.time])).to.deep.equal([
            ["Deal offer", "cheap", "2026-11-22T10:00:00Z"],
            ["Price adjustment", "cheap", "2026-11-22T10:00:00Z"],
        ]);
        expect(await publishPendingScores(t.db, publisher)).to.equal(0);
    });
});
