/**
 * The data lake bucket (lake account).
 *
 * Resources: KMS key (rotation) + alias; the lake bucket (SSE-KMS under the
 * key with the bucket key on, Block Public Access, versioning,
 * BucketOwnerEnforced, lifecycle: abort incomplete multipart uploads,
 * INTELLIGENT_TIERING from day 0, noncurrent versions expire; optional
 * archive tiers); an access-log bucket (SSE-S3: S3 server access logging
 * cannot write SSE-KMS objects); the bucket policy; optional request metrics
 * and alarms built from the metric helpers.
 *
 * The bucket and key policies are built from grants (collect-then-write,
 * as KinesisStream's resource policies): besides the fixed statements (TLS
 * only, SSE-KMS under the lake key only; the lake account root administers
 * the key) they name EXACTLY the principals of other accounts granted with
 * `grantRead` / `grantWrite` / `grantReadObjects` (the Firehose delivery role
 * writes `data/` and `errors/`; pond reader roles and the replay workflow read
 * `data/`; the analytics roles read their model artifacts), each on its
 * prefixes or objects, the key through S3 only. Principals of the lake
 * account (the pond ETL roles) need no resource-policy statement: their
 * identity policy is enough (the key policy delegates to IAM).
 */
import { Grant, Grantee, LakeObjects } from "../common/grants";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { AlarmDefinition, AlarmSettings, createAlarms } from "../common/alarms";
import { PolicyStatement } from "../common/iam";
import { MetricOptions, MetricSpec, metric } from "../common/metrics";
import { validator } from "../common/validation";
import { checkAccountArgs, intArgs } from "../common/args";
import { readStatements } from "./grants";
import { REQUEST_METRICS_FILTER_ID, SecureBucketOwner } from "./secureBucket";

/** Prefixes the delivery stream writes (data and Firehose error output). */
export const LAKE_WRITE_PREFIXES = ["data/", "errors/"];
/** Prefixes readers and the ETL read. */
export const LAKE_READ_PREFIXES = ["data/"];

export interface DataLakeArgs {
    /** Lake account id (bucket and key owner), a plain 12-digit id: grants compare it with their principal's account. */
    readonly accountId: string;
    /** Lake region (used in the key policy's `kms:ViaService`). */
    readonly region: pulumi.Input<string>;
    /** @default - generated from the component name */
    readonly bucketName?: pulumi.Input<string>;
    /** Turn the Intelligent-Tiering archive tiers on. @default false */
    readonly archiveTiers?: boolean;
    /** Days without access before ARCHIVE_ACCESS (90..730), when `archiveTiers`. @default 90 */
    readonly archiveAccessDays?: number;
    /** Days without access before DEEP_ARCHIVE_ACCESS (180..730), when `archiveTiers`. @default 180 */
    readonly deepArchiveAccessDays?: number;
    /** @default 7 */
    readonly abortIncompleteMultipartUploadDays?: number;
    /** @default 30 */
    readonly noncurrentVersionExpirationDays?: number;
    /** @default 365 */
    readonly accessLogRetentionDays?: number;
    /** Whole-bucket request metrics (4xx/5xx), billed per metric. @default false */
    readonly requestMetrics?: boolean;
    /** Allow `pulumi destroy` to delete a non-empty bucket (dev only). @default false */
    readonly forceDestroy?: boolean;
    /** @default 30 */
    readonly keyDeletionWindowDays?: number;
    /** Alarms (5xx errors when `requestMetrics`). @default - alarms on, no routing */
    readonly alarms?: AlarmSettings;
}

export class DataLake extends SecureBucketOwner {
    readonly alarms: aws.cloudwatch.MetricAlarm[];
    private readonly requestMetrics: boolean;

    constructor(name: string, args: DataLakeArgs, opts: pulumi.ComponentResourceOptions = {}) {
        const v = validator("DataLake", name);
        checkAccountArgs(v, args);
        const archiveTiers = args.archiveTiers ?? false;
        const n = intArgs(v, args, {
            archiveAccessDays: { default: 90, min: 90, max: 730 },
            deepArchiveAccessDays: { default: 180, min: 180, max: 730 },
            abortIncompleteMultipartUploadDays: { default: 7, min: 1, max: 365 },
            noncurrentVersionExpirationDays: { default: 30, min: 1, max: 3650 },
            accessLogRetentionDays: { default: 365, min: 1, max: 3650 },
            keyDeletionWindowDays: { default: 30, min: 7, max: 30 },
        });
        v.check("deepArchiveAccessDays", n.deepArchiveAccessDays > n.archiveAccessDays, `greater than \`archiveAccessDays\` (${n.archiveAccessDays})`, n.deepArchiveAccessDays);
        const requestMetrics = args.requestMetrics ?? false;
        super(
            "flightstream:lake:DataLake",
            name,
            opts,
            {
                accountId: args.accountId,
                bucketName: args.bucketName,
                ...n,
                archiveAccessDays: archiveTiers ? n.archiveAccessDays : undefined,
                deepArchiveAccessDays: archiveTiers ? n.deepArchiveAccessDays : undefined,
                requestMetrics,
                forceDestroy: args.forceDestroy ?? false,
                description: `Data lake objects (${name}): written by Firehose, read by the pond ETL and lake readers`,
            },
            { accountId: args.accountId, region: args.region, label: "Lake" },
        );
        this.requestMetrics = requestMetrics;

        const defs: AlarmDefinition[] = this.requestMetrics
            ? [
                  {
                      condition: "s3-5xx-errors",
                      metric: this.metric5xxErrors({ statistic: "Sum", periodSeconds: 300 }),
                      threshold: 10,
                      comparison: "GreaterThanOrEqualToThreshold",
                      severity: "ticket",
                      runbook: "lake-freshness",
                      description: "The lake bucket answers requests with 5xx errors (S3 side); deliveries and ETL reads retry and may fall behind.",
                  },
              ]
            : [];
        this.alarms = createAlarms(this, name, defs, args.alarms);
        this.registerOutputs({ bucket: this.bucket, key: this.key, keyAlias: this.keyAlias, logBucket: this.logBucket, bucketPolicy: this.bucketPolicy, alarms: this.alarms });
    }

    /** IAM statements to read lake objects under `prefixes` (default `data/`) and decrypt them. */
    readStatements(prefixes: string[] = LAKE_READ_PREFIXES): PolicyStatement[] {
        return readStatements(this.bucketArn, this.keyArn, prefixes);
    }

    /**
     * Lets a principal read the lake under `prefixes` (default `data/`): its
     * identity policy when this program owns the principal; when the principal
     * is in another account, the lake's bucket and key policies admit it too.
     */
    grantRead(name: string, grantee: Grantee, prefixes: string[] = LAKE_READ_PREFIXES): Grant {
        return this.ref.grantRead(name, grantee, prefixes);
    }

    /** Lets a principal write under `prefixes` (default `data/` and `errors/`; the Firehose delivery role), admitted by the lake's policies when in another account. */
    grantWrite(name: string, grantee: Grantee, prefixes: string[] = LAKE_WRITE_PREFIXES): Grant {
        return this.ref.grantWrite(name, grantee, prefixes);
    }

    /** Lets a principal read exactly some objects (`{ keys }`, or `{ prefix, suffix }`; a model artifact), admitted by the lake's policies when in another account. */
    grantReadObjects(name: string, grantee: Grantee, objects: LakeObjects): Grant {
        return this.ref.grantReadObjects(name, grantee, objects);
    }

    /** 4xx responses (requires `requestMetrics`). */
    metric4xxErrors(options: MetricOptions = {}): MetricSpec {
        return this.requestMetric("4xxErrors", options);
    }

    /** 5xx responses (requires `requestMetrics`). */
    metric5xxErrors(options: MetricOptions = {}): MetricSpec {
        return this.requestMetric("5xxErrors", options);
    }

    private requestMetric(metricName: string, options: MetricOptions): MetricSpec {
        if (!this.requestMetrics) {
            throw new Error(`DataLake: metric ${metricName} needs \`requestMetrics: true\` (received false): S3 publishes request metrics only for a configured filter.`);
        }
        return metric("AWS/S3", metricName, { BucketName: this.bucketName, FilterId: REQUEST_METRICS_FILTER_ID }, { statistic: "Sum", periodSeconds: 60, unit: "Count" }, options);
    }
}
