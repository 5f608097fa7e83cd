import { expect } from "chai";
import fc from "fast-check";
import { gzipSync } from "node:zlib";
import { PartitionError, decodePartitionValue, encodePartitionValue, errorPrefix, eventTimeParts, objectName, parseDataKey, partitionKeysOf, prefixOf } from "../../functions/lake/partitioning";
import { processFirehoseEvent } from "../../functions/lake/processor";
import { handler } from "../../functions/lake/handler";
import { encodeAggregatedRecord } from "../../functions/shared/codec";
import { EVENTS } from "./fixtures";

describe("lake partitioning", () => {
    it("puts an event under type/dt/hour of its UTC event time, source staying a column", () => {
        expect(prefixOf(EVENTS[0])).to.equal("data/type=search/dt=2026-11-20/hour=08/");
        expect(prefixOf(EVENTS[1])).to.equal("data/type=search/dt=2026-11-20/hour=08/");
        expect(prefixOf(EVENTS[4])).to.equal("data/type=search/dt=2026-11-20/hour=22/");
        expect(prefixOf(EVENTS[13])).to.equal("data/type=cancellation/dt=2026-11-20/hour=12/");
    });

    it("escapes partition values reversibly", () => {
        expect(encodePartitionValue("web-EU_1.x")).to.equal("web-EU_1.x");
        expect(encodePartitionValue("a=b/ü")).to.equal("a%3Db%2F%C3%BC");
        fc.assert(
            fc.property(fc.string({ minLength: 1, maxLength: 40, unit: "grapheme" }), (s) => {
                const enc = encodePartitionValue(s);
                expect(enc).to.match(/^[A-Za-z0-9._%-]+$/);
                expect(decodePartitionValue(enc)).to.equal(s);
            }),
        );
    });

    it("keeps the UTC day and hour for any instant and offset", () => {
        fc.assert(
            fc.property(fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2099, 0, 1) }), fc.integer({ min: -12, max: 14 }), (ms, off) => {
                const t = new Date(ms - (ms % 1000));
                const local = new Date(t.getTime() + off * 3600_000).toISOString().slice(0, 19);
                const sign = off < 0 ? "-" : "+";
                const iso = `${local}${sign}${String(Math.abs(off)).padStart(2, "0")}:00`;
                expect(eventTimeParts(iso)).to.deep.equal({ dt: t.toISOString().slice(0, 10), hour: t.toISOString().slice(11, 13) });
            }),
        );
    });

    it("parses a data key back into its partition keys", () => {
        const key = `${prefixOf(EVENTS[6])}${objectName("lake", new Date(Date.UTC(2026, 10, 20, 8, 15, 3)), "abc")}`;
        expect(key).to.equal("data/type=offer/dt=2026-11-20/hour=08/lake-1-2026-11-20-08-15-03-abc.json.gz");
        expect(parseDataKey(key)).to.deep.equal(partitionKeysOf(EVENTS[6]));
        expect(parseDataKey("errors/x")).to.equal(undefined);
        expect(errorPrefix("processing-failed", new Date(Date.UTC(2026, 10, 20, 23)))).to.equal("errors/processing-failed/dt=2026-11-20/");
    });

    it("fails when occurredAt has no zone", () => {
        expect(() => partitionKeysOf({ ...EVENTS[0], occurredAt: "2026-11-20T08:10:00" })).to.throw(
            PartitionError,
            'occurredAt must be an ISO-8601 timestamp with seconds and an offset or Z, such as "2026-11-22T10:15:00Z"; received "2026-11-20T08:10:00"',
        );
    });

    it("fails when type or source is missing", () => {
        expect(() => partitionKeysOf({ ...EVENTS[0], type: undefined })).to.throw(PartitionError, 'type must be a lower-case event type such as "search"; received nothing');
        expect(() => partitionKeysOf({ ...EVENTS[0], source: "" })).to.throw(PartitionError, 'source must be a string of 1 to 128 characters; received ""');
        expect(() => partitionKeysOf([1])).to.throw(PartitionError, "event must be a JSON object; received an array");
    });

    it("fails when the stream name is not usable in an object name", () => {
        expect(() => objectName("a b", new Date(0), "x")).to.throw(PartitionError, 'streamName must be 1 to 64 characters of [a-zA-Z0-9_.-]; received "a b"');
    });
});

describe("lake Firehose processor", () => {
    const b64 = (b: Uint8Array) => Buffer.from(b).toString("base64");
    const json = (e: unknown) => Buffer.from(JSON.stringify(e), "utf8");

    it("decodes plain, gzip and aggregated records into JSON lines with partition keys", async () => {
        const agg = encodeAggregatedRecord({
            partitionKeyTable: ["o2", "o1"],
            explicitHashKeyTable: [],
            records: [
                { partitionKeyIndex: 1, data: gzipSync(json(EVENTS[6])) },
                { partitionKeyIndex: 0, data: json(EVENTS[7]) },
            ],
        });
        const out = await handler({
            records: [
                { recordId: "r1", data: b64(json(EVENTS[0])) },
                { recordId: "r2", data: b64(gzipSync(json(EVENTS[11]))) },
                { recordId: "r3", data: b64(agg) },
            ],
        });
        expect(out.records.map((r) => [r.recordId, r.result, r.metadata?.partitionKeys])).to.deep.equal([
            ["r1", "Ok", { type: "search", dt: "2026-11-20", hour: "08" }],
            ["r2", "Ok", { type: "booking", dt: "2026-11-20", hour: "10" }],
            ["r3", "Ok", { type: "offer", dt: "2026-11-20", hour: "08" }],
        ]);
        expect(Buffer.from(out.records[2].data, "base64").toString("utf8")).to.equal(`${JSON.stringify(EVENTS[6])}\n${JSON.stringify(EVENTS[7])}\n`);
    });

    it("fails a record (ProcessingFailed, original data kept) when it is not a valid event", () => {
        const bad = b64(json({ ...EVENTS[0], passengers: 0 }));
        const r = processFirehoseEvent({
            records: [
                { recordId: "r1", data: bad },
                { recordId: "r2", data: b64(Buffer.from("not json")) },
            ],
        });
        expect(r.records.map((x) => [x.result, x.data])).to.deep.equal([
            ["ProcessingFailed", bad],
            ["ProcessingFailed", b64(Buffer.from("not json"))],
        ]);
        expect(r.errors[0]).to.equal("record r1: invalid event: passengers must be an integer from 1 to 9; received 0");
        expect(r.errors[1]).to.match(/^record r2: payload is not JSON \(/);
    });

    it("fails an aggregate whose events fall into different partitions", () => {
        const agg = encodeAggregatedRecord({
            partitionKeyTable: ["a"],
            explicitHashKeyTable: [],
            records: [
                { partitionKeyIndex: 0, data: json(EVENTS[0]) },
                { partitionKeyIndex: 0, data: json(EVENTS[11]) },
            ],
        });
        const r = processFirehoseEvent({ records: [{ recordId: "r1", data: b64(agg) }] });
        expect(r.records[0].result).to.equal("ProcessingFailed");
        expect(r.errors).to.deep.equal(["record r1: user record 1: events of one record fall into different partitions (data/type=search/dt=2026-11-20/hour=08/ and data/type=booking/dt=2026-11-20/hour=10/)"]);
    });

    it("fails when the event has no records array", () => {
        expect(() => processFirehoseEvent({} as any)).to.throw(TypeError, "Firehose event must have a `records` array; received object");
    });
});
