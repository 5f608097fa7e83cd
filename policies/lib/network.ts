/** Security-group ingress read out of the three ways AWS provider v7 declares it. */
import type { PolicyResource } from "@pulumi/policy";
import { known } from "./util";

export const SG_TYPE = "aws:ec2/securityGroup:SecurityGroup";
export const SG_RULE_TYPE = "aws:ec2/securityGroupRule:SecurityGroupRule";
export const SG_INGRESS_RULE_TYPE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";
export const LB_TYPES = ["aws:lb/loadBalancer:LoadBalancer", "aws:alb/loadBalancer:LoadBalancer"];
export const ANYWHERE = ["0.0.0.0/0", "::/0"];

export interface Ingress {
    /** "tcp", "udp", "icmp", "-1" (all), ... (lower-cased; "6" is tcp, "17" udp). */
    readonly protocol: string;
    readonly fromPort?: number;
    readonly toPort?: number;
    /** IPv4 and IPv6 CIDRs the rule admits. */
    readonly cidrs: string[];
    /** `securityGroupId` of a standalone rule (the group it belongs to). */
    readonly securityGroupId?: string;
    /** Where it was declared, for messages: `ingress[0]` or `rule "name"`. */
    readonly where: string;
}

function protocolOf(v: unknown): string {
    const p = String(v ?? "-1").toLowerCase();
    return p === "6" ? "tcp" : p === "17" ? "udp" : p === "all" ? "-1" : p;
}

const strings = (...vs: unknown[]): string[] => vs.flatMap((v) => (v === undefined || v === null ? [] : Array.isArray(v) ? v : [v])).filter((x): x is string => typeof x === "string");

/** Ingress entries declared by one resource (an SG's inline `ingress`, an ingress SecurityGroupRule, a SecurityGroupIngressRule). */
export function ingressOf(type: string, name: string, props: Record<string, any>): Ingress[] {
    if (type === SG_TYPE) {
        const ingress = known(props, "ingress");
        return (Array.isArray(ingress) ? ingress : []).map((r: any, i: number) => ({
            protocol: protocolOf(r?.protocol),
            fromPort: r?.fromPort,
            toPort: r?.toPort,
            cidrs: strings(r?.cidrBlocks, r?.ipv6CidrBlocks),
            where: `ingress[${i}]`,
        }));
    }
    if (type === SG_RULE_TYPE) {
        if (props.type !== "ingress") return [];
        return [
            { protocol: protocolOf(props.protocol), fromPort: props.fromPort, toPort: props.toPort, cidrs: strings(props.cidrBlocks, props.ipv6CidrBlocks), securityGroupId: props.securityGroupId, where: `rule ${JSON.stringify(name)}` },
        ];
    }
    if (type === SG_INGRESS_RULE_TYPE) {
        return [{ protocol: protocolOf(props.ipProtocol), fromPort: props.fromPort, toPort: props.toPort, cidrs: strings(props.cidrIpv4, props.cidrIpv6), securityGroupId: props.securityGroupId, where: `rule ${JSON.stringify(name)}` }];
    }
    return [];
}

export function fromAnywhere(i: Ingress): string[] {
    return i.cidrs.filter((c) => ANYWHERE.includes(c));
}

/** True when every port of `port`'s protocol family is reachable through `i` (all protocols, or tcp/udp covering the port). */
export function reachesPort(i: Ingress, port: number): boolean {
    if (i.protocol === "-1") return true;
    if (i.protocol !== "tcp" && i.protocol !== "udp") return false;
    const from = i.fromPort ?? 0;
    const to = i.toPort ?? 65535;
    return from <= port && port <= to;
}

/** "all traffic", "tcp 443", "tcp 0-65535". */
export function describePorts(i: Ingress): string {
    if (i.protocol === "-1") return "all traffic";
    if (i.fromPort === undefined && i.toPort === undefined) return `${i.protocol} (all ports)`;
    return i.fromPort === i.toPort ? `${i.protocol} ${i.fromPort}` : `${i.protocol} ${i.fromPort}-${i.toPort}`;
}

/** The id other resources use for a group (`id`, else the tail of its ARN). */
export function groupIds(sg: PolicyResource): string[] {
    const out: string[] = [];
    const id = known(sg.props, "id");
    if (typeof id === "string" && id) out.push(id);
    const arn = known(sg.props, "arn");
    if (typeof arn === "string" && arn.includes("/")) out.push(arn.slice(arn.lastIndexOf("/") + 1));
    return out;
}
