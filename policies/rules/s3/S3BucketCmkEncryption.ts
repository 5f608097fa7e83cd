import { StackValidationArgs } from "@pulumi/policy";
import { stackRule, NONE } from "../../lib/rule";
import { SSE_TYPES, attached, bucketName, buckets, isAccessLogBucket } from "../../lib/s3";
import { isAwsManagedKeyRef, q } from "../../lib/util";

export const meta = {
    id: "s3-bucket-cmk-encryption",
    description: "Every S3 bucket has a BucketServerSideEncryptionConfiguration with SSE-KMS and a customer-managed key (access-log buckets: SSE-S3, since log delivery cannot use SSE-KMS).",
    enforcementLevel: "mandatory" as const,
    why: "The lake and ponds hold confidential data; SSE-KMS with our key lets key policies decide who can decrypt, across accounts, independently of bucket policies.",
    publicRuleSets: {
        cdkNag: NONE,
        checkov: ["CKV_AWS_145"],
        pulumiPolicyAws: NONE,
        awsConfig: ["S3_DEFAULT_ENCRYPTION_KMS", "S3_BUCKET_SERVER_SIDE_ENCRYPTION_ENABLED (any SSE)"],
        securityHub: ["S3.17 (SSE-KMS at rest)"],
    },
};

export function check(args: StackValidationArgs, reportViolation: (m: string, urn?: string) => void): void {
    const all = buckets(args.resources);
    if (all.length === 0) args.notApplicable("The stack has no S3 buckets");
    for (const b of all) {
        const name = bucketName(b);
        const rules = attached(args.resources, SSE_TYPES, b).flatMap((c) => (Array.isArray(c.props?.rules) ? c.props.rules : []));
        const inline = b.props?.serverSideEncryptionConfiguration?.rule ? [b.props.serverSideEncryptionConfiguration.rule] : [];
        const defaults = [...rules, ...inline].map((r: any) => r?.applyServerSideEncryptionByDefault).filter((d: any) => d);
        if (isAccessLogBucket(args.resources, b)) {
            if (!defaults.some((d: any) => d.sseAlgorithm === "AES256")) {
                reportViolation(`Access-log bucket ${q(name)} has no BucketServerSideEncryptionConfiguration with sseAlgorithm "AES256" (log delivery cannot write to SSE-KMS buckets).`, b.urn);
            }
            continue;
        }
        if (defaults.length === 0) {
            reportViolation(`Bucket ${q(name)} has no BucketServerSideEncryptionConfiguration; add one with sseAlgorithm "aws:kms" and a customer-managed kmsMasterKeyId.`, b.urn);
            continue;
        }
        const d = defaults[0];
        if (d.sseAlgorithm !== "aws:kms" && d.sseAlgorithm !== "aws:kms:dsse") {
            reportViolation(`Bucket ${q(name)} uses sseAlgorithm ${q(d.sseAlgorithm)}; use "aws:kms" with a customer-managed kmsMasterKeyId.`, b.urn);
        } else if (!d.kmsMasterKeyId) {
            reportViolation(`Bucket ${q(name)} uses sseAlgorithm ${q(d.sseAlgorithm)} without kmsMasterKeyId (the AWS-managed aws/s3 key); name a customer-managed key.`, b.urn);
        } else if (isAwsManagedKeyRef(d.kmsMasterKeyId)) {
            reportViolation(`Bucket ${q(name)} uses the AWS-managed key ${q(d.kmsMasterKeyId)}; name a customer-managed key.`, b.urn);
        }
    }
}

export default stackRule(meta, check);
