/**
 * Reshard workflow: UpdateShardCount in steps of at most 2x up or half down,
 * waiting for ACTIVE between steps, refusing plans that would exceed the
 * 10-calls-per-rolling-24-h quota. The calls it made are kept in an SSM
 * parameter (the ledger) only this workflow's task function writes. See
 * docs/workflows.md for reconciling the result with `stream.shards`.
 *
 * Creates: aws.kms.Key (logs), aws.ssm.Parameter (ledger), aws.cloudwatch.LogGroup,
 * aws.iam.Role + RolePolicy and aws.lambda.Function (tasks), and a {@link Workflow}.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { reshardDefinition } from "../../functions/workflows/asl/reshard";
import { AlarmSettings } from "../common/alarms";
import { AWS_ACCOUNT_ID, AWS_REGION, validator } from "../common/validation";
import { taskFunction, workflowLogKey, taskWorkflow } from "./taskFunction";
import { Workflow } from "./Workflow";
import type { MeasuredFigures } from "../../functions/shared/capacity";

export interface ReshardWorkflowArgs {
    readonly accountId: pulumi.Input<string>;
    readonly region: pulumi.Input<string>;
    readonly streamName: pulumi.Input<string>;
    readonly streamArn: pulumi.Input<string>;
    /** Highest shard count a reshard may target (the account's shard quota). @default 10000 */
    readonly maxShards?: number;
    /** The capacity planner's measured figures (bench/results.json via `measuredFigures`) a reshard by throughput is sized with. @default - the Kinesis-only planner */
    readonly plannerFigures?: MeasuredFigures;
    /** Seconds between DescribeStreamSummary polls. @default 30 */
    readonly pollSeconds?: number;
    /** @default 90 */
    readonly logRetentionDays?: number;
    readonly alarms?: AlarmSettings;
}

export class ReshardWorkflow extends pulumi.ComponentResource {
    readonly workflow: Workflow;
    readonly stateMachine: aws.sfn.StateMachine;
    readonly tasks: aws.lambda.Function;
    readonly taskRole: aws.iam.Role;
    readonly ledger: aws.ssm.Parameter;
    readonly logKey: aws.kms.Key;
    readonly alarms: aws.cloudwatch.MetricAlarm[];

    constructor(name: string, args: ReshardWorkflowArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("flightstream:workflows:ReshardWorkflow", name, {}, opts);
        const v = validator("ReshardWorkflow", name);
        v.pattern("accountId", args.accountId, AWS_ACCOUNT_ID, "a 12-digit AWS account id");
        v.pattern("region", args.region, AWS_REGION, 'an AWS region such as "eu-west-1"');
        v.intRange("maxShards", args.maxShards, 1, 100000);
        v.intRange("pollSeconds", args.pollSeconds, 1, 3600);
        v.logRetentionDays("logRetentionDays", args.logRetentionDays);
        const logRetentionDays = args.logRetentionDays ?? 90;

        this.logKey = workflowLogKey(name, this, args.accountId, args.region);
        this.ledger = new aws.ssm.Parameter(`${name}-ledger`, {
            name: `/${pulumi.getProject()}/${pulumi.getStack()}/${name}/reshard-ledger`,
            description: "UpdateShardCount calls made by the reshard workflow (rolling 24 h budget)",
            type: "String",
            value: pulumi.jsonStringify({ stream: args.streamName, calls: [] }),
        }, { parent: this, ignoreChanges: ["value"] });

        const fn = taskFunction(name, this, {
            kind: "reshard",
            description: "Reshard workflow tasks: plan within the call budget, UpdateShardCount, poll until ACTIVE",
            accountId: args.accountId,
            logKeyArn: this.logKey.arn,
            logRetentionDays,
            environment: {
                STREAM_NAME: args.streamName,
                STREAM_ARN: args.streamArn,
                RESHARD_LEDGER_PARAMETER: this.ledger.name,
                ...(args.maxShards !== undefined ? { MAX_SHARDS: String(args.maxShards) } : {}),
                ...(args.plannerFigures !== undefined ? { PLANNER_MEASURED_FIGURES: JSON.stringify(args.plannerFigures) } : {}),
            },
            statements: [
                { Sid: "ReshardStream", Effect: "Allow", Action: ["kinesis:UpdateShardCount", "kinesis:DescribeStreamSummary"], Resource: args.streamArn },
                { Sid: "ReshardLedger", Effect: "Allow", Action: ["ssm:GetParameter", "ssm:PutParameter"], Resource: this.ledger.arn },
            ],
            timeoutSeconds: 60,
            memoryMiB: 256,
        });
        this.tasks = fn.function;
        this.taskRole = fn.role;

        this.workflow = taskWorkflow(name, this, fn, {
            accountId: args.accountId,
            region: args.region,
            logKmsKeyArn: this.logKey.arn,
            logRetentionDays,
            alarms: args.alarms,
            definition: (taskFunctionArn) => reshardDefinition({ taskFunctionArn, pollSeconds: args.pollSeconds ?? 30 }),
        });
        this.stateMachine = this.workflow.stateMachine;
        this.alarms = this.workflow.alarms;
        this.registerOutputs({ stateMachine: this.stateMachine, tasks: this.tasks, taskRole: this.taskRole, ledger: this.ledger, logKey: this.logKey });
    }
}
