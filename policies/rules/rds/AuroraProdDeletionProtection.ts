import type { ResourceValidation } from "@pulumi/policy";
import { resourceRule, NONE } from "../../lib/rule";
import { productionRdsDatabaseKind } from "../../lib/rds";

export const meta = {
    id: "aurora-prod-deletion-protection",
    description: "RDS/Aurora clusters and DB instances in production (Environment tag prod) have deletionProtection true.",
    enforcementLevel: "mandatory" as const,
    why: "A replaced or deleted production database loses serving state; deletion protection forces a deliberate two-step change.",
    publicRuleSets: {
        cdkNag: ["AwsSolutions-RDS10 (all environments)"],
        checkov: ["CKV_AWS_139 (clusters, all environments)", "CKV_AWS_293 (instances, all environments)"],
        pulumiPolicyAws: NONE,
        awsConfig: ["RDS_CLUSTER_DELETION_PROTECTION_ENABLED (all environments)"],
        securityHub: ["RDS.7 (all environments)"],
    },
};

/** Clusters and DB instances. */
export const check: ResourceValidation = (args, reportViolation) => {
    const kind = productionRdsDatabaseKind(args);
    const cluster = args.props as { deletionProtection?: boolean; backupRetentionPeriod?: number };
    if (cluster.deletionProtection !== true) {
        reportViolation(`deletionProtection is ${cluster.deletionProtection === undefined ? "not set (default false)" : String(cluster.deletionProtection)}; production ${kind} need true.`);
    }
};

export default resourceRule(meta, check);
