/**
 * The stack's on-call surface beyond the per-account topics: one dashboard (in the
 * ingestion account, cross-account widgets carry their account id) built only from
 * the components' metric helpers, the composite "ingestion path degraded" alarm,
 * and CloudWatch cross-account observability (an OAM sink in the ingestion account,
 * the monitoring account, linked from the lake, analytics and pond accounts) so the
 * cross-account widgets have data.
 */
import { Dashboard, IngestionPathAlarm, Observability, OnCall } from "@flightstream/components/oncall";
import { IngestionService } from "@flightstream/components/ingestion";
import { KinesisStream } from "@flightstream/components/stream";
import { AccountProviders } from "./accounts";
import { AnalyticsDeployment } from "./analytics";
import { StackConfig } from "./config";
import { LakeDeployment } from "./lake";
import { DeployedWorkflows } from "./workflows";
import { DeployedConsumers } from "./consumers";
import { DeployedSources } from "./sources";

export interface OnCallSurface {
    readonly dashboard: Dashboard;
    readonly ingestionPath: IngestionPathAlarm;
    readonly observability: Observability;
}

/** What the on-call surface reads: every deployed part of the platform (stack/platform.ts `Platform` extends it with the surface and the outputs). */
export interface OnCallInputs {
    readonly config: StackConfig;
    readonly providers: AccountProviders;
    /** On-call routing per logical account. */
    readonly oncall: Record<string, OnCall>;
    readonly stream: KinesisStream;
    readonly ingestion: IngestionService;
    readonly lake: LakeDeployment;
    readonly analytics: AnalyticsDeployment;
    /** Derived streams and their consumers (stack/consumers.ts; one dashboard section, StreamConsumer.widgets()). */
    readonly consumers: DeployedConsumers;
    /** Source connectors (`flightstream:sources`, stack/sources.ts; one dashboard section when any is configured). */
    readonly sources: DeployedSources;
    readonly workflows: DeployedWorkflows;
}

export function deployOnCallSurface(p: OnCallInputs): OnCallSurface {
    const { config, stream, ingestion, lake, analytics, consumers, sources, workflows } = p;
    const analyticsAccount = config.accounts.analytics.accountId;
    const lakeAccount = config.accounts.lake.accountId;
    const capacity = stream.capacityPerPeriod(60);

    // The monitoring account sees the other accounts' metrics, logs and traces.
    const observability = new Observability(
        "observability",
        {
            monitoringAccountId: config.accounts.ingestion.accountId,
            sources: [
                { name: "lake", accountId: lakeAccount, provider: p.providers.lake },
                { name: "analytics", accountId: analyticsAccount, provider: p.providers.analytics },
                ...config.ponds.map((pond) => ({ name: pond.name, accountId: pond.accountId, provider: p.providers.ponds[pond.pond] })),
            ],
        },
        { provider: p.providers.ingestion },
    );

    const dashboard = new Dashboard(
        "dashboard",
        {
            dashboardName: `${config.stack}-flightstream`,
            region: config.accounts.ingestion.region,
            sections: [
                {
                    title: "Ingestion: requests, accepted events, rejects",
                    widgets: [
                        { title: "Requests (ALB)", metrics: [ingestion.metricRequestCount()] },
                        { title: "Events accepted", metrics: [ingestion.metricEventsAccepted()] },
                        { title: "Requests shed (429/503)", metrics: [ingestion.metricRequestsShed()] },
                        { title: "Target response time p99", metrics: [ingestion.metricTargetResponseTime()] },
                        { title: "PutRecords latency", metrics: [ingestion.metricPutRecordsLatency()] },
                        { title: "Tasks CPU / memory", metrics: [ingestion.metricCpuUtilization(), ingestion.metricMemoryUtilization()] },
                        { title: "WAF blocked / allowed", metrics: [ingestion.metricWafBlockedRequests(), ingestion.metricWafAllowedRequests()] },
                        ...ingestion.vendorWidgets(),
                    ],
                },
                {
                    title: "Stream: incoming against capacity, throttles, iterator age",
                    widgets: [
                        {
                            title: "Incoming bytes per minute",
                            metrics: [stream.metricIncomingBytes({ statistic: "Sum", periodSeconds: 60 })],
                            annotations: capacity ? [{ label: "provisioned capacity", value: capacity.bytes }] : [],
                        },
                        {
                            title: "Incoming records per minute",
                            metrics: [stream.metricIncomingRecords({ statistic: "Sum", periodSeconds: 60 })],
                            annotations: capacity ? [{ label: "provisioned capacity", value: capacity.records }] : [],
                        },
                        { title: "Throttled writes / reads", metrics: [stream.metricWriteProvisionedThroughputExceeded(), stream.metricReadProvisionedThroughputExceeded()] },
                        { title: "PutRecords success rate", metrics: [stream.metricPutRecordsSuccessRate()] },
                        { title: "Iterator age (shared-throughput readers)", metrics: [stream.metricGetRecordsIteratorAgeMilliseconds()] },
                        ...Object.keys(stream.consumers).map((c) => ({ title: `Consumer ${c}: behind latest`, metrics: [stream.metricConsumerMillisBehindLatest(c)] })),
                    ],
                },
                {
                    title: "Real-time consumer and Data API (analytics account)",
                    widgets: [
                        { title: "Processor errors / throttles", accountId: analyticsAccount, metrics: [analytics.processor.metricErrors(), analytics.processor.metricThrottles()] },
                        { title: "Processor duration p99", accountId: analyticsAccount, metrics: [analytics.processor.metricDuration()] },
                        { title: "Processor iterator age", accountId: analyticsAccount, metrics: [analytics.processor.metricIteratorAge()] },
                        { title: "Poison records / failed batches", accountId: analyticsAccount, metrics: [analytics.processor.metricPoisonRecords(), analytics.processor.metricFailureQueueMessagesVisible()] },
                        { title: "Data API latency", accountId: analyticsAccount, metrics: [analytics.processor.metricDataApiLatency()] },
                        { title: "Data API errors", accountId: analyticsAccount, metrics: [analytics.processor.metricDataApiErrors()] },
                        { title: "Aurora capacity (ACU) / CPU", accountId: analyticsAccount, metrics: [analytics.database.metricServerlessDatabaseCapacity(), analytics.database.metricCpuUtilization()] },
                        { title: "Insights API requests / latency p99", accountId: analyticsAccount, metrics: [analytics.insights.metricCount(), analytics.insights.metricLatency()] },
                    ],
                },
                {
                    title: "Stream consumers and derived streams",
                    widgets: [
                        ...Object.entries(consumers.derived).map(([d, s]) => ({ title: `Derived stream ${d}: incoming records per minute`, metrics: [s.metricIncomingRecords({ statistic: "Sum", periodSeconds: 60 })] })),
                        ...Object.entries(consumers.consumers).flatMap(([name, c]) => c.widgets(name)),
                    ],
                },
                ...(Object.keys(sources.sources).length === 0
                    ? []
                    : [
                          {
                              title: "Source connectors",
                              widgets: Object.entries(sources.sources).flatMap(([name, s]) => [
                                  { title: `Source ${name}: events published / skipped`, metrics: [s.metricEventsPublished(), s.metricEventsSkipped()] },
                                  { title: `Source ${name}: errors / dead letters`, metrics: [s.metricErrors(), s.metricDeadLetterMessages()] },
                              ]),
                          },
                      ]),
                {
                    title: "Lake freshness, pond ETL and workflows",
                    widgets: [
                        { title: "Lake delivery freshness (s)", metrics: [lake.delivery.metricDataFreshness()] },
                        { title: "Lake delivery success", metrics: [lake.delivery.metricDeliveryToS3Success(), lake.delivery.metricExecuteProcessingSuccess()] },
                        ...Object.entries(lake.etl).map(([pond, etl]) => ({ title: `Pond ETL ${pond}: failed executions`, accountId: lakeAccount, metrics: [etl.metricExecutionsFailed()] })),
                        {
                            title: "Ops workflows: failed executions",
                            metrics: [workflows.replay.workflow.metricExecutionsFailed(), workflows.reshard.workflow.metricExecutionsFailed(), workflows.trafficShift.workflow.metricExecutionsFailed()],
                        },
                        {
                            title: "Ops workflows: started executions",
                            metrics: [workflows.replay.workflow.metricExecutionsStarted(), workflows.reshard.workflow.metricExecutionsStarted(), workflows.trafficShift.workflow.metricExecutionsStarted()],
                        },
                    ],
                },
            ],
        },
        { provider: p.providers.ingestion },
    );

    // Composite alarms only reference alarms of their own account: the ingestion
    // service, the stream and the lake delivery (the stream consumer in this account).
    const ingestionPath = new IngestionPathAlarm(
        "ingestion-path",
        {
            alarmName: `${config.stack}-ingestion-path-degraded`,
            alarms: [...ingestion.alarms, ...stream.alarms, ...lake.delivery.alarms],
            routing: p.oncall.ingestion.routing,
        },
        { provider: p.providers.ingestion },
    );

    return { dashboard, ingestionPath, observability };
}
