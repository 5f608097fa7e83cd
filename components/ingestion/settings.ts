/**
 * The ingestion component's arguments, validated eagerly and resolved to their
 * defaults (the `@default`s documented on IngestionServiceArgs). No resources here.
 */
import { isKnown, validator } from "../common/validation";
import { intArgs, logRetention } from "../common/args";
import { MAX_AZS, planSubnets } from "./network";
import { VENDOR_NAME, WAF_REGEX_MAX_LENGTH, greaterThanPattern } from "./waf";
import type { IngestionServiceArgs, IngestionVendor, RoutingPolicy } from "./IngestionService";

export const ROUTING_POLICIES: readonly RoutingPolicy[] = ["simple", "weighted", "latency", "failover"];

/** Fargate CPU units → allowed memory (MiB). */
export const FARGATE_SIZES: Readonly<Record<number, readonly number[]>> = {
    256: [512, 1024, 2048],
    512: [1024, 2048, 3072, 4096],
    1024: [2048, 3072, 4096, 5120, 6144, 7168, 8192],
    2048: Array.from({ length: 13 }, (_, i) => 4096 + i * 1024),
    4096: Array.from({ length: 23 }, (_, i) => 8192 + i * 1024),
};

/** Every argument with its default applied, after validation. */
export interface IngestionSettings {
    readonly routingPolicy: RoutingPolicy;
    readonly cpu: number;
    readonly memoryMiB: number;
    readonly minTasks: number;
    readonly maxTasks: number;
    readonly desiredTasks: number;
    readonly cpuTargetPercent: number;
    readonly requestsPerTarget: number;
    readonly containerPort: number;
    readonly lingerMs: number;
    readonly maxQueueEvents: number;
    readonly maxBodyBytes: number;
    readonly stopTimeoutSeconds: number;
    readonly logRetentionDays: number;
    readonly flowLogRetentionDays: number;
    readonly accessLogRetentionDays: number;
    readonly vpcEndpoints: boolean;
    readonly wafRateLimitPerIp: number;
    readonly wafBlockedAlarmThreshold: number;
    readonly vendors: readonly IngestionVendor[];
    /** `<vendor>.<domainName>`, in the order of `vendors`. */
    readonly vendorHosts: readonly string[];
    /** The WAF body-size rule's pattern (content-length above `maxBodyBytes`). */
    readonly bodySizePattern: string;
    readonly azs: readonly string[];
    readonly vpcCidr: string;
    /** The subnets of the VPC to create (undefined with `vpcId`). */
    readonly subnetPlan: ReturnType<typeof planSubnets> | undefined;
    readonly tags: Record<string, string>;
}

/** Validates `args` (the first wrong argument throws, named with its value and what is allowed) and resolves the defaults. */
export function resolveIngestionSettings(name: string, args: IngestionServiceArgs): IngestionSettings {
    const v = validator("IngestionService", name);
    v.pattern("region", args.region, /^[a-z]{2}(-gov)?-[a-z]+-\d$/, 'an AWS region such as "eu-west-1"');
    v.pattern("domainName", args.domainName, /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, 'a lower-case DNS name such as "ingest.example.com"');
    v.pattern("hostedZoneId", args.hostedZoneId, /^Z[A-Z0-9]{1,31}$/, 'a Route 53 hosted zone id such as "Z0123456789ABCDEFGHIJ"');
    const routingPolicy = args.routingPolicy ?? "simple";
    v.oneOf("routingPolicy", routingPolicy, ROUTING_POLICIES);
    if (routingPolicy !== "simple") {
        v.check("setIdentifier", typeof args.setIdentifier === "string" && /^.{1,128}$/.test(args.setIdentifier), `a string of 1 to 128 characters when \`routingPolicy\` is "${routingPolicy}"`, args.setIdentifier);
    } else {
        v.check("setIdentifier", args.setIdentifier === undefined, 'omitted when `routingPolicy` is "simple"', args.setIdentifier);
    }
    if (routingPolicy === "weighted") {
        v.check("weight", args.weight !== undefined, 'an integer between 0 and 255 when `routingPolicy` is "weighted"', args.weight);
        v.intRange("weight", args.weight, 0, 255);
    }
    if (routingPolicy === "failover") {
        v.check("failoverRole", args.failoverRole === "PRIMARY" || args.failoverRole === "SECONDARY", 'one of "PRIMARY", "SECONDARY" when `routingPolicy` is "failover"', args.failoverRole);
    }
    v.intRange("healthCheckFailureThreshold", args.healthCheckFailureThreshold, 1, 10);
    v.check("healthCheckIntervalSeconds", args.healthCheckIntervalSeconds === undefined || args.healthCheckIntervalSeconds === 10 || args.healthCheckIntervalSeconds === 30, "10 or 30", args.healthCheckIntervalSeconds);
    if (isKnown(args.streamArn)) v.pattern("streamArn", args.streamArn, /^arn:aws[a-z-]*:kinesis:[a-z0-9-]+:\d{12}:stream\/[a-zA-Z0-9_.-]{1,128}$/, "a Kinesis stream ARN");
    const cpu = args.cpu ?? 256;
    const memoryMiB = args.memoryMiB ?? 512;
    v.check("cpu", Object.prototype.hasOwnProperty.call(FARGATE_SIZES, cpu), "one of the Fargate CPU sizes 256, 512, 1024, 2048, 4096", cpu);
    if (FARGATE_SIZES[cpu]) {
        const allowed = FARGATE_SIZES[cpu];
        v.check("memoryMiB", allowed.includes(memoryMiB), `a Fargate memory size for ${cpu} CPU units (${allowed[0]} to ${allowed[allowed.length - 1]} MiB${cpu >= 2048 ? " in 1024 MiB steps" : ": " + allowed.join(", ")})`, memoryMiB);
    }
    const minTasks = args.minTasks ?? 1;
    const maxTasks = args.maxTasks ?? 2;
    v.intRange("minTasks", minTasks, 1, 1000);
    v.intRange("maxTasks", maxTasks, 1, 1000);
    v.check("maxTasks", maxTasks >= minTasks, `at least \`minTasks\` (${minTasks})`, maxTasks);
    const desiredTasks = args.desiredTasks ?? minTasks;
    v.intRange("desiredTasks", desiredTasks, minTasks, maxTasks);
    const cpuTargetPercent = args.cpuTargetPercent ?? 60;
    v.numberRange("cpuTargetPercent", cpuTargetPercent, 10, 90);
    const {
        requestsPerTargetPerMinute: requestsPerTarget,
        containerPort,
        lingerMs,
        maxQueueEvents,
        maxBodyBytes,
        stopTimeoutSeconds,
    } = intArgs(v, args, {
        requestsPerTargetPerMinute: { default: 3000, min: 1, max: 1_000_000 },
        containerPort: { default: 8080, min: 1024, max: 65535 },
        lingerMs: { default: 20, min: 0, max: 50 },
        maxQueueEvents: { default: 50000, min: 1, max: 10_000_000 },
        maxBodyBytes: { default: 1024 * 1024, min: 1024, max: 64 * 1024 * 1024 },
        stopTimeoutSeconds: { default: 60, min: 2, max: 120 },
    });
    const logRetentionDays = logRetention(v, args.logRetentionDays, 30);
    const flowLogRetentionDays = args.flowLogRetentionDays ?? 365;
    v.logRetentionDays("flowLogRetentionDays", flowLogRetentionDays);
    const accessLogRetentionDays = args.accessLogRetentionDays ?? 90;
    v.intRange("accessLogRetentionDays", accessLogRetentionDays, 1, 3650);
    const vpcEndpoints = args.vpcEndpoints ?? true;
    const wafRateLimitPerIp = args.wafRateLimitPerIp ?? 20000;
    v.intRange("wafRateLimitPerIp", wafRateLimitPerIp, 100, 2_000_000_000);
    const wafBlockedAlarmThreshold = args.wafBlockedAlarmThreshold ?? 1000;
    v.intRange("wafBlockedAlarmThreshold", wafBlockedAlarmThreshold, 1, 1_000_000_000);
    const vendors = args.vendors ?? [];
    v.check("vendors", Array.isArray(vendors) && vendors.length <= 20, "a list of at most 20 vendors", vendors);
    const vendorNames = new Set<string>();
    vendors.forEach((vendor, i) => {
        v.pattern(`vendors[${i}].name`, vendor.name, VENDOR_NAME, "a lower-case DNS label of 2 to 32 letters, digits or dashes, starting with a letter");
        v.check(`vendors[${i}].name`, !vendorNames.has(vendor.name), "unique among `vendors`", vendor.name);
        vendorNames.add(vendor.name);
        v.intRange(`vendors[${i}].rateLimitPerFiveMinutes`, vendor.rateLimitPerFiveMinutes, 100, 2_000_000_000);
        if (vendor.dedicatedTasks !== undefined) {
            v.intRange(`vendors[${i}].dedicatedTasks.minTasks`, vendor.dedicatedTasks.minTasks, 1, 1000);
            v.intRange(`vendors[${i}].dedicatedTasks.maxTasks`, vendor.dedicatedTasks.maxTasks, 1, 1000);
            v.check(
                `vendors[${i}].dedicatedTasks.maxTasks`,
                vendor.dedicatedTasks.maxTasks >= vendor.dedicatedTasks.minTasks,
                `at least \`vendors[${i}].dedicatedTasks.minTasks\` (${vendor.dedicatedTasks.minTasks})`,
                vendor.dedicatedTasks.maxTasks,
            );
        }
    });
    const bodySizePattern = greaterThanPattern(maxBodyBytes);
    v.check("maxBodyBytes", bodySizePattern.length <= WAF_REGEX_MAX_LENGTH, `small enough for the WAF size rule's pattern (${WAF_REGEX_MAX_LENGTH} characters)`, maxBodyBytes);
    if (args.vpcId !== undefined) {
        v.check("publicSubnetIds", Array.isArray(args.publicSubnetIds) && args.publicSubnetIds.length >= 2, "at least 2 public subnet ids when `vpcId` is given", args.publicSubnetIds);
        v.check("privateSubnetIds", Array.isArray(args.privateSubnetIds) && args.privateSubnetIds.length >= 2, "at least 2 private subnet ids when `vpcId` is given", args.privateSubnetIds);
        v.check("vpcCidr", args.vpcCidr === undefined, "omitted when `vpcId` is given", args.vpcCidr);
    } else {
        v.check("publicSubnetIds", args.publicSubnetIds === undefined, "given only with `vpcId`", args.publicSubnetIds);
        v.check("privateSubnetIds", args.privateSubnetIds === undefined, "given only with `vpcId`", args.privateSubnetIds);
    }
    const azs = args.availabilityZones ?? [`${args.region}a`, `${args.region}b`];
    v.check(
        "availabilityZones",
        Array.isArray(azs) && azs.length >= 2 && azs.length <= MAX_AZS && new Set(azs).size === azs.length && azs.every((z) => typeof z === "string" && z.startsWith(args.region)),
        `2 to ${MAX_AZS} distinct zones of region ${args.region}`,
        azs,
    );
    const vpcCidr = args.vpcCidr ?? "10.10.0.0/16";
    let subnetPlan: ReturnType<typeof planSubnets> | undefined;
    if (args.vpcId === undefined) {
        try {
            subnetPlan = planSubnets(vpcCidr, azs.length);
        } catch {
            v.fail("vpcCidr", 'an IPv4 network CIDR from /16 to /22 (such as "10.10.0.0/16")', vpcCidr);
        }
    }
    return {
        routingPolicy,
        cpu,
        memoryMiB,
        minTasks,
        maxTasks,
        desiredTasks,
        cpuTargetPercent,
        requestsPerTarget,
        containerPort,
        lingerMs,
        maxQueueEvents,
        maxBodyBytes,
        stopTimeoutSeconds,
        logRetentionDays,
        flowLogRetentionDays,
        accessLogRetentionDays,
        vpcEndpoints,
        wafRateLimitPerIp,
        wafBlockedAlarmThreshold,
        vendors,
        vendorHosts: vendors.map((vendor) => `${vendor.name}.${args.domainName}`),
        bodySizePattern,
        azs,
        vpcCidr,
        subnetPlan,
        tags: args.tags ?? {},
    };
}
