import { StackValidationArgs } from "@pulumi/policy";
import { stackRule, NONE } from "../../lib/rule";
import { PAB_TYPES, attached, bucketName, buckets } from "../../lib/s3";
import { q } from "../../lib/util";

export const meta = {
    id: "s3-bucket-public-access-block",
    description: "Every S3 bucket has a BucketPublicAccessBlock with blockPublicAcls, blockPublicPolicy, ignorePublicAcls and restrictPublicBuckets all true.",
    enforcementLevel: "mandatory" as const,
    why: "No bucket of this platform is public; Block Public Access stops a later ACL or policy mistake from exposing data.",
    publicRuleSets: {
        cdkNag: ["AwsSolutions-S2"],
        checkov: ["CKV_AWS_53", "CKV_AWS_54", "CKV_AWS_55", "CKV_AWS_56"],
        pulumiPolicyAws: NONE,
        awsConfig: ["S3_BUCKET_LEVEL_PUBLIC_ACCESS_PROHIBITED"],
        securityHub: ["S3.8"],
    },
};

const FLAGS = ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"];

export function check(args: StackValidationArgs, reportViolation: (m: string, urn?: string) => void): void {
    const all = buckets(args.resources);
    if (all.length === 0) args.notApplicable("The stack has no S3 buckets");
    for (const b of all) {
        const pabs = attached(args.resources, PAB_TYPES, b);
        if (pabs.length === 0) {
            reportViolation(`Bucket ${q(bucketName(b))} has no BucketPublicAccessBlock.`, b.urn);
            continue;
        }
        const off = FLAGS.filter((f) => pabs[0].props?.[f] !== true);
        if (off.length > 0) reportViolation(`Bucket ${q(bucketName(b))} public access block does not set ${off.join(", ")} to true.`, b.urn);
    }
}

export default stackRule(meta, check);
