import { expect } from "chai";
import { recommendShards } from "../../functions/shared/capacity";
import { parseStackConfig } from "../../stack/config";
import { resolveShardCount } from "../../stack/stream";
import { rawStackConfig } from "../helpers/config";

const prodRaw = () => rawStackConfig("prod");

describe("stream sizing from stack config", () => {
    it("uses the configured shard count", () => {
        expect(resolveShardCount(parseStackConfig(prodRaw(), "prod"))).to.equal(128);
    });

    it("sizes `shards: auto` from the declared peak throughput with the capacity planner", () => {
        const raw = prodRaw();
        raw.stream = { shards: "auto", throughputMBps: 116, retentionHours: 48 };
        const n = resolveShardCount(parseStackConfig(raw, "prod"));
        expect(n).to.equal(recommendShards({ mbPerSecond: 116, peakFactor: 1, retentionHours: 48 }));
        // 116 MB/s compressed 3x and aggregated needs far fewer than the uncompressed byte bound (116 MB/s / 1 MiB/s per shard).
        expect(n).to.be.lessThan(Math.ceil((116e6) / (1024 * 1024)));
        expect(n).to.be.greaterThan(0);
    });

    it("leaves the count unset in on-demand mode", () => {
        const raw = prodRaw();
        raw.stream = { mode: "on-demand", retentionHours: 48 };
        expect(resolveShardCount(parseStackConfig(raw, "prod"))).to.equal(undefined);
    });
});
