/** The streaming buffer in the ingestion account, sized from stack config. */
import * as pulumi from "@pulumi/pulumi";
import { KinesisStream, ShardLevelMetric } from "@flightstream/components/stream";
import { OnCall } from "@flightstream/components/oncall";
import { Grant, principals } from "@flightstream/components/common/grants";
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

/**
 * The stream; its readers in other accounts are admitted by grants once their
 * roles exist (`grantStreamToProcessor`), which add the stream, consumer and
 * key policy statements.
 */
export function deployStream(config: StackConfig, providers: AccountProviders, oncall: Record<string, OnCall>): KinesisStream {
    const ingestion = config.accounts.ingestion;
    const shardLevelMetrics: ShardLevelMetric[] = config.isProd ? ["IncomingBytes", "IncomingRecords", "IteratorAgeMilliseconds", "WriteProvisionedThroughputExceeded", "ReadProvisionedThroughputExceeded"] : [];
    return new KinesisStream(
        "stream",
        {
            accountId: ingestion.accountId,
            region: ingestion.region,
            streamName: `${config.stack}-flight-events`,
            mode: config.stream.mode,
            shardCount: resolveShardCount(config),
            retentionHours: config.stream.retentionHours,
            consumers: config.stream.enhancedFanOut ? [PROCESSOR_CONSUMER] : [],
            shardLevelMetrics,
            trafficFloorRecordsPerMinute: config.oncall.trafficFloorRecordsPerMinute,
            alarms: { routing: oncall.ingestion.routing },
        },
        { provider: providers.ingestion },
    );
}

/**
 * The stream's side of the processor's access: the processor's role (in the
 * analytics account) consumes through its enhanced fan-out consumer (or with
 * shared throughput when there is none). Its identity policy is the
 * processor's own (StreamConsumer); this grant adds the stream, consumer and
 * key policy statements naming exactly that role when the analytics account
 * is another than the stream's, and nothing otherwise.
 */
export function grantStreamToProcessor(config: StackConfig, stream: KinesisStream, processorRoleArn: pulumi.Input<string>): Grant {
    const reader = principals.roleArn(processorRoleArn, config.accounts.analytics.accountId);
    return config.stream.enhancedFanOut ? stream.grantConsume("stream-analytics-processor", reader, PROCESSOR_CONSUMER) : stream.grantRead("stream-analytics-processor", reader, "consume");
}
