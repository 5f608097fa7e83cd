/** The analytics components under Pulumi mocks: exact cluster, mapping and HTTP API inputs, scoped grants, alarms. */
import { expect } from "chai";
import { principals } from "@flightstream/components/common/grants";
import * as aws from "@pulumi/aws";
import { all, evaluate, evaluateError, one, policyOf, testProvider } from "../helpers/pulumi";
import { AuroraDatabase, AuroraDatabaseArgs, InsightsApi, SchemaMigrations, StreamProcessor, privateSubnetCidrs } from "@flightstream/components/analytics";
import { loadMigrations, migrationsHash } from "../../functions/shared/db/migrations";
import { hex } from "../../plan/mocks";

const ACCOUNT = "111111111111";
const INGESTION = "222222222222";
const STREAM_ARN = `arn:aws:kinesis:eu-west-1:${INGESTION}:stream/test-flight-events`;
const CONSUMER_ARN = `${STREAM_ARN}/consumer/analytics-processor:1700000000`;
const STREAM_KEY = `arn:aws:kms:eu-west-1:${INGESTION}:key/stream`;
const CLUSTER_ARN = `arn:aws:rds:eu-west-1:${ACCOUNT}:cluster:test-db`;
const dbArgs: AuroraDatabaseArgs = { accountId: ACCOUNT, region: "eu-west-1", minCapacityAcu: 0, maxCapacityAcu: 8 };

function statementsOf(r: Awaited<ReturnType<typeof evaluate>>, name: string): Record<string, any> {
    return Object.fromEntries(policyOf(one(r, "aws:iam/rolePolicy:RolePolicy", name)).Statement.map((s: any) => [s.Sid, s]));
}

describe("analytics: components (mocks)", function () {
    this.timeout(120_000);

    describe("AuroraDatabase", () => {
        it("creates a Serverless v2 cluster with the Data API, managed secret and customer-key encryption", async () => {
            const r = await evaluate(() => {
                new AuroraDatabase("db", { ...dbArgs, backupRetentionDays: 14, performanceInsights: true, instanceCount: 2 }, { provider: testProvider() });
            });
            const c = one(r, "aws:rds/cluster:Cluster");
            const key = one(r, "aws:kms/key:Key");
            const keyArn = key.outputs.arn;
            expect(c.inputs).to.deep.include({
                clusterIdentifier: "test-db",
                engine: "aurora-postgresql",
                engineMode: "provisioned",
                engineVersion: "16.6",
                databaseName: "analytics",
                enableHttpEndpoint: true,
                manageMasterUserPassword: true,
                masterUserSecretKmsKeyId: keyArn,
                storageEncrypted: true,
                kmsKeyId: keyArn,
                backupRetentionPeriod: 14,
                deletionProtection: true,
                copyTagsToSnapshot: true,
                skipFinalSnapshot: false,
                finalSnapshotIdentifier: "test-db-final",
            });
            expect(c.inputs.enabledCloudwatchLogsExports).to.deep.equal(["postgresql"]);
            expect(c.inputs.serverlessv2ScalingConfiguration).to.deep.equal({ minCapacity: 0, maxCapacity: 8, secondsUntilAutoPause: 300 });
            expect(c.account).to.equal(ACCOUNT);
            expect(key.inputs.enableKeyRotation).to.equal(true);
            const instances = all(r, "aws:rds/clusterInstance:ClusterInstance");
            expect(instances.map((i) => [i.inputs.instanceClass, i.inputs.publiclyAccessible, i.inputs.performanceInsightsEnabled, i.inputs.performanceInsightsKmsKeyId === keyArn])).to.deep.equal([
                ["db.serverless", false, true, true],
                ["db.serverless", false, true, true],
            ]);
        });

        it("places the cluster in private subnets only, with no ingress from anywhere", async () => {
            const r = await evaluate(() => {
                new AuroraDatabase("db", dbArgs, { provider: testProvider() });
            });
            expect(all(r, "aws:ec2/internetGateway:InternetGateway")).to.have.length(0);
            expect(all(r, "aws:ec2/natGateway:NatGateway")).to.have.length(0);
            const subnets = all(r, "aws:ec2/subnet:Subnet");
            expect(subnets.map((s) => [s.inputs.cidrBlock, s.inputs.availabilityZone, s.inputs.mapPublicIpOnLaunch])).to.deep.equal([
                ["10.20.0.0/20", "eu-west-1a", false],
                ["10.20.16.0/20", "eu-west-1b", false],
                ["10.20.32.0/20", "eu-west-1c", false],
            ]);
            const sg = one(r, "aws:ec2/securityGroup:SecurityGroup");
            expect(sg.inputs.ingress).to.deep.equal([]);
            expect(sg.inputs.egress).to.deep.equal([]);
            expect(one(r, "aws:rds/subnetGroup:SubnetGroup").inputs.subnetIds).to.deep.equal(subnets.map((s) => s.outputs.arn.split("/").pop()));
            const logs = one(r, "aws:cloudwatch/logGroup:LogGroup", "db-postgresql-logs");
            expect(logs.inputs).to.deep.include({ name: "/aws/rds/cluster/test-db/postgresql", retentionInDays: 30 });
        });

        it("manages the created VPC's default security group with no rules and sends ALL flow logs to a KMS log group", async () => {
            const r = await evaluate(() => {
                new AuroraDatabase("db", dbArgs, { provider: testProvider() });
            });
            const vpcId = one(r, "aws:ec2/securityGroup:SecurityGroup").inputs.vpcId;
            expect(one(r, "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup").inputs).to.deep.include({ vpcId, ingress: [], egress: [] });
            const group = one(r, "aws:cloudwatch/logGroup:LogGroup", "db-flow-logs");
            expect(group.inputs).to.deep.include({ name: "/vpc/test-db/flow-logs", kmsKeyId: one(r, "aws:kms/key:Key").outputs.arn });
            expect(one(r, "aws:ec2/flowLog:FlowLog").inputs).to.deep.include({
                vpcId,
                trafficType: "ALL",
                logDestinationType: "cloud-watch-logs",
                logDestination: group.outputs.arn,
                iamRoleArn: one(r, "aws:iam/role:Role", "db-flow-logs-role").outputs.arn,
            });
            const none = await evaluate(() => {
                new AuroraDatabase("db", { ...dbArgs, vpcId: "vpc-1", subnetIds: ["subnet-a", "subnet-b"] }, { provider: testProvider() });
            });
            expect([all(none, "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup").length, all(none, "aws:ec2/flowLog:FlowLog").length]).to.deep.equal([0, 0]);
        });

        it("creates the rotation function: the only holder of the master secret besides the migrations, invocable by Secrets Manager of this account", async () => {
            const r = await evaluate(() => {
                new AuroraDatabase("db", dbArgs, { provider: testProvider() });
            });
            const fn = one(r, "aws:lambda/function:Function", "db-rotate");
            const c = one(r, "aws:rds/cluster:Cluster");
            expect(fn.inputs.environment.variables).to.deep.include({ DB_CLUSTER_ARN: CLUSTER_ARN, DB_MASTER_SECRET_ARN: c.outputs.masterUserSecrets[0].secretArn, DB_NAME: "analytics" });
            expect(fn.inputs.tracingConfig).to.deep.equal({ mode: "Active" });
            const st = statementsOf(r, "db-rotate-policy");
            const key = one(r, "aws:kms/key:Key").outputs.arn;
            expect(st.ReadMasterSecret.Resource).to.equal(c.outputs.masterUserSecrets[0].secretArn);
            expect(st.RotateUserSecrets).to.deep.equal({
                Sid: "RotateUserSecrets",
                Effect: "Allow",
                Action: ["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue", "secretsmanager:UpdateSecretVersionStage"],
                Resource: `arn:aws:secretsmanager:eu-west-1:${ACCOUNT}:secret:test-db-user-*`,
            });
            expect(st.EncryptUserSecrets).to.deep.equal({
                Sid: "EncryptUserSecrets",
                Effect: "Allow",
                Action: "kms:GenerateDataKey",
                Resource: key,
                Condition: { StringEquals: { "kms:ViaService": "secretsmanager.eu-west-1.amazonaws.com" } },
            });
            expect(st.GeneratePasswords).to.deep.equal({ Sid: "GeneratePasswords", Effect: "Allow", Action: "secretsmanager:GetRandomPassword", Resource: "*" });
            expect(one(r, "aws:lambda/permission:Permission", "db-rotate-invoke").inputs).to.deep.include({ action: "lambda:InvokeFunction", principal: "secretsmanager.amazonaws.com", sourceAccount: ACCOUNT, function: fn.outputs.name });
        });

        it("uses given subnets and admits PostgreSQL only from the allowed security groups", async () => {
            const r = await evaluate(() => {
                new AuroraDatabase("db", { ...dbArgs, vpcId: "vpc-1", subnetIds: ["subnet-a", "subnet-b"], allowedSecurityGroupIds: ["sg-app"] }, { provider: testProvider() });
            });
            expect(all(r, "aws:ec2/vpc:Vpc")).to.have.length(0);
            expect(one(r, "aws:rds/subnetGroup:SubnetGroup").inputs.subnetIds).to.deep.equal(["subnet-a", "subnet-b"]);
            expect(one(r, "aws:ec2/securityGroup:SecurityGroup").inputs.ingress).to.deep.equal([{ description: "PostgreSQL from allowed security groups", protocol: "tcp", fromPort: 5432, toPort: 5432, securityGroups: ["sg-app"] }]);
        });

        it("builds its alarms from its metric helpers with the cluster dimension", async () => {
            const r = await evaluate(() => {
                new AuroraDatabase("db", { ...dbArgs, alarms: { routing: { page: ["arn:page"], ticket: ["arn:ticket"] } } }, { provider: testProvider() });
            });
            const alarms = all(r, "aws:cloudwatch/metricAlarm:MetricAlarm").map((a) => [a.inputs.name, a.inputs.metricName, a.inputs.dimensions, a.inputs.threshold, a.inputs.alarmActions]);
            expect(alarms).to.deep.equal([
                ["test-db-capacity-near-max", "ServerlessDatabaseCapacity", { DBClusterIdentifier: "test-db" }, 7.2, ["arn:page"]],
                ["test-db-cpu-high", "CPUUtilization", { DBClusterIdentifier: "test-db" }, 80, ["arn:ticket"]],
                ["test-db-connections-high", "DatabaseConnections", { DBClusterIdentifier: "test-db" }, 500, ["arn:ticket"]],
            ]);
        });

        it("grantDataApi allows the Data API on the cluster, the secret and its key only", async () => {
            const r = await evaluate(() => {
                const db = new AuroraDatabase("db", dbArgs, { provider: testProvider() });
                const role = new aws.iam.Role("reader", { assumeRolePolicy: "{}" }, { provider: testProvider("other", ACCOUNT) });
                db.grantDataApi("reader-data-api", role);
            });
            const st = statementsOf(r, "reader-data-api");
            const secretArn = one(r, "aws:rds/cluster:Cluster").outputs.masterUserSecrets[0].secretArn;
            expect(st.DataApi).to.deep.equal({
                Sid: "DataApi",
                Effect: "Allow",
                Action: ["rds-data:ExecuteStatement", "rds-data:BatchExecuteStatement", "rds-data:BeginTransaction", "rds-data:CommitTransaction", "rds-data:RollbackTransaction"],
                Resource: CLUSTER_ARN,
            });
            expect(st.ReadMasterSecret).to.deep.equal({ Sid: "ReadMasterSecret", Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: secretArn });
            expect(st.DecryptMasterSecret.Resource).to.equal(one(r, "aws:kms/key:Key").outputs.arn);
            expect(one(r, "aws:iam/rolePolicy:RolePolicy", "reader-data-api").parent).to.equal("reader");
        });

        it("fails when `logRetentionDays` or `flowLogRetentionDays` is not a CloudWatch Logs retention period", async () => {
            expect(
                (
                    await evaluateError(() => {
                        new AuroraDatabase("db", { ...dbArgs, logRetentionDays: 2 }, { provider: testProvider() });
                    })
                ).message,
            ).to.equal("AuroraDatabase db: `logRetentionDays` must be one of CloudWatch Logs' retention periods (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653) (received 2).");
            expect(
                (
                    await evaluateError(() => {
                        new AuroraDatabase("db", { ...dbArgs, flowLogRetentionDays: 2 }, { provider: testProvider() });
                    })
                ).message,
            ).to.equal("AuroraDatabase db: `flowLogRetentionDays` must be one of CloudWatch Logs' retention periods (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653) (received 2).");
        });

        it("fails when grantDataApi names a principal of another account", async () => {
            const e = await evaluateError(() => {
                const db = new AuroraDatabase("db", dbArgs, { provider: testProvider() });
                db.grantDataApi("remote", principals.roleArn("arn:aws:iam::999999999999:role/remote", "999999999999"));
            });
            expect(e.message).to.equal(`AuroraDatabase grant "remote": the Data API is called from the database's account only; the principal names account 999999999999, the database is in ${ACCOUNT}.`);
        });

        it("fails when scale to zero is asked of an engine that cannot pause", async () => {
            const err = await evaluateError(() => {
                new AuroraDatabase("db", { ...dbArgs, engineVersion: "15.4" }, { provider: testProvider() });
            });
            expect(err.message).to.contain('AuroraDatabase db: `engineVersion` must be 13.15, 14.12, 15.7, 16.3 or later when `minCapacityAcu` is 0 (scale to zero) (received "15.4").');
        });

        it("fails when the ACU bounds are invalid", async () => {
            expect(
                (
                    await evaluateError(() => {
                        new AuroraDatabase("db", { ...dbArgs, minCapacityAcu: 4, maxCapacityAcu: 2 }, { provider: testProvider() });
                    })
                ).message,
            ).to.contain("AuroraDatabase db: `maxCapacityAcu` must be at least `minCapacityAcu` (4) (received 2).");
            expect(
                (
                    await evaluateError(() => {
                        new AuroraDatabase("db", { ...dbArgs, minCapacityAcu: 0.7 }, { provider: testProvider() });
                    })
                ).message,
            ).to.contain("AuroraDatabase db: `minCapacityAcu` must be a multiple of 0.5 (received 0.7).");
        });
    });

    describe("StreamProcessor", () => {
        const build =
            (extra: Record<string, unknown> = {}) =>
            () => {
                const p = testProvider();
                const database = new AuroraDatabase("db", dbArgs, { provider: p });
                new StreamProcessor(
                    "processor",
                    {
                        accountId: ACCOUNT,
                        streamArn: STREAM_ARN,
                        streamKmsKeyArn: STREAM_KEY,
                        consumerArn: CONSUMER_ARN,
                        database,
                        batchSize: 1000,
                        batchingWindowSeconds: 5,
                        parallelizationFactor: 4,
                        maxRetryAttempts: 20,
                        maxRecordAgeSeconds: 3600,
                        processedEventsRetentionHours: 48,
                        ...extra,
                    },
                    { provider: p },
                );
            };

        it("maps the consumer with bisect, partial batch responses, bounded retries and an on-failure queue", async () => {
            const r = await evaluate(build());
            const m = one(r, "aws:lambda/eventSourceMapping:EventSourceMapping");
            const q = one(r, "aws:sqs/queue:Queue");
            expect(m.inputs).to.deep.include({
                eventSourceArn: CONSUMER_ARN,
                startingPosition: "TRIM_HORIZON",
                batchSize: 1000,
                maximumBatchingWindowInSeconds: 5,
                parallelizationFactor: 4,
                bisectBatchOnFunctionError: true,
                maximumRetryAttempts: 20,
                maximumRecordAgeInSeconds: 3600,
            });
            expect(m.inputs.functionResponseTypes).to.deep.equal(["ReportBatchItemFailures"]);
            expect(m.inputs.destinationConfig).to.deep.equal({ onFailure: { destinationArn: q.outputs.arn } });
            expect(q.inputs.kmsMasterKeyId).to.equal(one(r, "aws:kms/key:Key").outputs.arn);
            expect(m.account).to.equal(ACCOUNT);
        });

        it("runs the bundled processor on Node 22 arm64 with tracing, KMS logs and the database in its environment", async () => {
            const r = await evaluate(build({ reservedConcurrency: 20 }));
            const fn = one(r, "aws:lambda/function:Function", "processor");
            expect(fn.inputs).to.deep.include({ runtime: "nodejs22.x", handler: "index.handler", tracingConfig: { mode: "Active" }, reservedConcurrentExecutions: 20 });
            expect(fn.inputs.architectures).to.deep.equal(["arm64"]);
            const own = one(r, "aws:secretsmanager/secret:Secret", "processor-db-user");
            expect(fn.inputs.environment.variables).to.deep.include({
                DB_CLUSTER_ARN: CLUSTER_ARN,
                DB_SECRET_ARN: own.outputs.arn,
                DB_NAME: "analytics",
                PROCESSED_EVENTS_RETENTION_HOURS: "48",
                ALERTS_TOPIC_ARN: one(r, "aws:sns/topic:Topic").outputs.arn,
            });
            const lg = one(r, "aws:cloudwatch/logGroup:LogGroup", "processor-logs");
            expect(lg.inputs).to.deep.include({ name: "/aws/lambda/test-processor", retentionInDays: 30, kmsKeyId: one(r, "aws:kms/key:Key").outputs.arn });
        });

        it("grants reading the stream through the consumer, the Data API, the failure queue and the alerts topic, nothing wider", async () => {
            const r = await evaluate(build());
            const st = statementsOf(r, "processor-policy");
            expect(st.ReadStream.Resource).to.equal(STREAM_ARN);
            expect(st.SubscribeThroughConsumer).to.deep.equal({ Sid: "SubscribeThroughConsumer", Effect: "Allow", Action: ["kinesis:SubscribeToShard", "kinesis:DescribeStreamConsumer"], Resource: CONSUMER_ARN });
            expect(st.DecryptStream).to.deep.equal({ Sid: "DecryptStream", Effect: "Allow", Action: ["kms:Decrypt"], Resource: STREAM_KEY });
            expect(st.SendFailures.Resource).to.equal(one(r, "aws:sqs/queue:Queue").outputs.arn);
            expect(st.PublishAlerts).to.deep.equal({ Sid: "PublishAlerts", Effect: "Allow", Action: "sns:Publish", Resource: one(r, "aws:sns/topic:Topic").outputs.arn });
            for (const s of Object.values(st)) if (s.Sid !== "Tracing") expect(s.Resource, s.Sid).to.not.equal("*");
            expect(statementsOf(r, "processor-data-api").DataApi.Resource).to.equal(CLUSTER_ARN);
        });

        it("reads the stream itself when no consumer is given", async () => {
            const r = await evaluate(build({ consumerArn: undefined }));
            expect(one(r, "aws:lambda/eventSourceMapping:EventSourceMapping").inputs.eventSourceArn).to.equal(STREAM_ARN);
            expect(statementsOf(r, "processor-policy").SubscribeThroughConsumer).to.equal(undefined);
        });

        it("alarms on errors, throttles, iterator age (Maximum), poison records and failed batches, with dimensions", async () => {
            const r = await evaluate(build());
            const alarms = all(r, "aws:cloudwatch/metricAlarm:MetricAlarm").filter((a) => a.parent === "processor");
            expect(alarms.map((a) => [a.inputs.name, a.inputs.metricName, a.inputs.statistic, a.inputs.comparisonOperator, a.inputs.threshold, a.inputs.dimensions])).to.deep.equal([
                ["test-processor-errors", "Errors", "Sum", "GreaterThanOrEqualToThreshold", 1, { FunctionName: "test-processor" }],
                ["test-processor-throttles", "Throttles", "Sum", "GreaterThanOrEqualToThreshold", 1, { FunctionName: "test-processor" }],
                ["test-processor-iterator-age", "IteratorAge", "Maximum", "GreaterThanOrEqualToThreshold", 60000, { FunctionName: "test-processor" }],
                ["test-processor-poison-records", "PoisonRecords", "Sum", "GreaterThanOrEqualToThreshold", 1, { service: "processor", FunctionName: "test-processor" }],
                ["test-processor-failed-batches", "ApproximateNumberOfMessagesVisible", "Maximum", "GreaterThanThreshold", 0, { QueueName: "test-processor-failures" }],
                ["test-processor-alerts-outbox-backlog", "AlertsOutboxBacklog", "Minimum", "GreaterThanOrEqualToThreshold", 1, { service: "processor", FunctionName: "test-processor" }],
            ]);
        });

        it("fails when `logRetentionDays` is not a CloudWatch Logs retention period", async () => {
            expect((await evaluateError(build({ logRetentionDays: 2 }))).message).to.contain(
                "StreamProcessor processor: `logRetentionDays` must be one of CloudWatch Logs' retention periods (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653) (received 2).",
            );
        });

        it("fails when the mapping settings are out of the Lambda limits", async () => {
            expect((await evaluateError(build({ batchSize: 10001 }))).message).to.contain("StreamProcessor processor: `batchSize` must be an integer between 1 and 10000 (received 10001).");
            expect((await evaluateError(build({ parallelizationFactor: 11 }))).message).to.contain("StreamProcessor processor: `parallelizationFactor` must be an integer between 1 and 10 (received 11).");
            expect((await evaluateError(build({ batchingWindowSeconds: 301 }))).message).to.contain("StreamProcessor processor: `batchingWindowSeconds` must be an integer between 0 and 300 (received 301).");
            expect((await evaluateError(build({ streamArn: "stream" }))).message).to.contain('StreamProcessor processor: `streamArn` must be a Kinesis stream ARN (received "stream").');
        });
    });

    describe("InsightsApi", () => {
        const build =
            (extra: Record<string, unknown> = {}) =>
            () => {
                const p = testProvider();
                const database = new AuroraDatabase("db", dbArgs, { provider: p });
                new InsightsApi("insights", { accountId: ACCOUNT, database, throttlingBurstLimit: 40, throttlingRateLimit: 20, ...extra }, { provider: p });
            };

        it("creates an HTTP API with a v2 Lambda proxy, the three routes and a throttled, logged default stage", async () => {
            const r = await evaluate(build());
            const api = one(r, "aws:apigatewayv2/api:Api");
            expect(api.inputs.protocolType).to.equal("HTTP");
            const integ = one(r, "aws:apigatewayv2/integration:Integration");
            expect(integ.inputs).to.deep.include({ integrationType: "AWS_PROXY", payloadFormatVersion: "2.0", integrationUri: one(r, "aws:lambda/function:Function", "insights").outputs.arn });
            expect(all(r, "aws:apigatewayv2/route:Route").map((x) => [x.inputs.routeKey, x.inputs.authorizationType])).to.deep.equal([
                ["GET /v1/routes/top", "NONE"],
                ["GET /v1/alerts", "NONE"],
                ["GET /v1/inventory/{carrier}/{number}/{departureDate}", "NONE"],
                ["GET /v1/routes/{route}/forecast", "NONE"],
            ]);
            const stage = one(r, "aws:apigatewayv2/stage:Stage");
            expect(stage.inputs).to.deep.include({ name: "$default", autoDeploy: true });
            expect(stage.inputs.defaultRouteSettings).to.deep.include({ throttlingBurstLimit: 40, throttlingRateLimit: 20 });
            const access = one(r, "aws:cloudwatch/logGroup:LogGroup", "insights-access-logs");
            expect(stage.inputs.accessLogSettings.destinationArn).to.equal(access.outputs.arn);
            expect(access.inputs.kmsKeyId).to.equal(one(r, "aws:kms/key:Key").outputs.arn);
            const perm = one(r, "aws:lambda/permission:Permission", "insights-invoke");
            expect(perm.inputs).to.deep.include({ principal: "apigateway.amazonaws.com", sourceArn: `${api.outputs.executionArn}/*/*` });
        });

        it("protects every route with a JWT authorizer when an issuer is given", async () => {
            const r = await evaluate(build({ jwtIssuer: "https://id.example.com", jwtAudience: ["insights"] }));
            const auth = one(r, "aws:apigatewayv2/authorizer:Authorizer");
            expect(auth.inputs).to.deep.include({ authorizerType: "JWT", jwtConfiguration: { issuer: "https://id.example.com", audiences: ["insights"] } });
            expect(all(r, "aws:apigatewayv2/route:Route").map((x) => x.inputs.authorizationType)).to.deep.equal(["JWT", "JWT", "JWT", "JWT"]);
        });

        it("uses IAM auth when asked", async () => {
            const r = await evaluate(build({ iamAuth: true }));
            expect(all(r, "aws:apigatewayv2/route:Route").map((x) => x.inputs.authorizationType)).to.deep.equal(["AWS_IAM", "AWS_IAM", "AWS_IAM", "AWS_IAM"]);
        });

        it("alarms on 5xx and p99 latency with the API and stage dimensions", async () => {
            const r = await evaluate(build());
            const apiId = hex("insights-api", 10); // the mock engine's id for the API
            const alarms = all(r, "aws:cloudwatch/metricAlarm:MetricAlarm").filter((a) => a.parent === "insights");
            expect(alarms.map((a) => [a.inputs.metricName, a.inputs.statistic ?? a.inputs.extendedStatistic, a.inputs.threshold, a.inputs.dimensions])).to.deep.equal([
                ["5xx", "Sum", 5, { ApiId: apiId, Stage: "$default" }],
                ["Latency", "p99", 2000, { ApiId: apiId, Stage: "$default" }],
            ]);
        });

        it("fails when `logRetentionDays` or `accessLogRetentionDays` is not a CloudWatch Logs retention period", async () => {
            expect((await evaluateError(build({ logRetentionDays: 2 }))).message).to.contain(
                "InsightsApi insights: `logRetentionDays` must be one of CloudWatch Logs' retention periods (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653) (received 2).",
            );
            expect((await evaluateError(build({ accessLogRetentionDays: 2 }))).message).to.contain(
                "InsightsApi insights: `accessLogRetentionDays` must be one of CloudWatch Logs' retention periods (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653) (received 2).",
            );
        });

        it("fails when both a JWT issuer and IAM auth are given", async () => {
            const err = await evaluateError(build({ jwtIssuer: "https://id.example.com", jwtAudience: ["a"], iamAuth: true }));
            expect(err.message).to.contain("InsightsApi insights: only one of `jwtIssuer` or `iamAuth` can be provided (received `jwtIssuer` and `iamAuth`).");
        });
    });

    describe("per-function database users", () => {
        const build = () => () => {
            const p = testProvider();
            const database = new AuroraDatabase("db", dbArgs, { provider: p });
            const migrations = new SchemaMigrations("migrations", { accountId: ACCOUNT, database }, { provider: p });
            new StreamProcessor("processor", { accountId: ACCOUNT, streamArn: STREAM_ARN, streamKmsKeyArn: STREAM_KEY, database }, { provider: p, dependsOn: [migrations] });
            new InsightsApi("insights", { accountId: ACCOUNT, database }, { provider: p, dependsOn: [migrations] });
        };

        it("gives the processor and the insights API each its own secret under the database key, created without a password and rotated", async () => {
            const r = await evaluate(build());
            const key = one(r, "aws:kms/key:Key").outputs.arn;
            const rotate = one(r, "aws:lambda/function:Function", "db-rotate").outputs.arn;
            for (const [fn, user] of [
                ["processor", "flightstream_processor"],
                ["insights", "flightstream_insights"],
            ] as const) {
                const secret = one(r, "aws:secretsmanager/secret:Secret", `${fn}-db-user`);
                expect(secret.inputs).to.deep.include({ name: `test-db-user-${user}`, kmsKeyId: key });
                expect(secret.parent).to.equal(fn);
                const v = one(r, "aws:secretsmanager/secretVersion:SecretVersion", `${fn}-db-user-initial`);
                expect(JSON.parse(v.inputs.secretString.value)).to.deep.equal({ engine: "postgres", username: user, dbClusterIdentifier: "test-db", dbname: "analytics" });
                expect(v.ignoreChanges).to.deep.equal(["secretString"]);
                const rot = one(r, "aws:secretsmanager/secretRotation:SecretRotation", `${fn}-db-user-rotation`);
                expect(rot.inputs).to.deep.include({ secretId: secret.outputs.arn, rotationLambdaArn: rotate, rotationRules: { automaticallyAfterDays: 30 }, rotateImmediately: true });
                expect(one(r, "aws:lambda/function:Function", fn).inputs.environment.variables.DB_SECRET_ARN).to.equal(secret.outputs.arn);
            }
        });

        it("lets the processor and insights roles read only their own secret, never the master secret", async () => {
            const r = await evaluate(build());
            const master = one(r, "aws:rds/cluster:Cluster").outputs.masterUserSecrets[0].secretArn;
            for (const fn of ["processor", "insights"]) {
                const st = statementsOf(r, `${fn}-data-api`);
                expect(Object.keys(st)).to.deep.equal(["DataApi", "ReadOwnSecret", "DecryptOwnSecret"]);
                expect(st.ReadOwnSecret).to.deep.equal({ Sid: "ReadOwnSecret", Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: one(r, "aws:secretsmanager/secret:Secret", `${fn}-db-user`).outputs.arn });
                const everything = JSON.stringify(
                    all(r, "aws:iam/rolePolicy:RolePolicy")
                        .filter((x) => x.parent === `${fn}-role`)
                        .map((x) => x.inputs.policy),
                );
                expect(everything).to.not.include(master);
            }
            expect(statementsOf(r, "migrations-data-api").ReadMasterSecret.Resource).to.equal(master);
        });

        it("fails when a username is not a PostgreSQL role name", async () => {
            const err = await evaluateError(() => {
                const database = new AuroraDatabase("db", dbArgs, { provider: testProvider() });
                database.createUser("bad", "Robert'); DROP", { parent: database });
            });
            expect(err.message).to.equal('AuroraDatabase: `username` must be a lower-case PostgreSQL role name (received "Robert\'); DROP").');
        });
    });

    describe("SchemaMigrations", () => {
        it("invokes the migration Lambda with the migrations' hash as trigger, after the instances exist", async () => {
            const r = await evaluate(() => {
                const p = testProvider();
                const database = new AuroraDatabase("db", dbArgs, { provider: p });
                new SchemaMigrations("migrations", { accountId: ACCOUNT, database }, { provider: p });
            });
            const hash = migrationsHash(loadMigrations());
            const inv = one(r, "aws:lambda/invocation:Invocation");
            expect(inv.inputs.triggers).to.deep.equal({ migrationsHash: hash });
            expect(JSON.parse(inv.inputs.input)).to.deep.equal({ expectedHash: hash });
            expect(inv.inputs.functionName).to.equal("test-migrations");
            expect(statementsOf(r, "migrations-data-api").DataApi.Resource).to.equal(CLUSTER_ARN);
        });

        it("fails when `logRetentionDays` is not a CloudWatch Logs retention period", async () => {
            const err = await evaluateError(() => {
                const p = testProvider();
                const database = new AuroraDatabase("db", dbArgs, { provider: p });
                new SchemaMigrations("migrations", { accountId: ACCOUNT, database, logRetentionDays: 2 }, { provider: p });
            });
            expect(err.message).to.equal(
                "SchemaMigrations migrations: `logRetentionDays` must be one of CloudWatch Logs' retention periods (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653) (received 2).",
            );
        });
    });

    describe("subnet planning (pure)", () => {
        it("carves /20s from a /16 and /28s from a /24", () => {
            expect(privateSubnetCidrs("10.20.0.0/16", 3)).to.deep.equal(["10.20.0.0/20", "10.20.16.0/20", "10.20.32.0/20"]);
            expect(privateSubnetCidrs("192.168.1.0/24", 2)).to.deep.equal(["192.168.1.0/28", "192.168.1.16/28"]);
        });

        it("fails when the CIDR is not on its boundary", () => {
            expect(() => privateSubnetCidrs("10.20.1.0/16", 2)).to.throw('privateSubnetCidrs: `vpcCidr` must start on a /16 boundary (received "10.20.1.0/16").');
        });
    });
});
