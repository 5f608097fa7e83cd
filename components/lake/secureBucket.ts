/**
 * The hardened bucket both the lake and every pond use (not a component: its
 * resources become direct children of the DataLake / Pond that calls it).
 *
 * Creates: a customer-managed KMS key (rotation on) and alias, whose key
 * policy names the account root (administration and IAM delegation inside the
 * owning account) plus EXACTLY what cross-account grants add (encrypt or
 * decrypt, only through S3); the bucket with SSE-KMS under
 * that key and the bucket key on; Block Public Access (all four); versioning;
 * ownership BucketOwnerEnforced (cross-account writes stay owned by the bucket
 * owner, ACLs off); a lifecycle that aborts incomplete multipart uploads,
 * moves objects to INTELLIGENT_TIERING and expires old noncurrent versions;
 * optional Intelligent-Tiering archive tiers; server access logging to a
 * separate log bucket; and a bucket policy that is TLS-only, denies puts with
 * another encryption or another key, and allows EXACTLY what cross-account
 * grants add (collect-then-write: `policies` is the owner's
 * `LakeBucketRef.owned(...)` second argument; both policies are written once
 * the program is constructed, see components/common/grants.ts).
 *
 * Exception: the access-log bucket is encrypted with SSE-S3 (AES256), because
 * S3 server access logging cannot deliver to a bucket whose default
 * encryption is SSE-KMS.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { LakeBucketPolicies, LakeBucketRef, ResourcePolicyDocument } from "../common/grants";
import { MetricOptions, MetricSpec, metric } from "../common/metrics";
import { PolicyStatement, accountRoot, denyInsecureTransport, policyDocument } from "../common/iam";

export interface SecureBucketArgs {
    /** Account that owns the bucket and key (its root administers the key). */
    readonly accountId: pulumi.Input<string>;
    /** @default - a name Pulumi generates from the component name */
    readonly bucketName?: pulumi.Input<string>;
    /** Days of no access before ARCHIVE_ACCESS; undefined leaves the tier off. */
    readonly archiveAccessDays?: number;
    /** Days of no access before DEEP_ARCHIVE_ACCESS; undefined leaves the tier off. */
    readonly deepArchiveAccessDays?: number;
    readonly abortIncompleteMultipartUploadDays: number;
    readonly noncurrentVersionExpirationDays: number;
    readonly accessLogRetentionDays: number;
    /** Request metrics (4xx/5xx) for the whole bucket. */
    readonly requestMetrics: boolean;
    readonly forceDestroy: boolean;
    readonly keyDeletionWindowDays: number;
    readonly description: string;
    /** Extra tags on the key and buckets (provider default tags apply anyway). */
    readonly tags?: Record<string, string>;
}

export interface SecureBucket {
    readonly key: aws.kms.Key;
    readonly keyAlias: aws.kms.Alias;
    readonly bucket: aws.s3.Bucket;
    readonly logBucket: aws.s3.Bucket;
    readonly bucketPolicy: aws.s3.BucketPolicy;
    /** The bucket and key policies grants add to (LakeBucketRef.owned). */
    readonly policies: LakeBucketPolicies;
    readonly intelligentTiering?: aws.s3.BucketIntelligentTieringConfiguration;
    readonly requestMetric?: aws.s3.BucketMetric;
}

/** Filter id of the whole-bucket request metrics configuration. */
export const REQUEST_METRICS_FILTER_ID = "EntireBucket";

/** The bucket policy's fixed statements: TLS only, SSE-KMS under this key only (grants add their Allows after them). */
export function bucketPolicyBase(bucketArn: pulumi.Input<string>, keyArn: pulumi.Input<string>): PolicyStatement[] {
    const objects = pulumi.interpolate`${bucketArn}/*`;
    return [
        denyInsecureTransport(bucketArn),
        {
            Sid: "DenyNonKmsEncryption",
            Effect: "Deny",
            Principal: { AWS: "*" },
            Action: "s3:PutObject",
            Resource: objects,
            // Header present and not SSE-KMS; puts without it get the default (this key).
            Condition: { Null: { "s3:x-amz-server-side-encryption": "false" }, StringNotEquals: { "s3:x-amz-server-side-encryption": "aws:kms" } },
        },
        {
            Sid: "DenyOtherKmsKeys",
            Effect: "Deny",
            Principal: { AWS: "*" },
            Action: "s3:PutObject",
            Resource: objects,
            // A key named and not this key.
            Condition: { Null: { "s3:x-amz-server-side-encryption-aws-kms-key-id": "false" }, StringNotEquals: { "s3:x-amz-server-side-encryption-aws-kms-key-id": keyArn } },
        },
    ];
}

/** Block Public Access, all four settings. */
function blockPublicAccess(name: string, bucket: aws.s3.Bucket, opts: pulumi.CustomResourceOptions): aws.s3.BucketPublicAccessBlock {
    return new aws.s3.BucketPublicAccessBlock(name, { bucket: bucket.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true }, opts);
}

/** Builds the hardened bucket, its key and log bucket as children of `parent`. */
export function createSecureBucket(parent: pulumi.Resource, name: string, args: SecureBucketArgs): SecureBucket {
    const opts = { parent };
    const a = args;
    const what = `${parent.constructor.name} "${name}"`;
    const keyPolicy = new ResourcePolicyDocument(`${what} key policy`, [{ Sid: "AccountRootAdministers", Effect: "Allow", Principal: { AWS: accountRoot(a.accountId) }, Action: "kms:*", Resource: "*" }]);
    const key = new aws.kms.Key(
        `${name}-key`,
        {
            description: a.description,
            enableKeyRotation: true,
            tags: a.tags,
            deletionWindowInDays: a.keyDeletionWindowDays,
            policy: keyPolicy.document,
        },
        opts,
    );
    const keyAlias = new aws.kms.Alias(`${name}-key-alias`, { name: `alias/${pulumi.getProject()}-${pulumi.getStack()}-${name}`, targetKeyId: key.keyId }, opts);

    // Access-log bucket: SSE-S3 (server access logging cannot write SSE-KMS).
    const logBucket = new aws.s3.Bucket(`${name}-access-logs`, { forceDestroy: a.forceDestroy, tags: a.tags }, opts);
    const logBpa = blockPublicAccess(`${name}-access-logs-public-access`, logBucket, opts);
    new aws.s3.BucketServerSideEncryptionConfiguration(
        `${name}-access-logs-encryption`,
        {
            bucket: logBucket.id,
            rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }],
        },
        opts,
    );
    new aws.s3.BucketOwnershipControls(`${name}-access-logs-ownership`, { bucket: logBucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } }, opts);
    new aws.s3.BucketLifecycleConfiguration(
        `${name}-access-logs-lifecycle`,
        {
            bucket: logBucket.id,
            rules: [{ id: "expire-access-logs", status: "Enabled", filter: {}, expiration: { days: a.accessLogRetentionDays }, abortIncompleteMultipartUpload: { daysAfterInitiation: a.abortIncompleteMultipartUploadDays } }],
        },
        opts,
    );

    const bucket = new aws.s3.Bucket(`${name}-bucket`, { bucket: a.bucketName, forceDestroy: a.forceDestroy, tags: a.tags }, opts);
    const bpa = blockPublicAccess(`${name}-public-access`, bucket, opts);
    new aws.s3.BucketServerSideEncryptionConfiguration(
        `${name}-encryption`,
        {
            bucket: bucket.id,
            rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: key.arn }, bucketKeyEnabled: true }],
        },
        opts,
    );
    const versioning = new aws.s3.BucketVersioning(`${name}-versioning`, { bucket: bucket.id, versioningConfiguration: { status: "Enabled" } }, opts);
    new aws.s3.BucketOwnershipControls(`${name}-ownership`, { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } }, opts);
    new aws.s3.BucketLifecycleConfiguration(
        `${name}-lifecycle`,
        {
            bucket: bucket.id,
            rules: [
                { id: "abort-incomplete-multipart-uploads", status: "Enabled", filter: {}, abortIncompleteMultipartUpload: { daysAfterInitiation: a.abortIncompleteMultipartUploadDays } },
                { id: "intelligent-tiering", status: "Enabled", filter: {}, transitions: [{ days: 0, storageClass: "INTELLIGENT_TIERING" }] },
                { id: "expire-noncurrent-versions", status: "Enabled", filter: {}, noncurrentVersionExpiration: { noncurrentDays: a.noncurrentVersionExpirationDays } },
            ],
        },
        { parent, dependsOn: [versioning] },
    );

    const tierings: { accessTier: string; days: number }[] = [];
    if (a.archiveAccessDays !== undefined) tierings.push({ accessTier: "ARCHIVE_ACCESS", days: a.archiveAccessDays });
    if (a.deepArchiveAccessDays !== undefined) tierings.push({ accessTier: "DEEP_ARCHIVE_ACCESS", days: a.deepArchiveAccessDays });
    const intelligentTiering = tierings.length > 0 ? new aws.s3.BucketIntelligentTieringConfiguration(`${name}-archive-tiers`, { bucket: bucket.id, name: "archive-tiers", status: "Enabled", tierings }, opts) : undefined;

    new aws.s3.BucketLogging(`${name}-logging`, { bucket: bucket.id, targetBucket: logBucket.id, targetPrefix: "s3-access/" }, opts);
    new aws.s3.BucketPolicy(
        `${name}-access-logs-policy`,
        {
            bucket: logBucket.id,
            policy: policyDocument([
                denyInsecureTransport(logBucket.arn),
                {
                    Sid: "S3ServerAccessLogsPolicy",
                    Effect: "Allow",
                    Principal: { Service: "logging.s3.amazonaws.com" },
                    Action: "s3:PutObject",
                    Resource: pulumi.interpolate`${logBucket.arn}/s3-access/*`,
                    Condition: { ArnLike: { "aws:SourceArn": bucket.arn }, StringEquals: { "aws:SourceAccount": a.accountId } },
                },
            ]),
        },
        { parent, dependsOn: [logBpa] },
    );

    let bucketPolicy!: aws.s3.BucketPolicy;
    const bucketPolicyDoc = new ResourcePolicyDocument(`${what} bucket policy`, bucketPolicyBase(bucket.arn, key.arn), (document) => {
        bucketPolicy = new aws.s3.BucketPolicy(`${name}-policy`, { bucket: bucket.id, policy: document }, { parent, dependsOn: [bpa] });
    });

    const requestMetric = a.requestMetrics ? new aws.s3.BucketMetric(`${name}-request-metrics`, { bucket: bucket.id, name: REQUEST_METRICS_FILTER_ID }, opts) : undefined;
    return { key, keyAlias, bucket, logBucket, bucketPolicy, policies: { bucket: bucketPolicyDoc, key: keyPolicy }, intelligentTiering, requestMetric };
}

/**
 * What DataLake and Pond share: the hardened bucket and key they own (built
 * by createSecureBucket as their children), their reference (`ref`, whose
 * grants reach their bucket and key policies) and the storage metrics.
 */
export abstract class SecureBucketOwner extends pulumi.ComponentResource {
    readonly bucket: aws.s3.Bucket;
    readonly key: aws.kms.Key;
    readonly keyAlias: aws.kms.Alias;
    readonly logBucket: aws.s3.Bucket;
    readonly bucketPolicy: aws.s3.BucketPolicy;
    readonly intelligentTiering?: aws.s3.BucketIntelligentTieringConfiguration;
    readonly bucketArn: pulumi.Output<string>;
    readonly bucketName: pulumi.Output<string>;
    readonly keyArn: pulumi.Output<string>;
    /** The bucket as a reference (what other components and stacks take); its grants reach this bucket's and key's policies. */
    readonly ref: LakeBucketRef;

    /** `refAttrs.label` starts the Sids of the identity statements its grants write ("Lake", "Pond"). */
    protected constructor(type: string, name: string, opts: pulumi.ComponentResourceOptions, bucketArgs: SecureBucketArgs, refAttrs: { readonly accountId: string; readonly region: pulumi.Input<string>; readonly label: string }) {
        super(type, name, {}, opts);
        const sb = createSecureBucket(this, name, bucketArgs);
        this.bucket = sb.bucket;
        this.key = sb.key;
        this.keyAlias = sb.keyAlias;
        this.logBucket = sb.logBucket;
        this.bucketPolicy = sb.bucketPolicy;
        this.intelligentTiering = sb.intelligentTiering;
        this.bucketArn = sb.bucket.arn;
        this.bucketName = sb.bucket.bucket;
        this.keyArn = sb.key.arn;
        this.ref = LakeBucketRef.owned({ bucketArn: this.bucketArn, bucketName: this.bucketName, keyArn: this.keyArn, ...refAttrs }, sb.policies);
    }

    /** Daily storage metric: bytes stored in a storage class (Intelligent-Tiering frequent access by default). */
    metricBucketSizeBytes(storageType = "IntelligentTieringFAStorage", options: MetricOptions = {}): MetricSpec {
        return metric("AWS/S3", "BucketSizeBytes", { BucketName: this.bucketName, StorageType: storageType }, { statistic: "Average", periodSeconds: 86400, unit: "Bytes" }, options);
    }

    /** Daily storage metric: number of objects (all storage classes). */
    metricNumberOfObjects(options: MetricOptions = {}): MetricSpec {
        return metric("AWS/S3", "NumberOfObjects", { BucketName: this.bucketName, StorageType: "AllStorageTypes" }, { statistic: "Average", periodSeconds: 86400, unit: "Count" }, options);
    }
}
