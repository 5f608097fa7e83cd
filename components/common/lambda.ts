/**
 * The platform's Lambda recipe, written once (not a component itself): a
 * function with its own role (trusting lambda.amazonaws.com of its account
 * only), a KMS-encrypted log group with retention that the function logs to in
 * JSON, an inline policy with the caller's statements plus writing its own
 * logs and X-Ray tracing, active tracing, arm64, Node.js 22 (`LAMBDA_RUNTIME`),
 * source maps on, and an optional dead-letter target and reserved concurrency.
 *
 * Creates (children of `parent`): aws.cloudwatch.LogGroup `<name>-logs`,
 * aws.iam.Role `<name>-role` + RolePolicy `<name>-policy` (child of the role),
 * aws.lambda.Function `<name>`. `resourceNames` keeps older logical names.
 * Validated eagerly: `logRetentionDays` (a CloudWatch retention value),
 * `memoryMiB` (128..10240), `timeoutSeconds` (1..900), `reservedConcurrency`.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { LAMBDA_RUNTIME } from "./bundle";
import { PolicyStatement, grant, serviceTrustPolicy } from "./iam";
import { validator } from "./validation";

export interface LambdaFunctionArgs {
    readonly description: pulumi.Input<string>;
    /** Description of the role. @default - the function's `description`; `null` for none */
    readonly roleDescription?: pulumi.Input<string> | null;
    /** Account the function runs in (the role's trust is limited to it). */
    readonly accountId: pulumi.Input<string>;
    readonly code: pulumi.asset.Archive;
    /** @default "index.handler" */
    readonly handler?: string;
    /** KMS key of the log group. */
    readonly logKeyArn: pulumi.Input<string>;
    readonly logRetentionDays: number;
    /** Function name. @default `${stack}-${name}`; `null` lets Pulumi auto-name the function and its log group */
    readonly functionName?: string | null;
    /** Environment besides `NODE_OPTIONS=--enable-source-maps`. @default {} */
    readonly environment?: Record<string, pulumi.Input<string>>;
    /** What the function calls besides its logs and X-Ray (scoped). @default [] */
    readonly statements?: PolicyStatement[];
    /** Where the logs and tracing statements go in the policy. @default "last" */
    readonly ownStatements?: "first" | "last";
    /** Sid of the logs statement; `null` for none. @default "WriteOwnLogs" */
    readonly logsSid?: string | null;
    readonly timeoutSeconds: number;
    readonly memoryMiB: number;
    /** @default - unreserved */
    readonly reservedConcurrency?: number;
    /** Dead-letter target (SQS queue or SNS topic ARN) of asynchronous invocations. @default - none */
    readonly deadLetterTargetArn?: pulumi.Input<string>;
    /** Resources the function waits for besides its policy and log group (grants it needs to run). @default [] */
    readonly dependsOn?: pulumi.Resource[];
    /** Grants made to the role that the function needs before it runs (created after the role, waited for). @default - none */
    readonly roleGrants?: (role: aws.iam.Role) => pulumi.Resource[];
    /** Whether the function waits for its policy and log group. @default true */
    readonly waitForPolicy?: boolean;
    /** Logical names of the children (kept from before the recipe was shared). @default {function: name, logs: `${name}-logs`, role: `${name}-role`, policy: `${name}-policy`} */
    readonly resourceNames?: { readonly function?: string; readonly logs?: string; readonly role?: string; readonly policy?: string };
}

export interface LambdaFunction {
    readonly function: aws.lambda.Function;
    readonly role: aws.iam.Role;
    readonly logGroup: aws.cloudwatch.LogGroup;
    readonly policy: aws.iam.RolePolicy;
}

/** The function, its role, policy and log group (see the module comment). */
export function lambdaFunction(name: string, parent: pulumi.Resource, args: LambdaFunctionArgs): LambdaFunction {
    const v = validator("lambdaFunction", name);
    v.logRetentionDays("logRetentionDays", args.logRetentionDays);
    v.intRange("memoryMiB", args.memoryMiB, 128, 10240);
    v.intRange("timeoutSeconds", args.timeoutSeconds, 1, 900);
    v.intRange("reservedConcurrency", args.reservedConcurrency, 0, 1000000);
    const p = { parent };
    const names = {
        function: args.resourceNames?.function ?? name,
        logs: args.resourceNames?.logs ?? `${name}-logs`,
        role: args.resourceNames?.role ?? `${name}-role`,
        policy: args.resourceNames?.policy ?? `${name}-policy`,
    };
    const functionName = args.functionName === null ? undefined : (args.functionName ?? `${pulumi.getStack()}-${name}`);
    const logGroup = new aws.cloudwatch.LogGroup(
        names.logs,
        {
            ...(functionName !== undefined ? { name: `/aws/lambda/${functionName}` } : {}),
            retentionInDays: args.logRetentionDays,
            kmsKeyId: args.logKeyArn,
        },
        p,
    );
    const role = new aws.iam.Role(
        names.role,
        {
            ...(args.roleDescription !== null ? { description: args.roleDescription ?? args.description } : {}),
            assumeRolePolicy: serviceTrustPolicy("lambda.amazonaws.com", args.accountId),
        },
        p,
    );
    const logsSid = args.logsSid === undefined ? "WriteOwnLogs" : args.logsSid;
    const own: PolicyStatement[] = [
        { ...(logsSid !== null ? { Sid: logsSid } : {}), Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: pulumi.interpolate`${logGroup.arn}:*` },
        // X-Ray has no resource-level permissions.
        { Sid: "Tracing", Effect: "Allow", Action: ["xray:PutTraceSegments", "xray:PutTelemetryRecords"], Resource: "*" },
    ];
    const statements = args.statements ?? [];
    const policy = grant(names.policy, role, args.ownStatements === "first" ? [...own, ...statements] : [...statements, ...own]);
    const granted = args.roleGrants?.(role) ?? [];
    const fn = new aws.lambda.Function(
        names.function,
        {
            ...(functionName !== undefined ? { name: functionName } : {}),
            description: args.description,
            runtime: LAMBDA_RUNTIME,
            architectures: ["arm64"],
            handler: args.handler ?? "index.handler",
            code: args.code,
            role: role.arn,
            memorySize: args.memoryMiB,
            timeout: args.timeoutSeconds,
            ...(args.reservedConcurrency !== undefined ? { reservedConcurrentExecutions: args.reservedConcurrency } : {}),
            ...(args.deadLetterTargetArn !== undefined ? { deadLetterConfig: { targetArn: args.deadLetterTargetArn } } : {}),
            tracingConfig: { mode: "Active" },
            environment: { variables: { NODE_OPTIONS: "--enable-source-maps", ...(args.environment ?? {}) } },
            loggingConfig: { logFormat: "JSON", logGroup: logGroup.name },
        },
        { parent, dependsOn: [...(args.waitForPolicy === false ? [] : [policy, logGroup]), ...granted, ...(args.dependsOn ?? [])] },
    );
    return { function: fn, role, logGroup, policy };
}
