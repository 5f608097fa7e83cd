import type { ResourceValidation } from "@pulumi/policy";
import { resourceRule } from "../../lib/rule";
import { isAwsManagedKeyRef, q } from "../../lib/util";
import { rdsDatabaseKind } from "../../lib/rds";

export const meta = {
    id: "aurora-storage-cmk-encryption",
    description: "RDS/Aurora clusters and DB instances set storageEncrypted true with a customer-managed kmsKeyId.",
    enforcementLevel: "mandatory" as const,
    why: "The insights database holds confidential aggregates; without kmsKeyId RDS uses the AWS-managed aws/rds key, which cannot be scoped or shared deliberately.",
    publicRuleSets: {
        cdkNag: ["AwsSolutions-RDS2 (encryption, any key)"],
        checkov: ["CKV_AWS_16 (instances, any key)", "CKV_AWS_96 (Aurora, any key)"],
        pulumiPolicyAws: ["rds-storage-encrypted (DB instances, any key)"],
        awsConfig: ["RDS_CLUSTER_ENCRYPTED_AT_REST (any key)"],
        securityHub: ["RDS.27 (any key)"],
    },
};

/** Clusters and (since both carry storageEncrypted/kmsKeyId) DB instances. */
export const check: ResourceValidation = (args, reportViolation) => {
    rdsDatabaseKind(args);
    const cluster = args.props as { storageEncrypted?: boolean; kmsKeyId?: string };
    if (cluster.storageEncrypted !== true) {
        reportViolation(`storageEncrypted is ${cluster.storageEncrypted === undefined ? "not set (default false)" : q(cluster.storageEncrypted)}; set true with a customer-managed kmsKeyId.`);
    } else if (!cluster.kmsKeyId) {
        reportViolation(`storageEncrypted is true but kmsKeyId is not set (the AWS-managed aws/rds key); name a customer-managed key.`);
    } else if (isAwsManagedKeyRef(cluster.kmsKeyId)) {
        reportViolation(`kmsKeyId is the AWS-managed key ${q(cluster.kmsKeyId)}; name a customer-managed key.`);
    }
};

export default resourceRule(meta, check);
