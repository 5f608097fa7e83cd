import type { PolicyResource, StackValidationArgs } from "@pulumi/policy";
import { stackRule, NONE } from "../../lib/rule";
import { describePorts, fromAnywhere, groupIds, ingressOf, LB_TYPES, SG_INGRESS_RULE_TYPE, SG_RULE_TYPE, SG_TYPE } from "../../lib/network";
import { known, list, q } from "../../lib/util";

export const meta = {
    id: "ec2-no-open-ingress",
    description:
        "Security groups admit no ingress from 0.0.0.0/0 or ::/0 (inline ingress, SecurityGroupRule, SecurityGroupIngressRule), except tcp 443 exactly on a group attached to an internet-facing load balancer, and tcp 80 exactly on such a group when every port-80 listener of its load balancers only redirects to HTTPS (and carries no listener rules).",
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

const LISTENER_TYPES = ["aws:lb/listener:Listener", "aws:alb/listener:Listener"];
const LISTENER_RULE_TYPES = ["aws:lb/listenerRule:ListenerRule", "aws:alb/listenerRule:ListenerRule"];

/** Internet-facing load balancers (`internal` not true) with the groups attached to them, by property dependency or by id. */
function publicLbs(resources: PolicyResource[]): { lb: PolicyResource; urns: Set<string>; ids: Set<string> }[] {
    return resources
        .filter((lb) => LB_TYPES.includes(lb.type) && known(lb.props, "internal") !== true)
        .map((lb) => ({
            lb,
            urns: new Set((lb.propertyDependencies?.securityGroups ?? []).map((d) => d.urn)),
            ids: new Set(list(known(lb.props, "securityGroups"))),
        }));
}

/** Whether the resource's `prop` names `target` (by property dependency, or by the target's `arn`). */
function refersTo(r: PolicyResource, prop: string, target: PolicyResource): boolean {
    if ((r.propertyDependencies?.[prop] ?? []).some((d) => d.urn === target.urn)) return true;
    const arn = known(target.props, "arn");
    return arn !== undefined && known(r.props, prop) === arn;
}

/** Every port-80 listener of the load balancer only redirects to HTTPS and holds no listener rules (and there is one). */
function port80OnlyRedirects(lb: PolicyResource, resources: PolicyResource[]): boolean {
    const listeners = resources.filter((l) => LISTENER_TYPES.includes(l.type) && refersTo(l, "loadBalancerArn", lb) && known(l.props, "port") === 80);
    if (listeners.length === 0) return false;
    return listeners.every((l) => {
        const raw = known(l.props, "defaultActions");
        const actions = (Array.isArray(raw) ? raw : []) as { type?: string; redirect?: { protocol?: string } }[];
        const redirects = actions.length > 0 && actions.every((a) => a?.type === "redirect" && a.redirect?.protocol === "HTTPS");
        const rules = resources.some((r) => LISTENER_RULE_TYPES.includes(r.type) && refersTo(r, "listenerArn", l));
        return redirects && !rules;
    });
}

export function check(args: StackValidationArgs, reportViolation: (m: string, urn?: string) => void): void {
    const groups = args.resources.filter((r) => r.type === SG_TYPE);
    const declaring = args.resources.filter((r) => r.type === SG_TYPE || r.type === SG_RULE_TYPE || r.type === SG_INGRESS_RULE_TYPE);
    if (declaring.length === 0) args.notApplicable("The stack has no security groups");
    const lbs = publicLbs(args.resources);
    const lbsOf = (sg: PolicyResource | undefined) => (sg === undefined ? [] : lbs.filter((l) => l.urns.has(sg.urn) || groupIds(sg).some((id) => l.ids.has(id))).map((l) => l.lb));
    const isPublicLbGroup = (sg: PolicyResource | undefined) => lbsOf(sg).length > 0;
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
            const http = i.protocol === "tcp" && i.fromPort === 80 && i.toPort === 80;
            if (http && isPublicLbGroup(sg) && lbsOf(sg).every((lb) => port80OnlyRedirects(lb, args.resources))) continue;
            const group = sg ? q(sg.name) : q(i.securityGroupId ?? "unknown");
            const where = r.type === SG_TYPE ? i.where : `${i.where}`;
            reportViolation(
                https
                    ? `Security group ${group} (${where}) allows tcp 443 from ${open.join(" and ")} but is not attached to an internet-facing load balancer; admit the callers' CIDRs or security groups only.`
                    : `Security group ${group} (${where}) allows ${describePorts(i)} from ${open.join(" and ")}; only tcp 443 on an internet-facing load balancer may be open to anywhere (and tcp 80 when its port-80 listeners only redirect to HTTPS).`,
                r.urn,
            );
        }
    }
}

export default stackRule(meta, check);
