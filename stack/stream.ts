/** The streaming buffer in the ingestion account, sized from stack config. */
import * as pulumi from "@pulumi/pulumi";
import { KinesisStream, ShardLevelMetric } from "@flightstream/components/stream";
import { OnCall } from "@flightstream/components/oncall";
import { measuredFigures, planDataPath } from "../functions/shared/capacity";
import benchResults from "../bench/results.json";
import { AccountProviders } from "./accounts";
import { StackConfig } from "./config";

/** Name of the enhanced fan-out consumer the real-time processor reads through. */
export const PROCESSOR_CONSUMER = "analytics-processor";

/**
 * Shard count from config; `auto` sizes with the capacity planner's data-path
 * model (the producer fleet, the measured frame ratio, event size and hottest
 * shard imbalance from bench/results.json) for the declared PEAK throughput
 * of event JSON, at 70% of each shard's limits on the hottest shard.
 */
export function resolveShardCount(config: StackConfig): number | undefined {
    if (config.stream.mode === "on-demand") return undefined;
    if (config.stream.shards === "auto") {
        return planDataPath({ mbPerSecond: config.stream.throughputMBps!, peakFactor: 1, retentionHours: config.stream.retentionHours, measured: measuredFigures(benchResults) }).shards;
    }
    return config.stream.shards;
}

/** `processorRoleArn`: the stream processor's role; cross-account, the stream and key policies name it. */
export function deployStream(config: StackConfig, providers: AccountProviders, oncall: Record<string, OnCall>, processorRoleArn?: pulumi.Input<string>): KinesisStream {
    const ingestion = config.accounts.ingestion;
    const analytics = config.accounts.analytics;
    const shardLevelMetrics: ShardLevelMetric[] = config.isProd ? ["IncomingBytes", "IncomingRecords", "IteratorAgeMilliseconds", "WriteProvisionedThroughputExceeded", "ReadProvisionedThroughputExceeded"] : [];
    return new KinesisStream("stream", {
        accountId: ingestion.accountId,
        region: ingestion.region,
        streamName: `${config.stack}-flight-events`,
        mode: config.stream.mode,
        shardCount: resolveShardCount(config),
        retentionHours: config.stream.retentionHours,
        consumers: config.stream.enhancedFanOut ? [PROCESSOR_CONSUMER] : [],
        shardLevelMetrics,
        crossAccountConsumerAccountIds: analytics.accountId !== ingestion.accountId ? [analytics.accountId] : [],
        ...(analytics.accountId !== ingestion.accountId && processorRoleArn !== undefined ? { crossAccountConsumerRoleArns: [processorRoleArn] } : {}),
        trafficFloorRecordsPerMinute: config.oncall.trafficFloorRecordsPerMinute,
        alarms: { routing: oncall.ingestion.routing },
    }, { provider: providers.ingestion });
}
