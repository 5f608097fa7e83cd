/**
 * Least privilege, proven over the generated policies of the prod plan with
 * @cloud-copilot/iam-simulate (identity policies of the role plus the resource
 * policy of the target: bucket, key, stream, consumer, topic, queue).
 */
import { expect } from "chai";
import { plan } from "./plans";
import { PlanPolicies } from "./iamsim";

const ALLOWED = "Allowed";
const DENIED = "ImplicitlyDenied";

interface Case {
    readonly role: string;
    readonly action: string;
    /** ARN, or a function of the plan. */
    readonly resource: (p: PlanPolicies) => string;
    readonly account: string;
    readonly expected: typeof ALLOWED | typeof DENIED | "ExplicitlyDenied";
    readonly context?: Record<string, string | string[]> | ((p: PlanPolicies) => Record<string, string | string[]>);
    readonly why: string;
}

const INGESTION = "401234567890";
const LAKE = "402345678901";
const ANALYTICS = "403456789012";
const REVENUE = "404567890123";
const SCIENCE = "405678901234";
const S3_VIA = { "kms:ViaService": "s3.eu-west-1.amazonaws.com" };
const KINESIS_VIA = { "kms:ViaService": "kinesis.eu-west-1.amazonaws.com" };
const stream = (p: PlanPolicies) => p.arn("aws:kinesis/stream:Stream", "stream");
const otherStream = () => `arn:aws:kinesis:eu-west-1:${INGESTION}:stream/prod-other-events`;
const streamKey = (p: PlanPolicies) => p.arn("aws:kms/key:Key", "stream-key");
const oncallKey = (p: PlanPolicies) => p.arn("aws:kms/key:Key", "oncall-ingestion-key");
const logGroup = (p: PlanPolicies) => `${p.arn("aws:cloudwatch/logGroup:LogGroup", "ingestion-logs")}:log-stream:task-1`;
const repo = (p: PlanPolicies) => p.arn("aws:ecr/repository:Repository", "ingestion-repo");
const bucket = (name: string, key: string) => (p: PlanPolicies) => `${p.arn("aws:s3/bucket:Bucket", name)}/${key}`;
const bucketArn = (name: string) => (p: PlanPolicies) => p.arn("aws:s3/bucket:Bucket", name);
const key = (name: string) => (p: PlanPolicies) => p.arn("aws:kms/key:Key", name);
const consumer = (p: PlanPolicies) => p.arn("aws:kinesis/streamConsumer:StreamConsumer", "stream-analytics-processor");
const dbCluster = (p: PlanPolicies) => p.arn("aws:rds/cluster:Cluster", "analytics-db-cluster");
const masterSecret = (p: PlanPolicies) => {
    const cluster = p.plan.resources.find((r) => r.type === "aws:rds/cluster:Cluster" && r.name === "analytics-db-cluster");
    if (!cluster?.outputs.masterUserSecrets?.[0]?.secretArn) throw new Error("the prod plan's analytics-db-cluster has no managed master user secret");
    return cluster.outputs.masterUserSecrets[0].secretArn as string;
};
const secret = (name: string) => (p: PlanPolicies) => p.arn("aws:secretsmanager/secret:Secret", name);
/** The request headers of an SSE-KMS PutObject with the given key. */
const sseKms = (keyName: string) => (p: PlanPolicies) => ({ "s3:x-amz-server-side-encryption": "aws:kms", "s3:x-amz-server-side-encryption-aws-kms-key-id": p.arn("aws:kms/key:Key", keyName) });

const cases: Case[] = [
    // Ingestion task role: puts to its stream, nothing else.
    { role: "ingestion-task-role", action: "kinesis:PutRecord", resource: stream, account: INGESTION, expected: ALLOWED, why: "writes events to its stream" },
    { role: "ingestion-task-role", action: "kinesis:PutRecords", resource: stream, account: INGESTION, expected: ALLOWED, why: "writes batches to its stream" },
    { role: "ingestion-task-role", action: "kinesis:PutRecords", resource: otherStream, account: INGESTION, expected: DENIED, why: "not another stream" },
    { role: "ingestion-task-role", action: "kinesis:DeleteStream", resource: stream, account: INGESTION, expected: DENIED, why: "cannot delete its stream" },
    { role: "ingestion-task-role", action: "kinesis:GetRecords", resource: stream, account: INGESTION, expected: DENIED, why: "a writer does not read" },
    { role: "ingestion-task-role", action: "kinesis:MergeShards", resource: stream, account: INGESTION, expected: DENIED, why: "cannot reshard" },
    { role: "ingestion-task-role", action: "kinesis:PutRecord", resource: () => `arn:aws:kinesis:eu-west-1:${ANALYTICS}:stream/prod-flight-events`, account: ANALYTICS, expected: DENIED, why: "not a same-named stream in another account" },
    {
        role: "ingestion-task-role",
        action: "kinesis:SubscribeToShard",
        resource: (p) => p.arn("aws:kinesis/streamConsumer:StreamConsumer", "stream-analytics-processor"),
        account: INGESTION,
        expected: DENIED,
        why: "cannot read through the analytics consumer",
    },
    { role: "ingestion-task-role", action: "s3:GetObject", resource: (p) => `${p.arn("aws:s3/bucket:Bucket", "ingestion-alb-logs")}/alb/AWSLogs/x.log.gz`, account: INGESTION, expected: DENIED, why: "cannot read the access logs" },
    { role: "ingestion-task-role", action: "kms:GenerateDataKey", resource: streamKey, account: INGESTION, expected: ALLOWED, why: "encrypts records for the stream" },
    { role: "ingestion-task-role", action: "kms:Decrypt", resource: streamKey, account: INGESTION, expected: DENIED, why: "cannot decrypt stream data" },
    { role: "ingestion-task-role", action: "kms:GenerateDataKey", resource: oncallKey, account: INGESTION, expected: DENIED, why: "no other key" },
    // Ingestion execution role: pulls its image and writes its logs only.
    { role: "ingestion-exec-role", action: "ecr:BatchGetImage", resource: repo, account: INGESTION, expected: ALLOWED, why: "pulls its image" },
    { role: "ingestion-exec-role", action: "ecr:BatchGetImage", resource: () => `arn:aws:ecr:eu-west-1:${INGESTION}:repository/other`, account: INGESTION, expected: DENIED, why: "not another repository" },
    { role: "ingestion-exec-role", action: "ecr:PutImage", resource: repo, account: INGESTION, expected: DENIED, why: "cannot push images" },
    { role: "ingestion-exec-role", action: "logs:PutLogEvents", resource: logGroup, account: INGESTION, expected: ALLOWED, why: "writes the service's logs" },
    { role: "ingestion-exec-role", action: "logs:PutLogEvents", resource: () => `arn:aws:logs:eu-west-1:${INGESTION}:log-group:/ecs/other:log-stream:x`, account: INGESTION, expected: DENIED, why: "not another log group" },
    { role: "ingestion-exec-role", action: "kinesis:PutRecord", resource: stream, account: INGESTION, expected: DENIED, why: "the execution role does not touch data" },
    { role: "ingestion-exec-role", action: "kms:Decrypt", resource: (p) => p.arn("aws:kms/key:Key", "ingestion-key"), account: INGESTION, expected: ALLOWED, why: "decrypts its image and logs key" },
    { role: "ingestion-exec-role", action: "kms:Decrypt", resource: streamKey, account: INGESTION, expected: DENIED, why: "cannot decrypt stream data" },

    // Firehose delivery role (ingestion account) writes only the lake's data/ and errors/ prefixes, cross-account.
    {
        role: "lake-delivery-role",
        action: "s3:PutObject",
        resource: bucket("lake-bucket", "data/year=2026/month=11/day=22/hour=10/part-0.gz"),
        account: LAKE,
        expected: ALLOWED,
        context: sseKms("lake-key"),
        why: "delivers into the lake's data/ prefix",
    },
    { role: "lake-delivery-role", action: "s3:PutObject", resource: bucket("lake-bucket", "errors/processing-failed/part-0.gz"), account: LAKE, expected: ALLOWED, context: sseKms("lake-key"), why: "delivers failed records into errors/" },
    { role: "lake-delivery-role", action: "s3:PutObject", resource: bucket("lake-bucket", "curated/x.parquet"), account: LAKE, expected: DENIED, context: sseKms("lake-key"), why: "no other lake prefix" },
    {
        role: "lake-delivery-role",
        action: "s3:PutObject",
        resource: bucket("lake-bucket", "data/x.gz"),
        account: LAKE,
        expected: "ExplicitlyDenied",
        context: sseKms("stream-key"),
        why: "the bucket policy rejects objects under another KMS key",
    },
    { role: "lake-delivery-role", action: "s3:DeleteObject", resource: bucket("lake-bucket", "data/x.gz"), account: LAKE, expected: DENIED, why: "cannot delete lake objects" },
    { role: "lake-delivery-role", action: "s3:PutObject", resource: bucket("pond-revenue-bucket", "route_demand_daily/x.parquet"), account: REVENUE, expected: DENIED, context: sseKms("pond-revenue-key"), why: "cannot write a pond" },
    { role: "lake-delivery-role", action: "kms:GenerateDataKey", resource: key("lake-key"), account: LAKE, expected: ALLOWED, context: S3_VIA, why: "encrypts lake objects through S3" },
    { role: "lake-delivery-role", action: "kms:GenerateDataKey", resource: key("lake-key"), account: LAKE, expected: DENIED, why: "only through S3 (kms:ViaService)" },
    { role: "lake-delivery-role", action: "kinesis:GetRecords", resource: stream, account: INGESTION, expected: ALLOWED, why: "reads its source stream" },
    { role: "lake-delivery-role", action: "kinesis:PutRecord", resource: stream, account: INGESTION, expected: DENIED, why: "does not write the stream" },
    // Pond reader roles read their own pond's datasets only.
    { role: "pond-revenue-reader", action: "s3:GetObject", resource: bucket("pond-revenue-bucket", "route_demand_daily/dt=2026-11-21/part-0.parquet"), account: REVENUE, expected: ALLOWED, why: "reads its pond's datasets" },
    { role: "pond-revenue-reader", action: "s3:ListBucket", resource: bucketArn("pond-revenue-bucket"), account: REVENUE, expected: ALLOWED, context: { "s3:prefix": "offer_price_stats_daily/" }, why: "lists its pond's datasets" },
    { role: "pond-revenue-reader", action: "s3:ListBucket", resource: bucketArn("pond-revenue-bucket"), account: REVENUE, expected: DENIED, context: { "s3:prefix": "_athena-results/" }, why: "not the ETL's query results" },
    { role: "pond-revenue-reader", action: "s3:GetObject", resource: bucket("pond-revenue-bucket", "_athena-results/q.csv"), account: REVENUE, expected: DENIED, why: "cannot read the ETL's query results" },
    { role: "pond-revenue-reader", action: "s3:PutObject", resource: bucket("pond-revenue-bucket", "route_demand_daily/x.parquet"), account: REVENUE, expected: DENIED, context: sseKms("pond-revenue-key"), why: "read-only" },
    { role: "pond-revenue-reader", action: "s3:GetObject", resource: bucket("lake-bucket", "data/year=2026/x.gz"), account: LAKE, expected: DENIED, why: "not the raw lake (revenue is not in lake.readers)" },
    { role: "pond-revenue-reader", action: "s3:GetObject", resource: bucket("pond-science-bucket", "offer_price_stats_daily/x.parquet"), account: SCIENCE, expected: DENIED, why: "not another pond" },
    { role: "pond-revenue-reader", action: "kms:Decrypt", resource: key("pond-revenue-key"), account: REVENUE, expected: ALLOWED, context: S3_VIA, why: "decrypts its pond through S3" },
    { role: "pond-revenue-reader", action: "kms:Decrypt", resource: key("lake-key"), account: LAKE, expected: DENIED, context: S3_VIA, why: "cannot decrypt the lake" },
    { role: "pond-science-reader", action: "s3:GetObject", resource: bucket("pond-science-bucket", "offer_price_stats_daily/x.parquet"), account: SCIENCE, expected: ALLOWED, why: "reads its pond's dataset" },
    { role: "pond-science-reader", action: "s3:GetObject", resource: bucket("pond-revenue-bucket", "route_demand_daily/x.parquet"), account: REVENUE, expected: DENIED, why: "not another pond" },
    { role: "pond-science-reader", action: "s3:GetObject", resource: bucket("lake-bucket", "data/year=2026/x.gz"), account: LAKE, expected: ALLOWED, why: "science is configured in lake.readers (Pulumi.prod.yaml)" },
    { role: "pond-science-reader", action: "s3:GetObject", resource: bucket("lake-bucket", "errors/x.gz"), account: LAKE, expected: DENIED, why: "only the lake's data/ prefix" },
    // Pond ETL (lake account): reads the lake's data/, writes only its own pond.
    { role: "pond-etl-revenue-workflow-role", action: "s3:GetObject", resource: bucket("lake-bucket", "data/year=2026/x.gz"), account: LAKE, expected: ALLOWED, why: "reads lake data" },
    { role: "pond-etl-revenue-workflow-role", action: "s3:PutObject", resource: bucket("lake-bucket", "data/x.gz"), account: LAKE, expected: DENIED, context: sseKms("lake-key"), why: "does not write the lake" },
    {
        role: "pond-etl-revenue-workflow-role",
        action: "s3:PutObject",
        resource: bucket("pond-revenue-bucket", "route_demand_daily/dt=2026-11-21/part-0.parquet"),
        account: REVENUE,
        expected: ALLOWED,
        context: sseKms("pond-revenue-key"),
        why: "publishes its pond's datasets",
    },
    {
        role: "pond-etl-revenue-workflow-role",
        action: "s3:PutObject",
        resource: bucket("pond-science-bucket", "offer_price_stats_daily/x.parquet"),
        account: SCIENCE,
        expected: DENIED,
        context: sseKms("pond-science-key"),
        why: "not another pond",
    },
    // Analytics stream processor (analytics account) reads the stream cross-account through its consumer.
    { role: "analytics-processor-role", action: "kinesis:SubscribeToShard", resource: consumer, account: INGESTION, expected: ALLOWED, why: "subscribes through its enhanced fan-out consumer" },
    { role: "analytics-processor-role", action: "kinesis:GetRecords", resource: stream, account: INGESTION, expected: ALLOWED, why: "reads the stream" },
    { role: "analytics-processor-role", action: "kinesis:PutRecord", resource: stream, account: INGESTION, expected: DENIED, why: "does not write the stream" },
    { role: "analytics-processor-role", action: "kms:Decrypt", resource: streamKey, account: INGESTION, expected: ALLOWED, context: KINESIS_VIA, why: "decrypts records through Kinesis" },
    { role: "analytics-processor-role", action: "kms:Decrypt", resource: streamKey, account: INGESTION, expected: DENIED, why: "only through Kinesis (kms:ViaService)" },
    { role: "analytics-processor-role", action: "s3:GetObject", resource: bucket("lake-bucket", "data/x.gz"), account: LAKE, expected: DENIED, why: "no lake access" },
    { role: "ingestion-task-role", action: "s3:GetObject", resource: bucket("lake-bucket", "data/x.gz"), account: LAKE, expected: DENIED, why: "the ingestion service cannot read the lake" },
    // Scoring endpoint (analytics account): exactly its model artifact in the lake (an object-level grant), cross-account.
    { role: "analytics-scoring-role", action: "s3:GetObject", resource: bucket("lake-bucket", "models/scoring/sagemaker/placeholder/model.tar.gz"), account: LAKE, expected: ALLOWED, why: "loads its model artifact" },
    { role: "analytics-scoring-role", action: "kms:Decrypt", resource: key("lake-key"), account: LAKE, expected: ALLOWED, context: S3_VIA, why: "decrypts the artifact through S3" },
    { role: "analytics-scoring-role", action: "s3:GetObject", resource: bucket("lake-bucket", "models/scoring/sagemaker/other/model.tar.gz"), account: LAKE, expected: DENIED, why: "no other artifact" },
    { role: "analytics-scoring-role", action: "s3:GetObject", resource: bucket("lake-bucket", "data/x.gz"), account: LAKE, expected: DENIED, why: "no raw lake data" },
    // Insights API (analytics account): the database through the Data API and its own read-only user's secret, nothing else.
    { role: "analytics-insights-role", action: "rds-data:ExecuteStatement", resource: dbCluster, account: ANALYTICS, expected: ALLOWED, why: "queries the insights database" },
    { role: "analytics-insights-role", action: "secretsmanager:GetSecretValue", resource: secret("analytics-insights-db-user"), account: ANALYTICS, expected: ALLOWED, why: "reads its own database user's credentials" },
    { role: "analytics-insights-role", action: "secretsmanager:GetSecretValue", resource: masterSecret, account: ANALYTICS, expected: DENIED, why: "never the master credentials" },
    { role: "analytics-insights-role", action: "secretsmanager:GetSecretValue", resource: secret("analytics-processor-db-user"), account: ANALYTICS, expected: DENIED, why: "not the processor's read-write user" },
    { role: "analytics-insights-role", action: "secretsmanager:PutSecretValue", resource: secret("analytics-insights-db-user"), account: ANALYTICS, expected: DENIED, why: "cannot change its credentials" },
    // Processor: its own read-write user; master secret only for migrations and rotation.
    { role: "analytics-processor-role", action: "secretsmanager:GetSecretValue", resource: secret("analytics-processor-db-user"), account: ANALYTICS, expected: ALLOWED, why: "reads its own database user's credentials" },
    { role: "analytics-processor-role", action: "secretsmanager:GetSecretValue", resource: masterSecret, account: ANALYTICS, expected: DENIED, why: "never the master credentials" },
    { role: "analytics-migrations-role", action: "secretsmanager:GetSecretValue", resource: masterSecret, account: ANALYTICS, expected: ALLOWED, why: "migrations run as the owner" },
    { role: "analytics-db-rotate-role", action: "secretsmanager:GetSecretValue", resource: masterSecret, account: ANALYTICS, expected: ALLOWED, why: "rotation sets passwords as the master user" },
    { role: "analytics-db-rotate-role", action: "secretsmanager:PutSecretValue", resource: secret("analytics-processor-db-user"), account: ANALYTICS, expected: ALLOWED, why: "stores the new password of a function user" },
    { role: "analytics-db-rotate-role", action: "secretsmanager:PutSecretValue", resource: masterSecret, account: ANALYTICS, expected: DENIED, why: "never rewrites the RDS-managed master secret" },
    // Ingestion task: reads the key store, never writes it.
    { role: "ingestion-task-role", action: "secretsmanager:GetSecretValue", resource: secret("ingestion-ingest-keys"), account: INGESTION, expected: ALLOWED, why: "reads the hashed ingestion keys" },
    { role: "ingestion-task-role", action: "secretsmanager:PutSecretValue", resource: secret("ingestion-ingest-keys"), account: INGESTION, expected: DENIED, why: "keys are issued by the ops command, not the service" },
    {
        role: "analytics-insights-role",
        action: "kms:Decrypt",
        resource: key("analytics-db-key"),
        account: ANALYTICS,
        expected: ALLOWED,
        context: { "kms:ViaService": "secretsmanager.eu-west-1.amazonaws.com" },
        why: "decrypts the secret through Secrets Manager",
    },
    { role: "analytics-insights-role", action: "kms:Decrypt", resource: key("analytics-db-key"), account: ANALYTICS, expected: DENIED, why: "not directly" },
    { role: "analytics-insights-role", action: "kinesis:GetRecords", resource: stream, account: INGESTION, expected: DENIED, why: "the API does not read the stream" },
    // Replay tasks (ingestion account) read the lake's data/ cross-account; pond ETL schedules start only their own workflow.
    { role: "replay-tasks-role", action: "s3:GetObject", resource: bucket("lake-bucket", "data/year=2026/x.gz"), account: LAKE, expected: ALLOWED, why: "replays from the lake" },
    { role: "replay-tasks-role", action: "s3:PutObject", resource: bucket("lake-bucket", "data/x.gz"), account: LAKE, expected: DENIED, context: sseKms("lake-key"), why: "replay never writes the lake" },
    { role: "pond-etl-revenue-schedule-role", action: "states:StartExecution", resource: (p) => p.arn("aws:sfn/stateMachine:StateMachine", "pond-etl-revenue-workflow"), account: LAKE, expected: ALLOWED, why: "starts its pond's ETL" },
    { role: "pond-etl-revenue-schedule-role", action: "states:StartExecution", resource: (p) => p.arn("aws:sfn/stateMachine:StateMachine", "pond-etl-science-workflow"), account: LAKE, expected: DENIED, why: "not another pond's ETL" },
    // Traffic-shift tasks change only the ingestion record of the configured zone.
    {
        role: "traffic-shift-tasks-role",
        action: "route53:ChangeResourceRecordSets",
        resource: () => "arn:aws:route53:::hostedzone/Z0PROD123456789ABCDE",
        account: INGESTION,
        expected: ALLOWED,
        context: { "route53:ChangeResourceRecordSetsNormalizedRecordNames": ["ingest.flightstream.example.com"] },
        why: "shifts the ingestion record",
    },
    {
        role: "traffic-shift-tasks-role",
        action: "route53:ChangeResourceRecordSets",
        resource: () => "arn:aws:route53:::hostedzone/Z0PROD123456789ABCDE",
        account: INGESTION,
        expected: DENIED,
        context: { "route53:ChangeResourceRecordSetsNormalizedRecordNames": ["www.flightstream.example.com"] },
        why: "not another record of the zone",
    },
    {
        role: "traffic-shift-tasks-role",
        action: "route53:ChangeResourceRecordSets",
        resource: () => "arn:aws:route53:::hostedzone/ZOTHERZONE0000000000",
        account: INGESTION,
        expected: DENIED,
        context: { "route53:ChangeResourceRecordSetsNormalizedRecordNames": ["ingest.flightstream.example.com"] },
        why: "not another zone",
    },
];

describe("least privilege of the prod plan's policies (iam-simulate)", function () {
    this.timeout(180000);
    let p: PlanPolicies;
    before(async () => {
        p = new PlanPolicies(await plan("prod"));
    });
    it(`covers at least 20 allow/deny cases, both outcomes`, () => {
        expect(cases.length).to.be.at.least(20);
        expect(cases.filter((c) => c.expected === ALLOWED).length).to.be.at.least(10);
        expect(cases.filter((c) => c.expected !== ALLOWED).length).to.be.at.least(10);
    });
    it("detects a widened grant (the harness can fail)", async () => {
        const plan = p.plan;
        const widened = {
            ...plan,
            resources: plan.resources.map((r) =>
                r.name === "ingestion-task-stream" ? { ...r, inputs: { ...r.inputs, policy: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "kinesis:*", Resource: "*" }] }) } } : r,
            ),
        };
        expect(await new PlanPolicies(widened).decide("ingestion-task-role", "kinesis:DeleteStream", stream(p), INGESTION)).to.equal(ALLOWED);
    });
    it("consults the resource policy cross-account (without the lake bucket policy the science reader is denied)", async () => {
        const lakeName = p.arn("aws:s3/bucket:Bucket", "lake-bucket").split(":::")[1];
        const withoutPolicy = { ...p.plan, resources: p.plan.resources.filter((r) => !(r.type === "aws:s3/bucketPolicy:BucketPolicy" && r.inputs.bucket === lakeName)) };
        const object = bucket("lake-bucket", "data/year=2026/x.gz")(p);
        expect(await p.decide("pond-science-reader", "s3:GetObject", object, LAKE)).to.equal(ALLOWED);
        expect(await new PlanPolicies(withoutPolicy).decide("pond-science-reader", "s3:GetObject", object, LAKE)).to.equal(DENIED);
    });
    for (const c of cases) {
        it(`${c.role} ${c.expected === ALLOWED ? "can" : "cannot"} ${c.action} (${c.why})`, async () => {
            const context = typeof c.context === "function" ? c.context(p) : c.context;
            expect(await p.decide(c.role, c.action, c.resource(p), c.account, context)).to.equal(c.expected);
        });
    }
});
