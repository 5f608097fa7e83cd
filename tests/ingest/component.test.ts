import { expect } from "chai";
import fc from "fast-check";
import * as aws from "@pulumi/aws";
import { IngestionService, IngestionServiceArgs, TLS_POLICY } from "@flightstream/components/ingestion";
import { parseCidr, planSubnets } from "@flightstream/components/ingestion/network";
import { greaterThanPattern } from "@flightstream/components/ingestion/waf";
import { runPolicies } from "../../plan/policies";
import { all, evaluate, evaluateError, one, policyOf, testProvider, type ProgramResult } from "../helpers/pulumi";

const STREAM_ARN = "arn:aws:kinesis:eu-west-1:111111111111:stream/flights";
const KEY_ARN = "arn:aws:kms:eu-west-1:111111111111:key/0000aaaa-1111-2222-3333-444455556666";

function baseArgs(overrides: Partial<IngestionServiceArgs> = {}): IngestionServiceArgs {
    return {
        accountId: "111111111111",
        region: "eu-west-1",
        domainName: "ingest.example.com",
        hostedZoneId: "Z0123456789ABCDEFGHIJ",
        streamName: "flights",
        streamArn: STREAM_ARN,
        streamKmsKeyArn: KEY_ARN,
        image: "111111111111.dkr.ecr.eu-west-1.amazonaws.com/ingest:abc",
        ...overrides,
    };
}

async function build(overrides: Partial<IngestionServiceArgs> = {}, withUsEast1 = false): Promise<ProgramResult> {
    return evaluate(() => {
        const provider = testProvider("ingestion", "111111111111", "eu-west-1");
        const usEast1 = withUsEast1 ? testProvider("ingestion-use1", "111111111111", "us-east-1") : undefined;
        new IngestionService("ingest", baseArgs({ ...overrides, ...(usEast1 ? { usEast1Provider: usEast1 } : {}) }), { provider });
    });
}

async function failure(overrides: Partial<IngestionServiceArgs>): Promise<string> {
    const err = await evaluateError(() => {
        new IngestionService("ingest", baseArgs(overrides), { provider: testProvider() });
    });
    return err.message;
}

describe("IngestionService component", function () {
    this.timeout(30000);
    let r: ProgramResult;
    before(async () => {
        r = await build({ routingPolicy: "latency", setIdentifier: "eu-west-1", deletionProtection: true, minTasks: 3, maxTasks: 30, cpu: 1024, memoryMiB: 2048, availabilityZones: ["eu-west-1a", "eu-west-1b", "eu-west-1c"] }, true);
    });

    it("registers the component with its type token and every child in the ingestion account", () => {
        expect(one(r, "flightstream:ingestion:IngestionService", "ingest").custom).to.equal(false);
        const children = r.resources.filter((x) => x.custom && x.type.startsWith("aws:") && !x.type.startsWith("pulumi:providers"));
        const regions = new Set(children.map((x) => `${x.account}/${x.region}`));
        expect([...regions].sort()).to.deep.equal(["111111111111/eu-west-1", "111111111111/us-east-1"]);
    });

    it("creates a VPC with public and private subnets in three zones and no internet route from private subnets", () => {
        expect(one(r, "aws:ec2/vpc:Vpc").inputs).to.deep.include({ cidrBlock: "10.10.0.0/16", enableDnsHostnames: true, enableDnsSupport: true });
        const subnets = all(r, "aws:ec2/subnet:Subnet");
        expect(subnets.map((s) => [s.name, s.inputs.cidrBlock, s.inputs.availabilityZone, s.inputs.mapPublicIpOnLaunch])).to.deep.equal([
            ["ingest-public-0", "10.10.192.0/20", "eu-west-1a", false],
            ["ingest-public-1", "10.10.208.0/20", "eu-west-1b", false],
            ["ingest-public-2", "10.10.224.0/20", "eu-west-1c", false],
            ["ingest-private-0", "10.10.0.0/18", "eu-west-1a", false],
            ["ingest-private-1", "10.10.64.0/18", "eu-west-1b", false],
            ["ingest-private-2", "10.10.128.0/18", "eu-west-1c", false],
        ]);
        const routes = all(r, "aws:ec2/route:Route");
        expect(routes.map((x) => x.name)).to.deep.equal(["ingest-public-default"]);
        expect(all(r, "aws:ec2/natGateway:NatGateway")).to.have.length(0);
    });

    it("creates interface endpoints for Kinesis, ECR and Logs and an S3 gateway endpoint", () => {
        const eps = all(r, "aws:ec2/vpcEndpoint:VpcEndpoint");
        expect(eps.map((e) => [e.inputs.serviceName, e.inputs.vpcEndpointType, e.inputs.privateDnsEnabled ?? null])).to.deep.equal([
            ["com.amazonaws.eu-west-1.kinesis-streams", "Interface", true],
            ["com.amazonaws.eu-west-1.ecr.api", "Interface", true],
            ["com.amazonaws.eu-west-1.ecr.dkr", "Interface", true],
            ["com.amazonaws.eu-west-1.logs", "Interface", true],
            ["com.amazonaws.eu-west-1.s3", "Gateway", null],
        ]);
        expect(eps[0].inputs.subnetIds).to.have.length(3);
    });

    it("opens the ALB on 443 (and 80 for the redirect) and the tasks only to the ALB", () => {
        const ingress = all(r, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule");
        const albSg = one(r, "aws:ec2/securityGroup:SecurityGroup", "ingest-alb-sg").outputs;
        const sgId = (n: string) => r.resources.find((x) => x.name === n && x.type === "aws:ec2/securityGroup:SecurityGroup")!.outputs.id ?? null;
        void albSg;
        expect(ingress.map((i) => [i.name, i.inputs.fromPort, i.inputs.toPort, i.inputs.cidrIpv4 ?? "sg"])).to.deep.equal([
            ["ingest-alb-https", 443, 443, "0.0.0.0/0"],
            ["ingest-alb-http", 80, 80, "0.0.0.0/0"],
            ["ingest-task-from-alb", 8080, 8080, "sg"],
            ["ingest-endpoint-from-tasks", 443, 443, "sg"],
        ]);
        void sgId;
        const fromAlb = one(r, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "ingest-task-from-alb");
        expect(fromAlb.inputs.referencedSecurityGroupId).to.be.a("string").and.match(/^sg-/);
        expect(fromAlb.inputs.referencedSecurityGroupId).to.not.equal(fromAlb.inputs.securityGroupId);
    });

    it("validates the certificate by DNS in the hosted zone", () => {
        expect(one(r, "aws:acm/certificate:Certificate").inputs).to.deep.include({ domainName: "ingest.example.com", validationMethod: "DNS" });
        const rec = one(r, "aws:route53/record:Record", "ingest-cert-validation");
        expect(rec.inputs).to.deep.include({ zoneId: "Z0123456789ABCDEFGHIJ", type: "CNAME", ttl: 300 });
        expect(rec.inputs.name).to.match(/^_[0-9a-f]+\.ingest\.example\.com\.$/);
        expect(one(r, "aws:acm/certificateValidation:CertificateValidation").inputs.validationRecordFqdns).to.deep.equal([rec.inputs.name]);
    });

    it("builds an internet-facing ALB with invalid headers dropped, deletion protection and access logs", () => {
        const alb = one(r, "aws:lb/loadBalancer:LoadBalancer");
        const bucket = one(r, "aws:s3/bucket:Bucket", "ingest-alb-logs");
        // 60 s idle timeout, below the service's 75 s keep-alive: the ALB always closes idle connections first.
        expect(alb.inputs).to.deep.include({ loadBalancerType: "application", internal: false, dropInvalidHeaderFields: true, enableDeletionProtection: true, idleTimeout: 60 });
        expect(alb.inputs.accessLogs).to.deep.equal({ bucket: bucket.outputs.bucket, prefix: "alb", enabled: true });
        expect(alb.inputs.subnets).to.have.length(3);
    });

    it("listens on HTTPS with the TLS 1.2+ policy and only redirects HTTP", () => {
        const https = one(r, "aws:lb/listener:Listener", "ingest-https");
        expect(https.inputs).to.deep.include({ port: 443, protocol: "HTTPS", sslPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06" });
        expect(TLS_POLICY).to.equal("ELBSecurityPolicy-TLS13-1-2-2021-06");
        expect(https.inputs.defaultActions[0].type).to.equal("forward");
        const http = one(r, "aws:lb/listener:Listener", "ingest-http");
        expect(http.inputs.defaultActions).to.deep.equal([{ type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } }]);
        expect(one(r, "aws:lb/targetGroup:TargetGroup").inputs.healthCheck).to.deep.include({ path: "/healthz", matcher: "200" });
    });

    it("hardens the access-log bucket and lets only ELB log delivery write to it", () => {
        expect(one(r, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock").inputs).to.deep.include({ blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true });
        expect(one(r, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration").inputs.rules).to.deep.equal([{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }]);
        const bucketArn = one(r, "aws:s3/bucket:Bucket", "ingest-alb-logs").outputs.arn;
        const policy = policyOf(one(r, "aws:s3/bucketPolicy:BucketPolicy"));
        expect(policy.Statement).to.deep.equal([
            {
                Sid: "ElbLogDelivery",
                Effect: "Allow",
                Principal: { Service: "logdelivery.elasticloadbalancing.amazonaws.com" },
                Action: "s3:PutObject",
                Resource: `${bucketArn}/alb/AWSLogs/111111111111/*`,
                Condition: { StringEquals: { "aws:SourceAccount": "111111111111" }, ArnLike: { "aws:SourceArn": "arn:aws:elasticloadbalancing:eu-west-1:111111111111:loadbalancer/*" } },
            },
            { Sid: "ElbLogDeliveryAccount", Effect: "Allow", Principal: { AWS: "arn:aws:iam::156460612806:root" }, Action: "s3:PutObject", Resource: `${bucketArn}/alb/AWSLogs/111111111111/*` },
            { Sid: "DenyInsecureTransport", Effect: "Deny", Principal: { AWS: "*" }, Action: "s3:*", Resource: [bucketArn, `${bucketArn}/*`], Condition: { Bool: { "aws:SecureTransport": false } } },
        ]);
    });

    it("runs Fargate tasks in private subnets without public IPs on a Container Insights cluster", () => {
        expect(one(r, "aws:ecs/cluster:Cluster").inputs.settings).to.deep.equal([{ name: "containerInsights", value: "enabled" }]);
        const svc = one(r, "aws:ecs/service:Service");
        expect(svc.inputs).to.deep.include({ launchType: "FARGATE", desiredCount: 3 });
        expect(svc.inputs.networkConfiguration.assignPublicIp).to.equal(false);
        const taskSubnets: string[] = svc.inputs.networkConfiguration.subnets;
        const albSubnets: string[] = one(r, "aws:lb/loadBalancer:LoadBalancer").inputs.subnets;
        expect(taskSubnets).to.have.length(3);
        expect(taskSubnets.every((s) => /^subnet-/.test(s) && !albSubnets.includes(s))).to.equal(true);
        expect(one(r, "aws:ec2/vpcEndpoint:VpcEndpoint", "ingest-vpce-kinesis-streams").inputs.subnetIds).to.deep.equal(taskSubnets);
        const td = one(r, "aws:ecs/taskDefinition:TaskDefinition");
        expect(td.inputs).to.deep.include({ cpu: "1024", memory: "2048", networkMode: "awsvpc", requiresCompatibilities: ["FARGATE"] });
        const [container] = JSON.parse(td.inputs.containerDefinitions);
        expect(container).to.deep.include({ name: "ingest", image: "111111111111.dkr.ecr.eu-west-1.amazonaws.com/ingest:abc", readonlyRootFilesystem: true, user: "node", stopTimeout: 60 });
        expect(container.environment).to.deep.equal([
            { name: "STREAM_NAME", value: "flights" },
            { name: "AWS_REGION", value: "eu-west-1" },
            { name: "PORT", value: "8080" },
            { name: "LINGER_MS", value: "20" },
            { name: "MAX_QUEUE_EVENTS", value: "50000" },
            { name: "MAX_BODY_BYTES", value: "1048576" },
            { name: "METRICS_NAMESPACE", value: "FlightStream/Ingestion" },
            { name: "INGEST_KEYS_SECRET_ARN", value: one(r, "aws:secretsmanager/secret:Secret", "ingest-ingest-keys").outputs.arn },
        ]);
        const logGroup = one(r, "aws:cloudwatch/logGroup:LogGroup", "ingest-logs");
        expect(container.logConfiguration.options["awslogs-group"]).to.equal("/ecs/ingest");
        expect(logGroup.inputs).to.deep.include({ name: "/ecs/ingest", retentionInDays: 30, kmsKeyId: one(r, "aws:kms/key:Key").outputs.arn });
    });

    it("scales between minTasks and maxTasks on CPU and ALBRequestCountPerTarget", () => {
        const target = one(r, "aws:appautoscaling/target:Target");
        expect(target.inputs).to.deep.include({ minCapacity: 3, maxCapacity: 30, scalableDimension: "ecs:service:DesiredCount", serviceNamespace: "ecs" });
        const policies = all(r, "aws:appautoscaling/policy:Policy");
        const alb = one(r, "aws:lb/loadBalancer:LoadBalancer").outputs.arnSuffix;
        const tg = one(r, "aws:lb/targetGroup:TargetGroup").outputs.arnSuffix;
        expect(policies.map((p) => [p.name, p.inputs.targetTrackingScalingPolicyConfiguration.predefinedMetricSpecification, p.inputs.targetTrackingScalingPolicyConfiguration.targetValue])).to.deep.equal([
            ["ingest-scale-cpu", { predefinedMetricType: "ECSServiceAverageCPUUtilization" }, 60],
            ["ingest-scale-requests", { predefinedMetricType: "ALBRequestCountPerTarget", resourceLabel: `${alb}/${tg}` }, 3000],
        ]);
    });

    it("lets the task role only write to its stream", () => {
        const role = one(r, "aws:iam/role:Role", "ingest-task-role");
        expect(policyOf(role, "assumeRolePolicy").Statement).to.deep.equal([
            { Effect: "Allow", Principal: { Service: "ecs-tasks.amazonaws.com" }, Action: "sts:AssumeRole", Condition: { StringEquals: { "aws:SourceAccount": "111111111111" } } },
        ]);
        const policy = one(r, "aws:iam/rolePolicy:RolePolicy", "ingest-task-stream");
        expect(policy.parent).to.equal("ingest-task-role");
        expect(policyOf(policy).Statement).to.deep.equal([
            { Sid: "WriteStream", Effect: "Allow", Action: ["kinesis:PutRecord", "kinesis:PutRecords", "kinesis:ListShards", "kinesis:DescribeStreamSummary"], Resource: STREAM_ARN },
            { Sid: "EncryptStream", Effect: "Allow", Action: ["kms:GenerateDataKey"], Resource: KEY_ARN },
        ]);
    });

    it("scopes the execution role to this repository and log group", () => {
        const repo = one(r, "aws:ecr/repository:Repository");
        expect(repo.inputs).to.deep.include({ imageTagMutability: "IMMUTABLE", imageScanningConfiguration: { scanOnPush: true } });
        expect(repo.inputs.encryptionConfigurations[0].encryptionType).to.equal("KMS");
        const stmts = policyOf(one(r, "aws:iam/rolePolicy:RolePolicy", "ingest-exec")).Statement;
        expect(stmts.map((s: any) => [s.Sid, s.Resource])).to.deep.equal([
            ["EcrAuth", "*"],
            ["PullImage", repo.outputs.arn],
            ["DecryptImage", one(r, "aws:kms/key:Key").outputs.arn],
            ["WriteLogs", `${one(r, "aws:cloudwatch/logGroup:LogGroup", "ingest-logs").outputs.arn}:*`],
        ]);
    });

    it("creates a latency record with an HTTPS /healthz health check on this ALB", () => {
        const hc = one(r, "aws:route53/healthCheck:HealthCheck");
        const alb = one(r, "aws:lb/loadBalancer:LoadBalancer");
        expect(hc.inputs).to.deep.include({ type: "HTTPS", port: 443, resourcePath: "/healthz", fqdn: alb.outputs.dnsName, failureThreshold: 3, requestInterval: 30 });
        expect(hc.region).to.equal("us-east-1");
        const rec = one(r, "aws:route53/record:Record", "ingest-record");
        expect(rec.inputs).to.deep.include({ zoneId: "Z0123456789ABCDEFGHIJ", name: "ingest.example.com", type: "A", setIdentifier: "eu-west-1" });
        expect(rec.inputs.healthCheckId).to.match(/^[0-9a-f-]{36}$/);
        expect(rec.inputs.latencyRoutingPolicies).to.deep.equal([{ region: "eu-west-1" }]);
        expect(rec.inputs.aliases).to.deep.equal([{ name: alb.outputs.dnsName, zoneId: "Z32O12XQLNTSW2", evaluateTargetHealth: true }]);
    });

    it("builds every alarm with dimensions naming its resources; the Route 53 alarm lives in us-east-1", () => {
        const alarms = all(r, "aws:cloudwatch/metricAlarm:MetricAlarm");
        const alb = one(r, "aws:lb/loadBalancer:LoadBalancer").outputs.arnSuffix;
        const tg = one(r, "aws:lb/targetGroup:TargetGroup").outputs.arnSuffix;
        const cluster = one(r, "aws:ecs/cluster:Cluster").outputs.name;
        const service = one(r, "aws:ecs/service:Service").outputs.name;
        const hc = one(r, "aws:route53/record:Record", "ingest-record").inputs.healthCheckId;
        expect(hc).to.be.a("string");
        expect(alarms.map((a) => [a.inputs.name, a.inputs.namespace, a.inputs.metricName, a.inputs.dimensions, a.inputs.statistic ?? a.inputs.extendedStatistic, a.inputs.comparisonOperator, a.inputs.threshold])).to.deep.equal([
            ["test-ingest-alb-5xx", "AWS/ApplicationELB", "HTTPCode_ELB_5XX_Count", { LoadBalancer: alb }, "Sum", "GreaterThanOrEqualToThreshold", 10],
            ["test-ingest-target-5xx", "AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", { LoadBalancer: alb, TargetGroup: tg }, "Sum", "GreaterThanOrEqualToThreshold", 10],
            ["test-ingest-latency-p99", "AWS/ApplicationELB", "TargetResponseTime", { LoadBalancer: alb, TargetGroup: tg }, "p99", "GreaterThanOrEqualToThreshold", 1],
            ["test-ingest-unhealthy-hosts", "AWS/ApplicationELB", "UnHealthyHostCount", { LoadBalancer: alb, TargetGroup: tg }, "Maximum", "GreaterThanOrEqualToThreshold", 1],
            ["test-ingest-cpu-high", "AWS/ECS", "CPUUtilization", { ClusterName: cluster, ServiceName: service }, "Average", "GreaterThanOrEqualToThreshold", 85],
            ["test-ingest-memory-high", "AWS/ECS", "MemoryUtilization", { ClusterName: cluster, ServiceName: service }, "Average", "GreaterThanOrEqualToThreshold", 85],
            ["test-ingest-waf-blocked-spike", "AWS/WAFV2", "BlockedRequests", { WebACL: "test-ingest", Region: "eu-west-1", Rule: "ALL" }, "Sum", "GreaterThanOrEqualToThreshold", 1000],
            ["test-ingest-requests-shed", "FlightStream/Ingestion", "RequestsShed", { Service: "ingest", StreamName: "flights" }, "Sum", "GreaterThanOrEqualToThreshold", 10],
            ["test-ingest-events-failed", "FlightStream/Ingestion", "EventsFailed", { Service: "ingest", StreamName: "flights" }, "Sum", "GreaterThanOrEqualToThreshold", 1],
            ["test-ingest-dns-health", "AWS/Route53", "HealthCheckStatus", { HealthCheckId: hc }, "Minimum", "LessThanThreshold", 1],
        ]);
        const dns = one(r, "aws:cloudwatch/metricAlarm:MetricAlarm", "ingest-dns-health");
        expect([dns.region, dns.parent]).to.deep.equal(["us-east-1", "ingest-health"]);
        expect(one(r, "aws:cloudwatch/metricAlarm:MetricAlarm", "ingest-cpu-high").region).to.equal("eu-west-1");
    });

    it("creates no Route 53 alarm without a us-east-1 provider outside us-east-1", async () => {
        const res = await build();
        expect(all(res, "aws:cloudwatch/metricAlarm:MetricAlarm").map((a) => a.name)).to.deep.equal([
            "ingest-alb-5xx",
            "ingest-target-5xx",
            "ingest-latency-p99",
            "ingest-unhealthy-hosts",
            "ingest-cpu-high",
            "ingest-memory-high",
            "ingest-waf-blocked-spike",
            "ingest-requests-shed",
            "ingest-events-failed",
        ]);
        expect(one(res, "aws:route53/healthCheck:HealthCheck").region).to.equal("eu-west-1");
    });

    it("builds the image from functions/ingest/Dockerfile and pushes it to the repository when no image is given", async () => {
        const res = await build({ image: undefined });
        const image = one(res, "docker-build:index:Image");
        const repoUrl = one(res, "aws:ecr/repository:Repository").outputs.repositoryUrl;
        expect(image.inputs.push).to.equal(true);
        expect(image.inputs.dockerfile.location).to.match(/functions\/ingest\/Dockerfile$/);
        expect(image.inputs.tags).to.have.length(1);
        expect(image.inputs.tags[0]).to.match(new RegExp(`^${repoUrl.replace(/[.]/g, "\\.")}:[0-9a-f]{16}$`));
        const [container] = JSON.parse(one(res, "aws:ecs/taskDefinition:TaskDefinition").inputs.containerDefinitions);
        expect(container.image).to.equal(image.inputs.tags[0]);
    });

    it("uses an existing VPC and its subnets when given, creating no network", async () => {
        const res = await build({ vpcId: "vpc-123", publicSubnetIds: ["subnet-p1", "subnet-p2"], privateSubnetIds: ["subnet-a", "subnet-b"], privateRouteTableIds: ["rtb-1"] });
        expect(all(res, "aws:ec2/vpc:Vpc")).to.have.length(0);
        expect(all(res, "aws:ec2/subnet:Subnet")).to.have.length(0);
        expect(one(res, "aws:ecs/service:Service").inputs.networkConfiguration.subnets).to.deep.equal(["subnet-a", "subnet-b"]);
        expect(one(res, "aws:lb/loadBalancer:LoadBalancer").inputs.subnets).to.deep.equal(["subnet-p1", "subnet-p2"]);
        expect(one(res, "aws:ec2/vpcEndpoint:VpcEndpoint", "ingest-vpce-s3").inputs.routeTableIds).to.deep.equal(["rtb-1"]);
    });

    it("supports simple, weighted and failover routing", async () => {
        const simple = one(await build(), "aws:route53/record:Record", "ingest-record").inputs;
        expect(simple.setIdentifier).to.equal(undefined);
        expect(simple.healthCheckId).to.equal(undefined);
        const weighted = one(await build({ routingPolicy: "weighted", setIdentifier: "blue", weight: 20 }), "aws:route53/record:Record", "ingest-record").inputs;
        expect([weighted.setIdentifier, weighted.weightedRoutingPolicies]).to.deep.equal(["blue", [{ weight: 20 }]]);
        const failover = one(await build({ routingPolicy: "failover", setIdentifier: "primary", failoverRole: "PRIMARY" }), "aws:route53/record:Record", "ingest-record").inputs;
        expect(failover.failoverRoutingPolicies).to.deep.equal([{ type: "PRIMARY" }]);
    });

    it("disables one alarm or all alarms through the alarm settings", async () => {
        const one1 = await build({ alarms: { overrides: { "cpu-high": { enabled: false }, "latency-p99": { threshold: 2 } } } });
        const names = all(one1, "aws:cloudwatch/metricAlarm:MetricAlarm").map((a) => a.name);
        expect(names).to.not.include("ingest-cpu-high");
        expect(one(one1, "aws:cloudwatch/metricAlarm:MetricAlarm", "ingest-latency-p99").inputs.threshold).to.equal(2);
        expect(all(await build({ alarms: { enabled: false } }), "aws:cloudwatch/metricAlarm:MetricAlarm")).to.have.length(0);
    });

    it("creates the key store secret under the component key with the initial document, its string left to the ops command", () => {
        const key = one(r, "aws:kms/key:Key").outputs.arn;
        const secret = one(r, "aws:secretsmanager/secret:Secret", "ingest-ingest-keys");
        expect(secret.inputs).to.deep.include({ name: "test-ingest-ingest-keys", kmsKeyId: key, recoveryWindowInDays: 30 });
        const version = one(r, "aws:secretsmanager/secretVersion:SecretVersion", "ingest-ingest-keys");
        expect(version.inputs.secretId).to.equal(secret.outputs.arn);
        // secretString is a secret input: the engine records it wrapped with Pulumi's secret signature.
        expect(version.inputs.secretString["4dabf18193072939515e22adb298388d"]).to.equal("1b47061264138c4ac30d75fd1eb44270");
        expect(JSON.parse(version.inputs.secretString.value)).to.deep.equal({ version: 1, keys: [] });
        expect(version.ignoreChanges).to.deep.equal(["secretString"]);
    });

    it("lets the task role read exactly the key store and decrypt it only through Secrets Manager", () => {
        const policy = one(r, "aws:iam/rolePolicy:RolePolicy", "ingest-task-keys");
        expect(policy.parent).to.equal("ingest-task-role");
        expect(policyOf(policy).Statement).to.deep.equal([
            { Sid: "ReadKeyStore", Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: one(r, "aws:secretsmanager/secret:Secret").outputs.arn },
            { Sid: "DecryptKeyStore", Effect: "Allow", Action: "kms:Decrypt", Resource: one(r, "aws:kms/key:Key").outputs.arn, Condition: { StringEquals: { "kms:ViaService": "secretsmanager.eu-west-1.amazonaws.com" } } },
        ]);
    });

    it("associates a REGIONAL web ACL with the ALB: IP reputation, per-IP rate, request size, then the common and known-bad-inputs groups", () => {
        const acl = one(r, "aws:wafv2/webAcl:WebAcl");
        expect(acl.inputs).to.deep.include({ name: "test-ingest", scope: "REGIONAL", defaultAction: { allow: {} } });
        const rules: any[] = acl.inputs.rules;
        expect(rules.map((x) => [x.name, x.priority, x.action ? Object.keys(x.action)[0] : `override:${Object.keys(x.overrideAction)[0]}`])).to.deep.equal([
            ["AWSManagedRulesAmazonIpReputationList", 0, "override:none"],
            ["per-ip-rate", 10, "block"],
            ["body-size", 20, "block"],
            ["AWSManagedRulesCommonRuleSet", 100, "override:none"],
            ["AWSManagedRulesKnownBadInputsRuleSet", 110, "override:none"],
        ]);
        expect(rules[1].statement).to.deep.equal({ rateBasedStatement: { limit: 20000, evaluationWindowSec: 300, aggregateKeyType: "IP" } });
        expect(rules[2].statement).to.deep.equal({ regexMatchStatement: { regexString: greaterThanPattern(1048576), fieldToMatch: { singleHeader: { name: "content-length" } }, textTransformations: [{ priority: 0, type: "NONE" }] } });
        expect(rules[3].statement.managedRuleGroupStatement).to.deep.equal({ vendorName: "AWS", name: "AWSManagedRulesCommonRuleSet", ruleActionOverrides: [{ name: "SizeRestrictions_BODY", actionToUse: { count: {} } }] });
        expect(rules.every((x) => x.visibilityConfig.metricName === x.name && x.visibilityConfig.cloudwatchMetricsEnabled === true)).to.equal(true);
        const assoc = one(r, "aws:wafv2/webAclAssociation:WebAclAssociation");
        expect(assoc.inputs).to.deep.equal({ resourceArn: one(r, "aws:lb/loadBalancer:LoadBalancer").outputs.arn, webAclArn: acl.outputs.arn });
    });

    it("logs WAF decisions to a KMS-encrypted aws-waf-logs- group with the Authorization header redacted", () => {
        const group = one(r, "aws:cloudwatch/logGroup:LogGroup", "ingest-waf-logs");
        const key = one(r, "aws:kms/key:Key");
        expect(group.inputs).to.deep.include({ name: "aws-waf-logs-test-ingest", kmsKeyId: key.outputs.arn, retentionInDays: 30 });
        const logging = one(r, "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration");
        expect(logging.inputs).to.deep.equal({ resourceArn: one(r, "aws:wafv2/webAcl:WebAcl").outputs.arn, logDestinationConfigs: [group.outputs.arn], redactedFields: [{ singleHeader: { name: "authorization" } }] });
        const logsUse = policyOf(key).Statement.find((x: any) => x.Sid === "CloudWatchLogsUse");
        expect(logsUse.Condition).to.deep.equal({
            ArnLike: {
                "kms:EncryptionContext:aws:logs:arn": [
                    "arn:aws:logs:eu-west-1:111111111111:log-group:/ecs/ingest",
                    "arn:aws:logs:eu-west-1:111111111111:log-group:aws-waf-logs-test-ingest",
                    "arn:aws:logs:eu-west-1:111111111111:log-group:/vpc/ingest/flow-logs",
                ],
            },
        });
    });

    it("answers port 80 only with a redirect: no rule hangs on the HTTP listener, every listener rule is on HTTPS", async () => {
        const res = await build({ vendors: [{ name: "amadeus" }, { name: "skyscanner", dedicatedTasks: { minTasks: 2, maxTasks: 4 } }] });
        const listeners = all(res, "aws:lb/listener:Listener");
        expect(listeners.map((l) => [l.name, l.inputs.port, l.inputs.protocol])).to.deep.equal([
            ["ingest-https", 443, "HTTPS"],
            ["ingest-http", 80, "HTTP"],
        ]);
        const http = one(res, "aws:lb/listener:Listener", "ingest-http");
        expect(http.inputs.defaultActions).to.deep.equal([{ type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } }]);
        const rules = all(res, "aws:lb/listenerRule:ListenerRule");
        expect(rules).to.have.length(2);
        const httpsArn = one(res, "aws:lb/listener:Listener", "ingest-https").outputs.arn;
        expect(rules.every((x) => x.inputs.listenerArn === httpsArn)).to.equal(true);
        expect(http.outputs.arn).to.not.equal(httpsArn);
    });

    it("manages the created VPC's default security group with no rules and sends ALL flow logs to a KMS log group", () => {
        const vpcId = one(r, "aws:ec2/securityGroup:SecurityGroup", "ingest-alb-sg").inputs.vpcId;
        expect(vpcId).to.match(/^vpc-/);
        const dsg = one(r, "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup");
        expect(dsg.inputs).to.deep.include({ vpcId, ingress: [], egress: [] });
        const group = one(r, "aws:cloudwatch/logGroup:LogGroup", "ingest-flow-logs");
        expect(group.inputs).to.deep.include({ name: "/vpc/ingest/flow-logs", kmsKeyId: one(r, "aws:kms/key:Key").outputs.arn });
        const flow = one(r, "aws:ec2/flowLog:FlowLog");
        const role = one(r, "aws:iam/role:Role", "ingest-flow-logs-role");
        expect(flow.inputs).to.deep.include({ vpcId, trafficType: "ALL", logDestinationType: "cloud-watch-logs", logDestination: group.outputs.arn, iamRoleArn: role.outputs.arn });
        expect(policyOf(role, "assumeRolePolicy").Statement).to.deep.equal([
            {
                Effect: "Allow",
                Principal: { Service: "vpc-flow-logs.amazonaws.com" },
                Action: "sts:AssumeRole",
                Condition: { StringEquals: { "aws:SourceAccount": "111111111111" }, ArnLike: { "aws:SourceArn": "arn:aws:ec2:eu-west-1:111111111111:vpc-flow-log/*" } },
            },
        ]);
        expect(policyOf(one(r, "aws:iam/rolePolicy:RolePolicy", "ingest-flow-logs")).Statement).to.deep.equal([
            { Sid: "DeliverFlowLogs", Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"], Resource: `${group.outputs.arn}:*` },
        ]);
    });

    it("creates neither a default security group nor flow logs for a VPC it was given", async () => {
        const res = await build({ vpcId: "vpc-123", publicSubnetIds: ["subnet-p1", "subnet-p2"], privateSubnetIds: ["subnet-a", "subnet-b"] });
        expect(all(res, "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup")).to.have.length(0);
        expect(all(res, "aws:ec2/flowLog:FlowLog")).to.have.length(0);
        expect(all(res, "aws:cloudwatch/logGroup:LogGroup").map((g) => g.inputs.name)).to.deep.equal(["/ecs/ingest", "aws-waf-logs-test-ingest"]);
    });

    describe("vendors", () => {
        let res: ProgramResult;
        before(async () => {
            res = await build({
                routingPolicy: "failover",
                setIdentifier: "primary",
                failoverRole: "PRIMARY",
                vendors: [
                    { name: "amadeus", rateLimitPerFiveMinutes: 500000 },
                    { name: "skyscanner", dedicatedTasks: { minTasks: 2, maxTasks: 6 } },
                ],
            });
        });

        it("covers every vendor hostname with the one certificate and validates each name in the zone", () => {
            const cert = one(res, "aws:acm/certificate:Certificate");
            expect(cert.inputs).to.deep.include({ domainName: "ingest.example.com", subjectAlternativeNames: ["amadeus.ingest.example.com", "skyscanner.ingest.example.com"] });
            const records = all(res, "aws:route53/record:Record", /cert-validation/);
            expect(records.map((x) => [x.name, x.inputs.name])).to.deep.equal([
                ["ingest-cert-validation", records[0].inputs.name],
                ["ingest-cert-validation-amadeus", records[1].inputs.name],
                ["ingest-cert-validation-skyscanner", records[2].inputs.name],
            ]);
            expect(records.map((x) => x.inputs.name.replace(/^_[0-9a-f]+\./, ""))).to.deep.equal(["ingest.example.com.", "amadeus.ingest.example.com.", "skyscanner.ingest.example.com."]);
            expect(one(res, "aws:acm/certificateValidation:CertificateValidation").inputs.validationRecordFqdns).to.deep.equal(records.map((x) => x.inputs.name));
        });

        it("publishes a record per vendor with the stack's routing policy and health check", () => {
            const main = one(res, "aws:route53/record:Record", "ingest-record").inputs;
            for (const vendor of ["amadeus", "skyscanner"]) {
                const rec = one(res, "aws:route53/record:Record", `ingest-record-${vendor}`).inputs;
                expect(rec).to.deep.include({ zoneId: "Z0123456789ABCDEFGHIJ", name: `${vendor}.ingest.example.com`, type: "A", setIdentifier: "primary", healthCheckId: main.healthCheckId, failoverRoutingPolicies: [{ type: "PRIMARY" }] });
                expect(rec.aliases).to.deep.equal(main.aliases);
            }
        });

        it("routes each vendor host on HTTPS: amadeus to the shared target group, skyscanner to its own", () => {
            const shared = one(res, "aws:lb/targetGroup:TargetGroup", "ingest-tg").outputs.arn;
            const own = one(res, "aws:lb/targetGroup:TargetGroup", "ingest-tg-skyscanner");
            const rules = all(res, "aws:lb/listenerRule:ListenerRule");
            expect(rules.map((x) => [x.name, x.inputs.priority, x.inputs.conditions, x.inputs.actions])).to.deep.equal([
                ["ingest-vendor-amadeus", 1, [{ hostHeader: { values: ["amadeus.ingest.example.com"] } }], [{ type: "forward", targetGroupArn: shared }]],
                ["ingest-vendor-skyscanner", 2, [{ hostHeader: { values: ["skyscanner.ingest.example.com"] } }], [{ type: "forward", targetGroupArn: own.outputs.arn }]],
            ]);
            expect(own.inputs.healthCheck).to.deep.include({ path: "/healthz", matcher: "200" });
        });

        it("gives a dedicated vendor its own ECS service on the same task definition, scaled between its bounds", () => {
            const services = all(res, "aws:ecs/service:Service");
            expect(services.map((x) => x.name)).to.deep.equal(["ingest-service", "ingest-service-skyscanner"]);
            const svc = services[1];
            expect(svc.inputs).to.deep.include({ desiredCount: 2, launchType: "FARGATE", taskDefinition: one(res, "aws:ecs/taskDefinition:TaskDefinition").outputs.arn });
            expect(svc.inputs.loadBalancers).to.deep.equal([{ targetGroupArn: one(res, "aws:lb/targetGroup:TargetGroup", "ingest-tg-skyscanner").outputs.arn, containerName: "ingest", containerPort: 8080 }]);
            expect(svc.inputs.networkConfiguration.assignPublicIp).to.equal(false);
            expect(one(res, "aws:appautoscaling/target:Target", "ingest-scaling-skyscanner").inputs).to.deep.include({ minCapacity: 2, maxCapacity: 6 });
            expect(one(res, "aws:appautoscaling/policy:Policy", "ingest-scale-cpu-skyscanner").inputs.targetTrackingScalingPolicyConfiguration.targetValue).to.equal(60);
        });

        it("counts and rate-limits each vendor in WAF on its host header", () => {
            const rules: any[] = one(res, "aws:wafv2/webAcl:WebAcl").inputs.rules;
            const host = (h: string) => ({ byteMatchStatement: { fieldToMatch: { singleHeader: { name: "host" } }, positionalConstraint: "EXACTLY", searchString: h, textTransformations: [{ priority: 0, type: "LOWERCASE" }] } });
            const vendorRules = rules.filter((x) => x.name.startsWith("vendor-"));
            expect(vendorRules.map((x) => [x.name, x.priority, x.action, x.statement])).to.deep.equal([
                ["vendor-amadeus-requests", 30, { count: {} }, host("amadeus.ingest.example.com")],
                ["vendor-amadeus-rate", 31, { block: {} }, { rateBasedStatement: { limit: 500000, evaluationWindowSec: 300, aggregateKeyType: "CONSTANT", scopeDownStatement: host("amadeus.ingest.example.com") } }],
                ["vendor-skyscanner-requests", 32, { count: {} }, host("skyscanner.ingest.example.com")],
                ["vendor-skyscanner-rate", 33, { block: {} }, { rateBasedStatement: { limit: 300000, evaluationWindowSec: 300, aggregateKeyType: "CONSTANT", scopeDownStatement: host("skyscanner.ingest.example.com") } }],
            ]);
            expect(new Set(rules.map((x) => x.priority)).size).to.equal(rules.length);
        });

        it("exposes per-vendor metrics with their WAF rule and target group dimensions", async () => {
            let dims: unknown;
            await evaluate(() => {
                const svc = new IngestionService("ingest", baseArgs({ vendors: [{ name: "amadeus" }, { name: "skyscanner", dedicatedTasks: { minTasks: 1, maxTasks: 2 } }] }), { provider: testProvider() });
                const widgets = svc.vendorWidgets();
                dims = (require("@pulumi/pulumi") as typeof import("@pulumi/pulumi")).output(
                    widgets.map((w) => ({ title: w.title, metrics: w.metrics.map((m) => ({ ns: m.namespace, name: m.metricName, dims: m.dimensions, stat: m.statistic })) })),
                );
                (dims as any).apply((d: unknown) => {
                    dims = d;
                });
                expect(() => svc.metricVendorRequests("kayak")).to.throw('IngestionService: no vendor "kayak" (vendors: "amadeus", "skyscanner")');
            });
            const w = dims as any[];
            expect(w.map((x) => x.title)).to.deep.equal(["Vendor amadeus (amadeus.ingest.example.com)", "Vendor skyscanner (skyscanner.ingest.example.com)"]);
            expect(w[0].metrics).to.deep.equal([
                { ns: "AWS/WAFV2", name: "CountedRequests", dims: { WebACL: "test-ingest", Region: "eu-west-1", Rule: "vendor-amadeus-requests" }, stat: "Sum" },
                { ns: "AWS/WAFV2", name: "BlockedRequests", dims: { WebACL: "test-ingest", Region: "eu-west-1", Rule: "vendor-amadeus-rate" }, stat: "Sum" },
            ]);
            expect(w[1].metrics.map((m: any) => [m.ns, m.name, Object.keys(m.dims)])).to.deep.equal([
                ["AWS/WAFV2", "CountedRequests", ["WebACL", "Region", "Rule"]],
                ["AWS/WAFV2", "BlockedRequests", ["WebACL", "Region", "Rule"]],
                ["AWS/ApplicationELB", "RequestCount", ["LoadBalancer", "TargetGroup"]],
            ]);
        });
    });

    it("passes the platform policy pack with no violations (prod-like settings)", async () => {
        const res = await evaluate(
            () => {
                const provider = testProvider("ingestion", "111111111111", "eu-west-1");
                const usEast1 = testProvider("ingestion-use1", "111111111111", "us-east-1");
                new IngestionService(
                    "ingest",
                    baseArgs({
                        image: undefined,
                        usEast1Provider: usEast1,
                        vendors: [{ name: "amadeus" }, { name: "skyscanner", dedicatedTasks: { minTasks: 2, maxTasks: 4 } }],
                        deletionProtection: true,
                        alarms: { routing: { page: ["arn:aws:sns:eu-west-1:111111111111:page"], ticket: ["arn:aws:sns:eu-west-1:111111111111:ticket"] } },
                    }),
                    { provider },
                );
            },
            { stack: "prod" },
        );
        const { violations } = await runPolicies(res);
        expect(violations.map((v) => `${v.policy}: ${v.message}`)).to.deep.equal([]);
    });

    describe("validation", () => {
        const cases: [string, Partial<IngestionServiceArgs>, string][] = [
            ["the domain name is not a DNS name", { domainName: "Ingest_Example" }, 'IngestionService ingest: `domainName` must be a lower-case DNS name such as "ingest.example.com" (received "Ingest_Example").'],
            ["the hosted zone id is malformed", { hostedZoneId: "zone-1" }, 'IngestionService ingest: `hostedZoneId` must be a Route 53 hosted zone id such as "Z0123456789ABCDEFGHIJ" (received "zone-1").'],
            ["the routing policy is unknown", { routingPolicy: "geo" as never }, 'IngestionService ingest: `routingPolicy` must be one of "simple", "weighted", "latency", "failover" (received "geo").'],
            ["weighted routing has no set identifier", { routingPolicy: "weighted", weight: 1 }, 'IngestionService ingest: `setIdentifier` must be a string of 1 to 128 characters when `routingPolicy` is "weighted" (received undefined).'],
            ["weighted routing has no weight", { routingPolicy: "weighted", setIdentifier: "a" }, 'IngestionService ingest: `weight` must be an integer between 0 and 255 when `routingPolicy` is "weighted" (received undefined).'],
            ["the weight is above 255", { routingPolicy: "weighted", setIdentifier: "a", weight: 256 }, "IngestionService ingest: `weight` must be an integer between 0 and 255 (received 256)."],
            ["failover routing has no role", { routingPolicy: "failover", setIdentifier: "a" }, 'IngestionService ingest: `failoverRole` must be one of "PRIMARY", "SECONDARY" when `routingPolicy` is "failover" (received undefined).'],
            ["simple routing has a set identifier", { setIdentifier: "a" }, 'IngestionService ingest: `setIdentifier` must be omitted when `routingPolicy` is "simple" (received "a").'],
            ["the health check interval is 20", { healthCheckIntervalSeconds: 20 }, "IngestionService ingest: `healthCheckIntervalSeconds` must be 10 or 30 (received 20)."],
            ["the stream ARN is not a Kinesis stream", { streamArn: "arn:aws:sqs:eu-west-1:111111111111:q" }, 'IngestionService ingest: `streamArn` must be a Kinesis stream ARN (received "arn:aws:sqs:eu-west-1:111111111111:q").'],
            ["cpu is not a Fargate size", { cpu: 300 }, "IngestionService ingest: `cpu` must be one of the Fargate CPU sizes 256, 512, 1024, 2048, 4096 (received 300)."],
            ["memory does not fit the cpu", { cpu: 256, memoryMiB: 4096 }, "IngestionService ingest: `memoryMiB` must be a Fargate memory size for 256 CPU units (512 to 2048 MiB: 512, 1024, 2048) (received 4096)."],
            ["maxTasks is below minTasks", { minTasks: 3, maxTasks: 2 }, "IngestionService ingest: `maxTasks` must be at least `minTasks` (3) (received 2)."],
            ["the linger is above 50 ms", { lingerMs: 51 }, "IngestionService ingest: `lingerMs` must be an integer between 0 and 50 (received 51)."],
            [
                "the log retention is not a CloudWatch period",
                { logRetentionDays: 10 },
                "IngestionService ingest: `logRetentionDays` must be one of CloudWatch Logs' retention periods (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653) (received 10).",
            ],
            ["the VPC CIDR is a /24", { vpcCidr: "10.0.0.0/24" }, 'IngestionService ingest: `vpcCidr` must be an IPv4 network CIDR from /16 to /22 (such as "10.10.0.0/16") (received "10.0.0.0/24").'],
            ["a zone is outside the region", { availabilityZones: ["eu-west-1a", "us-east-1a"] }, 'IngestionService ingest: `availabilityZones` must be 2 to 3 distinct zones of region eu-west-1 (received ["eu-west-1a","us-east-1a"]).'],
            ["vpcId comes without subnets", { vpcId: "vpc-1" }, "IngestionService ingest: `publicSubnetIds` must be at least 2 public subnet ids when `vpcId` is given (received undefined)."],
            ["the stop timeout is above Fargate's 120 s", { stopTimeoutSeconds: 121 }, "IngestionService ingest: `stopTimeoutSeconds` must be an integer between 2 and 120 (received 121)."],
            [
                "a vendor name is not a DNS label",
                { vendors: [{ name: "Sky_Scanner" }] },
                'IngestionService ingest: `vendors[0].name` must be a lower-case DNS label of 2 to 32 letters, digits or dashes, starting with a letter (received "Sky_Scanner").',
            ],
            ["two vendors share a name", { vendors: [{ name: "amadeus" }, { name: "amadeus" }] }, 'IngestionService ingest: `vendors[1].name` must be unique among `vendors` (received "amadeus").'],
            [
                "a vendor rate limit is below WAF's 100",
                { vendors: [{ name: "amadeus", rateLimitPerFiveMinutes: 99 }] },
                "IngestionService ingest: `vendors[0].rateLimitPerFiveMinutes` must be an integer between 100 and 2000000000 (received 99).",
            ],
            [
                "a dedicated vendor's maxTasks is below its minTasks",
                { vendors: [{ name: "amadeus", dedicatedTasks: { minTasks: 3, maxTasks: 2 } }] },
                "IngestionService ingest: `vendors[0].dedicatedTasks.maxTasks` must be at least `vendors[0].dedicatedTasks.minTasks` (3) (received 2).",
            ],
            ["the per-IP rate limit is below WAF's 100", { wafRateLimitPerIp: 50 }, "IngestionService ingest: `wafRateLimitPerIp` must be an integer between 100 and 2000000000 (received 50)."],
        ];
        for (const [what, overrides, message] of cases) {
            it(`fails when ${what}`, async () => {
                expect(await failure(overrides)).to.equal(message);
            });
        }
    });
});

describe("greaterThanPattern (the WAF request-size rule)", () => {
    it("matches exactly the decimal integers above the limit, leading zeros allowed", () => {
        fc.assert(
            fc.property(fc.integer({ min: 0, max: 64 * 1024 * 1024 }), fc.bigInt({ min: 0n, max: 10n ** 12n }), fc.integer({ min: 0, max: 3 }), (limit, value, zeros) => {
                const re = new RegExp(greaterThanPattern(limit));
                expect(re.test("0".repeat(zeros) + value.toString()), `${value} > ${limit}`).to.equal(value > BigInt(limit));
            }),
            { numRuns: 2000 },
        );
        const re = new RegExp(greaterThanPattern(1048576));
        expect(["1048576", "1048577", "999999", "10000000", "", "1e9", "-5", "1048577 "].map((x) => re.test(x))).to.deep.equal([false, true, false, true, false, false, false, false]);
    });

    it("fails when the limit is negative or not an integer", () => {
        expect(() => greaterThanPattern(-1)).to.throw(RangeError, "greaterThanPattern: n must be a non-negative safe integer; received -1");
        expect(() => greaterThanPattern(1.5)).to.throw(RangeError, "greaterThanPattern: n must be a non-negative safe integer; received 1.5");
    });

    it("stays within WAF's 200-character regex limit up to the service's 64 MiB maximum", () => {
        expect(greaterThanPattern(64 * 1024 * 1024).length).to.be.at.most(200);
    });
});

describe("planSubnets", () => {
    it("fails when the CIDR is outside /16../22 or has host bits", () => {
        expect(() => planSubnets("10.0.0.0/23", 2)).to.throw(RangeError, 'vpcCidr must be an IPv4 network CIDR from /16 to /22; received "10.0.0.0/23"');
        expect(() => planSubnets("10.0.0.1/16", 2)).to.throw(RangeError, 'vpcCidr must be an IPv4 network CIDR from /16 to /22; received "10.0.0.1/16"');
        expect(() => planSubnets("10.0.0.0/16", 4)).to.throw(RangeError, "`azCount` must be an integer between 2 and 3 (received 4)");
    });

    it("gives disjoint subnets inside the VPC, public ones at least /26", () => {
        const arb = fc.tuple(fc.integer({ min: 16, max: 22 }), fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.integer({ min: 2, max: 3 }));
        fc.assert(
            fc.property(arb, ([prefix, raw, azs]) => {
                const base = raw - (raw % 2 ** (32 - prefix));
                const ip = [24, 16, 8, 0].map((s) => Math.floor(base / 2 ** s) % 256).join(".");
                const plan = planSubnets(`${ip}/${prefix}`, azs);
                const ranges = [...plan.publicCidrs, ...plan.privateCidrs].map((c) => {
                    const p = parseCidr(c)!;
                    expect(p, c).to.not.equal(undefined);
                    return [p.base, p.base + 2 ** (32 - p.prefix) - 1, p.prefix];
                });
                expect(plan.publicCidrs).to.have.length(azs);
                for (const [lo, hi, pfx] of ranges) {
                    expect(lo).to.be.at.least(base);
                    expect(hi).to.be.at.most(base + 2 ** (32 - prefix) - 1);
                    expect(pfx).to.be.at.most(26);
                }
                for (let i = 0; i < ranges.length; i++)
                    for (let j = i + 1; j < ranges.length; j++) {
                        expect(ranges[i][1] < ranges[j][0] || ranges[j][1] < ranges[i][0]).to.equal(true);
                    }
            }),
        );
    });
});

void aws;
