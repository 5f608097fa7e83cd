import type { ResourceValidation } from "@pulumi/policy";
import { resourceRule } from "../../lib/rule";
import { productionRdsDatabaseKind } from "../../lib/rds";
import { configOf } from "../../lib/util";

export const meta = {
    id: "aurora-prod-backup-retention",
    description: "RDS/Aurora clusters and DB instances in production keep automated backups for at least 14 days (config minimumDays).",
    enforcementLevel: "mandatory" as const,
    why: "Point-in-time recovery must reach back past a long weekend plus the time to notice silent corruption.",
    publicRuleSets: {
        cdkNag: ["AwsSolutions-RDS13 (DB instances, any retention)"],
        checkov: ["CKV_AWS_133 (any retention)"],
        pulumiPolicyAws: ["rds-instance-backup-enabled (DB instances, any retention, all environments)"],
        awsConfig: ["DB_INSTANCE_BACKUP_ENABLED (DB instances only)"],
        securityHub: ["RDS.11 (DB instances only)"],
    },
    config: { minimumDays: 14 },
};

/** Clusters and DB instances. */
export const check: ResourceValidation = (args, reportViolation) => {
    const kind = productionRdsDatabaseKind(args);
    const cluster = args.props as { deletionProtection?: boolean; backupRetentionPeriod?: number };
    const { minimumDays } = configOf(meta.config, args);
    const days = cluster.backupRetentionPeriod ?? 1;
    if (days < minimumDays) {
        reportViolation(`backupRetentionPeriod is ${cluster.backupRetentionPeriod === undefined ? "not set (default 1 day)" : `${days} days`}; production ${kind} need at least ${minimumDays} days.`);
    }
};

export default resourceRule(meta, check);
