import type { ResourceValidation } from "@pulumi/policy";
import { resourceRule, NONE } from "../../lib/rule";

export const meta = {
    id: "rds-iam-authentication",
    description: "RDS DB instances and Aurora clusters set iamDatabaseAuthenticationEnabled true.",
    enforcementLevel: "mandatory" as const,
    why: "IAM database authentication lets roles connect with short-lived tokens scoped by IAM policy instead of long-lived passwords shared between services.",
    publicRuleSets: {
        cdkNag: ["AwsSolutions-RDS6 (Aurora clusters)"],
        checkov: ["CKV_AWS_161 (instances)", "CKV_AWS_162 (clusters)"],
        pulumiPolicyAws: NONE,
        awsConfig: ["RDS_INSTANCE_IAM_AUTHENTICATION_ENABLED", "RDS_CLUSTER_IAM_AUTHENTICATION_ENABLED"],
        securityHub: ["RDS.10", "RDS.12"],
    },
};

const TYPES = ["aws:rds/instance:Instance", "aws:rds/cluster:Cluster"];

export const check: ResourceValidation = (args, reportViolation) => {
    if (!TYPES.includes(args.type)) args.notApplicable("Policy only applies to RDS DB instances and clusters");
    const v = args.props.iamDatabaseAuthenticationEnabled;
    if (v !== true) reportViolation(`iamDatabaseAuthenticationEnabled is ${v === undefined ? "not set (default false)" : String(v)}; set true so roles connect with IAM tokens instead of passwords.`);
};

export default resourceRule(meta, check);
