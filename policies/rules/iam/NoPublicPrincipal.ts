import { ResourceValidationArgs } from "@pulumi/policy";
import { resourceRule, NONE } from "../../lib/rule";
import { RESOURCE_POLICY_TYPES } from "../../lib/iam";
import { parsePolicy, principalIsPublic, statementLabel } from "../../lib/util";

export const meta = {
    id: "no-public-principal",
    description: 'Allow statements in bucket, key, topic, queue, stream and secret policies and role trust policies never name Principal "*" (or AWS "*"), and Lambda permissions never grant principal "*"; Deny statements may.',
    enforcementLevel: "mandatory" as const,
    why: 'Cross-account access is granted to named accounts and roles; "*" with a forgotten or wrong condition is public data.',
    publicRuleSets: {
        cdkNag: NONE,
        checkov: ["CKV_AWS_70 (S3)"],
        pulumiPolicyAws: NONE,
        awsConfig: ["S3_BUCKET_PUBLIC_READ_PROHIBITED", "S3_BUCKET_PUBLIC_WRITE_PROHIBITED", "LAMBDA_FUNCTION_PUBLIC_ACCESS_PROHIBITED"],
        securityHub: ["S3.2", "S3.3", "Lambda.1"],
    },
};

export function check(args: ResourceValidationArgs, reportViolation: (m: string) => void): void {
    if (args.type === "aws:lambda/permission:Permission") {
        if (args.props.principal === "*") reportViolation(`principal is "*"; name the service or account allowed to invoke.`);
        return;
    }
    const key = RESOURCE_POLICY_TYPES[args.type];
    if (!key) args.notApplicable("Policy only applies to resource policies");
    const doc = parsePolicy(args.props[key]);
    if (!doc) return;
    const where = args.type === "aws:iam/role:Role" ? "assumeRolePolicy " : "";
    doc.Statement.forEach((s, i) => {
        if (s.Effect === "Allow" && principalIsPublic(s.Principal)) {
            reportViolation(`${where}${statementLabel(s, i)} allows Principal "*"; name the accounts or roles.`);
        }
    });
}

export default resourceRule(meta, check);
