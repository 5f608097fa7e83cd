/**
 * Scale simulation: the real ingestion producer (functions/ingest/producer.ts)
 * in K simulated ingestion tasks, each fed its share of the 10 TB/day peak
 * event rate in virtual time (one 20 ms linger per tick: every task publishes
 * its tick's events as 50-event requests and flushes once), writing to an
 * in-memory Kinesis with the planner's shard count that routes each entry by
 * its ExplicitHashKey, as Kinesis does. Per shard and 200 ms window we count
 * records and bytes (Data + PartitionKey) per one-second window, as
 * Kinesis accounts its per-shard write limits.
 */
import { ListShardsCommand, PutRecordsCommand, type KinesisClient } from "@aws-sdk/client-kinesis";
import { Producer } from "../functions/ingest/producer";
import { evenShardRanges, ShardMap } from "../functions/shared/codec";
import { SHARD_WRITE_BYTES_PER_SECOND, SHARD_WRITE_RECORDS_PER_SECOND } from "../functions/shared/capacity";
import type { FlightEvent } from "../functions/shared/events";
import { percentile } from "./stats";

export interface ScaleOptions {
    readonly events: readonly FlightEvent[];
    readonly tasks: number;
    readonly shards: number;
    readonly peakEventsPerSecond: number;
    readonly lingerMs: number;
    readonly virtualSeconds: number;
    /** Ticks per accounting window. @default 1000 / lingerMs (1 s: Kinesis's limits are per second) */
    readonly ticksPerWindow?: number;
}

export interface ScaleResult {
    readonly tasks: number;
    readonly shards: number;
    readonly peakEventsPerSecond: number;
    readonly eventsPerTaskFlush: number;
    readonly virtualSeconds: number;
    readonly windowMs: number;
    readonly eventsSent: number;
    readonly kinesisRecords: number;
    readonly p99ShardRecordsPerSecond: number;
    readonly maxShardRecordsPerSecond: number;
    readonly p99ShardBytesPerSecond: number;
    readonly maxShardBytesPerSecond: number;
    readonly meanShardBytesPerSecond: number;
    /** p99 over mean shard bytes per window: what the planner takes as `hotShardImbalance`. */
    readonly hotShardImbalance: number;
    /** p99 hottest shard as shares of the limits (1 MiB/s, 1,000 records/s). */
    readonly p99BytesShare: number;
    readonly p99RecordsShare: number;
    readonly wallSeconds: number;
}

function seeded(seed: number): () => number {
    let s = seed >>> 0;
    return () => {
        s = (s + 0x6d2b79f5) >>> 0;
        let t = s;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
}

export async function benchScale(o: ScaleOptions): Promise<ScaleResult> {
    const started = Date.now();
    const map = new ShardMap(evenShardRanges(o.shards));
    const index = new Map(map.shards.map((s, i) => [s.shardId, i]));
    const ticksPerWindow = o.ticksPerWindow ?? Math.round(1000 / o.lingerMs);
    const ticks = Math.round((o.virtualSeconds * 1000) / o.lingerMs);
    const windows = Math.ceil(ticks / ticksPerWindow);
    const records = Array.from({ length: windows }, () => new Float64Array(o.shards));
    const bytes = Array.from({ length: windows }, () => new Float64Array(o.shards));
    let tick = 0;
    let kinesisRecords = 0;
    let seq = 0;
    const client = {
        async send(command: unknown): Promise<unknown> {
            if (command instanceof ListShardsCommand) {
                return { Shards: map.shards.map((s) => ({ ShardId: s.shardId, HashKeyRange: { StartingHashKey: s.startingHashKey, EndingHashKey: s.endingHashKey }, SequenceNumberRange: { StartingSequenceNumber: "1" } })) };
            }
            if (command instanceof PutRecordsCommand) {
                const w = Math.floor(tick / ticksPerWindow);
                return {
                    Records: (command.input.Records ?? []).map((r) => {
                        const shardId = map.shardFor(BigInt(r.ExplicitHashKey!)).shardId;
                        const i = index.get(shardId)!;
                        records[w][i]++;
                        bytes[w][i] += r.Data!.length + Buffer.byteLength(r.PartitionKey!, "utf8");
                        kinesisRecords++;
                        return { ShardId: shardId, SequenceNumber: String(++seq) };
                    }),
                };
            }
            throw new Error(`scale: unexpected command ${String(command)}`);
        },
    } as Pick<KinesisClient, "send">;
    const producers = Array.from({ length: o.tasks }, (_, k) => new Producer({ client, streamName: "scale", lingerMs: 0, random: seeded(1000 + k), maxQueueEvents: 1_000_000 }));
    for (const p of producers) await p.start();
    const perTaskFlush = o.peakEventsPerSecond / (o.tasks * (1000 / o.lingerMs));
    let carry = 0;
    let cursor = 0;
    let sent = 0;
    const take = (n: number): FlightEvent[] => {
        const out: FlightEvent[] = [];
        for (let i = 0; i < n; i++) {
            out.push(o.events[cursor]);
            cursor = (cursor + 1) % o.events.length;
        }
        return out;
    };
    for (tick = 0; tick < ticks; tick++) {
        const pending: Promise<void>[] = [];
        for (const p of producers) {
            carry += perTaskFlush;
            const n = Math.floor(carry);
            carry -= n;
            const events = take(n);
            sent += n;
            for (let i = 0; i < events.length; i += 50) pending.push(p.publish(events.slice(i, i + 50)));
        }
        await Promise.all(pending);
    }
    for (const p of producers) p.stop();
    const scale = 1000 / (ticksPerWindow * o.lingerMs);
    const r = records.flatMap((w) => [...w].map((x) => x * scale));
    const b = bytes.flatMap((w) => [...w].map((x) => x * scale));
    const mean = b.reduce((n, x) => n + x, 0) / b.length;
    const p99Bytes = percentile(b, 99);
    const p99Records = percentile(r, 99);
    return {
        tasks: o.tasks,
        shards: o.shards,
        peakEventsPerSecond: o.peakEventsPerSecond,
        eventsPerTaskFlush: perTaskFlush,
        virtualSeconds: o.virtualSeconds,
        windowMs: ticksPerWindow * o.lingerMs,
        eventsSent: sent,
        kinesisRecords,
        p99ShardRecordsPerSecond: p99Records,
        maxShardRecordsPerSecond: Math.max(...r),
        p99ShardBytesPerSecond: p99Bytes,
        maxShardBytesPerSecond: Math.max(...b),
        meanShardBytesPerSecond: mean,
        hotShardImbalance: p99Bytes / mean,
        p99BytesShare: p99Bytes / SHARD_WRITE_BYTES_PER_SECOND,
        p99RecordsShare: p99Records / SHARD_WRITE_RECORDS_PER_SECOND,
        wallSeconds: (Date.now() - started) / 1000,
    };
}
