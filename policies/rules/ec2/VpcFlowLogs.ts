import type { StackValidationArgs } from "@pulumi/policy";
import { stackRule, NONE } from "../../lib/rule";
import { q } from "../../lib/util";
import { VPC_TYPE, vpcOf } from "./DefaultSecurityGroupClosed";

export const meta = {
    id: "vpc-flow-logs",
    description: "Every VPC has an aws.ec2.FlowLog whose vpcId names it.",
    enforcementLevel: "mandatory" as const,
    why: "Flow logs are the only record of which addresses talked to the ingestion tasks and the database; an investigation without them cannot tell scanning from exfiltration.",
    publicRuleSets: {
        cdkNag: ["AwsSolutions-VPC7"],
        checkov: ["CKV2_AWS_11"],
        pulumiPolicyAws: NONE,
        awsConfig: ["VPC_FLOW_LOGS_ENABLED"],
        securityHub: ["EC2.6 (REJECT at least)"],
    },
};

const FLOW_LOG_TYPE = "aws:ec2/flowLog:FlowLog";

export function check(args: StackValidationArgs, reportViolation: (m: string, urn?: string) => void): void {
    const vpcs = args.resources.filter((r) => r.type === VPC_TYPE);
    if (vpcs.length === 0) args.notApplicable("The stack has no VPCs");
    const logs = args.resources.filter((r) => r.type === FLOW_LOG_TYPE);
    for (const vpc of vpcs) {
        if (!logs.some((l) => vpcOf(args.resources, l) === vpc)) {
            reportViolation(`VPC ${q(vpc.name)} has no flow log; add an aws.ec2.FlowLog with its vpcId (trafficType "ALL") delivering to an encrypted log group or bucket.`, vpc.urn);
        }
    }
}

export default stackRule(meta, check);
