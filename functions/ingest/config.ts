/**
 * Service configuration from the environment (pure: takes the env object).
 *
 * | variable          | meaning                                            | default        |
 * |-------------------|----------------------------------------------------|----------------|
 * | STREAM_NAME       | Kinesis stream to write (required)                 | -              |
 * | AWS_REGION        | region of the stream (required unless endpoint set)| -              |
 * | KINESIS_ENDPOINT  | endpoint override (local emulator)                 | AWS endpoint   |
 * | PORT              | TCP port                                           | 8080           |
 * | HOST              | listen address                                     | 0.0.0.0        |
 * | LINGER_MS         | batching linger, 0..50                             | 20             |
 * | MAX_QUEUE_EVENTS  | events held before shedding with 429               | 50000          |
 * | MAX_QUEUE_BYTES   | event bytes held before shedding with 429          | 67108864       |
 * | MAX_BODY_BYTES    | request body limit, 1024..67108864                 | 1048576        |
 * | MAX_INFLIGHT_REQUESTS | POST requests waiting for Kinesis before 429 | 256            |
 * | MAX_READING_REQUESTS | POST requests whose body is arriving, in total | 512            |
 * | MAX_READING_PER_SOURCE | ... of one source (the key's) before 429    | 64             |
 * | BODY_READ_TIMEOUT_MS | headers to complete body, then 408, 100..120000 | 10000        |
 * | INGEST_KEYS_SECRET_ARN | Secrets Manager secret holding the key document (AWS) | -     |
 * | INGEST_KEYS_FILE  | file holding the key document (local platform)      | -             |
 * | INGEST_KEYS_REFRESH_SECONDS | key document reload period, 1..3600        | 60             |
 * | INGEST_AUTH       | `off` only for the benchmark's bare comparison (no keys) | on        |
 * | MAX_ATTEMPTS      | PutRecords attempts per event                      | 6              |
 * | METRICS_NAMESPACE | CloudWatch namespace of the EMF metrics            | FlightStream/Ingestion |
 * | LOG_LEVEL         | pino level                                         | info           |
 * | OCCURRED_AT_MAX_AGE_SECONDS | oldest occurredAt accepted, seconds before now, 60..2592000 | 604800 (7 d) |
 * | OCCURRED_AT_MAX_FUTURE_SECONDS | latest occurredAt accepted, seconds after now, 0..3600 | 300 (5 min) |
 */
import { SECRET_ARN_PATTERN, type KeyStoreConfig } from "./keys";
import { MAX_LINGER_MS } from "./producer";
import { DEFAULT_OCCURRED_AT_MAX_AGE_MS, DEFAULT_OCCURRED_AT_MAX_FUTURE_MS, OCCURRED_AT_MAX_AGE_LIMIT_MS, OCCURRED_AT_MAX_FUTURE_LIMIT_MS } from "../shared/events";

export interface IngestConfig {
    readonly streamName: string;
    readonly region: string;
    readonly kinesisEndpoint?: string;
    readonly port: number;
    readonly host: string;
    readonly lingerMs: number;
    readonly maxQueueEvents: number;
    readonly maxQueueBytes: number;
    readonly maxBodyBytes: number;
    readonly maxAttempts: number;
    readonly maxInflightRequests: number;
    readonly maxReadingRequests: number;
    readonly maxReadingPerSource: number;
    readonly bodyReadTimeoutMs: number;
    /** Where the key document lives; `"off"` only when INGEST_AUTH=off (the benchmark's bare comparison). */
    readonly keys: KeyStoreConfig | "off";
    readonly keysRefreshMs: number;
    readonly metricsNamespace: string;
    readonly logLevel: string;
    /** How long an acknowledged eventId is remembered to acknowledge resends without writing them again; 0 disables. */
    readonly idempotencyWindowMs: number;
    /** Most identities remembered per instance (20 bytes per table slot; functions/ingest/idempotency.ts). */
    readonly idempotencyMaxEntries: number;
    /** Where CloudWatch embedded-metric lines go: stdout (the awslogs driver turns them into metrics) or off. */
    readonly metricsOutput: "stdout" | "off";
    /** occurredAt window around the time of receipt (functions/shared/events.ts ValidateOptions). */
    readonly occurredAtMaxAgeMs: number;
    readonly occurredAtMaxFutureMs: number;
}

function int(env: Record<string, string | undefined>, name: string, fallback: number, min: number, max: number): number {
    const raw = env[name];
    if (raw === undefined || raw === "") return fallback;
    const n = Number(raw);
    if (!/^[0-9]+$/.test(raw.trim()) || !Number.isInteger(n) || n < min || n > max) {
        throw new Error(`${name} must be an integer from ${min} to ${max}; received ${JSON.stringify(raw)}`);
    }
    return n;
}

function metricsOutput(raw: string | undefined): "stdout" | "off" {
    if (raw === undefined || raw === "" || raw === "stdout") return "stdout";
    if (raw === "off") return "off";
    throw new Error(`METRICS_OUTPUT must be "stdout" or "off"; received ${JSON.stringify(raw)}`);
}

const KEYS_REQUIRED =
    "the ingestion service needs its key store: set INGEST_KEYS_SECRET_ARN (the Secrets Manager secret holding the key document, on AWS) or INGEST_KEYS_FILE (a file holding it, locally); there is no open mode (INGEST_AUTH=off exists only for the benchmark's bare comparison)";

function keysConfig(env: Record<string, string | undefined>): KeyStoreConfig | "off" {
    const auth = env.INGEST_AUTH ?? "";
    if (auth !== "" && auth !== "on" && auth !== "off") throw new Error(`INGEST_AUTH must be "on" or "off"; received ${JSON.stringify(auth)}`);
    const secretArn = env.INGEST_KEYS_SECRET_ARN ?? "";
    const file = env.INGEST_KEYS_FILE ?? "";
    if (auth === "off") {
        if (secretArn !== "" || file !== "") throw new Error("INGEST_AUTH=off cannot be combined with INGEST_KEYS_SECRET_ARN or INGEST_KEYS_FILE; unset one of them");
        return "off";
    }
    if (secretArn !== "" && file !== "") throw new Error("set only one of INGEST_KEYS_SECRET_ARN and INGEST_KEYS_FILE; received both");
    if (secretArn !== "") {
        if (!SECRET_ARN_PATTERN.test(secretArn)) throw new Error(`INGEST_KEYS_SECRET_ARN must be a Secrets Manager secret ARN (arn:aws:secretsmanager:<region>:<account>:secret:<name>); received ${JSON.stringify(secretArn)}`);
        return { kind: "secret", secretArn };
    }
    if (file !== "") return { kind: "file", file };
    throw new Error(KEYS_REQUIRED);
}

export function loadConfig(env: Record<string, string | undefined>): IngestConfig {
    const streamName = env.STREAM_NAME ?? "";
    if (!/^[a-zA-Z0-9_.-]{1,128}$/.test(streamName)) {
        throw new Error(`STREAM_NAME must be a Kinesis stream name (1-128 of a-z A-Z 0-9 _ . -); received ${JSON.stringify(env.STREAM_NAME ?? "")}`);
    }
    const kinesisEndpoint = env.KINESIS_ENDPOINT === "" ? undefined : env.KINESIS_ENDPOINT;
    if (kinesisEndpoint !== undefined && !/^https?:\/\/[^\s]+$/.test(kinesisEndpoint)) {
        throw new Error(`KINESIS_ENDPOINT must be an http(s) URL; received ${JSON.stringify(kinesisEndpoint)}`);
    }
    const region = env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? (kinesisEndpoint !== undefined ? "us-east-1" : "");
    if (region === "") throw new Error("AWS_REGION is required (the region of the stream)");
    return {
        streamName,
        region,
        kinesisEndpoint,
        port: int(env, "PORT", 8080, 0, 65535),
        host: env.HOST ?? "0.0.0.0",
        lingerMs: int(env, "LINGER_MS", 20, 0, MAX_LINGER_MS),
        maxQueueEvents: int(env, "MAX_QUEUE_EVENTS", 50000, 1, 10_000_000),
        maxQueueBytes: int(env, "MAX_QUEUE_BYTES", 64 * 1024 * 1024, 1024, 4 * 1024 * 1024 * 1024),
        maxBodyBytes: int(env, "MAX_BODY_BYTES", 1024 * 1024, 1024, 64 * 1024 * 1024),
        maxAttempts: int(env, "MAX_ATTEMPTS", 6, 1, 100),
        maxInflightRequests: int(env, "MAX_INFLIGHT_REQUESTS", 256, 1, 100000),
        maxReadingRequests: int(env, "MAX_READING_REQUESTS", 512, 1, 100000),
        maxReadingPerSource: int(env, "MAX_READING_PER_SOURCE", 64, 1, 100000),
        bodyReadTimeoutMs: int(env, "BODY_READ_TIMEOUT_MS", 10000, 100, 120000),
        keys: keysConfig(env),
        keysRefreshMs: int(env, "INGEST_KEYS_REFRESH_SECONDS", 60, 1, 3600) * 1000,
        metricsNamespace: env.METRICS_NAMESPACE ?? "FlightStream/Ingestion",
        logLevel: env.LOG_LEVEL ?? "info",
        idempotencyWindowMs: int(env, "IDEMPOTENCY_WINDOW_MS", 15 * 60 * 1000, 0, 24 * 3600 * 1000),
        idempotencyMaxEntries: int(env, "IDEMPOTENCY_MAX_ENTRIES", 12_000_000, 0, 100_000_000),
        metricsOutput: metricsOutput(env.METRICS_OUTPUT),
        occurredAtMaxAgeMs: int(env, "OCCURRED_AT_MAX_AGE_SECONDS", DEFAULT_OCCURRED_AT_MAX_AGE_MS / 1000, 60, OCCURRED_AT_MAX_AGE_LIMIT_MS / 1000) * 1000,
        occurredAtMaxFutureMs: int(env, "OCCURRED_AT_MAX_FUTURE_SECONDS", DEFAULT_OCCURRED_AT_MAX_FUTURE_MS / 1000, 0, OCCURRED_AT_MAX_FUTURE_LIMIT_MS / 1000) * 1000,
    };
}
