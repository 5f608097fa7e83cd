/**
 * A consuming team's own stack built from the flightstream component library:
 * its own on-call topics, an on-demand encrypted stream with an enhanced fan-out
 * consumer, a producer role granted write access, its own micro-batch consumer
 * (handlers/route-watch.ts, bundled from this folder by StreamConsumer, reading
 * through the `sessionizer` consumer), and a dashboard built from the metric
 * helpers. Account and region come from the team's provider.
 *
 * Its pond (pond.ts, its own dataset under datasets/) reads the PLATFORM's lake:
 * the lake's bucket, key and Glue database come from the platform stack's
 * outputs through a StackReference (`platformStack`, default
 * "organization/flightstream/prod"), never copied into this stack's config.
 *
 *   cd examples/team-stack && pulumi config set aws:region eu-west-1 && pulumi up
 */
import * as aws from "@pulumi/aws";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { Dashboard, KinesisStream, OnCall, StreamConsumer, platformOutputs, serviceTrustPolicy } from "@flightstream/components";
import { teamPond } from "./pond";

const config = new pulumi.Config();
const accountId = config.get("accountId") ?? "555555555555";
const region = config.get("region") ?? "eu-west-1";
/** The platform stack whose outputs this stack reads. @default "organization/flightstream/prod" */
const platformStack = config.get("platformStack") ?? "organization/flightstream/prod";

const provider = new aws.Provider("team", {
    region: region as aws.Region,
    allowedAccountIds: [accountId],
    defaultTags: { tags: { Project: "clickstream", Environment: pulumi.getStack(), Owner: "web-team", CostCenter: "CC-2001", DataClassification: "internal" } },
});

const oncall = new OnCall("team-oncall", { accountId, ticketEmails: ["web-team@example.com"] }, { provider });

const stream = new KinesisStream(
    "clicks",
    {
        accountId,
        region,
        mode: "on-demand",
        retentionHours: 72,
        consumers: ["sessionizer"],
        alarms: { routing: oncall.routing, overrides: { "read-throttled": { enabled: false } } },
    },
    { provider },
);

const producer = new aws.iam.Role("click-producer", { assumeRolePolicy: serviceTrustPolicy("ecs-tasks.amazonaws.com", accountId) }, { provider });
stream.grantWrite("click-producer-write", producer);

// The team's own consumer: its handler lives in this folder; the framework decodes, validates and
// deduplicates, the component wires the mapping, queue, role and alarms.
const routeWatch = new StreamConsumer(
    "route-watch",
    {
        accountId,
        region,
        stream: { streamArn: stream.streamArn, keyArn: stream.keyArn },
        consumerArn: stream.consumers["sessionizer"].arn,
        handler: path.join(__dirname, "handlers", "route-watch.ts"),
        metricsNamespace: "Clickstream/Consumers",
        batchSize: 200,
        alarms: { routing: oncall.routing },
    },
    { provider },
);

// The platform's lake, from its stack's `lake` output, read and checked by the typed reader
// (components/platform/outputs.ts: the platform's exports are typed against the same schema).
const platform = platformOutputs(new pulumi.StackReference("platform", { name: platformStack }));
const lake = platform.lake;
const web = teamPond(
    {
        accountId,
        region,
        lake: { bucketName: lake.bucket, bucketArn: pulumi.interpolate`arn:aws:s3:::${lake.bucket}`, keyArn: lake.keyArn, databaseName: lake.database },
        readerPrincipalArns: [`arn:aws:iam::${accountId}:role/web-analysts`],
        failureTopic: oncall.topics.ticket,
        routing: oncall.routing,
    },
    provider,
);

new Dashboard(
    "clicks-dashboard",
    {
        dashboardName: `${pulumi.getStack()}-clickstream`,
        region,
        sections: [
            {
                title: "Clickstream",
                widgets: [
                    { title: "Incoming bytes", metrics: [stream.metricIncomingBytes()] },
                    { title: "Iterator age", metrics: [stream.metricGetRecordsIteratorAgeMilliseconds()] },
                ],
            },
            { title: "Route watch", widgets: routeWatch.widgets("route-watch") },
            { title: "Web pond", widgets: [{ title: "Pond ETL: failed executions", metrics: [web.etl.metricExecutionsFailed()] }] },
        ],
    },
    { provider },
);

export const streamName = stream.streamName;
export const streamArn = stream.streamArn;
export const producerRoleArn = producer.arn;
export const routeWatchFunction = routeWatch.function.name;
export const routeWatchFailureQueueUrl = routeWatch.failureQueue.url;
export const webPondBucket = web.pond.bucketName;
export const webPondEtlStateMachineArn = web.etl.workflow.stateMachine.arn;
