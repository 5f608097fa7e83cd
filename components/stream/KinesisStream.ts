/**
 * The platform's streaming buffer: one Kinesis Data Stream, provisioned or
 * on-demand, encrypted with a customer-managed KMS key, with enhanced fan-out
 * consumers declared by name, grants that accept any principal (cross-account
 * ones add the stream, consumer and key policy statements), metric helpers, and alarms built from those metric helpers (so every alarm
 * names the stream in its dimensions).
 *
 * Creates: aws.kms.Key + aws.kms.Alias (unless `kmsKeyArn`), aws.kinesis.Stream,
 * one aws.kinesis.StreamConsumer per `consumers` entry, aws.kinesis.ResourcePolicy
 * on the stream and on a consumer once a grant to a principal of another account
 * names them (`grantConsume(name, principals.roleArn(arn, accountId), consumer)`),
 * and up to 10 + one per consumer aws.cloudwatch.MetricAlarm.
 *
 * Alarm conditions (keys of `alarms.overrides`, which set `enabled`, `threshold`, ...):
 *   iterator-age               GetRecords.IteratorAgeMilliseconds Maximum >= 60,000 ms (page)
 *   consumer-<name>-behind     SubscribeToShardEvent.MillisBehindLatest Maximum >= 60,000 ms, per EFO consumer (page)
 *   write-throttled            WriteProvisionedThroughputExceeded Average >= 0.01 (page)
 *   read-throttled             ReadProvisionedThroughputExceeded Average >= 0.01 (ticket)
 *   put-records-success        PutRecords.SuccessfulRecords / PutRecords.TotalRecords <= 0.95 (page)
 *   get-records-success        GetRecords.Success Average <= 0.98 (ticket)
 *   incoming-bytes-capacity    IncomingBytes Sum per minute >= share x shards x 1 MiB/s x 60 s (ticket, provisioned only)
 *   incoming-records-capacity  IncomingRecords Sum per minute >= share x shards x 1,000/s x 60 s (ticket, provisioned only)
 *   traffic-collapsed          IncomingRecords Sum per 5 min below its anomaly detection band (`trafficAnomalyBandWidth`
 *                              standard deviations) for 3 of 3 periods (page): traffic fell far under its recent level
 *   traffic-stopped            IncomingRecords Sum per minute < `trafficFloorRecordsPerMinute` for 5 of 5 minutes, missing
 *                              data breaching (page; only when the floor is set)
 * The two capacity alarms are the early warning: they fire before writes throttle.
 * The two traffic alarms catch the most common real outage of an ingestion path: nothing arrives.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { AlarmDefinition, AlarmSettings, AnomalyAlarmDefinition, createAlarms } from "../common/alarms";
import { Grant, Grantee, KinesisStreamAttributes, KinesisStreamPolicies, KinesisStreamRef, ResourcePolicyDocument } from "../common/grants";
import { PolicyStatement, accountRoot } from "../common/iam";
import { MetricExpressionSpec, MetricOptions, MetricSpec, expression, metric } from "../common/metrics";
import { AWS_ACCOUNT_ID, isKnown, validator } from "../common/validation";
import { MAX_SHARDS_PER_STREAM, SHARD_WRITE_BYTES_PER_SECOND, SHARD_WRITE_RECORDS_PER_SECOND } from "../../functions/shared/capacity";

export type StreamMode = "provisioned" | "on-demand";

export const SHARD_LEVEL_METRICS = ["IncomingBytes", "IncomingRecords", "OutgoingBytes", "OutgoingRecords", "WriteProvisionedThroughputExceeded", "ReadProvisionedThroughputExceeded", "IteratorAgeMilliseconds", "ALL"] as const;
export type ShardLevelMetric = (typeof SHARD_LEVEL_METRICS)[number];

const CAPACITY_CONDITIONS = ["incoming-bytes-capacity", "incoming-records-capacity"];

/** Write limits of one shard (used by the capacity alarms); the capacity planner's constants. */
export const SHARD_BYTES_PER_SECOND = SHARD_WRITE_BYTES_PER_SECOND;
export const SHARD_RECORDS_PER_SECOND = SHARD_WRITE_RECORDS_PER_SECOND;
export const MAX_SHARDS = MAX_SHARDS_PER_STREAM;

export interface KinesisStreamArgs {
    /** Account the stream lives in; named in the created key's policy. Required unless `kmsKeyArn` is given. */
    readonly accountId?: pulumi.Input<string>;
    /** Region, to scope cross-account key use to this region's Kinesis (`kms:ViaService`). @default - any region's Kinesis */
    readonly region?: pulumi.Input<string>;
    /** Stream name. @default - `${stack}-${name}` */
    readonly streamName?: string;
    /** Capacity mode. @default "provisioned" */
    readonly mode?: StreamMode;
    /**
     * Open shards in provisioned mode, 1..10000 (a plain number: the capacity
     * alarms' thresholds are computed from it). Leave unset for on-demand.
     * Stack config supplies 128 in prod. @default 2
     */
    readonly shardCount?: number;
    /** Retention, 24..8760 hours. @default 24 */
    readonly retentionHours?: number;
    /** Existing customer-managed key to encrypt with. @default - a key with yearly rotation is created */
    readonly kmsKeyArn?: pulumi.Input<string>;
    /** Deletion window of the created key, 7..30 days. @default 30 */
    readonly keyDeletionWindowDays?: number;
    /** Enhanced fan-out consumers to register, by name (1..128 of A-Z a-z 0-9 _ . -). @default [] */
    readonly consumers?: string[];
    /** Shard-level (enhanced) metrics to enable. @default [] (stream-level metrics only) */
    readonly shardLevelMetrics?: ShardLevelMetric[];
    /** Share of provisioned write capacity at which the capacity alarms fire, (0, 1]. @default 0.8 */
    readonly capacityAlarmShare?: number;
    /**
     * Width, in standard deviations, of the anomaly detection band the
     * `traffic-collapsed` alarm compares IncomingRecords with, (0, 10]. @default 3
     */
    readonly trafficAnomalyBandWidth?: number;
    /**
     * Records per minute below which the stream counts as stopped (`traffic-stopped`
     * alarm, minute by minute for 5 minutes). A positive integer.
     * @default - no floor alarm (only the anomaly band)
     */
    readonly trafficFloorRecordsPerMinute?: number;
    /** Alarm settings; conditions are listed in the class comment. */
    readonly alarms?: AlarmSettings;
    /** Extra tags for the stream and key. @default {} */
    readonly tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

const CONSUMER_NAME = /^[a-zA-Z0-9_.-]{1,128}$/;
const STREAM_NAME = /^[a-zA-Z0-9_.-]{1,128}$/;
const NAMESPACE = "AWS/Kinesis";

export class KinesisStream extends pulumi.ComponentResource {
    readonly stream: aws.kinesis.Stream;
    /** The created key (undefined when `kmsKeyArn` was supplied). */
    readonly key?: aws.kms.Key;
    /** ARN of the key encrypting the stream. */
    readonly keyArn: pulumi.Output<string>;
    readonly streamName: pulumi.Output<string>;
    readonly streamArn: pulumi.Output<string>;
    readonly mode: StreamMode;
    /** Provisioned shard count (undefined in on-demand mode). */
    readonly shardCount?: number;
    readonly retentionHours: number;
    /** Enhanced fan-out consumers by name. */
    readonly consumers: Record<string, aws.kinesis.StreamConsumer> = {};
    /** Resource policies (stream first, then one per consumer) when cross-account access is asked for. */
    readonly resourcePolicies: aws.kinesis.ResourcePolicy[] = [];
    readonly alarms: aws.cloudwatch.MetricAlarm[];
    /**
     * The capacity early-warning alarms (`incoming-bytes-capacity`, `incoming-records-capacity`) that were
     * created: empty in on-demand mode or when both are disabled. The automatic reshard starts from them.
     */
    readonly capacityAlarms: aws.cloudwatch.MetricAlarm[];
    /**
     * The stream as a reference (what other components take); its grants add to
     * this stream's resource and key policies.
     */
    readonly ref: KinesisStreamRef;
    private readonly componentName: string;
    private keyPolicyDoc?: ResourcePolicyDocument;
    private streamPolicyDoc!: ResourcePolicyDocument;
    private readonly consumerPolicyDocs: Record<string, ResourcePolicyDocument> = {};
    private readonly capacityAlarmShare: number;
    private readonly trafficAnomalyBandWidth: number;
    private readonly trafficFloorRecordsPerMinute?: number;

    constructor(name: string, args: KinesisStreamArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("flightstream:stream:KinesisStream", name, {}, opts);
        this.componentName = name;
        const v = validator("KinesisStream", name);
        v.oneOf("mode", args.mode, ["provisioned", "on-demand"] as const);
        const mode = args.mode ?? "provisioned";
        if (mode === "on-demand") {
            v.check("shardCount", args.shardCount === undefined, 'left unset when `mode` is "on-demand"', args.shardCount);
        } else {
            v.intRange("shardCount", args.shardCount, 1, MAX_SHARDS);
        }
        v.intRange("retentionHours", args.retentionHours, 24, 8760);
        v.intRange("keyDeletionWindowDays", args.keyDeletionWindowDays, 7, 30);
        if (args.streamName !== undefined) v.pattern("streamName", args.streamName, STREAM_NAME, "1 to 128 characters of A-Z a-z 0-9 _ . -");
        const consumers = args.consumers ?? [];
        v.check("consumers", Array.isArray(consumers), "a list of consumer names", consumers);
        consumers.forEach((c, i) => v.pattern(`consumers[${i}]`, c, CONSUMER_NAME, "1 to 128 characters of A-Z a-z 0-9 _ . -"));
        const duplicate = consumers.find((c, i) => consumers.indexOf(c) !== i);
        v.check("consumers", duplicate === undefined, "a list of distinct names", consumers);
        v.check("consumers", consumers.length <= 20, "at most 20 names (enhanced fan-out consumers per stream)", consumers);
        const shardLevelMetrics = args.shardLevelMetrics ?? [];
        shardLevelMetrics.forEach((m, i) => v.oneOf(`shardLevelMetrics[${i}]`, m, SHARD_LEVEL_METRICS));
        const share = args.capacityAlarmShare;
        v.check("capacityAlarmShare", share === undefined || (typeof share === "number" && share > 0 && share <= 1), "a number greater than 0 and at most 1", share);
        const band = args.trafficAnomalyBandWidth;
        v.check("trafficAnomalyBandWidth", band === undefined || (typeof band === "number" && band > 0 && band <= 10), "a number greater than 0 and at most 10", args.trafficAnomalyBandWidth);
        v.check(
            "trafficFloorRecordsPerMinute",
            args.trafficFloorRecordsPerMinute === undefined || (Number.isInteger(args.trafficFloorRecordsPerMinute) && args.trafficFloorRecordsPerMinute >= 1),
            "a positive integer (records per minute)",
            args.trafficFloorRecordsPerMinute,
        );
        v.check("accountId", args.kmsKeyArn !== undefined || args.accountId !== undefined, "given when `kmsKeyArn` is not (the created key's policy names the account)", args.accountId);
        if (isKnown(args.accountId)) v.pattern("accountId", args.accountId, AWS_ACCOUNT_ID, "a 12-digit AWS account id");

        this.mode = mode;
        this.shardCount = mode === "provisioned" ? (args.shardCount ?? 2) : undefined;
        this.retentionHours = args.retentionHours ?? 24;
        this.capacityAlarmShare = args.capacityAlarmShare ?? 0.8;
        this.trafficAnomalyBandWidth = args.trafficAnomalyBandWidth ?? 3;
        this.trafficFloorRecordsPerMinute = args.trafficFloorRecordsPerMinute;
        const streamName = args.streamName ?? `${pulumi.getStack()}-${name}`;

        if (args.kmsKeyArn !== undefined) {
            this.keyArn = pulumi.output(args.kmsKeyArn);
        } else {
            const accountId = pulumi.output(args.accountId!);
            // Cross-account grants add their kms:Decrypt / kms:GenerateDataKey (through Kinesis) statements.
            const statements: PolicyStatement[] = [{ Sid: "AccountAdministers", Effect: "Allow", Principal: { AWS: accountRoot(accountId) }, Action: "kms:*", Resource: "*" }];
            this.keyPolicyDoc = new ResourcePolicyDocument(`KinesisStream "${name}" key policy`, statements);
            this.key = new aws.kms.Key(
                `${name}-key`,
                {
                    description: `Kinesis stream ${streamName} (server-side encryption)`,
                    enableKeyRotation: true,
                    deletionWindowInDays: args.keyDeletionWindowDays ?? 30,
                    policy: this.keyPolicyDoc.document,
                    tags: args.tags,
                },
                { parent: this },
            );
            new aws.kms.Alias(`${name}-key-alias`, { name: `alias/flightstream/${streamName}`, targetKeyId: this.key.keyId }, { parent: this });
            this.keyArn = this.key.arn;
        }

        this.stream = new aws.kinesis.Stream(
            name,
            {
                name: streamName,
                ...(mode === "provisioned" ? { shardCount: this.shardCount } : {}),
                streamModeDetails: { streamMode: mode === "provisioned" ? "PROVISIONED" : "ON_DEMAND" },
                retentionPeriod: this.retentionHours,
                encryptionType: "KMS",
                kmsKeyId: this.keyArn,
                shardLevelMetrics,
                tags: args.tags,
            },
            { parent: this },
        );
        this.streamName = this.stream.name;
        this.streamArn = this.stream.arn;

        for (const consumer of consumers) {
            this.consumers[consumer] = new aws.kinesis.StreamConsumer(`${name}-${consumer}`, { name: consumer, streamArn: this.stream.arn }, { parent: this });
        }

        // Resource policies hold what cross-account grants add; each is created with its first statement.
        this.streamPolicyDoc = new ResourcePolicyDocument(`KinesisStream "${name}" stream policy`, [], (document) => {
            this.resourcePolicies.push(new aws.kinesis.ResourcePolicy(`${name}-policy`, { resourceArn: this.stream.arn, policy: document }, { parent: this }));
        });
        for (const consumer of consumers) {
            const c = this.consumers[consumer];
            this.consumerPolicyDocs[consumer] = new ResourcePolicyDocument(`KinesisStream "${name}" consumer "${consumer}" policy`, [], (document) => {
                this.resourcePolicies.push(new aws.kinesis.ResourcePolicy(`${name}-${consumer}-policy`, { resourceArn: c.arn, policy: document }, { parent: this }));
            });
        }
        const policies: KinesisStreamPolicies = {
            stream: this.streamPolicyDoc,
            key: this.keyPolicyDoc,
            consumer: (arn) => {
                const found = Object.entries(this.consumers).find(([, c]) => c.arn === arn);
                return found ? this.consumerPolicyDocs[found[0]] : undefined;
            },
        };
        this.ref = OwnedStreamRef.own(`KinesisStream "${name}"`, { streamArn: this.stream.arn, streamName: this.stream.name, keyArn: this.keyArn, accountId: args.accountId, region: args.region }, policies);

        const created = this.alarmDefinitions().map((d) => ({ condition: d.condition, alarm: createAlarms(this, name, [d], args.alarms)[0] }));
        this.alarms = created.flatMap((c) => (c.alarm ? [c.alarm] : []));
        this.capacityAlarms = created.flatMap((c) => (c.alarm && CAPACITY_CONDITIONS.includes(c.condition) ? [c.alarm] : []));
        this.registerOutputs({
            stream: this.stream,
            ...(this.key !== undefined ? { key: this.key } : {}),
            keyArn: this.keyArn,
            consumers: this.consumers,
            resourcePolicies: this.resourcePolicies,
            alarms: this.alarms,
        });
    }

    // ------------------------------------------------------------ metrics

    /**
     * Any AWS/Kinesis stream metric with the StreamName dimension set. The
     * helpers set no unit: an alarm whose unit differs from the one Kinesis
     * publishes stays in INSUFFICIENT_DATA.
     */
    metric(metricName: string, defaults: MetricOptions & { unit?: string } = {}, options: MetricOptions = {}): MetricSpec {
        return metric(NAMESPACE, metricName, { StreamName: this.stream.name }, defaults, options);
    }

    /** Bytes written to the stream (Sum per minute). */
    metricIncomingBytes(options?: MetricOptions): MetricSpec {
        return this.metric("IncomingBytes", { statistic: "Sum" }, options);
    }
    /** Records written to the stream (Sum per minute; an aggregate counts once). */
    metricIncomingRecords(options?: MetricOptions): MetricSpec {
        return this.metric("IncomingRecords", { statistic: "Sum" }, options);
    }
    /** Age of the oldest record read by shared-throughput consumers (Maximum). */
    metricGetRecordsIteratorAgeMilliseconds(options?: MetricOptions): MetricSpec {
        return this.metric("GetRecords.IteratorAgeMilliseconds", { statistic: "Maximum" }, options);
    }
    /** Share of writes throttled (Average of 0/1). */
    metricWriteProvisionedThroughputExceeded(options?: MetricOptions): MetricSpec {
        return this.metric("WriteProvisionedThroughputExceeded", { statistic: "Average" }, options);
    }
    /** Share of GetRecords calls throttled (Average of 0/1). */
    metricReadProvisionedThroughputExceeded(options?: MetricOptions): MetricSpec {
        return this.metric("ReadProvisionedThroughputExceeded", { statistic: "Average" }, options);
    }
    /** Records accepted by PutRecords (Sum). */
    metricPutRecordsSuccessfulRecords(options?: MetricOptions): MetricSpec {
        return this.metric("PutRecords.SuccessfulRecords", { statistic: "Sum" }, options);
    }
    /** Records sent with PutRecords (Sum). */
    metricPutRecordsTotalRecords(options?: MetricOptions): MetricSpec {
        return this.metric("PutRecords.TotalRecords", { statistic: "Sum" }, options);
    }
    /** Records PutRecords rejected for throughput (Sum). */
    metricPutRecordsThrottledRecords(options?: MetricOptions): MetricSpec {
        return this.metric("PutRecords.ThrottledRecords", { statistic: "Sum" }, options);
    }
    /** PutRecords calls with at least one record accepted (Average of 0/1). */
    metricPutRecordsSuccess(options?: MetricOptions): MetricSpec {
        return this.metric("PutRecords.Success", { statistic: "Average" }, options);
    }
    /** Successful GetRecords calls (Average of 0/1). */
    metricGetRecordsSuccess(options?: MetricOptions): MetricSpec {
        return this.metric("GetRecords.Success", { statistic: "Average" }, options);
    }
    /** Bytes read by shared-throughput consumers (Sum). */
    metricGetRecordsBytes(options?: MetricOptions): MetricSpec {
        return this.metric("GetRecords.Bytes", { statistic: "Sum" }, options);
    }
    /** Share of records PutRecords accepted: SuccessfulRecords / TotalRecords. */
    metricPutRecordsSuccessRate(options: { periodSeconds?: number } = {}): MetricExpressionSpec {
        const o = { periodSeconds: options.periodSeconds };
        return expression("successful / total", { successful: this.metricPutRecordsSuccessfulRecords(o), total: this.metricPutRecordsTotalRecords(o) }, "PutRecords success rate");
    }
    /** How far an enhanced fan-out consumer is behind (Maximum), with StreamName and ConsumerName. */
    metricConsumerMillisBehindLatest(consumerName: string, options: MetricOptions = {}): MetricSpec {
        this.requireConsumer("consumerName", consumerName);
        return metric(NAMESPACE, "SubscribeToShardEvent.MillisBehindLatest", { StreamName: this.stream.name, ConsumerName: consumerName }, { statistic: "Maximum" }, options);
    }

    /** Provisioned write capacity per period, or undefined in on-demand mode. */
    capacityPerPeriod(periodSeconds = 60): { bytes: number; records: number } | undefined {
        if (this.shardCount === undefined) return undefined;
        return { bytes: this.shardCount * SHARD_BYTES_PER_SECOND * periodSeconds, records: this.shardCount * SHARD_RECORDS_PER_SECOND * periodSeconds };
    }

    private requireConsumer(argument: string, consumerName: string): void {
        const declared = Object.keys(this.consumers);
        validator("KinesisStream", this.componentName).check(
            argument,
            declared.includes(consumerName),
            declared.length === 0 ? "the name of a declared consumer, but `consumers` is empty" : `one of the declared consumers (${declared.map((c) => `"${c}"`).join(", ")})`,
            consumerName,
        );
    }

    private alarmDefinitions(): (AlarmDefinition | AnomalyAlarmDefinition)[] {
        const n = this.componentName;
        const defs: (AlarmDefinition | AnomalyAlarmDefinition)[] = [
            {
                condition: "iterator-age",
                metric: this.metricGetRecordsIteratorAgeMilliseconds(),
                threshold: 60000,
                comparison: "GreaterThanOrEqualToThreshold",
                severity: "page",
                runbook: "stream-iterator-age",
                description: `Stream ${n}: a shared-throughput consumer is falling behind (oldest unread record is at least a minute old).`,
            },
            ...Object.keys(this.consumers).map((c): AlarmDefinition => ({
                condition: `consumer-${c}-behind`,
                metric: this.metricConsumerMillisBehindLatest(c),
                threshold: 60000,
                comparison: "GreaterThanOrEqualToThreshold",
                severity: "page",
                runbook: "stream-iterator-age",
                description: `Stream ${n}: enhanced fan-out consumer ${c} is at least a minute behind the tip of the stream.`,
            })),
            {
                condition: "write-throttled",
                metric: this.metricWriteProvisionedThroughputExceeded(),
                threshold: 0.01,
                comparison: "GreaterThanOrEqualToThreshold",
                severity: "page",
                runbook: "stream-throttling",
                description: `Stream ${n}: writes are being throttled (at least 1% over the shards' write limits).`,
            },
            {
                condition: "read-throttled",
                metric: this.metricReadProvisionedThroughputExceeded(),
                threshold: 0.01,
                comparison: "GreaterThanOrEqualToThreshold",
                severity: "ticket",
                runbook: "stream-throttling",
                description: `Stream ${n}: GetRecords calls are being throttled (shared read throughput exhausted).`,
            },
            {
                condition: "put-records-success",
                metric: this.metricPutRecordsSuccessRate(),
                threshold: 0.95,
                comparison: "LessThanOrEqualToThreshold",
                severity: "page",
                runbook: "stream-put-errors",
                description: `Stream ${n}: 5% or more of the records sent with PutRecords were rejected.`,
            },
            {
                condition: "get-records-success",
                metric: this.metricGetRecordsSuccess(),
                threshold: 0.98,
                comparison: "LessThanOrEqualToThreshold",
                severity: "ticket",
                runbook: "stream-throttling",
                description: `Stream ${n}: 2% or more of GetRecords calls failed.`,
            },
        ];
        const capacity = this.capacityPerPeriod(60);
        if (capacity !== undefined) {
            const share = this.capacityAlarmShare;
            const pct = `${Math.round(share * 1000) / 10}%`;
            defs.push(
                {
                    condition: "incoming-bytes-capacity",
                    metric: this.metricIncomingBytes({ periodSeconds: 60 }),
                    threshold: Math.floor(share * capacity.bytes),
                    comparison: "GreaterThanOrEqualToThreshold",
                    severity: "ticket",
                    runbook: "stream-capacity",
                    description: `Stream ${n}: incoming bytes reached ${pct} of the ${this.shardCount} shards' write capacity (1 MiB/s each); reshard before writes throttle.`,
                },
                {
                    condition: "incoming-records-capacity",
                    metric: this.metricIncomingRecords({ periodSeconds: 60 }),
                    threshold: Math.floor(share * capacity.records),
                    comparison: "GreaterThanOrEqualToThreshold",
                    severity: "ticket",
                    runbook: "stream-capacity",
                    description: `Stream ${n}: incoming records reached ${pct} of the ${this.shardCount} shards' write capacity (1,000 records/s each); aggregate or reshard before writes throttle.`,
                },
            );
        }
        defs.push({
            condition: "traffic-collapsed",
            metric: this.metricIncomingRecords({ periodSeconds: 300 }),
            bandWidth: this.trafficAnomalyBandWidth,
            comparison: "LessThanLowerThreshold",
            severity: "page",
            runbook: "traffic-drop",
            description: `Stream ${n}: incoming records fell below the lower edge of their expected range (anomaly detection band of ${this.trafficAnomalyBandWidth} standard deviations) for 15 minutes: producers stopped sending or the front door stopped accepting.`,
            evaluationPeriods: 3,
            datapointsToAlarm: 3,
        });
        if (this.trafficFloorRecordsPerMinute !== undefined) {
            defs.push({
                condition: "traffic-stopped",
                metric: this.metricIncomingRecords({ periodSeconds: 60 }),
                threshold: this.trafficFloorRecordsPerMinute,
                comparison: "LessThanThreshold",
                severity: "page",
                runbook: "traffic-drop",
                description: `Stream ${n}: fewer than ${this.trafficFloorRecordsPerMinute} records per minute arrived for 5 minutes (no data counts as none): traffic stopped.`,
                evaluationPeriods: 5,
                datapointsToAlarm: 5,
                treatMissingData: "breaching",
            });
        }
        return defs;
    }

    // ------------------------------------------------------------ grants

    /**
     * Lets a principal write: PutRecord(s), plus ListShards and DescribeStreamSummary
     * (the producer maps shards to aggregate per shard), and kms:GenerateDataKey.
     * A principal in another account also gets the stream policy statement and,
     * with the created key, the key policy statement (through Kinesis).
     */
    grantWrite(name: string, grantee: Grantee): Grant {
        return this.ref.grantWrite(name, grantee);
    }

    /**
     * Lets a principal read with shared throughput (GetRecords, iterators from any
     * position, for replay) and kms:Decrypt; `kind` as in KinesisStreamRef.grantRead
     * ("read": with DescribeStream, "records": without, "consume": plus ListStreamConsumers).
     */
    grantRead(name: string, grantee: Grantee, kind: "records" | "read" | "consume" = "read"): Grant {
        return this.ref.grantRead(name, grantee, kind);
    }

    /**
     * Lets a principal read as a Lambda event source mapping through an enhanced
     * fan-out consumer: the "consume" reads, kms:Decrypt, and SubscribeToShard and
     * DescribeStreamConsumer on that consumer (or on every consumer of the stream
     * when `consumerName` is omitted). Cross-account, the stream, consumer and key
     * policies admit the principal.
     */
    grantConsume(name: string, grantee: Grantee, consumerName?: string): Grant {
        let resource: pulumi.Input<string>;
        if (consumerName !== undefined) {
            this.requireConsumer("consumerName", consumerName);
            resource = this.consumers[consumerName].arn;
        } else {
            resource = pulumi.interpolate`${this.stream.arn}/consumer/*`;
        }
        return this.ref.grantConsumeThrough(name, grantee, resource);
    }

    /** Lets a principal (the reshard workflow) change the shard count and follow the change (UpdateShardCount, DescribeStreamSummary). */
    grantReshard(name: string, grantee: Grantee): Grant {
        return this.ref.grantReshard(name, grantee);
    }
}

/** The owning component's reference: grants reach its resource policies. */
class OwnedStreamRef extends KinesisStreamRef {
    private owned!: KinesisStreamPolicies;
    static own(label: string, attrs: KinesisStreamAttributes, policies: KinesisStreamPolicies): OwnedStreamRef {
        const r = new OwnedStreamRef(attrs);
        r.label = label;
        r.owned = policies;
        return r;
    }
    protected policies(): KinesisStreamPolicies {
        return this.owned;
    }
}
