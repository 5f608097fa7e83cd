/**
 * Delivery from the stream to the lake (ingestion account, writing cross-account).
 *
 * Resources: a Firehose delivery stream with the Kinesis stream as source and
 * an extended S3 destination in the lake bucket; a processing Lambda
 * (functions/lake/handler.ts) that decodes the record codec (KPL aggregates
 * are de-aggregated by Firehose; our per-record gzip is not), validates the
 * envelope and returns one JSON line per event with the partition keys of
 * functions/lake/partitioning.ts; dynamic partitioning into
 * `data/type=/source=/dt=/hour=/` (docs/lake-layout.md), errors under
 * `errors/<error-output-type>/dt=/`; GZIP-compressed JSON lines (Parquet
 * conversion would need a Glue schema per type and makes eventId-level
 * duplicate checks harder); objects encrypted with the lake key; a delivery
 * role scoped to the stream (+ its key), the lake prefixes (+ the lake key),
 * the processor and its log stream; a KMS key for the log groups; log groups
 * with retention; alarms from the metric helpers: data freshness and delivery
 * to S3 success, the transform's invocation success (ExecuteProcessing.Success),
 * the transform Lambda's errors and the records it failed (its EMF metric
 * RecordsFailed: Firehose has no metric for records returned ProcessingFailed).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { AlarmDefinition, AlarmSettings, createAlarms } from "../common/alarms";
import { functionCode } from "../common/bundle";
import { PolicyStatement, policyDocument } from "../common/iam";
import { lambdaFunction } from "../common/lambda";
import { logsKey } from "../common/logsKey";
import { MetricOptions, MetricSpec, metric } from "../common/metrics";
import { validator } from "../common/validation";
import { checkAccountArgs, intArgs, logRetention } from "../common/args";
import { FIREHOSE_DATA_PREFIX, FIREHOSE_ERROR_PREFIX, OBJECT_EXTENSION } from "../../functions/lake/partitioning";
import { TRANSFORM_BUFFER_MB } from "../../functions/lake/processor";
import { KinesisStreamRef, LakeBucketRef, StatementCollector } from "../common/grants";
import { LAKE_WRITE_PREFIXES } from "./DataLake";

export interface LakeDeliveryArgs {
    /** Ingestion account id (where the delivery stream runs). */
    readonly accountId: pulumi.Input<string>;
    /** Ingestion region. */
    readonly region: pulumi.Input<string>;
    /** Source Kinesis stream ARN. */
    readonly streamArn: pulumi.Input<string>;
    /** KMS key of the source stream. @default - none (stream not encrypted with a customer key) */
    readonly streamKmsKeyArn?: pulumi.Input<string>;
    /** Lake bucket ARN (lake account). */
    readonly lakeBucketArn: pulumi.Input<string>;
    /** Lake KMS key ARN (lake account); objects are encrypted with it. */
    readonly lakeKeyArn: pulumi.Input<string>;
    /** Firehose buffer size (64..128 MiB with dynamic partitioning). @default 128 */
    readonly bufferSizeMiB?: number;
    /** Firehose buffer interval (0..900 s). @default 300 */
    readonly bufferIntervalSeconds?: number;
    /** How long Firehose retries a failed partitioned delivery (0..7200 s). @default 300 */
    readonly retryDurationSeconds?: number;
    /** @default 30 */
    readonly logRetentionDays?: number;
    /** @default 512 */
    readonly processorMemoryMiB?: number;
    /** @default 120 */
    readonly processorTimeoutSeconds?: number;
    /** Alarm threshold on DeliveryToS3.DataFreshness (Maximum). @default 900 */
    readonly dataFreshnessThresholdSeconds?: number;
    /** @default - alarms on, no routing */
    readonly alarms?: AlarmSettings;
}

export class LakeDelivery extends pulumi.ComponentResource {
    readonly deliveryStream: aws.kinesis.FirehoseDeliveryStream;
    /** The role Firehose writes with: grant it `DataLake.grantWrite` (its account is the delivery's; the lake's policies admit it). */
    readonly role: aws.iam.Role;
    readonly processor: aws.lambda.Function;
    readonly processorRole: aws.iam.Role;
    readonly logKey: aws.kms.Key;
    readonly logGroup: aws.cloudwatch.LogGroup;
    readonly alarms: aws.cloudwatch.MetricAlarm[];
    readonly deliveryStreamName: pulumi.Output<string>;

    constructor(name: string, args: LakeDeliveryArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("flightstream:lake:LakeDelivery", name, {}, opts);
        const v = validator("LakeDelivery", name);
        checkAccountArgs(v, args);
        const {
            bufferSizeMiB,
            bufferIntervalSeconds,
            retryDurationSeconds,
            processorMemoryMiB: memory,
            processorTimeoutSeconds: timeout,
            dataFreshnessThresholdSeconds: freshness,
        } = intArgs(v, args, {
            bufferSizeMiB: { default: 128, min: 64, max: 128 },
            bufferIntervalSeconds: { default: 300, min: 0, max: 900 },
            retryDurationSeconds: { default: 300, min: 0, max: 7200 },
            processorMemoryMiB: { default: 512, min: 128, max: 10240 },
            processorTimeoutSeconds: { default: 120, min: 1, max: 900 },
            dataFreshnessThresholdSeconds: { default: 900, min: 60, max: 86400 },
        });
        const logRetentionDays = logRetention(v, args.logRetentionDays, 30);
        const p = { parent: this };

        this.logKey = logsKey(`${name}-logs-key`, this, { description: `CloudWatch Logs of the lake delivery (${name})`, accountId: args.accountId, region: args.region });
        this.logGroup = new aws.cloudwatch.LogGroup(`${name}-logs`, { retentionInDays: logRetentionDays, kmsKeyId: this.logKey.arn }, p);
        const logStream = new aws.cloudwatch.LogStream(`${name}-s3-delivery`, { logGroupName: this.logGroup.name, name: "S3Delivery" }, p);

        // Processing Lambda.
        const processor = lambdaFunction(`${name}-processor`, this, {
            description: "Firehose processor: decode stream records, one JSON line per event, lake partition keys",
            roleDescription: null,
            accountId: args.accountId,
            code: functionCode("lake"),
            logKeyArn: this.logKey.arn,
            logRetentionDays,
            // Auto-named function and log group (kept from before the recipe was shared).
            functionName: null,
            logsSid: null,
            timeoutSeconds: timeout,
            memoryMiB: memory,
            waitForPolicy: false,
            resourceNames: { policy: `${name}-processor-logging` },
        });
        this.processorRole = processor.role;
        this.processor = processor.function;

        // Delivery role: the stream, the lake prefixes and key, the processor, its log stream.
        this.role = new aws.iam.Role(
            `${name}-role`,
            {
                assumeRolePolicy: policyDocument([
                    {
                        Effect: "Allow",
                        Principal: { Service: "firehose.amazonaws.com" },
                        Action: "sts:AssumeRole",
                        Condition: { StringEquals: { "sts:ExternalId": args.accountId, "aws:SourceAccount": args.accountId } },
                    },
                ]),
            },
            p,
        );
        // The stream and the lake are references (their owners' resource policies admit this role).
        const grants = new StatementCollector(this.role);
        KinesisStreamRef.fromStreamAttributes({ streamArn: args.streamArn, keyArn: args.streamKmsKeyArn }).grantRead(`${name}-read-stream`, grants);
        LakeBucketRef.fromBucketAttributes({ bucketArn: args.lakeBucketArn, keyArn: args.lakeKeyArn, label: "Lake" }).grantWrite(`${name}-write-lake`, grants, LAKE_WRITE_PREFIXES);
        const statements: PolicyStatement[] = [
            ...grants.statements,
            { Sid: "InvokeProcessor", Effect: "Allow", Action: ["lambda:InvokeFunction", "lambda:GetFunctionConfiguration"], Resource: [this.processor.arn, pulumi.interpolate`${this.processor.arn}:*`] },
            { Sid: "WriteDeliveryLogs", Effect: "Allow", Action: "logs:PutLogEvents", Resource: pulumi.interpolate`${this.logGroup.arn}:log-stream:${logStream.name}` },
        ];
        const rolePolicy = new aws.iam.RolePolicy(`${name}-role-policy`, { role: this.role.name, policy: policyDocument(statements) }, { parent: this.role });

        this.deliveryStream = new aws.kinesis.FirehoseDeliveryStream(
            `${name}-stream`,
            {
                destination: "extended_s3",
                kinesisSourceConfiguration: { kinesisStreamArn: args.streamArn, roleArn: this.role.arn },
                extendedS3Configuration: {
                    roleArn: this.role.arn,
                    bucketArn: args.lakeBucketArn,
                    prefix: FIREHOSE_DATA_PREFIX,
                    errorOutputPrefix: FIREHOSE_ERROR_PREFIX,
                    bufferingSize: bufferSizeMiB,
                    bufferingInterval: bufferIntervalSeconds,
                    compressionFormat: "GZIP",
                    fileExtension: OBJECT_EXTENSION,
                    kmsKeyArn: args.lakeKeyArn,
                    customTimeZone: "UTC",
                    cloudwatchLoggingOptions: { enabled: true, logGroupName: this.logGroup.name, logStreamName: logStream.name },
                    dynamicPartitioningConfiguration: { enabled: true, retryDuration: retryDurationSeconds },
                    processingConfiguration: {
                        enabled: true,
                        processors: [
                            {
                                type: "Lambda",
                                parameters: [
                                    { parameterName: "LambdaArn", parameterValue: pulumi.interpolate`${this.processor.arn}:$LATEST` },
                                    { parameterName: "BufferSizeInMBs", parameterValue: String(TRANSFORM_BUFFER_MB) },
                                    { parameterName: "BufferIntervalInSeconds", parameterValue: "60" },
                                    { parameterName: "NumberOfRetries", parameterValue: "3" },
                                ],
                            },
                        ],
                    },
                },
            },
            { parent: this, dependsOn: [rolePolicy] },
        );
        this.deliveryStreamName = this.deliveryStream.name;

        const defs: AlarmDefinition[] = [
            {
                condition: "data-freshness",
                metric: this.metricDataFreshness({ statistic: "Maximum", periodSeconds: 300 }),
                threshold: freshness,
                comparison: "GreaterThanThreshold",
                severity: "page",
                runbook: "lake-freshness",
                description: `The oldest record in the lake delivery stream is older than ${freshness} s: events are not reaching the lake.`,
                evaluationPeriods: 1,
            },
            {
                condition: "delivery-success",
                metric: this.metricDeliveryToS3Success({ statistic: "Average", periodSeconds: 300 }),
                threshold: 1,
                comparison: "LessThanThreshold",
                severity: "ticket",
                runbook: "lake-freshness",
                description: "Some lake deliveries to S3 failed (Firehose retries, then writes to errors/).",
                evaluationPeriods: 3,
                datapointsToAlarm: 2,
            },
            {
                condition: "processing-success",
                metric: this.metricExecuteProcessingSuccess({ statistic: "Average", periodSeconds: 300 }),
                threshold: 1,
                comparison: "LessThanThreshold",
                severity: "page",
                runbook: "lake-transform",
                description: "Firehose could not invoke the lake transform successfully (after its retries the batch goes to errors/processing-failed/ instead of data/).",
                evaluationPeriods: 3,
                datapointsToAlarm: 2,
            },
            {
                condition: "transform-errors",
                metric: this.metricTransformErrors(),
                threshold: 1,
                comparison: "GreaterThanOrEqualToThreshold",
                severity: "ticket",
                runbook: "lake-transform",
                description: "The lake transform Lambda failed invocations (threw, timed out or ran out of memory) in the last 5 minutes.",
            },
            {
                condition: "transform-failed-records",
                metric: this.metricTransformFailedRecords(),
                threshold: 1,
                comparison: "GreaterThanOrEqualToThreshold",
                severity: "ticket",
                runbook: "lake-transform",
                description: "The lake transform returned records as ProcessingFailed (undecodable or invalid); they are under errors/processing-failed/ and not in the lake tables.",
            },
        ];
        this.alarms = createAlarms(this, name, defs, args.alarms);
        this.registerOutputs({ deliveryStream: this.deliveryStream, role: this.role, processor: this.processor, logGroup: this.logGroup, alarms: this.alarms });
    }

    private firehoseMetric(metricName: string, defaults: { statistic: "Maximum" | "Sum" | "Average"; unit?: string }, options: MetricOptions): MetricSpec {
        return metric("AWS/Firehose", metricName, { DeliveryStreamName: this.deliveryStreamName }, { periodSeconds: 300, ...defaults }, options);
    }

    /** Age of the oldest record not yet delivered to S3 (seconds). */
    metricDataFreshness(options: MetricOptions = {}): MetricSpec {
        return this.firehoseMetric("DeliveryToS3.DataFreshness", { statistic: "Maximum", unit: "Seconds" }, options);
    }

    /** Share of successful S3 puts (0..1). */
    metricDeliveryToS3Success(options: MetricOptions = {}): MetricSpec {
        return this.firehoseMetric("DeliveryToS3.Success", { statistic: "Average" }, options);
    }

    /** Records read from the Kinesis source. */
    metricIncomingRecords(options: MetricOptions = {}): MetricSpec {
        return this.firehoseMetric("DataReadFromKinesisStream.Records", { statistic: "Sum", unit: "Count" }, options);
    }

    /** Share of successful processor invocations (0..1). */
    metricExecuteProcessingSuccess(options: MetricOptions = {}): MetricSpec {
        return this.firehoseMetric("ExecuteProcessing.Success", { statistic: "Average" }, options);
    }

    /** Failed invocations of the transform Lambda (AWS/Lambda Errors, Sum per 5 minutes). */
    metricTransformErrors(options: MetricOptions = {}): MetricSpec {
        return metric("AWS/Lambda", "Errors", { FunctionName: this.processor.name }, { statistic: "Sum", periodSeconds: 300, unit: "Count" }, options);
    }

    /** Records the transform returned as ProcessingFailed (its EMF metric, functions/lake/handler.ts; Sum per 5 minutes). */
    metricTransformFailedRecords(options: MetricOptions = {}): MetricSpec {
        return metric("FlightStream/Lake", "RecordsFailed", { service: "lake-transform", FunctionName: this.processor.name }, { statistic: "Sum", periodSeconds: 300, unit: "Count" }, options);
    }

    /** Active dynamic partitions (limit 500 by default). */
    metricActivePartitions(options: MetricOptions = {}): MetricSpec {
        return this.firehoseMetric("PartitionCount", { statistic: "Maximum", unit: "Count" }, options);
    }
}
