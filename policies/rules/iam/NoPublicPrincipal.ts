import { ResourceValidationArgs } from "@pulumi/policy";
import { resourceRule, NONE } from "../../lib/rule";
import { RESOURCE_POLICY_TYPES } from "../../lib/iam";
import { parsePolicy, principalIsPublic, statementLabel } from "../../lib/util";

export const meta = {
    id: "no-public-principal",
    description: "Allow statements in bucket, key, topic, queue, stream and secret policies never name Principal \"*\" (or AWS \"*\"); Deny statements may.",
    enforcementLevel: "mandatory" as const,
    why: "Cross-account access is granted to named accounts and roles; \"*\" with a forgotten or wrong condition is public data.",
    publicRuleSets: {
        cdkNag: NONE,
        pulumiPolicyAws: NONE,
        awsConfig: ["S3_BUCKET_PUBLIC_READ_PROHIBITED", "S3_BUCKET_PUBLIC_WRITE_PROHIBITED"],
        securityHub: ["S3.2", "S3.3"],
    },
};

export function check(args: ResourceValidationArgs, reportViolation: (m: string) => void): void {
    const key = RESOURCE_POLICY_TYPES[args.type];
    if (!key) args.notApplicable("Policy only applies to resource policies");
    const doc = parsePolicy(args.props[key]);
    if (!doc) return;
    doc.Statement.forEach((s, i) => {
        if (s.Effect === "Allow" && principalIsPublic(s.Principal)) {
            reportViolation(`${statementLabel(s, i)} allows Principal "*"; name the accounts or roles.`);
        }
    });
}

export default resourceRule(meta, check);
