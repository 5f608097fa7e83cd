/**
 * Shared pieces of the workflow components (not a component itself): the
 * KMS key for their logs (common/logsKey.ts), and the task Lambda
 * (functions/workflows bundled once, deployed per workflow with `WORKFLOW`
 * set) built by the platform's Lambda recipe (common/lambda.ts), and the
 * base class of the Replay, Reshard and TrafficShift workflows
 * (`TaskWorkflowComponent`: their shared arguments, validation and outputs).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { functionCode } from "../common/bundle";
import { AlarmSettings } from "../common/alarms";
import { AccountArgs, OperatedArgs, Validator, checkAccountArgs, logRetention } from "../common/args";
import { PolicyStatement } from "../common/iam";
import { validator } from "../common/validation";
import { LambdaFunction, lambdaFunction } from "../common/lambda";
import { logsKey } from "../common/logsKey";
import { Workflow } from "./Workflow";

/** A key CloudWatch Logs may use for this workflow's log groups (state machine and task function). */
export function workflowLogKey(name: string, parent: pulumi.Resource, accountId: pulumi.Input<string>, region: pulumi.Input<string>): aws.kms.Key {
    return logsKey(`${name}-logs-key`, parent, {
        description: `Logs of workflow ${name} (state machine and task function)`,
        accountId,
        region,
        logGroups: ["/aws/vendedlogs/states/*", "/aws/lambda/*"],
    });
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

export type TaskFunction = LambdaFunction;

/** The shared Lambda recipe (`lambdaFunction`) on the workflows bundle, named `<name>-tasks`, with `WORKFLOW` set. */
export function taskFunction(name: string, parent: pulumi.Resource, args: TaskFunctionArgs): TaskFunction {
    return lambdaFunction(`${name}-tasks`, parent, {
        description: args.description,
        roleDescription: `Task function of workflow ${name}`,
        accountId: args.accountId,
        code: functionCode("workflows"),
        logKeyArn: args.logKeyArn,
        logRetentionDays: args.logRetentionDays,
        environment: { WORKFLOW: args.kind, ...args.environment },
        statements: args.statements,
        timeoutSeconds: args.timeoutSeconds,
        memoryMiB: args.memoryMiB,
    });
}

/** The state machine's statement: invoke the task function (and its versions). */
export function invokeTaskStatement(fn: aws.lambda.Function): PolicyStatement {
    return { Sid: "InvokeTaskFunction", Effect: "Allow", Action: "lambda:InvokeFunction", Resource: [fn.arn, pulumi.interpolate`${fn.arn}:*`] };
}

export interface TaskWorkflowArgs extends Omit<TaskFunctionArgs, "logKeyArn"> {
    readonly region: pulumi.Input<string>;
    /** The workflow's logs key (`workflowLogKey`), for the state machine's and the task function's log groups. */
    readonly logKey: aws.kms.Key;
    readonly alarms?: AlarmSettings;
    /** The ASL definition, built from the task function's ARN. */
    readonly definition: (taskFunctionArn: string) => object;
}

export interface TaskWorkflow {
    readonly workflow: Workflow;
    readonly stateMachine: aws.sfn.StateMachine;
    readonly alarms: aws.cloudwatch.MetricAlarm[];
    readonly tasks: aws.lambda.Function;
    readonly taskRole: aws.iam.Role;
}

/**
 * The task function (`taskFunction`) and the state machine (shared Workflow
 * construct, logs on `logKey`) whose only task target is that function: the
 * part the Replay, Reshard and TrafficShift workflows share.
 */
export function taskWorkflow(name: string, parent: pulumi.Resource, args: TaskWorkflowArgs): TaskWorkflow {
    const { region, logKey, alarms, definition, ...fnArgs } = args;
    const fn = taskFunction(name, parent, { ...fnArgs, logKeyArn: logKey.arn });
    const workflow = new Workflow(
        name,
        {
            definition: fn.function.arn.apply(definition),
            statements: [invokeTaskStatement(fn.function)],
            accountId: args.accountId,
            region,
            logKmsKeyArn: logKey.arn,
            logRetentionDays: args.logRetentionDays,
            alarms,
        },
        { parent },
    );
    return { workflow, stateMachine: workflow.stateMachine, alarms: [...workflow.alarms], tasks: fn.function, taskRole: fn.role };
}

/** The arguments every task workflow (Replay, Reshard, TrafficShift) takes. */
export interface TaskWorkflowComponentArgs extends AccountArgs, OperatedArgs {
    /** @default 90 */
    readonly logRetentionDays?: number;
}

/** What a task workflow component passes to `createWorkflow`: the rest comes from its arguments. */
export type TaskWorkflowSpec = Omit<TaskWorkflowArgs, "accountId" | "region" | "logKey" | "logRetentionDays" | "alarms">;

/**
 * A component made of one task workflow (`taskWorkflow`) and its logs key:
 * validates the account, region and log retention on construction
 * (`this.v` checks the subclass's own arguments), and `createWorkflow`
 * builds the key, the task function and the state machine under it.
 */
export abstract class TaskWorkflowComponent extends pulumi.ComponentResource {
    readonly logKey: aws.kms.Key;
    /** The validator of this component (`<Type> <name>: ...` messages). */
    protected readonly v: Validator;
    protected readonly logRetentionDays: number;
    private built?: TaskWorkflow;

    protected constructor(
        type: string,
        private readonly componentName: string,
        private readonly common: TaskWorkflowComponentArgs,
        opts: pulumi.ComponentResourceOptions,
    ) {
        super(type, componentName, {}, opts);
        this.v = validator(type.slice(type.lastIndexOf(":") + 1), componentName);
        checkAccountArgs(this.v, common);
        this.logRetentionDays = logRetention(this.v, common.logRetentionDays, 90);
        this.logKey = workflowLogKey(componentName, this, common.accountId, common.region);
    }

    /** Builds the task function and the state machine (once, from the constructor). */
    protected createWorkflow(spec: TaskWorkflowSpec): TaskWorkflow {
        if (this.built) throw new Error(`${this.componentName}: createWorkflow called twice.`);
        const c = this.common;
        this.built = taskWorkflow(this.componentName, this, { ...spec, accountId: c.accountId, region: c.region, logKey: this.logKey, logRetentionDays: this.logRetentionDays, alarms: c.alarms });
        return this.built;
    }

    private get parts(): TaskWorkflow {
        if (!this.built) throw new Error(`${this.componentName}: the workflow is not built yet.`);
        return this.built;
    }
    get workflow(): Workflow {
        return this.parts.workflow;
    }
    get stateMachine(): aws.sfn.StateMachine {
        return this.parts.stateMachine;
    }
    get tasks(): aws.lambda.Function {
        return this.parts.tasks;
    }
    get taskRole(): aws.iam.Role {
        return this.parts.taskRole;
    }
    /** The state machine's alarms (and the component's own, which subclasses add). */
    get alarms(): aws.cloudwatch.MetricAlarm[] {
        return this.parts.alarms as aws.cloudwatch.MetricAlarm[];
    }

    /** Registers the outputs every task workflow has, plus `extra`. */
    protected registerWorkflowOutputs(extra: Record<string, unknown> = {}): void {
        this.registerOutputs({ stateMachine: this.stateMachine, tasks: this.tasks, taskRole: this.taskRole, logKey: this.logKey, ...extra });
    }
}
