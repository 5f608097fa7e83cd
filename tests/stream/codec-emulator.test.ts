/**
 * The codec against a real Kinesis API (kinesis-local): aggregates built for
 * the stream's open shards, after a reshard left them uneven, land on the very
 * shard the codec chose, and reading every shard back gives each user record
 * once, on the shard its own hash key belongs to.
 */
import { kinesisSuite } from "../local/kinesis-suite";
import { GetRecordsCommand, GetShardIteratorCommand, PutRecordsCommand, UpdateShardCountCommand } from "@aws-sdk/client-kinesis";
import { expect } from "chai";
import { gzipSync } from "node:zlib";
import { ShardRange, aggregate, decodeRecord, hashKeyForPartitionKey, planPutRecordsBatches } from "../../functions/shared/codec";
import { createStream, listShards, waitForStreamActive } from "../../local/emulators/kinesis";

describe("stream codec against kinesis-local", function () {
    this.timeout(120000);
    const k = kinesisSuite();

    it("routes every aggregate to the shard of all its user records", async () => {
        const stream = "codec-routing";
        await createStream(k.client, stream, 4);
        await k.client.send(new UpdateShardCountCommand({ StreamName: stream, TargetShardCount: 3, ScalingType: "UNIFORM_SCALING" }));
        await waitForStreamActive(k.client, stream);
        const shards: ShardRange[] = (await listShards(k.client, stream))
            .filter((s) => s.SequenceNumberRange?.EndingSequenceNumber === undefined)
            .map((s) => ({ shardId: s.ShardId!, startingHashKey: s.HashKeyRange!.StartingHashKey!, endingHashKey: s.HashKeyRange!.EndingHashKey! }));
        expect(shards).to.have.length(3);

        const records = Array.from({ length: 1500 }, (_, i) => ({
            partitionKey: `route-${i % 97}`,
            data: Buffer.from(JSON.stringify({ i, origin: "LHR", destination: "JFK", offers: "x".repeat(i % 400) })),
        }));
        const { entries } = aggregate(records, shards, { compression: "gzip", maxRecordBytes: 20000 });
        expect(entries.length).to.be.greaterThan(3);
        for (const batch of planPutRecordsBatches(entries)) {
            const res = await k.client.send(new PutRecordsCommand({ StreamName: stream, Records: batch.map((e) => e.entry) }));
            expect(res.FailedRecordCount).to.equal(0);
            res.Records!.forEach((r, i) => expect(r.ShardId, `entry ${i}`).to.equal(batch[i].shardId));
        }

        const seen = new Map<number, string>();
        for (const shard of shards) {
            const it = await k.client.send(new GetShardIteratorCommand({ StreamName: stream, ShardId: shard.shardId, ShardIteratorType: "TRIM_HORIZON" }));
            let iterator = it.ShardIterator;
            for (let round = 0; iterator && round < 50; round++) {
                const got = await k.client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 10000 }));
                for (const rec of got.Records ?? []) {
                    for (const user of decodeRecord(rec.Data!, { partitionKey: rec.PartitionKey })) {
                        const key = hashKeyForPartitionKey(user.partitionKey);
                        expect(key >= BigInt(shard.startingHashKey) && key <= BigInt(shard.endingHashKey)).to.equal(true);
                        const body = JSON.parse(Buffer.from(user.data).toString());
                        expect(seen.has(body.i)).to.equal(false);
                        seen.set(body.i, shard.shardId);
                    }
                }
                if ((got.Records ?? []).length === 0 && (got.MillisBehindLatest ?? 0) === 0) break;
                iterator = got.NextShardIterator;
            }
        }
        expect(seen.size).to.equal(records.length);
    });

    it("reads a compressed plain record back", async () => {
        const stream = "codec-plain";
        await createStream(k.client, stream, 1);
        const [shard] = await listShards(k.client, stream);
        const { entries } = aggregate(
            [{ partitionKey: "p", data: Buffer.from("{}".padEnd(500, " ")) }],
            [{ shardId: shard.ShardId!, startingHashKey: shard.HashKeyRange!.StartingHashKey!, endingHashKey: shard.HashKeyRange!.EndingHashKey! }],
            { aggregation: false, compression: "gzip" },
        );
        expect(Buffer.from(entries[0].entry.Data).subarray(0, 2).toString("hex")).to.equal(gzipSync("").subarray(0, 2).toString("hex"));
        await k.client.send(new PutRecordsCommand({ StreamName: stream, Records: entries.map((e) => e.entry) }));
        const it = await k.client.send(new GetShardIteratorCommand({ StreamName: stream, ShardId: shard.ShardId!, ShardIteratorType: "TRIM_HORIZON" }));
        const got = await k.client.send(new GetRecordsCommand({ ShardIterator: it.ShardIterator! }));
        const decoded = decodeRecord(got.Records![0].Data!, { partitionKey: got.Records![0].PartitionKey });
        expect(decoded.map((d) => [d.partitionKey, Buffer.from(d.data).toString().trim(), d.aggregated])).to.deep.equal([["p", "{}", false]]);
    });
});
