/**
 * A micro-batch consumer of a KinesisStream: any handler module (written
 * against functions/consumer/framework.ts) wired to the stream as a Lambda
 * function behind an event source mapping.
 *
 * - Handler: a file path (`handler`), bundled by esbuild (components/common/bundle.ts
 *   `entryCode`), inside this repository or in a team's own folder; its
 *   `handler` export is the Lambda handler. Or a prebuilt `code` archive.
 * - Reading: shared throughput (the stream ARN), an existing enhanced fan-out
 *   consumer (`consumerArn`, e.g. one a cross-account KinesisStream declares),
 *   or its own enhanced fan-out consumer registered here (`enhancedFanOut: true`;
 *   the stream must be in this component's account).
 * - The mapping: bisect on function error, ReportBatchItemFailures, bounded
 *   retries and record age, an on-failure SQS queue (KMS, TLS only).
 * - Derived stream kind: with `target` (another KinesisStream) the role may
 *   write to it (PutRecords, ListShards, DescribeStreamSummary, kms:GenerateDataKey)
 *   and the function gets TARGET_STREAM_NAME / TARGET_STREAM_ARN; the handler
 *   writes through the platform's producer (functions/consumer/derived.ts).
 * - Least privilege: the role reads exactly this stream (and consumer),
 *   decrypts with exactly its key, sends to exactly its queue, writes its own
 *   log group; plus the `statements` the handler needs, which must not use
 *   `Resource: "*"`.
 * - Alarms (from the metric helpers, dimensions set): errors, throttles,
 *   iterator age, poison records and failed events (the framework's EMF
 *   metrics), batches in the on-failure queue. `widgets()` gives dashboard
 *   widgets built from the same helpers.
 *
 * Creates: aws.lambda.Function (+ role, policy, KMS log group),
 * aws.lambda.EventSourceMapping, aws.sqs.Queue (+ policy), optionally
 * aws.kinesis.StreamConsumer and aws.kms.Key (+ alias) when no key is given.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as path from "path";
import { AlarmDefinition, AlarmSettings, createAlarms } from "../common/alarms";
import { entryCode } from "../common/bundle";
import { KeyRef, KinesisStreamRef, StatementCollector } from "../common/grants";
import { PolicyStatement, tlsOnlyQueuePolicy } from "../common/iam";
import { MetricOptions, MetricSpec, metric } from "../common/metrics";
import { AWS_ACCOUNT_ID, AWS_REGION, isKnown, validator } from "../common/validation";
import { lambdaFunction } from "../common/lambda";
import { logsKey } from "../common/logsKey";
import type { DashboardWidget } from "../oncall/Dashboard";
import { StreamMappingArgs, checkStreamMappingArgs, streamMappingSettings } from "./mapping";

const STREAM_ARN = /^arn:aws[a-z-]*:kinesis:[a-z0-9-]+:\d{12}:stream\/[A-Za-z0-9_.-]+$/;
const CONSUMER_ARN = /^arn:aws[a-z-]*:kinesis:[a-z0-9-]+:\d{12}:stream\/[A-Za-z0-9_.-]+\/consumer\/[A-Za-z0-9_.-]+:\d+$/;

const REPO_ROOT = path.resolve(__dirname, "..", "..");

/** The handler file as shown in the function's description: relative to this repository when inside it. */
export function handlerLabel(file: string): string {
    const abs = path.resolve(file);
    const rel = path.relative(REPO_ROOT, abs);
    return rel.startsWith("..") || path.isAbsolute(rel) ? abs : rel.split(path.sep).join("/");
}

/** What a consumer needs of a stream (a KinesisStream, or another stack's outputs). */
export interface ConsumedStream {
    readonly streamArn: pulumi.Input<string>;
    /** The key that encrypts the stream. */
    readonly keyArn: pulumi.Input<string>;
}

/** A stream a derived-stream consumer writes to. */
export interface TargetStream extends ConsumedStream {
    readonly streamName: pulumi.Input<string>;
}

export interface StreamConsumerArgs extends StreamMappingArgs {
    /** Account the function runs in (trust policy confused-deputy guard; key policy when the key is created here). */
    readonly accountId: pulumi.Input<string>;
    /** Region, needed only when the key is created here (its CloudWatch Logs grant). @default - none */
    readonly region?: string;
    /** The stream read (may be in another account whose resource policies admit this one). */
    readonly stream: ConsumedStream;
    /** Path of the handler file (its `handler` export), bundled by esbuild. Exactly one of `handler` and `code`. */
    readonly handler?: string;
    /** A prebuilt Lambda code archive (index.handler). */
    readonly code?: pulumi.asset.Archive;
    /** Read through this enhanced fan-out consumer. @default - shared throughput, or the own consumer with `enhancedFanOut` */
    readonly consumerArn?: pulumi.Input<string>;
    /** Register an enhanced fan-out consumer of its own (named like the component) and read through it. @default false */
    readonly enhancedFanOut?: boolean;
    /** Derived stream kind: the stream the handler writes transformed events to. @default - none */
    readonly target?: TargetStream;
    /** What the handler calls besides the stream, the queue and its logs; no `Resource: "*"`. @default [] */
    readonly statements?: PolicyStatement[];
    /** Handler environment (added to POWERTOOLS_*, TARGET_STREAM_*). @default {} */
    readonly environment?: Record<string, pulumi.Input<string>>;
    /** Key for the log group and the on-failure queue. @default - a key created here (rotation on) */
    readonly kmsKeyArn?: pulumi.Input<string>;
    /** EMF namespace of the handler's metrics (POWERTOOLS_METRICS_NAMESPACE). @default "FlightStream/Consumers" */
    readonly metricsNamespace?: string;
    /** POWERTOOLS_SERVICE_NAME, a dimension of the handler's metrics. @default - the component name */
    readonly serviceName?: string;
    /** @default - "Stream consumer <name>" */
    readonly description?: string;
    /** Reserved concurrency. @default - unreserved */
    readonly reservedConcurrency?: number;
    /** @default 512 */
    readonly memoryMiB?: number;
    /** @default 60 */
    readonly timeoutSeconds?: number;
    /** @default 30 */
    readonly logRetentionDays?: number;
    /** Iterator age alarm threshold (ms). @default 60000 */
    readonly iteratorAgeAlarmMs?: number;
    /** Alarm on events the handler reported as failed (the FailedEvents metric). @default true */
    readonly failedEventsAlarm?: boolean;
    /** Grants created with the role that must exist before the function (e.g. a database grant). @default - none */
    readonly extraPolicies?: (role: aws.iam.Role) => pulumi.Resource[];
    /** Sentences appended to an alarm's description, by condition (what to look at for this handler). @default {} */
    readonly alarmNotes?: Record<string, string>;
    /** @default - alarms on, no routing */
    readonly alarms?: AlarmSettings;
}

export class StreamConsumer extends pulumi.ComponentResource {
    readonly function: aws.lambda.Function;
    readonly role: aws.iam.Role;
    readonly logGroup: aws.cloudwatch.LogGroup;
    readonly mapping: aws.lambda.EventSourceMapping;
    readonly failureQueue: aws.sqs.Queue;
    /** The enhanced fan-out consumer registered here (`enhancedFanOut`). */
    readonly efoConsumer?: aws.kinesis.StreamConsumer;
    /** The key created here when none was given. */
    readonly key?: aws.kms.Key;
    readonly keyArn: pulumi.Output<string>;
    /** What the mapping reads (stream or consumer ARN). */
    readonly eventSourceArn: pulumi.Output<string>;
    readonly alarms: aws.cloudwatch.MetricAlarm[];
    readonly metricsNamespace: string;
    readonly serviceName: string;
    private readonly iteratorAgeAlarmMs: number;
    private readonly failedEventsAlarm: boolean;
    private readonly alarmNotes: Record<string, string>;

    constructor(name: string, args: StreamConsumerArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("flightstream:stream:StreamConsumer", name, {}, opts);
        const v = validator("StreamConsumer", name);
        v.check("handler", (args.handler === undefined) !== (args.code === undefined), "given when `code` is not (exactly one of them): the path of the handler file", args.handler);
        if (typeof args.handler === "string") v.check("handler", /\.(ts|js|mjs|cjs)$/.test(args.handler), "the path of a .ts or .js file", args.handler);
        v.check("enhancedFanOut", !(args.enhancedFanOut === true && args.consumerArn !== undefined), "false when `consumerArn` is given (read through one consumer)", args.enhancedFanOut);
        checkStreamMappingArgs(v, args);
        v.intRange("reservedConcurrency", args.reservedConcurrency, 1, 10000);
        v.intRange("memoryMiB", args.memoryMiB, 128, 10240);
        v.intRange("timeoutSeconds", args.timeoutSeconds, 10, 900);
        v.logRetentionDays("logRetentionDays", args.logRetentionDays);
        v.intRange("iteratorAgeAlarmMs", args.iteratorAgeAlarmMs, 1000, 604_800_000);
        if (isKnown(args.accountId)) v.pattern("accountId", args.accountId, AWS_ACCOUNT_ID, "a 12-digit AWS account id");
        if (isKnown(args.stream?.streamArn)) v.pattern("stream.streamArn", args.stream.streamArn, STREAM_ARN, "a Kinesis stream ARN");
        if (isKnown(args.consumerArn)) v.pattern("consumerArn", args.consumerArn, CONSUMER_ARN, "a Kinesis stream consumer ARN");
        if (args.target !== undefined && isKnown(args.target.streamArn)) v.pattern("target.streamArn", args.target.streamArn, STREAM_ARN, "a Kinesis stream ARN");
        if (args.target !== undefined && isKnown(args.target.streamArn) && isKnown(args.stream?.streamArn)) {
            v.check("target.streamArn", args.target.streamArn !== args.stream.streamArn, "another stream than `stream` (a consumer writing to the stream it reads would loop)", args.target.streamArn);
        }
        if (args.kmsKeyArn === undefined && args.region !== undefined) v.pattern("region", args.region, AWS_REGION, 'an AWS region such as "eu-west-1"');
        v.check("region", args.kmsKeyArn !== undefined || args.region !== undefined, "given when `kmsKeyArn` is not (the created key lets CloudWatch Logs of that region use it)", args.region);
        (args.statements ?? []).forEach((s, i) => {
            const resources = Array.isArray(s.Resource) ? s.Resource : [s.Resource];
            v.check(
                `statements[${i}].Resource`,
                resources.every((r) => r !== "*"),
                'named resources (least privilege), not "*"',
                s.Resource,
            );
        });
        this.iteratorAgeAlarmMs = args.iteratorAgeAlarmMs ?? 60_000;
        this.failedEventsAlarm = args.failedEventsAlarm ?? true;
        this.alarmNotes = args.alarmNotes ?? {};
        this.metricsNamespace = args.metricsNamespace ?? "FlightStream/Consumers";
        this.serviceName = args.serviceName ?? name;

        const p = { parent: this };
        const stackName = `${pulumi.getStack()}-${name}`;
        if (args.kmsKeyArn !== undefined) {
            this.keyArn = pulumi.output(args.kmsKeyArn);
        } else {
            const accountId = pulumi.output(args.accountId);
            this.key = logsKey(`${name}-key`, this, { description: `Stream consumer ${stackName}: logs and on-failure queue`, accountId, region: args.region! });
            new aws.kms.Alias(`${name}-key-alias`, { name: `alias/flightstream/${stackName}`, targetKeyId: this.key.keyId }, p);
            this.keyArn = this.key.arn;
        }

        this.failureQueue = new aws.sqs.Queue(
            `${name}-failures`,
            {
                name: `${stackName}-failures`,
                kmsMasterKeyId: this.keyArn,
                kmsDataKeyReusePeriodSeconds: 300,
                messageRetentionSeconds: 14 * 24 * 3600,
            },
            p,
        );
        new aws.sqs.QueuePolicy(`${name}-failures-policy`, { queueUrl: this.failureQueue.url, policy: tlsOnlyQueuePolicy(this.failureQueue.arn) }, p);

        if (args.enhancedFanOut === true) {
            this.efoConsumer = new aws.kinesis.StreamConsumer(`${name}-efo`, { name: stackName, streamArn: args.stream.streamArn }, p);
        }
        const consumerArn: pulumi.Input<string> | undefined = this.efoConsumer?.arn ?? args.consumerArn;
        this.eventSourceArn = pulumi.output(consumerArn ?? args.stream.streamArn);

        // The read stream and the target are references: the grants give this role's side
        // (a stream in another account admits the role through its own resource policies).
        const grants = new StatementCollector();
        KinesisStreamRef.fromStreamAttributes({ streamArn: args.stream.streamArn, keyArn: args.stream.keyArn }).grantConsumeThrough(`${name}-read`, grants, consumerArn);
        const own: PolicyStatement[] = [
            { Sid: "SendFailures", Effect: "Allow", Action: ["sqs:SendMessage", "sqs:GetQueueAttributes"], Resource: this.failureQueue.arn },
            KeyRef.fromKeyAttributes({ keyArn: this.keyArn }).useStatement("both", args.kmsKeyArn !== undefined ? "UseGivenKey" : "UseConsumerKey"),
        ];
        grants.addToPrincipalPolicy(`${name}-own`, own);
        if (args.target !== undefined) {
            KinesisStreamRef.fromStreamAttributes({ streamArn: args.target.streamArn, keyArn: args.target.keyArn }).grantWrite(`${name}-write-target`, grants);
        }
        const statements: PolicyStatement[] = [...grants.statements, ...(args.statements ?? [])];
        const environment: Record<string, pulumi.Input<string>> = {
            POWERTOOLS_SERVICE_NAME: this.serviceName,
            POWERTOOLS_METRICS_NAMESPACE: this.metricsNamespace,
            ...(args.target !== undefined ? { TARGET_STREAM_NAME: args.target.streamName, TARGET_STREAM_ARN: args.target.streamArn } : {}),
            ...(args.environment ?? {}),
        };
        const fn = lambdaFunction(name, this, {
            description: args.description ?? `Stream consumer ${name}${args.target !== undefined ? " (derived stream writer)" : ""}${args.handler !== undefined ? `, handler ${handlerLabel(args.handler)}` : ""}`.slice(0, 256),
            accountId: args.accountId,
            code: args.code ?? entryCode(args.handler!),
            logKeyArn: this.keyArn,
            logRetentionDays: args.logRetentionDays ?? 30,
            environment,
            statements,
            timeoutSeconds: args.timeoutSeconds ?? 60,
            memoryMiB: args.memoryMiB ?? 512,
            reservedConcurrency: args.reservedConcurrency,
            roleGrants: args.extraPolicies,
        });
        this.function = fn.function;
        this.role = fn.role;
        this.logGroup = fn.logGroup;

        this.mapping = new aws.lambda.EventSourceMapping(
            `${name}-mapping`,
            {
                eventSourceArn: this.eventSourceArn,
                functionName: this.function.arn,
                // The same settings the local platform's mappings run with (./mapping.ts).
                ...streamMappingSettings(args),
                destinationConfig: { onFailure: { destinationArn: this.failureQueue.arn } },
            },
            { parent: this, dependsOn: [fn.policy] },
        );

        this.alarms = createAlarms(this, name, this.alarmDefinitions(), args.alarms);
        this.registerOutputs({
            ...this.consumerOutputs(),
            ...(this.efoConsumer ? { efoConsumer: this.efoConsumer } : {}),
            alarms: this.alarms,
        });
    }

    /** The outputs of the consumer's parts (function, role, log group, mapping, on-failure queue), for this component's and a wrapping one's `registerOutputs`. */
    consumerOutputs(): Record<string, pulumi.Resource> {
        return { function: this.function, role: this.role, logGroup: this.logGroup, mapping: this.mapping, failureQueue: this.failureQueue };
    }

    private fnDims(): Record<string, pulumi.Input<string>> {
        return { FunctionName: this.function.name };
    }

    private ownDims(): Record<string, pulumi.Input<string>> {
        return { service: this.serviceName, FunctionName: this.function.name };
    }

    metricErrors(options?: MetricOptions): MetricSpec {
        return metric("AWS/Lambda", "Errors", this.fnDims(), { statistic: "Sum", periodSeconds: 300, unit: "Count" }, options);
    }

    metricThrottles(options?: MetricOptions): MetricSpec {
        return metric("AWS/Lambda", "Throttles", this.fnDims(), { statistic: "Sum", periodSeconds: 300, unit: "Count" }, options);
    }

    /** Age of the last record of each batch when it was read (Maximum). */
    metricIteratorAge(options?: MetricOptions): MetricSpec {
        return metric("AWS/Lambda", "IteratorAge", this.fnDims(), { statistic: "Maximum", periodSeconds: 60, unit: "Milliseconds" }, options);
    }

    metricDuration(options?: MetricOptions): MetricSpec {
        return metric("AWS/Lambda", "Duration", this.fnDims(), { extendedStatistic: "p99", periodSeconds: 300, unit: "Milliseconds" }, options);
    }

    /** Records that could not be decoded or held invalid events (the framework's EMF metric; each retry counts again). */
    metricPoisonRecords(options?: MetricOptions): MetricSpec {
        return metric(this.metricsNamespace, "PoisonRecords", this.ownDims(), { statistic: "Sum", periodSeconds: 300, unit: "Count" }, options);
    }

    /** Events the handler reported as failed (the framework's EMF metric; each retry counts again). */
    metricFailedEvents(options?: MetricOptions): MetricSpec {
        return metric(this.metricsNamespace, "FailedEvents", this.ownDims(), { statistic: "Sum", periodSeconds: 300, unit: "Count" }, options);
    }

    /** Distinct events handed to the handler (the framework's EMF metric). */
    metricEventsConsumed(options?: MetricOptions): MetricSpec {
        return metric(this.metricsNamespace, "EventsConsumed", this.ownDims(), { statistic: "Sum", periodSeconds: 60, unit: "Count" }, options);
    }

    /** Batches that exhausted their retries or expired (on-failure queue depth). */
    metricFailureQueueMessagesVisible(options?: MetricOptions): MetricSpec {
        return metric("AWS/SQS", "ApproximateNumberOfMessagesVisible", { QueueName: this.failureQueue.name }, { statistic: "Maximum", periodSeconds: 300, unit: "Count" }, options);
    }

    /** Dashboard widgets of this consumer, from the metric helpers. */
    widgets(title = this.serviceName): DashboardWidget[] {
        return [
            { title: `${title}: iterator age`, metrics: [this.metricIteratorAge()], annotations: [{ label: "alarm", value: this.iteratorAgeAlarmMs }] },
            { title: `${title}: events consumed`, metrics: [this.metricEventsConsumed()] },
            { title: `${title}: errors, poison records, failed events`, metrics: [this.metricErrors(), this.metricThrottles(), this.metricPoisonRecords(), this.metricFailedEvents()] },
            { title: `${title}: on-failure queue`, metrics: [this.metricFailureQueueMessagesVisible()] },
        ];
    }

    private alarmDefinitions(): AlarmDefinition[] {
        const notes = this.alarmNotes;
        return this.baseAlarmDefinitions().map((d) => (notes[d.condition] !== undefined ? { ...d, description: `${d.description} ${notes[d.condition]}` } : d));
    }

    private baseAlarmDefinitions(): AlarmDefinition[] {
        return [
            {
                condition: "errors",
                metric: this.metricErrors(),
                threshold: 1,
                comparison: "GreaterThanOrEqualToThreshold",
                severity: "ticket",
                runbook: "consumer-errors",
                description: `The ${this.serviceName} consumer failed whole invocations (not single events) in the last 5 minutes.`,
            },
            {
                condition: "throttles",
                metric: this.metricThrottles(),
                threshold: 1,
                comparison: "GreaterThanOrEqualToThreshold",
                severity: "ticket",
                runbook: "consumer-errors",
                description: `The ${this.serviceName} consumer was throttled (concurrency limit) in the last 5 minutes.`,
            },
            {
                condition: "iterator-age",
                metric: this.metricIteratorAge(),
                threshold: this.iteratorAgeAlarmMs,
                comparison: "GreaterThanOrEqualToThreshold",
                severity: "page",
                runbook: "stream-iterator-age",
                description: `The ${this.serviceName} consumer is at least ${this.iteratorAgeAlarmMs} ms behind its stream; what it feeds is stale and records risk expiring.`,
                evaluationPeriods: 3,
            },
            {
                condition: "poison-records",
                metric: this.metricPoisonRecords(),
                threshold: 1,
                comparison: "GreaterThanOrEqualToThreshold",
                severity: "ticket",
                runbook: "consumer-errors",
                description: `The ${this.serviceName} consumer received records it could not decode or validate.`,
            },
            ...(this.failedEventsAlarm
                ? [
                      {
                          condition: "failed-events",
                          metric: this.metricFailedEvents(),
                          threshold: 1,
                          comparison: "GreaterThanOrEqualToThreshold" as const,
                          severity: "ticket" as const,
                          runbook: "consumer-errors",
                          description: `The ${this.serviceName} consumer's handler reported events it could not process; they are retried, then their batches reach the on-failure queue.`,
                      },
                  ]
                : []),
            {
                condition: "failed-batches",
                metric: this.metricFailureQueueMessagesVisible(),
                threshold: 0,
                comparison: "GreaterThanThreshold",
                severity: "page",
                runbook: "consumer-errors",
                description: `Batches reached the ${this.serviceName} consumer's on-failure queue: their records were not processed and must be replayed.`,
            },
        ];
    }
}
