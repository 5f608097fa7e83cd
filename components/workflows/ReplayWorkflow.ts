/**
 * Replay workflow: re-delivers a time range of the stream (or, beyond its
 * retention, of the lake's objects) to the stream processor, shard by shard
 * with bounded concurrency; the processor is idempotent, so replays never
 * double count. Lives in the ingestion account (with the stream and the
 * processor); the tasks get the stream's and the lake's read grants through
 * the `stream` and `lake` references (their identity side; the lake bucket in
 * the lake account must also let `taskRole` read `data/*`).
 *
 * Creates: aws.kms.Key (logs), aws.cloudwatch.LogGroup, aws.iam.Role + RolePolicy
 * and aws.lambda.Function (tasks), and a {@link Workflow} (state machine, role,
 * log group, alarms).
 */
import * as pulumi from "@pulumi/pulumi";
import { KinesisStreamRef, LakeBucketRef, StatementCollector } from "../common/grants";
import { replayDefinition } from "../../functions/workflows/asl/replay";
import { intArgs } from "../common/args";
import { PolicyStatement } from "../common/iam";
import { TaskWorkflowComponent, TaskWorkflowComponentArgs } from "./taskFunction";

export interface ReplayWorkflowArgs extends TaskWorkflowComponentArgs {
    /**
     * The stream replayed (`KinesisStream`, or `KinesisStreamRef.fromStreamAttributes`
     * with `streamName` and its `keyArn`): the tasks get its "records" read grant
     * (GetRecords, GetShardIterator, ListShards, DescribeStreamSummary and kms:Decrypt).
     */
    readonly stream: KinesisStreamRef;
    /** Stream retention in hours: older ranges are read from the lake. */
    readonly retentionHours: pulumi.Input<number>;
    /** The stream processor Lambda (replay target "analytics"). */
    readonly processorFunctionArn: pulumi.Input<string>;
    /**
     * The lake (replay beyond retention; a `LakeBucketRef` with `bucketName`): the
     * tasks get its read grant on `data/`. @default - no lake: ranges beyond retention are refused
     */
    readonly lake?: LakeBucketRef;
    /** How far back the lake keeps data. @default - forever */
    readonly lakeRetentionDays?: pulumi.Input<number>;
    /** Shards replayed at once (Map MaxConcurrency, 1..40). @default 10 */
    readonly maxConcurrency?: number;
    /** Records one task invocation reads. @default 5000 */
    readonly pageMaxRecords?: number;
    /** Seconds one task invocation reads for. @default 60 */
    readonly pageMaxSeconds?: number;
}

export class ReplayWorkflow extends TaskWorkflowComponent {
    constructor(name: string, args: ReplayWorkflowArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("flightstream:workflows:ReplayWorkflow", name, args, opts);
        const v = this.v;
        v.check("stream", args.stream instanceof KinesisStreamRef && args.stream.streamName !== undefined && args.stream.keyArn !== undefined, "a KinesisStreamRef with its `streamName` and `keyArn`", describeRef(args.stream));
        v.intRange("retentionHours", args.retentionHours, 24, 8760);
        const { maxConcurrency, pageMaxRecords, pageMaxSeconds } = intArgs(v, args, {
            maxConcurrency: { default: 10, min: 1, max: 40 },
            pageMaxRecords: { default: 5000, min: 1, max: 10000 },
            pageMaxSeconds: { default: 60, min: 1, max: 600 },
        });
        v.intRange("lakeRetentionDays", args.lakeRetentionDays, 1, 36500);
        const lake = args.lake;
        v.check("lake", lake === undefined || (lake instanceof LakeBucketRef && lake.bucketName !== undefined), "a LakeBucketRef with its `bucketName` (or none)", describeRef(lake));

        // Stream and lake are references: the grants give the tasks' side.
        const grants = new StatementCollector();
        args.stream.grantRead("replay-stream", grants, "records");
        // The replay reads data/ with the lake bucket's region known: no GetBucketLocation.
        lake?.grantRead("replay-lake", grants, ["data/"], { locateBucket: false });
        const statements: PolicyStatement[] = [
            ...grants.statements,
            { Sid: "DeliverToProcessor", Effect: "Allow", Action: "lambda:InvokeFunction", Resource: [args.processorFunctionArn, pulumi.interpolate`${args.processorFunctionArn}:*`] },
        ];
        const environment: Record<string, pulumi.Input<string>> = {
            STREAM_NAME: args.stream.streamName!,
            STREAM_ARN: args.stream.streamArn,
            STREAM_RETENTION_HOURS: pulumi.output(args.retentionHours).apply(String),
            REPLAY_TARGETS: pulumi.jsonStringify({ analytics: args.processorFunctionArn }),
            REPLAY_PAGE_MAX_RECORDS: String(pageMaxRecords),
            REPLAY_PAGE_MAX_SECONDS: String(pageMaxSeconds),
            ...(lake ? { LAKE_BUCKET: lake.bucketName! } : {}),
            ...(args.lakeRetentionDays !== undefined ? { LAKE_RETENTION_DAYS: pulumi.output(args.lakeRetentionDays).apply(String) } : {}),
        };
        this.createWorkflow({
            kind: "replay",
            description: "Replay workflow tasks: plan, read a page of a shard or lake hour and re-deliver it, summarize",
            environment,
            statements,
            // A page reads for pageMaxSeconds, then delivers what it read.
            timeoutSeconds: Math.min(900, pageMaxSeconds * 3 + 60),
            memoryMiB: 1024,
            definition: (taskFunctionArn) => replayDefinition({ taskFunctionArn, maxConcurrency }),
        });
        this.registerWorkflowOutputs();
    }
}

/** How a validation message shows a reference argument (its ARN when plain). */
function describeRef(ref: KinesisStreamRef | LakeBucketRef | undefined): unknown {
    if (ref instanceof KinesisStreamRef) return typeof ref.streamArn === "string" ? ref.streamArn : "a KinesisStreamRef";
    if (ref instanceof LakeBucketRef) return typeof ref.bucketArn === "string" ? ref.bucketArn : "a LakeBucketRef";
    return ref;
}
