import { expect } from "chai";
import fc from "fast-check";
import { KINESIS_PRICES_US_EAST_1, formatCapacityReport, planCapacity, planReshardSteps, recommendShards, resolveCapacityInput } from "../../functions/shared/capacity";
import { docBlock, loadMeasured, runCapacity, DOC_START, DOC_END } from "../../scripts/capacity";
import * as fs from "fs";
import * as path from "path";
import { planDataPath, measuredFigures, formatDataPathReport as formatDataPathReportFor, type MeasuredFigures } from "../../functions/shared/capacity";

/** Fixed measured figures so the CLI tests do not move with every bench run. */
const MEASURED: MeasuredFigures = { averageEventBytes: 2048, frameCompressionRatio: 3, hotShardImbalance: 1.1, consumerEventsPerSecond: 80000, from: "test fixture" };

const MONTH_S = 730 * 3600;
const GB = 1024 ** 3;
const close = (a: number, b: number) => expect(a).to.be.closeTo(b, 1e-6 * Math.max(1, Math.abs(b)));

describe("capacity planner: inputs", () => {
    it("fills documented defaults", () => {
        expect(resolveCapacityInput({ mbPerSecond: 1 })).to.deep.equal({
            averageBytesPerSecond: 1e6,
            averageRecordBytes: 2048,
            peakFactor: 2,
            compressionRatio: 3,
            partitionKeyBytes: 16,
            aggregateBytes: 51200,
            targetUtilization: 0.7,
            retentionHours: 24,
            readers: 2,
        });
        close(resolveCapacityInput({ tbPerDay: 10 }).averageBytesPerSecond, 1e13 / 86400);
    });

    it("fails when the throughput is missing or given twice", () => {
        expect(() => resolveCapacityInput({})).to.throw("give the throughput as `tbPerDay` (TB per day) or `mbPerSecond` (MB per second), got neither");
        expect(() => resolveCapacityInput({ tbPerDay: 1, mbPerSecond: 1 })).to.throw("give only one of `tbPerDay` or `mbPerSecond`, got both");
    });

    it("fails when a value is out of range", () => {
        expect(() => resolveCapacityInput({ tbPerDay: -1 })).to.throw("`tbPerDay` must be a number greater than 0 (received -1)");
        expect(() => resolveCapacityInput({ mbPerSecond: NaN })).to.throw("`mbPerSecond` must be a number greater than 0 (received NaN)");
        expect(() => resolveCapacityInput({ mbPerSecond: 1, peakFactor: 0.5 })).to.throw("`peakFactor` must be at least 1 (peak over average), got 0.5");
        expect(() => resolveCapacityInput({ mbPerSecond: 1, compressionRatio: 0.9 })).to.throw("`compressionRatio` must be at least 1 (uncompressed / compressed size), got 0.9");
        expect(() => resolveCapacityInput({ mbPerSecond: 1, averageRecordBytes: 2 * 1024 * 1024 })).to.throw("`averageRecordBytes` must be an integer between 1 and 1048576 (received 2097152)");
        expect(() => resolveCapacityInput({ mbPerSecond: 1, retentionHours: 12 })).to.throw("`retentionHours` must be an integer between 24 and 8760 (received 12)");
        expect(() => resolveCapacityInput({ mbPerSecond: 1, targetUtilization: 1.5 })).to.throw("`targetUtilization` must be in (0, 1], got 1.5");
    });
});

describe("capacity planner: sizing", () => {
    // 984-byte records + 16-byte keys = 1,000 bytes per plain Kinesis record; 1,000 user records/s.
    const base = { mbPerSecond: 0.984, averageRecordBytes: 984, partitionKeyBytes: 16, peakFactor: 2, compressionRatio: 4, targetUtilization: 1 };

    it("sizes plain, uncompressed records by both bounds", () => {
        const plain = planCapacity(base).scenarios[0];
        expect(plain.name).to.equal("plain, uncompressed");
        close(plain.kinesisRecordsPerSecond, 1000);
        close(plain.peakKinesisBytesPerSecond, 2e6);
        expect([plain.shardsByBytes, plain.shardsByRecords, plain.shards]).to.deep.equal([2, 2, 2]); // 2e6 / 1 MiB -> 2; 2,000 / 1,000 -> 2
        const half = planCapacity({ ...base, targetUtilization: 0.5 }).scenarios[0];
        expect([half.shardsByBytes, half.shardsByRecords]).to.deep.equal([4, 4]);
    });

    it("is bound by records when compression shrinks the bytes", () => {
        const s = planCapacity(base).scenarios[1];
        expect(s.name).to.equal("plain, compressed");
        close(s.peakKinesisBytesPerSecond, 2 * 1000 * (984 / 4 + 16)); // 524,000 B/s
        expect([s.shardsByBytes, s.shardsByRecords, s.shards, s.boundBy]).to.deep.equal([1, 2, 2, "records"]);
    });

    it("counts aggregate overhead and far fewer Kinesis records when aggregating", () => {
        const s = planCapacity(base).scenarios[2];
        // per user record 984 + 16 + 10 bytes; floor((51,200 - 36) / 1,010) = 50 per aggregate
        close(s.kinesisRecordsPerSecond, 20);
        close(s.kinesisBytesPerSecond, 1000 * 1010 + 20 * 36);
        expect([s.shardsByBytes, s.shardsByRecords, s.shards]).to.deep.equal([2, 1, 2]);
    });

    it("prices provisioned and on-demand modes from the named constants", () => {
        const s = planCapacity(base).scenarios[0];
        const p = KINESIS_PRICES_US_EAST_1;
        const putUnits = 1000 * MONTH_S; // one 25 KiB unit per 1,000-byte record
        close(s.provisioned.monthlyUsd, 2 * 730 * p.provisioned.shardHour + (putUnits / 1e6) * p.provisioned.putPayloadUnitsPerMillion);
        const ingestGb = (1000 * 1024 * MONTH_S) / GB; // each record billed as 1 KB
        close(s.onDemand.monthlyUsd, 730 * p.onDemand.streamHour + ingestGb * p.onDemand.dataInPerGb + 2 * ingestGb * p.onDemand.dataOutPerGb);
        expect(p.source).to.equal("https://aws.amazon.com/kinesis/data-streams/pricing/ (us-east-1)");
    });

    it("adds retention charges above 24 h and above 7 days", () => {
        const s = planCapacity({ ...base, retentionHours: 168 + 24 }).scenarios[0];
        const p = KINESIS_PRICES_US_EAST_1;
        expect(s.provisioned.items.map((i) => i.label)).to.deep.equal([
            "shard hours (2 x 730 h x $0.015)",
            "PUT payload units (2,628 M x $0.014)",
            "extended retention (24 h..7 d), shard hours",
            "long-term retention (beyond 7 d), GB-months",
        ]);
        close(s.provisioned.items[2].usd, 2 * 730 * p.provisioned.extendedRetentionShardHour);
        close(s.provisioned.items[3].usd, ((1e6 * 24 * 3600) / GB) * p.provisioned.longTermRetentionGbMonth);
    });

    it("sizes 10 TB/day at 100+ shards with the levers and flags on-demand's default quota", () => {
        const plan = planCapacity({ tbPerDay: 10 });
        expect(plan.scenarios.map((s) => s.shards)).to.deep.equal([318, 162, 320, 110]);
        expect(plan.recommended.name).to.equal("aggregated, compressed");
        expect(recommendShards({ tbPerDay: 10 })).to.equal(110);
        expect(plan.scenarios[0].onDemandOverDefaultQuota).to.equal(true);
        expect(plan.recommended.onDemandOverDefaultQuota).to.equal(false);
    });

    it("never plans a shard over the target utilisation (property)", () => {
        fc.assert(
            fc.property(
                fc.double({ min: 0.01, max: 500, noNaN: true }),
                fc.integer({ min: 64, max: 100_000 }),
                fc.double({ min: 1, max: 5, noNaN: true }),
                fc.double({ min: 1, max: 10, noNaN: true }),
                fc.double({ min: 0.1, max: 1, noNaN: true }),
                (mb, bytes, peak, ratio, util) => {
                    const plan = planCapacity({ mbPerSecond: mb, averageRecordBytes: bytes, peakFactor: peak, compressionRatio: ratio, targetUtilization: util });
                    for (const s of plan.scenarios) {
                        expect(s.peakKinesisBytesPerSecond / s.shards).to.be.at.most(1024 * 1024 * util * (1 + 1e-9));
                        expect(s.peakKinesisRecordsPerSecond / s.shards).to.be.at.most(1000 * util * (1 + 1e-9));
                        expect(s.shards).to.equal(Math.max(s.shardsByBytes, s.shardsByRecords));
                        if (s.shards > 1) {
                            // one shard fewer would break a bound
                            const fewer = s.shards - 1;
                            expect(s.peakKinesisBytesPerSecond / fewer > 1024 * 1024 * util || s.peakKinesisRecordsPerSecond / fewer > 1000 * util).to.equal(true);
                        }
                    }
                },
            ),
            { numRuns: 200 },
        );
    });
});

describe("capacity planner: planReshardSteps", () => {
    it("doubles up to the target", () => {
        expect(planReshardSteps(2, 128).map((s) => [s.fromShards, s.toShards])).to.deep.equal([
            [2, 4],
            [4, 8],
            [8, 16],
            [16, 32],
            [32, 64],
            [64, 128],
        ]);
    });

    it("halves (rounding up) down to the target", () => {
        expect(planReshardSteps(128, 3).map((s) => s.toShards)).to.deep.equal([64, 32, 16, 8, 4, 3]);
        expect(planReshardSteps(5, 3).map((s) => s.toShards)).to.deep.equal([3]);
        expect(planReshardSteps(7, 2).map((s) => s.toShards)).to.deep.equal([4, 2]);
    });

    it("needs no call when already at the target", () => {
        expect(planReshardSteps(128, 128)).to.deep.equal([]);
    });

    it("spreads more than 10 calls over rolling 24-hour windows", () => {
        const steps = planReshardSteps(1, 10000);
        expect(steps).to.have.length(14);
        expect(steps.map((s) => s.notBeforeHours)).to.deep.equal([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 24, 24, 24, 24]);
        expect(steps[13]).to.deep.equal({ call: 14, fromShards: 8192, toShards: 10000, notBeforeHours: 24 });
    });

    it("keeps every step within 2x up and half down (property)", () => {
        fc.assert(
            fc.property(fc.integer({ min: 1, max: 10000 }), fc.integer({ min: 1, max: 10000 }), (a, b) => {
                const steps = planReshardSteps(a, b);
                let cur = a;
                for (const s of steps) {
                    expect(s.fromShards).to.equal(cur);
                    expect(s.toShards <= 2 * cur && s.toShards >= Math.ceil(cur / 2)).to.equal(true);
                    cur = s.toShards;
                }
                expect(cur).to.equal(b);
                expect(steps.length).to.equal(Math.ceil(Math.abs(Math.log2(b > a ? b / a : a / b)) - 1e-12));
            }),
        );
    });

    it("fails when counts are out of range", () => {
        expect(() => planReshardSteps(0, 4)).to.throw("`current` must be an integer between 1 and 10000 (received 0)");
        expect(() => planReshardSteps(4, 10001)).to.throw("`target` must be an integer between 1 and 10000 (received 10001)");
        expect(() => planReshardSteps(4, 2.5)).to.throw("`target` must be an integer between 1 and 10000 (received 2.5)");
        expect(planReshardSteps(10000, 20000, { maxShards: 20000 })).to.have.length(1);
    });
});

describe("capacity CLI", () => {
    it("prints a sizing for --tb-per-day 10 line by line", () => {
        const lines = runCapacity(["--tb-per-day", "10"], MEASURED);
        expect(lines[0]).to.equal("Data path plan (the producer fleet as it runs)");
        expect(lines).to.include("Kinesis Data Streams capacity plan");
        expect(lines).to.include("  average throughput   10.00 TB/day = 115.74 MB/s = 110.38 MiB/s");
        expect(lines).to.include("Recommended: aggregated, compressed -> 110 shards (bound by bytes)");
        expect(lines).to.include("    shard hours (110 x 730 h x $0.015)                                 $1,204.50");
        expect(lines.some((l) => l.startsWith("  plain, uncompressed ") && l.includes(" 318 "))).to.equal(true);
        expect(lines.at(-1)).to.equal("Prices: https://aws.amazon.com/kinesis/data-streams/pricing/ (us-east-1), as of 2024-11; month = 730 h; GB = 2^30 bytes; TB/MB in inputs are decimal.");
    });

    it("adds the reshard plan when given --current-shards", () => {
        const lines = runCapacity(["--mb-per-second", "116", "--current-shards", "2", "--target-shards", "9"], MEASURED);
        expect(lines).to.include("Reshard plan: 2 -> 9 shards in 3 UpdateShardCount call(s) (each at most 2x up or half down; 10 per rolling 24 h)");
        expect(lines).to.include("  call 3: 8 -> 9");
    });

    it("prints JSON with --json", () => {
        const plan = JSON.parse(runCapacity(["--tb-per-day", "10", "--json"], MEASURED).join("\n"));
        expect(plan.kinesis.recommended.shards).to.equal(110);
        expect(plan.dataPath.shards).to.equal(planDataPath({ tbPerDay: 10, measured: MEASURED }).shards);
    });

    it("fails when arguments are bad", () => {
        expect(() => runCapacity(["--tb-per-day", "ten"], MEASURED)).to.throw('`--tb-per-day` must be a number (received "ten")');
        expect(() => runCapacity([], MEASURED)).to.throw("give the throughput as `--tb-per-day` (TB per day) or `--mb-per-second` (MB per second), got neither");
        expect(() => runCapacity(["--tb-per-day", "1", "--peak-factor", "0"], MEASURED)).to.throw("`--peak-factor` must be a number greater than 0 (received 0)");
        expect(() => runCapacity(["--tb-per-day", "1", "--current-shards", "0"], MEASURED)).to.throw("`--current-shards` must be an integer between 1 and 10000 (received 0)");
        expect(() => runCapacity(["--tb-per-day", "1", "--target-shards", "4"], MEASURED)).to.throw("`--target-shards` needs `--current-shards` (the count to reshard from)");
        expect(() => runCapacity(["--tb-per-day", "1", "--shards", "4"], MEASURED)).to.throw(/^unknown option `--shards` \(allowed: --tb-per-day, /);
    });

    it("formats the report from a plan", () => {
        const lines = formatCapacityReport(planCapacity({ mbPerSecond: 1 }));
        expect(lines).to.include("  each shard takes 1 MiB/s (1,048,576 bytes/s) and 1,000 records/s; planned at 70% of both at peak");
    });
});

describe("capacity planner: the data path as it runs", () => {
    const m: MeasuredFigures = { averageEventBytes: 375, frameCompressionRatio: 10, hotShardImbalance: 1.15, consumerEventsPerSecond: 80000, from: "fixture" };

    it("models the fleet: records/s from tasks, linger and aggregates per flush, not from the shard count", () => {
        const p = planDataPath({ tbPerDay: 10, measured: m });
        expect(Math.round(p.eventsPerSecond)).to.equal(308642);
        expect(Math.round(p.flushEventsPerTask)).to.equal(309);
        expect(p.aggregatesPerFlush).to.equal(1);
        expect(p.peakRecordsPerSecond).to.equal(2000);
        expect(p.shards).to.equal(p.shardsByBytes);
        expect(p.shards).to.be.at.most(48);
        const fewer = planDataPath({ tbPerDay: 10, measured: m, tasks: 400 });
        expect(fewer.peakRecordsPerSecond).to.equal(20000);
    });

    it("keeps the hottest shard at the target share on the shards it asks for", () => {
        const p = planDataPath({ tbPerDay: 10, measured: m });
        expect(p.hottestShardBytesShare).to.be.at.most(0.7);
        const one = planDataPath({ tbPerDay: 10, measured: m, hotShardImbalance: 1 });
        expect(one.shards).to.be.lessThan(p.shards);
    });

    it("prices every part of the data path, each line positive", () => {
        const p = planDataPath({ tbPerDay: 10, retentionHours: 48, measured: m });
        expect([...new Set(p.lines.map((l) => l.area))]).to.deep.equal(["stream", "lake delivery", "real time", "lake storage", "ponds"]);
        expect(p.lines.map((l) => l.label.split(" (")[0])).to.deep.equal([
            "shard hours",
            "PUT payload units",
            "extended retention",
            "enhanced fan-out consumer-shard hours",
            "enhanced fan-out retrieval",
            "Firehose ingestion",
            "dynamic partitioning",
            "dynamic partitioning S3 objects",
            "transform Lambda",
            "consumer Lambda",
            "Aurora Serverless v2",
            "Data API",
            "S3 Standard",
            "S3 Standard-IA",
            "S3 Glacier Instant Retrieval",
            "Athena scans",
        ]);
        for (const l of p.lines) expect(l.usd, l.label).to.be.greaterThan(0);
        expect(p.monthlyUsd).to.be.closeTo(
            p.lines.reduce((n, l) => n + l.usd, 0),
            1e-6,
        );
        expect(p.auroraAcusStateChangingOnly).to.be.lessThan(p.auroraAcusAllEvents);
    });

    it("fails when the measured figures are missing from bench/results.json, naming the figure", () => {
        expect(() => measuredFigures({ stream: { averageEventBytes: 375 } })).to.throw("bench/results.json has no positive number at `frames.ratio200Sources` (received undefined); run `npm run bench`");
    });

    it("fails when data-path arguments are out of range, naming them", () => {
        expect(() => planDataPath({ tbPerDay: 10, measured: m, tasks: 0 })).to.throw("`tasks` must be an integer between 1 and 10000 (received 0)");
        expect(() => planDataPath({ tbPerDay: 10, measured: m, hotShardImbalance: 0.5 })).to.throw("`hotShardImbalance` must be at least 1 (hottest over average shard), got 0.5");
        expect(() => planDataPath({ measured: m })).to.throw("give the throughput as `tbPerDay` (TB per day) or `mbPerSecond` (MB per second), got neither");
    });

    it("docs/capacity.md states the 10 TB/day plan from bench/results.json (regenerate with npm run capacity -- --update-doc)", () => {
        const doc = fs.readFileSync(path.resolve(__dirname, "..", "..", "docs", "capacity.md"), "utf8");
        const block = doc.slice(doc.indexOf(DOC_START), doc.indexOf(DOC_END) + DOC_END.length);
        expect(block).to.equal(docBlock(loadMeasured()));
    });

    it("sizes 10 TB/day at a 2x peak and 70% target on at most 48 shards with the measured figures", () => {
        expect(planDataPath({ tbPerDay: 10, measured: loadMeasured() }).shards).to.be.at.most(48);
    });

    it("--help goes to stdout and exits 0", () => {
        const { execFileSync } = require("child_process") as typeof import("child_process");
        const out = execFileSync(process.execPath, ["-r", "./scripts/register.js", "scripts/capacity.ts", "--help"], { cwd: path.resolve(__dirname, "..", ".."), encoding: "utf8" });
        expect(out.split("\n")[0]).to.equal("usage: npm run capacity -- (--tb-per-day N | --mb-per-second N) [options]");
    });
});

describe("capacity planner: Aurora from the writer's measured server CPU and the stated event mix", () => {
    const writer = {
        rowWritesPerEventBefore: 2,
        rowWritesPerEventAfter: 1,
        dataApiCallsPerEvent: 0.03,
        transactionsPerEvent: 0.001,
        serverCpu: { shopping: 50e-6, state: 400e-6, before: 250e-6, corpusStateShare: 0.15, per1000RowWrites: 0.1 },
    };
    const m: MeasuredFigures = { averageEventBytes: 375, frameCompressionRatio: 10, hotShardImbalance: 1.15, consumerEventsPerSecond: 80000, writer, from: "fixture" };

    it("weights the measured CPU per event by the look-to-book mix, at 0.25 vCPU per ACU and 70% CPU", () => {
        // 617,284 events/s at peak x (99.875% x 50 us + 0.125% x 400 us) = 31.13 vCPU -> 177.9 ACU -> 178.
        const p = planDataPath({ tbPerDay: 10, measured: m });
        expect(p.inputs.lookToBook).to.equal(1000);
        expect(p.inputs.stateChangingShare).to.be.closeTo(1.25 / 1001.25, 1e-12);
        expect(p.auroraCpu!.vcpuAtPeak).to.be.closeTo(31.1339, 1e-3);
        expect(p.auroraAcusStateChangingOnly).to.equal(178);
        expect(p.auroraAcusAllEvents).to.equal(882);
        expect(p.auroraFitsOneWriter).to.equal(true);
        // Ten times more bookings: 33.53 vCPU -> 192 ACU.
        expect(planDataPath({ tbPerDay: 10, measured: m, lookToBook: 100 }).auroraAcusStateChangingOnly).to.equal(192);
        // The corpus's 15 % bookings would not be the 10 TB/day mix: the planner never uses it.
        expect(planDataPath({ tbPerDay: 10, measured: m, stateChangingShare: 0.15 }).auroraAcusStateChangingOnly).to.equal(Math.ceil(((617283.95 * (0.85 * 50e-6 + 0.15 * 400e-6)) / 0.175) * 2) / 2);
    });

    it("prints the mix, the CPU arithmetic and whether one writer holds it", () => {
        const lines = formatDataPathReportFor(planDataPath({ tbPerDay: 10, measured: m }));
        expect(lines).to.include("  event mix           1,000 shopping events per booking (look-to-book, assumed), 0.25 cancellations per booking -> 0.125% bookings and cancellations");
        expect(lines.find((l) => l.startsWith("  Aurora at peak"))).to.equal(
            "  Aurora at peak      178.0 ACU: 617,284 events/s x 50.4 us server CPU/event (measured, native PostgreSQL, this mix) = 31.1 vCPU, at 0.25 vCPU per ACU and 70% CPU; fits one 256-ACU writer",
        );
    });

    it("fails when the event mix is out of range, naming the argument", () => {
        expect(() => planDataPath({ tbPerDay: 10, measured: m, cancellationsPerBooking: 2 })).to.throw("`cancellationsPerBooking` must be a number from 0 to 1, got 2");
        expect(() => planDataPath({ tbPerDay: 10, measured: m, lookToBook: 0 })).to.throw("`lookToBook` must be a number greater than 0 (received 0)");
        expect(() => runCapacity(["--tb-per-day", "10", "--look-to-book", "many"], m)).to.throw('`--look-to-book` must be a number (received "many")');
    });
});
