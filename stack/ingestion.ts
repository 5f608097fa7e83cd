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
            domainName: i.domainName,
            hostedZoneId: i.hostedZoneId,
            routingPolicy: i.routingPolicy,
            setIdentifier: i.setIdentifier,
            weight: i.weight,
            failoverRole: i.failoverRole,
            usEast1Provider: providers.ingestionUsEast1,
            streamName: stream.streamName,
            streamArn: stream.streamArn,
            streamKmsKeyArn: stream.keyArn,
            vpcCidr: i.vpcCidr,
            availabilityZones: ["a", "b", ...(config.isProd ? ["c"] : [])].map((z) => `${account.region}${z}`),
            cpu: i.cpu,
            memoryMiB: i.memoryMiB,
            minTasks: i.minTasks,
            maxTasks: i.maxTasks,
            desiredTasks: i.desiredTasks,
            lingerMs: i.lingerMs,
            vendors: i.vendors,
            wafRateLimitPerIp: i.wafRateLimitPerIp,
            deletionProtection: config.isProd,
            alarms: { routing: oncall.ingestion.routing },
        },
        { provider: providers.ingestion },
    );
}
