import type { PolicyResource, StackValidationArgs } from "@pulumi/policy";
import { stackRule, NONE } from "../../lib/rule";
import { describePorts, fromAnywhere, groupIds, ingressOf, LB_TYPES, SG_INGRESS_RULE_TYPE, SG_RULE_TYPE, SG_TYPE } from "../../lib/network";
import { known, list, q } from "../../lib/util";

export const meta = {
    id: "ec2-no-open-ingress",
    description: "Security groups admit no ingress from 0.0.0.0/0 or ::/0 (inline ingress, SecurityGroupRule, SecurityGroupIngressRule), except tcp 443 exactly on a group attached to an internet-facing load balancer.",
    enforcementLevel: "mandatory" as const,
    why: "Only the HTTPS front door faces the internet; any other port open to everyone (an HTTP listener, a database, a debug port) is an attack surface nobody reviewed.",
    publicRuleSets: {
        cdkNag: ["AwsSolutions-EC23 (any port)", "AwsSolutions-RDS8 (VPC security groups)"],
        checkov: ["CKV_AWS_260 (port 80)", "CKV_AWS_277 (all ports)", "CKV_AWS_24 (port 22)", "CKV_AWS_25 (port 3389)"],
        pulumiPolicyAws: NONE,
        awsConfig: ["VPC_SG_OPEN_ONLY_TO_AUTHORIZED_PORTS", "RESTRICTED_INCOMING_TRAFFIC"],
        securityHub: ["EC2.18", "EC2.19"],
    },
};

/** Groups attached to an internet-facing load balancer (`internal` not true), by property dependency or by id. */
function publicLbGroups(resources: PolicyResource[]): { urns: Set<string>; ids: Set<string> } {
    const urns = new Set<string>();
    const ids = new Set<string>();
    for (const lb of resources) {
        if (!LB_TYPES.includes(lb.type) || known(lb.props, "internal") === true) continue;
        for (const d of lb.propertyDependencies?.securityGroups ?? []) urns.add(d.urn);
        for (const id of list(known(lb.props, "securityGroups"))) ids.add(id);
    }
    return { urns, ids };
}

export function check(args: StackValidationArgs, reportViolation: (m: string, urn?: string) => void): void {
    const groups = args.resources.filter((r) => r.type === SG_TYPE);
    const declaring = args.resources.filter((r) => r.type === SG_TYPE || r.type === SG_RULE_TYPE || r.type === SG_INGRESS_RULE_TYPE);
    if (declaring.length === 0) args.notApplicable("The stack has no security groups");
    const lbs = publicLbGroups(args.resources);
    const isPublicLbGroup = (sg: PolicyResource | undefined) => sg !== undefined && (lbs.urns.has(sg.urn) || groupIds(sg).some((id) => lbs.ids.has(id)));
    for (const r of declaring) {
        for (const i of ingressOf(r.type, r.name, r.props ?? {})) {
            const open = fromAnywhere(i);
            if (open.length === 0) continue;
            let sg: PolicyResource | undefined;
            if (r.type === SG_TYPE) sg = r;
            else {
                const dep = r.propertyDependencies?.securityGroupId?.[0]?.urn;
                sg = groups.find((g) => g.urn === dep || (i.securityGroupId !== undefined && groupIds(g).includes(i.securityGroupId)));
            }
            const https = i.protocol === "tcp" && i.fromPort === 443 && i.toPort === 443;
            if (https && isPublicLbGroup(sg)) continue;
            const group = sg ? q(sg.name) : q(i.securityGroupId ?? "unknown");
            const where = r.type === SG_TYPE ? i.where : `${i.where}`;
            reportViolation(https
                ? `Security group ${group} (${where}) allows tcp 443 from ${open.join(" and ")} but is not attached to an internet-facing load balancer; admit the callers' CIDRs or security groups only.`
                : `Security group ${group} (${where}) allows ${describePorts(i)} from ${open.join(" and ")}; only tcp 443 on an internet-facing load balancer may be open to anywhere.`, r.urn);
        }
    }
}

export default stackRule(meta, check);
