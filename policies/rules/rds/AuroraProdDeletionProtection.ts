import * as aws from "@pulumi/aws";
import { validateResourceOfType } from "@pulumi/policy";
import { resourceRule, NONE } from "../../lib/rule";
import { effectiveTags, isProduction } from "../../lib/util";

export const meta = {
    id: "aurora-prod-deletion-protection",
    description: "RDS/Aurora clusters in production (Environment tag prod) have deletionProtection true.",
    enforcementLevel: "mandatory" as const,
    why: "A replaced or deleted production database loses serving state; deletion protection forces a deliberate two-step change.",
    publicRuleSets: {
        cdkNag: ["AwsSolutions-RDS10 (all environments)"],
        pulumiPolicyAws: NONE,
        awsConfig: ["RDS_CLUSTER_DELETION_PROTECTION_ENABLED (all environments)"],
        securityHub: ["RDS.7 (all environments)"],
    },
};

export const check = validateResourceOfType(aws.rds.Cluster, (cluster, args, reportViolation) => {
    const tags = effectiveTags(args.props, args.provider);
    if (!isProduction(tags)) args.notApplicable(`Environment tag is ${JSON.stringify(tags.Environment ?? null)}, not production`);
    if (cluster.deletionProtection !== true) {
        reportViolation(`deletionProtection is ${cluster.deletionProtection === undefined ? "not set (default false)" : String(cluster.deletionProtection)}; production clusters need true.`);
    }
});

export default resourceRule(meta, check);
