import { expect } from "chai";
import { measuredFigures, planDataPath } from "../../functions/shared/capacity";
import benchResults from "../../bench/results.json";
import { parseStackConfig } from "../../stack/config";
import { resolveShardCount } from "../../stack/stream";
import { rawStackConfig } from "../helpers/config";

const prodRaw = () => rawStackConfig("prod");

describe("stream sizing from stack config", () => {
    it("uses the configured shard count", () => {
        const raw = prodRaw();
        raw.stream = { shards: 128, retentionHours: 48 };
        expect(resolveShardCount(parseStackConfig(raw, "prod"))).to.equal(128);
    });

    it("sizes prod with the planner: 10 TB/day at a 2x peak on at most 48 shards", () => {
        const n = resolveShardCount(parseStackConfig(prodRaw(), "prod"));
        expect(n).to.equal(planDataPath({ mbPerSecond: 231.5, peakFactor: 1, retentionHours: 48, measured: measuredFigures(benchResults) }).shards);
        expect(planDataPath({ tbPerDay: 10, peakFactor: 2, measured: measuredFigures(benchResults) }).shards).to.be.at.most(48);
        expect(n).to.be.at.most(48);
    });

    it("sizes `shards: auto` from the declared peak throughput with the capacity planner", () => {
        const raw = prodRaw();
        raw.stream = { shards: "auto", throughputMBps: 116, retentionHours: 48 };
        const n = resolveShardCount(parseStackConfig(raw, "prod"));
        expect(n).to.equal(planDataPath({ mbPerSecond: 116, peakFactor: 1, retentionHours: 48, measured: measuredFigures(benchResults) }).shards);
        // 116 MB/s of frames compressed ~10x needs far fewer than the uncompressed byte bound (116 MB/s / 1 MiB/s per shard).
        expect(n).to.be.lessThan(Math.ceil(116e6 / (1024 * 1024)));
        expect(n).to.be.greaterThan(0);
    });

    it("leaves the count unset in on-demand mode", () => {
        const raw = prodRaw();
        raw.stream = { mode: "on-demand", retentionHours: 48 };
        expect(resolveShardCount(parseStackConfig(raw, "prod"))).to.equal(undefined);
    });
});
