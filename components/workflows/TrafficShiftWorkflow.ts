/**
 * Traffic shift / failover workflow (Route 53): change weighted or failover
 * records of one hosted zone, wait until INSYNC, soak on health checks and
 * alarms, roll back on its own when they fire.
 *
 * Creates: aws.kms.Key (logs), aws.cloudwatch.LogGroup, aws.iam.Role + RolePolicy
 * and aws.lambda.Function (tasks), and a {@link Workflow}.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { trafficShiftDefinition } from "../../functions/workflows/asl/traffic-shift";
import { AlarmSettings } from "../common/alarms";
import { PolicyStatement } from "../common/iam";
import { AWS_ACCOUNT_ID, AWS_REGION, validator } from "../common/validation";
import { workflowLogKey, taskWorkflow } from "./taskFunction";
import { Workflow } from "./Workflow";

export interface TrafficShiftWorkflowArgs {
    readonly accountId: pulumi.Input<string>;
    readonly region: pulumi.Input<string>;
    /** The one hosted zone the workflow may change. */
    readonly hostedZoneId: pulumi.Input<string>;
    /**
     * Record names the workflow may change (lower case, no trailing dot).
     * @default - any record of the zone
     */
    readonly recordNames?: string[];
    /** Seconds between GetChange polls. @default 10 */
    readonly changePollSeconds?: number;
    /** @default 90 */
    readonly logRetentionDays?: number;
    readonly alarms?: AlarmSettings;
}

export class TrafficShiftWorkflow extends pulumi.ComponentResource {
    readonly workflow: Workflow;
    readonly stateMachine: aws.sfn.StateMachine;
    readonly tasks: aws.lambda.Function;
    readonly taskRole: aws.iam.Role;
    readonly logKey: aws.kms.Key;
    readonly alarms: aws.cloudwatch.MetricAlarm[];

    constructor(name: string, args: TrafficShiftWorkflowArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("flightstream:workflows:TrafficShiftWorkflow", name, {}, opts);
        const v = validator("TrafficShiftWorkflow", name);
        v.pattern("accountId", args.accountId, AWS_ACCOUNT_ID, "a 12-digit AWS account id");
        v.pattern("region", args.region, AWS_REGION, 'an AWS region such as "eu-west-1"');
        v.pattern("hostedZoneId", args.hostedZoneId, /^Z[A-Z0-9]{1,32}$/, 'a Route 53 hosted zone id such as "Z0123456789ABC"');
        v.intRange("changePollSeconds", args.changePollSeconds, 1, 600);
        v.check(
            "recordNames",
            args.recordNames === undefined || (args.recordNames.length > 0 && args.recordNames.every((n) => /^[a-z0-9*_.-]+[a-z0-9]$/.test(n))),
            "a non-empty list of lower-case DNS names without a trailing dot",
            args.recordNames,
        );
        v.logRetentionDays("logRetentionDays", args.logRetentionDays);
        const logRetentionDays = args.logRetentionDays ?? 90;

        this.logKey = workflowLogKey(name, this, args.accountId, args.region);
        const zoneArn = pulumi.interpolate`arn:aws:route53:::hostedzone/${args.hostedZoneId}`;
        const statements: PolicyStatement[] = [
            {
                Sid: "ChangeRecordsOfTheZone",
                Effect: "Allow",
                Action: "route53:ChangeResourceRecordSets",
                Resource: zoneArn,
                ...(args.recordNames ? { Condition: { "ForAllValues:StringEquals": { "route53:ChangeResourceRecordSetsNormalizedRecordNames": args.recordNames } } } : {}),
            },
            { Sid: "ReadRecordsOfTheZone", Effect: "Allow", Action: "route53:ListResourceRecordSets", Resource: zoneArn },
            { Sid: "FollowChanges", Effect: "Allow", Action: "route53:GetChange", Resource: "arn:aws:route53:::change/*" },
            { Sid: "ReadHealthChecks", Effect: "Allow", Action: "route53:GetHealthCheckStatus", Resource: "arn:aws:route53:::healthcheck/*" },
            { Sid: "ReadAlarms", Effect: "Allow", Action: "cloudwatch:DescribeAlarms", Resource: pulumi.interpolate`arn:aws:cloudwatch:${args.region}:${args.accountId}:alarm:*` },
        ];
        ({
            workflow: this.workflow,
            stateMachine: this.stateMachine,
            alarms: this.alarms,
            tasks: this.tasks,
            taskRole: this.taskRole,
        } = taskWorkflow(name, this, {
            kind: "shift",
            description: "Traffic shift workflow tasks: snapshot and plan, change records, poll INSYNC, soak checks, rollback",
            accountId: args.accountId,
            region: args.region,
            logKey: this.logKey,
            logRetentionDays,
            environment: { HOSTED_ZONE_ID: args.hostedZoneId },
            statements,
            timeoutSeconds: 60,
            memoryMiB: 256,
            alarms: args.alarms,
            definition: (taskFunctionArn) => trafficShiftDefinition({ taskFunctionArn, changePollSeconds: args.changePollSeconds ?? 10 }),
        }));
        this.registerOutputs({ stateMachine: this.stateMachine, tasks: this.tasks, taskRole: this.taskRole, logKey: this.logKey });
    }
}
