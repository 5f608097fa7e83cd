import { StackValidationArgs } from "@pulumi/policy";
import { stackRule, NONE } from "../../lib/rule";
import { POLICY_TYPES, attached, bucketName, buckets } from "../../lib/s3";
import { list, parsePolicy, principalIsPublic, q } from "../../lib/util";

export const meta = {
    id: "s3-bucket-tls-only",
    description: "Every S3 bucket has a bucket policy with a Deny of s3:* for everyone when aws:SecureTransport is false.",
    enforcementLevel: "mandatory" as const,
    why: "Data must never cross the network in clear text; the Deny applies to every principal, including other accounts' roles granted access.",
    publicRuleSets: {
        cdkNag: ["AwsSolutions-S10"],
        checkov: NONE,
        pulumiPolicyAws: NONE,
        awsConfig: ["S3_BUCKET_SSL_REQUESTS_ONLY"],
        securityHub: ["S3.5"],
    },
};

function isFalse(v: unknown): boolean {
    return list(v).some((x) => x.toLowerCase() === "false");
}

/** A statement denying all S3 actions to everyone over plain HTTP. */
export function isTlsDeny(s: any): boolean {
    if (s?.Effect !== "Deny" || !principalIsPublic(s.Principal)) return false;
    if (!list(s.Action).some((a) => a === "s3:*" || a === "*")) return false;
    const c = s.Condition ?? {};
    return isFalse(c.Bool?.["aws:SecureTransport"]) || isFalse(c.BoolIfExists?.["aws:SecureTransport"]);
}

export function check(args: StackValidationArgs, reportViolation: (m: string, urn?: string) => void): void {
    const all = buckets(args.resources);
    if (all.length === 0) args.notApplicable("The stack has no S3 buckets");
    for (const b of all) {
        const policies = attached(args.resources, POLICY_TYPES, b);
        const inline = b.props?.policy ? [b.props.policy] : [];
        const docs = [...policies.map((p) => p.props?.policy), ...inline].map(parsePolicy).filter((d) => d);
        if (docs.length === 0) {
            reportViolation(`Bucket ${q(bucketName(b))} has no bucket policy; add a Deny of s3:* when aws:SecureTransport is false.`, b.urn);
        } else if (!docs.some((d) => d!.Statement.some(isTlsDeny))) {
            reportViolation(`Bucket ${q(bucketName(b))} policy has no Deny of s3:* for Principal "*" when aws:SecureTransport is false.`, b.urn);
        }
    }
}

export default stackRule(meta, check);
