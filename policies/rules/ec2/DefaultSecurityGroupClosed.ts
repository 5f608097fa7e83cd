import type { PolicyResource, StackValidationArgs } from "@pulumi/policy";
import { stackRule, NONE } from "../../lib/rule";
import { known, q } from "../../lib/util";

export const meta = {
    id: "ec2-default-security-group-closed",
    description: "Every VPC's default security group is adopted with an aws.ec2.DefaultSecurityGroup that has no ingress and no egress rules.",
    enforcementLevel: "mandatory" as const,
    why: "AWS creates each VPC's default group allowing all traffic between its members and all egress; anything launched without a group lands in it. Managing it empty makes that fallback deny everything.",
    publicRuleSets: {
        cdkNag: NONE,
        checkov: ["CKV2_AWS_12"],
        pulumiPolicyAws: NONE,
        awsConfig: ["VPC_DEFAULT_SECURITY_GROUP_CLOSED"],
        securityHub: ["EC2.2"],
    },
};

export const VPC_TYPE = "aws:ec2/vpc:Vpc";
const DEFAULT_SG_TYPE = "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup";

/** The VPC a resource's `vpcId` names (property dependency, else the VPC's id or ARN tail). */
export function vpcOf(resources: PolicyResource[], r: PolicyResource, prop = "vpcId"): PolicyResource | undefined {
    const dep = r.propertyDependencies?.[prop]?.[0]?.urn;
    const v = known(r.props, prop);
    return resources.find((x) => x.type === VPC_TYPE && (x.urn === dep || (typeof v === "string" && vpcIds(x).includes(v))));
}

export function vpcIds(vpc: PolicyResource): string[] {
    const out: string[] = [];
    const id = known(vpc.props, "id");
    if (typeof id === "string" && id) out.push(id);
    const arn = known(vpc.props, "arn");
    if (typeof arn === "string" && arn.includes("vpc/")) out.push(arn.slice(arn.lastIndexOf("/") + 1));
    return out;
}

export function check(args: StackValidationArgs, reportViolation: (m: string, urn?: string) => void): void {
    const vpcs = args.resources.filter((r) => r.type === VPC_TYPE);
    const defaults = args.resources.filter((r) => r.type === DEFAULT_SG_TYPE);
    if (vpcs.length === 0 && defaults.length === 0) args.notApplicable("The stack has no VPCs");
    for (const d of defaults) {
        const ingress = known(d.props, "ingress");
        const egress = known(d.props, "egress");
        const n = (v: unknown) => (Array.isArray(v) ? v.length : 0);
        if (n(ingress) + n(egress) > 0) {
            reportViolation(`Default security group ${q(d.name)} has ${n(ingress)} ingress and ${n(egress)} egress rule(s); the default group must have none (use dedicated groups).`, d.urn);
        }
    }
    for (const vpc of vpcs) {
        if (!defaults.some((d) => vpcOf(args.resources, d) === vpc)) {
            reportViolation(`VPC ${q(vpc.name)} does not manage its default security group, which keeps AWS's allow-all-between-members and allow-all-egress rules; add an aws.ec2.DefaultSecurityGroup with its vpcId and no rules.`, vpc.urn);
        }
    }
}

export default stackRule(meta, check);
