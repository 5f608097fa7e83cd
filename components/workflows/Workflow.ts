/**
 * A Step Functions state machine the way every workflow of the platform needs it:
 * ASL passed in as data (built by pure code in functions/), logging of ALL events
 * with execution data to a KMS-encrypted log group, X-Ray tracing, a role holding
 * exactly the statements the workflow's tasks need (plus logging and tracing),
 * and alarms on failed, timed-out and aborted executions.
 *
 * Creates: aws.kms.Key (unless `logKmsKeyArn`), aws.cloudwatch.LogGroup,
 * aws.iam.Role + RolePolicy, aws.sfn.StateMachine, up to 3 aws.cloudwatch.MetricAlarm.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { AlarmDefinition, AlarmSettings, createAlarms } from "../common/alarms";
import { PolicyStatement, grant, serviceTrustPolicy } from "../common/iam";
import { logsKey } from "../common/logsKey";
import { MetricOptions, MetricSpec, metric } from "../common/metrics";
import { validator } from "../common/validation";
import { Grant, Grantee, applyGrant, asGrantable, isCrossAccount } from "../common/grants";

export interface WorkflowArgs {
    /** The Amazon States Language definition (an object; serialized here). */
    readonly definition: pulumi.Input<object>;
    /** IAM statements the workflow's tasks need (scoped actions and resources). */
    readonly statements: PolicyStatement[];
    /** @default "STANDARD" */
    readonly type?: "STANDARD" | "EXPRESS";
    /** Log retention in days. @default 90 */
    readonly logRetentionDays?: number;
    /** KMS key for the log group. @default - a key with rotation is created */
    readonly logKmsKeyArn?: pulumi.Input<string>;
    /** Account id the workflow runs in (for the logs key policy). Required when no `logKmsKeyArn`. */
    readonly accountId?: pulumi.Input<string>;
    /** Region (for the logs key policy condition). @default - any region */
    readonly region?: pulumi.Input<string>;
    /** Alarm settings; conditions: "executions-failed", "executions-timed-out", "executions-aborted". */
    readonly alarms?: AlarmSettings;
    /** Extra tags for the state machine. */
    readonly tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

export class Workflow extends pulumi.ComponentResource {
    readonly stateMachine: aws.sfn.StateMachine;
    readonly role: aws.iam.Role;
    readonly logGroup: aws.cloudwatch.LogGroup;
    readonly logKey?: aws.kms.Key;
    readonly alarms: aws.cloudwatch.MetricAlarm[];
    private readonly componentName: string;
    private readonly accountIdArg?: pulumi.Input<string>;

    constructor(name: string, args: WorkflowArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("flightstream:workflows:Workflow", name, {}, opts);
        this.componentName = name;
        this.accountIdArg = args.accountId;
        const v = validator("Workflow", name);
        v.oneOf("type", args.type, ["STANDARD", "EXPRESS"] as const);
        v.logRetentionDays("logRetentionDays", args.logRetentionDays);
        v.check("accountId", args.logKmsKeyArn !== undefined || args.accountId !== undefined, "given when `logKmsKeyArn` is not (the created log key's policy names the account)", args.accountId);
        v.check("statements", Array.isArray(args.statements), "a list of IAM statements", args.statements);

        let logKeyArn: pulumi.Input<string>;
        if (args.logKmsKeyArn !== undefined) {
            logKeyArn = args.logKmsKeyArn;
        } else {
            this.logKey = logsKey(`${name}-logs-key`, this, {
                description: `Step Functions logs for ${name}`,
                accountId: args.accountId!,
                region: args.region,
                logGroups: ["/aws/vendedlogs/states/*"],
            });
            logKeyArn = this.logKey.arn;
        }

        this.logGroup = new aws.cloudwatch.LogGroup(
            `${name}-logs`,
            {
                name: pulumi.interpolate`/aws/vendedlogs/states/${pulumi.getStack()}-${name}`,
                retentionInDays: args.logRetentionDays ?? 90,
                kmsKeyId: logKeyArn,
            },
            { parent: this },
        );

        this.role = new aws.iam.Role(
            `${name}-role`,
            {
                description: `Step Functions role for ${name}`,
                assumeRolePolicy: serviceTrustPolicy("states.amazonaws.com", args.accountId),
            },
            { parent: this },
        );

        const statements: PolicyStatement[] = [
            ...args.statements,
            {
                // Log delivery APIs do not support resource-level permissions.
                Sid: "VendedLogDelivery",
                Effect: "Allow",
                Action: ["logs:CreateLogDelivery", "logs:GetLogDelivery", "logs:UpdateLogDelivery", "logs:DeleteLogDelivery", "logs:ListLogDeliveries", "logs:PutResourcePolicy", "logs:DescribeResourcePolicies", "logs:DescribeLogGroups"],
                Resource: "*",
            },
            { Sid: "XRay", Effect: "Allow", Action: ["xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets"], Resource: "*" },
        ];
        const rolePolicy = grant(`${name}-role-policy`, this.role, statements);

        this.stateMachine = new aws.sfn.StateMachine(
            `${name}`,
            {
                name: `${pulumi.getStack()}-${name}`,
                type: args.type ?? "STANDARD",
                roleArn: this.role.arn,
                definition: pulumi.output(args.definition).apply((d) => JSON.stringify(d)),
                loggingConfiguration: {
                    level: "ALL",
                    includeExecutionData: true,
                    logDestination: pulumi.interpolate`${this.logGroup.arn}:*`,
                },
                tracingConfiguration: { enabled: true },
                tags: args.tags,
            },
            { parent: this, dependsOn: [rolePolicy] },
        );

        this.alarms = createAlarms(this, name, this.alarmDefinitions(), args.alarms);
        this.registerOutputs({ stateMachine: this.stateMachine, role: this.role, logGroup: this.logGroup });
    }

    private sfnMetric(metricName: string, options: MetricOptions = {}): MetricSpec {
        return metric("AWS/States", metricName, { StateMachineArn: this.stateMachine.arn }, { statistic: "Sum", periodSeconds: 300 }, options);
    }

    metricExecutionsFailed(options?: MetricOptions): MetricSpec {
        return this.sfnMetric("ExecutionsFailed", options);
    }
    metricExecutionsTimedOut(options?: MetricOptions): MetricSpec {
        return this.sfnMetric("ExecutionsTimedOut", options);
    }
    metricExecutionsAborted(options?: MetricOptions): MetricSpec {
        return this.sfnMetric("ExecutionsAborted", options);
    }
    metricExecutionsSucceeded(options?: MetricOptions): MetricSpec {
        return this.sfnMetric("ExecutionsSucceeded", options);
    }
    metricExecutionsStarted(options?: MetricOptions): MetricSpec {
        return this.sfnMetric("ExecutionsStarted", options);
    }

    private alarmDefinitions(): AlarmDefinition[] {
        const base = { threshold: 1, comparison: "GreaterThanOrEqualToThreshold" as const, severity: "ticket" as const, runbook: "workflow-failures" };
        return [
            { ...base, condition: "executions-failed", metric: this.metricExecutionsFailed(), description: `Workflow ${this.componentName}: an execution failed in the last 5 minutes.` },
            { ...base, condition: "executions-timed-out", metric: this.metricExecutionsTimedOut(), description: `Workflow ${this.componentName}: an execution timed out in the last 5 minutes.` },
            { ...base, condition: "executions-aborted", metric: this.metricExecutionsAborted(), description: `Workflow ${this.componentName}: an execution was aborted in the last 5 minutes.` },
        ];
    }

    /**
     * Lets a principal of this program start and follow executions of this
     * workflow (StartExecution on the state machine; DescribeExecution,
     * GetExecutionHistory, StopExecution on its executions). Step Functions has
     * no resource policy: a principal naming another account than `accountId`
     * fails (grant a role of the workflow's account that the other account assumes).
     */
    grantStart(name: string, grantee: Grantee): Grant {
        const g = asGrantable(grantee);
        if (isCrossAccount(`Workflow ${this.componentName} grant "${name}"`, g, this.accountIdArg)) {
            throw new Error(
                `Workflow ${this.componentName} grant "${name}": a state machine has no resource policy, so only a principal of the workflow's account (${String(this.accountIdArg)}) can be granted; the principal names account ${g.accountId}.`,
            );
        }
        return applyGrant(name, g, false, [
            { Effect: "Allow", Action: ["states:StartExecution"], Resource: this.stateMachine.arn },
            {
                Effect: "Allow",
                Action: ["states:DescribeExecution", "states:GetExecutionHistory", "states:StopExecution"],
                Resource: this.stateMachine.arn.apply((arn) => `${arn.replace(":stateMachine:", ":execution:")}:*`),
            },
        ]);
    }
}
