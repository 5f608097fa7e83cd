import type { StackValidationArgs } from "@pulumi/policy";
import { stackRule } from "../../lib/rule";
import { LOGGING_TYPES, attached, bucketName, buckets, isAccessLogBucket } from "../../lib/s3";
import { known, q } from "../../lib/util";

export const meta = {
    id: "s3-bucket-access-logging",
    description: "Every S3 bucket except access-log buckets (tag Purpose=access-logs, or the targetBucket of a BucketLogging) has a BucketLogging sending server access logs to another bucket.",
    enforcementLevel: "mandatory" as const,
    why: "Server access logs record every request to the lake and ponds, including other accounts' reads; bucket policies are only as good as the evidence that they were respected.",
    publicRuleSets: {
        cdkNag: ["AwsSolutions-S1"],
        checkov: ["CKV_AWS_18"],
        pulumiPolicyAws: ["s3-bucket-logging-enabled"],
        awsConfig: ["S3_BUCKET_LOGGING_ENABLED"],
        securityHub: ["S3.9"],
    },
};

export function check(args: StackValidationArgs, reportViolation: (m: string, urn?: string) => void): void {
    const all = buckets(args.resources);
    if (all.length === 0) args.notApplicable("The stack has no S3 buckets");
    for (const b of all) {
        if (isAccessLogBucket(args.resources, b)) continue;
        const inline = known(b.props, "loggings") ?? known(b.props, "logging");
        const hasInline = Array.isArray(inline) ? inline.length > 0 : !!(inline && typeof inline === "object");
        if (attached(args.resources, LOGGING_TYPES, b).length === 0 && !hasInline) {
            reportViolation(`Bucket ${q(bucketName(b))} has no server access logging; add a BucketLogging to an access-log bucket.`, b.urn);
        }
    }
}

export default stackRule(meta, check);
