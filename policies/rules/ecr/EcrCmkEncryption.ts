import * as aws from "@pulumi/aws";
import { validateResourceOfType } from "@pulumi/policy";
import { resourceRule, NONE } from "../../lib/rule";
import { isAwsManagedKeyRef, q } from "../../lib/util";

export const meta = {
    id: "ecr-cmk-encryption",
    description: 'ECR repositories set encryptionConfigurations encryptionType "KMS" with a customer-managed kmsKey (the default AES256 and the AWS-managed aws/ecr key are not customer-managed).',
    enforcementLevel: "mandatory" as const,
    why: "Images carry the service's code; a customer-managed key lets key policies decide who can pull layers, independently of repository policies.",
    publicRuleSets: {
        cdkNag: NONE,
        checkov: ["CKV_AWS_136"],
        pulumiPolicyAws: NONE,
        awsConfig: NONE,
        securityHub: NONE,
    },
};

export const check = validateResourceOfType(aws.ecr.Repository, (repo, _args, reportViolation) => {
    const enc = ((repo.encryptionConfigurations as any[]) ?? [])[0];
    if (!enc || enc.encryptionType !== "KMS") {
        reportViolation(`encryptionConfigurations encryptionType is ${enc?.encryptionType === undefined ? 'not set (default "AES256")' : q(enc.encryptionType)}; set "KMS" with a customer-managed kmsKey.`);
    } else if (!enc.kmsKey) {
        reportViolation(`encryptionType is "KMS" but kmsKey is not set (the AWS-managed aws/ecr key); name a customer-managed key.`);
    } else if (isAwsManagedKeyRef(enc.kmsKey)) {
        reportViolation(`kmsKey is the AWS-managed key ${q(enc.kmsKey)}; name a customer-managed key.`);
    }
});

export default resourceRule(meta, check);
