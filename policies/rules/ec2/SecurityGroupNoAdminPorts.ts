import type { ResourceValidationArgs } from "@pulumi/policy";
import { resourceRule, NONE } from "../../lib/rule";
import { describePorts, fromAnywhere, ingressOf, reachesPort, SG_INGRESS_RULE_TYPE, SG_RULE_TYPE, SG_TYPE } from "../../lib/network";

export const meta = {
    id: "ec2-no-ssh-rdp-from-anywhere",
    description: "No security-group ingress (inline, SecurityGroupRule or SecurityGroupIngressRule) from 0.0.0.0/0 or ::/0 reaches port 22 (SSH) or 3389 (RDP).",
    enforcementLevel: "mandatory" as const,
    why: "Remote administration ports open to the internet are scanned within minutes; tasks are reached through the load balancer and operators through SSM, never SSH/RDP.",
    publicRuleSets: {
        cdkNag: ["AwsSolutions-EC23 (any port)"],
        checkov: ["CKV_AWS_24", "CKV_AWS_25"],
        pulumiPolicyAws: NONE,
        awsConfig: ["INCOMING_SSH_DISABLED", "RESTRICTED_INCOMING_TRAFFIC"],
        securityHub: ["EC2.13", "EC2.14"],
    },
};

const ADMIN_PORTS: [number, string][] = [
    [22, "SSH"],
    [3389, "RDP"],
];

export function check(args: ResourceValidationArgs, reportViolation: (m: string) => void): void {
    if (![SG_TYPE, SG_RULE_TYPE, SG_INGRESS_RULE_TYPE].includes(args.type)) args.notApplicable("Policy only applies to security groups and their ingress rules");
    for (const i of ingressOf(args.type, args.name, args.props)) {
        const open = fromAnywhere(i);
        if (open.length === 0) continue;
        const hit = ADMIN_PORTS.filter(([p]) => reachesPort(i, p));
        if (hit.length > 0) {
            reportViolation(`${i.where} allows ${describePorts(i)} from ${open.join(" and ")}, which reaches ${hit.map(([p, n]) => `port ${p} (${n})`).join(" and ")}; never open remote administration to anywhere.`);
        }
    }
}

export default resourceRule(meta, check);
