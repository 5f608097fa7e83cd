import { expect } from "chai";
import fc from "fast-check";
import { encodeAggregatedRecord, encodeFrame, resolveFrameOptions } from "../../functions/shared/codec";
import { strict, visited } from "../stream/visit-fixtures";

const json = (o: unknown) => Buffer.from(JSON.stringify(o));
const frame = encodeFrame("search", [json({ a: 1 }), json({ b: "ü€" }), json({ c: 3 })], resolveFrameOptions());
const aggregate = encodeAggregatedRecord({
    partitionKeyTable: ["k1", "k2"],
    explicitHashKeyTable: ["123"],
    records: [
        { partitionKeyIndex: 0, data: json({ one: 1 }) },
        { partitionKeyIndex: 1, explicitHashKeyIndex: 0, data: frame },
        { partitionKeyIndex: 0, data: json({ three: 3 }) },
    ],
});

describe("codec: visitRecordTexts yields exactly what decodeRecord yields (issue 22)", () => {
    it("visits single payloads, every event of a frame and every record of an aggregate, in order", () => {
        expect(visited(aggregate)).to.deep.equal(strict(aggregate));
        expect(visited(aggregate)).to.deep.equal([
            [0, 0, '{"one":1}'],
            [1, 0, '{"a":1}'],
            [1, 1, '{"b":"ü€"}'],
            [1, 2, '{"c":3}'],
            [2, 0, '{"three":3}'],
        ]);
        expect(visited(json({ plain: true }))).to.deep.equal([[0, 0, '{"plain":true}']]);
    });

    it("fails when the aggregate is corrupted, with decodeRecord's message, whatever byte is changed or cut", () => {
        fc.assert(
            fc.property(fc.nat({ max: aggregate.length - 1 }), fc.integer({ min: 1, max: 255 }), fc.boolean(), (at, xor, cut) => {
                const bad = Buffer.from(aggregate);
                if (cut) {
                    const short = bad.subarray(0, at);
                    expect(visited(short)).to.deep.equal(strict(short));
                } else {
                    bad[at] ^= xor;
                    expect(visited(bad)).to.deep.equal(strict(bad));
                }
            }),
            { numRuns: 1500 },
        );
    });

    it("fails when an index is outside its table or a record has no data, even with a matching checksum", () => {
        for (const records of [[{ partitionKeyIndex: 2, data: json({}) }], [{ partitionKeyIndex: 0, explicitHashKeyIndex: 1, data: json({}) }]]) {
            const agg = encodeAggregatedRecord({ partitionKeyTable: ["k1", "k2"], explicitHashKeyTable: ["1"], records });
            const r = visited(agg);
            expect(r).to.be.a("string");
            expect(r).to.equal(strict(agg));
        }
    });
});
