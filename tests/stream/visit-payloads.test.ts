/**
 * The consumers' visitor decodes a plain payload of an aggregate straight from
 * the aggregate's bytes (functions/shared/codec/visit.ts): every payload kind
 * an aggregate can hold (plain JSON with multi-byte UTF-8, gzip, frames, bytes
 * that only start like a frame or like gzip) still yields exactly what
 * decodeRecord yields, in order, and the same error when decodeRecord throws.
 */
import { expect } from "chai";
import fc from "fast-check";
import { gzipSync } from "node:zlib";
import { encodeAggregatedRecord, encodeFrame, resolveFrameOptions } from "../../functions/shared/codec";
import { strict, visited } from "./visit-fixtures";

const text = fc.string({ unit: "grapheme", maxLength: 40 });
const event = fc.record({ eventId: text, note: text, n: fc.integer() }).map((o) => Buffer.from(JSON.stringify(o)));
/** One aggregated record's payload: plain JSON, gzip'd JSON, a frame, or bytes that start with a frame's or gzip's first bytes but are not one. */
const payload = fc.oneof(
    event,
    event.map((b) => gzipSync(b)),
    fc.array(event, { minLength: 1, maxLength: 4 }).map((lines) => encodeFrame("search", lines, resolveFrameOptions())),
    fc.uint8Array({ maxLength: 12 }).map((tail) => Buffer.concat([Buffer.of(0xfe), Buffer.from(tail)])),
    fc.uint8Array({ maxLength: 12 }).map((tail) => Buffer.concat([Buffer.of(0x1f, 0x8b), Buffer.from(tail)])),
    fc.uint8Array({ maxLength: 12 }).map((b) => Buffer.from(b)),
);

describe("codec: plain payloads of an aggregate are visited from its own bytes (issue 22)", () => {
    it("yields exactly decodeRecord's texts or error for any mix of payload kinds", () => {
        fc.assert(
            fc.property(fc.array(payload, { minLength: 1, maxLength: 8 }), (payloads) => {
                const agg = encodeAggregatedRecord({ partitionKeyTable: ["k"], explicitHashKeyTable: [], records: payloads.map((data) => ({ partitionKeyIndex: 0, data })) });
                expect(visited(agg)).to.deep.equal(strict(agg));
            }),
            { numRuns: 300 },
        );
    });

    it("visits multi-byte UTF-8 plain payloads whole, beside a frame and a gzip payload", () => {
        const plain = Buffer.from('{"city":"Zürich","sym":"€","cjk":"東京"}');
        const frame = encodeFrame("search", [Buffer.from('{"a":1}'), Buffer.from('{"b":"ü"}')], resolveFrameOptions());
        const agg = encodeAggregatedRecord({
            partitionKeyTable: ["k"],
            explicitHashKeyTable: [],
            records: [
                { partitionKeyIndex: 0, data: plain },
                { partitionKeyIndex: 0, data: frame },
                { partitionKeyIndex: 0, data: gzipSync(Buffer.from('{"z":"ß"}')) },
            ],
        });
        expect(visited(agg)).to.deep.equal([
            [0, 0, '{"city":"Zürich","sym":"€","cjk":"東京"}'],
            [1, 0, '{"a":1}'],
            [1, 1, '{"b":"ü"}'],
            [2, 0, '{"z":"ß"}'],
        ]);
    });

    it("fails when a payload that starts like a frame is not one, with decodeRecord's message", () => {
        const agg = encodeAggregatedRecord({
            partitionKeyTable: ["k"],
            explicitHashKeyTable: [],
            records: [
                { partitionKeyIndex: 0, data: Buffer.from('{"ok":1}') },
                { partitionKeyIndex: 0, data: Buffer.of(0xfe, 0x46, 0x09) },
            ],
        });
        const message = strict(agg);
        expect(message).to.be.a("string");
        expect(visited(agg)).to.equal(message);
    });
});
