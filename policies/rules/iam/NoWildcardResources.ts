import { ResourceValidationArgs } from "@pulumi/policy";
import { resourceRule, NONE } from "../../lib/rule";
import { IDENTITY_POLICY_TYPES, actions, identityDocuments, isDataAction } from "../../lib/iam";
import { list, q, statementLabel } from "../../lib/util";

export const meta = {
    id: "iam-no-wildcard-resources",
    description:
        'Allow statements in IAM role, inline and managed policies do not grant data actions (S3, Kinesis, Firehose, KMS, SQS, SNS, Secrets Manager, DynamoDB, RDS Data, Glue, Athena, Step Functions, Lambda, Logs) on Resource "*"; account-level actions without resource-level permissions are allowed.',
    enforcementLevel: "mandatory" as const,
    why: 'Least privilege across accounts: a role that may read "*" can read every bucket, stream and key that trusts its account.',
    publicRuleSets: {
        cdkNag: ["AwsSolutions-IAM5"],
        checkov: ["CKV_AWS_355"],
        pulumiPolicyAws: NONE,
        awsConfig: NONE,
        securityHub: NONE,
    },
};

export function check(args: ResourceValidationArgs, reportViolation: (m: string) => void): void {
    const t = args.type;
    if (t !== "aws:iam/role:Role" && !IDENTITY_POLICY_TYPES[t]) args.notApplicable("Policy only applies to IAM identity policies");
    for (const d of identityDocuments(t, args.props)) {
        d.statements.forEach((s, i) => {
            if (s.Effect !== "Allow" || !list(s.Resource).includes("*")) return;
            const data = actions(s).filter(isDataAction);
            if (data.length > 0) {
                reportViolation(`${t === "aws:iam/role:Role" ? `${d.label} ` : ""}${statementLabel(s, i)} allows data action(s) ${data.map(q).join(", ")} on Resource "*"; name the resources.`);
            }
        });
    }
}

export default resourceRule(meta, check);
