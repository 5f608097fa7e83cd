/**
 * The producer flushes at a frame's worth (256 KiB of JSON or 1,000 events)
 * before its linger ends (functions/ingest/producer.ts FLUSH_AT_BYTES), so a
 * busy task sends the first part of a linger's events while more requests
 * arrive. The promise under that change: a request resolves (HTTP 202) only
 * when every one of its events sits in an acknowledged PutRecords entry; when
 * the store is cut in the middle of such a flush, no request with an event in
 * the lost call resolves, and after the client resends, every acknowledged
 * event is in the stream exactly once.
 */
import { expect } from "chai";
import { ListShardsCommand, PutRecordsCommand } from "@aws-sdk/client-kinesis";
import { decodeRecord, evenShardRanges } from "../../functions/shared/codec";
import type { FlightEvent } from "../../functions/shared/events";
import { Producer, PublishError } from "../../functions/ingest/producer";
import { buildCorpus } from "../../bench/corpus";

/** An in-memory Kinesis: 4 shards; PutRecords either keeps and acknowledges every entry, or is cut (throws, keeps nothing). */
function fakeKinesis() {
    const shards = evenShardRanges(4);
    const kept: { data: Uint8Array; partitionKey: string }[] = [];
    const state = { calls: 0, cut: new Set<number>() };
    const client = {
        async send(command: unknown): Promise<any> {
            if (command instanceof ListShardsCommand) {
                return { Shards: shards.map((r) => ({ ShardId: r.shardId, HashKeyRange: { StartingHashKey: r.startingHashKey, EndingHashKey: r.endingHashKey }, SequenceNumberRange: { StartingSequenceNumber: "0" } })) };
            }
            if (command instanceof PutRecordsCommand) {
                const call = ++state.calls;
                await new Promise((r) => setImmediate(r));
                if (state.cut.has(call)) {
                    // The connection dropped: the outcome is unknown to the producer, and the store kept nothing.
                    throw Object.assign(new Error("socket hang up"), { name: "TimeoutError" });
                }
                const records = command.input.Records ?? [];
                for (const r of records) kept.push({ data: r.Data!, partitionKey: r.PartitionKey! });
                return { FailedRecordCount: 0, Records: records.map((_, i) => ({ SequenceNumber: `${call}-${i}`, ShardId: shards[0].shardId })) };
            }
            throw new Error(`unexpected command ${(command as object).constructor.name}`);
        },
    };
    const eventIds = (): string[] => {
        const ids: string[] = [];
        for (const k of kept) {
            for (const u of decodeRecord(k.data, { partitionKey: k.partitionKey }, { decompress: false })) {
                for (const e of decodeRecord(u.data)) ids.push((JSON.parse(Buffer.from(e.data).toString("utf8")) as { eventId: string }).eventId);
            }
        }
        return ids;
    };
    return { client, state, eventIds };
}

/** 40 requests of 25 events (about 375 KB of JSON together): more than one frame's worth. */
function requests(): FlightEvent[][] {
    const events = buildCorpus({ events: 1000 }).events;
    const out: FlightEvent[][] = [];
    for (let i = 0; i < events.length; i += 25) out.push(events.slice(i, i + 25));
    return out;
}

describe("ingestion producer: early flush at a frame's worth", () => {
    it("sends before the linger ends once 256 KiB are queued, and resolves every request once its events are acknowledged", async () => {
        const kinesis = fakeKinesis();
        const producer = new Producer({ client: kinesis.client, streamName: "s", lingerMs: 50 });
        await producer.start();
        try {
            const reqs = requests();
            const results = reqs.map((events) => producer.publish(events));
            // The publishes above ran in one tick: a flush started without waiting for the 50 ms linger.
            await new Promise((r) => setImmediate(r));
            expect(kinesis.state.calls).to.be.greaterThan(0);
            await Promise.all(results);
            const ids = kinesis.eventIds();
            expect(ids.length).to.equal(1000);
            expect(new Set(ids).size).to.equal(1000);
            expect(new Set(ids)).to.deep.equal(new Set(reqs.flat().map((e) => e.eventId)));
        } finally {
            producer.stop();
        }
    });

    it("fails when the store is cut during the early flush: no request with an event in the lost call resolves, and after the resend every acknowledged event is in the stream exactly once", async () => {
        const kinesis = fakeKinesis();
        kinesis.state.cut.add(1);
        const producer = new Producer({ client: kinesis.client, streamName: "s", lingerMs: 50 });
        await producer.start();
        try {
            const reqs = requests();
            const outcomes = await Promise.all(
                reqs.map((events) =>
                    producer.publish(events).then(
                        () => "ok" as const,
                        (err: Error) => err,
                    ),
                ),
            );
            const failed = outcomes.flatMap((o, i) => (o === "ok" ? [] : [i]));
            const accepted = outcomes.flatMap((o, i) => (o === "ok" ? [i] : []));
            // The first call (the early flush) was lost: its requests failed with 503, the rest were acknowledged.
            expect(failed.length).to.be.greaterThan(0);
            expect(accepted.length).to.be.greaterThan(0);
            for (const i of failed) {
                expect(outcomes[i]).to.be.instanceOf(PublishError);
                expect((outcomes[i] as PublishError).status).to.equal(503);
                expect((outcomes[i] as PublishError).message).to.equal("the stream did not confirm the write (TimeoutError); retry the request");
            }
            const stored = new Set(kinesis.eventIds());
            // Every event of an acknowledged request is stored; no request that failed is wholly stored by the lost call.
            for (const i of accepted) for (const e of reqs[i]) expect(stored.has(e.eventId), `accepted ${e.eventId}`).to.equal(true);
            for (const i of failed)
                expect(
                    reqs[i].every((e) => stored.has(e.eventId)),
                    `request ${i} stored whole although its call was lost`,
                ).to.equal(false);
            // The client resends what failed; then every event is in the stream exactly once (no acknowledged event twice).
            await Promise.all(failed.map((i) => producer.publish(reqs[i])));
            const ids = kinesis.eventIds();
            const counts = new Map<string, number>();
            for (const id of ids) counts.set(id, (counts.get(id) ?? 0) + 1);
            for (const i of accepted) for (const e of reqs[i]) expect(counts.get(e.eventId), e.eventId).to.equal(1);
            for (const i of failed) for (const e of reqs[i]) expect(counts.get(e.eventId) ?? 0, e.eventId).to.be.within(1, 2);
            expect(new Set(ids).size).to.equal(1000);
            expect(producer.queueDepth).to.equal(0);
        } finally {
            producer.stop();
        }
    });
});
