/**
 * StreamConsumer under the mock engine: the mapping's settings, its own or a
 * given enhanced fan-out consumer, the on-failure queue, the alarms with
 * their dimensions, the role's least privilege, the derived-stream kind, and
 * examples/team-stack planning with its own consumer bundled from its folder.
 */
import * as path from "path";
import { expect } from "chai";
import { bundleEntry } from "@flightstream/components/common/bundle";
import { KinesisStream, StreamConsumer } from "@flightstream/components/stream";
import { alarmProblems } from "../../plan/checks";
import { all, evaluate, evaluateError, one, policyOf, testProvider } from "../helpers/pulumi";

const ACCOUNT = "111111111111";
const OTHER = "222222222222";
const STREAM_ARN = `arn:aws:kinesis:eu-west-1:${OTHER}:stream/prod-flight-events`;
const STREAM_KEY = `arn:aws:kms:eu-west-1:${OTHER}:key/stream`;
const CONSUMER_ARN = `${STREAM_ARN}/consumer/route-watch:1700000000`;
const HANDLER = "functions/consumer/clean-stats/handler.ts";

function statementsOf(r: Awaited<ReturnType<typeof evaluate>>, name: string): Record<string, any> {
    return Object.fromEntries(policyOf(one(r, "aws:iam/rolePolicy:RolePolicy", name)).Statement.map((s: any) => [s.Sid, s]));
}

describe("StreamConsumer (mocks)", function () {
    this.timeout(120_000);
    const build =
        (extra: Record<string, unknown> = {}) =>
        () => {
            const p = testProvider();
            new StreamConsumer(
                "watch",
                {
                    accountId: ACCOUNT,
                    region: "eu-west-1",
                    stream: { streamArn: STREAM_ARN, keyArn: STREAM_KEY },
                    handler: HANDLER,
                    batchSize: 250,
                    batchingWindowSeconds: 3,
                    parallelizationFactor: 2,
                    maxRetryAttempts: 5,
                    maxRecordAgeSeconds: 7200,
                    ...extra,
                },
                { provider: p },
            );
        };

    it("maps the stream with bisect, partial batch responses, bounded retries and record age, and an on-failure queue under its own key", async () => {
        const r = await evaluate(build());
        const m = one(r, "aws:lambda/eventSourceMapping:EventSourceMapping");
        const q = one(r, "aws:sqs/queue:Queue");
        const key = one(r, "aws:kms/key:Key");
        expect(m.inputs).to.deep.include({
            eventSourceArn: STREAM_ARN,
            startingPosition: "TRIM_HORIZON",
            batchSize: 250,
            maximumBatchingWindowInSeconds: 3,
            parallelizationFactor: 2,
            bisectBatchOnFunctionError: true,
            maximumRetryAttempts: 5,
            maximumRecordAgeInSeconds: 7200,
        });
        expect(m.inputs.functionResponseTypes).to.deep.equal(["ReportBatchItemFailures"]);
        expect(m.inputs.destinationConfig).to.deep.equal({ onFailure: { destinationArn: q.outputs.arn } });
        expect(m.inputs.functionName).to.equal(one(r, "aws:lambda/function:Function").outputs.arn);
        expect(q.inputs).to.deep.include({ name: "test-watch-failures", kmsMasterKeyId: key.outputs.arn, messageRetentionSeconds: 1209600 });
        expect(key.inputs.enableKeyRotation).to.equal(true);
        const queuePolicy = policyOf(one(r, "aws:sqs/queuePolicy:QueuePolicy"));
        expect(queuePolicy.Statement.map((s: any) => s.Effect)).to.deep.equal(["Deny"]);
        expect(one(r, "aws:cloudwatch/logGroup:LogGroup").inputs).to.deep.include({ name: "/aws/lambda/test-watch", kmsKeyId: key.outputs.arn, retentionInDays: 30 });
        const fn = one(r, "aws:lambda/function:Function");
        expect(fn.inputs).to.deep.include({ runtime: "nodejs22.x", handler: "index.handler", memorySize: 512, timeout: 60 });
        expect(fn.inputs.environment.variables).to.deep.include({ POWERTOOLS_SERVICE_NAME: "watch", POWERTOOLS_METRICS_NAMESPACE: "FlightStream/Consumers" });
        expect(m.account).to.equal(ACCOUNT);
    });

    it("registers its own enhanced fan-out consumer and reads through it, or reads through a given one", async () => {
        const own = await evaluate(build({ enhancedFanOut: true }));
        const c = one(own, "aws:kinesis/streamConsumer:StreamConsumer");
        expect(c.inputs).to.deep.equal({ name: "test-watch", streamArn: STREAM_ARN });
        expect(one(own, "aws:lambda/eventSourceMapping:EventSourceMapping").inputs.eventSourceArn).to.equal(c.outputs.arn);
        expect(statementsOf(own, "watch-policy").SubscribeThroughConsumer.Resource).to.equal(c.outputs.arn);
        const given = await evaluate(build({ consumerArn: CONSUMER_ARN }));
        expect(all(given, "aws:kinesis/streamConsumer:StreamConsumer")).to.have.length(0);
        expect(one(given, "aws:lambda/eventSourceMapping:EventSourceMapping").inputs.eventSourceArn).to.equal(CONSUMER_ARN);
    });

    it("gives its role exactly the stream, its consumer, the stream key, its queue, its key and its logs (least privilege)", async () => {
        const r = await evaluate(build({ consumerArn: CONSUMER_ARN }));
        const st = statementsOf(r, "watch-policy");
        const key = one(r, "aws:kms/key:Key").outputs.arn;
        expect(Object.keys(st).sort()).to.deep.equal(["DecryptStream", "ReadStream", "SendFailures", "SubscribeThroughConsumer", "Tracing", "UseConsumerKey", "WriteOwnLogs"]);
        expect(st.ReadStream).to.deep.equal({
            Sid: "ReadStream",
            Effect: "Allow",
            Resource: STREAM_ARN,
            Action: ["kinesis:DescribeStream", "kinesis:DescribeStreamSummary", "kinesis:GetRecords", "kinesis:GetShardIterator", "kinesis:ListShards", "kinesis:ListStreamConsumers"],
        });
        expect(st.SubscribeThroughConsumer).to.deep.equal({ Sid: "SubscribeThroughConsumer", Effect: "Allow", Action: ["kinesis:SubscribeToShard", "kinesis:DescribeStreamConsumer"], Resource: CONSUMER_ARN });
        expect(st.DecryptStream).to.deep.equal({ Sid: "DecryptStream", Effect: "Allow", Action: ["kms:Decrypt"], Resource: STREAM_KEY });
        expect(st.SendFailures).to.deep.equal({ Sid: "SendFailures", Effect: "Allow", Action: ["sqs:SendMessage", "sqs:GetQueueAttributes"], Resource: one(r, "aws:sqs/queue:Queue").outputs.arn });
        expect(st.UseConsumerKey.Resource).to.equal(key);
        expect(st.WriteOwnLogs.Resource).to.equal(`${one(r, "aws:cloudwatch/logGroup:LogGroup").outputs.arn}:*`);
        for (const s of Object.values(st)) if (s.Sid !== "Tracing") expect(s.Resource, s.Sid).to.not.equal("*");
        const trust = JSON.parse(one(r, "aws:iam/role:Role").inputs.assumeRolePolicy);
        expect(trust.Statement[0].Principal).to.deep.equal({ Service: "lambda.amazonaws.com" });
        expect(JSON.stringify(trust.Statement[0].Condition)).to.include(ACCOUNT);
    });

    it("as a derived stream writer may put to exactly its target stream with its key, and knows the target's name", async () => {
        const r = await evaluate(() => {
            const p = testProvider();
            const clean = new KinesisStream("clean", { accountId: ACCOUNT, region: "eu-west-1", mode: "on-demand" }, { provider: p });
            new StreamConsumer(
                "clean-writer",
                {
                    accountId: ACCOUNT,
                    region: "eu-west-1",
                    stream: { streamArn: STREAM_ARN, keyArn: STREAM_KEY },
                    handler: "functions/consumer/clean/handler.ts",
                    target: clean,
                    alarms: { enabled: false },
                },
                { provider: p },
            );
        });
        const target = one(r, "aws:kinesis/stream:Stream");
        const st = statementsOf(r, "clean-writer-policy");
        expect(st.WriteStream).to.deep.equal({ Sid: "WriteStream", Effect: "Allow", Action: ["kinesis:PutRecord", "kinesis:PutRecords", "kinesis:ListShards", "kinesis:DescribeStreamSummary"], Resource: target.outputs.arn });
        expect(st.EncryptStream.Resource).to.equal(one(r, "aws:kms/key:Key", "clean-key").outputs.arn);
        expect(st.EncryptStream.Action).to.deep.equal(["kms:GenerateDataKey"]);
        expect(one(r, "aws:lambda/function:Function").inputs.environment.variables).to.deep.include({ TARGET_STREAM_NAME: target.outputs.name, TARGET_STREAM_ARN: target.outputs.arn });
    });

    it("alarms on errors, throttles, iterator age, poison records, failed events and failed batches, each with its dimensions", async () => {
        const r = await evaluate(build({ iteratorAgeAlarmMs: 120000 }));
        const alarms = all(r, "aws:cloudwatch/metricAlarm:MetricAlarm");
        expect(alarms.map((a) => [a.inputs.name, a.inputs.namespace, a.inputs.metricName, a.inputs.statistic, a.inputs.comparisonOperator, a.inputs.threshold, a.inputs.dimensions])).to.deep.equal([
            ["test-watch-errors", "AWS/Lambda", "Errors", "Sum", "GreaterThanOrEqualToThreshold", 1, { FunctionName: "test-watch" }],
            ["test-watch-throttles", "AWS/Lambda", "Throttles", "Sum", "GreaterThanOrEqualToThreshold", 1, { FunctionName: "test-watch" }],
            ["test-watch-iterator-age", "AWS/Lambda", "IteratorAge", "Maximum", "GreaterThanOrEqualToThreshold", 120000, { FunctionName: "test-watch" }],
            ["test-watch-poison-records", "FlightStream/Consumers", "PoisonRecords", "Sum", "GreaterThanOrEqualToThreshold", 1, { service: "watch", FunctionName: "test-watch" }],
            ["test-watch-failed-events", "FlightStream/Consumers", "FailedEvents", "Sum", "GreaterThanOrEqualToThreshold", 1, { service: "watch", FunctionName: "test-watch" }],
            ["test-watch-failed-batches", "AWS/SQS", "ApproximateNumberOfMessagesVisible", "Maximum", "GreaterThanThreshold", 0, { QueueName: "test-watch-failures" }],
        ]);
        for (const a of alarms) expect(a.inputs.alarmDescription, a.inputs.name).to.match(/docs\/runbooks\/(consumer-errors|stream-iterator-age)\.md/);
    });

    it("fails when the handler, the reading mode, the mapping settings or the statements are wrong, naming the argument", async () => {
        const msg = async (extra: Record<string, unknown>) => (await evaluateError(build(extra))).message;
        expect(await msg({ handler: undefined })).to.contain("StreamConsumer watch: `handler` must be given when `code` is not (exactly one of them): the path of the handler file (received undefined).");
        expect(await msg({ handler: "functions/consumer/README" })).to.contain('StreamConsumer watch: `handler` must be the path of a .ts or .js file (received "functions/consumer/README").');
        expect(await msg({ enhancedFanOut: true, consumerArn: CONSUMER_ARN })).to.contain("StreamConsumer watch: `enhancedFanOut` must be false when `consumerArn` is given (read through one consumer) (received true).");
        expect(await msg({ logRetentionDays: 2 })).to.contain(
            "StreamConsumer watch: `logRetentionDays` must be one of CloudWatch Logs' retention periods (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653) (received 2).",
        );
        expect(await msg({ batchSize: 0 })).to.contain("StreamConsumer watch: `batchSize` must be an integer between 1 and 10000 (received 0).");
        expect(await msg({ maxRecordAgeSeconds: 30 })).to.contain("StreamConsumer watch: `maxRecordAgeSeconds` must be an integer between 60 and 604800 (received 30).");
        expect(await msg({ statements: [{ Sid: "Wide", Effect: "Allow", Action: "s3:GetObject", Resource: "*" }] })).to.contain(
            'StreamConsumer watch: `statements[0].Resource` must be named resources (least privilege), not "*" (received "*").',
        );
        expect(await msg({ region: undefined })).to.contain("StreamConsumer watch: `region` must be given when `kmsKeyArn` is not");
        expect(await msg({ target: { streamArn: STREAM_ARN, keyArn: STREAM_KEY, streamName: "prod-flight-events" } })).to.contain(
            "StreamConsumer watch: `target.streamArn` must be another stream than `stream` (a consumer writing to the stream it reads would loop)",
        );
    });

    it("fails when the handler file does not exist, naming the path", async () => {
        expect((await evaluateError(build({ handler: "examples/team-stack/handlers/missing.ts" }))).message).to.match(/bundleEntry: no handler file at .*examples\/team-stack\/handlers\/missing\.ts\./);
    });
});

describe("examples/team-stack: its own consumer", function () {
    this.timeout(180_000);
    it("plans with the route-watch consumer bundled from the team's folder, reading through its enhanced fan-out consumer", async () => {
        // The example reads the platform's lake through a StackReference (tests/stack/example.test.ts covers it).
        // The whole `lake` output (platformOutputs checks it against the platform's schema).
        const lake = {
            bucket: "prod-lake",
            keyArn: "arn:aws:kms:eu-west-1:402345678901:key/lake",
            database: "prod_flightstream_lake",
            eventsTable: "events",
            deliveryStream: "prod-lake",
            deliveryRoleArn: "arn:aws:iam::401234567890:role/lake-delivery",
        };
        const fresh = () => {
            for (const k of Object.keys(require.cache)) if (k.includes("/examples/team-stack/")) delete require.cache[k];
            return require("../../examples/team-stack");
        };
        const r = await evaluate(fresh, { project: "team-clickstream", stack: "staging", config: { "team-clickstream:accountId": "555555555555" }, stackReferences: { "organization/flightstream/prod": { lake } } });
        const fn = one(r, "aws:lambda/function:Function", "route-watch");
        expect(fn.account).to.equal("555555555555");
        expect(fn.inputs.description).to.equal("Stream consumer route-watch, handler examples/team-stack/handlers/route-watch.ts");
        // What esbuild bundles from that file: the team's handler (its metric) and the framework it imports.
        const { code } = bundleEntry(path.join(__dirname, "..", "..", "examples", "team-stack", "handlers", "route-watch.ts"));
        expect(code).to.include("RouteSearches");
        expect(code).to.include("FailedEvents");
        const efo = one(r, "aws:kinesis/streamConsumer:StreamConsumer");
        expect(one(r, "aws:lambda/eventSourceMapping:EventSourceMapping").inputs).to.deep.include({ eventSourceArn: efo.outputs.arn, batchSize: 200, bisectBatchOnFunctionError: true });
        expect(fn.inputs.environment.variables.POWERTOOLS_METRICS_NAMESPACE).to.equal("Clickstream/Consumers");
        const alarmNames = all(r, "aws:cloudwatch/metricAlarm:MetricAlarm").map((a) => a.inputs.name);
        expect(alarmNames).to.include.members(["staging-route-watch-iterator-age", "staging-route-watch-failed-batches", "staging-route-watch-failed-events"]);
        expect(alarmProblems(r)).to.deep.equal([]);
        expect(r.outputs.routeWatchFunction).to.equal(fn.outputs.name);
    });
});
