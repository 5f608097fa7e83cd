/** Joins the bucket-level resources AWS provider v7 keeps apart (encryption, public access block, policy, logging) to their bucket. */
import type { PolicyResource } from "@pulumi/policy";
import { effectiveTags, known, referencing } from "./util";

export const BUCKET_TYPES = ["aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"];
export const SSE_TYPES = ["aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2"];
export const PAB_TYPES = ["aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"];
export const POLICY_TYPES = ["aws:s3/bucketPolicy:BucketPolicy"];
export const LOGGING_TYPES = ["aws:s3/bucketLogging:BucketLogging", "aws:s3/bucketLoggingV2:BucketLoggingV2"];

/** The values other resources use to name a bucket: its name (`bucket`, also its id) and `id`. */
const BUCKET_KEYS = ["bucket", "id"];

export function buckets(resources: PolicyResource[]): PolicyResource[] {
    return resources.filter((r) => BUCKET_TYPES.includes(r.type));
}

/** Resources of `types` whose `bucket` input names this bucket. */
export function attached(resources: PolicyResource[], types: string[], bucket: PolicyResource): PolicyResource[] {
    return referencing(resources, types, "bucket", bucket, BUCKET_KEYS);
}

/** The bucket's name for messages. */
export function bucketName(b: PolicyResource): string {
    const name = known(b.props, "bucket");
    return typeof name === "string" ? name : b.name;
}

/**
 * Access-log buckets: tagged `Purpose=access-logs`, or the `targetBucket` of a
 * BucketLogging. S3 server access logging (and ALB access logging) can only
 * deliver to buckets encrypted with SSE-S3, so these are held to SSE-S3 instead of SSE-KMS.
 */
export function isAccessLogBucket(resources: PolicyResource[], b: PolicyResource): boolean {
    if (effectiveTags(b.props ?? {}, b.provider).Purpose === "access-logs") return true;
    return referencing(resources, LOGGING_TYPES, "targetBucket", b, BUCKET_KEYS).length > 0;
}
