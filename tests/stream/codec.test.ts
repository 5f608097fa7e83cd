import { expect } from "chai";
import fc from "fast-check";
import { createHash } from "node:crypto";
import { gzipSync } from "node:zlib";
// aws-kinesis-agg ships types that import aws-sdk v2; use it untyped.
const kinesisAgg = require("aws-kinesis-agg");
import {
    AggregatedEntry,
    AggregatedRecordError,
    MAX_HASH_KEY,
    RecordAggregator,
    ShardMap,
    ShardRange,
    UserRecord,
    aggregate,
    decodeAggregatedRecord,
    decodeKinesisEventRecord,
    decodeRecord,
    decompressPayload,
    encodeAggregatedRecord,
    evenShardRanges,
    hashKeyForPartitionKey,
    planPutRecordsBatches,
} from "../../functions/shared/codec";

const utf8 = (s: string) => Buffer.from(s, "utf8");
const bytesEqual = (a: Uint8Array, b: Uint8Array) => Buffer.compare(Buffer.from(a), Buffer.from(b)) === 0;

/** Arbitrary open-shard maps: 1..12 shards covering 0..2^128-1 with random split points. */
const shardMapArb: fc.Arbitrary<ShardRange[]> = fc.uniqueArray(fc.bigInt({ min: 1n, max: MAX_HASH_KEY }), { maxLength: 11 }).map((splits) => {
    const starts = [0n, ...splits.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))];
    return starts.map((start, i) => ({
        shardId: `shardId-${String(i).padStart(12, "0")}`,
        startingHashKey: start.toString(),
        endingHashKey: (i + 1 < starts.length ? starts[i + 1] - 1n : MAX_HASH_KEY).toString(),
    }));
});

const userRecordArb: fc.Arbitrary<UserRecord> = fc.record(
    {
        partitionKey: fc.oneof(fc.string({ unit: "binary", minLength: 1, maxLength: 24 }), fc.constantFrom("LHR-JFK", "CDG-SIN", "FRA-NRT")),
        data: fc.oneof(
            fc.uint8Array({ maxLength: 600 }),
            fc.json().map((j) => utf8(j)),
            fc.constant(gzipSync(utf8("already gzipped"))),
        ),
        explicitHashKey: fc.bigInt({ min: 0n, max: MAX_HASH_KEY }).map((n) => n.toString()),
    },
    { requiredKeys: ["partitionKey", "data"] },
);

const optionsArb = fc.record({
    compression: fc.constantFrom("none" as const, "gzip" as const),
    maxRecordBytes: fc.oneof(fc.integer({ min: 64, max: 4096 }), fc.constant(1024 * 1024)),
    maxUserRecordsPerAggregate: fc.option(fc.integer({ min: 1, max: 20 }), { nil: undefined }),
    aggregation: fc.boolean(),
});

function shardOf(shards: ShardRange[], key: bigint): ShardRange {
    const s = shards.find((x) => BigInt(x.startingHashKey) <= key && key <= BigInt(x.endingHashKey));
    if (s === undefined) throw new Error(`test: no shard for ${key}`);
    return s;
}

function userHashKey(r: UserRecord): bigint {
    return r.explicitHashKey !== undefined ? BigInt(r.explicitHashKey) : hashKeyForPartitionKey(r.partitionKey);
}

describe("stream codec: hash keys and shard maps", () => {
    it("hashes a partition key with MD5 read as a big-endian 128-bit integer", () => {
        expect(hashKeyForPartitionKey("")).to.equal(0xd41d8cd98f00b204e9800998ecf8427en);
        expect(hashKeyForPartitionKey("a")).to.equal(0x0cc175b9c0f1b6a831c399e269772661n);
        expect(hashKeyForPartitionKey("é")).to.equal(
            BigInt(
                "0x" +
                    createHash("md5")
                        .update(Buffer.from([0xc3, 0xa9]))
                        .digest("hex"),
            ),
        );
    });

    it("splits the hash-key space evenly like CreateStream", () => {
        expect(evenShardRanges(2)).to.deep.equal([
            { shardId: "shardId-000000000000", startingHashKey: "0", endingHashKey: "170141183460469231731687303715884105727" },
            {
                shardId: "shardId-000000000001",
                startingHashKey: "170141183460469231731687303715884105728",
                endingHashKey: "340282366920938463463374607431768211455",
            },
        ]);
        expect(evenShardRanges(128)).to.have.length(128);
        expect(() => evenShardRanges(0)).to.throw("`count` must be an integer between 1 and 100000 (received 0)");
    });

    it("finds the shard owning a hash key", () => {
        const map = new ShardMap(evenShardRanges(4));
        expect(map.shardFor(0n).shardId).to.equal("shardId-000000000000");
        expect(map.shardFor(MAX_HASH_KEY).shardId).to.equal("shardId-000000000003");
        expect(map.shardFor(1n << 127n).shardId).to.equal("shardId-000000000002");
        expect(map.shardFor((1n << 127n) - 1n).shardId).to.equal("shardId-000000000001");
    });

    it("fails when the shard list is empty", () => {
        expect(() => new ShardMap([])).to.throw("shards must list at least one open shard with its hash-key range, got none");
    });

    it("fails when shards overlap (a closed parent passed with its children)", () => {
        const parent = { shardId: "shardId-000000000000", startingHashKey: "0", endingHashKey: MAX_HASH_KEY.toString() };
        expect(() => new ShardMap([parent, ...evenShardRanges(2).map((s, i) => ({ ...s, shardId: `child-${i}` }))])).to.throw("shards shardId-000000000000 and child-0 overlap: pass only open shards (closed parents overlap their children)");
    });

    it("fails when a hash key is not a 128-bit decimal", () => {
        expect(() => new ShardMap([{ shardId: "s", startingHashKey: "-1", endingHashKey: "5" }])).to.throw('shards[0].startingHashKey must be a decimal integer between 0 and 2^128 - 1, got "-1"');
        expect(() => new ShardMap([{ shardId: "s", startingHashKey: "0", endingHashKey: (MAX_HASH_KEY + 1n).toString() }])).to.throw(
            'shards[0].endingHashKey must be a decimal integer between 0 and 2^128 - 1, got "340282366920938463463374607431768211456"',
        );
        expect(() => new ShardMap([{ shardId: "s", startingHashKey: "9", endingHashKey: "5" }])).to.throw("shards[0] (s) has startingHashKey 9 greater than endingHashKey 5");
    });

    it("fails when no shard covers a user record's hash key", () => {
        const half = [evenShardRanges(2)[0]];
        expect(() => aggregate([{ partitionKey: "x", data: utf8("{}"), explicitHashKey: MAX_HASH_KEY.toString() }], half)).to.throw(
            "no shard in the shard map covers hash key 340282366920938463463374607431768211455: the shard list has gaps (refresh it with ListShards)",
        );
    });
});

describe("stream codec: aggregation round trips (fast-check)", () => {
    it("decodes every entry back to the same user records, in order per shard, each on its own shard", () => {
        fc.assert(
            fc.property(fc.array(userRecordArb, { maxLength: 60 }), shardMapArb, optionsArb, (records, shards, opts) => {
                let result: { entries: AggregatedEntry[] };
                try {
                    result = aggregate(records, shards, opts);
                } catch (e) {
                    // only legitimate failure: a record that cannot fit even as a plain record
                    const msg = (e as Error).message;
                    expect(msg).to.match(/more than the \d+-byte Kinesis record limit$/);
                    return;
                }
                const { entries } = result;
                const seen: number[] = [];
                const perShard = new Map<string, number[]>();
                for (const e of entries) {
                    const shard = shards.find((s) => s.shardId === e.shardId)!;
                    // size accounting is exact and within the limit
                    expect(e.sizeBytes).to.equal(e.entry.Data.length + utf8(e.entry.PartitionKey).length);
                    expect(e.sizeBytes).to.be.at.most(opts.maxRecordBytes);
                    if (opts.maxUserRecordsPerAggregate !== undefined) expect(e.userRecordIndexes.length).to.be.at.most(opts.maxUserRecordsPerAggregate);
                    // Kinesis would route the entry itself to the shard the codec chose
                    const routed = e.entry.ExplicitHashKey !== undefined ? BigInt(e.entry.ExplicitHashKey) : hashKeyForPartitionKey(e.entry.PartitionKey);
                    expect(shardOf(shards, routed).shardId).to.equal(e.shardId);
                    const decoded = decodeRecord(e.entry.Data, { partitionKey: e.entry.PartitionKey, explicitHashKey: e.entry.ExplicitHashKey });
                    expect(decoded.length).to.equal(e.userRecordIndexes.length);
                    decoded.forEach((d, j) => {
                        const original = records[e.userRecordIndexes[j]];
                        expect(d.partitionKey).to.equal(original.partitionKey);
                        if (e.aggregated || original.explicitHashKey !== undefined) expect(d.explicitHashKey).to.equal(original.explicitHashKey);
                        // with compression "none" a payload that already starts with the gzip marker is gunzipped by decode (documented)
                        const expected = opts.compression === "none" ? decompressPayload(original.data) : original.data;
                        expect(bytesEqual(d.data, expected), `payload of user record ${e.userRecordIndexes[j]}`).to.equal(true);
                        expect(d.aggregated).to.equal(e.aggregated);
                        // every user record hashes inside its entry's shard
                        const key = userHashKey(original);
                        expect(key >= BigInt(shard.startingHashKey) && key <= BigInt(shard.endingHashKey)).to.equal(true);
                    });
                    if (!opts.aggregation) expect(e.aggregated).to.equal(false);
                    seen.push(...e.userRecordIndexes);
                    perShard.set(e.shardId, [...(perShard.get(e.shardId) ?? []), ...e.userRecordIndexes]);
                }
                // every user record exactly once; within a shard in input order
                expect([...seen].sort((a, b) => a - b)).to.deep.equal(records.map((_, i) => i));
                for (const indexes of perShard.values()) expect(indexes).to.deep.equal([...indexes].sort((a, b) => a - b));
            }),
            { numRuns: 150 },
        );
    });

    it("streams through RecordAggregator with caller references", () => {
        const agg = new RecordAggregator(evenShardRanges(2), { maxUserRecordsPerAggregate: 2 });
        const full = [agg.add({ partitionKey: "a", data: utf8("1") }, 100), agg.add({ partitionKey: "a", data: utf8("2") }, 101)].flat();
        expect(full.map((e) => e.userRecordIndexes)).to.deep.equal([[100, 101]]);
        expect(agg.add({ partitionKey: "a", data: utf8("3") }, 102)).to.deep.equal([]);
        expect(agg.pendingUserRecords).to.equal(1);
        expect(agg.flush().map((e) => e.userRecordIndexes)).to.deep.equal([[102]]);
        expect(agg.stats).to.deep.equal({ userRecords: 3, userBytes: 3, payloadBytes: 3, kinesisRecords: 2, kinesisBytes: full[0].sizeBytes + 31 });
    });

    it("builds an aggregate byte for byte as the KPL format specifies", () => {
        const { entries } = aggregate([{ partitionKey: "k", data: utf8("hi") }], evenShardRanges(1));
        const body = Buffer.from([0x0a, 0x01, 0x6b, 0x1a, 0x06, 0x08, 0x00, 0x1a, 0x02, 0x68, 0x69]);
        const expected = Buffer.concat([Buffer.from("f3899ac2", "hex"), body, createHash("md5").update(body).digest()]);
        expect(Buffer.from(entries[0].entry.Data).toString("hex")).to.equal(expected.toString("hex"));
        expect(entries[0].entry.PartitionKey).to.equal("k");
        expect(entries[0].entry.ExplicitHashKey).to.equal(hashKeyForPartitionKey("k").toString());
        expect(entries[0].sizeBytes).to.equal(4 + 11 + 16 + 1);
    });
});

describe("stream codec: interop with aws-kinesis-agg", () => {
    function theirDeaggregate(data: Uint8Array, partitionKey: string): { partitionKey: string; explicitPartitionKey?: string; data: string }[] {
        let out: { partitionKey: string; explicitPartitionKey?: string; data: string }[] = [];
        kinesisAgg.deaggregateSync({ data: Buffer.from(data).toString("base64"), partitionKey, sequenceNumber: "49590338271490256608559692538361571095921575989136588898" }, true, (err: Error | undefined, records: typeof out) => {
            if (err) throw err;
            out = records;
        });
        return out;
    }

    it("aws-kinesis-agg deaggregates our aggregates (compressed payloads come back gzipped)", () => {
        fc.assert(
            fc.property(fc.array(userRecordArb, { minLength: 1, maxLength: 40 }), shardMapArb, fc.boolean(), (records, shards, gzip) => {
                const { entries } = aggregate(records, shards, { compression: gzip ? "gzip" : "none" });
                for (const e of entries) {
                    const theirs = theirDeaggregate(e.entry.Data, e.entry.PartitionKey);
                    expect(theirs.map((r) => r.partitionKey)).to.deep.equal(e.userRecordIndexes.map((i) => records[i].partitionKey));
                    // (protobufjs reads an absent explicit_hash_key_index as 0, so only records that carry one are compared)
                    theirs.forEach((r, j) => {
                        const ehk = records[e.userRecordIndexes[j]].explicitHashKey;
                        if (ehk !== undefined) expect(r.explicitPartitionKey).to.equal(ehk);
                    });
                    theirs.forEach((r, j) => {
                        const ours = decodeRecord(Buffer.from(r.data, "base64"), { partitionKey: r.partitionKey })[0];
                        const original = records[e.userRecordIndexes[j]].data;
                        expect(bytesEqual(ours.data, gzip ? original : decompressPayload(original))).to.equal(true);
                        if (!gzip) expect(r.data).to.equal(Buffer.from(original).toString("base64"));
                    });
                }
            }),
            { numRuns: 100 },
        );
    });

    it("we decode aggregates built by aws-kinesis-agg", () => {
        // Partition keys avoid integer-like strings: aws-kinesis-agg builds its key table with
        // Object.keys, which moves keys such as "7" first and breaks its own indexes.
        const pkArb = fc.string({ unit: "grapheme-ascii", minLength: 1, maxLength: 20 }).map((s) => `k-${s}`);
        fc.assert(
            fc.property(fc.array(fc.record({ partitionKey: pkArb, data: fc.uint8Array({ minLength: 1, maxLength: 300 }) }), { minLength: 1, maxLength: 50 }), (records) => {
                const theirs = new kinesisAgg.RecordAggregator();
                for (const r of records) theirs.addUserRecord({ partitionKey: r.partitionKey, data: Buffer.from(r.data) });
                const encoded: { partitionKey: string; data: Buffer } = theirs.build();
                const decoded = decodeRecord(encoded.data, { partitionKey: encoded.partitionKey });
                expect(decoded.map((d) => d.partitionKey)).to.deep.equal(records.map((r) => r.partitionKey));
                decoded.forEach((d, i) => expect(bytesEqual(d.data, records[i].data)).to.equal(true));
                expect(decoded.every((d) => d.aggregated)).to.equal(true);
            }),
            { numRuns: 100 },
        );
    });
});

describe("stream codec: limits", () => {
    const one = evenShardRanges(1);

    it("keeps every aggregate within 1 MiB including the partition key", () => {
        const records = Array.from({ length: 5 }, (_, i) => ({ partitionKey: `pk-${i}`, data: Buffer.alloc(400_000, i) }));
        const { entries } = aggregate(records, one);
        expect(entries.map((e) => e.userRecordIndexes)).to.deep.equal([[0, 1], [2, 3], [4]]);
        // 2 x (1 + 3 + 400,000-byte data field inside a 3-byte-length record field) + 2 pk entries + magic/MD5 + outer pk
        const twoRecords = 4 + 2 * (1 + 1 + 4) + 2 * (1 + 3 + (1 + 1 + 1 + 3 + 400_000)) + 16 + 4;
        expect(entries[0].sizeBytes).to.equal(twoRecords);
        expect(entries.every((e) => e.sizeBytes <= 1024 * 1024)).to.equal(true);
    });

    it("sends a user record too large to wrap as a plain record", () => {
        const data = Buffer.alloc(1024 * 1024 - 10, 7);
        const { entries } = aggregate([{ partitionKey: "0123456789", data }], one);
        expect(entries).to.have.length(1);
        expect(entries[0].aggregated).to.equal(false);
        expect(entries[0].sizeBytes).to.equal(1024 * 1024);
        expect(entries[0].entry.PartitionKey).to.equal("0123456789");
        expect(entries[0].entry.ExplicitHashKey).to.equal(undefined);
    });

    it("fails when a user record exceeds 1 MiB with its partition key", () => {
        const data = Buffer.alloc(1024 * 1024 - 9, 7);
        expect(() =>
            aggregate(
                [
                    { partitionKey: "ok", data: utf8("{}") },
                    { partitionKey: "0123456789", data },
                ],
                one,
            ),
        ).to.throw('user record 1 (partitionKey "0123456789") is 1048577 bytes with its partition key, more than the 1048576-byte Kinesis record limit');
    });

    it("plans PutRecords batches of at most 500 entries", () => {
        const entries = Array.from({ length: 1201 }, (_, i) => ({ PartitionKey: `p${i}`, Data: utf8("x") }));
        const batches = planPutRecordsBatches(entries);
        expect(batches.map((b) => b.length)).to.deep.equal([500, 500, 201]);
        expect(batches.flat()).to.deep.equal(entries);
    });

    it("plans PutRecords batches of at most 5 MiB", () => {
        const big = { PartitionKey: "p", Data: Buffer.alloc(1024 * 1024 - 1) }; // exactly 1 MiB with its key
        const batches = planPutRecordsBatches([big, big, big, big, big, big, { PartitionKey: "q", Data: utf8("x") }]);
        expect(batches.map((b) => b.length)).to.deep.equal([5, 2]);
    });

    it("keeps user-record indexes with AggregatedEntry batches", () => {
        const records = Array.from({ length: 3000 }, (_, i) => ({ partitionKey: `pk-${i}`, data: utf8(`{"i":${i}}`) }));
        const { entries } = aggregate(records, evenShardRanges(8), { aggregation: false });
        const batches = planPutRecordsBatches(entries);
        expect(batches.map((b) => b.length)).to.deep.equal([500, 500, 500, 500, 500, 500]);
        expect(batches.flat().flatMap((e) => e.userRecordIndexes)).to.deep.equal(records.map((_, i) => i));
    });

    it("fails when an entry exceeds the 1 MiB record limit", () => {
        expect(() => planPutRecordsBatches([{ PartitionKey: "pk", Data: Buffer.alloc(1024 * 1024 - 1) }])).to.throw("entries[0] is 1048577 bytes (Data + PartitionKey), more than the 1048576-byte Kinesis record limit");
    });

    it("fails when batch limits are outside the PutRecords limits", () => {
        expect(() => planPutRecordsBatches([], { maxEntries: 501 })).to.throw("`maxEntries` must be an integer between 1 and 500 (received 501)");
        expect(() => planPutRecordsBatches([], { maxBytes: 6 * 1024 * 1024 })).to.throw("`maxBytes` must be an integer between 1048576 and 5242880 (received 6291456)");
    });
});

describe("stream codec: compression", () => {
    const one = evenShardRanges(1);
    const json = utf8(JSON.stringify({ kind: "air-shopping", offers: Array.from({ length: 50 }, (_, i) => ({ i, fare: "EUR 123.45" })) }));

    it("gzips payloads inside the aggregate and decodes them back", () => {
        const { entries, stats } = aggregate([{ partitionKey: "a", data: json }], one, { compression: "gzip" });
        const inner = decodeAggregatedRecord(entries[0].entry.Data)[0].data;
        expect(Buffer.from(inner.subarray(0, 3)).toString("hex")).to.equal("1f8b08");
        expect(stats.payloadBytes).to.equal(inner.length);
        expect(stats.payloadBytes).to.be.below(json.length / 3);
        expect(bytesEqual(decodeRecord(entries[0].entry.Data)[0].data, json)).to.equal(true);
        expect(bytesEqual(decodeRecord(entries[0].entry.Data, {}, { decompress: false })[0].data, inner)).to.equal(true);
    });

    it("leaves payloads below compressMinBytes as they are", () => {
        const { stats } = aggregate([{ partitionKey: "a", data: utf8('{"a":1}') }], one, { compression: "gzip" });
        expect(stats.payloadBytes).to.equal(7);
    });

    it("gzips plain records too", () => {
        const { entries } = aggregate([{ partitionKey: "a", data: json }], one, { compression: "gzip", aggregation: false });
        expect(Buffer.from(entries[0].entry.Data.subarray(0, 3)).toString("hex")).to.equal("1f8b08");
        const [decoded] = decodeRecord(entries[0].entry.Data, { partitionKey: "a" });
        expect(bytesEqual(decoded.data, json)).to.equal(true);
        expect(decoded).to.include({ partitionKey: "a", aggregated: false, subSequenceNumber: 0 });
    });

    it("fails when a payload carries the gzip marker but is not gzip", () => {
        expect(() => decodeRecord(Buffer.from("1f8b0800", "hex"))).to.throw(/^record payload starts with the gzip marker 1f8b08 but does not gunzip: /);
    });

    it("fails when compression options are invalid", () => {
        expect(() => new RecordAggregator(one, { compression: "zstd" as never })).to.throw('compression must be "none" or "gzip", got "zstd"');
        expect(() => new RecordAggregator(one, { compressionLevel: 0 })).to.throw("`compressionLevel` must be an integer between 1 and 9 (received 0)");
        expect(() => new RecordAggregator(one, { maxRecordBytes: 2 * 1024 * 1024 })).to.throw("`maxRecordBytes` must be an integer between 64 and 1048576 (received 2097152)");
        expect(() => new RecordAggregator(one, { maxUserRecordsPerAggregate: 0 })).to.throw("`maxUserRecordsPerAggregate` must be an integer of at least 1 (received 0)");
    });

    it("fails when a user record is malformed", () => {
        expect(() => aggregate([{ partitionKey: "", data: utf8("x") }], one)).to.throw("user record 0: partitionKey must be 1 to 256 characters, got 0");
        expect(() => aggregate([{ partitionKey: "x".repeat(257), data: utf8("x") }], one)).to.throw("user record 0: partitionKey must be 1 to 256 characters, got 257");
        expect(() => aggregate([{ partitionKey: "x", data: "text" as never }], one)).to.throw("user record 0: data must be a Uint8Array, got string");
        expect(() => aggregate([{ partitionKey: "x", data: utf8("x"), explicitHashKey: "0x10" }], one)).to.throw('user record 0: explicitHashKey must be a decimal integer between 0 and 2^128 - 1, got "0x10"');
    });
});

describe("stream codec: malformed aggregated records", () => {
    const good = Buffer.from(
        aggregate(
            [
                { partitionKey: "LHR-JFK", data: utf8('{"n":1}') },
                { partitionKey: "CDG-SIN", data: utf8('{"n":2}') },
            ],
            evenShardRanges(1),
        ).entries[0].entry.Data,
    );
    const withBody = (body: Buffer) => Buffer.concat([Buffer.from("f3899ac2", "hex"), body, createHash("md5").update(body).digest()]);
    const reasonOf = (f: () => unknown) => {
        try {
            f();
        } catch (e) {
            return (e as AggregatedRecordError).reason;
        }
        return "no error";
    };

    it("treats data without the magic number as a plain record", () => {
        expect(decodeRecord(utf8('{"a":1}'), { partitionKey: "pk" })).to.deep.equal([{ partitionKey: "pk", data: utf8('{"a":1}'), subSequenceNumber: 0, aggregated: false }]);
    });

    it("fails when the magic number is wrong", () => {
        expect(() => decodeAggregatedRecord(utf8('{"a":1}'))).to.throw("aggregated record: bad magic number: expected f3899ac2, got 7b226122");
        expect(() => decodeAggregatedRecord(new Uint8Array(0))).to.throw("aggregated record: bad magic number: expected f3899ac2, got (empty)");
        expect(reasonOf(() => decodeAggregatedRecord(utf8("xxxx")))).to.equal("bad-magic");
    });

    it("fails when the checksum does not match", () => {
        const bad = Buffer.from(good);
        bad[bad.length - 1] ^= 0xff;
        const body = good.subarray(4, good.length - 16);
        expect(() => decodeRecord(bad)).to.throw(
            `aggregated record checksum mismatch: MD5 trailer is ${bad.subarray(bad.length - 16).toString("hex")} but the ${body.length}-byte protobuf message hashes to ${createHash("md5").update(body).digest("hex")}`,
        );
        expect(reasonOf(() => decodeRecord(bad))).to.equal("bad-checksum");
        // a flipped payload byte is caught the same way
        const flipped = Buffer.from(good);
        flipped[20] ^= 0x01;
        expect(reasonOf(() => decodeRecord(flipped))).to.equal("bad-checksum");
        // unless checksums are off
        expect(decodeRecord(bad, {}, { verifyChecksum: false }).map((r) => r.partitionKey)).to.deep.equal(["LHR-JFK", "CDG-SIN"]);
    });

    it("fails when the record is cut short", () => {
        const cut = good.subarray(0, good.length - 10);
        expect(() => decodeRecord(cut)).to.throw(
            "aggregated record is truncated (54 bytes): MD5 trailer 011a077b226e223a327df9083dd6049b does not match and aggregated record protobuf: field 3 at offset 35 declares 11 bytes but only 1 remain",
        );
        expect(reasonOf(() => decodeRecord(cut))).to.equal("truncated");
        expect(() => decodeRecord(good.subarray(0, 12))).to.throw("aggregated record is truncated: 12 bytes, at least 20 needed (4-byte magic number, protobuf message, 16-byte MD5 checksum)");
    });

    it("fails when the protobuf ends mid-field under a valid checksum", () => {
        expect(() => decodeRecord(withBody(Buffer.from([0x0a, 0x05, 0x61])))).to.throw("aggregated record protobuf: field 1 at offset 4 declares 5 bytes but only 1 remain");
        expect(reasonOf(() => decodeRecord(withBody(Buffer.from([0x0a, 0x05, 0x61]))))).to.equal("truncated");
    });

    it("fails when the protobuf is malformed", () => {
        expect(() => decodeRecord(withBody(Buffer.from([0x0f])))).to.throw("aggregated record protobuf: field 1 at offset 4 has unsupported wire type 7");
        expect(() => decodeRecord(withBody(Buffer.from([0x08, 0x01])))).to.throw("aggregated record protobuf: field 1 at offset 4 has wire type 0, expected 2 (length-delimited)");
        expect(() => decodeRecord(withBody(Buffer.from([0x0a, 0x01, 0x61, 0x1a, 0x04, 0x08, 0x03, 0x1a, 0x00])))).to.throw("aggregated record: records[0].partition_key_index is 3 but partition_key_table has 1 entries");
        expect(() => decodeRecord(withBody(Buffer.from([0x0a, 0x01, 0x61, 0x1a, 0x02, 0x08, 0x00])))).to.throw("aggregated record: records[0] has no data (required field 3)");
        expect(() => decodeRecord(withBody(Buffer.from([0x0a, 0x02, 0xc3, 0x28])))).to.throw("aggregated record: partition_key_table[0] is not valid UTF-8 (bytes c328)");
        expect(reasonOf(() => decodeRecord(withBody(Buffer.from([0x0f]))))).to.equal("bad-protobuf");
    });

    it("skips tags and unknown fields like any protobuf reader", () => {
        // record with a tag (field 4) and an unknown top-level varint field 9
        const body = Buffer.from([0x0a, 0x01, 0x61, 0x1a, 0x0b, 0x08, 0x00, 0x1a, 0x01, 0x7a, 0x22, 0x04, 0x0a, 0x02, 0x74, 0x67, 0x48, 0x05]);
        expect(decodeRecord(withBody(body)).map((r) => [r.partitionKey, Buffer.from(r.data).toString()])).to.deep.equal([["a", "z"]]);
    });

    it("decodes Lambda event records", () => {
        const out = decodeKinesisEventRecord({ data: good.toString("base64"), partitionKey: "LHR-JFK", sequenceNumber: "42" });
        expect(out.map((r) => [r.partitionKey, Buffer.from(r.data).toString(), r.subSequenceNumber, r.sequenceNumber])).to.deep.equal([
            ["LHR-JFK", '{"n":1}', 0, "42"],
            ["CDG-SIN", '{"n":2}', 1, "42"],
        ]);
    });

    it("encodes what it decodes", () => {
        const bytes = encodeAggregatedRecord({
            partitionKeyTable: ["a", "b"],
            explicitHashKeyTable: ["12"],
            records: [
                { partitionKeyIndex: 1, data: utf8("x") },
                { partitionKeyIndex: 0, explicitHashKeyIndex: 0, data: utf8("y") },
            ],
        });
        expect(decodeAggregatedRecord(bytes).map((r) => ({ ...r, data: Buffer.from(r.data).toString() }))).to.deep.equal([
            { partitionKey: "b", data: "x" },
            { partitionKey: "a", explicitHashKey: "12", data: "y" },
        ]);
    });
});
