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
 *
 * The parts live in their own files (each creates its resources as children of
 * this component, with the names they always had): settings.ts (validation and
 * defaults), vpc.ts (network, security groups, endpoints), keys.ts (KMS key, log
 * groups, flow logs, key store), accessLogs.ts, loadBalancer.ts, dns.ts
 * (certificate, health check, records), webAcl.ts, service.ts (image, roles, ECS),
 * autoscaling.ts; this file wires them and holds the metrics and alarms.
 */
import * as aws from "@pulumi/aws";
import type * as dockerBuild from "@pulumi/docker-build";
import * as pulumi from "@pulumi/pulumi";
import { AlarmDefinition, AlarmSettings, createAlarm, createAlarms } from "../common/alarms";
import { MetricOptions, MetricSpec, metric } from "../common/metrics";
import { ingestionAccessLogs } from "./accessLogs";
import { ingestionScaling } from "./autoscaling";
import { aliasRecord, ingestionCertificate, ingestionHealthCheck } from "./dns";
import { ingestionFlowLogs, ingestionKeyAndLogs, ingestionKeyStore } from "./keys";
import { ingestionLoadBalancer, ingestionTargetGroup } from "./loadBalancer";
import { INGEST_METRICS_NAMESPACE, ingestionEcsService, ingestionImage, ingestionRoles, ingestionTasks } from "./service";
import { resolveIngestionSettings } from "./settings";
import { IngestionNetwork, ingestionNetwork } from "./vpc";
import { ingestionWebAcl, vendorRuleNames } from "./webAcl";

export { FARGATE_SIZES, ROUTING_POLICIES, resolveIngestionSettings, type IngestionSettings } from "./settings";
export { INGEST_METRICS_NAMESPACE, serviceSourceHash } from "./service";
export { TLS_POLICY } from "./loadBalancer";
export { INITIAL_KEY_STORE } from "./keys";
export { WAF_MANAGED_RULE_GROUPS } from "./webAcl";

export type RoutingPolicy = "simple" | "weighted" | "latency" | "failover";

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

export class IngestionService extends pulumi.ComponentResource {
    /** The VPC (created unless `vpcId` was given), its subnets, the security groups and the VPC endpoints (vpc.ts). */
    readonly network: IngestionNetwork;
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
    readonly flowLog?: aws.ec2.FlowLog;
    readonly flowLogGroup?: aws.cloudwatch.LogGroup;
    /** https://<domainName> */
    readonly url: string;
    private readonly streamName: pulumi.Input<string>;
    private readonly region: string;

    constructor(name: string, args: IngestionServiceArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("flightstream:ingestion:IngestionService", name, {}, opts);
        // Eager validation (unknown values skipped) and the defaults.
        const s = resolveIngestionSettings(name, args);
        this.streamName = args.streamName;
        this.region = args.region;
        const region = args.region;
        const accountId = pulumi.output(args.accountId);
        this.url = `https://${args.domainName}`;

        const network = ingestionNetwork(this, name, args, s);
        this.network = network;

        ({ certificate: this.certificate, certificateValidation: this.certificateValidation } = ingestionCertificate(this, name, args, s));

        const accessLogs = ingestionAccessLogs(this, name, region, accountId, s);
        this.accessLogBucket = accessLogs.bucket;
        const alb = ingestionLoadBalancer(this, name, s, { network, accessLogs, certificateArn: this.certificateValidation.certificateArn, deletionProtection: args.deletionProtection ?? false });
        ({ loadBalancer: this.loadBalancer, targetGroup: this.targetGroup, httpsListener: this.httpsListener, httpListener: this.httpListener } = alb);

        const keys = ingestionKeyAndLogs(this, name, region, accountId, s, { kmsKeyArn: args.kmsKeyArn, createsVpc: network.vpc !== undefined });
        ({ key: this.key, logGroup: this.logGroup } = keys);
        if (network.vpc) ({ logGroup: this.flowLogGroup, flowLog: this.flowLog } = ingestionFlowLogs(this, name, region, accountId, s, network.vpc, keys.keyArn));

        ({ webAcl: this.webAcl, wafLogGroup: this.wafLogGroup } = ingestionWebAcl(this, name, s, this.loadBalancer, keys.keyArn));

        this.keyStoreSecret = ingestionKeyStore(this, name, s, keys.keyArn);
        this.keyStoreSecretArn = this.keyStoreSecret.arn;

        const image = ingestionImage(this, name, args, s, keys.keyArn);
        ({ repository: this.repository, image: this.image, imageUri: this.imageUri } = image);
        const roles = ingestionRoles(this, name, args, s, { accountId, keyArn: keys.keyArn, keyStoreSecret: this.keyStoreSecret, repository: this.repository, logGroup: this.logGroup });
        ({ taskRole: this.taskRole, executionRole: this.executionRole } = roles);
        const tasks = ingestionTasks(this, name, args, s, { image, roles, logGroup: this.logGroup, keyStoreSecret: this.keyStoreSecret });
        ({ cluster: this.cluster, taskDefinition: this.taskDefinition } = tasks);
        this.service = ingestionEcsService(this, `${name}-service`, s, { tasks, network, targetGroup: this.targetGroup, desiredCount: s.desiredTasks, tags: s.tags, dependsOn: [this.httpsListener] });

        const scaling = ingestionScaling(this, name, {
            suffix: "",
            cluster: this.cluster,
            service: this.service,
            minTasks: s.minTasks,
            maxTasks: s.maxTasks,
            cpuTargetPercent: s.cpuTargetPercent,
            requests: { perTargetPerMinute: s.requestsPerTarget, loadBalancer: this.loadBalancer, targetGroup: this.targetGroup },
        });
        this.scalingTarget = scaling.target;
        this.scalingPolicies = scaling.policies;

        this.healthCheck = ingestionHealthCheck(this, name, args, s, this.loadBalancer);
        this.record = aliasRecord(this, `${name}-record`, args.domainName, args, s, this.loadBalancer, this.healthCheck);

        // ---- vendors: host-header rules on HTTPS, optionally their own capacity ----
        s.vendors.forEach((vendor, i) => {
            const hostname = s.vendorHosts[i];
            const vendorTags = { ...s.tags, Vendor: vendor.name };
            const targetGroup = vendor.dedicatedTasks !== undefined ? ingestionTargetGroup(this, `${name}-tg-${vendor.name}`, network.vpcId, s.containerPort, vendorTags) : this.targetGroup;
            const listenerRule = new aws.lb.ListenerRule(
                `${name}-vendor-${vendor.name}`,
                {
                    listenerArn: this.httpsListener.arn,
                    priority: i + 1,
                    conditions: [{ hostHeader: { values: [hostname] } }],
                    actions: [{ type: "forward", targetGroupArn: targetGroup.arn }],
                    tags: vendorTags,
                },
                { parent: this },
            );
            let service: aws.ecs.Service | undefined;
            if (vendor.dedicatedTasks !== undefined) {
                service = ingestionEcsService(this, `${name}-service-${vendor.name}`, s, { tasks, network, targetGroup, desiredCount: vendor.dedicatedTasks.minTasks, tags: vendorTags, dependsOn: [listenerRule] });
                const own = ingestionScaling(this, name, {
                    suffix: `-${vendor.name}`,
                    cluster: this.cluster,
                    service,
                    minTasks: vendor.dedicatedTasks.minTasks,
                    maxTasks: vendor.dedicatedTasks.maxTasks,
                    cpuTargetPercent: s.cpuTargetPercent,
                });
                this.scalingPolicies.push(...own.policies);
            }
            const record = aliasRecord(this, `${name}-record-${vendor.name}`, hostname, args, s, this.loadBalancer, this.healthCheck);
            this.vendors.push({ name: vendor.name, hostname, record, listenerRule, targetGroup, service, ...vendorRuleNames(vendor.name) });
        });

        this.alarms = this.createAlarms(name, args, s.wafBlockedAlarmThreshold);

        this.registerOutputs({
            vpcId: network.vpcId,
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

    /** The alarms, built only from the metric helpers below. */
    private createAlarms(name: string, args: IngestionServiceArgs, wafBlockedAlarmThreshold: number): aws.cloudwatch.MetricAlarm[] {
        const defs: AlarmDefinition[] = [
            {
                condition: "alb-5xx",
                metric: this.metricAlb5xxCount(),
                threshold: 10,
                comparison: "GreaterThanOrEqualToThreshold",
                severity: "page",
                runbook: "ingestion-errors",
                description: `The ingestion ALB ${name} itself answered 5xx (no healthy target, or the load balancer failed).`,
                evaluationPeriods: 5,
                datapointsToAlarm: 3,
            },
            {
                condition: "target-5xx",
                metric: this.metricTarget5xxCount(),
                threshold: 10,
                comparison: "GreaterThanOrEqualToThreshold",
                severity: "page",
                runbook: "ingestion-errors",
                description: `Ingestion tasks of ${name} answered 5xx (503 = Kinesis did not acknowledge, or draining).`,
                evaluationPeriods: 5,
                datapointsToAlarm: 3,
            },
            {
                condition: "latency-p99",
                metric: this.metricTargetResponseTime(),
                threshold: 1,
                comparison: "GreaterThanOrEqualToThreshold",
                severity: "ticket",
                runbook: "ingestion-latency",
                description: `p99 response time of ${name} is at least 1 s (PutRecords slow or throttled).`,
                evaluationPeriods: 5,
                datapointsToAlarm: 3,
            },
            {
                condition: "unhealthy-hosts",
                metric: this.metricUnhealthyHostCount(),
                threshold: 1,
                comparison: "GreaterThanOrEqualToThreshold",
                severity: "page",
                runbook: "ingestion-capacity",
                description: `At least one ingestion task of ${name} fails its /healthz check.`,
                evaluationPeriods: 3,
                datapointsToAlarm: 3,
            },
            {
                condition: "cpu-high",
                metric: this.metricCpuUtilization(),
                threshold: 85,
                comparison: "GreaterThanOrEqualToThreshold",
                severity: "ticket",
                runbook: "ingestion-capacity",
                description: `Average CPU of ${name} tasks is at least 85 % (scaling at its maximum?).`,
                evaluationPeriods: 5,
                datapointsToAlarm: 5,
            },
            {
                condition: "memory-high",
                metric: this.metricMemoryUtilization(),
                threshold: 85,
                comparison: "GreaterThanOrEqualToThreshold",
                severity: "ticket",
                runbook: "ingestion-capacity",
                description: `Average memory of ${name} tasks is at least 85 % (queue held too long?).`,
                evaluationPeriods: 5,
                datapointsToAlarm: 5,
            },
            {
                condition: "waf-blocked-spike",
                metric: this.metricWafBlockedRequests(),
                threshold: wafBlockedAlarmThreshold,
                comparison: "GreaterThanOrEqualToThreshold",
                severity: "ticket",
                runbook: "ingestion-abuse",
                description: `WAF blocked at least ${wafBlockedAlarmThreshold} requests to ${name} in 5 minutes (an attack, a client over its rate limit, or a rule blocking legitimate traffic).`,
            },
            // Shed requests (429s are not 5xx, so the ALB alarms miss them) and failed events come from the service's EMF counters.
            {
                condition: "requests-shed",
                metric: this.metricRequestsShed({ periodSeconds: 60 }),
                threshold: 10,
                comparison: "GreaterThanOrEqualToThreshold",
                severity: "page",
                runbook: "ingestion-capacity",
                description: `Ingestion tasks of ${name} shed at least 10 requests a minute with 429/503 (queue full or draining) for 3 of 5 minutes: clients are being turned away.`,
                evaluationPeriods: 5,
                datapointsToAlarm: 3,
            },
            {
                condition: "events-failed",
                metric: this.metricEventsFailed({ periodSeconds: 60 }),
                threshold: 1,
                comparison: "GreaterThanOrEqualToThreshold",
                severity: "page",
                runbook: "stream-put-errors",
                description: `Ingestion tasks of ${name} gave up on events the stream never acknowledged after every retry (answered 503): those requests were not accepted.`,
                evaluationPeriods: 1,
            },
        ];
        const alarms = createAlarms(this, name, defs, args.alarms);
        // HealthCheckStatus exists only in us-east-1: without a us-east-1 provider (and outside
        // us-east-1) the alarm would see no data, and "breaching" on missing data would page forever.
        const dnsAlarm =
            args.usEast1Provider !== undefined || this.region === "us-east-1"
                ? createAlarm(
                      this.healthCheck,
                      name,
                      {
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
                      },
                      args.alarms,
                  )
                : undefined;
        if (dnsAlarm) alarms.push(dnsAlarm);
        return alarms;
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
