/**
 * The stack program: composes the platform's components, each in the account it
 * belongs to, and returns the outputs other stacks consume through StackReference.
 *
 * Order: providers → on-call routing (one per account holding alarms) → stream →
 * ingestion → lake + ponds → analytics → workflows → dashboard.
 */
import * as pulumi from "@pulumi/pulumi";
import { OnCall } from "../components/oncall";
import { AccountProviders, createProviders } from "./accounts";
import { StackConfig } from "./config";
import { deployStream } from "./stream";
import { deployIngestion } from "./ingestion";
import { IngestionService } from "../components/ingestion";
import { KinesisStream } from "../components/stream";

export interface Platform {
    readonly config: StackConfig;
    readonly providers: AccountProviders;
    /** On-call routing per logical account. */
    readonly oncall: Record<string, OnCall>;
    readonly stream: KinesisStream;
    readonly ingestion: IngestionService;
    /** Stack outputs (consumed through StackReference). */
    readonly outputs: Record<string, pulumi.Input<unknown>>;
}

export function buildPlatform(config: StackConfig): Platform {
    const providers = createProviders(config);
    const oncall: Record<string, OnCall> = {};
    for (const account of ["ingestion", "lake", "analytics"] as const) {
        oncall[account] = new OnCall(`oncall-${account}`, {
            accountId: config.accounts[account].accountId,
            pageEmails: config.oncall.pageEmails,
            pageHttpsEndpoints: config.oncall.pageHttpsEndpoints,
            ticketEmails: config.oncall.ticketEmails,
        }, { provider: providers[account] });
    }

    const stream = deployStream(config, providers, oncall);
    const ingestion = deployIngestion(config, providers, oncall, stream);

    const outputs: Record<string, pulumi.Input<unknown>> = {
        environment: config.environment,
        accounts: Object.fromEntries([
            ...Object.values(config.accounts).map((a) => [a.name, { accountId: a.accountId, region: a.region }]),
            ...config.ponds.map((p) => [p.name, { accountId: p.accountId, region: p.region }]),
        ]),
        stream: { name: stream.streamName, arn: stream.streamArn, kmsKeyArn: stream.keyArn, shards: stream.shardCount ?? "on-demand", consumers: Object.fromEntries(Object.entries(stream.consumers).map(([k, c]) => [k, c.arn])) },
        ingestion: { url: ingestion.url, loadBalancerDnsName: ingestion.loadBalancer.dnsName, repositoryUrl: ingestion.repository.repositoryUrl, cluster: ingestion.cluster.name, service: ingestion.service.name, healthCheckId: ingestion.healthCheck.id },
        oncallTopics: Object.fromEntries(Object.entries(oncall).map(([k, o]) => [k, { page: o.pageTopic.arn, ticket: o.ticketTopic.arn }])),
    };
    return { config, providers, oncall, stream, ingestion, outputs };
}
