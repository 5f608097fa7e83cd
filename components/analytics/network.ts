import { integerRangeProblem } from "../../functions/shared/range";

/** Pure address planning for the database VPC (private subnets only). */

function ipToInt(ip: string): number {
    return ip.split(".").reduce((n, o) => n * 256 + Number(o), 0);
}

function intToIp(n: number): string {
    return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join(".");
}

/**
 * `count` equal private subnets carved from the start of `vpcCidr`, each 4 bits
 * longer than the VPC prefix (a /16 gives /20s), e.g. 10.20.0.0/16 →
 * 10.20.0.0/20, 10.20.16.0/20, 10.20.32.0/20.
 */
export function privateSubnetCidrs(vpcCidr: string, count: number): string[] {
    const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(vpcCidr);
    if (!m || m.slice(1, 5).some((o) => Number(o) > 255)) throw new Error(`privateSubnetCidrs: \`vpcCidr\` must be an IPv4 CIDR such as "10.20.0.0/16" (received ${JSON.stringify(vpcCidr)}).`);
    const prefix = Number(m[5]);
    if (prefix < 16 || prefix > 24) throw new Error(`privateSubnetCidrs: \`vpcCidr\` must have a prefix from /16 to /24 (received ${JSON.stringify(vpcCidr)}).`);
    const countProblem = integerRangeProblem("count", count, 2, 16);
    if (countProblem !== undefined) throw new Error(`privateSubnetCidrs: ${countProblem}.`);
    const base = ipToInt(`${m[1]}.${m[2]}.${m[3]}.${m[4]}`);
    const size = 2 ** (32 - prefix);
    if (base % size !== 0) throw new Error(`privateSubnetCidrs: \`vpcCidr\` must start on a /${prefix} boundary (received ${JSON.stringify(vpcCidr)}).`);
    const sub = size / 16;
    return Array.from({ length: count }, (_, i) => `${intToIp(base + i * sub)}/${prefix + 4}`);
}
