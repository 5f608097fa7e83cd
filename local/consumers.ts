/**
 * Every consumer the stack declares (stack/consumers.ts), run locally with the
 * same handler code: one local event source mapping (./esm.ts) per consumer,
 * with the deployed mapping's settings (bisect, partial batch responses,
 * bounded retries and age), its own checkpoints (`esm/<stream>.<consumer>...`)
 * and its own on-failure file (`esm/<consumer>.on-failure.jsonl`). Derived
 * streams exist in kinesis-local next to the raw stream
 * (`<raw stream>-<derived>`).
 *
 * A handler module that exports `localConsumer(ctx)` (functions/consumer/framework.ts
 * `LocalConsumer`) is built with local clients and the consumer's environment
 * (TARGET_STREAM_NAME for a derived stream writer); otherwise its `handler`
 * export is invoked as Lambda would.
 */
import * as path from "path";
import { KinesisClient } from "@aws-sdk/client-kinesis";
import type { Context, KinesisStreamEvent } from "aws-lambda";
import { esmOptionsFromMapping, startEventSourceMapping, type EventSourceMapping, type EventSourceMappingOptions, type KinesisHandler } from "./esm";
import { streamMappingSettings, type StreamMappingSettings } from "@flightstream/components/stream/mapping";
import { kinesisClientConfig } from "./emulators/kinesis";
import type { LocalConsumer, LocalConsumerContext } from "../functions/consumer/framework";
import { CONSUMERS, DERIVED_STREAMS, type ConsumerDeclaration } from "../stack/consumers";

const REPO_ROOT = path.resolve(__dirname, "..");

/** Local name of a derived stream next to the raw one. */
export function localDerivedStreamName(rawStreamName: string, derived: string): string {
    return `${rawStreamName}-${derived}`;
}

/** Streams kinesis-local must hold for the declared derived streams. */
export function derivedStreamNames(rawStreamName: string): Record<string, string> {
    return Object.fromEntries(DERIVED_STREAMS.map((d) => [d, localDerivedStreamName(rawStreamName, d)]));
}

export interface ConsumerControl {
    readonly declaration: ConsumerDeclaration;
    /** The stream it reads. */
    readonly streamName: string;
    readonly onFailureFile: string;
    readonly mapping: EventSourceMapping | undefined;
    /** The handler's own counters (e.g. events written to the derived stream). */
    stats(): Record<string, number>;
    start(): Promise<void>;
    stop(): Promise<void>;
}

export interface LocalConsumers {
    readonly consumers: Record<string, ConsumerControl>;
    /** Derived stream names by derived stream. */
    readonly derivedStreams: Record<string, string>;
    /** Stops every mapping (readers first started last), flushes the handlers. */
    stop(): Promise<void>;
    /** Starts every mapping (no-op for running ones). */
    start(): Promise<void>;
    /** Stops the mappings only (kinesis-local restarting); `start()` resumes them. */
    pause(): Promise<void>;
    /** Waits until every consumer has read its stream to the end, in declaration order (writers before their readers). */
    waitUntilCaughtUp(timeoutMs?: number): Promise<void>;
}

export interface LocalConsumersOptions {
    readonly kinesisEndpoint: string;
    /** The esm client (its reads see only journaled records of the raw stream). */
    readonly client: KinesisClient;
    readonly rawStreamName: string;
    readonly checkpointDir: string;
    readonly env: Readonly<Record<string, string>>;
    /** Overrides of the mapping options (tests: smaller batches, faster polling). */
    readonly esm: Partial<Omit<EventSourceMappingOptions, "client" | "streamName" | "handler" | "checkpointDir">>;
    /**
     * A consumer's deployed mapping settings (the platform: `streamMappingSettings(consumerMappingArgs(devConfig, d.batchSize))`,
     * what stack/consumers.ts deploys). @default - `streamMappingSettings({ batchSize: d.batchSize })`
     */
    readonly mapping?: (d: ConsumerDeclaration) => StreamMappingSettings;
    readonly log: (line: string) => void;
    /** @default CONSUMERS (stack/consumers.ts) */
    readonly declarations?: readonly ConsumerDeclaration[];
}

export async function startLocalConsumers(o: LocalConsumersOptions): Promise<LocalConsumers> {
    const derivedStreams = derivedStreamNames(o.rawStreamName);
    const producerClient = new KinesisClient({ ...kinesisClientConfig(o.kinesisEndpoint), maxAttempts: 1 });
    const controls: Record<string, ConsumerControl> = {};
    const mappingOf = o.mapping ?? ((d: ConsumerDeclaration) => streamMappingSettings({ batchSize: d.batchSize }));
    const built: { name: string; local: LocalConsumer | undefined }[] = [];
    for (const d of o.declarations ?? CONSUMERS) {
        const streamName = d.reads === "raw" ? o.rawStreamName : derivedStreams[d.reads];
        if (streamName === undefined) throw new Error(`consumer ${d.name}: \`reads\` must be "raw" or a derived stream (${Object.keys(derivedStreams).join(", ")}); received ${JSON.stringify(d.reads)}.`);
        const env: Record<string, string> = {
            ...o.env,
            POWERTOOLS_SERVICE_NAME: d.name,
            ...(d.writes !== undefined ? { TARGET_STREAM_NAME: derivedStreams[d.writes], TARGET_STREAM_ARN: `arn:aws:kinesis:${o.env.AWS_REGION}:000000000000:stream/${derivedStreams[d.writes]}` } : {}),
        };
        const log = (message: string, fields?: Record<string, unknown>) => o.log(`consumer ${d.name}: ${message} ${JSON.stringify(fields ?? {})}`);
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const mod = require(path.join(REPO_ROOT, d.handler)) as { localConsumer?: (ctx: LocalConsumerContext) => Promise<LocalConsumer>; handler?: (e: KinesisStreamEvent, c: Context) => Promise<unknown> };
        let local: LocalConsumer | undefined;
        let handler: KinesisHandler;
        if (mod.localConsumer) {
            local = await mod.localConsumer({ env, kinesis: producerClient, log });
            const consumer = local.consumer;
            handler = (event, context) => consumer.handler(event, context);
        } else if (mod.handler) {
            handler = mod.handler as KinesisHandler;
        } else {
            throw new Error(`consumer ${d.name}: ${d.handler} exports neither \`localConsumer\` nor \`handler\`.`);
        }
        built.push({ name: d.name, local });
        const onFailureFile = path.join(o.checkpointDir, `${d.name}.on-failure.jsonl`);
        let mapping: EventSourceMapping | undefined;
        controls[d.name] = {
            declaration: d,
            streamName,
            onFailureFile,
            get mapping() {
                return mapping;
            },
            stats: () => local?.stats?.() ?? {},
            async start() {
                if (mapping) return;
                mapping = await startEventSourceMapping({
                    ...esmOptionsFromMapping(mappingOf(d)),
                    ...o.esm,
                    client: o.client,
                    streamName,
                    handler,
                    checkpointDir: o.checkpointDir,
                    functionName: d.name,
                    onFailureFile,
                    log: (message, fields) => o.log(`esm ${d.name}: ${message} ${JSON.stringify(fields ?? {})}`),
                });
            },
            async stop() {
                const m = mapping;
                mapping = undefined;
                await m?.stop();
            },
        };
    }
    const list = Object.values(controls);
    const start = async () => {
        for (const c of list) await c.start();
    };
    await start();
    o.log(`consumers: ${list.map((c) => `${c.declaration.name} (${c.streamName}${c.declaration.writes ? ` → ${derivedStreams[c.declaration.writes]}` : ""})`).join(", ")}`);
    return {
        consumers: controls,
        derivedStreams,
        start,
        async pause() {
            for (const c of list) await c.stop();
        },
        async stop() {
            for (const c of list) await c.stop();
            for (const b of built) await b.local?.stop?.();
            producerClient.destroy();
        },
        async waitUntilCaughtUp(timeoutMs = 60000) {
            for (const c of list) await c.mapping?.waitUntilCaughtUp(timeoutMs);
        },
    };
}
