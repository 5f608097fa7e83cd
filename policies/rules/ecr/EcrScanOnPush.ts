import * as aws from "@pulumi/aws";
import { validateResourceOfType } from "@pulumi/policy";
import { resourceRule, NONE } from "../../lib/rule";

export const meta = {
    id: "ecr-scan-on-push",
    description: "ECR repositories set imageScanningConfiguration.scanOnPush true.",
    enforcementLevel: "mandatory" as const,
    why: "Every pushed image is scanned for known vulnerabilities before it can be deployed, so a vulnerable base image is seen at build time.",
    publicRuleSets: {
        cdkNag: NONE,
        checkov: ["CKV_AWS_163"],
        pulumiPolicyAws: NONE,
        awsConfig: ["ECR_PRIVATE_IMAGE_SCANNING_ENABLED"],
        securityHub: ["ECR.1"],
    },
};

export const check = validateResourceOfType(aws.ecr.Repository, (repo, _args, reportViolation) => {
    const v = (repo.imageScanningConfiguration as any)?.scanOnPush;
    if (v !== true) reportViolation(`imageScanningConfiguration.scanOnPush is ${v === undefined ? "not set (default false)" : String(v)}; set true.`);
});

export default resourceRule(meta, check);
