import * as aws from "@pulumi/aws";
import { validateResourceOfType } from "@pulumi/policy";
import { resourceRule, NONE } from "../../lib/rule";
import { q } from "../../lib/util";

export const meta = {
    id: "ecr-immutable-tags",
    description: 'ECR repositories set imageTagMutability "IMMUTABLE".',
    enforcementLevel: "mandatory" as const,
    why: "With mutable tags the image a task definition names can be replaced under it; immutable tags make every deployment reproducible and auditable.",
    publicRuleSets: {
        cdkNag: NONE,
        checkov: ["CKV_AWS_51"],
        pulumiPolicyAws: NONE,
        awsConfig: NONE,
        securityHub: ["ECR.2"],
    },
};

export const check = validateResourceOfType(aws.ecr.Repository, (repo, _args, reportViolation) => {
    if (repo.imageTagMutability !== "IMMUTABLE") {
        reportViolation(`imageTagMutability is ${repo.imageTagMutability === undefined ? 'not set (default "MUTABLE")' : q(repo.imageTagMutability)}; set "IMMUTABLE".`);
    }
});

export default resourceRule(meta, check);
