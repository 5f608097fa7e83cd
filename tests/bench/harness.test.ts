/**
 * The benchmark harness's pure parts: statistics, ratios and goals, the
 * printed table, argument parsing, corpus determinism and the stream
 * efficiency counting. The benchmarks themselves are not run here and no
 * timing is asserted.
 */
import { expect } from "chai";
import { decodeRecord } from "../../functions/shared/codec";
import { validateBatch } from "../../functions/shared/events";
import { buildCorpus, ofType, requestBodies, requestTemplates, stampBody } from "../../bench/corpus";
import { producerRecords } from "../../bench/consumer";
import { MAX_SCALE_ITERATIONS, simulateUntilAgreement, tableRows } from "../../bench/run";
import { formatFigure, formatMarkdownTable, formatNumber, formatTable, goalStatus, median, notMeasured, parseArgs, percentile, perSecond, ratio, summarize } from "../../bench/stats";
import { putPayloadUnits, runScenario, SCENARIOS, uncompressedByteBoundShards, compareCapacity } from "../../bench/stream";

describe("bench harness: statistics", () => {
    it("takes nearest-rank percentiles", () => {
        const v = [15, 20, 35, 40, 50];
        expect(percentile(v, 0)).to.equal(15);
        expect(percentile(v, 30)).to.equal(20);
        expect(percentile(v, 40)).to.equal(20);
        expect(percentile(v, 50)).to.equal(35);
        expect(percentile(v, 95)).to.equal(50);
        expect(percentile(v, 100)).to.equal(50);
        expect(percentile([3, 1, 2], 50)).to.equal(2);
    });

    it("fails when the values are empty or p is out of range", () => {
        expect(() => percentile([], 50)).to.throw(RangeError, "percentile: `values` is empty; there is no percentile of nothing");
        expect(() => percentile([1], 101)).to.throw(RangeError, "percentile: `p` must be a number from 0 to 100; received 101");
        expect(() => percentile([1], Number.NaN)).to.throw(RangeError, "percentile: `p` must be a number from 0 to 100; received NaN");
    });

    it("takes medians of odd and even counts", () => {
        expect(median([5, 1, 3])).to.equal(3);
        expect(median([4, 1, 3, 2])).to.equal(2.5);
        expect(() => median([])).to.throw(RangeError, "median: `values` is empty");
    });

    it("summarizes", () => {
        expect(summarize([4, 1, 3, 2])).to.deep.equal({ count: 4, min: 1, p50: 2, p95: 4, p99: 4, max: 4, mean: 2.5 });
    });

    it("computes rates and ratios, and says why a ratio is missing", () => {
        expect(perSecond(500, 250)).to.equal(2000);
        expect(() => perSecond(1, 0)).to.throw(RangeError, "perSecond: `elapsedMs` must be > 0; received 0");
        expect(ratio(30, 120)).to.equal(0.25);
        expect(ratio(notMeasured("no processor"), 10)).to.deep.equal({ notMeasured: "numerator not measured (no processor)" });
        expect(ratio(10, notMeasured("x"))).to.deep.equal({ notMeasured: "denominator not measured (x)" });
        expect(ratio(10, 0)).to.deep.equal({ notMeasured: "denominator is 0; a ratio needs a positive baseline" });
        expect(() => notMeasured(" ")).to.throw(TypeError, 'notMeasured: `reason` must be a non-empty string; received " "');
    });

    it("judges goals at their boundary and reports unmeasured figures", () => {
        expect(goalStatus(0.5, { op: ">=", target: 0.5 })).to.equal("met");
        expect(goalStatus(0.49, { op: ">=", target: 0.5 })).to.equal("missed");
        expect(goalStatus(20, { op: "<=", target: 20 })).to.equal("met");
        expect(goalStatus(20.1, { op: "<=", target: 20 })).to.equal("missed");
        expect(goalStatus(notMeasured("x"), { op: "<=", target: 20 })).to.equal("not measured");
        expect(goalStatus(3, undefined)).to.equal("");
    });
});

describe("bench harness: the scale simulation and the planner agree", () => {
    const plan = (imbalance: number) => (imbalance > 1.08 ? 37 : 36);

    it("simulates again at the count the measured imbalance asks for, and keeps the run the planner agrees with", async () => {
        const measured: Record<number, number> = { 37: 1.077, 36: 1.066 };
        const simulated: number[] = [];
        const r = await simulateUntilAgreement(1.089, plan, async (shards) => (simulated.push(shards), { hotShardImbalance: measured[shards], shards }));
        expect(simulated).to.deep.equal([37, 36]);
        expect({ shards: r.shards, imbalance: r.imbalance, next: r.next, converged: r.converged, sim: r.sim.shards }).to.deep.equal({ shards: 36, imbalance: 1.077, next: 36, converged: true, sim: 36 });
        expect(r.iterations).to.deep.equal([
            { shards: 37, plannerImbalanceUsed: 1.089, hotShardImbalance: 1.077, plannerShardsWithMeasuredImbalance: 36 },
            { shards: 36, plannerImbalanceUsed: 1.077, hotShardImbalance: 1.066, plannerShardsWithMeasuredImbalance: 36 },
        ]);
    });

    it("keeps the first run when the planner agrees at once", async () => {
        const r = await simulateUntilAgreement(1.05, plan, async () => ({ hotShardImbalance: 1.07 }));
        expect({ shards: r.shards, converged: r.converged, iterations: r.iterations.length }).to.deep.equal({ shards: 36, converged: true, iterations: 1 });
    });

    it("stops when the counts alternate, and keeps the run with the most shards (not converged)", async () => {
        const measured: Record<number, number> = { 37: 1.07, 36: 1.09 };
        const r = await simulateUntilAgreement(1.089, plan, async (shards) => ({ hotShardImbalance: measured[shards], shards }));
        expect({ shards: r.shards, next: r.next, converged: r.converged, simulated: r.iterations.map((i) => i.shards) }).to.deep.equal({ shards: 37, next: 36, converged: false, simulated: [37, 36] });
    });

    it("stops after MAX_SCALE_ITERATIONS simulations when the planner keeps asking for more", async () => {
        let n = 40;
        const r = await simulateUntilAgreement(
            1.1,
            () => n++,
            async () => ({ hotShardImbalance: 1.1 }),
        );
        expect(r.iterations.length).to.equal(MAX_SCALE_ITERATIONS);
        expect({ converged: r.converged, shards: r.shards }).to.deep.equal({ converged: false, shards: Math.max(...r.iterations.map((i) => i.shards)) });
    });
});

describe("bench harness: formatting", () => {
    it("formats numbers for people", () => {
        expect(formatNumber(41407.3)).to.equal("41,407");
        expect(formatNumber(154.2)).to.equal("154");
        expect(formatNumber(18.75)).to.equal("18.8");
        expect(formatNumber(1.8)).to.equal("1.80");
        expect(formatNumber(0.0774)).to.equal("0.077");
        expect(formatNumber(0)).to.equal("0");
        expect(formatFigure(notMeasured("local/platform.ts is not in this checkout"), " ms")).to.equal("not measured: local/platform.ts is not in this checkout");
    });

    it("prints an aligned table with goals and status", () => {
        const text = formatTable([
            { section: "ingestion", figure: "ratio real / bare", value: 0.61, goal: { op: ">=", target: 0.5 } },
            { section: "plan", figure: "prod plan", value: 10.64, unit: " s", goal: { op: "<=", target: 20 } },
            { section: "freshness", figure: "p95", value: notMeasured("no platform"), unit: " ms", goal: { op: "<=", target: 2000 } },
        ]);
        expect(text.split("\n")).to.deep.equal([
            "section    figure             value                      goal        status",
            "---------  -----------------  -------------------------  ----------  ------------",
            "ingestion  ratio real / bare  0.610                      ≥ 0.5       met",
            "plan       prod plan          10.6 s                     ≤ 20 s      met",
            "freshness  p95                not measured: no platform  ≤ 2,000 ms  not measured",
        ]);
    });

    it("prints the same rows as Markdown, escaping pipes", () => {
        const md = formatMarkdownTable([{ section: "s", figure: "a | b", value: 2, unit: "x", goal: { op: ">=", target: 3 } }]);
        expect(md).to.equal(["| section | figure | value | goal | status |", "|---|---|---|---|---|", "| s | a \\| b | 2.00x | ≥ 3x | missed |"].join("\n"));
    });

    it("names every figure of a section that was not run", () => {
        const rows = tableRows({});
        expect(rows.length).to.equal(94);
        expect(rows.every((r) => typeof r.value === "object" && r.value.notMeasured === "section not run (--only)")).to.equal(true);
        expect(rows.filter((r) => r.goal !== undefined).map((r) => r.figure)).to.deep.equal([
            "ratio real / bare",
            "accepted events missing at the sink",
            "1-event requests: CPU ratio bare / real per request",
            "fewer records than naive (events <= 2 KB)",
            "frame ratio, corpus over 200 sources, prod per-task flush",
            "frame ratio, the corpus's 5 sources",
            "frame ratio, offer JSON, 200 sources (as the producer frames it)",
            "CPU ratio frames / uncompressed",
            "planner shards, 10 TB/day, 2x peak, 70% target",
            "hottest shard p99 bytes/s share of 1 MiB/s (40 tasks)",
            "hottest shard p99 records/s share of 1,000/s (40 tasks)",
            "ratio in-memory / JSON.parse",
            "ratio frames in-memory / JSON.parse",
            "identity rows per event, after (claims + digests + bookings/cancellations)",
            "planner Aurora ACUs, 10 TB/day, 2x peak (measured CPU, look-to-book 1,000)",
            "searches: best seasonal-naive sMAPE / model sMAPE",
            "bookings: best seasonal-naive sMAPE / model sMAPE",
            "searches MASE, model",
            "searches 95% interval coverage",
            "alert precision on injected hot routes",
            "alert recall on injected hot routes (2x..20x)",
            "alert detection, mean minutes to window end",
            "demo (50/s, backfilled week): hot route alert, minutes after it turns hot (worst of 4 runs)",
            "demo: other alerts per hour of steady traffic (worst of 4 runs, 60 min each)",
            "prod plan + policies, bundle cache off",
            "prod plan + policies, bundle cache on",
            "POST → visible in insights API, p95",
        ]);
    });

    it("parses the command line", () => {
        expect(parseArgs([], "r.json")).to.deep.equal({ quick: false, only: [], out: "r.json" });
        expect(parseArgs(["--quick", "--only", "stream,plan", "--out=x.json"], "r.json")).to.deep.equal({ quick: true, only: ["stream", "plan"], out: "x.json" });
    });

    it("fails when an argument or section is unknown", () => {
        expect(() => parseArgs(["--fast"], "r")).to.throw("unknown option `--fast` (allowed: --quick, --only, --out, --help)");
        expect(() => parseArgs(["--only", "disk"], "r")).to.throw('`--only`: unknown section "disk" (sections: ingestion, stream, frames, scale, consumer, writer, plan, freshness, forecast)');
        expect(() => parseArgs(["--only"], "r")).to.throw("`--only` needs a value");
    });
});

describe("bench harness: corpus", () => {
    it("is byte-identical for the same seed and differs for another seed", () => {
        const a = buildCorpus({ events: 300, seed: 7 });
        const b = buildCorpus({ events: 300, seed: 7 });
        const c = buildCorpus({ events: 300, seed: 8 });
        expect(Buffer.concat(a.payloads).equals(Buffer.concat(b.payloads))).to.equal(true);
        expect(Buffer.concat(a.payloads).equals(Buffer.concat(c.payloads))).to.equal(false);
        expect(a.payloads.map((p) => p.toString("utf8"))).to.deep.equal(a.events.map((e) => JSON.stringify(e)));
    });

    it("holds valid events of every type, offers with itineraries, fares and taxes", () => {
        const corpus = buildCorpus({ events: 2000 });
        expect(validateBatch(corpus.events).ok).to.equal(true);
        const types = new Set(corpus.events.map((e) => e.type));
        expect([...types].sort()).to.deep.equal(["booking", "cancellation", "offer", "search"]);
        const offer = ofType(corpus, "offer").events[0] as unknown as { itinerary: { segments: unknown[] }; fares: { taxes: unknown[] }[] };
        expect(offer.itinerary.segments.length).to.be.greaterThan(0);
        expect(offer.fares[0].taxes.length).to.be.greaterThan(0);
        expect(new Set(corpus.events.map((e) => e.eventId)).size).to.equal(2000);
    });

    it("stamps request templates so every request carries fresh eventIds", () => {
        const corpus = buildCorpus({ events: 4 });
        const [template] = requestTemplates(corpus.events, 4);
        const first = JSON.parse(stampBody(template, "r1.1")) as { eventId: string }[];
        const second = JSON.parse(stampBody(template, "r1.2")) as { eventId: string }[];
        expect(first.map((e) => e.eventId)).to.deep.equal(corpus.events.map((e) => `${e.eventId}~r1.1`));
        expect(second.map((e) => e.eventId)).to.deep.equal(corpus.events.map((e) => `${e.eventId}~r1.2`));
        expect(validateBatch(first).ok).to.equal(true);
        expect(() => stampBody(template, "a b")).to.throw(RangeError, 'stampBody: `tag` must be 1 to 40 letters, digits, "." or "-"; received "a b"');
    });

    it("fails when the event count is not a positive integer", () => {
        expect(() => buildCorpus({ events: 0 })).to.throw(RangeError, "buildCorpus: `events` must be an integer from 1 to 10000000; received 0");
    });

    it("cuts request bodies of the batch size", () => {
        const corpus = buildCorpus({ events: 120 });
        const bodies = requestBodies(corpus.events, 50);
        expect(bodies.map((b) => (JSON.parse(b) as unknown[]).length)).to.deep.equal([50, 50, 20]);
        expect(() => requestBodies(corpus.events, 501)).to.throw(RangeError, "requestBodies: `batchSize` must be an integer from 1 to 500 (the API's array limit); received 501");
    });
});

describe("bench harness: stream efficiency counting", () => {
    const payloads = Array.from({ length: 100 }, (_, i) => Buffer.from(JSON.stringify({ i, pad: "x".repeat(80) })));
    const keys = payloads.map((_, i) => `key-${i}`);

    it("counts PUT payload units per started 25 KB", () => {
        expect(putPayloadUnits(0)).to.equal(1);
        expect(putPayloadUnits(25600)).to.equal(1);
        expect(putPayloadUnits(25601)).to.equal(2);
        expect(putPayloadUnits(65536)).to.equal(3);
    });

    it("counts one record and one unit per event for the naive scenario", () => {
        const r = runScenario(SCENARIOS[0], payloads, keys, { shards: 4, flushEvents: 4000, maxRecordBytes: 65536 });
        expect([r.kinesisRecords, r.putPayloadUnits, r.recordsPer1000Events, r.compressionRatio]).to.deep.equal([100, 100, 1000, 1]);
        const bytes = payloads.reduce((n, p, i) => n + p.length + keys[i].length, 0);
        expect(r.kinesisBytes).to.equal(bytes);
    });

    it("aggregates one record per shard per flush", () => {
        const one = runScenario(SCENARIOS[2], payloads, keys, { shards: 1, flushEvents: 40, maxRecordBytes: 65536 });
        expect(one.kinesisRecords).to.equal(3);
        expect(one.putPayloadUnits).to.equal(3);
        const four = runScenario(SCENARIOS[2], payloads, keys, { shards: 4, flushEvents: 4000, maxRecordBytes: 65536 });
        expect(four.kinesisRecords).to.equal(4);
    });

    it("fails when partition keys do not match the payloads", () => {
        expect(() => runScenario(SCENARIOS[0], payloads, keys.slice(1), { shards: 1, flushEvents: 10, maxRecordBytes: 65536 })).to.throw(RangeError, "runScenario: `partitionKeys` has 99 entries for 100 payloads; give one per payload");
    });

    it("compares the planner with the 116-shard byte bound of 10 TB/day", () => {
        expect(uncompressedByteBoundShards(10)).to.equal(116);
        const c = compareCapacity(10, 2048, 1);
        expect(c.plannerShardsMeasuredRatio).to.equal(c.plannerShardsUncompressed);
        expect(compareCapacity(10, 2048, 4).plannerShardsMeasuredRatio).to.be.lessThan(c.plannerShardsUncompressed);
    });

    it("builds producer records that decode back to every event in order", () => {
        const corpus = buildCorpus({ events: 200 });
        const records = producerRecords(
            corpus.payloads,
            corpus.events.map((e) => e.eventId),
            2,
        );
        const back = records.flatMap((r) => decodeRecord(Buffer.from(r.kinesis.data, "base64")).map((u) => Buffer.from(u.data).toString("utf8")));
        expect(back.sort()).to.deep.equal(corpus.payloads.map((p) => p.toString("utf8")).sort());
        expect(records.length).to.equal(2);
    });
});
