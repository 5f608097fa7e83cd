/**
 * The real-time stream processor: a Lambda reading the Kinesis stream in
 * micro-batches through an event source mapping and writing to Aurora through
 * the Data API (functions/processor).
 *
 * Account placement: the function, its mapping, the on-failure queue and the
 * alerts topic live in the account that reads (the analytics account, passed
 * as the provider). The stream stays in the ingestion account; the stream's
 * (and its consumer's) resource policy lets this account read it, which Lambda
 * supports for cross-account Kinesis event source mappings. In prod the mapping
 * reads through an enhanced fan-out consumer (`consumerArn`).
 *
 * Built on the consumer framework: a StreamConsumer child
 * (components/stream/StreamConsumer.ts) of the same name creates the
 * aws.lambda.Function (+ role, policies, KMS log group),
 * aws.lambda.EventSourceMapping (bisect on error, ReportBatchItemFailures,
 * bounded retries and record age, on-failure SQS destination), aws.sqs.Queue
 * (on-failure destination, KMS) and the consumer alarms; this component adds
 * the database user and grant, aws.sns.Topic for high-demand alerts (KMS;
 * unless `alertsTopic` is false) and alarms on errors, throttles, iterator age,
 * the on-failure queue's depth and (when alerts are published) the alerts
 * outbox backlog (the processor's AlertsOutboxBacklog metric).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { AlarmDefinition, AlarmSettings, createAlarms } from "../common/alarms";
import { functionCode } from "../common/bundle";
import { TopicRef } from "../common/grants";
import { PolicyStatement, kmsUseStatement, tlsOnlyTopicPolicy } from "../common/iam";
import { MetricOptions, MetricSpec, metric } from "../common/metrics";
import { AWS_ACCOUNT_ID, isKnown, validator } from "../common/validation";
import { AuroraDatabase, DATABASE_ROLES, DatabaseUser } from "./AuroraDatabase";
import { StreamConsumer } from "../stream/StreamConsumer";
import { StreamMappingArgs, checkStreamMappingArgs, streamMappingArgsOf } from "../stream/mapping";
import { PROCESSOR_MEMORY_MIB } from "../../functions/processor/runtime";

export interface StreamProcessorArgs extends StreamMappingArgs {
    /** Account the function runs in (trust policy confused-deputy guard). */
    readonly accountId: pulumi.Input<string>;
    /** The Kinesis stream (may be in another account whose resource policy admits this one). */
    readonly streamArn: pulumi.Input<string>;
    /** Key that encrypts the stream (kms:Decrypt through Kinesis). */
    readonly streamKmsKeyArn: pulumi.Input<string>;
    /** Enhanced fan-out consumer to read through. @default - shared-throughput reads from the stream */
    readonly consumerArn?: pulumi.Input<string>;
    /** The database written through the Data API. */
    readonly database: AuroraDatabase;
    /** Keep processed event ids at least this long: the stream's replay horizon plus a margin. @default 48 */
    readonly processedEventsRetentionHours?: number;
    /** Reserved concurrency. @default - unreserved */
    readonly reservedConcurrency?: number;
    /** @default 1024 (PROCESSOR_MEMORY_MIB, functions/processor/runtime.ts: the consumer benchmark runs with Lambda's heap at this size) */
    readonly memoryMiB?: number;
    /** @default 300 */
    readonly timeoutSeconds?: number;
    /** @default 30 */
    readonly logRetentionDays?: number;
    /** Create an SNS topic for high-demand alerts. @default true */
    readonly alertsTopic?: boolean;
    /** Statements added to the alerts topic's policy (AlertDelivery.subscribeStatements: cross-account subscribers). @default [] */
    readonly alertsTopicPolicyStatements?: (topicArn: pulumi.Output<string>) => PolicyStatement[];
    /** EventBridge bus (name and ARN) alerts are also sent to. @default - none */
    readonly alertsEventBus?: { readonly name: pulumi.Input<string>; readonly arn: pulumi.Input<string> };
    /** Alert and deal rule overrides (ALERT_* / DEAL_* variables, see docs/analytics.md). @default - the documented defaults */
    readonly rules?: {
        readonly alertWindowMinutes?: number;
        readonly alertBaselineMinutes?: number;
        readonly alertMultiplier?: number;
        readonly alertMinSearches?: number;
        readonly dealSigmas?: number;
        readonly dealMinSamples?: number;
        readonly dealLookbackMinutes?: number;
    };
    /**
     * The processor's own database user (read-write on the application tables).
     * @default - created here: `database.createUser` for "flightstream_processor", after this component's `dependsOn` (the migrations)
     */
    readonly databaseUser?: DatabaseUser;
    /** Further environment variables of the function (e.g. SCORING_* from stack/analytics.ts). @default {} */
    readonly extraEnvironment?: Record<string, pulumi.Input<string>>;
    /** Iterator age alarm threshold (ms). @default 60000 */
    readonly iteratorAgeAlarmMs?: number;
    /** @default - alarms on, no routing */
    readonly alarms?: AlarmSettings;
}

export class StreamProcessor extends pulumi.ComponentResource {
    readonly function: aws.lambda.Function;
    readonly role: aws.iam.Role;
    readonly logGroup: aws.cloudwatch.LogGroup;
    readonly mapping: aws.lambda.EventSourceMapping;
    readonly failureQueue: aws.sqs.Queue;
    readonly alertsTopic?: aws.sns.Topic;
    readonly alarms: aws.cloudwatch.MetricAlarm[];
    /** The consumer-framework component the processor runs as. */
    readonly consumer: StreamConsumer;
    /** The database user (and secret) the processor's Data API calls use. */
    readonly databaseUser: DatabaseUser;
    private readonly alertsEventBus: boolean;

    constructor(name: string, args: StreamProcessorArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("flightstream:analytics:StreamProcessor", name, {}, opts);
        const v = validator("StreamProcessor", name);
        checkStreamMappingArgs(v, args);
        v.intRange("processedEventsRetentionHours", args.processedEventsRetentionHours, 24, 8760 + 168);
        v.intRange("reservedConcurrency", args.reservedConcurrency, 1, 10000);
        v.intRange("memoryMiB", args.memoryMiB, 128, 10240);
        v.intRange("timeoutSeconds", args.timeoutSeconds, 10, 900);
        v.logRetentionDays("logRetentionDays", args.logRetentionDays);
        if (isKnown(args.accountId)) v.pattern("accountId", args.accountId, AWS_ACCOUNT_ID, "a 12-digit AWS account id");
        if (isKnown(args.streamArn)) v.pattern("streamArn", args.streamArn, /^arn:aws[a-z-]*:kinesis:[a-z0-9-]+:\d{12}:stream\/[A-Za-z0-9_.-]+$/, "a Kinesis stream ARN");
        if (isKnown(args.consumerArn)) v.pattern("consumerArn", args.consumerArn, /^arn:aws[a-z-]*:kinesis:[a-z0-9-]+:\d{12}:stream\/[A-Za-z0-9_.-]+\/consumer\/[A-Za-z0-9_.-]+:\d+$/, "a Kinesis stream consumer ARN");
        this.alertsEventBus = args.alertsEventBus !== undefined;

        const p = { parent: this };
        const db = args.database;
        const stackName = `${pulumi.getStack()}-${name}`;
        if (args.alertsTopic ?? true) {
            this.alertsTopic = new aws.sns.Topic(`${name}-alerts`, { name: `${stackName}-high-demand-alerts`, kmsMasterKeyId: db.keyArn }, p);
            new aws.sns.TopicPolicy(`${name}-alerts-policy`, { arn: this.alertsTopic.arn, policy: tlsOnlyTopicPolicy(this.alertsTopic.arn, args.alertsTopicPolicyStatements?.(this.alertsTopic.arn) ?? []) }, p);
        }

        const statements: PolicyStatement[] = [
            kmsUseStatement(db.keyArn, "both", "UseAnalyticsKey"),
            // The topic's key is the analytics key (UseAnalyticsKey above).
            ...(this.alertsTopic ? TopicRef.publishStatements([TopicRef.fromTopicAttributes({ topicArn: this.alertsTopic.arn })], "PublishAlerts") : []),
            ...(args.alertsEventBus ? [{ Sid: "PutAlertEvents", Effect: "Allow" as const, Action: "events:PutEvents", Resource: args.alertsEventBus.arn }] : []),
        ];
        const r = args.rules ?? {};
        const ruleEnv: Record<string, number | undefined> = {
            ALERT_WINDOW_MINUTES: r.alertWindowMinutes,
            ALERT_BASELINE_MINUTES: r.alertBaselineMinutes,
            ALERT_MULTIPLIER: r.alertMultiplier,
            ALERT_MIN_SEARCHES: r.alertMinSearches,
            DEAL_SIGMAS: r.dealSigmas,
            DEAL_MIN_SAMPLES: r.dealMinSamples,
            DEAL_LOOKBACK_MINUTES: r.dealLookbackMinutes,
        };
        this.databaseUser = args.databaseUser ?? db.createUser(`${name}-db-user`, DATABASE_ROLES.processor, { parent: this, dependsOn: opts.dependsOn });
        const environment: Record<string, pulumi.Input<string>> = {
            DB_CLUSTER_ARN: db.clusterArn,
            DB_SECRET_ARN: this.databaseUser.secretArn,
            DB_NAME: db.databaseName,
            PROCESSED_EVENTS_RETENTION_HOURS: String(args.processedEventsRetentionHours ?? 48),
            ...Object.fromEntries(
                Object.entries(ruleEnv)
                    .filter(([, x]) => x !== undefined)
                    .map(([k, x]) => [k, String(x)]),
            ),
            ...(this.alertsTopic ? { ALERTS_TOPIC_ARN: this.alertsTopic.arn } : {}),
            ...(args.alertsEventBus ? { ALERTS_EVENT_BUS_NAME: args.alertsEventBus.name } : {}),
            ...(args.extraEnvironment ?? {}),
        };
        // The processor is one consumer of the framework (components/stream/StreamConsumer.ts): same
        // mapping, queue, role and consumer alarms; its own metrics keep their namespace and service.
        this.consumer = new StreamConsumer(
            name,
            {
                accountId: args.accountId,
                stream: { streamArn: args.streamArn, keyArn: args.streamKmsKeyArn },
                consumerArn: args.consumerArn,
                code: functionCode("processor"),
                description: "Real-time analytics: Kinesis micro-batches to Aurora via the Data API",
                kmsKeyArn: db.keyArn,
                metricsNamespace: "FlightStream/Analytics",
                serviceName: "processor",
                environment,
                statements,
                ...streamMappingArgsOf(args),
                reservedConcurrency: args.reservedConcurrency,
                memoryMiB: args.memoryMiB ?? PROCESSOR_MEMORY_MIB,
                timeoutSeconds: args.timeoutSeconds ?? 300,
                logRetentionDays: args.logRetentionDays,
                iteratorAgeAlarmMs: args.iteratorAgeAlarmMs,
                // The processor reports poison records and store-rejected events, not FailedEvents.
                failedEventsAlarm: false,
                alarmNotes: { "poison-records": "Review the rejected_events table." },
                extraPolicies: (role: aws.iam.Role) => [db.grantDataApi(`${name}-data-api`, role, this.databaseUser).principalPolicy!, this.databaseUser.rotation],
                alarms: args.alarms,
            },
            { parent: this },
        );
        this.function = this.consumer.function;
        this.role = this.consumer.role;
        this.logGroup = this.consumer.logGroup;
        this.mapping = this.consumer.mapping;
        this.failureQueue = this.consumer.failureQueue;

        this.alarms = [...this.consumer.alarms, ...createAlarms(this, name, this.alarmDefinitions(), args.alarms)];
        this.registerOutputs({
            ...this.consumer.consumerOutputs(),
            ...(this.alertsTopic ? { alertsTopic: this.alertsTopic } : {}),
            alarms: this.alarms,
        });
    }

    metricErrors(options?: MetricOptions): MetricSpec {
        return this.consumer.metricErrors(options);
    }

    metricThrottles(options?: MetricOptions): MetricSpec {
        return this.consumer.metricThrottles(options);
    }

    /** Age of the last record of each batch when it was read (Maximum). */
    metricIteratorAge(options?: MetricOptions): MetricSpec {
        return this.consumer.metricIteratorAge(options);
    }

    metricDuration(options?: MetricOptions): MetricSpec {
        return this.consumer.metricDuration(options);
    }

    /** Poison records seen (the processor's EMF metric; each retry of a record counts again). */
    metricPoisonRecords(options?: MetricOptions): MetricSpec {
        return this.consumer.metricPoisonRecords(options);
    }

    /** Average RDS Data API call latency per batch (the processor's EMF metric). */
    metricDataApiLatency(options?: MetricOptions): MetricSpec {
        return metric("FlightStream/Analytics", "DataApiLatency", { service: "processor", FunctionName: this.function.name }, { statistic: "Average", periodSeconds: 300 }, options);
    }

    /** Failed RDS Data API calls (the processor's EMF metric). */
    metricDataApiErrors(options?: MetricOptions): MetricSpec {
        return metric("FlightStream/Analytics", "DataApiErrors", { service: "processor", FunctionName: this.function.name }, { statistic: "Sum", periodSeconds: 300 }, options);
    }

    /** Alerts stored but not yet published after each invocation's publish attempt (the processor's EMF metric; Minimum per 5 minutes). */
    metricAlertsOutboxBacklog(options?: MetricOptions): MetricSpec {
        return metric("FlightStream/Analytics", "AlertsOutboxBacklog", { service: "processor", FunctionName: this.function.name }, { statistic: "Minimum", periodSeconds: 300, unit: "Count" }, options);
    }

    /** Batches that exhausted their retries or expired (on-failure queue depth). */
    metricFailureQueueMessagesVisible(options?: MetricOptions): MetricSpec {
        return this.consumer.metricFailureQueueMessagesVisible(options);
    }

    private alarmDefinitions(): AlarmDefinition[] {
        const publishes = this.alertsTopic !== undefined || this.alertsEventBus;
        return [
            ...(publishes
                ? [
                      {
                          condition: "alerts-outbox-backlog",
                          metric: this.metricAlertsOutboxBacklog(),
                          threshold: 1,
                          comparison: "GreaterThanOrEqualToThreshold" as const,
                          severity: "page" as const,
                          runbook: "alerts-outbox",
                          description: "High-demand alerts stay unpublished after every invocation for 15 minutes: publishing to SNS/EventBridge fails, so nobody downstream hears of them.",
                          evaluationPeriods: 3,
                          datapointsToAlarm: 3,
                      },
                  ]
                : []),
        ];
    }
}
