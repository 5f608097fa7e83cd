/**
 * Stream consumers and derived streams of the platform, declared once: the
 * stack creates them (StreamConsumer, KinesisStream) and the local platform
 * (local/platform.ts) runs the same declarations with the same handlers.
 *
 * - `clean` (derived stream, ingestion account): the raw events cleaned
 *   (fields of their type only, occurredAt in UTC, the authenticated source,
 *   route and UTC day/hour; functions/consumer/clean/transform.ts), written by
 *   the `clean-writer` consumer through the platform's producer.
 * - `clean-stats`: the second consumer, reading the clean stream (events per
 *   type and authenticated source, the CleanEvents metric).
 */
import * as path from "path";
import { AlarmRouting } from "@flightstream/components/common/alarms";
import { KinesisStream, StreamConsumer } from "@flightstream/components/stream";
import { AccountProviders } from "./accounts";
import { StackConfig, consumerMappingArgs } from "./config";
import { PlatformStackExports } from "@flightstream/components/platform/outputs";

const REPO_ROOT = path.resolve(__dirname, "..");

/** A consumer the stack declares: what it reads and its handler file (relative to the repository). */
export interface ConsumerDeclaration {
    readonly name: string;
    /** "raw" (the platform's stream) or the name of a derived stream. */
    readonly reads: "raw" | string;
    readonly handler: string;
    /** The derived stream it writes (derived stream kind). */
    readonly writes?: string;
    readonly batchSize: number;
    readonly description: string;
}

/** Derived streams by name. */
export const DERIVED_STREAMS = ["clean"] as const;

export const CONSUMERS: readonly ConsumerDeclaration[] = [
    { name: "clean-writer", reads: "raw", writes: "clean", handler: "functions/consumer/clean/handler.ts", batchSize: 500, description: "Writes the clean derived stream (normalised fields, the authenticated source)" },
    { name: "clean-stats", reads: "clean", handler: "functions/consumer/clean-stats/handler.ts", batchSize: 500, description: "Reads the clean stream: clean events per type and authenticated source" },
];

/** Name of a derived stream in a stack. */
export function derivedStreamName(stack: string, derived: string): string {
    return `${stack}-flight-events-${derived}`;
}

export interface DeployedConsumers {
    readonly derived: Record<string, KinesisStream>;
    readonly consumers: Record<string, StreamConsumer>;
    /** Stack outputs `derivedStreams` and `consumers`. */
    readonly outputs: Pick<PlatformStackExports, "derivedStreams" | "consumers">;
}

/** The derived streams and consumers in the ingestion account, next to the raw stream. */
export function deployConsumers(config: StackConfig, providers: AccountProviders, routing: AlarmRouting, raw: KinesisStream, shardCount: number | undefined): DeployedConsumers {
    const account = config.accounts.ingestion;
    const opts = { provider: providers.ingestion };
    const derived: Record<string, KinesisStream> = {};
    for (const d of DERIVED_STREAMS) {
        derived[d] = new KinesisStream(
            `stream-${d}`,
            {
                accountId: account.accountId,
                region: account.region,
                streamName: derivedStreamName(config.stack, d),
                mode: raw.mode,
                // The clean stream carries what the raw one carries (fewer bytes: extra fields dropped).
                shardCount: raw.mode === "provisioned" ? shardCount : undefined,
                retentionHours: config.stream.retentionHours,
                alarms: { routing },
            },
            opts,
        );
    }
    const consumers: Record<string, StreamConsumer> = {};
    for (const c of CONSUMERS) {
        const source = c.reads === "raw" ? raw : derived[c.reads];
        consumers[c.name] = new StreamConsumer(
            c.name,
            {
                accountId: account.accountId,
                region: account.region,
                stream: source,
                handler: path.join(REPO_ROOT, c.handler),
                description: c.description,
                // Its own enhanced fan-out consumer where the stack reads through them (prod): no shared read limits.
                enhancedFanOut: config.stream.enhancedFanOut,
                ...(c.writes !== undefined ? { target: derived[c.writes] } : {}),
                ...consumerMappingArgs(config, c.batchSize),
                alarms: { routing },
            },
            opts,
        );
    }
    return {
        derived,
        consumers,
        outputs: {
            derivedStreams: Object.fromEntries(Object.entries(derived).map(([k, s]) => [k, { name: s.streamName, arn: s.streamArn, kmsKeyArn: s.keyArn }])),
            consumers: Object.fromEntries(Object.entries(consumers).map(([k, c]) => [k, { function: c.function.name, failureQueueUrl: c.failureQueue.url }])),
        },
    };
}
