/**
 * An in-process stand-in for Kinesis that the ingestion producer talks to
 * through the same `send(command)` surface as @aws-sdk/client-kinesis:
 * ListShards answers an evenly split stream, PutRecords acknowledges every
 * entry at once (a sequence number and the shard its explicit hash key falls
 * in). No network and no emulator, so the benchmark measures the service
 * (HTTP, validation, aggregation, PutRecords planning), not kinesis-local.
 */
import { ListShardsCommand, PutRecordsCommand, type KinesisClient } from "@aws-sdk/client-kinesis";
import { evenShardRanges, frameEventCount, hashKeyForPartitionKey, parseHashKey, ShardMap, decodeRecord } from "../functions/shared/codec";

export interface SinkStats {
  putCalls: number;
  entries: number;
  bytes: number;
  /** User records inside the acknowledged entries (counted only when `countUserRecords`). */
  userRecords: number;
  /** Events inside the acknowledged entries, from the frame headers (no decompression). */
  events: number;
}

export interface KinesisSink {
  readonly client: Pick<KinesisClient, "send">;
  readonly stats: SinkStats;
}

export function createKinesisSink(opts: { shards: number; countUserRecords?: boolean }): KinesisSink {
  const ranges = evenShardRanges(opts.shards);
  const map = new ShardMap(ranges);
  const stats: SinkStats = { putCalls: 0, entries: 0, bytes: 0, userRecords: 0, events: 0 };
  let seq = 0n;
  const client = {
    async send(command: unknown): Promise<unknown> {
      if (command instanceof ListShardsCommand) {
        return {
          Shards: ranges.map((r) => ({
            ShardId: r.shardId,
            HashKeyRange: { StartingHashKey: r.startingHashKey, EndingHashKey: r.endingHashKey },
            SequenceNumberRange: { StartingSequenceNumber: "0" },
          })),
          $metadata: {},
        };
      }
      if (command instanceof PutRecordsCommand) {
        const records = command.input.Records ?? [];
        stats.putCalls++;
        stats.entries += records.length;
        return {
          FailedRecordCount: 0,
          Records: records.map((r) => {
            const data = r.Data as Uint8Array;
            stats.bytes += data.length + Buffer.byteLength(r.PartitionKey ?? "", "utf8");
            if (opts.countUserRecords) stats.userRecords += decodeRecord(data, { partitionKey: r.PartitionKey }).length;
            for (const u of decodeRecord(data, { partitionKey: r.PartitionKey }, { decompress: false, verifyChecksum: false })) stats.events += frameEventCount(u.data);
            const hash = r.ExplicitHashKey !== undefined ? parseHashKey(r.ExplicitHashKey) : hashKeyForPartitionKey(r.PartitionKey!);
            seq++;
            return { SequenceNumber: seq.toString().padStart(56, "0"), ShardId: map.shardFor(hash).shardId };
          }),
          $metadata: {},
        };
      }
      throw new Error(`the benchmark Kinesis sink answers ListShards and PutRecords only; received ${(command as object)?.constructor?.name ?? typeof command}`);
    },
  };
  return { client: client as unknown as Pick<KinesisClient, "send">, stats };
}
