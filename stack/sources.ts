/**
 * Source connectors of the stack (`flightstream:sources`): one ScheduledSource per
 * configured connector, in the ingestion account next to the stream it writes
 * (EventBridge Scheduler → the connector's Lambda → the platform's producer).
 */
import { AlarmRouting } from "@flightstream/components/common/alarms";
import { ScheduledSource } from "@flightstream/components/sources";
import { KinesisStream } from "@flightstream/components/stream";
import { AccountProviders } from "./accounts";
import { StackConfig } from "./config";
import { PlatformStackExports } from "@flightstream/components/platform/outputs";

export interface DeployedSources {
    readonly sources: Record<string, ScheduledSource>;
    /** Stack output `sources`. */
    readonly outputs: Pick<PlatformStackExports, "sources">;
}

export function deploySources(config: StackConfig, providers: AccountProviders, routing: AlarmRouting, stream: KinesisStream): DeployedSources {
    const account = config.accounts.ingestion;
    const sources: Record<string, ScheduledSource> = {};
    for (const s of config.sources) {
        sources[s.connector] = new ScheduledSource(
            `${s.connector}-source`,
            {
                connector: s.connector,
                accountId: account.accountId,
                region: account.region,
                stream,
                apiUrl: s.apiUrl,
                ...(s.source === undefined ? {} : { source: s.source }),
                schedule: s.schedule,
                scheduleEnabled: s.enabled,
                staleIntervals: s.staleIntervals,
                environment: s.environment,
                alarms: { routing },
            },
            { provider: providers.ingestion },
        );
    }
    return {
        sources,
        outputs: {
            sources: Object.fromEntries(Object.entries(sources).map(([k, s]) => [k, { function: s.function.name, schedule: s.schedule.name, apiKeySecretArn: s.secretArn, deadLetterQueueUrl: s.deadLetterQueue.url }])),
        },
    };
}
