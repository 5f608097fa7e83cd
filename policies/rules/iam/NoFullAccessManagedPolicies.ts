import { ResourceValidationArgs } from "@pulumi/policy";
import { resourceRule, NONE } from "../../lib/rule";
import { list, q } from "../../lib/util";

export const meta = {
    id: "iam-no-full-access-managed-policies",
    description: "No attachment of managed policies named *FullAccess* or AdministratorAccess (RolePolicyAttachment, PolicyAttachment, User/GroupPolicyAttachment, Role managedPolicyArns).",
    enforcementLevel: "mandatory" as const,
    why: "FullAccess managed policies grant every action of a service on every resource; grants here are scoped inline policies built by the components.",
    publicRuleSets: {
        cdkNag: ["AwsSolutions-IAM4 (any AWS managed policy)"],
        checkov: ["CKV_AWS_274 (AdministratorAccess)"],
        pulumiPolicyAws: NONE,
        awsConfig: ["IAM_POLICY_BLACKLISTED_CHECK (with the policy ARNs as parameter)"],
        securityHub: NONE,
    },
};

const ATTACHMENTS = ["aws:iam/rolePolicyAttachment:RolePolicyAttachment", "aws:iam/policyAttachment:PolicyAttachment", "aws:iam/userPolicyAttachment:UserPolicyAttachment", "aws:iam/groupPolicyAttachment:GroupPolicyAttachment"];

export function isFullAccess(arn: string): boolean {
    const name = arn.split("/").pop() ?? arn;
    return /FullAccess/.test(name) || name === "AdministratorAccess";
}

export function check(args: ResourceValidationArgs, reportViolation: (m: string) => void): void {
    let arns: string[];
    if (ATTACHMENTS.includes(args.type)) arns = list(args.props.policyArn);
    else if (args.type === "aws:iam/role:Role") arns = list(args.props.managedPolicyArns);
    else args.notApplicable("Policy only applies to IAM roles and policy attachments");
    for (const arn of arns!.filter(isFullAccess)) reportViolation(`Attaches the managed policy ${q(arn)}; grant scoped actions on named resources instead.`);
}

export default resourceRule(meta, check);
