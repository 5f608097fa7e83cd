import * as aws from "@pulumi/aws";
import { validateResourceOfType } from "@pulumi/policy";
import { resourceRule, NONE } from "../../lib/rule";
import { configOf, effectiveTags, isProduction } from "../../lib/util";

export const meta = {
    id: "aurora-prod-backup-retention",
    description: "RDS/Aurora clusters in production keep automated backups for at least 14 days (config minimumDays).",
    enforcementLevel: "mandatory" as const,
    why: "Point-in-time recovery must reach back past a long weekend plus the time to notice silent corruption.",
    publicRuleSets: {
        cdkNag: NONE,
        pulumiPolicyAws: ["rds-instance-backup-enabled (DB instances only)"],
        awsConfig: ["DB_INSTANCE_BACKUP_ENABLED (DB instances only)"],
        securityHub: ["RDS.11 (DB instances only)"],
    },
    config: { minimumDays: 14 },
};

export const check = validateResourceOfType(aws.rds.Cluster, (cluster, args, reportViolation) => {
    const tags = effectiveTags(args.props, args.provider);
    if (!isProduction(tags)) args.notApplicable(`Environment tag is ${JSON.stringify(tags.Environment ?? null)}, not production`);
    const { minimumDays } = configOf(meta.config, args);
    const days = cluster.backupRetentionPeriod ?? 1;
    if (days < minimumDays) {
        reportViolation(`backupRetentionPeriod is ${cluster.backupRetentionPeriod === undefined ? "not set (default 1 day)" : `${days} days`}; production clusters need at least ${minimumDays} days.`);
    }
});

export default resourceRule(meta, check);
