/**
 * Stream efficiency: what the record codec makes of the corpus. Pure (no I/O):
 * user records go through the real RecordAggregator exactly as the ingestion
 * producer flushes them, and we count Kinesis records, PUT payload units and
 * bytes per 1,000 events, against one plain record per event.
 */
import { planCapacity, PUT_PAYLOAD_UNIT_BYTES, recommendShards } from "../functions/shared/capacity";
import { evenShardRanges, RecordAggregator, ShardMap, type AggregatedEntry, type AggregatorOptions } from "../functions/shared/codec";

export interface CodecScenario {
    readonly name: string;
    readonly aggregation: boolean;
    readonly compression: "none" | "gzip";
    /** How many events each user record carries (1 = one event per user record, as the producer does). */
    readonly eventsPerUserRecord: number;
}

export interface ScenarioResult {
    readonly name: string;
    readonly aggregation: boolean;
    readonly compression: "none" | "gzip";
    readonly eventsPerUserRecord: number;
    readonly events: number;
    readonly kinesisRecords: number;
    readonly putPayloadUnits: number;
    /** Data + PartitionKey bytes sent. */
    readonly kinesisBytes: number;
    readonly recordsPer1000Events: number;
    readonly putUnitsPer1000Events: number;
    readonly bytesPerEvent: number;
    /** Event JSON bytes over compressed payload bytes (codec stats; 1 without compression). */
    readonly compressionRatio: number;
}

export interface EfficiencyOptions {
    /** Open shards the producer spreads over. */
    readonly shards: number;
    /** Events aggregated together (one producer flush). */
    readonly flushEvents: number;
    /** Largest aggregated record (the producer's `maxAggregateBytes`). */
    readonly maxRecordBytes: number;
}

/** PUT payload units of one record: every started 25 KB counts. */
export function putPayloadUnits(sizeBytes: number): number {
    if (!Number.isInteger(sizeBytes) || sizeBytes < 0) throw new RangeError(`putPayloadUnits: \`sizeBytes\` must be a non-negative integer; received ${String(sizeBytes)}`);
    return Math.max(1, Math.ceil(sizeBytes / PUT_PAYLOAD_UNIT_BYTES));
}

/**
 * Runs `payloads` (one event's JSON each, partition key = `partitionKeys[i]`)
 * through the codec in flushes of `flushEvents`, as the producer does.
 */
export function runScenario(scenario: CodecScenario, payloads: readonly Buffer[], partitionKeys: readonly string[], opts: EfficiencyOptions): ScenarioResult {
    if (payloads.length === 0) throw new RangeError("runScenario: `payloads` is empty");
    if (payloads.length !== partitionKeys.length) {
        throw new RangeError(`runScenario: \`partitionKeys\` has ${partitionKeys.length} entries for ${payloads.length} payloads; give one per payload`);
    }
    if (!Number.isInteger(scenario.eventsPerUserRecord) || scenario.eventsPerUserRecord < 1) {
        throw new RangeError(`runScenario: \`eventsPerUserRecord\` must be an integer >= 1; received ${String(scenario.eventsPerUserRecord)}`);
    }
    const shardMap = new ShardMap(evenShardRanges(opts.shards));
    const aggOpts: AggregatorOptions = { aggregation: scenario.aggregation, compression: scenario.compression, maxRecordBytes: opts.maxRecordBytes };
    let kinesisRecords = 0;
    let putUnits = 0;
    let kinesisBytes = 0;
    let userBytes = 0;
    let payloadBytes = 0;
    const count = (entries: AggregatedEntry[]) => {
        for (const e of entries) {
            kinesisRecords++;
            kinesisBytes += e.sizeBytes;
            putUnits += putPayloadUnits(e.sizeBytes);
        }
    };
    for (let from = 0; from < payloads.length; from += opts.flushEvents) {
        const aggregator = new RecordAggregator(shardMap, aggOpts);
        const to = Math.min(payloads.length, from + opts.flushEvents);
        for (let i = from; i < to; i += scenario.eventsPerUserRecord) {
            const end = Math.min(to, i + scenario.eventsPerUserRecord);
            const data = scenario.eventsPerUserRecord === 1 ? payloads[i] : Buffer.concat([Buffer.from("["), ...payloads.slice(i, end).flatMap((p, k) => (k === 0 ? [p] : [Buffer.from(","), p])), Buffer.from("]")]);
            count(aggregator.add({ partitionKey: partitionKeys[i], data }));
        }
        count(aggregator.flush());
        userBytes += aggregator.stats.userBytes;
        payloadBytes += aggregator.stats.payloadBytes;
    }
    const events = payloads.length;
    return {
        name: scenario.name,
        aggregation: scenario.aggregation,
        compression: scenario.compression,
        eventsPerUserRecord: scenario.eventsPerUserRecord,
        events,
        kinesisRecords,
        putPayloadUnits: putUnits,
        kinesisBytes,
        recordsPer1000Events: (kinesisRecords * 1000) / events,
        putUnitsPer1000Events: (putUnits * 1000) / events,
        bytesPerEvent: kinesisBytes / events,
        compressionRatio: userBytes / payloadBytes,
    };
}

export const SCENARIOS: readonly CodecScenario[] = [
    { name: "naive: one plain record per event", aggregation: false, compression: "none", eventsPerUserRecord: 1 },
    { name: "plain + gzip per event", aggregation: false, compression: "gzip", eventsPerUserRecord: 1 },
    { name: "KPL aggregation (producer today)", aggregation: true, compression: "none", eventsPerUserRecord: 1 },
    { name: "KPL aggregation + gzip per event", aggregation: true, compression: "gzip", eventsPerUserRecord: 1 },
    { name: "KPL aggregation + gzip of 50-event arrays", aggregation: true, compression: "gzip", eventsPerUserRecord: 50 },
];

/** Decimal MB/s of `tbPerDay` (10^12 bytes) and the byte bound in shards at 1 MB/s each. */
export function uncompressedByteBoundShards(tbPerDay: number): number {
    return Math.ceil((tbPerDay * 1e12) / 86400 / 1e6);
}

export interface CapacityComparison {
    readonly tbPerDay: number;
    readonly averageEventBytes: number;
    readonly compressionRatio: number;
    /** ceil(MB/s) at 1 MB/s per shard, nothing else considered (docs/design.md §6: 116). */
    readonly uncompressedByteBoundShards: number;
    /** The planner (as `shards: auto` calls it: peak factor 1) with the measured ratio. */
    readonly plannerShardsMeasuredRatio: number;
    /** The same planner call, aggregated but uncompressed. */
    readonly plannerShardsUncompressed: number;
}

export function compareCapacity(tbPerDay: number, averageEventBytes: number, compressionRatio: number): CapacityComparison {
    const input = { tbPerDay, averageRecordBytes: Math.max(1, Math.round(averageEventBytes)), compressionRatio: Math.max(1, compressionRatio), peakFactor: 1 };
    const plan = planCapacity(input);
    const aggregatedUncompressed = plan.scenarios.find((s) => s.aggregated && !s.compressed);
    return {
        tbPerDay,
        averageEventBytes,
        compressionRatio,
        uncompressedByteBoundShards: uncompressedByteBoundShards(tbPerDay),
        plannerShardsMeasuredRatio: recommendShards(input),
        plannerShardsUncompressed: aggregatedUncompressed!.shards,
    };
}
