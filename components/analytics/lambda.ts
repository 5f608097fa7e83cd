/**
 * Shared piece of the analytics components (not a component itself): one
 * Lambda function with its own role, KMS-encrypted log group with retention,
 * X-Ray tracing, arm64, Node.js 22 (`LAMBDA_RUNTIME`).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { LAMBDA_RUNTIME } from "../common/bundle";
import { PolicyStatement, grant, serviceTrustPolicy } from "../common/iam";

export interface AnalyticsFunctionArgs {
    readonly description: string;
    readonly accountId: pulumi.Input<string>;
    readonly code: pulumi.asset.Archive;
    readonly logKeyArn: pulumi.Input<string>;
    readonly logRetentionDays: number;
    readonly environment: Record<string, pulumi.Input<string>>;
    /** What the function calls besides its logs and X-Ray (scoped). */
    readonly statements: PolicyStatement[];
    readonly timeoutSeconds: number;
    readonly memoryMiB: number;
    readonly reservedConcurrency?: number;
}

export interface AnalyticsFunction {
    readonly function: aws.lambda.Function;
    readonly role: aws.iam.Role;
    readonly logGroup: aws.cloudwatch.LogGroup;
    readonly policy: aws.iam.RolePolicy;
}

/** Grants that must exist before the function runs are passed as `dependsOn`. */
export function analyticsFunction(name: string, parent: pulumi.Resource, args: AnalyticsFunctionArgs, extraPolicies: (role: aws.iam.Role) => pulumi.Resource[] = () => []): AnalyticsFunction {
    const p = { parent };
    const functionName = `${pulumi.getStack()}-${name}`;
    const logGroup = new aws.cloudwatch.LogGroup(`${name}-logs`, {
        name: `/aws/lambda/${functionName}`,
        retentionInDays: args.logRetentionDays,
        kmsKeyId: args.logKeyArn,
    }, p);
    const role = new aws.iam.Role(`${name}-role`, {
        description: args.description,
        assumeRolePolicy: serviceTrustPolicy("lambda.amazonaws.com", args.accountId),
    }, p);
    const policy = grant(`${name}-policy`, role, [
        ...args.statements,
        { Sid: "WriteOwnLogs", Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: pulumi.interpolate`${logGroup.arn}:*` },
        // X-Ray has no resource-level permissions.
        { Sid: "Tracing", Effect: "Allow", Action: ["xray:PutTraceSegments", "xray:PutTelemetryRecords"], Resource: "*" },
    ]);
    const extra = extraPolicies(role);
    const fn = new aws.lambda.Function(name, {
        name: functionName,
        description: args.description,
        runtime: LAMBDA_RUNTIME,
        architectures: ["arm64"],
        handler: "index.handler",
        code: args.code,
        role: role.arn,
        memorySize: args.memoryMiB,
        timeout: args.timeoutSeconds,
        ...(args.reservedConcurrency !== undefined ? { reservedConcurrentExecutions: args.reservedConcurrency } : {}),
        tracingConfig: { mode: "Active" },
        environment: { variables: { NODE_OPTIONS: "--enable-source-maps", ...args.environment } },
        loggingConfig: { logFormat: "JSON", logGroup: logGroup.name },
    }, { parent, dependsOn: [policy, logGroup, ...extra] });
    return { function: fn, role, logGroup, policy };
}
