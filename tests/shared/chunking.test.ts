import { expect } from "chai";
import * as fc from "fast-check";
import { chunkByCountAndBytes } from "../../functions/shared/chunking";
import { chunkBySize } from "../../functions/processor/chunks";
import { planPutRecordsBatches, putRecordsEntrySize } from "../../functions/shared/codec/batches";

describe("shared: count/bytes chunking (processor Data API chunks and producer PutRecords calls)", () => {
    it("keeps every item once, in order, inside both limits, closing a chunk only when the next item would break one", () => {
        fc.assert(
            fc.property(fc.array(fc.integer({ min: 0, max: 50 }), { maxLength: 200 }), fc.integer({ min: 1, max: 20 }), fc.integer({ min: 50, max: 300 }), (sizes, maxItems, maxBytes) => {
                const chunks = chunkByCountAndBytes(
                    sizes.map((s, i) => ({ s, i })),
                    (x) => x.s,
                    { maxItems, maxBytes },
                );
                expect(chunks.flat().map((x) => x.i)).to.deep.equal(sizes.map((_, i) => i));
                chunks.forEach((c, k) => {
                    const bytes = c.reduce((n, x) => n + x.s, 0);
                    expect(c.length).to.be.within(1, maxItems);
                    expect(bytes).to.be.at.most(maxBytes);
                    const next = chunks[k + 1]?.[0];
                    if (next) expect(c.length === maxItems || bytes + next.s > maxBytes, `chunk ${k} closed early`).to.equal(true);
                });
            }),
            { numRuns: 200 },
        );
    });

    it("fails when one item is larger than the byte limit, naming it", () => {
        expect(() => chunkByCountAndBytes([1, 11, 1], (x) => x, { maxItems: 5, maxBytes: 10 })).to.throw(RangeError, "item 1 is 11 bytes, more than the 10-byte chunk limit");
        expect(() =>
            chunkByCountAndBytes(
                [1],
                (x) => x,
                { maxItems: 5, maxBytes: 10 },
                (i) => new Error(`custom ${i}`),
            ),
        ).to.not.throw();
        expect(() =>
            chunkByCountAndBytes(
                [20],
                (x) => x,
                { maxItems: 5, maxBytes: 10 },
                (i, size) => new Error(`custom ${i} ${size}`),
            ),
        ).to.throw("custom 0 20");
    });

    it("fails when the limits are not positive, naming the limit", () => {
        expect(() => chunkByCountAndBytes([1], (x) => x, { maxItems: 0, maxBytes: 10 })).to.throw(RangeError, "`maxItems` must be an integer of at least 1 (received 0)");
        expect(() => chunkByCountAndBytes([1], (x) => x, { maxItems: 1, maxBytes: 0 })).to.throw(RangeError, "`maxBytes` must be a number greater than 0 (received 0)");
    });

    it("the processor's chunkBySize and the producer's planPutRecordsBatches are this splitter", () => {
        const rows = Array.from({ length: 25 }, (_, i) => ({ id: i, pad: "x".repeat(i * 7) }));
        const size = (r: { pad: string }) => r.pad.length + 20;
        expect(chunkBySize(rows, size, { maxItems: 4, maxBytes: 300 })).to.deep.equal(chunkByCountAndBytes(rows, size, { maxItems: 4, maxBytes: 300 }));
        const entries = Array.from({ length: 30 }, (_, i) => ({ Data: Buffer.alloc(100_000 + i * 1000), PartitionKey: `k${i}` }));
        const limits = { maxEntries: 7, maxBytes: 1024 * 1024 };
        expect(planPutRecordsBatches(entries, limits)).to.deep.equal(chunkByCountAndBytes(entries, (e) => putRecordsEntrySize(e), { maxItems: 7, maxBytes: 1024 * 1024 }));
    });
});
