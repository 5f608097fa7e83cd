/**
 * The consumer framework under faults, for real: events written by the
 * platform's producer (frames in KPL aggregates), an old single-event record,
 * exact duplicate copies and a poison record on kinesis-local, read by the
 * local event source mapping (local/esm.ts, the deployed mapping's settings)
 * into a handler that fails some events. Exactly the records carrying a
 * failed event (or poison) come back as batch item failures; transient
 * failures are retried and counted once; permanent ones end in the
 * on-failure sink; every accepted event is counted or in the on-failure sink.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { expect } from "chai";
import { GetRecordsCommand, GetShardIteratorCommand, KinesisClient, PutRecordsCommand } from "@aws-sdk/client-kinesis";
import type { KinesisStreamEvent } from "aws-lambda";
import { createStream, kinesisClientConfig, startKinesis, type KinesisEmulator } from "../../local/emulators/kinesis";
import { startEventSourceMapping, type OnFailureRecord } from "../../local/esm";
import { Producer } from "../../functions/ingest/producer";
import { type ConsumedEvent, decodeBatch, defineConsumer } from "../../functions/consumer/framework";
import type { FlightEvent } from "../../functions/shared/events";
import { fingerprint, identityKey } from "../../functions/shared/identity";

function search(i: number, source = "web"): FlightEvent {
    return {
        eventId: `e${i}`,
        type: "search",
        source,
        occurredAt: new Date(Date.now() - i * 1000).toISOString(),
        origin: "ZRH",
        destination: i % 2 === 0 ? "JFK" : "LHR",
        departureDate: "2027-01-15",
        passengers: 1 + (i % 3),
        cabin: "economy",
    } as FlightEvent;
}

describe("consumer framework: failing events under the local event source mapping (faults)", function () {
    this.timeout(180_000);
    let kinesis: KinesisEmulator;
    let client: KinesisClient;
    let dir: string;
    before(async () => {
        kinesis = await startKinesis();
        client = kinesis.client();
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "consumer-faults-"));
    });
    after(async () => {
        await kinesis?.stop();
        fs.rmSync(dir, { recursive: true, force: true });
    });

    it("reports exactly the records of failed events, retries them, counts each accepted event once or leaves it in the on-failure sink", async () => {
        const streamName = "consumer-faults";
        await createStream(client, streamName, 2);
        const producer = new Producer({ client: new KinesisClient({ ...kinesisClientConfig(kinesis.endpoint), maxAttempts: 1 }), streamName, lingerMs: 5, maxFrameEvents: 8 });
        await producer.start();
        const events = Array.from({ length: 120 }, (_, i) => search(i));
        // Acknowledged: written in requests of 10, then 10 of them resent (exact copies, other records).
        for (let i = 0; i < events.length; i += 10) await producer.publish(events.slice(i, i + 10));
        await producer.publish(events.slice(40, 50));
        await producer.drain();
        producer.stop();
        // An old single-event record, and a poison record.
        const old = search(500, "kiosk");
        const put = await client.send(
            new PutRecordsCommand({
                StreamName: streamName,
                Records: [
                    { Data: Buffer.from(JSON.stringify(old)), PartitionKey: "old" },
                    { Data: Buffer.from("{not json"), PartitionKey: "poison" },
                ],
            }),
        );
        expect(put.FailedRecordCount ?? 0).to.equal(0);
        const accepted = [...events, old];

        const transient = new Set(accepted.filter((_, i) => i % 9 === 4).map((e) => identityKey(e)));
        const permanent = new Set([identityKey(events[17]), identityKey(events[88])]);
        const seenTimes = new Map<string, number>();
        const counted = new Map<string, string>();
        let countedWrites = 0;
        const consumer = defineConsumer(
            async (batch) => {
                const failed: ConsumedEvent[] = [];
                for (const c of batch) {
                    const n = (seenTimes.get(c.key) ?? 0) + 1;
                    seenTimes.set(c.key, n);
                    if (permanent.has(c.key) || (transient.has(c.key) && n <= 2)) {
                        failed.push(c);
                        continue;
                    }
                    // The idempotent sink: counted once per identity, whatever the redeliveries.
                    if (!counted.has(c.key)) {
                        counted.set(c.key, c.fingerprint);
                        countedWrites++;
                    }
                }
                return { failed };
            },
            { log: () => undefined },
        );

        const mismatches: string[] = [];
        let invocations = 0;
        let partials = 0;
        const handler = async (event: KinesisStreamEvent) => {
            invocations++;
            // What the response must be: the records carrying an event that fails in this attempt, and poison records.
            const decoded = decodeBatch(event.Records);
            const expected = new Set(decoded.poison.map((p) => p.sequenceNumber));
            for (const c of decoded.events) {
                const n = (seenTimes.get(c.key) ?? 0) + 1;
                if (permanent.has(c.key) || (transient.has(c.key) && n <= 2)) for (const s of decoded.carriers.get(c)!) expected.add(s);
            }
            const summary = await consumer.processBatch(event);
            const got = summary.response.batchItemFailures.map((f) => f.itemIdentifier);
            const want = event.Records.map((r) => r.kinesis.sequenceNumber).filter((s) => expected.has(s));
            if (JSON.stringify(got) !== JSON.stringify(want)) mismatches.push(`invocation ${invocations}: got ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`);
            if (got.length > 0) partials++;
            return summary.response;
        };
        const onFailureFile = path.join(dir, "on-failure.jsonl");
        const mapping = await startEventSourceMapping({
            client,
            streamName,
            handler,
            checkpointDir: dir,
            functionName: "faults",
            batchSize: 20,
            bisectBatchOnFunctionError: true,
            reportBatchItemFailures: true,
            maximumRetryAttempts: 3,
            maximumRecordAgeInSeconds: 86400,
            pollIntervalMs: 20,
            retryBaseDelayMs: 0,
            onFailureFile,
            log: () => undefined,
        });
        try {
            await mapping.waitUntilCaughtUp(120_000);
        } finally {
            await mapping.stop();
        }

        expect(mismatches).to.deep.equal([]);
        expect(partials).to.be.greaterThan(0);
        // Transient failures were retried until they succeeded: each counted once.
        for (const k of transient) if (!permanent.has(k)) expect(seenTimes.get(k), k).to.be.at.least(3);
        for (const k of transient) if (!permanent.has(k)) expect(counted.has(k), k).to.equal(true);
        expect(countedWrites).to.equal(counted.size);
        for (const e of accepted) expect(counted.get(identityKey(e)) ?? fingerprint(e)).to.equal(fingerprint(e));

        // The on-failure sink: which events (and records) it names, read back from the stream.
        const failures = fs
            .readFileSync(onFailureFile, "utf8")
            .trim()
            .split("\n")
            .map((l) => JSON.parse(l) as OnFailureRecord);
        expect(failures.every((f) => f.requestContext.condition === "RetryAttemptsExhausted")).to.equal(true);
        const inSink = new Set<string>();
        let poisonInSink = false;
        for (const f of failures) {
            const b = f.KinesisBatchInfo;
            const it = await client.send(new GetShardIteratorCommand({ StreamName: streamName, ShardId: b.shardId, ShardIteratorType: "AT_SEQUENCE_NUMBER", StartingSequenceNumber: b.startSequenceNumber }));
            const res = await client.send(new GetRecordsCommand({ ShardIterator: it.ShardIterator!, Limit: 10000 }));
            const records = (res.Records ?? []).filter((r) => BigInt(r.SequenceNumber!) <= BigInt(b.endSequenceNumber));
            expect(records.length).to.equal(b.batchSize);
            const d = decodeBatch(
                records.map((r) => ({
                    kinesis: { data: Buffer.from(r.Data!).toString("base64"), partitionKey: r.PartitionKey!, sequenceNumber: r.SequenceNumber!, approximateArrivalTimestamp: r.ApproximateArrivalTimestamp!.getTime() / 1000 },
                })),
            );
            for (const c of d.events) inSink.add(c.key);
            if (d.poison.length > 0) poisonInSink = true;
        }
        // Permanently failing events are never counted and are in the on-failure sink, as is the poison record.
        for (const k of permanent) {
            expect(counted.has(k), k).to.equal(false);
            expect(inSink.has(k), k).to.equal(true);
        }
        expect(poisonInSink).to.equal(true);
        // Nothing accepted is lost: every event is counted once or named by the on-failure sink.
        const lost = accepted.map((e) => identityKey(e)).filter((k) => !counted.has(k) && !inSink.has(k));
        expect(lost).to.deep.equal([]);
        expect(counted.size).to.equal(accepted.length - permanent.size);
    });
});
