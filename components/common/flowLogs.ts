/**
 * VPC flow logs, one recipe for every component that creates a VPC: a
 * KMS-encrypted CloudWatch log group, a delivery role that only
 * vpc-flow-logs.amazonaws.com of this account may assume (confused-deputy
 * conditions), and an aws.ec2.FlowLog of ALL traffic at 60 s aggregation.
 * Children are named `<name>-flow-logs`, `<name>-flow-logs-role`, `<name>-flow-log`.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { grant, policyDocument } from "./iam";

export interface VpcFlowLogArgs {
    readonly vpcId: pulumi.Input<string>;
    /** Log group name, e.g. `/vpc/<name>/flow-logs`. */
    readonly logGroupName: string;
    readonly retentionInDays: number;
    readonly kmsKeyArn: pulumi.Input<string>;
    readonly accountId: pulumi.Input<string>;
    readonly region: pulumi.Input<string>;
    /** Description of the delivery role. */
    readonly roleDescription: string;
    /** `Name` tag of the flow log. */
    readonly nameTag: string;
    /** Tags of every child. @default - none (provider default tags still apply) */
    readonly tags?: Record<string, string>;
}

export interface VpcFlowLog {
    readonly logGroup: aws.cloudwatch.LogGroup;
    readonly role: aws.iam.Role;
    readonly flowLog: aws.ec2.FlowLog;
}

export function vpcFlowLogs(name: string, args: VpcFlowLogArgs, opts: pulumi.CustomResourceOptions): VpcFlowLog {
    const tags = args.tags;
    const logGroup = new aws.cloudwatch.LogGroup(`${name}-flow-logs`, { name: args.logGroupName, retentionInDays: args.retentionInDays, kmsKeyId: args.kmsKeyArn, ...(tags ? { tags } : {}) }, opts);
    const role = new aws.iam.Role(
        `${name}-flow-logs-role`,
        {
            description: args.roleDescription,
            assumeRolePolicy: policyDocument([
                {
                    Effect: "Allow",
                    Principal: { Service: "vpc-flow-logs.amazonaws.com" },
                    Action: "sts:AssumeRole",
                    Condition: { StringEquals: { "aws:SourceAccount": args.accountId }, ArnLike: { "aws:SourceArn": pulumi.interpolate`arn:aws:ec2:${args.region}:${args.accountId}:vpc-flow-log/*` } },
                },
            ]),
            ...(tags ? { tags } : {}),
        },
        opts,
    );
    grant(`${name}-flow-logs`, role, [{ Sid: "DeliverFlowLogs", Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"], Resource: pulumi.interpolate`${logGroup.arn}:*` }]);
    const flowLog = new aws.ec2.FlowLog(
        `${name}-flow-log`,
        {
            vpcId: args.vpcId,
            trafficType: "ALL",
            logDestinationType: "cloud-watch-logs",
            logDestination: logGroup.arn,
            iamRoleArn: role.arn,
            maxAggregationInterval: 60,
            tags: { ...(tags ?? {}), Name: args.nameTag },
        },
        opts,
    );
    return { logGroup, role, flowLog };
}
