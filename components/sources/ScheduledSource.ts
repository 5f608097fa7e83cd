/**
 * A source connector on a schedule: EventBridge Scheduler invokes a Lambda
 * (functions/connectors/<connector>/handler.ts) every `schedule`; the Lambda
 * reads the source's API key from Secrets Manager, polls the source and
 * writes `flight_status` (or its type's) events into the platform's stream
 * through the platform's producer and codec (functions/connectors/runtime.ts).
 *
 * Resources: a KMS key (rotation on) for the secret, the log group and the
 * dead-letter queue; the API-key secret (`{"apiKey": "REPLACE_ME"}` at
 * creation, never overwritten by Pulumi afterwards: set the real key with
 * `aws secretsmanager put-secret-value`), unless `apiKeySecretArn` names an
 * existing one; the function's log group, role and function (arm64, X-Ray,
 * JSON logs); its async invoke config (`maxRetries` retries, events older
 * than one interval dropped: the next run polls the current state anyway)
 * with the dead-letter queue; the schedule (flexible window off, retry
 * policy, the same dead-letter queue) and its role; alarms.
 *
 * Least privilege: the function's role may write its own logs, put X-Ray
 * segments, read exactly its secret (and decrypt with its key through
 * Secrets Manager), write the stream (KinesisStream.grantWrite: PutRecord(s),
 * ListShards, DescribeStreamSummary, the stream key), and send to its
 * dead-letter queue; the schedule's role may invoke exactly the function and
 * send to the queue.
 *
 * Rotation: the secret holds a vendor's API key; AviationStack (like most
 * data vendors) has no API to issue keys, so no rotation Lambda can rotate
 * it. The secret carries a `secret-rotation` exemption (policies/RULES.md)
 * until `rotationExemptionExpires`; rotate by hand: issue a new key in the
 * vendor's dashboard, `put-secret-value`, revoke the old key after
 * SECRET_CACHE_MS (15 minutes, the function's cache of the key).
 *
 * Alarm conditions (keys of `alarms.overrides`):
 *   errors          Lambda Errors Sum >= 1 in one interval (ticket)
 *   dead-letters    messages in the dead-letter queue >= 1 (ticket): runs that failed after every retry
 *   stale           EventsPublished (flightstream/connectors, Connector=<connector>) < 1 in every period of
 *                   `staleIntervals` intervals, missing data breaching (ticket): the source's data is stale
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { AlarmDefinition, AlarmSettings, createAlarms } from "../common/alarms";
import { functionCode, functionExists } from "../common/bundle";
import { grant, serviceTrustPolicy, tlsOnlyQueuePolicy } from "../common/iam";
import { lambdaFunction } from "../common/lambda";
import { logsKey } from "../common/logsKey";
import { MetricOptions, MetricSpec, metric } from "../common/metrics";
import { validator } from "../common/validation";
import { checkAccountArgs, intArgs, logRetention } from "../common/args";
import { freshnessWindow, scheduleIntervalSeconds } from "../oncall/schedule";
import type { KinesisStream } from "../stream/KinesisStream";
import { CONNECTOR_METRIC, CONNECTOR_NAMESPACE } from "../../functions/connectors/runtime";

/** The secret's value at creation (replace it with the real key). */
export const API_KEY_PLACEHOLDER = JSON.stringify({ apiKey: "REPLACE_ME" });

export interface ScheduledSourceArgs {
    /** The connector: a folder `functions/connectors/<connector>/` with handler.ts. */
    readonly connector: string;
    /** Account and region the function and schedule run in (the stream's). */
    readonly accountId: pulumi.Input<string>;
    readonly region: pulumi.Input<string>;
    /** The platform stream the events go to (granted with its grantWrite). */
    readonly stream: KinesisStream;
    /** The source API's base URL (https), e.g. "https://api.aviationstack.com". */
    readonly apiUrl: string;
    /** The events' `source`, 1 to 128 lower-case letters, digits, ".", "_" or "-". @default - the connector's name */
    readonly source?: string;
    /** EventBridge Scheduler expression. @default "rate(30 minutes)" (the flight-status source's freshness) */
    readonly schedule?: string;
    /** @default "UTC" */
    readonly scheduleTimezone?: string;
    /** @default true */
    readonly scheduleEnabled?: boolean;
    /** An existing secret holding `{"apiKey": "..."}`. @default - a secret is created (value REPLACE_ME) */
    readonly apiKeySecretArn?: pulumi.Input<string>;
    /** KMS key of that existing secret (for kms:Decrypt). Required with `apiKeySecretArn`. */
    readonly apiKeySecretKmsKeyArn?: pulumi.Input<string>;
    /** End of the created secret's rotation exemption, YYYY-MM-DD. @default "2027-12-01" */
    readonly rotationExemptionExpires?: string;
    /** Extra connector settings (PAGE_LIMIT, MAX_PAGES, SOURCE_QUERY, ...); no secrets. @default {} */
    readonly environment?: Record<string, string>;
    /** Lambda retries of a failed run, 0..2. @default 1 */
    readonly maxRetries?: number;
    /** @default 120 */
    readonly timeoutSeconds?: number;
    /** @default 512 */
    readonly memoryMiB?: number;
    /** @default 30 */
    readonly logRetentionDays?: number;
    /** Intervals without a published event before `stale` fires, 2..48. @default 2 */
    readonly staleIntervals?: number;
    /** @default - on, no routing */
    readonly alarms?: AlarmSettings;
}

const SOURCE = /^[a-z0-9][a-z0-9_.-]{0,127}$/;
const CONNECTOR = /^[a-z][a-z0-9-]{1,40}[a-z0-9]$/;
const SCHEDULE = /^(cron\(.+\)|rate\((1 (minute|hour|day)|([2-9]|[1-9]\d+) (minutes|hours|days))\))$/;

export class ScheduledSource extends pulumi.ComponentResource {
    readonly key: aws.kms.Key;
    /** The API-key secret (created ones only). */
    readonly secret?: aws.secretsmanager.Secret;
    readonly secretArn: pulumi.Output<string>;
    readonly logGroup: aws.cloudwatch.LogGroup;
    readonly role: aws.iam.Role;
    readonly function: aws.lambda.Function;
    readonly deadLetterQueue: aws.sqs.Queue;
    readonly schedule: aws.scheduler.Schedule;
    readonly scheduleRole: aws.iam.Role;
    readonly alarms: aws.cloudwatch.MetricAlarm[];
    /** The connector's name (the metric dimension). */
    readonly connector: string;
    readonly intervalSeconds: number;

    constructor(name: string, args: ScheduledSourceArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("flightstream:sources:ScheduledSource", name, {}, opts);
        const v = validator("ScheduledSource", name);
        v.pattern("connector", args.connector, CONNECTOR, "3 to 42 lower-case letters, digits or dashes naming a folder of functions/connectors/");
        if (CONNECTOR.test(args.connector ?? "")) {
            v.check("connector", functionExists(`connectors/${args.connector}`), `a connector with functions/connectors/${args.connector}/handler.ts`, args.connector);
        }
        checkAccountArgs(v, args);
        v.pattern("apiUrl", args.apiUrl, /^https:\/\/[a-z0-9.-]+(:\d+)?(\/.*)?$/i, 'an https URL such as "https://api.aviationstack.com" (the API key travels in the query string)');
        const source = args.source ?? args.connector;
        v.pattern("source", source, SOURCE, '1 to 128 lower-case letters, digits, ".", "_" or "-"');
        const schedule = args.schedule ?? "rate(30 minutes)";
        v.pattern("schedule", schedule, SCHEDULE, 'a Scheduler expression such as "rate(30 minutes)" or "cron(0/30 * * * ? *)"');
        let interval = NaN;
        let intervalProblem: string | undefined;
        try {
            interval = scheduleIntervalSeconds(schedule) ?? NaN;
        } catch (e) {
            intervalProblem = (e as Error).message;
        }
        if (intervalProblem !== undefined) v.check("schedule", false, `a schedule whose runs an alarm can follow (${intervalProblem})`, schedule);
        v.check("schedule", Number.isFinite(interval) && interval >= 60, "a repeating schedule (rate or cron), at most once a minute", schedule);
        const {
            staleIntervals,
            maxRetries,
            timeoutSeconds: timeout,
            memoryMiB: memory,
        } = intArgs(v, args, {
            staleIntervals: { default: 2, min: 2, max: 48 },
            maxRetries: { default: 1, min: 0, max: 2 },
            timeoutSeconds: { default: 120, min: 10, max: 900 },
            memoryMiB: { default: 512, min: 128, max: 10240 },
        });
        const logRetentionDays = logRetention(v, args.logRetentionDays, 30);
        const expires = args.rotationExemptionExpires ?? "2027-12-01";
        v.pattern("rotationExemptionExpires", expires, /^\d{4}-\d{2}-\d{2}$/, "a day in YYYY-MM-DD form");
        v.check("apiKeySecretKmsKeyArn", (args.apiKeySecretArn === undefined) === (args.apiKeySecretKmsKeyArn === undefined), "given exactly when `apiKeySecretArn` is (the key that encrypts that secret)", args.apiKeySecretKmsKeyArn);
        for (const k of Object.keys(args.environment ?? {})) {
            v.check(
                `environment.${k}`,
                !["SOURCE_API_URL", "API_KEY_SECRET_ARN", "STREAM_NAME", "SOURCE", "CONNECTOR", "NODE_OPTIONS"].includes(k),
                "a connector setting other than those the component sets (SOURCE_API_URL, API_KEY_SECRET_ARN, STREAM_NAME, SOURCE, CONNECTOR)",
                k,
            );
        }
        let stale: { periodSeconds: number; evaluationPeriods: number } | undefined;
        let staleProblem: string | undefined;
        try {
            stale = freshnessWindow(interval * staleIntervals);
        } catch (e) {
            staleProblem = (e as Error).message;
        }
        if (staleProblem !== undefined) v.check("staleIntervals", false, `intervals a CloudWatch alarm can cover (${staleProblem})`, staleIntervals);
        this.connector = args.connector;
        this.intervalSeconds = interval;
        const p = { parent: this };
        const stack = pulumi.getStack();
        const functionName = `${stack}-${name}`;

        this.key = logsKey(`${name}-key`, this, {
            description: `Source connector ${name}: API-key secret, logs and dead-letter queue`,
            accountId: args.accountId,
            region: args.region,
            logGroups: [`/aws/lambda/${functionName}`],
        });

        let secretKeyArn: pulumi.Input<string>;
        if (args.apiKeySecretArn !== undefined) {
            this.secretArn = pulumi.output(args.apiKeySecretArn);
            secretKeyArn = args.apiKeySecretKmsKeyArn!;
        } else {
            this.secret = new aws.secretsmanager.Secret(
                `${name}-api-key`,
                {
                    name: `${stack}-${name}-api-key`,
                    description: `${name}: the source's API key as {"apiKey": "..."} (set with put-secret-value; Pulumi never overwrites it)`,
                    kmsKeyId: this.key.arn,
                    recoveryWindowInDays: 30,
                    tags: {
                        "policy-exempt:secret-rotation": "a vendor API key: the vendor has no key-issuing API for a rotation Lambda; rotated by hand (docs/extending.md, Add a source connector)",
                        "policy-exempt:secret-rotation:expires": expires,
                    },
                },
                p,
            );
            new aws.secretsmanager.SecretVersion(`${name}-api-key`, { secretId: this.secret.id, secretString: API_KEY_PLACEHOLDER }, { parent: this, ignoreChanges: ["secretString"] });
            this.secretArn = this.secret.arn;
            secretKeyArn = this.key.arn;
        }

        this.deadLetterQueue = new aws.sqs.Queue(
            `${name}-dlq`,
            {
                kmsMasterKeyId: this.key.arn,
                kmsDataKeyReusePeriodSeconds: 300,
                messageRetentionSeconds: 1209600,
            },
            p,
        );
        new aws.sqs.QueuePolicy(`${name}-dlq-policy`, { queueUrl: this.deadLetterQueue.url, policy: tlsOnlyQueuePolicy(this.deadLetterQueue.arn) }, p);

        const fn = lambdaFunction(name, this, {
            description: `Source connector ${args.connector}: polls ${args.apiUrl} into the platform stream`,
            roleDescription: `Source connector ${name} (${args.connector})`,
            accountId: args.accountId,
            code: functionCode(`connectors/${args.connector}`),
            logKeyArn: this.key.arn,
            logRetentionDays,
            functionName,
            environment: {
                ...(args.environment ?? {}),
                SOURCE_API_URL: args.apiUrl,
                API_KEY_SECRET_ARN: this.secretArn,
                STREAM_NAME: args.stream.streamName,
                SOURCE: source,
                CONNECTOR: args.connector,
            },
            ownStatements: "first",
            statements: [
                { Sid: "ReadApiKey", Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: this.secretArn },
                {
                    Sid: "DecryptApiKey",
                    Effect: "Allow",
                    Action: "kms:Decrypt",
                    Resource: secretKeyArn,
                    Condition: { StringEquals: { "kms:ViaService": pulumi.interpolate`secretsmanager.${args.region}.amazonaws.com` } },
                },
                { Sid: "DeadLetter", Effect: "Allow", Action: "sqs:SendMessage", Resource: this.deadLetterQueue.arn },
                { Sid: "EncryptDeadLetter", Effect: "Allow", Action: ["kms:GenerateDataKey", "kms:Decrypt"], Resource: this.key.arn, Condition: { StringEquals: { "kms:ViaService": pulumi.interpolate`sqs.${args.region}.amazonaws.com` } } },
            ],
            timeoutSeconds: timeout,
            memoryMiB: memory,
            // One run at a time: a slow poll never overlaps the next one.
            reservedConcurrency: 1,
            deadLetterTargetArn: this.deadLetterQueue.arn,
            roleGrants: (role) => {
                const streamGrant = args.stream.grantWrite(`${name}-stream-write`, role);
                return streamGrant.principalPolicy ? [streamGrant.principalPolicy] : [];
            },
        });
        this.logGroup = fn.logGroup;
        this.role = fn.role;
        this.function = fn.function;
        new aws.lambda.FunctionEventInvokeConfig(
            `${name}-invoke-config`,
            {
                functionName: this.function.name,
                maximumRetryAttempts: maxRetries,
                maximumEventAgeInSeconds: Math.max(60, Math.min(21600, interval)),
            },
            p,
        );

        this.scheduleRole = new aws.iam.Role(
            `${name}-schedule-role`,
            {
                description: `EventBridge Scheduler runs source connector ${name}`,
                assumeRolePolicy: serviceTrustPolicy("scheduler.amazonaws.com", args.accountId),
            },
            p,
        );
        const schedulePolicy = grant(`${name}-schedule-policy`, this.scheduleRole, [
            { Sid: "InvokeConnector", Effect: "Allow", Action: "lambda:InvokeFunction", Resource: this.function.arn },
            { Sid: "DeadLetter", Effect: "Allow", Action: "sqs:SendMessage", Resource: this.deadLetterQueue.arn },
            { Sid: "EncryptDeadLetter", Effect: "Allow", Action: ["kms:GenerateDataKey", "kms:Decrypt"], Resource: this.key.arn },
        ]);
        this.schedule = new aws.scheduler.Schedule(
            `${name}-schedule`,
            {
                name: `${stack}-${name}`,
                description: `Polls source connector ${args.connector} ${schedule}`,
                scheduleExpression: schedule,
                scheduleExpressionTimezone: args.scheduleTimezone ?? "UTC",
                state: (args.scheduleEnabled ?? true) ? "ENABLED" : "DISABLED",
                flexibleTimeWindow: { mode: "OFF" },
                target: {
                    arn: this.function.arn,
                    roleArn: this.scheduleRole.arn,
                    input: JSON.stringify({ scheduledTime: "<aws.scheduler.scheduled-time>" }),
                    retryPolicy: { maximumRetryAttempts: 3, maximumEventAgeInSeconds: Math.max(60, Math.min(86400, interval)) },
                    deadLetterConfig: { arn: this.deadLetterQueue.arn },
                },
            },
            { parent: this, dependsOn: [schedulePolicy] },
        );

        const defs: AlarmDefinition[] = [
            {
                condition: "errors",
                metric: this.metricErrors({ periodSeconds: Math.min(3600, Math.max(300, interval)) }),
                threshold: 1,
                comparison: "GreaterThanOrEqualToThreshold",
                severity: "ticket",
                runbook: "source-connector",
                description: `Source connector ${args.connector} failed a run (the source refused, answered badly or the stream write failed); it retries and the next run polls again.`,
                treatMissingData: "notBreaching",
            },
            {
                condition: "dead-letters",
                metric: this.metricDeadLetterMessages(),
                threshold: 1,
                comparison: "GreaterThanOrEqualToThreshold",
                severity: "ticket",
                runbook: "source-connector",
                description: `Runs of source connector ${args.connector} failed after every retry (messages in its dead-letter queue).`,
            },
        ];
        const w = stale!;
        defs.push({
            condition: "stale",
            metric: this.metricEventsPublished({ periodSeconds: w.periodSeconds }),
            threshold: 1,
            comparison: "LessThanThreshold",
            severity: "ticket",
            runbook: "source-connector",
            description: `Source ${source} is stale: connector ${args.connector} published no event in ${staleIntervals} intervals of ${schedule}.`,
            evaluationPeriods: w.evaluationPeriods,
            datapointsToAlarm: w.evaluationPeriods,
            treatMissingData: "breaching",
        });
        this.alarms = createAlarms(this, name, defs, args.alarms);
        this.registerOutputs({ function: this.function, schedule: this.schedule, secretArn: this.secretArn, deadLetterQueue: this.deadLetterQueue, alarms: this.alarms });
    }

    /** Failed runs (Lambda Errors). */
    metricErrors(options: MetricOptions = {}): MetricSpec {
        return metric("AWS/Lambda", "Errors", { FunctionName: this.function.name }, { statistic: "Sum", periodSeconds: 300, unit: "Count" }, options);
    }

    /** Events the connector published (its summary line's embedded metric). */
    metricEventsPublished(options: MetricOptions = {}): MetricSpec {
        return metric(CONNECTOR_NAMESPACE, CONNECTOR_METRIC.published, { Connector: this.connector }, { statistic: "Sum", periodSeconds: 300, unit: "Count" }, options);
    }

    /** Flights (records) skipped or refused by the validator. */
    metricEventsSkipped(options: MetricOptions = {}): MetricSpec {
        return metric(CONNECTOR_NAMESPACE, CONNECTOR_METRIC.skipped, { Connector: this.connector }, { statistic: "Sum", periodSeconds: 300, unit: "Count" }, options);
    }

    /** Messages in the dead-letter queue. */
    metricDeadLetterMessages(options: MetricOptions = {}): MetricSpec {
        return metric("AWS/SQS", "ApproximateNumberOfMessagesVisible", { QueueName: this.deadLetterQueue.name }, { statistic: "Maximum", periodSeconds: 300, unit: "Count" }, options);
    }
}
