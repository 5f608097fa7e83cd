import type { ResourceValidationArgs } from "@pulumi/policy";
import { resourceRule, NONE } from "../../lib/rule";
import { parsePolicy, principalIsPublic, statementLabel } from "../../lib/util";

export const meta = {
    id: "ecr-no-public-repository",
    description: 'No ECR Public repository, and no ECR repository policy with an Allow for Principal "*" (or AWS "*").',
    enforcementLevel: "mandatory" as const,
    why: "The ingestion image embeds the service's code and configuration; pulling it is reconnaissance, pushing to it is code execution in production.",
    publicRuleSets: {
        cdkNag: ["AwsSolutions-ECR1"],
        checkov: ["CKV_AWS_32"],
        pulumiPolicyAws: NONE,
        awsConfig: NONE,
        securityHub: NONE,
    },
};

export function check(args: ResourceValidationArgs, reportViolation: (m: string) => void): void {
    if (args.type === "aws:ecrpublic/repository:Repository") {
        reportViolation(`ECR Public repositories can be pulled by anyone; use a private aws.ecr.Repository.`);
        return;
    }
    if (args.type !== "aws:ecr/repositoryPolicy:RepositoryPolicy") args.notApplicable("Policy only applies to ECR repository policies and ECR Public repositories");
    const doc = parsePolicy(args.props.policy);
    doc?.Statement.forEach((s, i) => {
        if (s.Effect === "Allow" && principalIsPublic(s.Principal)) reportViolation(`${statementLabel(s, i)} allows Principal "*"; name the accounts or roles that pull or push.`);
    });
}

export default resourceRule(meta, check);
