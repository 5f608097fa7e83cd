/**
 * The `clean` derived stream's writer (a StreamConsumer with a `target`
 * stream): reads the raw stream, writes each event's clean form
 * (./transform.ts) to TARGET_STREAM_NAME through the platform's producer.
 *
 * Environment: TARGET_STREAM_NAME (required), KINESIS_ENDPOINT (local
 * emulator), AWS_REGION, PRODUCER_LINGER_MS (0..50, default 5).
 */
import { KinesisClient } from "@aws-sdk/client-kinesis";
import type { Context, KinesisStreamBatchResponse, KinesisStreamEvent } from "aws-lambda";
import { Producer } from "../../ingest/producer";
import { derivedStreamHandler, type DerivedStats, type EventPublisher } from "../derived";
import { type Consumer, type ConsumerOptions, type LocalConsumer, type LocalConsumerContext, defineConsumer } from "../framework";
import { lambdaConsumer } from "../lambda";
import { cleanEvent } from "./transform";

/** The clean writer over any publisher (the local platform passes its own producer). */
export function createCleanWriter(publisher: EventPublisher, options: ConsumerOptions & { stats?: DerivedStats } = {}): Consumer {
    return defineConsumer(
        derivedStreamHandler((c) => cleanEvent(c.event), publisher, options.log, options.stats),
        options,
    );
}

/** A started producer on TARGET_STREAM_NAME (create it once per container). */
export async function targetProducerFromEnv(env: Record<string, string | undefined> = process.env, client?: KinesisClient): Promise<Producer> {
    const streamName = env.TARGET_STREAM_NAME;
    if (!streamName) throw new Error("`TARGET_STREAM_NAME` must name the derived stream to write to; received nothing.");
    const linger = env.PRODUCER_LINGER_MS === undefined || env.PRODUCER_LINGER_MS === "" ? 5 : Number(env.PRODUCER_LINGER_MS);
    if (!Number.isInteger(linger) || linger < 0 || linger > 50) throw new Error(`\`PRODUCER_LINGER_MS\` must be an integer from 0 to 50; received ${JSON.stringify(env.PRODUCER_LINGER_MS)}.`);
    const kinesis = client ?? new KinesisClient({ maxAttempts: 1, ...(env.AWS_REGION ? { region: env.AWS_REGION } : {}), ...(env.KINESIS_ENDPOINT ? { endpoint: env.KINESIS_ENDPOINT } : {}) });
    const producer = new Producer({ client: kinesis, streamName, lingerMs: linger });
    await producer.start();
    return producer;
}

let instance: Promise<Consumer> | undefined;

export const handler = async (event: KinesisStreamEvent, context?: Context): Promise<KinesisStreamBatchResponse> => {
    instance ??= targetProducerFromEnv().then((p) => lambdaConsumer(derivedStreamHandler((c) => cleanEvent(c.event), p)));
    return (await instance).handler(event, context);
};

/** The local platform's instance: the same writer over a producer on the local stream (local/consumers.ts). */
export async function localConsumer(ctx: LocalConsumerContext): Promise<LocalConsumer> {
    const producer = await targetProducerFromEnv(ctx.env, ctx.kinesis);
    const stats: DerivedStats = { written: 0, dropped: 0, failed: 0 };
    return {
        consumer: createCleanWriter(producer, { stats, log: ctx.log }),
        stats: () => ({ ...stats }),
        stop: async () => {
            await producer.drain();
            producer.stop();
        },
    };
}
