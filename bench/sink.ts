/**
 * A local HTTP Kinesis endpoint for the ingestion benchmark: the real service
 * talks to it through the real AWS SDK v3 Kinesis client (JSON 1.1 protocol,
 * SigV4 signing, base64 serialisation, HTTP keep-alive), as it talks to
 * Kinesis in AWS. It answers ListShards (an evenly split stream) and
 * PutRecords (every entry acknowledged at once, with a sequence number and the
 * shard its ExplicitHashKey falls in) and keeps every acknowledged record.
 *
 * Counting is exact and done off the measured path: `verify()` decodes every
 * kept record as a reader does (KPL aggregates with their MD5 check, frames
 * inflated with their dictionary, old single-event records alike) and counts
 * the events and distinct eventIds, so the benchmark can prove that every
 * accepted event was written, once.
 */
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { decodeRecord, evenShardRanges, frameEventCount, hashKeyForPartitionKey, parseHashKey, ShardMap } from "../functions/shared/codec";

export interface SinkStats {
    putCalls: number;
    entries: number;
    /** Data + PartitionKey bytes of the acknowledged entries. */
    bytes: number;
    /** Events in the acknowledged entries, from the frame headers (a quick running count; `verify` is the exact one). */
    events: number;
}

export interface SinkVerification {
    /** Events decoded from every kept record. */
    readonly events: number;
    /** Distinct eventIds among them. */
    readonly distinctEventIds: number;
    /** User records (frames, or old single events) decoded. */
    readonly userRecords: number;
}

/** `verify`'s answer with every eventId (not stored in the results file). */
export interface SinkContents extends SinkVerification {
    readonly eventIds: ReadonlySet<string>;
}

export interface HttpKinesisSink {
    /** http://127.0.0.1:<port> */
    readonly endpoint: string;
    readonly stats: SinkStats;
    /** Zeroes the counters and forgets the kept records (after a warm-up). */
    reset(): void;
    /** Decodes every record kept since the last reset and counts its events exactly. */
    verify(): SinkContents;
    close(): Promise<void>;
}

const TARGET = "Kinesis_20131202.";

export async function startKinesisSink(opts: { shards: number }): Promise<HttpKinesisSink> {
    const ranges = evenShardRanges(opts.shards);
    const map = new ShardMap(ranges);
    const stats: SinkStats = { putCalls: 0, entries: 0, bytes: 0, events: 0 };
    let kept: { data: Buffer; partitionKey: string }[] = [];
    let seq = 0n;

    const answer = (res: http.ServerResponse, status: number, body: unknown) => {
        const text = JSON.stringify(body);
        res.writeHead(status, { "content-type": "application/x-amz-json-1.1", "content-length": Buffer.byteLength(text), "x-amzn-requestid": `sink-${seq}` });
        res.end(text);
    };

    const server = http.createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on("data", (c: Buffer) => chunks.push(c));
        req.on("end", () => {
            const target = String(req.headers["x-amz-target"] ?? "");
            let input: Record<string, unknown>;
            try {
                input = JSON.parse(Buffer.concat(chunks).toString("utf8"));
            } catch (err) {
                return answer(res, 400, { __type: "SerializationException", message: `the sink could not parse the request body: ${(err as Error).message}` });
            }
            if (target === `${TARGET}ListShards`) {
                return answer(res, 200, {
                    Shards: ranges.map((r) => ({ ShardId: r.shardId, HashKeyRange: { StartingHashKey: r.startingHashKey, EndingHashKey: r.endingHashKey }, SequenceNumberRange: { StartingSequenceNumber: "0" } })),
                });
            }
            if (target === `${TARGET}PutRecords`) {
                const records = (input.Records ?? []) as { Data: string; PartitionKey: string; ExplicitHashKey?: string }[];
                stats.putCalls++;
                stats.entries += records.length;
                const out = records.map((r) => {
                    const data = Buffer.from(r.Data, "base64");
                    stats.bytes += data.length + Buffer.byteLength(r.PartitionKey, "utf8");
                    for (const u of decodeRecord(data, { partitionKey: r.PartitionKey }, { decompress: false, verifyChecksum: false })) stats.events += frameEventCount(u.data);
                    kept.push({ data, partitionKey: r.PartitionKey });
                    const hash = r.ExplicitHashKey !== undefined ? parseHashKey(r.ExplicitHashKey) : hashKeyForPartitionKey(r.PartitionKey);
                    seq++;
                    return { SequenceNumber: seq.toString().padStart(56, "0"), ShardId: map.shardFor(hash).shardId };
                });
                return answer(res, 200, { FailedRecordCount: 0, Records: out });
            }
            return answer(res, 400, { __type: "UnknownOperationException", message: `the benchmark sink answers ListShards and PutRecords only; received X-Amz-Target ${JSON.stringify(target)}` });
        });
    });
    server.keepAliveTimeout = 75000;
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    return {
        endpoint: `http://127.0.0.1:${port}`,
        stats,
        reset() {
            Object.assign(stats, { putCalls: 0, entries: 0, bytes: 0, events: 0 });
            kept = [];
        },
        verify() {
            const ids = new Set<string>();
            let events = 0;
            let userRecords = 0;
            for (const k of kept) {
                for (const u of decodeRecord(k.data, { partitionKey: k.partitionKey }, { decompress: false })) {
                    userRecords++;
                    for (const e of decodeRecord(u.data)) {
                        events++;
                        ids.add((JSON.parse(Buffer.from(e.data).toString("utf8")) as { eventId: string }).eventId);
                    }
                }
            }
            return { events, distinctEventIds: ids.size, userRecords, eventIds: ids };
        },
        close: () =>
            new Promise<void>((resolve) => {
                server.closeAllConnections();
                server.close(() => resolve());
            }),
    };
}
