/**
 * The stack program: composes the platform's components, each in the account it
 * belongs to, and returns the outputs other stacks consume through StackReference.
 *
 * Order: providers → on-call routing (one per account holding alarms) → stream →
 * ingestion → lake + ponds → analytics → workflows → dashboard.
 */
import { principals } from "@flightstream/components/common/grants";
import { OnCall } from "@flightstream/components/oncall";
import { createProviders } from "./accounts";
import { StackConfig } from "./config";
import { deployStream, grantStreamToProcessor } from "./stream";
import { deployIngestion } from "./ingestion";
import { deployAnalytics } from "./analytics";
import { deployLake } from "./lake";
import { PROCESSOR_CONSUMER, resolveShardCount } from "./stream";
import { deployConsumers } from "./consumers";
import { deploySources } from "./sources";
import { deployWorkflows } from "./workflows";
import * as aws from "@pulumi/aws";
import { OnCallInputs, OnCallSurface, deployOnCallSurface } from "./oncall";
import { FORECAST_ARTIFACT_PREFIX, MODEL_ARTIFACT_PREFIXES } from "@flightstream/components/analytics/ModelTraining";
import { PlatformStackExports } from "@flightstream/components/platform/outputs";

/** The deployed platform: every part the on-call surface reads (OnCallInputs), the surface, and the stack outputs. */
export interface Platform extends OnCallInputs {
    readonly surface: OnCallSurface;
    /** Stack outputs (consumed through StackReference), typed against the contract other stacks read with `platformOutputs`. */
    readonly outputs: PlatformStackExports;
}

export function buildPlatform(config: StackConfig): Platform {
    const providers = createProviders(config);
    const oncall: Record<string, OnCall> = {};
    for (const account of ["ingestion", "lake", "analytics"] as const) {
        oncall[account] = new OnCall(
            `oncall-${account}`,
            {
                accountId: config.accounts[account].accountId,
                pageEmails: config.oncall.pageEmails,
                pageHttpsEndpoints: config.oncall.pageHttpsEndpoints,
                ticketEmails: config.oncall.ticketEmails,
            },
            { provider: providers[account] },
        );
    }

    // The stream (ingestion account) is created before the processor (analytics account);
    // a grant after the analytics deployment admits the processor's role to its policies.
    const stream = deployStream(config, providers, oncall);
    const ingestion = deployIngestion(config, providers, oncall, stream);
    const consumers = deployConsumers(config, providers, oncall.ingestion.routing, stream, resolveShardCount(config));
    const sources = deploySources(config, providers, oncall.ingestion.routing, stream);
    const lake = deployLake({
        config,
        providers,
        stream: { name: stream.streamName, arn: stream.streamArn, kmsKeyArn: stream.keyArn },
        alarmRouting: { ingestion: oncall.ingestion.routing, lake: oncall.lake.routing },
        etlFailureTopicArn: oncall.lake.ticketTopic.arn,
        etlFailureTopicKmsKeyArn: oncall.lake.key.arn,
    });
    const analytics = deployAnalytics(
        config,
        providers,
        oncall.analytics.routing,
        {
            streamArn: stream.streamArn,
            kmsKeyArn: stream.keyArn,
            consumerArn: stream.consumers[PROCESSOR_CONSUMER]?.arn,
        },
        { bucketName: lake.lake.bucketName, keyArn: lake.lake.keyArn, bucketArn: lake.lake.bucketArn, databaseName: lake.catalog.databaseName, eventsTableName: lake.catalog.eventsTableName, alarmRouting: oncall.lake.routing },
    );
    grantStreamToProcessor(config, stream, analytics.processor.role.arn);
    // The analytics roles read the lake across accounts: the lake's bucket and key policies
    // admit each on exactly what it reads (their own policies are the analytics deployment's).
    const analyticsAccount = config.accounts.analytics.accountId;
    if (analytics.training) {
        lake.lake.grantRead("analytics-processor-read-models", principals.roleArn(analytics.processor.role.arn, analyticsAccount), MODEL_ARTIFACT_PREFIXES);
        lake.lake.grantRead("analytics-insights-read-models", principals.roleArn(analytics.insights.role.arn, analyticsAccount), [FORECAST_ARTIFACT_PREFIX]);
    }
    if (analytics.scoring && config.analytics.scoring) {
        lake.lake.grantReadObjects("analytics-scoring-read-artifact", principals.roleArn(analytics.scoring.role.arn, analyticsAccount), { keys: [config.analytics.scoring.artifactKey] });
    }
    const workflows = deployWorkflows({
        config,
        provider: providers.ingestion,
        stream: stream.ref,
        retentionHours: stream.retentionHours,
        processorFunctionArn: analytics.processor.function.arn,
        lake: lake.lake.ref,
        alarmRouting: oncall.ingestion.routing,
        autoReshard: { capacityAlarmNames: stream.capacityAlarms.map((a) => a.name), onCall: oncall.ingestion },
    });
    // The replay workflow's task role (ingestion account) reads the lake's data/.
    lake.lake.grantRead("replay-read-lake", principals.roleArn(workflows.replay.taskRole.arn, config.accounts.ingestion.accountId));
    // Replay re-delivers records to the processor across accounts: a resource-based
    // permission on the function in the analytics account names exactly that role.
    new aws.lambda.Permission(
        "processor-invoke-by-replay",
        {
            action: "lambda:InvokeFunction",
            function: analytics.processor.function.name,
            principal: workflows.replay.taskRole.arn,
        },
        { parent: analytics.processor, provider: providers.analytics },
    );

    const surface = deployOnCallSurface({ config, providers, oncall, stream, ingestion, lake, analytics, consumers, sources, workflows });

    const outputs: PlatformStackExports = {
        environment: config.environment,
        accounts: Object.fromEntries([...Object.values(config.accounts).map((a) => [a.name, { accountId: a.accountId, region: a.region }]), ...config.ponds.map((p) => [p.name, { accountId: p.accountId, region: p.region }])]),
        stream: { name: stream.streamName, arn: stream.streamArn, kmsKeyArn: stream.keyArn, shards: stream.shardCount ?? "on-demand", consumers: Object.fromEntries(Object.entries(stream.consumers).map(([k, c]) => [k, c.arn])) },
        ingestion: {
            url: ingestion.url,
            loadBalancerDnsName: ingestion.loadBalancer.dnsName,
            repositoryUrl: ingestion.repository.repositoryUrl,
            cluster: ingestion.cluster.name,
            service: ingestion.service.name,
            healthCheckId: ingestion.healthCheck.id,
            keyStoreSecretArn: ingestion.keyStoreSecretArn,
            webAclArn: ingestion.webAcl.arn,
            vendors: Object.fromEntries(ingestion.vendors.map((v) => [v.name, `https://${v.hostname}`])),
        },
        ...lake.outputs,
        analytics: analytics.outputs,
        ...consumers.outputs,
        ...sources.outputs,
        workflows: workflows.outputs,
        dashboard: surface.dashboard.dashboard.dashboardName,
        oncallTopics: Object.fromEntries(Object.entries(oncall).map(([k, o]) => [k, { page: o.pageTopic.arn, ticket: o.ticketTopic.arn }])),
    };
    return { config, providers, oncall, stream, ingestion, lake, analytics, consumers, sources, workflows, surface, outputs };
}
