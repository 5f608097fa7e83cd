import type { ResourceValidation } from "@pulumi/policy";
import { resourceRule, NONE } from "../../lib/rule";

export const meta = {
    id: "rds-no-public-access",
    description: "RDS DB instances and Aurora cluster instances do not set publiclyAccessible true.",
    enforcementLevel: "mandatory" as const,
    why: "A publicly accessible database gets a public DNS name and address; the platform reaches its database through the Data API and private subnets only.",
    publicRuleSets: {
        cdkNag: NONE,
        checkov: ["CKV_AWS_17"],
        pulumiPolicyAws: ["rds-instance-public-access"],
        awsConfig: ["RDS_INSTANCE_PUBLIC_ACCESS_CHECK"],
        securityHub: ["RDS.2"],
    },
};

const TYPES = ["aws:rds/instance:Instance", "aws:rds/clusterInstance:ClusterInstance"];

export const check: ResourceValidation = (args, reportViolation) => {
    if (!TYPES.includes(args.type)) args.notApplicable("Policy only applies to RDS DB instances and cluster instances");
    if (args.props.publiclyAccessible === true) reportViolation(`publiclyAccessible is true; databases stay in private subnets (set false).`);
};

export default resourceRule(meta, check);
