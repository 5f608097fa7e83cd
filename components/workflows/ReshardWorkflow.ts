/**
 * Reshard workflow: UpdateShardCount in steps of at most 2x up or half down,
 * waiting for ACTIVE between steps, refusing plans that would exceed the
 * 10-calls-per-rolling-24-h quota. The calls it made are kept in an SSM
 * parameter (the ledger) only this workflow's task function writes. See
 * docs/workflows.md for reconciling the result with `stream.shards`.
 *
 * With `automatic`, the capacity early-warning alarms (an EventBridge rule on
 * their state change) and a scheduled check (EventBridge Scheduler) invoke a
 * starter function (functions/workflows/auto-reshard.ts) that starts this
 * workflow with the planner's target within the call budget and notifies
 * on-call (docs/workflows.md#automatic-resharding).
 *
 * Creates: aws.kms.Key (logs), aws.ssm.Parameter (ledger), aws.cloudwatch.LogGroup,
 * aws.iam.Role + RolePolicy and aws.lambda.Function (tasks), and a {@link Workflow};
 * with `automatic` also the starter's aws.lambda.Function + Role + RolePolicy + LogGroup,
 * an aws.cloudwatch.EventRule + EventTarget + aws.lambda.Permission (alarms), an
 * aws.scheduler.Schedule + its Role + RolePolicy (check), and an `auto-errors` alarm.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { reshardDefinition } from "../../functions/workflows/asl/reshard";
import { createAlarms } from "../common/alarms";
import { metric } from "../common/metrics";
import { KinesisStreamRef, StatementCollector } from "../common/grants";
import { grant, serviceTrustPolicy } from "../common/iam";
import type { OnCall } from "../oncall/OnCall";
import { TaskWorkflowComponent, TaskWorkflowComponentArgs, taskFunction } from "./taskFunction";
import type { MeasuredFigures } from "../../functions/shared/capacity";

/** The automatic start: who triggers it, how it sizes, whom it tells. */
export interface AutoReshardArgs {
    /** Names of the alarms whose ALARM state starts a check (the stream's capacity early-warning alarms). */
    readonly alarmNames: pulumi.Input<string>[];
    /**
     * Whom every automatic start is told (the `ticket` topic) and whom a start
     * stopped or capped by the budget pages (the `page` topic): the ingestion
     * account's `OnCall`, whose `grantPublish` gives the starter sns:Publish on
     * both topics and the use of their key.
     */
    readonly onCall: Pick<OnCall, "topics" | "grantPublish">;
    /** EventBridge Scheduler expression of the scheduled check. @default "rate(15 minutes)" */
    readonly schedule?: string;
    /** Share of the shards' write limits at which the starter acts; keep it the capacity alarms' share, (0, 1]. @default 0.8 */
    readonly alarmShare?: number;
    /** Share of each shard's limits the hottest shard may use after the reshard, (0, 1]. @default 0.7 */
    readonly targetUtilization?: number;
    /** Growth over the measured peak minute the target leaves room for, 1..10. @default 1.5 */
    readonly headroom?: number;
    /** UpdateShardCount calls of the 24 h budget the automatic start leaves to on-call, 0..9. @default 2 */
    readonly reserveCalls?: number;
    /** Minutes of metrics the peak minute is taken from, 5..1440. @default 15 */
    readonly lookbackMinutes?: number;
}

export interface ReshardWorkflowArgs extends TaskWorkflowComponentArgs {
    /** The stream resharded (`KinesisStream`, or `KinesisStreamRef.fromStreamAttributes` with `streamName`): the tasks get its reshard grant. */
    readonly stream: KinesisStreamRef;
    /** Highest shard count a reshard may target (the account's shard quota). @default 10000 */
    readonly maxShards?: number;
    /** The capacity planner's measured figures (bench/results.json via `measuredFigures`) a reshard by throughput is sized with. @default - the Kinesis-only planner */
    readonly plannerFigures?: MeasuredFigures;
    /** Seconds between DescribeStreamSummary polls. @default 30 */
    readonly pollSeconds?: number;
    /** Start the workflow automatically from the capacity alarms and a scheduled check. @default - manual only */
    readonly automatic?: AutoReshardArgs;
}

export class ReshardWorkflow extends TaskWorkflowComponent {
    readonly ledger: aws.ssm.Parameter;
    /** The automatic starter (with `automatic`). */
    readonly starter?: aws.lambda.Function;
    readonly starterRole?: aws.iam.Role;
    readonly alarmRule?: aws.cloudwatch.EventRule;
    readonly schedule?: aws.scheduler.Schedule;
    readonly scheduleRole?: aws.iam.Role;

    constructor(name: string, args: ReshardWorkflowArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("flightstream:workflows:ReshardWorkflow", name, args, opts);
        const v = this.v;
        v.check("stream", args.stream instanceof KinesisStreamRef && args.stream.streamName !== undefined, "a KinesisStreamRef with its `streamName`", args.stream instanceof KinesisStreamRef ? args.stream.streamArn : args.stream);
        v.intRange("maxShards", args.maxShards, 1, 100000);
        v.intRange("pollSeconds", args.pollSeconds, 1, 3600);
        const auto = args.automatic;
        if (auto) {
            v.check("automatic.alarmNames", Array.isArray(auto.alarmNames) && auto.alarmNames.length > 0, "a non-empty list of alarm names", auto.alarmNames);
            v.numberRange("automatic.alarmShare", auto.alarmShare, 0.01, 1);
            v.numberRange("automatic.targetUtilization", auto.targetUtilization, 0.01, 1);
            v.numberRange("automatic.headroom", auto.headroom, 1, 10);
            v.intRange("automatic.reserveCalls", auto.reserveCalls, 0, 9);
            v.intRange("automatic.lookbackMinutes", auto.lookbackMinutes, 5, 1440);
            v.check(
                "automatic.schedule",
                auto.schedule === undefined || /^(rate\(\d+ (minute|minutes|hour|hours|day|days)\)|cron\(.+\))$/.test(auto.schedule),
                'an EventBridge Scheduler expression such as "rate(15 minutes)"',
                auto.schedule,
            );
        }
        const logRetentionDays = this.logRetentionDays;
        const streamName = args.stream.streamName!;

        this.ledger = new aws.ssm.Parameter(
            `${name}-ledger`,
            {
                name: `/${pulumi.getProject()}/${pulumi.getStack()}/${name}/reshard-ledger`,
                description: "UpdateShardCount calls made by the reshard workflow (rolling 24 h budget)",
                type: "String",
                value: pulumi.jsonStringify({ stream: streamName, calls: [] }),
            },
            { parent: this, ignoreChanges: ["value"] },
        );

        const taskGrants = new StatementCollector();
        args.stream.grantReshard("reshard", taskGrants);
        this.createWorkflow({
            kind: "reshard",
            description: "Reshard workflow tasks: plan within the call budget, UpdateShardCount, poll until ACTIVE",
            environment: {
                STREAM_NAME: streamName,
                STREAM_ARN: args.stream.streamArn,
                RESHARD_LEDGER_PARAMETER: this.ledger.name,
                ...(args.maxShards !== undefined ? { MAX_SHARDS: String(args.maxShards) } : {}),
                ...(args.plannerFigures !== undefined ? { PLANNER_MEASURED_FIGURES: JSON.stringify(args.plannerFigures) } : {}),
            },
            statements: [...taskGrants.statements, { Sid: "ReshardLedger", Effect: "Allow", Action: ["ssm:GetParameter", "ssm:PutParameter"], Resource: this.ledger.arn }],
            timeoutSeconds: 60,
            memoryMiB: 256,
            definition: (taskFunctionArn) => reshardDefinition({ taskFunctionArn, pollSeconds: args.pollSeconds ?? 30 }),
        });
        if (auto) {
            // The starter reads the open shard count only, and tells on-call (ticket) or pages them.
            const starterGrants = new StatementCollector();
            args.stream.grantDescribe("describe", starterGrants);
            auto.onCall.grantPublish(`${name}-auto-notify`, starterGrants, ["ticket", "page"]);
            const starter = taskFunction(`${name}-auto`, this, {
                kind: "reshard-auto",
                description: "Automatic reshard: on a capacity alarm or the scheduled check, start the reshard workflow with the planner's target within the call budget",
                accountId: args.accountId,
                logKeyArn: this.logKey.arn,
                logRetentionDays,
                environment: {
                    STREAM_NAME: streamName,
                    RESHARD_LEDGER_PARAMETER: this.ledger.name,
                    RESHARD_STATE_MACHINE_ARN: this.stateMachine.arn,
                    ONCALL_TICKET_TOPIC_ARN: auto.onCall.topics.ticket.topicArn,
                    ONCALL_PAGE_TOPIC_ARN: auto.onCall.topics.page.topicArn,
                    ...(auto.alarmShare !== undefined ? { AUTO_RESHARD_ALARM_SHARE: String(auto.alarmShare) } : {}),
                    ...(auto.targetUtilization !== undefined ? { AUTO_RESHARD_TARGET_UTILIZATION: String(auto.targetUtilization) } : {}),
                    ...(auto.headroom !== undefined ? { AUTO_RESHARD_HEADROOM: String(auto.headroom) } : {}),
                    ...(auto.reserveCalls !== undefined ? { AUTO_RESHARD_RESERVE_CALLS: String(auto.reserveCalls) } : {}),
                    ...(auto.lookbackMinutes !== undefined ? { AUTO_RESHARD_LOOKBACK_MINUTES: String(auto.lookbackMinutes) } : {}),
                    ...(args.maxShards !== undefined ? { MAX_SHARDS: String(args.maxShards) } : {}),
                    ...(args.plannerFigures !== undefined ? { PLANNER_MEASURED_FIGURES: JSON.stringify(args.plannerFigures) } : {}),
                },
                statements: [
                    ...starterGrants.statements,
                    // Reads the budget; only the workflow's tasks write the ledger.
                    { Sid: "ReadLedger", Effect: "Allow", Action: "ssm:GetParameter", Resource: this.ledger.arn },
                    { Sid: "StartReshard", Effect: "Allow", Action: ["states:StartExecution", "states:ListExecutions"], Resource: this.stateMachine.arn },
                    // GetMetricData has no resource-level permissions.
                    { Sid: "ReadStreamMetrics", Effect: "Allow", Action: "cloudwatch:GetMetricData", Resource: "*" },
                ],
                timeoutSeconds: 60,
                memoryMiB: 256,
            });
            this.starter = starter.function;
            this.starterRole = starter.role;
            const p = { parent: this };
            this.alarmRule = new aws.cloudwatch.EventRule(
                `${name}-auto-alarms`,
                {
                    description: `Capacity alarms of ${name}'s stream in ALARM start the automatic reshard check`,
                    eventPattern: pulumi.jsonStringify({
                        source: ["aws.cloudwatch"],
                        "detail-type": ["CloudWatch Alarm State Change"],
                        detail: { alarmName: auto.alarmNames, state: { value: ["ALARM"] } },
                    }),
                },
                p,
            );
            const permission = new aws.lambda.Permission(
                `${name}-auto-alarms-invoke`,
                {
                    action: "lambda:InvokeFunction",
                    function: starter.function.name,
                    principal: "events.amazonaws.com",
                    sourceArn: this.alarmRule.arn,
                },
                p,
            );
            new aws.cloudwatch.EventTarget(
                `${name}-auto-alarms-target`,
                {
                    rule: this.alarmRule.name,
                    arn: starter.function.arn,
                    retryPolicy: { maximumRetryAttempts: 3, maximumEventAgeInSeconds: 900 },
                },
                { parent: this, dependsOn: [permission] },
            );
            this.scheduleRole = new aws.iam.Role(
                `${name}-auto-schedule-role`,
                {
                    description: `EventBridge Scheduler runs the automatic reshard check of ${name}`,
                    assumeRolePolicy: serviceTrustPolicy("scheduler.amazonaws.com", args.accountId),
                },
                p,
            );
            const schedulePolicy = grant(`${name}-auto-schedule-policy`, this.scheduleRole, [{ Sid: "InvokeStarter", Effect: "Allow", Action: "lambda:InvokeFunction", Resource: starter.function.arn }]);
            this.schedule = new aws.scheduler.Schedule(
                `${name}-auto-check`,
                {
                    name: `${pulumi.getStack()}-${name}-auto-check`,
                    description: "Scheduled automatic reshard check (catches growth the alarms miss, e.g. thresholds stale after a reshard)",
                    scheduleExpression: auto.schedule ?? "rate(15 minutes)",
                    scheduleExpressionTimezone: "UTC",
                    flexibleTimeWindow: { mode: "OFF" },
                    target: {
                        arn: starter.function.arn,
                        roleArn: this.scheduleRole.arn,
                        input: JSON.stringify({ trigger: "schedule" }),
                        retryPolicy: { maximumRetryAttempts: 2, maximumEventAgeInSeconds: 600 },
                    },
                },
                { parent: this, dependsOn: [schedulePolicy] },
            );
            this.alarms.push(
                ...createAlarms(
                    this,
                    name,
                    [
                        {
                            condition: "auto-errors",
                            metric: metric("AWS/Lambda", "Errors", { FunctionName: starter.function.name }, { statistic: "Sum" }, { periodSeconds: 900 }),
                            threshold: 1,
                            comparison: "GreaterThanOrEqualToThreshold",
                            severity: "ticket",
                            runbook: "stream-capacity",
                            description: `Workflow ${name}: the automatic reshard check failed (metrics, ledger, StartExecution or the notification); the stream is not resized automatically until it runs again.`,
                        },
                    ],
                    args.alarms,
                ),
            );
        }
        this.registerWorkflowOutputs({ ledger: this.ledger, ...(this.starter ? { starter: this.starter, schedule: this.schedule } : {}) });
    }
}
