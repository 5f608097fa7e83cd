/** Helpers for the ingest tests: read a stream back, Kinesis clients with injected faults, and test keys. */
import { GetRecordsCommand, GetShardIteratorCommand, KinesisClient, PutRecordsCommand, type PutRecordsCommandOutput, type PutRecordsResultEntry } from "@aws-sdk/client-kinesis";
import { decodeRecord, hashKeyForPartitionKey } from "../../functions/shared/codec";
import { listShards, startKinesis, type KinesisEmulator } from "../../local/emulators/kinesis";
import type { FastifyInstance } from "fastify";
import type { Producer } from "../../functions/ingest/producer";
import { authenticateKey, generateKey, hashKey, type KeyDocument } from "../../functions/ingest/keys";
import type { Authenticator } from "../../functions/ingest/server";

/** Every user record in the stream (all shards, open and closed), decoded and parsed as JSON. */
export async function readStreamEvents(client: KinesisClient, stream: string): Promise<Record<string, unknown>[]> {
    return (await readStreamRecords(client, stream)).map((r) => r.event);
}

export interface StoredUserRecord {
    readonly shardId: string;
    readonly startingHashKey: bigint;
    readonly endingHashKey: bigint;
    readonly partitionKey: string;
    /** The hash key Kinesis and KCL route the user record by: its explicit hash key, else the MD5 of its partition key. */
    readonly hashKey: bigint;
    readonly event: Record<string, unknown>;
}

/** Every user record with the shard it was read from. */
export async function readStreamRecords(client: KinesisClient, stream: string): Promise<StoredUserRecord[]> {
    const out: StoredUserRecord[] = [];
    for (const shard of await listShards(client, stream)) {
        const it = await client.send(new GetShardIteratorCommand({ StreamName: stream, ShardId: shard.ShardId!, ShardIteratorType: "TRIM_HORIZON" }));
        let iterator = it.ShardIterator;
        for (let i = 0; i < 200 && iterator; i++) {
            const page = await client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 10000 }));
            for (const record of page.Records ?? []) {
                for (const user of decodeRecord(record.Data!, { partitionKey: record.PartitionKey })) {
                    out.push({
                        shardId: shard.ShardId!,
                        startingHashKey: BigInt(shard.HashKeyRange!.StartingHashKey!),
                        endingHashKey: BigInt(shard.HashKeyRange!.EndingHashKey!),
                        partitionKey: user.partitionKey,
                        hashKey: user.explicitHashKey !== undefined ? BigInt(user.explicitHashKey) : hashKeyForPartitionKey(user.partitionKey),
                        event: JSON.parse(Buffer.from(user.data).toString("utf8")),
                    });
                }
            }
            iterator = page.NextShardIterator;
            if ((page.Records ?? []).length === 0) break;
        }
    }
    return out;
}

/** Counts occurrences of each eventId. */
export function countIds(events: readonly Record<string, unknown>[]): Map<string, number> {
    const counts = new Map<string, number>();
    for (const e of events) counts.set(String(e.eventId), (counts.get(String(e.eventId)) ?? 0) + 1);
    return counts;
}

export interface FaultStats {
    putCalls: number;
    entriesSent: number;
    entriesFailed: number;
    callsRejected: number;
}

/**
 * A client whose PutRecords fails a share of entries the way Kinesis does:
 * the failed entries are NOT written (only the others reach the emulator) and
 * come back with ErrorCode ProvisionedThroughputExceededException; optionally a
 * share of whole calls is rejected with an HTTP 400 throttling exception.
 */
export function throttlingClient(real: KinesisClient, opts: { entryFailureShare: number; callFailureShare?: number; random: () => number }): { client: Pick<KinesisClient, "send">; stats: FaultStats } {
    const stats: FaultStats = { putCalls: 0, entriesSent: 0, entriesFailed: 0, callsRejected: 0 };
    const client = {
        async send(command: any): Promise<any> {
            if (!(command instanceof PutRecordsCommand)) return real.send(command);
            stats.putCalls++;
            if (opts.random() < (opts.callFailureShare ?? 0)) {
                stats.callsRejected++;
                const err = new Error("Rate exceeded for stream (injected)") as Error & { $metadata: object };
                err.name = "ProvisionedThroughputExceededException";
                err.$metadata = { httpStatusCode: 400 };
                throw err;
            }
            const entries = command.input.Records ?? [];
            const fail = entries.map(() => opts.random() < opts.entryFailureShare);
            const pass = entries.filter((_: unknown, i: number) => !fail[i]);
            let passed: PutRecordsResultEntry[] = [];
            if (pass.length > 0) {
                const res: PutRecordsCommandOutput = await real.send(new PutRecordsCommand({ ...command.input, Records: pass }));
                passed = res.Records ?? [];
                stats.entriesSent += pass.length;
            }
            let j = 0;
            const records = entries.map((_: unknown, i: number) => {
                if (!fail[i]) return passed[j++];
                stats.entriesFailed++;
                return { ErrorCode: "ProvisionedThroughputExceededException", ErrorMessage: "Rate exceeded for shard (injected)" };
            });
            return { Records: records, FailedRecordCount: fail.filter(Boolean).length, $metadata: {} };
        },
    };
    return { client: client as Pick<KinesisClient, "send">, stats };
}

/** A client whose PutRecords calls wait until `open()` (to hold events in the producer). */
export function gatedClient(real: KinesisClient): { client: Pick<KinesisClient, "send">; open(): void; waiting(): number } {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let waiting = 0;
    const client = {
        async send(command: any): Promise<any> {
            if (command instanceof PutRecordsCommand) {
                waiting++;
                await gate;
                waiting--;
            }
            return real.send(command);
        },
    };
    return { client: client as Pick<KinesisClient, "send">, open: release, waiting: () => waiting };
}

/** Deterministic PRNG (mulberry32, the traffic generator's) for reproducible fault injection. */
export { rng as seeded } from "../../local/traffic";

/** Keys for in-process servers: one active key per source, plus a revoked and an expired key of the first source. */
export interface TestKeys {
    readonly auth: Authenticator;
    readonly doc: KeyDocument;
    /** The active key of a source. */
    key(source?: string): string;
    readonly revokedKey: string;
    readonly expiredKey: string;
    /** Content type and `Authorization: Bearer <key of source>`. */
    headers(source?: string, contentType?: string): Record<string, string>;
}

export const TEST_SOURCES = ["web-ch", "gds", "app-ios"] as const;

export function testKeys(sources: readonly string[] = TEST_SOURCES): TestKeys {
    const keys = new Map(sources.map((s) => [s, generateKey()]));
    const past = new Date(Date.now() - 3600_000).toISOString();
    const revokedKey = generateKey();
    const expiredKey = generateKey();
    const doc: KeyDocument = {
        version: 1,
        keys: [
            ...[...keys].map(([source, key], i) => ({ id: `k-test${i}`, source, sha256: hashKey(key), createdAt: past })),
            { id: "k-revoked", source: sources[0], sha256: hashKey(revokedKey), createdAt: past, revokedAt: past },
            { id: "k-expired", source: sources[0], sha256: hashKey(expiredKey), createdAt: past, notAfter: past },
        ],
    };
    const key = (source: string = sources[0]) => {
        const k = keys.get(source);
        if (k === undefined) throw new Error(`no test key for source ${source}`);
        return k;
    };
    return {
        auth: { authenticate: async (presented: string) => authenticateKey(doc, presented, Date.now()) },
        doc,
        key,
        revokedKey,
        expiredKey,
        headers: (source?: string, contentType = "application/json") => ({ "content-type": contentType, authorization: `Bearer ${key(source)}` }),
    };
}

/** What `kinesisSuite` gives a suite: the emulator's client, and lists whose producers and apps are stopped after it. */
export interface KinesisSuite {
    readonly client: KinesisClient;
    readonly producers: Producer[];
    readonly apps: FastifyInstance[];
}

/**
 * Registers (call it inside `describe`) a `before` that starts kinesis-local on a
 * free port and an `after` that stops every producer and app pushed to the lists,
 * then the emulator. `client` is readable from the suite's own `before` hooks on.
 */
export function kinesisSuite(): KinesisSuite {
    let kinesis: KinesisEmulator | undefined;
    let client: KinesisClient | undefined;
    const producers: Producer[] = [];
    const apps: FastifyInstance[] = [];
    before(async () => {
        kinesis = await startKinesis();
        client = kinesis.client();
    });
    after(async () => {
        for (const p of producers) p.stop();
        for (const a of apps) await a.close();
        await kinesis?.stop();
    });
    return {
        get client(): KinesisClient {
            if (!client) throw new Error("kinesisSuite: the client is ready only once the suite's before hook ran");
            return client;
        },
        producers,
        apps,
    };
}
