/**
 * local/esm.ts as parts: the pure batcher (`splitBatches`) and the mapping-settings bridge
 * (`esmOptionsFromMapping`); the mapping's semantics against kinesis-local are in tests/e2e/esm.test.ts.
 */
import { expect } from "chai";
import { esmOptionsFromMapping, resolveEsmOptions, splitBatches } from "../../local/esm";
import { STREAM_MAPPING_DEFAULTS, streamMappingSettings } from "@flightstream/components/stream/mapping";

const record = (i: number, bytes: number) => ({ SequenceNumber: String(i), PartitionKey: "k", Data: new Uint8Array(bytes) });

describe("local event source mapping parts (local/esm.ts)", () => {
    it("splits a lane into batches of at most batchSize records, in order", () => {
        const batches = splitBatches(
            [1, 2, 3, 4, 5].map((i) => record(i, 10)),
            2,
        );
        expect(batches.map((b) => b.map((r) => r.SequenceNumber))).to.deep.equal([["1", "2"], ["3", "4"], ["5"]]);
    });

    it("splits before a batch's invocation payload would exceed 6 MB", () => {
        // 2 MB of data is 2.67 MB of base64 plus the envelope: two fit in 6 MiB, the third starts a new batch.
        const batches = splitBatches(
            [1, 2, 3, 4].map((i) => record(i, 2_000_000)),
            100,
        );
        expect(batches.map((b) => b.length)).to.deep.equal([2, 2]);
        // 1.5 MB of data is 2 MB in the payload: three fit.
        expect(
            splitBatches(
                [1, 2, 3, 4].map((i) => record(i, 1_500_000)),
                100,
            ).map((b) => b.length),
        ).to.deep.equal([3, 1]);
        const small = splitBatches(
            [1, 2, 3].map((i) => record(i, 1_000_000)),
            100,
        );
        expect(small.map((b) => b.length)).to.deep.equal([3]);
    });

    it("puts a record larger than the payload limit in a batch of its own", () => {
        expect(splitBatches([record(1, 10), record(2, 7_000_000), record(3, 10)], 100).map((b) => b.length)).to.deep.equal([1, 1, 1]);
    });

    it("resolves the deployed defaults into the local mapping's settings", () => {
        const options = esmOptionsFromMapping(streamMappingSettings());
        expect(options).to.deep.equal({
            batchSize: STREAM_MAPPING_DEFAULTS.batchSize,
            maximumBatchingWindowInSeconds: 1,
            parallelizationFactor: 1,
            bisectBatchOnFunctionError: true,
            reportBatchItemFailures: true,
            maximumRetryAttempts: 10,
            maximumRecordAgeInSeconds: 86400,
            startingPosition: "TRIM_HORIZON",
        });
        const r = resolveEsmOptions(options);
        expect({ batchSize: r.batchSize, windowMs: r.windowMs, bisect: r.bisect, reportFailures: r.reportFailures, maxRetries: r.maxRetries, maxAgeMs: r.maxAgeMs }).to.deep.equal({
            batchSize: 500,
            windowMs: 1000,
            bisect: true,
            reportFailures: true,
            maxRetries: 10,
            maxAgeMs: 86_400_000,
        });
    });

    it("fails when a deployed setting is out of the local mapping's range, naming it", () => {
        expect(() => resolveEsmOptions(esmOptionsFromMapping(streamMappingSettings({ batchSize: 20000 })))).to.throw("`batchSize` must be an integer from 1 to 10000; received 20000.");
    });
});
