/**
 * The issues' "done when" criteria, checked on the real prod program under mocks.
 */
import { expect } from "chai";
import { measuredFigures, planDataPath } from "../../functions/shared/capacity";
import benchResults from "../../bench/results.json";
import { planStack } from "../../plan/stack";
import { PlannedResource, ProgramResult, all, one } from "../helpers/pulumi";

const ACCOUNTS = { ingestion: "401234567890", lake: "402345678901", analytics: "403456789012", revenue: "404567890123", science: "405678901234" };

describe("prod plan: the platform as deployed", function () {
    this.timeout(120000);
    let r: ProgramResult;
    before(async () => {
        r = await planStack("prod");
    });
    const byBucket = (type: string, bucket: string) => all(r, type).filter((x) => x.inputs.bucket === bucket);

    it("holds one stream sized by the capacity planner, a customer KMS key and alarms naming it", () => {
        const stream = one(r, "aws:kinesis/stream:Stream", "stream");
        expect(stream.account).to.equal(ACCOUNTS.ingestion);
        expect(stream.inputs.shardCount).to.equal(planDataPath({ mbPerSecond: 231.5, peakFactor: 1, retentionHours: 48, measured: measuredFigures(benchResults) }).shards);
        expect(stream.inputs.retentionPeriod).to.equal(48);
        expect(stream.inputs.encryptionType).to.equal("KMS");
        const key = all(r, "aws:kms/key:Key").find((k) => k.outputs.arn === stream.inputs.kmsKeyId || k.outputs.keyId === stream.inputs.kmsKeyId);
        expect(key, "the stream's key is a customer-managed key of the stack").to.not.equal(undefined);
        expect(key!.inputs.enableKeyRotation).to.equal(true);
        // The raw stream's alarms (the clean derived stream has its own, stack/consumers.ts).
        const alarms = all(r, "aws:cloudwatch/metricAlarm:MetricAlarm")
            .filter((a) => !a.name.startsWith("stream-clean-"))
            .filter((a) => a.inputs.namespace === "AWS/Kinesis" || (a.inputs.metricQueries ?? []).some((q: any) => q.metric?.namespace === "AWS/Kinesis"));
        expect(alarms.length).to.be.at.least(6);
        for (const a of alarms) {
            const dims = a.inputs.dimensions ?? Object.assign({}, ...(a.inputs.metricQueries ?? []).filter((q: any) => q.metric).map((q: any) => q.metric.dimensions));
            expect(dims.StreamName, a.inputs.name).to.equal(stream.outputs.name);
        }
        expect(all(r, "aws:cloudwatch/metricAlarm:MetricAlarm").some((a) => a.inputs.metricName === "GetRecords.IteratorAgeMilliseconds" && a.inputs.statistic === "Maximum")).to.equal(true);
    });

    it("shows the Route 53 record, certificate, HTTPS-only ALB, ECS service with autoscaling in the ingestion account", () => {
        const record = all(r, "aws:route53/record:Record").find((x) => x.inputs.name === "ingest.flightstream.example.com" && x.inputs.type === "A")!;
        expect(record.account).to.equal(ACCOUNTS.ingestion);
        expect(record.inputs.failoverRoutingPolicies).to.deep.equal([{ type: "PRIMARY" }]);
        const hc = one(r, "aws:route53/healthCheck:HealthCheck");
        expect(hc.inputs.resourcePath).to.equal("/healthz");
        expect(hc.inputs.type).to.equal("HTTPS");
        expect(record.inputs.healthCheckId).to.be.a("string").and.not.equal("");
        expect(one(r, "aws:acm/certificate:Certificate").inputs.validationMethod).to.equal("DNS");
        const listeners = all(r, "aws:lb/listener:Listener");
        const https = listeners.find((l) => l.inputs.protocol === "HTTPS")!;
        expect(https.inputs.sslPolicy).to.match(/^ELBSecurityPolicy-TLS13-1-2/);
        const http = listeners.find((l) => l.inputs.protocol === "HTTP")!;
        expect(http.inputs.defaultActions[0].type).to.equal("redirect");
        const lb = one(r, "aws:lb/loadBalancer:LoadBalancer");
        expect(lb.inputs.dropInvalidHeaderFields).to.equal(true);
        expect(lb.inputs.enableDeletionProtection).to.equal(true);
        expect(lb.inputs.accessLogs.enabled).to.equal(true);
        const svc = one(r, "aws:ecs/service:Service", "ingestion-service");
        expect(svc.inputs.launchType ?? svc.inputs.capacityProviderStrategies?.[0]?.capacityProvider).to.match(/FARGATE/);
        expect(svc.inputs.networkConfiguration.assignPublicIp).to.equal(false);
        const target = one(r, "aws:appautoscaling/target:Target", "ingestion-scaling");
        expect([target.inputs.minCapacity, target.inputs.maxCapacity]).to.deep.equal([3, 30]);
        // The shared service scales on CPU and requests; the dedicated vendor (amadeus) on CPU.
        expect(
            all(r, "aws:appautoscaling/policy:Policy")
                .map((p) => p.name)
                .filter((n) => n.startsWith("ingestion-")),
        ).to.deep.equal(["ingestion-scale-cpu", "ingestion-scale-requests", "ingestion-scale-cpu-amadeus"]);
        expect([one(r, "aws:appautoscaling/target:Target", "ingestion-scaling-amadeus").inputs.minCapacity, one(r, "aws:appautoscaling/target:Target", "ingestion-scaling-amadeus").inputs.maxCapacity]).to.deep.equal([2, 20]);
        const albAlarm = all(r, "aws:cloudwatch/metricAlarm:MetricAlarm").find((a) => a.inputs.name === "prod-ingestion-alb-5xx")!;
        expect(albAlarm.inputs.dimensions.LoadBalancer).to.equal(lb.outputs.arnSuffix);
    });

    it("puts the lake in the lake account and a hardened pond in each pond account", () => {
        const buckets = all(r, "aws:s3/bucket:Bucket").concat(all(r, "aws:s3/bucketV2:BucketV2"));
        const check = (b: PlannedResource) => {
            const name = b.outputs.bucket;
            const sse = byBucket("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", name)[0];
            expect(sse.inputs.rules[0].applyServerSideEncryptionByDefault.sseAlgorithm, name).to.equal("aws:kms");
            const pab = byBucket("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", name)[0];
            expect([pab.inputs.blockPublicAcls, pab.inputs.blockPublicPolicy, pab.inputs.ignorePublicAcls, pab.inputs.restrictPublicBuckets], name).to.deep.equal([true, true, true, true]);
            const policy = JSON.parse(byBucket("aws:s3/bucketPolicy:BucketPolicy", name)[0].inputs.policy);
            expect(
                policy.Statement.some((s: any) => s.Effect === "Deny" && s.Condition?.Bool?.["aws:SecureTransport"] === false),
                name,
            ).to.equal(true);
        };
        const dataBuckets = buckets.filter((b) => !/log/.test(b.name));
        const byAccount = new Map(dataBuckets.map((b) => [b.account, b]));
        for (const acct of [ACCOUNTS.lake, ACCOUNTS.revenue, ACCOUNTS.science]) {
            expect(byAccount.has(acct), `a data bucket in ${acct}`).to.equal(true);
            check(byAccount.get(acct)!);
        }
    });

    it("delivers the stream to the lake with dynamic partitioning, and catalogs it with Glue", () => {
        const fh = one(r, "aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream");
        expect(fh.account).to.equal(ACCOUNTS.ingestion);
        expect(fh.inputs.kinesisSourceConfiguration.kinesisStreamArn).to.equal(one(r, "aws:kinesis/stream:Stream", "stream").outputs.arn);
        expect(fh.inputs.extendedS3Configuration.dynamicPartitioningConfiguration.enabled).to.equal(true);
        expect(fh.inputs.extendedS3Configuration.prefix).to.match(/type=.*dt=.*hour=/);
        const tables = all(r, "aws:glue/catalogTable:CatalogTable");
        expect(tables.length).to.be.at.least(1);
        expect(tables.some((t) => t.account === ACCOUNTS.lake && t.inputs.parameters?.["projection.enabled"] === "true")).to.equal(true);
    });

    it("schedules a pond ETL state machine per pond", () => {
        // Not pond schedules: the reshard workflow's automatic check (tests/stack/auto-reshard.test.ts) and the
        // flight-status connector's poll (tests/stack/sources-wiring.test.ts); the model training schedule runs in the lake account too.
        const schedules = all(r, "aws:scheduler/schedule:Schedule").filter((s) => s.name !== "reshard-auto-check" && s.name !== "flight-status-source-schedule" && !s.name.includes("training"));
        expect(schedules.map((s) => s.inputs.scheduleExpression).sort()).to.deep.equal(["cron(15 2 * * ? *)", "cron(45 2 * * ? *)"]);
        const etlMachines = all(r, "aws:sfn/stateMachine:StateMachine").filter((m) => /pond-etl/.test(m.name));
        expect(etlMachines.length).to.equal(2);
        for (const s of schedules) expect(etlMachines.map((m) => m.outputs.arn)).to.include(s.inputs.target.arn);
    });

    it("runs Aurora Serverless v2 with the Data API, and the processor mapping with bisect, partial batches and an on-failure destination", () => {
        const cluster = one(r, "aws:rds/cluster:Cluster");
        expect(cluster.account).to.equal(ACCOUNTS.analytics);
        expect(cluster.inputs.enableHttpEndpoint).to.equal(true);
        expect(cluster.inputs.engineMode).to.equal("provisioned");
        expect(cluster.inputs.serverlessv2ScalingConfiguration).to.deep.include({ minCapacity: 2, maxCapacity: 64 });
        expect(cluster.inputs.storageEncrypted).to.equal(true);
        expect(cluster.inputs.deletionProtection).to.equal(true);
        expect(cluster.inputs.backupRetentionPeriod).to.be.at.least(14);
        for (const i of all(r, "aws:rds/clusterInstance:ClusterInstance")) expect(i.inputs.instanceClass).to.equal("db.serverless");
        const m = one(r, "aws:lambda/eventSourceMapping:EventSourceMapping", "analytics-processor-mapping");
        expect(m.account).to.equal(ACCOUNTS.analytics);
        expect(m.inputs.bisectBatchOnFunctionError).to.equal(true);
        expect(m.inputs.functionResponseTypes).to.deep.equal(["ReportBatchItemFailures"]);
        expect(m.inputs.destinationConfig.onFailure.destinationArn).to.match(/^arn:aws:sqs:/);
        expect(m.inputs.eventSourceArn).to.equal(one(r, "aws:kinesis/streamConsumer:StreamConsumer", "stream-analytics-processor").outputs.arn);
        expect(m.inputs.batchSize).to.equal(1000);
        expect(m.inputs.parallelizationFactor).to.equal(4);
        expect(one(r, "aws:apigatewayv2/api:Api").inputs.protocolType).to.equal("HTTP");
    });

    it("holds at least four state machines, each logging ALL with tracing", () => {
        const machines = all(r, "aws:sfn/stateMachine:StateMachine");
        expect(machines.length).to.be.at.least(5);
        for (const m of machines) {
            expect(m.inputs.loggingConfiguration.level, m.name).to.equal("ALL");
            expect(m.inputs.tracingConfiguration.enabled, m.name).to.equal(true);
        }
        expect(machines.map((m) => m.inputs.name)).to.include.members(["prod-replay", "prod-reshard", "prod-traffic-shift"]);
    });

    it("exports the outputs other stacks consume through StackReference", () => {
        const o = r.outputs as any;
        expect(o.stream.arn).to.equal(one(r, "aws:kinesis/stream:Stream", "stream").outputs.arn);
        expect(o.ingestion.url).to.equal("https://ingest.flightstream.example.com");
        expect(o.analytics).to.be.an("object");
        expect(o.lake).to.be.an("object");
        expect(Object.keys(o.workflows).sort()).to.deep.equal(["replay", "reshard", "trafficShift"]);
    });

    it("admits to the lake's bucket and key policies exactly the roles of other accounts granted, each on what it reads or writes", () => {
        const policy = JSON.parse(one(r, "aws:s3/bucketPolicy:BucketPolicy", "lake-policy").inputs.policy);
        const bucket = one(r, "aws:s3/bucket:Bucket", "lake-bucket").outputs.arn;
        const arn = (name: string) => one(r, "aws:iam/role:Role", name).outputs.arn as string;
        const objects = (s: any) => [].concat(s.Resource).filter((x: string) => x !== bucket);
        const granted = policy.Statement.filter((s: any) => s.Effect === "Allow" && objects(s).length > 0).map((s: any) => [s.Principal.AWS, s.Action, objects(s)]);
        expect(granted).to.deep.equal([
            [arn("lake-delivery-role"), ["s3:PutObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts", "s3:GetObject"], [`${bucket}/data/*`, `${bucket}/errors/*`]],
            [arn("pond-science-reader"), "s3:GetObject", [`${bucket}/data/*`]],
            [arn("analytics-processor-role"), "s3:GetObject", [`${bucket}/forecast/*`, `${bucket}/models/scoring/*`]],
            [arn("analytics-insights-role"), "s3:GetObject", [`${bucket}/forecast/*`]],
            [arn("analytics-scoring-role"), "s3:GetObject", [`${bucket}/models/scoring/sagemaker/placeholder/model.tar.gz`]],
            [arn("replay-tasks-role"), "s3:GetObject", [`${bucket}/data/*`]],
        ]);
        const key = JSON.parse(one(r, "aws:kms/key:Key", "lake-key").inputs.policy);
        expect(key.Statement.map((s: any) => [s.Principal.AWS, s.Condition?.StringEquals?.["kms:ViaService"]])).to.deep.equal([
            [`arn:aws:iam::${ACCOUNTS.lake}:root`, undefined],
            ...granted.map((g: any[]) => [g[0], "s3.eu-west-1.amazonaws.com"]),
        ]);
    });
});
