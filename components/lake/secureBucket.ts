/**
 * The hardened bucket both the lake and every pond use (not a component: its
 * resources become direct children of the DataLake / Pond that calls it).
 *
 * Creates: a customer-managed KMS key (rotation on) and alias, whose key
 * policy names the account root (administration and IAM delegation inside the
 * owning account) plus EXACTLY the writer principals (encrypt) and reader
 * principals (decrypt), both only through S3; the bucket with SSE-KMS under
 * that key and the bucket key on; Block Public Access (all four); versioning;
 * ownership BucketOwnerEnforced (cross-account writes stay owned by the bucket
 * owner, ACLs off); a lifecycle that aborts incomplete multipart uploads,
 * moves objects to INTELLIGENT_TIERING and expires old noncurrent versions;
 * optional Intelligent-Tiering archive tiers; server access logging to a
 * separate log bucket; and a bucket policy that is TLS-only, denies puts with
 * another encryption or another key, and grants EXACTLY the writers (per
 * prefix) and readers (per prefix).
 *
 * Exception: the access-log bucket is encrypted with SSE-S3 (AES256), because
 * S3 server access logging cannot deliver to a bucket whose default
 * encryption is SSE-KMS.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { PolicyStatement, accountRoot, denyInsecureTransport, policyDocument } from "../common/iam";

/** Principals allowed to write under some prefixes. */
export interface BucketWriter {
    /** Short id used in statement Sids (letters and digits). */
    readonly sid: string;
    readonly principalArns: pulumi.Input<string>[];
    /** Key prefixes, each ending with "/". */
    readonly prefixes: string[];
    /** Also allow DeleteObject under the prefixes (to replace an output). @default false */
    readonly allowDelete?: boolean;
}

/** Principals allowed to read some prefixes (or the whole bucket). */
export interface BucketReader {
    readonly sid: string;
    readonly principalArns: pulumi.Input<string>[];
    /** @default - the whole bucket */
    readonly prefixes?: string[];
}

export interface SecureBucketArgs {
    /** Account that owns the bucket and key (its root administers the key). */
    readonly accountId: pulumi.Input<string>;
    /** Region of the bucket (for the `kms:ViaService` condition). */
    readonly region: pulumi.Input<string>;
    /** @default - a name Pulumi generates from the component name */
    readonly bucketName?: pulumi.Input<string>;
    readonly writers: BucketWriter[];
    readonly readers: BucketReader[];
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
    readonly intelligentTiering?: aws.s3.BucketIntelligentTieringConfiguration;
    readonly requestMetric?: aws.s3.BucketMetric;
}

/** Filter id of the whole-bucket request metrics configuration. */
export const REQUEST_METRICS_FILTER_ID = "EntireBucket";

const WRITE_OBJECT_ACTIONS = ["s3:PutObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts", "s3:GetObject"];
const WRITE_BUCKET_ACTIONS = ["s3:GetBucketLocation", "s3:ListBucket", "s3:ListBucketMultipartUploads"];
const READ_BUCKET_ACTIONS = ["s3:GetBucketLocation", "s3:ListBucket"];

function objectArns(bucketArn: pulumi.Input<string>, prefixes: string[] | undefined): pulumi.Output<string>[] {
    return (prefixes ?? [""]).map((p) => pulumi.interpolate`${bucketArn}/${p}*`);
}

function listCondition(prefixes: string[] | undefined): PolicyStatement["Condition"] | undefined {
    return prefixes ? { StringLike: { "s3:prefix": prefixes.flatMap((p) => [p, `${p}*`]) } } : undefined;
}

/** Bucket policy statements (exported for tests and the policy pack). */
export function bucketPolicyStatements(bucketArn: pulumi.Input<string>, keyArn: pulumi.Input<string>, writers: BucketWriter[], readers: BucketReader[]): PolicyStatement[] {
    const objects = pulumi.interpolate`${bucketArn}/*`;
    const out: PolicyStatement[] = [
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
    for (const w of writers) {
        out.push({
            Sid: `${w.sid}WriteObjects`,
            Effect: "Allow",
            Principal: { AWS: w.principalArns },
            Action: w.allowDelete ? [...WRITE_OBJECT_ACTIONS, "s3:DeleteObject"] : WRITE_OBJECT_ACTIONS,
            Resource: objectArns(bucketArn, w.prefixes),
        });
        out.push({ Sid: `${w.sid}ListBucket`, Effect: "Allow", Principal: { AWS: w.principalArns }, Action: WRITE_BUCKET_ACTIONS, Resource: bucketArn });
    }
    for (const r of readers) {
        out.push({ Sid: `${r.sid}ReadObjects`, Effect: "Allow", Principal: { AWS: r.principalArns }, Action: "s3:GetObject", Resource: objectArns(bucketArn, r.prefixes) });
        const cond = listCondition(r.prefixes);
        // GetBucketLocation carries no s3:prefix, so it cannot share the prefix-conditioned statement.
        out.push({
            Sid: `${r.sid}ListBucket`,
            Effect: "Allow",
            Principal: { AWS: r.principalArns },
            Action: cond ? "s3:ListBucket" : READ_BUCKET_ACTIONS,
            Resource: bucketArn,
            ...(cond ? { Condition: cond } : {}),
        });
        if (cond) out.push({ Sid: `${r.sid}LocateBucket`, Effect: "Allow", Principal: { AWS: r.principalArns }, Action: "s3:GetBucketLocation", Resource: bucketArn });
    }
    return out;
}

/** Key policy statements: root administers; writers encrypt and readers decrypt, through S3 only. */
export function keyPolicyStatements(accountId: pulumi.Input<string>, region: pulumi.Input<string>, writers: BucketWriter[], readers: BucketReader[]): PolicyStatement[] {
    const viaS3 = { StringEquals: { "kms:ViaService": pulumi.interpolate`s3.${region}.amazonaws.com` } };
    const out: PolicyStatement[] = [{ Sid: "AccountRootAdministers", Effect: "Allow", Principal: { AWS: accountRoot(accountId) }, Action: "kms:*", Resource: "*" }];
    for (const w of writers) {
        // Multipart uploads under SSE-KMS need Decrypt as well as GenerateDataKey.
        out.push({ Sid: `${w.sid}Encrypt`, Effect: "Allow", Principal: { AWS: w.principalArns }, Action: ["kms:GenerateDataKey", "kms:Decrypt"], Resource: "*", Condition: viaS3 });
    }
    for (const r of readers) {
        out.push({ Sid: `${r.sid}Decrypt`, Effect: "Allow", Principal: { AWS: r.principalArns }, Action: "kms:Decrypt", Resource: "*", Condition: viaS3 });
    }
    return out;
}

/** Builds the hardened bucket, its key and log bucket as children of `parent`. */
export function createSecureBucket(parent: pulumi.Resource, name: string, args: SecureBucketArgs): SecureBucket {
    const opts = { parent };
    // Statements with no principal would be rejected by S3 and KMS: leave them out.
    const a = { ...args, writers: args.writers.filter((w) => w.principalArns.length > 0), readers: args.readers.filter((r) => r.principalArns.length > 0) };
    const key = new aws.kms.Key(
        `${name}-key`,
        {
            description: a.description,
            enableKeyRotation: true,
            tags: a.tags,
            deletionWindowInDays: a.keyDeletionWindowDays,
            policy: policyDocument(keyPolicyStatements(a.accountId, a.region, a.writers, a.readers)),
        },
        opts,
    );
    const keyAlias = new aws.kms.Alias(`${name}-key-alias`, { name: `alias/${pulumi.getProject()}-${pulumi.getStack()}-${name}`, targetKeyId: key.keyId }, opts);

    // Access-log bucket: SSE-S3 (server access logging cannot write SSE-KMS).
    const logBucket = new aws.s3.Bucket(`${name}-access-logs`, { forceDestroy: a.forceDestroy, tags: a.tags }, opts);
    const logBpa = new aws.s3.BucketPublicAccessBlock(
        `${name}-access-logs-public-access`,
        {
            bucket: logBucket.id,
            blockPublicAcls: true,
            blockPublicPolicy: true,
            ignorePublicAcls: true,
            restrictPublicBuckets: true,
        },
        opts,
    );
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
    const bpa = new aws.s3.BucketPublicAccessBlock(
        `${name}-public-access`,
        {
            bucket: bucket.id,
            blockPublicAcls: true,
            blockPublicPolicy: true,
            ignorePublicAcls: true,
            restrictPublicBuckets: true,
        },
        opts,
    );
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

    const bucketPolicy = new aws.s3.BucketPolicy(
        `${name}-policy`,
        {
            bucket: bucket.id,
            policy: policyDocument(bucketPolicyStatements(bucket.arn, key.arn, a.writers, a.readers)),
        },
        { parent, dependsOn: [bpa] },
    );

    const requestMetric = a.requestMetrics ? new aws.s3.BucketMetric(`${name}-request-metrics`, { bucket: bucket.id, name: REQUEST_METRICS_FILTER_ID }, opts) : undefined;
    return { key, keyAlias, bucket, logBucket, bucketPolicy, intelligentTiering, requestMetric };
}
