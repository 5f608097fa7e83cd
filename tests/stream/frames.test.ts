/**
 * Compressed partition frames, spread aggregation and the producer's
 * per-request isolation: round trips, exact error messages, KCL's hash-range
 * rule, records per flush independent of the shard count, and a Kinesis fake
 * that rejects one request's records while every acknowledged event is counted.
 */
import { expect } from "chai";
import fc from "fast-check";
import { gzipSync } from "node:zlib";
import { ListShardsCommand, PutRecordsCommand, type KinesisClient } from "@aws-sdk/client-kinesis";
import {
    DICTIONARIES,
    FrameError,
    LATEST_DICTIONARY_VERSION,
    ShardMap,
    ShardSpreader,
    aggregateSpread,
    decodeFrame,
    decodeRecord,
    encodeAggregatedRecord,
    encodeFrame,
    evenShardRanges,
    resolveFrameOptions,
    type AggregatedEntry,
} from "../../functions/shared/codec";
import { Producer, PublishError } from "../../functions/ingest/producer";
import { processRecord } from "../../functions/lake/processor";
import { LAMBDA_RESPONSE_LIMIT_BYTES, TRANSFORM_BUFFER_MB, transformResponseBytes } from "../../functions/lake/processor";
import type { FlightEvent } from "../../functions/shared/events";
import { buildCorpus } from "../../bench/corpus";
import { seeded } from "../ingest/helpers";

const utf8 = (s: string) => Buffer.from(s, "utf8");
const text = (b: Uint8Array) => Buffer.from(b).toString("utf8");

describe("stream codec: frames", () => {
    const corpus = buildCorpus({ events: 400, seed: 7 });
    const offers = corpus.events.filter((e) => e.type === "offer").map((e) => utf8(JSON.stringify(e)));

    for (const codec of ["none", "gzip", "deflate", "brotli"] as const) {
        it(`round-trips the events of a frame with codec ${codec}, naming the codec and dictionary version`, () => {
            const frame = encodeFrame("offer", offers, resolveFrameOptions({ codec }));
            const back = decodeFrame(frame);
            expect(back.codec).to.equal(codec);
            expect(back.dictionaryVersion).to.equal(codec === "deflate" ? LATEST_DICTIONARY_VERSION : 0);
            expect(back.type).to.equal("offer");
            expect(back.events.map(text)).to.deep.equal(offers.map(text));
        });
    }

    it("compresses offers at least 8x with the type's dictionary and more than without it", () => {
        const raw = offers.reduce((n, o) => n + o.length + 1, -1);
        const withDict = encodeFrame("offer", offers, resolveFrameOptions({})).length;
        const without = encodeFrame("offer", offers, resolveFrameOptions({ codec: "deflate", dictionaryVersion: 0 })).length;
        expect(raw / withDict).to.be.greaterThan(8);
        expect(withDict).to.be.lessThan(without);
    });

    it("every dictionary version in the repository has one dictionary per event type, at most 32 KiB", () => {
        for (const [version, dicts] of Object.entries(DICTIONARIES)) {
            expect(Object.keys(dicts).sort(), `v${version}`).to.deep.equal(["booking", "cancellation", "offer", "search"]);
            for (const d of Object.values(dicts)) expect(d.length).to.be.within(1024, 32 * 1024);
        }
    });

    it("round-trips arbitrary JSON lines (fast-check)", () => {
        fc.assert(
            fc.property(
                fc.array(
                    fc.json().map((j) => JSON.stringify(JSON.parse(j))),
                    { minLength: 1, maxLength: 30 },
                ),
                fc.constantFrom("none", "gzip", "deflate", "brotli"),
                (lines, codec) => {
                    const frame = encodeFrame("search", lines.map(utf8), resolveFrameOptions({ codec: codec as "gzip" }));
                    expect(decodeFrame(frame).events.map(text)).to.deep.equal(lines);
                },
            ),
            { numRuns: 100 },
        );
    });

    it("fails when a frame names a dictionary version this reader does not have", () => {
        const frame = encodeFrame("offer", offers.slice(0, 2), resolveFrameOptions({}));
        frame[4] = 9;
        expect(() => decodeFrame(frame)).to.throw(FrameError, 'frame: dictionary version 9 for type "offer" is not in this reader (it has versions 1); deploy the newer reader first');
    });

    it("fails when a frame has an unknown format version or codec", () => {
        const frame = encodeFrame("offer", offers.slice(0, 2), resolveFrameOptions({}));
        expect(() => decodeFrame(Buffer.concat([frame.subarray(0, 2), Buffer.of(2), frame.subarray(3)]))).to.throw(FrameError, "frame: format version 2 is not supported by this reader (it reads version 1); deploy the newer reader first");
        expect(() => decodeFrame(Buffer.concat([frame.subarray(0, 3), Buffer.of(7), frame.subarray(4)]))).to.throw(FrameError, "frame: codec id 7 is unknown (known: 0 none, 1 gzip, 2 deflate, 3 brotli)");
    });

    it("fails when a frame is cut short or its body is corrupt", () => {
        const frame = encodeFrame("offer", offers.slice(0, 3), resolveFrameOptions({ codec: "gzip" }));
        expect(() => decodeFrame(frame.subarray(0, frame.length - 10))).to.throw(FrameError, /^frame \(gzip, type "offer"\) does not decompress: /);
        expect(() => decodeFrame(frame.subarray(0, 3))).to.throw(FrameError, "frame is truncated: 3 bytes, the header alone takes at least 8");
    });

    it("fails when a frame's header lies about its body length, whatever the codec (readers size their output from it)", () => {
        const varint = (n: number) => {
            const out: number[] = [];
            for (; n >= 0x80; n = Math.floor(n / 128)) out.push((n % 128) | 0x80);
            out.push(n);
            return Buffer.from(out);
        };
        const readVarint = (b: Buffer, pos: number): [number, number] => {
            let v = 0;
            let mul = 1;
            while (b[pos] & 0x80) {
                v += (b[pos++] & 0x7f) * mul;
                mul *= 128;
            }
            return [v + b[pos] * mul, pos + 1];
        };
        for (const codec of ["gzip", "deflate"] as const) {
            const frame = Buffer.from(encodeFrame("offer", offers.slice(0, 40), resolveFrameOptions({ codec })));
            const [count, afterCount] = readVarint(frame, 5);
            const [length, afterLength] = readVarint(frame, afterCount);
            expect(count).to.equal(40);
            expect(length).to.be.above(16 * 1024); // more than zlib's default output chunk
            const withLength = (n: number) => Buffer.concat([frame.subarray(0, 5), varint(count), varint(n), frame.subarray(afterLength)]);
            expect(decodeFrame(withLength(length)).events).to.have.length(40);
            for (const lie of [length - 1, length + 1, 100, 8 * 1024 * 1024]) {
                expect(() => decodeFrame(withLength(lie)), `${codec} ${lie}`).to.throw(FrameError, `frame: body is ${length} bytes after decompression, the header says ${lie}`);
            }
        }
    });

    it("fails when frame options are invalid, naming the option", () => {
        expect(() => resolveFrameOptions({ codec: "zstd" as never })).to.throw('`codec` must be one of "none", "gzip", "deflate", "brotli"; received "zstd"');
        expect(() => resolveFrameOptions({ dictionaryVersion: 5 })).to.throw("`dictionaryVersion` must be 0 (none) or one of the versions in the repository (1); received 5");
        expect(() => resolveFrameOptions({ codec: "gzip", dictionaryVersion: 1 })).to.throw('`dictionaryVersion` 1 needs codec "deflate" (only raw deflate takes a preset dictionary in node:zlib); received codec "gzip"');
        expect(() => resolveFrameOptions({ level: 10 })).to.throw('`level` must be an integer between 1 and 9 (received 10) for codec "deflate"');
    });

    it("decodeRecord expands frames and keeps old single-event payloads, mixed in one aggregate (rolling deploy)", () => {
        const events = corpus.events.slice(0, 6).map((e) => JSON.stringify(e));
        const frame = encodeFrame(corpus.events[0].type, [utf8(events[0])], resolveFrameOptions({}));
        const agg = encodeAggregatedRecord({
            partitionKeyTable: ["a", "b", "c"],
            explicitHashKeyTable: [],
            records: [
                { partitionKeyIndex: 0, data: frame },
                { partitionKeyIndex: 1, data: utf8(events[1]) },
                { partitionKeyIndex: 2, data: gzipSync(utf8(events[2])) },
            ],
        });
        const out = decodeRecord(agg);
        expect(out.map((u) => [u.subSequenceNumber, u.partitionKey, text(u.data), u.frame?.index])).to.deep.equal([
            [0, "a", events[0], 0],
            [1, "b", events[1], undefined],
            [2, "c", events[2], undefined],
        ]);
        expect(decodeRecord(utf8(events[3])).map((u) => text(u.data))).to.deep.equal([events[3]]);
    });

    it("the Firehose transform turns one frame into one record of JSON lines with one set of partition keys, sources as a column", () => {
        const hour = corpus.events.filter((e) => e.type === "search" && e.occurredAt.startsWith(corpus.events[0].occurredAt.slice(0, 13)));
        const many = hour.slice(0, 20).map((e, i) => ({ ...e, source: `site-${i}` }));
        const frame = encodeFrame(
            "search",
            many.map((e) => utf8(JSON.stringify(e))),
            resolveFrameOptions({}),
        );
        const p = processRecord({ recordId: "r1", data: frame.toString("base64") });
        expect(p.output.result).to.equal("Ok");
        expect(p.events).to.equal(20);
        expect(p.output.metadata!.partitionKeys).to.deep.equal({ type: "search", dt: many[0].occurredAt.slice(0, 10), hour: many[0].occurredAt.slice(11, 13) });
        const lines = Buffer.from(p.output.data, "base64")
            .toString("utf8")
            .trimEnd()
            .split("\n")
            .map((l) => JSON.parse(l));
        expect(lines.map((l) => l.source)).to.deep.equal(many.map((e) => e.source));
    });

    it("the transform's response for a full processor buffer of frames stays under Lambda's 6 MB", () => {
        // The measured frame ratio is about 10x (docs/performance.md); 0.2 MB x 11 x 4/3 base64.
        expect(transformResponseBytes(TRANSFORM_BUFFER_MB, 11)).to.equal(2_933_334);
        expect(transformResponseBytes(TRANSFORM_BUFFER_MB, 22)).to.be.lessThan(LAMBDA_RESPONSE_LIMIT_BYTES);
        expect(transformResponseBytes(1, 11)).to.be.greaterThan(LAMBDA_RESPONSE_LIMIT_BYTES);
    });
});

describe("stream codec: spread aggregation", () => {
    const frames = Array.from({ length: 200 }, (_, i) => ({ partitionKey: `f${i}`, data: Buffer.alloc(1000 + (i % 7) * 300, i % 251) }));

    function check(entries: AggregatedEntry[], map: ShardMap) {
        for (const e of entries) {
            const shard = map.shardFor(BigInt(e.entry.ExplicitHashKey!));
            expect(shard.shardId).to.equal(e.shardId);
            // What KCL checks: every sub-record's hash key lies in the shard the aggregate is on.
            for (const u of decodeRecord(e.entry.Data, {}, { decompress: false })) {
                expect(u.explicitHashKey).to.equal(e.entry.ExplicitHashKey);
            }
        }
    }

    it("puts every sub-record's explicit hash key inside its aggregate's shard, for any shard count", () => {
        for (const n of [1, 3, 48, 128]) {
            const map = new ShardMap(evenShardRanges(n));
            const entries = aggregateSpread(frames, new ShardSpreader(map, seeded(n)), { maxRecordBytes: 65536 });
            check(entries, map);
            expect(entries.flatMap((e) => e.userRecordIndexes)).to.deep.equal(frames.map((_, i) => i));
        }
    });

    it("makes as many records per flush on 128 shards as on 4: records depend on bytes", () => {
        const on4 = aggregateSpread(frames, new ShardSpreader(new ShardMap(evenShardRanges(4)), seeded(1)), { maxRecordBytes: 65536 });
        const on128 = aggregateSpread(frames, new ShardSpreader(new ShardMap(evenShardRanges(128)), seeded(1)), { maxRecordBytes: 65536 });
        expect(on128.length).to.equal(on4.length);
        const bytes = frames.reduce((n, f) => n + f.data.length, 0);
        expect(on4.length).to.equal(Math.ceil(bytes / 65536));
    });

    it("spreads aggregates round robin over the shards from a random start", () => {
        const map = new ShardMap(evenShardRanges(8));
        const spreader = new ShardSpreader(map, seeded(5));
        const picks = Array.from({ length: 16 }, () => spreader.next().shardId);
        const first = map.shards.findIndex((s) => s.shardId === picks[0]);
        expect(picks).to.deep.equal(Array.from({ length: 16 }, (_, i) => map.shards[(first + i) % 8].shardId));
    });

    it("after a split, an aggregate built with the parent's range lands on a child that owns every sub-record", () => {
        const parent = new ShardMap(evenShardRanges(2));
        const children = new ShardMap(evenShardRanges(4));
        const entries = aggregateSpread(frames, new ShardSpreader(parent, seeded(9)), { maxRecordBytes: 8192 });
        for (const e of entries) {
            const child = children.shardFor(BigInt(e.entry.ExplicitHashKey!));
            for (const u of decodeRecord(e.entry.Data, {}, { decompress: false })) {
                const h = BigInt(u.explicitHashKey!);
                expect(h >= BigInt(child.startingHashKey) && h <= BigInt(child.endingHashKey)).to.equal(true);
            }
        }
    });

    it("fails when one user record cannot fit in a Kinesis record even alone", () => {
        const map = new ShardMap(evenShardRanges(1));
        expect(() => aggregateSpread([{ partitionKey: "big", data: Buffer.alloc(1024 * 1024) }], new ShardSpreader(map, seeded(1)))).to.throw(
            RangeError,
            'user record 0 (partitionKey "big") takes 1048654 bytes in an aggregate, more than the 1048576-byte Kinesis record limit',
        );
    });
});

/** An in-memory Kinesis with N even shards that routes by ExplicitHashKey; `reject` can refuse a call as invalid. */
function memoryKinesis(shards: number, reject?: (events: Record<string, unknown>[]) => boolean) {
    const map = new ShardMap(evenShardRanges(shards));
    const stored: { shardId: string; data: Uint8Array }[] = [];
    let calls = 0;
    const client = {
        async send(command: unknown): Promise<unknown> {
            if (command instanceof ListShardsCommand) {
                return { Shards: map.shards.map((s) => ({ ShardId: s.shardId, HashKeyRange: { StartingHashKey: s.startingHashKey, EndingHashKey: s.endingHashKey }, SequenceNumberRange: { StartingSequenceNumber: "1" } })) };
            }
            if (command instanceof PutRecordsCommand) {
                calls++;
                const records = command.input.Records ?? [];
                const events = records.flatMap((r) => decodeRecord(r.Data!).map((u) => JSON.parse(text(u.data)) as Record<string, unknown>));
                if (reject?.(events)) {
                    throw Object.assign(new Error("1 validation error detected (injected)"), { name: "ValidationException", $metadata: { httpStatusCode: 400 } });
                }
                return {
                    Records: records.map((r, i) => {
                        const shardId = map.shardFor(BigInt(r.ExplicitHashKey!)).shardId;
                        stored.push({ shardId, data: r.Data! });
                        return { ShardId: shardId, SequenceNumber: String(stored.length * 1000 + i) };
                    }),
                };
            }
            throw new Error(`memoryKinesis: unexpected ${String(command)}`);
        },
    } as Pick<KinesisClient, "send">;
    const events = () => stored.flatMap((s) => decodeRecord(s.data).map((u) => JSON.parse(text(u.data)) as FlightEvent));
    return { client, stored, events, calls: () => calls };
}

describe("producer: frames, spread and per-request isolation", () => {
    const corpus = buildCorpus({ events: 600, seed: 11 });

    it("writes a linger batch of many requests as few spread records and every acknowledged event exactly once", async () => {
        const k = memoryKinesis(48);
        const producer = new Producer({ client: k.client, streamName: "s", lingerMs: 5, random: seeded(3) });
        await producer.start();
        const requests = Array.from({ length: 12 }, (_, r) => corpus.events.slice(r * 50, r * 50 + 50));
        await Promise.all(requests.map((events) => producer.publish(events)));
        producer.stop();
        const got = k.events();
        expect(got.map((e) => e.eventId).sort()).to.deep.equal(corpus.events.map((e) => e.eventId).sort());
        expect(got).to.deep.include(corpus.events[123]);
        // 600 events of ~380 bytes compress to well under two 64 KiB aggregates.
        expect(k.stored.length).to.be.at.most(2);
    });

    it("fails only the request whose records the stream rejects as invalid, and names none of another's events", async () => {
        const k = memoryKinesis(4, (events) => events.some((e) => e.eventId === "poison-1"));
        const producer = new Producer({ client: k.client, streamName: "s", lingerMs: 10, baseBackoffMs: 1, maxBackoffMs: 2, random: seeded(4) });
        await producer.start();
        const clean = corpus.events.slice(0, 40);
        const bad = corpus.events.slice(40, 45).map((e, i) => ({ ...e, eventId: `poison-${i}` }));
        const other = corpus.events.slice(45, 60);
        const results = await Promise.allSettled([producer.publish(clean), producer.publish(bad), producer.publish(other)]);
        producer.stop();
        expect(results.map((r) => r.status)).to.deep.equal(["fulfilled", "rejected", "fulfilled"]);
        const err = (results[1] as PromiseRejectedResult).reason as PublishError;
        expect(err).to.be.instanceOf(PublishError);
        expect(err.message).to.equal("the stream rejected this request's records as invalid (ValidationException); retry the request");
        const ids = k.events().map((e) => e.eventId);
        expect(ids.sort()).to.deep.equal([...clean, ...other].map((e) => e.eventId).sort());
        expect(producer.queueDepth).to.equal(0);
    });

    it("frames events by type and UTC event hour, across sources", async () => {
        const k = memoryKinesis(2);
        const producer = new Producer({ client: k.client, streamName: "s", lingerMs: 5, random: seeded(6) });
        await producer.start();
        const base = corpus.events.filter((e) => e.type === "search").slice(0, 6);
        const events = base.map((e, i) => ({ ...e, source: `site-${i}`, occurredAt: i < 3 ? "2026-11-22T10:59:59Z" : "2026-11-22T13:00:00+02:00" }));
        await producer.publish(events);
        producer.stop();
        const frames = k.stored.flatMap((s) => decodeRecord(s.data)).map((u) => [u.subSequenceNumber, u.frame!.type, u.frame!.events]);
        expect(frames).to.deep.equal([
            [0, "search", 3],
            [0, "search", 3],
            [0, "search", 3],
            [1, "search", 3],
            [1, "search", 3],
            [1, "search", 3],
        ]);
    });
});
