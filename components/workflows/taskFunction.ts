/**
 * Shared pieces of the workflow components (not a component itself): the
 * KMS key for their logs, and the task Lambda (functions/workflows bundled
 * once, deployed per workflow with `WORKFLOW` set) with its own role.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { functionCode, LAMBDA_RUNTIME } from "../common/bundle";
import { AlarmSettings } from "../common/alarms";
import { PolicyStatement, accountRoot, grant, policyDocument, serviceTrustPolicy } from "../common/iam";
import { Workflow } from "./Workflow";

/** A key CloudWatch Logs may use for this workflow's log groups (state machine and task function). */
export function workflowLogKey(name: string, parent: pulumi.Resource, accountId: pulumi.Input<string>, region: pulumi.Input<string>): aws.kms.Key {
    return new aws.kms.Key(`${name}-logs-key`, {
        description: `Logs of workflow ${name} (state machine and task function)`,
        enableKeyRotation: true,
        deletionWindowInDays: 30,
        policy: policyDocument([
            { Sid: "AccountRootAdministers", Effect: "Allow", Principal: { AWS: accountRoot(accountId) }, Action: "kms:*", Resource: "*" },
            {
                Sid: "CloudWatchLogsUse",
                Effect: "Allow",
                Principal: { Service: pulumi.interpolate`logs.${region}.amazonaws.com` as unknown as string },
                Action: ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
                Resource: "*",
                Condition: {
                    ArnLike: {
                        "kms:EncryptionContext:aws:logs:arn": [
                            pulumi.interpolate`arn:aws:logs:${region}:${accountId}:log-group:/aws/vendedlogs/states/*`,
                            pulumi.interpolate`arn:aws:logs:${region}:${accountId}:log-group:/aws/lambda/*`,
                        ],
                    },
                },
            },
        ]),
    }, { parent });
}

export interface TaskFunctionArgs {
    /** The `WORKFLOW` the bundle serves; `reshard-auto` is the automatic reshard starter (not a workflow's tasks). */
    readonly kind: "replay" | "reshard" | "shift" | "reshard-auto";
    readonly description: string;
    readonly accountId: pulumi.Input<string>;
    readonly logKeyArn: pulumi.Input<string>;
    readonly logRetentionDays: number;
    readonly environment: Record<string, pulumi.Input<string>>;
    /** What the tasks call (scoped). */
    readonly statements: PolicyStatement[];
    readonly timeoutSeconds: number;
    readonly memoryMiB: number;
}

export interface TaskFunction {
    readonly function: aws.lambda.Function;
    readonly role: aws.iam.Role;
    readonly logGroup: aws.cloudwatch.LogGroup;
    readonly policy: aws.iam.RolePolicy;
}

export function taskFunction(name: string, parent: pulumi.Resource, args: TaskFunctionArgs): TaskFunction {
    const p = { parent };
    const functionName = `${pulumi.getStack()}-${name}-tasks`;
    const logGroup = new aws.cloudwatch.LogGroup(`${name}-tasks-logs`, {
        name: `/aws/lambda/${functionName}`,
        retentionInDays: args.logRetentionDays,
        kmsKeyId: args.logKeyArn,
    }, p);
    const role = new aws.iam.Role(`${name}-tasks-role`, {
        description: `Task function of workflow ${name}`,
        assumeRolePolicy: serviceTrustPolicy("lambda.amazonaws.com", args.accountId),
    }, p);
    const policy = grant(`${name}-tasks-policy`, role, [
        ...args.statements,
        { Sid: "WriteOwnLogs", Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: pulumi.interpolate`${logGroup.arn}:*` },
        // X-Ray has no resource-level permissions.
        { Sid: "Tracing", Effect: "Allow", Action: ["xray:PutTraceSegments", "xray:PutTelemetryRecords"], Resource: "*" },
    ]);
    const fn = new aws.lambda.Function(`${name}-tasks`, {
        name: functionName,
        description: args.description,
        runtime: LAMBDA_RUNTIME,
        architectures: ["arm64"],
        handler: "index.handler",
        code: functionCode("workflows"),
        role: role.arn,
        memorySize: args.memoryMiB,
        timeout: args.timeoutSeconds,
        tracingConfig: { mode: "Active" },
        environment: { variables: { NODE_OPTIONS: "--enable-source-maps", WORKFLOW: args.kind, ...args.environment } },
        loggingConfig: { logFormat: "JSON", logGroup: logGroup.name },
    }, { parent, dependsOn: [policy, logGroup] });
    return { function: fn, role, logGroup, policy };
}

/** The state machine's statement: invoke the task function (and its versions). */
export function invokeTaskStatement(fn: aws.lambda.Function): PolicyStatement {
    return { Sid: "InvokeTaskFunction", Effect: "Allow", Action: "lambda:InvokeFunction", Resource: [fn.arn, pulumi.interpolate`${fn.arn}:*`] };
}

export interface TaskWorkflowArgs {
    readonly accountId: pulumi.Input<string>;
    readonly region: pulumi.Input<string>;
    readonly logKmsKeyArn: pulumi.Input<string>;
    readonly logRetentionDays: number;
    readonly alarms?: AlarmSettings;
    /** The ASL definition, built from the task function's ARN. */
    readonly definition: (taskFunctionArn: string) => object;
}

/** The state machine (shared Workflow construct) whose only task target is `fn`. */
export function taskWorkflow(name: string, parent: pulumi.Resource, fn: TaskFunction, args: TaskWorkflowArgs): Workflow {
    return new Workflow(name, {
        definition: fn.function.arn.apply(args.definition),
        statements: [invokeTaskStatement(fn.function)],
        accountId: args.accountId,
        region: args.region,
        logKmsKeyArn: args.logKmsKeyArn,
        logRetentionDays: args.logRetentionDays,
        alarms: args.alarms,
    }, { parent });
}
