/**
 * The front door: Route 53 → ALB (HTTPS) → ingestion service on ECS Fargate →
 * Kinesis (docs/design.md §1 and §3.2). The equivalent of the source design's Elastic
 * Beanstalk application, from plain @pulumi/aws resources.
 *
 * Creates:
 * - network (unless `vpcId` is given): aws.ec2.Vpc, public subnets (ALB) with an
 *   internet gateway and route table, private subnets (tasks) with a route table
 *   that has NO internet route: everything the tasks need goes through VPC
 *   endpoints (interface: kinesis-streams, ecr.api, ecr.dkr, logs; gateway: s3),
 *   so stream traffic never crosses a NAT;
 * - security groups: ALB (443 and 80-for-redirect from anywhere, out only to the
 *   tasks), tasks (container port only from the ALB SG), endpoints (443 only
 *   from the tasks);
 * - aws.acm.Certificate validated by DNS (aws.route53.Record per validation
 *   option + aws.acm.CertificateValidation);
 * - aws.lb.LoadBalancer (internet-facing, public subnets, invalid header fields
 *   dropped, deletion protection per arg, access logs to a hardened bucket),
 *   HTTPS listener (ELBSecurityPolicy-TLS13-1-2-2021-06) forwarding to an IP
 *   target group checked on /healthz, HTTP listener that only redirects to HTTPS;
 * - access-log bucket: aws.s3.Bucket + public access block, BucketOwnerEnforced,
 *   SSE-S3 (the only encryption ALB log delivery supports), versioning, lifecycle
 *   expiry, and a policy allowing only ELB log delivery to write under
 *   `alb/AWSLogs/<account>/` plus TLS-only access;
 * - aws.kms.Key (rotation on) for the log group and the ECR repository, unless `kmsKeyArn`;
 * - aws.cloudwatch.LogGroup (retention, KMS);
 * - aws.ecr.Repository (scan on push, immutable tags, KMS) + lifecycle policy, and
 *   the image built from functions/ingest/Dockerfile with @pulumi/docker-build
 *   (unless `image` is given) tagged with a hash of the service sources, pushed
 *   with an ECR authorization token read through this component's provider
 *   (`registryAuth` overrides it);
 * - aws.ecs.Cluster (Container Insights enabled), aws.ecs.TaskDefinition (Fargate,
 *   non-root image, read-only root file system), aws.ecs.Service in the private
 *   subnets without public IPs, circuit breaker with rollback;
 * - aws.iam.Role for the task (may only put records to its stream, plus the
 *   stream key's GenerateDataKey) and for task execution (pull this repository,
 *   write this log group);
 * - aws.appautoscaling.Target + target-tracking policies on CPU and
 *   ALBRequestCountPerTarget, between `minTasks` and `maxTasks`;
 * - aws.route53.HealthCheck (HTTPS /healthz on this ALB) and the aws.route53.Record
 *   alias (simple, weighted, latency or failover routing);
 * - alarms, built only from the metric helpers: ALB 5xx, target 5xx, p99 target
 *   response time, unhealthy hosts, ECS CPU, ECS memory, Route 53 health check,
 *   WAF blocked-request spike, requests shed (429/503) and events failed (the
 *   service's EMF counters);
 * - the key store: aws.secretsmanager.Secret `<name>-ingest-keys` (under the
 *   component key) with an initial SecretVersion `{"version":1,"keys":[]}` whose
 *   string is ignored afterwards (the ops command owns its content); the task gets
 *   its ARN as INGEST_KEYS_SECRET_ARN and may only read it (GetSecretValue, and
 *   kms:Decrypt through Secrets Manager);
 * - AWS WAF v2 (aws.wafv2.WebAcl, REGIONAL, associated with the ALB): IP
 *   reputation, a per-IP rate limit, a request-size rule on `content-length`
 *   (waf.ts explains why not the body), per-vendor request counters and rate
 *   limits scoped to the vendor's host header, the AWS common and known-bad-inputs
 *   rule groups; logs to the KMS-encrypted log group `aws-waf-logs-<stack>-<name>`
 *   with the Authorization header redacted;
 * - per vendor (`vendors`): the hostname `<vendor>.<domainName>` as a SAN of the
 *   one certificate (with its validation record), a Route 53 record, an HTTPS
 *   listener rule on the host header, and optionally (`dedicatedTasks`) its own
 *   target group, ECS service and autoscaling;
 * - when the VPC is created here: its default security group managed with no
 *   rules, and VPC flow logs (ALL traffic) to a KMS-encrypted log group.
 *
 * Route 53 publishes HealthCheckStatus only in us-east-1: pass `usEast1Provider`
 * (same account, region us-east-1); the health check and its alarm are then
 * created with it (the alarm is a child of the health check, so it inherits that
 * provider). Without it the health check uses the component's provider and the
 * "dns-health" alarm is created only when `region` is us-east-1.
 */
import { KinesisStreamRef } from "../common/grants";
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import * as aws from "@pulumi/aws";
import * as dockerBuild from "@pulumi/docker-build";
import * as pulumi from "@pulumi/pulumi";
import { AlarmDefinition, AlarmSettings, createAlarm, createAlarms } from "../common/alarms";
import { denyInsecureTransport, grant, policyDocument, serviceTrustPolicy } from "../common/iam";
import { MetricOptions, MetricSpec, metric } from "../common/metrics";
import { isKnown, validator } from "../common/validation";
import { vpcFlowLogs } from "../common/flowLogs";
import { INGEST_IMAGE_CONTEXT } from "../common/bundle";
import { ELB_LOG_DELIVERY_ACCOUNTS, MAX_AZS, planSubnets } from "./network";
import { VENDOR_NAME, WAF_REGEX_MAX_LENGTH, greaterThanPattern } from "./waf";

/** CloudWatch namespace of the service's embedded metrics (functions/ingest/metrics.ts). */
export const INGEST_METRICS_NAMESPACE = "FlightStream/Ingestion";

export type RoutingPolicy = "simple" | "weighted" | "latency" | "failover";
export const ROUTING_POLICIES: readonly RoutingPolicy[] = ["simple", "weighted", "latency", "failover"];

/** TLS 1.3 with TLS 1.2 fallback; nothing older. */
export const TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06";

/** Fargate CPU units → allowed memory (MiB). */
/** The key store's initial document (the service's key-store format, version 1, no keys). */
export const INITIAL_KEY_STORE = '{"version":1,"keys":[]}';

/** AWS managed rule groups on the ingestion web ACL, in evaluation order after the custom rules. */
export const WAF_MANAGED_RULE_GROUPS = ["AWSManagedRulesAmazonIpReputationList", "AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet"] as const;

/** One vendor with its own hostname on the front door. */
export interface IngestionVendor {
  /** Lower-case DNS label (2 to 32 characters); the hostname is `<name>.<domainName>`. */
  readonly name: string;
  /** Requests per 5 minutes, from all of the vendor's clients together, before WAF blocks its host (100..2000000000). @default 300000 */
  readonly rateLimitPerFiveMinutes?: number;
  /** Own target group and ECS service (same task definition) with this capacity. @default - served by the shared service */
  readonly dedicatedTasks?: { readonly minTasks: number; readonly maxTasks: number };
}

/** What the component created for one vendor. */
export interface VendorFrontDoor {
  readonly name: string;
  readonly hostname: string;
  readonly record: aws.route53.Record;
  readonly listenerRule: aws.lb.ListenerRule;
  /** The vendor's own target group (with `dedicatedTasks`), else the shared one. */
  readonly targetGroup: aws.lb.TargetGroup;
  readonly service?: aws.ecs.Service;
  /** WAF rule names: request counter and rate limit (the `Rule` dimension of their metrics). */
  readonly countRuleName: string;
  readonly rateRuleName: string;
}

export const FARGATE_SIZES: Readonly<Record<number, readonly number[]>> = {
  256: [512, 1024, 2048],
  512: [1024, 2048, 3072, 4096],
  1024: [2048, 3072, 4096, 5120, 6144, 7168, 8192],
  2048: Array.from({ length: 13 }, (_, i) => 4096 + i * 1024),
  4096: Array.from({ length: 23 }, (_, i) => 8192 + i * 1024),
};


export interface IngestionServiceArgs {
  /** Account the component is deployed in (bucket, key and trust policies name it). */
  readonly accountId: pulumi.Input<string>;
  /** Region of the component's provider (endpoint service names, latency routing, ELB log delivery). */
  readonly region: string;

  /** DNS name clients use, e.g. "ingest.example.com". */
  readonly domainName: string;
  /** Hosted zone that holds `domainName`. */
  readonly hostedZoneId: pulumi.Input<string>;
  /** @default "simple" */
  readonly routingPolicy?: RoutingPolicy;
  /** Distinguishes this record among records of the same name; required unless routing is "simple". */
  readonly setIdentifier?: string;
  /** Weight 0..255; required for "weighted". */
  readonly weight?: number;
  /** Required for "failover". */
  readonly failoverRole?: "PRIMARY" | "SECONDARY";
  /** Consecutive failed checks before Route 53 marks the endpoint unhealthy, 1..10. @default 3 */
  readonly healthCheckFailureThreshold?: number;
  /** Seconds between Route 53 checks: 10 or 30. @default 30 */
  readonly healthCheckIntervalSeconds?: number;
  /** Provider in us-east-1 (same account) for the health check and its alarm. @default - the component's provider */
  readonly usEast1Provider?: aws.Provider;

  /** The stream the service writes to. */
  readonly streamName: pulumi.Input<string>;
  readonly streamArn: pulumi.Input<string>;
  /** KMS key of the stream (the task role gets kms:GenerateDataKey on it). @default - stream not encrypted with a customer key */
  readonly streamKmsKeyArn?: pulumi.Input<string>;

  /** CIDR of the VPC to create, /16../22. @default "10.10.0.0/16" */
  readonly vpcCidr?: string;
  /** Availability zones, 2..3. @default - `${region}a` and `${region}b` */
  readonly availabilityZones?: string[];
  /** Use an existing VPC instead of creating one (then also pass the subnet ids). @default - a VPC is created */
  readonly vpcId?: pulumi.Input<string>;
  /** Public subnets for the ALB (with `vpcId`). */
  readonly publicSubnetIds?: pulumi.Input<string>[];
  /** Private subnets for the tasks and endpoints (with `vpcId`). */
  readonly privateSubnetIds?: pulumi.Input<string>[];
  /** Route tables of the private subnets, for the S3 gateway endpoint (with `vpcId`). @default - no S3 gateway endpoint */
  readonly privateRouteTableIds?: pulumi.Input<string>[];
  /** Create the interface and gateway VPC endpoints. @default true */
  readonly vpcEndpoints?: boolean;

  /** Fargate CPU units: 256, 512, 1024, 2048 or 4096. @default 256 */
  readonly cpu?: number;
  /** Task memory in MiB, valid for `cpu`. @default 512 */
  readonly memoryMiB?: number;
  /** @default 1 */
  readonly minTasks?: number;
  /** @default 2 */
  readonly maxTasks?: number;
  /** @default - `minTasks` */
  readonly desiredTasks?: number;
  /** Target average CPU for scaling, 10..90 %. @default 60 */
  readonly cpuTargetPercent?: number;
  /** Target requests per task per minute (ALBRequestCountPerTarget). @default 3000 */
  readonly requestsPerTargetPerMinute?: number;
  /** @default 8080 */
  readonly containerPort?: number;
  /** Producer linger (LINGER_MS), 0..50 ms. @default 20 */
  readonly lingerMs?: number;
  /** MAX_QUEUE_EVENTS of the service. @default 50000 */
  readonly maxQueueEvents?: number;
  /** MAX_BODY_BYTES of the service, 1024..67108864. @default 1048576 */
  readonly maxBodyBytes?: number;
  /** Seconds ECS waits after SIGTERM before SIGKILL (the drain budget), 2..120. @default 60 */
  readonly stopTimeoutSeconds?: number;
  /** A prebuilt image URI; when set nothing is built. @default - built from functions/ingest/Dockerfile and pushed to the repository */
  readonly image?: pulumi.Input<string>;
  /**
   * Registry credentials for the push (an override, e.g. a pull-through cache or
   * a CI's short-lived robot credentials). @default - an ECR authorization token
   * for the repository's registry, read at every preview/update through the
   * component's own AWS provider (`aws.ecr.getAuthorizationTokenOutput`), so no
   * `docker login` is needed before `pulumi up`
   */
  readonly registryAuth?: { readonly username: pulumi.Input<string>; readonly password: pulumi.Input<string> };

  /** Per-vendor hostnames, routing, capacity and rate limits. @default [] */
  readonly vendors?: IngestionVendor[];
  /** Requests per 5 minutes from one client IP before WAF blocks it (100..2000000000). @default 20000 */
  readonly wafRateLimitPerIp?: number;
  /** Requests WAF blocks in 5 minutes that raise the "waf-blocked-spike" alarm. @default 1000 */
  readonly wafBlockedAlarmThreshold?: number;
  /** @default 30 */
  readonly logRetentionDays?: number;
  /** Retention of the VPC flow logs (audit logs: the policy pack asks for at least 365 days). @default 365 */
  readonly flowLogRetentionDays?: number;
  /** KMS key for the log group and repository. @default - a key with rotation is created */
  readonly kmsKeyArn?: pulumi.Input<string>;
  /** ALB deletion protection (set true in prod). @default false */
  readonly deletionProtection?: boolean;
  /** Days ALB access logs are kept. @default 90 */
  readonly accessLogRetentionDays?: number;

  /**
   * Alarm settings; conditions: "alb-5xx", "target-5xx", "latency-p99",
   * "unhealthy-hosts", "cpu-high", "memory-high", "dns-health", "waf-blocked-spike".
   */
  readonly alarms?: AlarmSettings;
  /** Extra tags for taggable children (required tags come from provider defaultTags). */
  readonly tags?: Record<string, string>;
}

/** The image build context: the repository root, or the package's dist/image (components/common/bundle.ts). */
const REPO_ROOT = INGEST_IMAGE_CONTEXT;
const SERVICE_DIRS = ["functions/ingest", "functions/shared"];

/** sha256 (first 16 hex) of the files the image is built from; the image tag (tags are immutable). */
export function serviceSourceHash(root = REPO_ROOT): string {
  const hash = crypto.createHash("sha256");
  const files: string[] = ["package.json", "package-lock.json"];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(path.join(root, dir), { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const rel = `${dir}/${entry.name}`;
      if (entry.isDirectory()) walk(rel);
      else files.push(rel);
    }
  };
  for (const dir of SERVICE_DIRS) if (fs.existsSync(path.join(root, dir))) walk(dir);
  for (const f of files) {
    hash.update(f);
    hash.update(fs.readFileSync(path.join(root, f)));
  }
  return hash.digest("hex").slice(0, 16);
}

export class IngestionService extends pulumi.ComponentResource {
  readonly vpcId: pulumi.Output<string>;
  readonly vpc?: aws.ec2.Vpc;
  readonly publicSubnetIds: pulumi.Output<string>[];
  readonly privateSubnetIds: pulumi.Output<string>[];
  readonly albSecurityGroup: aws.ec2.SecurityGroup;
  readonly taskSecurityGroup: aws.ec2.SecurityGroup;
  readonly endpointSecurityGroup?: aws.ec2.SecurityGroup;
  readonly vpcEndpoints: aws.ec2.VpcEndpoint[] = [];
  readonly certificate: aws.acm.Certificate;
  readonly certificateValidation: aws.acm.CertificateValidation;
  readonly accessLogBucket: aws.s3.Bucket;
  readonly loadBalancer: aws.lb.LoadBalancer;
  readonly targetGroup: aws.lb.TargetGroup;
  readonly httpsListener: aws.lb.Listener;
  readonly httpListener: aws.lb.Listener;
  readonly key?: aws.kms.Key;
  readonly logGroup: aws.cloudwatch.LogGroup;
  readonly repository: aws.ecr.Repository;
  readonly image?: dockerBuild.Image;
  readonly imageUri: pulumi.Output<string>;
  readonly cluster: aws.ecs.Cluster;
  readonly taskRole: aws.iam.Role;
  readonly executionRole: aws.iam.Role;
  readonly taskDefinition: aws.ecs.TaskDefinition;
  readonly service: aws.ecs.Service;
  readonly scalingTarget: aws.appautoscaling.Target;
  readonly scalingPolicies: aws.appautoscaling.Policy[];
  readonly healthCheck: aws.route53.HealthCheck;
  readonly record: aws.route53.Record;
  readonly alarms: aws.cloudwatch.MetricAlarm[];
  /** The key store (hashed per-source keys) the service reads. */
  readonly keyStoreSecret: aws.secretsmanager.Secret;
  readonly keyStoreSecretArn: pulumi.Output<string>;
  readonly webAcl: aws.wafv2.WebAcl;
  readonly wafLogGroup: aws.cloudwatch.LogGroup;
  readonly vendors: VendorFrontDoor[] = [];
  /** The created VPC's default security group, managed with no rules. */
  readonly defaultSecurityGroup?: aws.ec2.DefaultSecurityGroup;
  readonly flowLog?: aws.ec2.FlowLog;
  readonly flowLogGroup?: aws.cloudwatch.LogGroup;
  /** https://<domainName> */
  readonly url: string;
  private readonly streamName: pulumi.Input<string>;
  private readonly region: string;

  constructor(name: string, args: IngestionServiceArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("flightstream:ingestion:IngestionService", name, {}, opts);
    const v = validator("IngestionService", name);
    this.streamName = args.streamName;
    this.region = args.region;

    // ---- validation (eager; unknown values skipped) ----
    v.pattern("region", args.region, /^[a-z]{2}(-gov)?-[a-z]+-\d$/, "an AWS region such as \"eu-west-1\"");
    v.pattern("domainName", args.domainName, /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, "a lower-case DNS name such as \"ingest.example.com\"");
    v.pattern("hostedZoneId", args.hostedZoneId, /^Z[A-Z0-9]{1,31}$/, "a Route 53 hosted zone id such as \"Z0123456789ABCDEFGHIJ\"");
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
    const requestsPerTarget = args.requestsPerTargetPerMinute ?? 3000;
    v.intRange("requestsPerTargetPerMinute", requestsPerTarget, 1, 1_000_000);
    const containerPort = args.containerPort ?? 8080;
    v.intRange("containerPort", containerPort, 1024, 65535);
    const lingerMs = args.lingerMs ?? 20;
    v.intRange("lingerMs", lingerMs, 0, 50);
    const maxQueueEvents = args.maxQueueEvents ?? 50000;
    v.intRange("maxQueueEvents", maxQueueEvents, 1, 10_000_000);
    const maxBodyBytes = args.maxBodyBytes ?? 1024 * 1024;
    v.intRange("maxBodyBytes", maxBodyBytes, 1024, 64 * 1024 * 1024);
    const stopTimeoutSeconds = args.stopTimeoutSeconds ?? 60;
    v.intRange("stopTimeoutSeconds", stopTimeoutSeconds, 2, 120);
    const logRetentionDays = args.logRetentionDays ?? 30;
    v.logRetentionDays("logRetentionDays", logRetentionDays);
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
        v.check(`vendors[${i}].dedicatedTasks.maxTasks`, vendor.dedicatedTasks.maxTasks >= vendor.dedicatedTasks.minTasks, `at least \`vendors[${i}].dedicatedTasks.minTasks\` (${vendor.dedicatedTasks.minTasks})`, vendor.dedicatedTasks.maxTasks);
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
    v.check("availabilityZones", Array.isArray(azs) && azs.length >= 2 && azs.length <= MAX_AZS && new Set(azs).size === azs.length && azs.every((z) => typeof z === "string" && z.startsWith(args.region)), `2 to ${MAX_AZS} distinct zones of region ${args.region}`, azs);
    const vpcCidr = args.vpcCidr ?? "10.10.0.0/16";
    let subnetPlan: ReturnType<typeof planSubnets> | undefined;
    if (args.vpcId === undefined) {
      try {
        subnetPlan = planSubnets(vpcCidr, azs.length);
      } catch {
        v.fail("vpcCidr", "an IPv4 network CIDR from /16 to /22 (such as \"10.10.0.0/16\")", vpcCidr);
      }
    }

    const parent = { parent: this };
    const tags = args.tags ?? {};
    const region = args.region;
    const accountId = pulumi.output(args.accountId);
    this.url = `https://${args.domainName}`;

    // ---- network ----
    let privateRouteTableIds: pulumi.Input<string>[];
    if (args.vpcId === undefined) {
      this.vpc = new aws.ec2.Vpc(`${name}-vpc`, { cidrBlock: vpcCidr, enableDnsHostnames: true, enableDnsSupport: true, tags: { ...tags, Name: `${name}-vpc` } }, parent);
      // Adopted and stripped: nothing may use the default group by accident.
      this.defaultSecurityGroup = new aws.ec2.DefaultSecurityGroup(`${name}-default-sg`, { vpcId: this.vpc.id, ingress: [], egress: [], tags: { ...tags, Name: `${name}-default (unused, no rules)` } }, parent);
      const igw = new aws.ec2.InternetGateway(`${name}-igw`, { vpcId: this.vpc.id, tags: { ...tags, Name: `${name}-igw` } }, parent);
      const publicRt = new aws.ec2.RouteTable(`${name}-public-rt`, { vpcId: this.vpc.id, tags: { ...tags, Name: `${name}-public` } }, parent);
      new aws.ec2.Route(`${name}-public-default`, { routeTableId: publicRt.id, destinationCidrBlock: "0.0.0.0/0", gatewayId: igw.id }, parent);
      const privateRt = new aws.ec2.RouteTable(`${name}-private-rt`, { vpcId: this.vpc.id, tags: { ...tags, Name: `${name}-private` } }, parent);
      const publicSubnets = azs.map((az, i) => {
        const s = new aws.ec2.Subnet(`${name}-public-${i}`, { vpcId: this.vpc!.id, cidrBlock: subnetPlan!.publicCidrs[i], availabilityZone: az, mapPublicIpOnLaunch: false, tags: { ...tags, Name: `${name}-public-${az}`, Tier: "public" } }, parent);
        new aws.ec2.RouteTableAssociation(`${name}-public-${i}`, { subnetId: s.id, routeTableId: publicRt.id }, parent);
        return s;
      });
      const privateSubnets = azs.map((az, i) => {
        const s = new aws.ec2.Subnet(`${name}-private-${i}`, { vpcId: this.vpc!.id, cidrBlock: subnetPlan!.privateCidrs[i], availabilityZone: az, mapPublicIpOnLaunch: false, tags: { ...tags, Name: `${name}-private-${az}`, Tier: "private" } }, parent);
        new aws.ec2.RouteTableAssociation(`${name}-private-${i}`, { subnetId: s.id, routeTableId: privateRt.id }, parent);
        return s;
      });
      this.vpcId = this.vpc.id;
      this.publicSubnetIds = publicSubnets.map((s) => s.id);
      this.privateSubnetIds = privateSubnets.map((s) => s.id);
      privateRouteTableIds = [privateRt.id];
    } else {
      this.vpcId = pulumi.output(args.vpcId);
      this.publicSubnetIds = args.publicSubnetIds!.map((s) => pulumi.output(s));
      this.privateSubnetIds = args.privateSubnetIds!.map((s) => pulumi.output(s));
      privateRouteTableIds = args.privateRouteTableIds ?? [];
    }

    // ---- security groups ----
    this.albSecurityGroup = new aws.ec2.SecurityGroup(`${name}-alb-sg`, { vpcId: this.vpcId, description: `${name}: internet-facing ALB (HTTPS; HTTP only redirects)`, tags: { ...tags, Name: `${name}-alb` } }, parent);
    this.taskSecurityGroup = new aws.ec2.SecurityGroup(`${name}-task-sg`, { vpcId: this.vpcId, description: `${name}: ingestion tasks (only the ALB reaches them)`, tags: { ...tags, Name: `${name}-tasks` } }, parent);
    new aws.vpc.SecurityGroupIngressRule(`${name}-alb-https`, { securityGroupId: this.albSecurityGroup.id, ipProtocol: "tcp", fromPort: 443, toPort: 443, cidrIpv4: "0.0.0.0/0", description: "HTTPS from anywhere" }, parent);
    new aws.vpc.SecurityGroupIngressRule(`${name}-alb-http`, { securityGroupId: this.albSecurityGroup.id, ipProtocol: "tcp", fromPort: 80, toPort: 80, cidrIpv4: "0.0.0.0/0", description: "HTTP, answered only with a redirect to HTTPS" }, parent);
    new aws.vpc.SecurityGroupEgressRule(`${name}-alb-to-tasks`, { securityGroupId: this.albSecurityGroup.id, ipProtocol: "tcp", fromPort: containerPort, toPort: containerPort, referencedSecurityGroupId: this.taskSecurityGroup.id, description: "to the ingestion tasks" }, parent);
    new aws.vpc.SecurityGroupIngressRule(`${name}-task-from-alb`, { securityGroupId: this.taskSecurityGroup.id, ipProtocol: "tcp", fromPort: containerPort, toPort: containerPort, referencedSecurityGroupId: this.albSecurityGroup.id, description: "from the ALB only" }, parent);
    new aws.vpc.SecurityGroupEgressRule(`${name}-task-https-out`, { securityGroupId: this.taskSecurityGroup.id, ipProtocol: "tcp", fromPort: 443, toPort: 443, cidrIpv4: "0.0.0.0/0", description: "HTTPS to VPC endpoints (Kinesis, ECR, Logs, S3)" }, parent);

    // ---- VPC endpoints (stream traffic stays off NAT and the internet) ----
    if (vpcEndpoints) {
      this.endpointSecurityGroup = new aws.ec2.SecurityGroup(`${name}-endpoint-sg`, { vpcId: this.vpcId, description: `${name}: interface VPC endpoints (HTTPS from the tasks)`, tags: { ...tags, Name: `${name}-endpoints` } }, parent);
      new aws.vpc.SecurityGroupIngressRule(`${name}-endpoint-from-tasks`, { securityGroupId: this.endpointSecurityGroup.id, ipProtocol: "tcp", fromPort: 443, toPort: 443, referencedSecurityGroupId: this.taskSecurityGroup.id, description: "HTTPS from the ingestion tasks" }, parent);
      for (const service of ["kinesis-streams", "ecr.api", "ecr.dkr", "logs"]) {
        this.vpcEndpoints.push(new aws.ec2.VpcEndpoint(`${name}-vpce-${service.replace(".", "-")}`, {
          vpcId: this.vpcId,
          serviceName: `com.amazonaws.${region}.${service}`,
          vpcEndpointType: "Interface",
          privateDnsEnabled: true,
          subnetIds: this.privateSubnetIds,
          securityGroupIds: [this.endpointSecurityGroup.id],
          tags: { ...tags, Name: `${name}-${service}` },
        }, parent));
      }
      if (privateRouteTableIds.length > 0) {
        this.vpcEndpoints.push(new aws.ec2.VpcEndpoint(`${name}-vpce-s3`, {
          vpcId: this.vpcId,
          serviceName: `com.amazonaws.${region}.s3`,
          vpcEndpointType: "Gateway",
          routeTableIds: privateRouteTableIds,
          tags: { ...tags, Name: `${name}-s3` },
        }, parent));
      }
    }

    // ---- certificate (DNS validated) ----
    const vendorHosts = vendors.map((vendor) => `${vendor.name}.${args.domainName}`);
    this.certificate = new aws.acm.Certificate(`${name}-cert`, {
      domainName: args.domainName,
      ...(vendorHosts.length > 0 ? { subjectAlternativeNames: vendorHosts } : {}),
      validationMethod: "DNS",
      keyAlgorithm: "EC_prime256v1",
      tags,
    }, { parent: this });
    // One validation record per name, found by domain (ACM does not order the options).
    const validationRecords = [args.domainName, ...vendorHosts].map((domain, i) => {
      const option = this.certificate.domainValidationOptions.apply((options) => {
        const o = options.find((x) => x.domainName === domain);
        if (!o) throw new Error(`IngestionService ${name}: ACM returned no validation option for ${domain}`);
        return o;
      });
      return new aws.route53.Record(i === 0 ? `${name}-cert-validation` : `${name}-cert-validation-${vendors[i - 1].name}`, {
        zoneId: args.hostedZoneId,
        name: option.apply((o) => o.resourceRecordName!),
        type: option.apply((o) => o.resourceRecordType!),
        records: [option.apply((o) => o.resourceRecordValue!)],
        ttl: 300,
        allowOverwrite: true,
      }, parent);
    });
    this.certificateValidation = new aws.acm.CertificateValidation(`${name}-cert-validation`, {
      certificateArn: this.certificate.arn,
      validationRecordFqdns: validationRecords.map((r) => r.fqdn),
    }, parent);

    // ---- access-log bucket (SSE-S3: ALB log delivery does not support SSE-KMS) ----
    // `Purpose: access-logs` tells the policy pack this bucket is exempt from SSE-KMS by design.
    this.accessLogBucket = new aws.s3.Bucket(`${name}-alb-logs`, { forceDestroy: false, tags: { ...tags, Purpose: "access-logs" } }, parent);
    new aws.s3.BucketPublicAccessBlock(`${name}-alb-logs`, { bucket: this.accessLogBucket.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true }, parent);
    new aws.s3.BucketOwnershipControls(`${name}-alb-logs`, { bucket: this.accessLogBucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } }, parent);
    new aws.s3.BucketServerSideEncryptionConfiguration(`${name}-alb-logs`, { bucket: this.accessLogBucket.id, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }] }, parent);
    new aws.s3.BucketVersioning(`${name}-alb-logs`, { bucket: this.accessLogBucket.id, versioningConfiguration: { status: "Enabled" } }, parent);
    new aws.s3.BucketLifecycleConfiguration(`${name}-alb-logs`, {
      bucket: this.accessLogBucket.id,
      rules: [{
        id: "expire-access-logs",
        status: "Enabled",
        filter: { prefix: "" },
        expiration: { days: accessLogRetentionDays },
        noncurrentVersionExpiration: { noncurrentDays: 1 },
        abortIncompleteMultipartUpload: { daysAfterInitiation: 1 },
      }],
    }, parent);
    const logObjects = pulumi.interpolate`${this.accessLogBucket.arn}/alb/AWSLogs/${accountId}/*`;
    const elbAccount = ELB_LOG_DELIVERY_ACCOUNTS[region];
    // The service principal carries the confused-deputy conditions (this account, a load
    // balancer of this account and region; the ALB's own ARN would be a cycle: the ALB
    // waits for this policy). The legacy per-region ELB account (regions in
    // ELB_LOG_DELIVERY_ACCOUNTS) writes as another account and sends neither key, so its
    // statement cannot carry them: it stays limited to this bucket's AWSLogs/<account>/ prefix.
    const logPolicy = new aws.s3.BucketPolicy(`${name}-alb-logs`, {
      bucket: this.accessLogBucket.id,
      policy: policyDocument([
        {
          Sid: "ElbLogDelivery",
          Effect: "Allow",
          Principal: { Service: "logdelivery.elasticloadbalancing.amazonaws.com" },
          Action: "s3:PutObject",
          Resource: logObjects,
          Condition: {
            StringEquals: { "aws:SourceAccount": accountId },
            ArnLike: { "aws:SourceArn": pulumi.interpolate`arn:aws:elasticloadbalancing:${region}:${accountId}:loadbalancer/*` },
          },
        },
        ...(elbAccount !== undefined
          ? [{ Sid: "ElbLogDeliveryAccount", Effect: "Allow" as const, Principal: { AWS: `arn:aws:iam::${elbAccount}:root` }, Action: "s3:PutObject", Resource: logObjects }]
          : []),
        denyInsecureTransport(this.accessLogBucket.arn),
      ]),
    }, parent);

    // ---- load balancer ----
    this.loadBalancer = new aws.lb.LoadBalancer(`${name}-alb`, {
      loadBalancerType: "application",
      internal: false,
      ipAddressType: "ipv4",
      securityGroups: [this.albSecurityGroup.id],
      subnets: this.publicSubnetIds,
      dropInvalidHeaderFields: true,
      enableDeletionProtection: args.deletionProtection ?? false,
      idleTimeout: 60,
      accessLogs: { bucket: this.accessLogBucket.id, prefix: "alb", enabled: true },
      tags,
    }, { parent: this, dependsOn: [logPolicy] });
    // One target group shape for the shared service and every vendor's dedicated one.
    const targetGroupArgs = (groupTags: Record<string, string>): aws.lb.TargetGroupArgs => ({
      targetType: "ip",
      port: containerPort,
      protocol: "HTTP",
      protocolVersion: "HTTP1",
      vpcId: this.vpcId,
      deregistrationDelay: 30,
      healthCheck: { enabled: true, path: "/healthz", protocol: "HTTP", matcher: "200", interval: 10, timeout: 5, healthyThreshold: 2, unhealthyThreshold: 3 },
      tags: groupTags,
    });
    this.targetGroup = new aws.lb.TargetGroup(`${name}-tg`, targetGroupArgs(tags), parent);
    this.httpsListener = new aws.lb.Listener(`${name}-https`, {
      loadBalancerArn: this.loadBalancer.arn,
      port: 443,
      protocol: "HTTPS",
      sslPolicy: TLS_POLICY,
      certificateArn: this.certificateValidation.certificateArn,
      defaultActions: [{ type: "forward", targetGroupArn: this.targetGroup.arn }],
      tags,
    }, parent);
    this.httpListener = new aws.lb.Listener(`${name}-http`, {
      loadBalancerArn: this.loadBalancer.arn,
      port: 80,
      protocol: "HTTP",
      defaultActions: [{ type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } }],
      tags,
    }, parent);

    // ---- KMS key, logs ----
    const wafName = `${pulumi.getStack()}-${name}`;
    const wafLogGroupName = `aws-waf-logs-${wafName}`;
    const flowLogGroupName = `/vpc/${name}/flow-logs`;
    const logGroupNames = [`/ecs/${name}`, wafLogGroupName, ...(this.vpc ? [flowLogGroupName] : [])];
    let keyArn: pulumi.Input<string>;
    if (args.kmsKeyArn !== undefined) {
      keyArn = args.kmsKeyArn;
    } else {
      this.key = new aws.kms.Key(`${name}-key`, {
        description: `${name}: ingestion service logs, WAF and flow logs, container images, key store`,
        enableKeyRotation: true,
        deletionWindowInDays: 30,
        policy: policyDocument([
          { Sid: "AccountAdministers", Effect: "Allow", Principal: { AWS: pulumi.interpolate`arn:aws:iam::${accountId}:root` }, Action: "kms:*", Resource: "*" },
          {
            Sid: "CloudWatchLogsUse",
            Effect: "Allow",
            Principal: { Service: `logs.${region}.amazonaws.com` },
            Action: ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
            Resource: "*",
            Condition: { ArnLike: { "kms:EncryptionContext:aws:logs:arn": logGroupNames.map((g) => pulumi.interpolate`arn:aws:logs:${region}:${accountId}:log-group:${g}`) } },
          },
        ]),
        tags,
      }, parent);
      keyArn = this.key.arn;
    }
    this.logGroup = new aws.cloudwatch.LogGroup(`${name}-logs`, { name: `/ecs/${name}`, retentionInDays: logRetentionDays, kmsKeyId: keyArn, tags }, parent);

    // ---- VPC flow logs (created VPC only) ----
    if (this.vpc) {
      const flow = vpcFlowLogs(name, {
        vpcId: this.vpc.id, logGroupName: flowLogGroupName, retentionInDays: flowLogRetentionDays, kmsKeyArn: keyArn, accountId, region,
        roleDescription: `${name}: VPC flow logs delivery to ${flowLogGroupName}`, nameTag: `${name}-flow-log`, tags,
      }, parent);
      this.flowLogGroup = flow.logGroup;
      this.flowLog = flow.flowLog;
    }

    // ---- AWS WAF v2 on the ALB ----
    const visibility = (metricName: string) => ({ cloudwatchMetricsEnabled: true, sampledRequestsEnabled: true, metricName });
    const hostIs = (host: string) => ({
      byteMatchStatement: {
        fieldToMatch: { singleHeader: { name: "host" } },
        positionalConstraint: "EXACTLY",
        searchString: host,
        textTransformations: [{ priority: 0, type: "LOWERCASE" }],
      },
    });
    const vendorRules = vendors.flatMap((vendor, i) => {
      const host = vendorHosts[i];
      return [
        { name: `vendor-${vendor.name}-requests`, priority: 30 + 2 * i, action: { count: {} }, statement: hostIs(host), visibilityConfig: visibility(`vendor-${vendor.name}-requests`) },
        {
          name: `vendor-${vendor.name}-rate`,
          priority: 31 + 2 * i,
          action: { block: {} },
          statement: { rateBasedStatement: { limit: vendor.rateLimitPerFiveMinutes ?? 300000, evaluationWindowSec: 300, aggregateKeyType: "CONSTANT", scopeDownStatement: hostIs(host) } },
          visibilityConfig: visibility(`vendor-${vendor.name}-rate`),
        },
      ];
    });
    const managedRule = (group: (typeof WAF_MANAGED_RULE_GROUPS)[number], priority: number) => ({
      name: group,
      priority,
      overrideAction: { none: {} },
      statement: {
        managedRuleGroupStatement: {
          vendorName: "AWS",
          name: group,
          // The common rule set blocks bodies above 8 KB (SizeRestrictions_BODY); batches are
          // up to `maxBodyBytes`, bounded by the "body-size" rule and the service, so count only.
          ...(group === "AWSManagedRulesCommonRuleSet" ? { ruleActionOverrides: [{ name: "SizeRestrictions_BODY", actionToUse: { count: {} } }] } : {}),
        },
      },
      visibilityConfig: visibility(group),
    });
    this.webAcl = new aws.wafv2.WebAcl(`${name}-waf`, {
      name: wafName,
      description: `${name}: ingestion front door (managed rules, rate limits, request size)`,
      scope: "REGIONAL",
      defaultAction: { allow: {} },
      rules: [
        managedRule("AWSManagedRulesAmazonIpReputationList", 0),
        {
          name: "per-ip-rate",
          priority: 10,
          action: { block: {} },
          statement: { rateBasedStatement: { limit: wafRateLimitPerIp, evaluationWindowSec: 300, aggregateKeyType: "IP" } },
          visibilityConfig: visibility("per-ip-rate"),
        },
        {
          name: "body-size",
          priority: 20,
          action: { block: {} },
          statement: {
            regexMatchStatement: {
              regexString: bodySizePattern,
              fieldToMatch: { singleHeader: { name: "content-length" } },
              textTransformations: [{ priority: 0, type: "NONE" }],
            },
          },
          visibilityConfig: visibility("body-size"),
        },
        ...vendorRules,
        managedRule("AWSManagedRulesCommonRuleSet", 100),
        managedRule("AWSManagedRulesKnownBadInputsRuleSet", 110),
      ],
      visibilityConfig: visibility(wafName),
      tags,
    }, parent);
    new aws.wafv2.WebAclAssociation(`${name}-waf`, { resourceArn: this.loadBalancer.arn, webAclArn: this.webAcl.arn }, parent);
    this.wafLogGroup = new aws.cloudwatch.LogGroup(`${name}-waf-logs`, { name: wafLogGroupName, retentionInDays: logRetentionDays, kmsKeyId: keyArn, tags }, parent);
    new aws.wafv2.WebAclLoggingConfiguration(`${name}-waf`, {
      resourceArn: this.webAcl.arn,
      logDestinationConfigs: [this.wafLogGroup.arn],
      // Bearer keys never reach the logs.
      redactedFields: [{ singleHeader: { name: "authorization" } }],
    }, parent);

    // ---- key store (hashed per-source keys; the ops command writes it) ----
    this.keyStoreSecret = new aws.secretsmanager.Secret(`${name}-ingest-keys`, {
      name: `${pulumi.getStack()}-${name}-ingest-keys`,
      description: `${name}: ingestion API keys per source, stored as hashes (managed by the ops command)`,
      kmsKeyId: keyArn,
      recoveryWindowInDays: 30,
      tags: {
        ...tags,
        // Not a credential: the document holds SHA-256 hashes; the keys themselves rotate with `npm run ops -- keys rotate` (policies/RULES.md, exemptions).
        [`policy-exempt:secret-rotation`]: "holds only SHA-256 hashes of the ingestion keys; keys rotate with the ops keys command",
        [`policy-exempt:secret-rotation:expires`]: "2027-12-01",
      },
    }, parent);
    new aws.secretsmanager.SecretVersion(`${name}-ingest-keys`, {
      secretId: this.keyStoreSecret.id,
      secretString: INITIAL_KEY_STORE,
    }, { parent: this, ignoreChanges: ["secretString"] });
    this.keyStoreSecretArn = this.keyStoreSecret.arn;

    // ---- image ----
    this.repository = new aws.ecr.Repository(`${name}-repo`, {
      imageTagMutability: "IMMUTABLE",
      imageScanningConfiguration: { scanOnPush: true },
      encryptionConfigurations: [{ encryptionType: "KMS", kmsKey: keyArn }],
      forceDelete: false,
      tags,
    }, parent);
    new aws.ecr.LifecyclePolicy(`${name}-repo`, {
      repository: this.repository.name,
      policy: JSON.stringify({ rules: [{ rulePriority: 1, description: "keep the 20 newest images", selection: { tagStatus: "any", countType: "imageCountMoreThan", countNumber: 20 }, action: { type: "expire" } }] }),
    }, parent);
    if (args.image !== undefined) {
      this.imageUri = pulumi.output(args.image);
    } else {
      const tag = serviceSourceHash();
      const imageRef = pulumi.interpolate`${this.repository.repositoryUrl}:${tag}`;
      this.image = new dockerBuild.Image(`${name}-image`, {
        context: { location: REPO_ROOT },
        dockerfile: { location: path.join(REPO_ROOT, "functions", "ingest", "Dockerfile") },
        platforms: ["linux/amd64"],
        push: true,
        buildOnPreview: false,
        tags: [imageRef],
        registries: [{ address: this.repository.repositoryUrl.apply((u) => u.split("/")[0]), ...this.registryCredentials(args.registryAuth) }],
      }, parent);
      this.imageUri = imageRef;
    }

    // ---- IAM ----
    const ecsTrust = serviceTrustPolicy("ecs-tasks.amazonaws.com", accountId);
    this.taskRole = new aws.iam.Role(`${name}-task-role`, { description: `${name}: ingestion task (writes its stream only)`, assumeRolePolicy: ecsTrust, tags }, parent);
    // The stream may belong to another stack: a reference's grant adds the task role's side.
    KinesisStreamRef.fromStreamAttributes({ streamArn: args.streamArn, keyArn: args.streamKmsKeyArn }).grantWrite(`${name}-task-stream`, this.taskRole);
    const taskKeys = grant(`${name}-task-keys`, this.taskRole, [
      { Sid: "ReadKeyStore", Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: this.keyStoreSecret.arn },
      { Sid: "DecryptKeyStore", Effect: "Allow", Action: "kms:Decrypt", Resource: keyArn, Condition: { StringEquals: { "kms:ViaService": `secretsmanager.${region}.amazonaws.com` } } },
    ]);
    this.executionRole = new aws.iam.Role(`${name}-exec-role`, { description: `${name}: ECS task execution (pull image, write logs)`, assumeRolePolicy: ecsTrust, tags }, parent);
    grant(`${name}-exec`, this.executionRole, [
      { Sid: "EcrAuth", Effect: "Allow", Action: "ecr:GetAuthorizationToken", Resource: "*" },
      { Sid: "PullImage", Effect: "Allow", Action: ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"], Resource: this.repository.arn },
      { Sid: "DecryptImage", Effect: "Allow", Action: "kms:Decrypt", Resource: keyArn },
      { Sid: "WriteLogs", Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: pulumi.interpolate`${this.logGroup.arn}:*` },
    ]);

    // ---- ECS ----
    this.cluster = new aws.ecs.Cluster(`${name}-cluster`, { settings: [{ name: "containerInsights", value: "enabled" }], tags }, parent);
    const containerName = "ingest";
    this.taskDefinition = new aws.ecs.TaskDefinition(`${name}-task`, {
      family: name,
      cpu: String(cpu),
      memory: String(memoryMiB),
      networkMode: "awsvpc",
      requiresCompatibilities: ["FARGATE"],
      runtimePlatform: { operatingSystemFamily: "LINUX", cpuArchitecture: "X86_64" },
      executionRoleArn: this.executionRole.arn,
      taskRoleArn: this.taskRole.arn,
      containerDefinitions: pulumi.jsonStringify([{
        name: containerName,
        image: this.imageUri,
        essential: true,
        readonlyRootFilesystem: true,
        user: "node",
        stopTimeout: stopTimeoutSeconds,
        portMappings: [{ containerPort, protocol: "tcp" }],
        environment: [
          { name: "STREAM_NAME", value: args.streamName },
          { name: "AWS_REGION", value: region },
          { name: "PORT", value: String(containerPort) },
          { name: "LINGER_MS", value: String(lingerMs) },
          { name: "MAX_QUEUE_EVENTS", value: String(maxQueueEvents) },
          { name: "MAX_BODY_BYTES", value: String(maxBodyBytes) },
          { name: "METRICS_NAMESPACE", value: INGEST_METRICS_NAMESPACE },
          { name: "INGEST_KEYS_SECRET_ARN", value: this.keyStoreSecret.arn },
        ],
        healthCheck: {
          command: ["CMD", "node", "-e", `fetch('http://127.0.0.1:${containerPort}/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))`],
          interval: 15,
          timeout: 3,
          retries: 3,
          startPeriod: 20,
        },
        logConfiguration: { logDriver: "awslogs", options: { "awslogs-group": this.logGroup.name, "awslogs-region": region, "awslogs-stream-prefix": "ingest", mode: "non-blocking", "max-buffer-size": "25m" } },
      }]),
      tags,
    }, { parent: this, dependsOn: [...(this.image ? [this.image] : []), taskKeys] });
    this.service = new aws.ecs.Service(`${name}-service`, {
      cluster: this.cluster.arn,
      taskDefinition: this.taskDefinition.arn,
      launchType: "FARGATE",
      platformVersion: "LATEST",
      desiredCount: desiredTasks,
      networkConfiguration: { subnets: this.privateSubnetIds, securityGroups: [this.taskSecurityGroup.id], assignPublicIp: false },
      loadBalancers: [{ targetGroupArn: this.targetGroup.arn, containerName, containerPort }],
      healthCheckGracePeriodSeconds: 30,
      deploymentCircuitBreaker: { enable: true, rollback: true },
      deploymentMinimumHealthyPercent: 100,
      deploymentMaximumPercent: 200,
      enableEcsManagedTags: true,
      propagateTags: "SERVICE",
      tags,
    }, { parent: this, dependsOn: [this.httpsListener], ignoreChanges: ["desiredCount"] });

    // ---- autoscaling ----
    this.scalingTarget = new aws.appautoscaling.Target(`${name}-scaling`, {
      serviceNamespace: "ecs",
      scalableDimension: "ecs:service:DesiredCount",
      resourceId: pulumi.interpolate`service/${this.cluster.name}/${this.service.name}`,
      minCapacity: minTasks,
      maxCapacity: maxTasks,
    }, parent);
    this.scalingPolicies = [
      new aws.appautoscaling.Policy(`${name}-scale-cpu`, {
        policyType: "TargetTrackingScaling",
        serviceNamespace: this.scalingTarget.serviceNamespace,
        scalableDimension: this.scalingTarget.scalableDimension,
        resourceId: this.scalingTarget.resourceId,
        targetTrackingScalingPolicyConfiguration: {
          predefinedMetricSpecification: { predefinedMetricType: "ECSServiceAverageCPUUtilization" },
          targetValue: cpuTargetPercent,
          scaleInCooldown: 300,
          scaleOutCooldown: 60,
        },
      }, parent),
      new aws.appautoscaling.Policy(`${name}-scale-requests`, {
        policyType: "TargetTrackingScaling",
        serviceNamespace: this.scalingTarget.serviceNamespace,
        scalableDimension: this.scalingTarget.scalableDimension,
        resourceId: this.scalingTarget.resourceId,
        targetTrackingScalingPolicyConfiguration: {
          predefinedMetricSpecification: {
            predefinedMetricType: "ALBRequestCountPerTarget",
            resourceLabel: pulumi.interpolate`${this.loadBalancer.arnSuffix}/${this.targetGroup.arnSuffix}`,
          },
          targetValue: requestsPerTarget,
          scaleInCooldown: 300,
          scaleOutCooldown: 60,
        },
      }, parent),
    ];

    // ---- DNS: health check on this ALB + the record ----
    // The check targets this ALB's own name (not the shared record), so weighted and
    // failover routing judge each endpoint separately. Route 53 does not verify the
    // certificate of HTTPS checks.
    this.healthCheck = new aws.route53.HealthCheck(`${name}-health`, {
      type: "HTTPS",
      fqdn: this.loadBalancer.dnsName,
      port: 443,
      resourcePath: "/healthz",
      enableSni: true,
      failureThreshold: args.healthCheckFailureThreshold ?? 3,
      requestInterval: args.healthCheckIntervalSeconds ?? 30,
      measureLatency: true,
      tags: { ...tags, Name: `${name}-healthz` },
    }, { parent: this, ...(args.usEast1Provider ? { provider: args.usEast1Provider } : {}) });
    // One alias shape for the main record and every vendor's: this ALB, with the stack's routing policy.
    const aliasRecordArgs = (recordName: string): aws.route53.RecordArgs => ({
      zoneId: args.hostedZoneId,
      name: recordName,
      type: "A",
      aliases: [{ name: this.loadBalancer.dnsName, zoneId: this.loadBalancer.zoneId, evaluateTargetHealth: true }],
      ...(routingPolicy !== "simple" ? { setIdentifier: args.setIdentifier, healthCheckId: this.healthCheck.id } : {}),
      ...(routingPolicy === "weighted" ? { weightedRoutingPolicies: [{ weight: args.weight! }] } : {}),
      ...(routingPolicy === "latency" ? { latencyRoutingPolicies: [{ region }] } : {}),
      ...(routingPolicy === "failover" ? { failoverRoutingPolicies: [{ type: args.failoverRole! }] } : {}),
    });
    this.record = new aws.route53.Record(`${name}-record`, aliasRecordArgs(args.domainName), parent);

    // ---- vendors: host-header rules on HTTPS, optionally their own capacity ----
    vendors.forEach((vendor, i) => {
      const hostname = vendorHosts[i];
      let targetGroup = this.targetGroup;
      let service: aws.ecs.Service | undefined;
      if (vendor.dedicatedTasks !== undefined) {
        targetGroup = new aws.lb.TargetGroup(`${name}-tg-${vendor.name}`, targetGroupArgs({ ...tags, Vendor: vendor.name }), parent);
      }
      const listenerRule = new aws.lb.ListenerRule(`${name}-vendor-${vendor.name}`, {
        listenerArn: this.httpsListener.arn,
        priority: i + 1,
        conditions: [{ hostHeader: { values: [hostname] } }],
        actions: [{ type: "forward", targetGroupArn: targetGroup.arn }],
        tags: { ...tags, Vendor: vendor.name },
      }, parent);
      if (vendor.dedicatedTasks !== undefined) {
        service = new aws.ecs.Service(`${name}-service-${vendor.name}`, {
          cluster: this.cluster.arn,
          taskDefinition: this.taskDefinition.arn,
          launchType: "FARGATE",
          platformVersion: "LATEST",
          desiredCount: vendor.dedicatedTasks.minTasks,
          networkConfiguration: { subnets: this.privateSubnetIds, securityGroups: [this.taskSecurityGroup.id], assignPublicIp: false },
          loadBalancers: [{ targetGroupArn: targetGroup.arn, containerName, containerPort }],
          healthCheckGracePeriodSeconds: 30,
          deploymentCircuitBreaker: { enable: true, rollback: true },
          deploymentMinimumHealthyPercent: 100,
          deploymentMaximumPercent: 200,
          enableEcsManagedTags: true,
          propagateTags: "SERVICE",
          tags: { ...tags, Vendor: vendor.name },
        }, { parent: this, dependsOn: [listenerRule], ignoreChanges: ["desiredCount"] });
        const target = new aws.appautoscaling.Target(`${name}-scaling-${vendor.name}`, {
          serviceNamespace: "ecs",
          scalableDimension: "ecs:service:DesiredCount",
          resourceId: pulumi.interpolate`service/${this.cluster.name}/${service.name}`,
          minCapacity: vendor.dedicatedTasks.minTasks,
          maxCapacity: vendor.dedicatedTasks.maxTasks,
        }, parent);
        this.scalingPolicies.push(new aws.appautoscaling.Policy(`${name}-scale-cpu-${vendor.name}`, {
          policyType: "TargetTrackingScaling",
          serviceNamespace: target.serviceNamespace,
          scalableDimension: target.scalableDimension,
          resourceId: target.resourceId,
          targetTrackingScalingPolicyConfiguration: {
            predefinedMetricSpecification: { predefinedMetricType: "ECSServiceAverageCPUUtilization" },
            targetValue: cpuTargetPercent,
            scaleInCooldown: 300,
            scaleOutCooldown: 60,
          },
        }, parent));
      }
      const record = new aws.route53.Record(`${name}-record-${vendor.name}`, aliasRecordArgs(hostname), parent);
      this.vendors.push({ name: vendor.name, hostname, record, listenerRule, targetGroup, service, countRuleName: `vendor-${vendor.name}-requests`, rateRuleName: `vendor-${vendor.name}-rate` });
    });

    // ---- alarms (from the metric helpers only) ----
    const defs: AlarmDefinition[] = [
      { condition: "alb-5xx", metric: this.metricAlb5xxCount(), threshold: 10, comparison: "GreaterThanOrEqualToThreshold", severity: "page", runbook: "ingestion-errors", description: `The ingestion ALB ${name} itself answered 5xx (no healthy target, or the load balancer failed).`, evaluationPeriods: 5, datapointsToAlarm: 3 },
      { condition: "target-5xx", metric: this.metricTarget5xxCount(), threshold: 10, comparison: "GreaterThanOrEqualToThreshold", severity: "page", runbook: "ingestion-errors", description: `Ingestion tasks of ${name} answered 5xx (503 = Kinesis did not acknowledge, or draining).`, evaluationPeriods: 5, datapointsToAlarm: 3 },
      { condition: "latency-p99", metric: this.metricTargetResponseTime(), threshold: 1, comparison: "GreaterThanOrEqualToThreshold", severity: "ticket", runbook: "ingestion-latency", description: `p99 response time of ${name} is at least 1 s (PutRecords slow or throttled).`, evaluationPeriods: 5, datapointsToAlarm: 3 },
      { condition: "unhealthy-hosts", metric: this.metricUnhealthyHostCount(), threshold: 1, comparison: "GreaterThanOrEqualToThreshold", severity: "page", runbook: "ingestion-capacity", description: `At least one ingestion task of ${name} fails its /healthz check.`, evaluationPeriods: 3, datapointsToAlarm: 3 },
      { condition: "cpu-high", metric: this.metricCpuUtilization(), threshold: 85, comparison: "GreaterThanOrEqualToThreshold", severity: "ticket", runbook: "ingestion-capacity", description: `Average CPU of ${name} tasks is at least 85 % (scaling at its maximum?).`, evaluationPeriods: 5, datapointsToAlarm: 5 },
      { condition: "memory-high", metric: this.metricMemoryUtilization(), threshold: 85, comparison: "GreaterThanOrEqualToThreshold", severity: "ticket", runbook: "ingestion-capacity", description: `Average memory of ${name} tasks is at least 85 % (queue held too long?).`, evaluationPeriods: 5, datapointsToAlarm: 5 },
      { condition: "waf-blocked-spike", metric: this.metricWafBlockedRequests(), threshold: wafBlockedAlarmThreshold, comparison: "GreaterThanOrEqualToThreshold", severity: "ticket", runbook: "ingestion-abuse", description: `WAF blocked at least ${wafBlockedAlarmThreshold} requests to ${name} in 5 minutes (an attack, a client over its rate limit, or a rule blocking legitimate traffic).` },
      // Shed requests (429s are not 5xx, so the ALB alarms miss them) and failed events come from the service's EMF counters.
      { condition: "requests-shed", metric: this.metricRequestsShed({ periodSeconds: 60 }), threshold: 10, comparison: "GreaterThanOrEqualToThreshold", severity: "page", runbook: "ingestion-capacity", description: `Ingestion tasks of ${name} shed at least 10 requests a minute with 429/503 (queue full or draining) for 3 of 5 minutes: clients are being turned away.`, evaluationPeriods: 5, datapointsToAlarm: 3 },
      { condition: "events-failed", metric: this.metricEventsFailed({ periodSeconds: 60 }), threshold: 1, comparison: "GreaterThanOrEqualToThreshold", severity: "page", runbook: "stream-put-errors", description: `Ingestion tasks of ${name} gave up on events the stream never acknowledged after every retry (answered 503): those requests were not accepted.`, evaluationPeriods: 1 },
    ];
    this.alarms = createAlarms(this, name, defs, args.alarms);
    // HealthCheckStatus exists only in us-east-1: without a us-east-1 provider (and outside
    // us-east-1) the alarm would see no data, and "breaching" on missing data would page forever.
    const dnsAlarm = args.usEast1Provider !== undefined || region === "us-east-1" ? createAlarm(this.healthCheck, name, {
      condition: "dns-health",
      metric: this.metricHealthCheckStatus(),
      threshold: 1,
      comparison: "LessThanThreshold",
      severity: "page",
      runbook: "dns-health",
      description: `Route 53 health check of ${args.domainName} (${name}) reports the endpoint unhealthy.`,
      evaluationPeriods: 2,
      datapointsToAlarm: 2,
      treatMissingData: "breaching",
    }, args.alarms) : undefined;
    if (dnsAlarm) this.alarms.push(dnsAlarm);

    this.registerOutputs({
      vpcId: this.vpcId,
      loadBalancerArn: this.loadBalancer.arn,
      loadBalancerDnsName: this.loadBalancer.dnsName,
      certificateArn: this.certificate.arn,
      clusterArn: this.cluster.arn,
      serviceName: this.service.name,
      repositoryUrl: this.repository.repositoryUrl,
      imageUri: this.imageUri,
      taskRoleArn: this.taskRole.arn,
      logGroupName: this.logGroup.name,
      healthCheckId: this.healthCheck.id,
      recordFqdn: this.record.fqdn,
      url: this.url,
      keyStoreSecretArn: this.keyStoreSecretArn,
      webAclArn: this.webAcl.arn,
      vendorHostnames: this.vendors.map((x) => x.hostname),
      alarmArns: this.alarms.map((a) => a.arn),
    });
  }

  /**
   * Credentials for the image push: the override when given, else an ECR
   * authorization token for the repository's registry (the password is a secret
   * either way, so it is encrypted in the state). The invoke runs with this
   * component as parent, so it uses the provider the component was given (the
   * ingestion account's) and the token is for the registry the image goes to.
   */
  private registryCredentials(override: IngestionServiceArgs["registryAuth"]): { username: pulumi.Input<string>; password: pulumi.Input<string> } {
    if (override !== undefined) return { username: override.username, password: pulumi.secret(override.password) };
    const token = aws.ecr.getAuthorizationTokenOutput({ registryId: this.repository.registryId }, { parent: this });
    return { username: token.userName, password: pulumi.secret(token.password) };
  }

  private albDims(): Record<string, pulumi.Input<string>> {
    return { LoadBalancer: this.loadBalancer.arnSuffix };
  }

  private targetDims(): Record<string, pulumi.Input<string>> {
    return { LoadBalancer: this.loadBalancer.arnSuffix, TargetGroup: this.targetGroup.arnSuffix };
  }

  private serviceDims(): Record<string, pulumi.Input<string>> {
    return { ClusterName: this.cluster.name, ServiceName: this.service.name };
  }

  /** 5xx generated by the ALB itself (Sum per minute). */
  metricAlb5xxCount(options: MetricOptions = {}): MetricSpec {
    return metric("AWS/ApplicationELB", "HTTPCode_ELB_5XX_Count", this.albDims(), { statistic: "Sum", unit: "Count" }, options);
  }

  /** 5xx answered by the tasks (Sum per minute). */
  metricTarget5xxCount(options: MetricOptions = {}): MetricSpec {
    return metric("AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", this.targetDims(), { statistic: "Sum", unit: "Count" }, options);
  }

  /** Requests reaching the ALB (Sum per minute). */
  metricRequestCount(options: MetricOptions = {}): MetricSpec {
    return metric("AWS/ApplicationELB", "RequestCount", this.albDims(), { statistic: "Sum", unit: "Count" }, options);
  }

  /** Target response time in seconds (p99 by default). */
  metricTargetResponseTime(options: MetricOptions = {}): MetricSpec {
    return metric("AWS/ApplicationELB", "TargetResponseTime", this.targetDims(), { extendedStatistic: "p99", unit: "Seconds" }, options);
  }

  /** Targets failing the /healthz check (Maximum). */
  metricUnhealthyHostCount(options: MetricOptions = {}): MetricSpec {
    return metric("AWS/ApplicationELB", "UnHealthyHostCount", this.targetDims(), { statistic: "Maximum", unit: "Count" }, options);
  }

  /** Average CPU of the service's tasks, %. */
  metricCpuUtilization(options: MetricOptions = {}): MetricSpec {
    return metric("AWS/ECS", "CPUUtilization", this.serviceDims(), { statistic: "Average", unit: "Percent" }, options);
  }

  /** Average memory of the service's tasks, %. */
  metricMemoryUtilization(options: MetricOptions = {}): MetricSpec {
    return metric("AWS/ECS", "MemoryUtilization", this.serviceDims(), { statistic: "Average", unit: "Percent" }, options);
  }

  /** Route 53 health check status, 1 healthy / 0 unhealthy (Minimum); published in us-east-1 only. */
  metricHealthCheckStatus(options: MetricOptions = {}): MetricSpec {
    return metric("AWS/Route53", "HealthCheckStatus", { HealthCheckId: this.healthCheck.id }, { statistic: "Minimum", unit: "None" }, options);
  }

  /** Events the service acknowledged (EMF from the service; Sum). */
  metricEventsAccepted(options: MetricOptions = {}): MetricSpec {
    return metric(INGEST_METRICS_NAMESPACE, "EventsAccepted", this.emfDims(), { statistic: "Sum", unit: "Count" }, options);
  }

  /** Requests shed with 429/503 because the queue was full or the task was draining (Sum). */
  metricRequestsShed(options: MetricOptions = {}): MetricSpec {
    return metric(INGEST_METRICS_NAMESPACE, "RequestsShed", this.emfDims(), { statistic: "Sum", unit: "Count" }, options);
  }

  /** Events the stream did not acknowledge after every retry (the request got a 503; EMF from the service; Sum). */
  metricEventsFailed(options: MetricOptions = {}): MetricSpec {
    return metric(INGEST_METRICS_NAMESPACE, "EventsFailed", this.emfDims(), { statistic: "Sum", unit: "Count" }, options);
  }

  /** PutRecords latency in ms as the service measures it (p99 by default). */
  metricPutRecordsLatency(options: MetricOptions = {}): MetricSpec {
    return metric(INGEST_METRICS_NAMESPACE, "PutRecordsLatency", this.emfDims(), { extendedStatistic: "p99", unit: "Milliseconds" }, options);
  }

  private wafDims(rule: string): Record<string, pulumi.Input<string>> {
    return { WebACL: this.webAcl.name, Region: this.region, Rule: rule };
  }

  /** Requests WAF blocked (Sum per 5 minutes); `rule` is a rule's metric name, or "ALL". */
  metricWafBlockedRequests(rule = "ALL", options: MetricOptions = {}): MetricSpec {
    return metric("AWS/WAFV2", "BlockedRequests", this.wafDims(rule), { statistic: "Sum", periodSeconds: 300, unit: "Count" }, options);
  }

  /** Requests WAF allowed (Sum per 5 minutes). */
  metricWafAllowedRequests(options: MetricOptions = {}): MetricSpec {
    return metric("AWS/WAFV2", "AllowedRequests", this.wafDims("ALL"), { statistic: "Sum", periodSeconds: 300, unit: "Count" }, options);
  }

  private vendor(name: string): VendorFrontDoor {
    const found = this.vendors.find((x) => x.name === name);
    if (!found) throw new Error(`IngestionService: no vendor "${name}" (vendors: ${this.vendors.map((x) => `"${x.name}"`).join(", ") || "none"})`);
    return found;
  }

  /** Requests to the vendor's hostname (WAF counter rule on its host header; Sum per 5 minutes). */
  metricVendorRequests(vendor: string, options: MetricOptions = {}): MetricSpec {
    return metric("AWS/WAFV2", "CountedRequests", this.wafDims(this.vendor(vendor).countRuleName), { statistic: "Sum", periodSeconds: 300, unit: "Count", label: `${vendor} requests` }, options);
  }

  /** Requests to the vendor's hostname WAF blocked for its rate limit (Sum per 5 minutes). */
  metricVendorRateLimited(vendor: string, options: MetricOptions = {}): MetricSpec {
    return metric("AWS/WAFV2", "BlockedRequests", this.wafDims(this.vendor(vendor).rateRuleName), { statistic: "Sum", periodSeconds: 300, unit: "Count", label: `${vendor} rate-limited` }, options);
  }

  /** Requests the ALB sent to the vendor's target group (its own with `dedicatedTasks`, else the shared one; Sum per minute). */
  metricVendorTargetRequests(vendor: string, options: MetricOptions = {}): MetricSpec {
    return metric("AWS/ApplicationELB", "RequestCount", { LoadBalancer: this.loadBalancer.arnSuffix, TargetGroup: this.vendor(vendor).targetGroup.arnSuffix }, { statistic: "Sum", unit: "Count" }, options);
  }

  /** Dashboard widgets: per vendor, its requests and rate-limited requests (WAF) and, when dedicated, its target group's requests. */
  vendorWidgets(): { title: string; metrics: MetricSpec[] }[] {
    return this.vendors.map((x) => ({
      title: `Vendor ${x.name} (${x.hostname})`,
      metrics: [this.metricVendorRequests(x.name), this.metricVendorRateLimited(x.name), ...(x.service ? [this.metricVendorTargetRequests(x.name, { label: `${x.name} target requests` })] : [])],
    }));
  }

  private emfDims(): Record<string, pulumi.Input<string>> {
    return { Service: "ingest", StreamName: this.streamName };
  }
}
