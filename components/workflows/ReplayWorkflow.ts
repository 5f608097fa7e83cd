/**
 * Replay workflow: re-delivers a time range of the stream (or, beyond its
 * retention, of the lake's objects) to the stream processor, shard by shard
 * with bounded concurrency; the processor is idempotent, so replays never
 * double count. Lives in the ingestion account (with the stream and the
 * processor); the lake bucket in the lake account must also let
 * `taskRole` read `data/*` (pass `taskRole.arn` to the lake's readers).
 *
 * Creates: aws.kms.Key (logs), aws.cloudwatch.LogGroup, aws.iam.Role + RolePolicy
 * and aws.lambda.Function (tasks), and a {@link Workflow} (state machine, role,
 * log group, alarms).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { KinesisStreamRef, LakeBucketRef, StatementCollector } from "../common/grants";
import { replayDefinition } from "../../functions/workflows/asl/replay";
import { AlarmSettings } from "../common/alarms";
import { PolicyStatement } from "../common/iam";
import { AWS_ACCOUNT_ID, AWS_REGION, validator } from "../common/validation";
import { workflowLogKey, taskWorkflow } from "./taskFunction";
import { Workflow } from "./Workflow";

export interface ReplayWorkflowArgs {
    /** Account the workflow runs in (the ingestion account). */
    readonly accountId: pulumi.Input<string>;
    readonly region: pulumi.Input<string>;
    readonly streamName: pulumi.Input<string>;
    readonly streamArn: pulumi.Input<string>;
    /** KMS key of the stream (GetRecords needs kms:Decrypt). */
    readonly streamKmsKeyArn: pulumi.Input<string>;
    /** Stream retention in hours: older ranges are read from the lake. */
    readonly retentionHours: pulumi.Input<number>;
    /** The stream processor Lambda (replay target "analytics"). */
    readonly processorFunctionArn: pulumi.Input<string>;
    /** Lake bucket (replay beyond retention). @default - no lake: ranges beyond retention are refused */
    readonly lakeBucketName?: pulumi.Input<string>;
    readonly lakeBucketArn?: pulumi.Input<string>;
    readonly lakeKmsKeyArn?: pulumi.Input<string>;
    /** How far back the lake keeps data. @default - forever */
    readonly lakeRetentionDays?: pulumi.Input<number>;
    /** Shards replayed at once (Map MaxConcurrency, 1..40). @default 10 */
    readonly maxConcurrency?: number;
    /** Records one task invocation reads. @default 5000 */
    readonly pageMaxRecords?: number;
    /** Seconds one task invocation reads for. @default 60 */
    readonly pageMaxSeconds?: number;
    /** @default 90 */
    readonly logRetentionDays?: number;
    readonly alarms?: AlarmSettings;
}

export class ReplayWorkflow extends pulumi.ComponentResource {
    readonly workflow: Workflow;
    readonly stateMachine: aws.sfn.StateMachine;
    readonly tasks: aws.lambda.Function;
    readonly taskRole: aws.iam.Role;
    readonly logKey: aws.kms.Key;
    readonly alarms: aws.cloudwatch.MetricAlarm[];

    constructor(name: string, args: ReplayWorkflowArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("flightstream:workflows:ReplayWorkflow", name, {}, opts);
        const v = validator("ReplayWorkflow", name);
        v.pattern("accountId", args.accountId, AWS_ACCOUNT_ID, "a 12-digit AWS account id");
        v.pattern("region", args.region, AWS_REGION, 'an AWS region such as "eu-west-1"');
        v.intRange("retentionHours", args.retentionHours, 24, 8760);
        v.intRange("maxConcurrency", args.maxConcurrency, 1, 40);
        v.intRange("pageMaxRecords", args.pageMaxRecords, 1, 10000);
        v.intRange("pageMaxSeconds", args.pageMaxSeconds, 1, 600);
        v.intRange("lakeRetentionDays", args.lakeRetentionDays, 1, 36500);
        v.logRetentionDays("logRetentionDays", args.logRetentionDays);
        const lakeArgs = [args.lakeBucketName, args.lakeBucketArn, args.lakeKmsKeyArn];
        v.check("lakeBucketName", lakeArgs.every((a) => a === undefined) || lakeArgs.every((a) => a !== undefined), "given together with `lakeBucketArn` and `lakeKmsKeyArn` (or none of them)", args.lakeBucketName);
        const logRetentionDays = args.logRetentionDays ?? 90;
        const pageMaxSeconds = args.pageMaxSeconds ?? 60;

        this.logKey = workflowLogKey(name, this, args.accountId, args.region);
        const hasLake = args.lakeBucketArn !== undefined;
        // Stream and lake are references: the grants give the tasks' side.
        const grants = new StatementCollector();
        KinesisStreamRef.fromStreamAttributes({ streamArn: args.streamArn, keyArn: args.streamKmsKeyArn }).grantRead("replay-stream", grants, "records");
        if (hasLake) {
            // The replay reads data/ with the lake bucket's region known: no GetBucketLocation.
            LakeBucketRef.fromBucketAttributes({ bucketArn: args.lakeBucketArn!, keyArn: args.lakeKmsKeyArn!, label: "Lake" }).grantRead("replay-lake", grants, ["data/"], { locateBucket: false });
        }
        const statements: PolicyStatement[] = [
            ...grants.statements,
            { Sid: "DeliverToProcessor", Effect: "Allow", Action: "lambda:InvokeFunction", Resource: [args.processorFunctionArn, pulumi.interpolate`${args.processorFunctionArn}:*`] },
        ];
        const environment: Record<string, pulumi.Input<string>> = {
            STREAM_NAME: args.streamName,
            STREAM_ARN: args.streamArn,
            STREAM_RETENTION_HOURS: pulumi.output(args.retentionHours).apply(String),
            REPLAY_TARGETS: pulumi.jsonStringify({ analytics: args.processorFunctionArn }),
            REPLAY_PAGE_MAX_RECORDS: String(args.pageMaxRecords ?? 5000),
            REPLAY_PAGE_MAX_SECONDS: String(pageMaxSeconds),
            ...(hasLake ? { LAKE_BUCKET: args.lakeBucketName! } : {}),
            ...(args.lakeRetentionDays !== undefined ? { LAKE_RETENTION_DAYS: pulumi.output(args.lakeRetentionDays).apply(String) } : {}),
        };
        ({
            workflow: this.workflow,
            stateMachine: this.stateMachine,
            alarms: this.alarms,
            tasks: this.tasks,
            taskRole: this.taskRole,
        } = taskWorkflow(name, this, {
            kind: "replay",
            description: "Replay workflow tasks: plan, read a page of a shard or lake hour and re-deliver it, summarize",
            accountId: args.accountId,
            region: args.region,
            logKey: this.logKey,
            logRetentionDays,
            environment,
            statements,
            // A page reads for pageMaxSeconds, then delivers what it read.
            timeoutSeconds: Math.min(900, pageMaxSeconds * 3 + 60),
            memoryMiB: 1024,
            alarms: args.alarms,
            definition: (taskFunctionArn) => replayDefinition({ taskFunctionArn, maxConcurrency: args.maxConcurrency ?? 10 }),
        }));
        this.registerOutputs({ stateMachine: this.stateMachine, tasks: this.tasks, taskRole: this.taskRole, logKey: this.logKey });
    }
}
