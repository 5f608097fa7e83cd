/**
 * The real-time analytics pipeline in the analytics account: Aurora Serverless
 * v2 (Data API), deploy-time migrations, the stream processor reading the
 * ingestion account's stream (cross-account, through the enhanced fan-out
 * consumer when configured) and the insights API.
 */
import * as pulumi from "@pulumi/pulumi";
import { AlarmRouting } from "@flightstream/components/common/alarms";
import { AlertDelivery, AuroraDatabase, FORECAST_ARTIFACT_PREFIX, InsightsApi, MODEL_ARTIFACT_PREFIXES, ModelTraining, SchemaMigrations, ScoringEndpoint, StreamProcessor } from "@flightstream/components/analytics";
import { LakeBucketRef } from "@flightstream/components/common/grants";
import * as aws from "@pulumi/aws";
import { AccountProviders } from "./accounts";
import { StackConfig, processorMappingArgs } from "./config";
import { PlatformStackExports } from "@flightstream/components/platform/outputs";

/** What the analytics pipeline needs of the stream (outputs of the ingestion account's KinesisStream). */
export interface AnalyticsStreamInputs {
    readonly streamArn: pulumi.Input<string>;
    readonly kmsKeyArn: pulumi.Input<string>;
    /** Enhanced fan-out consumer ARN (prod). @default - shared-throughput reads */
    readonly consumerArn?: pulumi.Input<string>;
}

/**
 * The lake: its bucket holds the SageMaker model artifact (`analytics.scoring.artifactKey`) and,
 * with the catalog given, the scheduled training job (lake account) writes both trained models there.
 */
export interface AnalyticsLakeInputs {
    readonly bucketName: pulumi.Input<string>;
    readonly keyArn: pulumi.Input<string>;
    /** With `databaseName` and `eventsTableName`: the training job (ModelTraining) runs. @default - no training job */
    readonly bucketArn?: pulumi.Input<string>;
    readonly databaseName?: pulumi.Input<string>;
    readonly eventsTableName?: pulumi.Input<string>;
    /** The lake account's alarm routing (the training job's alarms live there; CloudWatch notifies same-account topics only). @default - no routing */
    readonly alarmRouting?: AlarmRouting;
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
    /** The scheduled training job of the forecast and scoring models (lake account), when the lake's catalog is given. */
    readonly training?: ModelTraining;
    /** Stack output `analytics`. */
    readonly outputs: PlatformStackExports["analytics"];
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

    const database = new AuroraDatabase(
        "analytics-db",
        {
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
        },
        opts,
    );

    const migrations = new SchemaMigrations("analytics-migrations", { accountId: account.accountId, database }, opts);

    // Alert delivery: the bus first (the processor puts alerts on it), subscriptions once the topic exists.
    const alertsBus = a.alerts.eventBusName === undefined ? undefined : new aws.cloudwatch.EventBus("analytics-alerts-bus", { name: a.alerts.eventBusName }, opts);
    // Deal and price-adjustment scoring: a SageMaker endpoint when configured (the built-in model is its fallback), else the built-in model.
    let scoring: ScoringEndpoint | undefined;
    if (a.scoring) {
        if (!lake) throw new Error("deployAnalytics: `analytics.scoring` needs the lake bucket (the model artifact lives there); pass `lake`.");
        scoring = new ScoringEndpoint(
            "analytics-scoring",
            {
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
            },
            opts,
        );
    }

    // Training both lake-trained models on a schedule, in the lake account (Athena, Glue, the bucket);
    // the processor and the insights API read exactly the artifact prefixes.
    const lakeBucket = lake?.bucketArn !== undefined ? LakeBucketRef.fromBucketAttributes({ bucketArn: lake.bucketArn, bucketName: lake.bucketName, keyArn: lake.keyArn, label: "Lake" }) : undefined;
    let training: ModelTraining | undefined;
    if (lakeBucket !== undefined && lake?.databaseName !== undefined && lake.eventsTableName !== undefined) {
        training = new ModelTraining(
            "model-training",
            {
                accountId: config.accounts.lake.accountId,
                region: config.accounts.lake.region,
                lake: lakeBucket,
                databaseName: lake.databaseName,
                eventsTableName: lake.eventsTableName,
                alarms: { routing: lake.alarmRouting },
            },
            { provider: providers.lake },
        );
    }
    const artifactEnvironment: Record<string, pulumi.Input<string>> = training ? { FORECAST_BUCKET: training.forecastBucket, SCORING_ARTIFACT_URI: training.scoringArtifactUri } : {};

    const processor = new StreamProcessor(
        "analytics-processor",
        {
            ...(alertsBus ? { alertsEventBus: { name: alertsBus.name, arn: alertsBus.arn } } : {}),
            alertsTopicPolicyStatements: (topicArn) => AlertDelivery.subscribeStatements(topicArn, a.alerts.crossAccountSubscribers),
            accountId: account.accountId,
            streamArn: stream.streamArn,
            streamKmsKeyArn: stream.kmsKeyArn,
            consumerArn: stream.consumerArn,
            database,
            ...processorMappingArgs(config),
            processedEventsRetentionHours: processedEventsRetentionHours(config),
            extraEnvironment: { ...artifactEnvironment, ...(scoring ? { SCORING_BACKEND: "sagemaker", SCORING_ENDPOINT_NAME: scoring.endpointName } : {}) },
            alarms,
        },
        { ...opts, dependsOn: [migrations] },
    );
    const alertDelivery = new AlertDelivery("analytics-alerts", { topicArn: processor.alertsTopic!.arn, emails: a.alerts.emails, httpsEndpoints: a.alerts.httpsEndpoints }, opts);
    scoring?.grantInvoke("analytics-processor-invoke-scoring", processor.role);

    const insights = new InsightsApi(
        "analytics-insights",
        {
            accountId: account.accountId,
            database,
            iamAuth: true,
            extraEnvironment: training ? { FORECAST_BUCKET: training.forecastBucket } : {},
            alarms,
        },
        { ...opts, dependsOn: [migrations] },
    );
    if (training && lakeBucket !== undefined) {
        // IAM side of the cross-account read (stack/platform.ts grants these roles on the DataLake, whose bucket and key policies then name them).
        lakeBucket.grantRead("analytics-processor-read-models", processor.role, MODEL_ARTIFACT_PREFIXES);
        lakeBucket.grantRead("analytics-insights-read-models", insights.role, [FORECAST_ARTIFACT_PREFIX]);
    }

    const outputs: PlatformStackExports["analytics"] = {
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
        ...(training ? { trainingFunction: training.function.name, scoringArtifactUri: training.scoringArtifactUri } : {}),
    };
    return { training, scoring, database, migrations, processor, alertDelivery, alertsBus, insights, outputs };
}
