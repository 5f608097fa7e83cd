import * as aws from "@pulumi/aws";
import { validateResourceOfType } from "@pulumi/policy";
import { resourceRule, NONE } from "../../lib/rule";
import { isAwsManagedKeyRef, q } from "../../lib/util";

export const meta = {
    id: "secret-cmk-encryption",
    description: "Secrets Manager secrets (and RDS-managed master user secrets) are encrypted with a customer-managed KMS key.",
    enforcementLevel: "mandatory" as const,
    why: "Database credentials must only be readable by roles the key policy names; the AWS-managed aws/secretsmanager key cannot be shared across accounts or scoped.",
    publicRuleSets: {
        cdkNag: NONE,
        checkov: ["CKV_AWS_149"],
        pulumiPolicyAws: NONE,
        awsConfig: ["SECRETSMANAGER_USING_CMK"],
        securityHub: NONE,
    },
};

export const checkSecret = validateResourceOfType(aws.secretsmanager.Secret, (secret, _args, reportViolation) => {
    if (!secret.kmsKeyId) reportViolation(`kmsKeyId is not set (the AWS-managed aws/secretsmanager key); name a customer-managed key.`);
    else if (isAwsManagedKeyRef(secret.kmsKeyId)) reportViolation(`kmsKeyId is the AWS-managed key ${q(secret.kmsKeyId)}; name a customer-managed key.`);
});

export const checkManagedMasterSecret = validateResourceOfType(aws.rds.Cluster, (cluster, args, reportViolation) => {
    if (cluster.manageMasterUserPassword !== true) args.notApplicable("The cluster does not let RDS manage its master user secret");
    if (!cluster.masterUserSecretKmsKeyId) {
        reportViolation(`manageMasterUserPassword is true but masterUserSecretKmsKeyId is not set (the AWS-managed aws/secretsmanager key); name a customer-managed key.`);
    } else if (isAwsManagedKeyRef(cluster.masterUserSecretKmsKeyId)) {
        reportViolation(`masterUserSecretKmsKeyId is the AWS-managed key ${q(cluster.masterUserSecretKmsKeyId)}; name a customer-managed key.`);
    }
});

export default resourceRule(meta, [checkSecret, checkManagedMasterSecret]);
