/**
 * local/esm.ts semantics against kinesis-local with a fake handler: batch
 * size, per-key order under parallelization, bisect, partial batch failures,
 * retries exhausted → on-failure sink, record age, restart resumes.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { expect } from "chai";
import { PutRecordsCommand, KinesisClient } from "@aws-sdk/client-kinesis";
import type { KinesisStreamEvent } from "aws-lambda";
import { createStream, startKinesis, type KinesisEmulator } from "../../local/emulators/kinesis";
import { startEventSourceMapping, resolveEsmOptions, type BatchResponse, type EventSourceMapping, type OnFailureRecord } from "../../local/esm";

describe("local event source mapping (local/esm.ts)", function () {
    this.timeout(120000);
    let kinesis: KinesisEmulator;
    let client: KinesisClient;
    let dir: string;
    let n = 0;
    const mappings: EventSourceMapping[] = [];

    before(async () => {
        kinesis = await startKinesis();
        client = kinesis.client();
    });
    after(async () => {
        await kinesis?.stop();
    });
    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "esm-test-"));
    });
    afterEach(async () => {
        for (const m of mappings.splice(0)) await m.kill();
        fs.rmSync(dir, { recursive: true, force: true });
    });

    async function stream(shards: number, values: string[], key: (v: string, i: number) => string = () => "pk"): Promise<string> {
        const name = `esm-${++n}`;
        await createStream(client, name, shards);
        for (let i = 0; i < values.length; i += 500) {
            const res = await client.send(
                new PutRecordsCommand({
                    StreamName: name,
                    Records: values.slice(i, i + 500).map((v, j) => ({ Data: Buffer.from(v), PartitionKey: key(v, i + j) })),
                }),
            );
            expect(res.FailedRecordCount ?? 0).to.equal(0);
        }
        return name;
    }

    const payloads = (e: KinesisStreamEvent) => e.Records.map((r) => Buffer.from(r.kinesis.data, "base64").toString());
    const range = (k: number) => Array.from({ length: k }, (_, i) => `r${i}`);

    async function start(streamName: string, handler: (e: KinesisStreamEvent) => Promise<BatchResponse | void>, extra: Record<string, unknown> = {}) {
        const m = await startEventSourceMapping({
            client,
            streamName,
            handler,
            checkpointDir: dir,
            pollIntervalMs: 20,
            retryBaseDelayMs: 0,
            onFailureFile: path.join(dir, "on-failure.jsonl"),
            log: () => undefined,
            ...extra,
        });
        mappings.push(m);
        return m;
    }

    /** A mapping whose handler records each batch's payloads in `calls`, then answers with `then` (a failure, a partial response, a wait). */
    async function recorded(streamName: string, extra: Record<string, unknown>, then: (p: string[], e: KinesisStreamEvent, calls: string[][]) => Promise<BatchResponse | void> | BatchResponse | void = () => undefined) {
        const calls: string[][] = [];
        const m = await start(
            streamName,
            async (e) => {
                const p = payloads(e);
                calls.push(p);
                return then(p, e, calls);
            },
            extra,
        );
        return { m, calls };
    }

    const onFailureRecords = (): OnFailureRecord[] =>
        fs.existsSync(path.join(dir, "on-failure.jsonl"))
            ? fs
                  .readFileSync(path.join(dir, "on-failure.jsonl"), "utf8")
                  .trim()
                  .split("\n")
                  .map((l) => JSON.parse(l) as OnFailureRecord)
            : [];

    it("delivers every record once, in order, in batches of at most batchSize, with the AWS event shape", async () => {
        const name = await stream(1, range(23));
        const batches: KinesisStreamEvent[] = [];
        const m = await start(
            name,
            async (e) => {
                batches.push(e);
            },
            { batchSize: 5 },
        );
        await m.waitUntilCaughtUp();
        expect(batches.map((b) => b.Records.length)).to.deep.equal([5, 5, 5, 5, 3]);
        expect(batches.flatMap(payloads)).to.deep.equal(range(23));
        const r = batches[0].Records[0];
        expect(r.eventSource).to.equal("aws:kinesis");
        expect(r.eventName).to.equal("aws:kinesis:record");
        expect(r.eventVersion).to.equal("1.0");
        expect(r.awsRegion).to.equal("us-east-1");
        expect(r.eventSourceARN).to.equal(`arn:aws:kinesis:us-east-1:000000000000:stream/${name}`);
        expect(r.eventID).to.equal(`shardId-000000000000:${r.kinesis.sequenceNumber}`);
        expect(r.kinesis.partitionKey).to.equal("pk");
        expect(r.kinesis.kinesisSchemaVersion).to.equal("1.0");
        expect(r.kinesis.approximateArrivalTimestamp).to.be.a("number");
        expect(Math.abs(r.kinesis.approximateArrivalTimestamp * 1000 - Date.now())).to.be.lessThan(120000);
    });

    it("keeps per-partition-key order with a parallelization factor", async () => {
        const values = range(200);
        const name = await stream(1, values, (_v, i) => `key-${i % 7}`);
        const seen = new Map<string, number[]>();
        let concurrent = 0;
        let maxConcurrent = 0;
        const m = await start(
            name,
            async (e) => {
                concurrent++;
                maxConcurrent = Math.max(maxConcurrent, concurrent);
                await new Promise((r) => setTimeout(r, 5));
                for (const r of e.Records) {
                    const list = seen.get(r.kinesis.partitionKey) ?? [];
                    list.push(Number(Buffer.from(r.kinesis.data, "base64").toString().slice(1)));
                    seen.set(r.kinesis.partitionKey, list);
                }
                concurrent--;
            },
            { batchSize: 10, parallelizationFactor: 4 },
        );
        await m.waitUntilCaughtUp();
        let total = 0;
        for (const [, list] of seen) {
            expect(list).to.deep.equal([...list].sort((a, b) => a - b));
            total += list.length;
        }
        expect(total).to.equal(200);
        expect(maxConcurrent).to.be.greaterThan(1);
    });

    it("retries from the lowest reported failure and checkpoints what came before", async () => {
        const name = await stream(1, range(10));
        const { m, calls } = await recorded(name, { batchSize: 10, reportBatchItemFailures: true }, (_p, e, calls) =>
            // r3 and r6 fail the first time: Lambda resumes from r3 (the lowest).
            calls.length === 1 ? { batchItemFailures: [{ itemIdentifier: e.Records[6].kinesis.sequenceNumber }, { itemIdentifier: e.Records[3].kinesis.sequenceNumber }] } : { batchItemFailures: [] },
        );
        await m.waitUntilCaughtUp();
        expect(calls).to.deep.equal([range(10), range(10).slice(3)]);
        expect(m.stats().partialFailures).to.equal(1);
    });

    it("fails when the partial response names an unknown identifier: the whole batch is retried", async () => {
        const name = await stream(1, range(4));
        const { m, calls } = await recorded(name, { batchSize: 10, reportBatchItemFailures: true }, (_p, _e, calls) => (calls.length === 1 ? { batchItemFailures: [{ itemIdentifier: "not-a-sequence-number" }] } : undefined));
        await m.waitUntilCaughtUp();
        expect(calls).to.deep.equal([range(4), range(4)]);
    });

    it("bisects a failing batch down to the poison record, then sends it to the on-failure sink when retries are exhausted", async () => {
        const name = await stream(1, range(8));
        const { m, calls } = await recorded(name, { batchSize: 8, bisectBatchOnFunctionError: true, maximumRetryAttempts: 2 }, (p) => {
            if (p.includes("r5")) throw new Error("poison r5");
        });
        await m.waitUntilCaughtUp();
        expect(calls).to.deep.equal([range(8), ["r0", "r1", "r2", "r3"], ["r4", "r5", "r6", "r7"], ["r4", "r5"], ["r4"], ["r5"], ["r5"], ["r5"], ["r6", "r7"]]);
        const failures = onFailureRecords();
        expect(failures).to.have.length(1);
        const f = failures[0];
        expect(f.version).to.equal("1.0");
        expect(f.requestContext.condition).to.equal("RetryAttemptsExhausted");
        expect(f.requestContext.approximateInvokeCount).to.equal(3);
        expect(f.requestContext.functionArn).to.equal("arn:aws:lambda:us-east-1:000000000000:function:stream-processor");
        expect(f.responseContext).to.deep.equal({ statusCode: 200, executedVersion: "$LATEST", functionError: "Unhandled" });
        expect(f.KinesisBatchInfo.shardId).to.equal("shardId-000000000000");
        expect(f.KinesisBatchInfo.batchSize).to.equal(1);
        expect(f.KinesisBatchInfo.startSequenceNumber).to.equal(f.KinesisBatchInfo.endSequenceNumber);
        expect(f.KinesisBatchInfo.streamArn).to.equal(`arn:aws:kinesis:us-east-1:000000000000:stream/${name}`);
        expect(Date.parse(f.KinesisBatchInfo.approximateArrivalOfFirstRecord)).to.be.a("number").and.not.NaN;
        expect(m.stats().recordsDiscarded).to.equal(1);
        expect(m.stats().recordsSucceeded).to.equal(7);
    });

    it("without bisect retries the whole batch maximumRetryAttempts times, then discards it", async () => {
        const name = await stream(1, range(3));
        const { m, calls } = await recorded(name, { batchSize: 10, maximumRetryAttempts: 1 }, () => {
            throw new Error("always");
        });
        await m.waitUntilCaughtUp();
        expect(calls).to.deep.equal([range(3), range(3)]);
        const failures = onFailureRecords();
        expect(failures.map((f) => [f.requestContext.condition, f.KinesisBatchInfo.batchSize, f.requestContext.approximateInvokeCount])).to.deep.equal([["RetryAttemptsExhausted", 3, 2]]);
    });

    it("restart resumes after the last checkpoint (nothing lost, nothing processed twice after a clean stop)", async () => {
        const name = await stream(2, range(60), (_v, i) => `k${i}`);
        const { m: m1, calls: first } = await recorded(name, { batchSize: 7 });
        await m1.waitUntilCaughtUp();
        await m1.stop();
        expect(first.flat().sort()).to.deep.equal([...range(60)].sort());
        // more records while the mapping is down
        await client.send(new PutRecordsCommand({ StreamName: name, Records: ["x1", "x2", "x3"].map((v) => ({ Data: Buffer.from(v), PartitionKey: v })) }));
        const { m: m2, calls: second } = await recorded(name, { batchSize: 7 });
        await m2.waitUntilCaughtUp();
        expect(second.flat().sort()).to.deep.equal(["x1", "x2", "x3"]);
    });

    it("after a kill the in-flight batch is delivered again (at-least-once)", async () => {
        const name = await stream(1, range(6));
        let release!: () => void;
        const blocked = new Promise<void>((r) => (release = r));
        const { m: m1, calls: first } = await recorded(name, { batchSize: 3 }, async (p) => {
            if (p.includes("r3")) await blocked;
        });
        const deadline = Date.now() + 10000;
        while (first.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
        await m1.kill();
        release();
        const { m: m2, calls: second } = await recorded(name, { batchSize: 3 });
        await m2.waitUntilCaughtUp();
        expect(first).to.deep.equal([
            ["r0", "r1", "r2"],
            ["r3", "r4", "r5"],
        ]);
        expect(second).to.deep.equal([["r3", "r4", "r5"]]);
    });

    it("discards records older than maximumRecordAgeInSeconds to the on-failure sink without invoking", async () => {
        const name = await stream(1, range(4));
        const { m, calls } = await recorded(name, { batchSize: 10, maximumRecordAgeInSeconds: 60, now: () => Date.now() + 61_000 });
        await m.waitUntilCaughtUp();
        expect(calls).to.deep.equal([]);
        const failures = onFailureRecords();
        expect(failures.map((f) => [f.requestContext.condition, f.KinesisBatchInfo.batchSize, f.requestContext.approximateInvokeCount])).to.deep.equal([["RecordAgeExceeded", 4, 0]]);
        expect(failures[0].responseContext).to.deep.equal({ statusCode: 200, executedVersion: "$LATEST" });
    });

    it("waits up to the batching window to fill a batch", async () => {
        const name = await stream(1, ["w0"]);
        const { m, calls } = await recorded(name, { batchSize: 100, maximumBatchingWindowInSeconds: 3 });
        await new Promise((r) => setTimeout(r, 300));
        await client.send(new PutRecordsCommand({ StreamName: name, Records: ["w1", "w2"].map((v) => ({ Data: Buffer.from(v), PartitionKey: "pk" })) }));
        const deadline = Date.now() + 10000;
        while (calls.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
        await m.waitUntilCaughtUp();
        expect(calls).to.deep.equal([["w0", "w1", "w2"]]);
    });

    it("fails when options are out of range, naming the option, the value and what is allowed", () => {
        expect(() => resolveEsmOptions({ batchSize: 0 })).to.throw("`batchSize` must be an integer from 1 to 10000; received 0.");
        expect(() => resolveEsmOptions({ parallelizationFactor: 11 })).to.throw("`parallelizationFactor` must be an integer from 1 to 10; received 11.");
        expect(() => resolveEsmOptions({ maximumRecordAgeInSeconds: 30 })).to.throw("`maximumRecordAgeInSeconds` must be -1, or an integer from 60 to 604800; received 30.");
        expect(() => resolveEsmOptions({ maximumRetryAttempts: -2 })).to.throw("`maximumRetryAttempts` must be -1, or an integer from 0 to 10000; received -2.");
        expect(() => resolveEsmOptions({ maximumBatchingWindowInSeconds: 301 })).to.throw("`maximumBatchingWindowInSeconds` must be an integer from 0 to 300; received 301.");
    });
});
