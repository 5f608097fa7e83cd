/**
 * The real-time analytics pipeline in the analytics account: Aurora Serverless
 * v2 (Data API), deploy-time migrations, the stream processor reading the
 * ingestion account's stream (cross-account, through the enhanced fan-out
 * consumer when configured) and the insights API.
 */
import * as pulumi from "@pulumi/pulumi";
import { AlarmRouting } from "../components/common/alarms";
import { AlertDelivery, AuroraDatabase, InsightsApi, SchemaMigrations, ScoringEndpoint, StreamProcessor } from "../components/analytics";
import * as aws from "@pulumi/aws";
import { AccountProviders } from "./accounts";
import { StackConfig } from "./config";

/** What the analytics pipeline needs of the stream (outputs of the ingestion account's KinesisStream). */
export interface AnalyticsStreamInputs {
    readonly streamArn: pulumi.Input<string>;
    readonly kmsKeyArn: pulumi.Input<string>;
    /** Enhanced fan-out consumer ARN (prod). @default - shared-throughput reads */
    readonly consumerArn?: pulumi.Input<string>;
}

/** The lake bucket holding the SageMaker model artifact (`analytics.scoring.artifactKey`). */
export interface AnalyticsLakeInputs {
    readonly bucketName: pulumi.Input<string>;
    readonly keyArn: pulumi.Input<string>;
}

export interface AnalyticsDeployment {
    /** The SageMaker scoring endpoint, when `analytics.scoring` is configured. */
    readonly scoring?: ScoringEndpoint;
    readonly database: AuroraDatabase;
    readonly migrations: SchemaMigrations;
    readonly processor: StreamProcessor;
    readonly alertDelivery: AlertDelivery;
    readonly alertsBus?: aws.cloudwatch.EventBus;
    readonly insights: InsightsApi;
    /** Stack outputs of the pipeline. */
    readonly outputs: Record<string, pulumi.Input<unknown>>;
}

/** Hours processed event ids are kept: the stream's retention (the replay horizon) plus one day. */
export function processedEventsRetentionHours(config: StackConfig): number {
    return config.stream.retentionHours + 24;
}

export function deployAnalytics(config: StackConfig, providers: AccountProviders, routing: AlarmRouting, stream: AnalyticsStreamInputs, lake?: AnalyticsLakeInputs): AnalyticsDeployment {
    const a = config.analytics;
    const account = config.accounts.analytics;
    const opts = { provider: providers.analytics };
    const alarms = { routing };

    const database = new AuroraDatabase("analytics-db", {
        accountId: account.accountId,
        region: account.region,
        minCapacityAcu: a.minAcu,
        maxCapacityAcu: a.maxAcu,
        engineVersion: "16.6",
        instanceCount: config.isProd ? 2 : 1,
        backupRetentionDays: a.backupRetentionDays,
        deletionProtection: config.isProd,
        finalSnapshot: config.isProd,
        performanceInsights: config.isProd,
        vpcCidr: a.vpcCidr,
        alarms,
    }, opts);

    const migrations = new SchemaMigrations("analytics-migrations", { accountId: account.accountId, database }, opts);

    // Alert delivery: the bus first (the processor puts alerts on it), subscriptions once the topic exists.
    const alertsBus = a.alerts.eventBusName === undefined ? undefined : new aws.cloudwatch.EventBus("analytics-alerts-bus", { name: a.alerts.eventBusName }, opts);
    // Deal and price-adjustment scoring: a SageMaker endpoint when configured (the built-in model is its fallback), else the built-in model.
    let scoring: ScoringEndpoint | undefined;
    if (a.scoring) {
        if (!lake) throw new Error("deployAnalytics: `analytics.scoring` needs the lake bucket (the model artifact lives there); pass `lake`.");
        scoring = new ScoringEndpoint("analytics-scoring", {
            accountId: account.accountId,
            image: a.scoring.image,
            modelDataUrl: pulumi.interpolate`s3://${lake.bucketName}/${a.scoring.artifactKey}`,
            modelDataKmsKeyArn: lake.keyArn,
            kmsKeyArn: database.keyArn,
            instanceType: a.scoring.instanceType,
            minInstances: a.scoring.minInstances,
            maxInstances: a.scoring.maxInstances,
            targetInvocationsPerInstance: a.scoring.targetInvocationsPerInstance,
            tags: config.tags,
            alarms,
        }, opts);
    }

    const processor = new StreamProcessor("analytics-processor", {
        ...(alertsBus ? { alertsEventBus: { name: alertsBus.name, arn: alertsBus.arn } } : {}),
        alertsTopicPolicyStatements: (topicArn) => AlertDelivery.subscribeStatements(topicArn, a.alerts.crossAccountSubscribers),
        accountId: account.accountId,
        streamArn: stream.streamArn,
        streamKmsKeyArn: stream.kmsKeyArn,
        consumerArn: stream.consumerArn,
        database,
        batchSize: a.batchSize,
        batchingWindowSeconds: a.batchingWindowSeconds,
        parallelizationFactor: a.parallelizationFactor,
        maxRetryAttempts: a.maxRetryAttempts,
        maxRecordAgeSeconds: a.maxRecordAgeSeconds,
        processedEventsRetentionHours: processedEventsRetentionHours(config),
        ...(scoring ? { extraEnvironment: { SCORING_BACKEND: "sagemaker", SCORING_ENDPOINT_NAME: scoring.endpointName } } : {}),
        alarms,
    }, { ...opts, dependsOn: [migrations] });
    const alertDelivery = new AlertDelivery("analytics-alerts", { topicArn: processor.alertsTopic!.arn, emails: a.alerts.emails, httpsEndpoints: a.alerts.httpsEndpoints }, opts);
    scoring?.grantInvoke("analytics-processor-invoke-scoring", processor.role);

    const insights = new InsightsApi("analytics-insights", {
        accountId: account.accountId,
        database,
        iamAuth: true,
        alarms,
    }, { ...opts, dependsOn: [migrations] });

    const outputs: Record<string, pulumi.Input<unknown>> = {
        clusterArn: database.clusterArn,
        secretArn: database.secretArn,
        processorSecretArn: processor.databaseUser.secretArn,
        insightsSecretArn: insights.databaseUser.secretArn,
        databaseName: database.databaseName,
        migrationsHash: migrations.hash,
        processorFunction: processor.function.name,
        failureQueueUrl: processor.failureQueue.url,
        alertsTopicArn: processor.alertsTopic?.arn,
        insightsUrl: insights.url,
        ...(scoring ? { scoringEndpointName: scoring.endpointName } : {}),
    };
    return { scoring, database, migrations, processor, alertDelivery, alertsBus, insights, outputs };
}
