/**
 * What every source connector shares (functions/connectors/<name>/): the API
 * key from Secrets Manager (cached per container), the platform's producer
 * (functions/ingest/producer.ts: frames, spread aggregation, retries of
 * failed entries only) into the stream, the platform validator on every event
 * before it is published, and one summary line per run carrying CloudWatch
 * embedded metrics (namespace {@link CONNECTOR_NAMESPACE}, dimension
 * `Connector`): `EventsPublished`, `EventsSkipped`, `RunsFailed`; the
 * ScheduledSource component alarms on them (no events in two intervals: stale).
 *
 * AWS and the local platform run this same code; only the clients'
 * endpoints differ (KINESIS_ENDPOINT, SECRETS_ENDPOINT).
 */
import { KinesisClient } from "@aws-sdk/client-kinesis";
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { Producer } from "../ingest/producer";
import { FlightEvent, validateEvent } from "../shared/events";

export const CONNECTOR_NAMESPACE = "flightstream/connectors";
export const CONNECTOR_METRIC = { published: "EventsPublished", skipped: "EventsSkipped", failed: "RunsFailed" } as const;
/** How long a fetched API key is reused before Secrets Manager is asked again (rotation takes effect within this). */
export const SECRET_CACHE_MS = 15 * 60_000;
/** Events per `publish` call (one request's worth for the producer). */
export const PUBLISH_CHUNK = 500;

export interface ConnectorClients {
    readonly kinesis: Pick<KinesisClient, "send">;
    readonly secrets: Pick<SecretsManagerClient, "send">;
}

/** The clients from the environment (endpoints overridden locally). */
export function clientsFromEnv(env: NodeJS.ProcessEnv = process.env): ConnectorClients {
    const region = env.AWS_REGION;
    return {
        // maxAttempts 1: the producer retries failed entries itself and never an ambiguous call.
        kinesis: new KinesisClient({ region, maxAttempts: 1, ...(env.KINESIS_ENDPOINT ? { endpoint: env.KINESIS_ENDPOINT } : {}) }),
        secrets: new SecretsManagerClient({ region, ...(env.SECRETS_ENDPOINT ? { endpoint: env.SECRETS_ENDPOINT } : {}) }),
    };
}

export function requireEnv(env: NodeJS.ProcessEnv, key: string): string {
    const v = env[key];
    if (!v) throw new Error(`environment variable ${key} must be set (received ${JSON.stringify(v) ?? "nothing"})`);
    return v;
}

/**
 * The API key in a secret: the SecretString is JSON `{"apiKey": "..."}`
 * (what ScheduledSource creates and documents) or the bare key.
 */
export function apiKeyOf(secretId: string, secretString: string | undefined): string {
    if (!secretString) throw new Error(`secret ${secretId} has no SecretString (expected {"apiKey": "<the source's API key>"})`);
    let key: unknown = secretString;
    if (secretString.trimStart().startsWith("{")) {
        try {
            key = (JSON.parse(secretString) as { apiKey?: unknown }).apiKey;
        } catch {
            throw new Error(`secret ${secretId} is not valid JSON (expected {"apiKey": "<the source's API key>"})`);
        }
    }
    if (typeof key !== "string" || key.length === 0 || key === "REPLACE_ME") {
        throw new Error(`secret ${secretId} must hold the source's API key as {"apiKey": "<key>"}; received ${key === "REPLACE_ME" ? "the placeholder REPLACE_ME (set the key: aws secretsmanager put-secret-value)" : "no apiKey"}`);
    }
    return key;
}

export class SecretCache {
    private cached?: { key: string; at: number };
    constructor(
        private readonly client: Pick<SecretsManagerClient, "send">,
        private readonly secretId: string,
        private readonly now: () => number = Date.now,
    ) {}

    async get(): Promise<string> {
        if (this.cached && this.now() - this.cached.at < SECRET_CACHE_MS) return this.cached.key;
        const r = await this.client.send(new GetSecretValueCommand({ SecretId: this.secretId }));
        const key = apiKeyOf(this.secretId, r.SecretString);
        this.cached = { key, at: this.now() };
        return key;
    }
}

export interface PublishOutcome {
    readonly published: number;
    /** Events the platform validator refused (never published), with its messages. */
    readonly rejected: { readonly eventId: string; readonly problems: string[] }[];
}

/**
 * Validates every event with the platform validator and publishes the valid
 * ones through the platform's producer; resolves once Kinesis acknowledged
 * all of them, rejects when any could not be written (the run fails and is
 * retried; re-sent events keep their eventIds, so nothing is counted twice).
 */
export async function publishEvents(client: Pick<KinesisClient, "send">, streamName: string, events: readonly unknown[], now: number = Date.now()): Promise<PublishOutcome> {
    const valid: FlightEvent[] = [];
    const rejected: { eventId: string; problems: string[] }[] = [];
    for (const e of events) {
        const v = validateEvent(e, { now });
        if (v.ok) valid.push(v.value);
        else rejected.push({ eventId: String((e as { eventId?: unknown }).eventId), problems: v.errors.map((x) => x.message) });
    }
    if (valid.length === 0) return { published: 0, rejected };
    const producer = new Producer({ client, streamName });
    await producer.start();
    try {
        const chunks: Promise<void>[] = [];
        for (let i = 0; i < valid.length; i += PUBLISH_CHUNK) chunks.push(producer.publish(valid.slice(i, i + PUBLISH_CHUNK)));
        await Promise.all(chunks);
    } finally {
        await producer.drain();
        producer.stop();
    }
    return { published: valid.length, rejected };
}

/** The run's summary line with its embedded metrics (one line, JSON). */
export function summaryLine(connector: string, fields: { published: number; skipped: number; failed: boolean } & Record<string, unknown>, at: number = Date.now()): string {
    return JSON.stringify({
        level: fields.failed ? "error" : "info",
        message: `connector ${connector} run`,
        Connector: connector,
        ...fields,
        [CONNECTOR_METRIC.published]: fields.published,
        [CONNECTOR_METRIC.skipped]: fields.skipped,
        [CONNECTOR_METRIC.failed]: fields.failed ? 1 : 0,
        _aws: {
            Timestamp: at,
            CloudWatchMetrics: [
                {
                    Namespace: CONNECTOR_NAMESPACE,
                    Dimensions: [["Connector"]],
                    Metrics: [CONNECTOR_METRIC.published, CONNECTOR_METRIC.skipped, CONNECTOR_METRIC.failed].map((Name) => ({ Name, Unit: "Count" })),
                },
            ],
        },
    });
}
