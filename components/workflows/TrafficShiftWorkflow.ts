/**
 * Traffic shift / failover workflow (Route 53): change weighted or failover
 * records of one hosted zone, wait until INSYNC, soak on health checks and
 * alarms, roll back on its own when they fire.
 *
 * Creates: aws.kms.Key (logs), aws.cloudwatch.LogGroup, aws.iam.Role + RolePolicy
 * and aws.lambda.Function (tasks), and a {@link Workflow}.
 */
import * as pulumi from "@pulumi/pulumi";
import { trafficShiftDefinition } from "../../functions/workflows/asl/traffic-shift";
import { PolicyStatement } from "../common/iam";
import { TaskWorkflowComponent, TaskWorkflowComponentArgs } from "./taskFunction";

export interface TrafficShiftWorkflowArgs extends TaskWorkflowComponentArgs {
    /** The one hosted zone the workflow may change. */
    readonly hostedZoneId: pulumi.Input<string>;
    /**
     * Record names the workflow may change (lower case, no trailing dot).
     * @default - any record of the zone
     */
    readonly recordNames?: string[];
    /** Seconds between GetChange polls. @default 10 */
    readonly changePollSeconds?: number;
}

export class TrafficShiftWorkflow extends TaskWorkflowComponent {
    constructor(name: string, args: TrafficShiftWorkflowArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("flightstream:workflows:TrafficShiftWorkflow", name, args, opts);
        const v = this.v;
        v.pattern("hostedZoneId", args.hostedZoneId, /^Z[A-Z0-9]{1,32}$/, 'a Route 53 hosted zone id such as "Z0123456789ABC"');
        v.intRange("changePollSeconds", args.changePollSeconds, 1, 600);
        v.check(
            "recordNames",
            args.recordNames === undefined || (args.recordNames.length > 0 && args.recordNames.every((n) => /^[a-z0-9*_.-]+[a-z0-9]$/.test(n))),
            "a non-empty list of lower-case DNS names without a trailing dot",
            args.recordNames,
        );
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
        this.createWorkflow({
            kind: "shift",
            description: "Traffic shift workflow tasks: snapshot and plan, change records, poll INSYNC, soak checks, rollback",
            environment: { HOSTED_ZONE_ID: args.hostedZoneId },
            statements,
            timeoutSeconds: 60,
            memoryMiB: 256,
            definition: (taskFunctionArn) => trafficShiftDefinition({ taskFunctionArn, changePollSeconds: args.changePollSeconds ?? 10 }),
        });
        this.registerWorkflowOutputs();
    }
}
