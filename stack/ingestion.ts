/** The ingestion front door (Route 53 → ALB → Fargate) in the ingestion account. */
import { IngestionService } from "@flightstream/components/ingestion";
import { OnCall } from "@flightstream/components/oncall";
import { KinesisStream } from "@flightstream/components/stream";
import { AccountProviders } from "./accounts";
import { StackConfig } from "./config";

export function deployIngestion(config: StackConfig, providers: AccountProviders, oncall: Record<string, OnCall>, stream: KinesisStream): IngestionService {
    const i = config.ingestion;
    const account = config.accounts.ingestion;
    return new IngestionService(
        "ingestion",
        {
            accountId: account.accountId,
            region: account.region,
            // The config's ingestion block names the service's arguments one for one.
            ...i,
            usEast1Provider: providers.ingestionUsEast1,
            streamName: stream.streamName,
            streamArn: stream.streamArn,
            streamKmsKeyArn: stream.keyArn,
            availabilityZones: ["a", "b", ...(config.isProd ? ["c"] : [])].map((z) => `${account.region}${z}`),
            deletionProtection: config.isProd,
            alarms: { routing: oncall.ingestion.routing },
        },
        { provider: providers.ingestion },
    );
}
