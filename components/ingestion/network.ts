/**
 * Pure helpers of the ingestion component: subnet layout and the Elastic Load
 * Balancing log-delivery accounts (no Pulumi resources here).
 */
import { assertIntegerInRange } from "../../functions/shared/range";

export interface SubnetPlan {
    /** One per availability zone, for the ALB (a /(p+4) each, from the VPC's last quarter). */
    readonly publicCidrs: string[];
    /** One per availability zone, for tasks and endpoints (a /(p+2) each). */
    readonly privateCidrs: string[];
}

function ipToInt(ip: string): number {
    return ip.split(".").reduce((n, o) => n * 256 + Number(o), 0);
}

function intToIp(n: number): string {
    return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join(".");
}

/** Parses "a.b.c.d/p" (network address, no host bits); undefined when malformed. */
export function parseCidr(cidr: string): { base: number; prefix: number } | undefined {
    const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr);
    if (!m) return undefined;
    const octets = m.slice(1, 5).map(Number);
    const prefix = Number(m[5]);
    if (octets.some((o) => o > 255) || prefix > 32) return undefined;
    const base = ipToInt(octets.join("."));
    if (base % 2 ** (32 - prefix) !== 0) return undefined;
    return { base, prefix };
}

export const MIN_VPC_PREFIX = 16;
export const MAX_VPC_PREFIX = 22;
export const MAX_AZS = 3;

/**
 * Splits a VPC CIDR (/16../22) into per-AZ subnets: private subnets are the
 * first `azCount` quarters (/p+2), public subnets are /p+4 blocks of the last
 * quarter (so a /22 VPC still gets /26 public subnets, above the ALB's /27 minimum).
 * Subnets never overlap and all lie inside the VPC.
 */
export function planSubnets(vpcCidr: string, azCount: number): SubnetPlan {
    const parsed = parseCidr(vpcCidr);
    if (!parsed || parsed.prefix < MIN_VPC_PREFIX || parsed.prefix > MAX_VPC_PREFIX) {
        throw new RangeError(`vpcCidr must be an IPv4 network CIDR from /${MIN_VPC_PREFIX} to /${MAX_VPC_PREFIX}; received ${JSON.stringify(vpcCidr)}`);
    }
    assertIntegerInRange("azCount", azCount, 2, MAX_AZS);
    const size = 2 ** (32 - parsed.prefix);
    const quarter = size / 4;
    const sixteenth = size / 16;
    const privateCidrs = Array.from({ length: azCount }, (_, i) => `${intToIp(parsed.base + i * quarter)}/${parsed.prefix + 2}`);
    const publicCidrs = Array.from({ length: azCount }, (_, i) => `${intToIp(parsed.base + 3 * quarter + i * sixteenth)}/${parsed.prefix + 4}`);
    return { publicCidrs, privateCidrs };
}

/**
 * Elastic Load Balancing accounts that deliver ALB access logs in the regions
 * that predate August 2022 (AWS docs, "Enable access logs for your Application
 * Load Balancer", checked 2026-11). Newer regions use the service principal
 * logdelivery.elasticloadbalancing.amazonaws.com, which the bucket policy
 * always names as well.
 */
export const ELB_LOG_DELIVERY_ACCOUNTS: Readonly<Record<string, string>> = {
    "us-east-1": "127311923021",
    "us-east-2": "033677994240",
    "us-west-1": "027434742980",
    "us-west-2": "797873946194",
    "af-south-1": "098369216593",
    "ap-east-1": "754344448648",
    "ap-southeast-3": "589379963580",
    "ap-south-1": "718504428378",
    "ap-northeast-3": "383597477331",
    "ap-northeast-2": "600734575887",
    "ap-southeast-1": "114774131450",
    "ap-southeast-2": "783225319266",
    "ap-northeast-1": "582318560864",
    "ca-central-1": "985666609251",
    "eu-central-1": "054676820928",
    "eu-west-1": "156460612806",
    "eu-west-2": "652711504416",
    "eu-south-1": "635631232127",
    "eu-west-3": "009996457667",
    "eu-north-1": "897822967062",
    "me-south-1": "076674570225",
    "sa-east-1": "507241528517",
};
