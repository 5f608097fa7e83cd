/**
 * Task dependencies from the Lambda environment. Endpoints come from env so
 * the same code runs against kinesis-local / s3rver (`*_ENDPOINT`).
 *
 *   WORKFLOW               replay | reshard | shift (which actions this function serves)
 *   AWS_REGION             set by Lambda
 *   STREAM_NAME, STREAM_ARN, STREAM_RETENTION_HOURS
 *   LAKE_BUCKET, LAKE_RETENTION_DAYS            (replay beyond retention)
 *   PROCESSED_EVENTS_RETENTION_HOURS            (the processor's; replay refuses older windows)
 *   REPLAY_TARGETS         JSON {"analytics": "<processor function ARN>"}
 *   REPLAY_PAGE_MAX_RECORDS, REPLAY_PAGE_MAX_SECONDS
 *   RESHARD_LEDGER_PARAMETER                    (SSM parameter name)
 *   KINESIS_ENDPOINT, S3_ENDPOINT, LAMBDA_ENDPOINT, SSM_ENDPOINT (optional)
 */
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { KinesisClient } from "@aws-sdk/client-kinesis";
import { InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { Route53Client } from "@aws-sdk/client-route-53";
import { S3Client } from "@aws-sdk/client-s3";
import { SSMClient } from "@aws-sdk/client-ssm";
import type { MeasuredFigures } from "../shared/capacity";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { Deliver, WorkflowDeps, WorkflowKind } from "./deps";
import { WorkflowError } from "./errors";
import { SsmLedger } from "./ledger";

type Env = Record<string, string | undefined>;

function num(env: Env, key: string): number | undefined {
    const v = env[key];
    if (v === undefined || v === "") return undefined;
    const n = Number(v);
    if (!Number.isFinite(n)) throw new Error(`environment variable ${key} must be a number (received ${JSON.stringify(v)}).`);
    return n;
}

export function workflowKind(env: Env): WorkflowKind {
    const k = env.WORKFLOW;
    if (k !== "replay" && k !== "reshard" && k !== "shift") throw new Error(`environment variable WORKFLOW must be "replay", "reshard" or "shift" (received ${JSON.stringify(k)}).`);
    return k;
}

export function replayTargets(env: Env): Record<string, string> {
    if (!env.REPLAY_TARGETS) return {};
    let parsed: unknown;
    try {
        parsed = JSON.parse(env.REPLAY_TARGETS);
    } catch {
        throw new Error(`environment variable REPLAY_TARGETS must be JSON {"<target>": "<function ARN>"} (received ${JSON.stringify(env.REPLAY_TARGETS)}).`);
    }
    if (typeof parsed !== "object" || parsed === null || Object.values(parsed).some((v) => typeof v !== "string")) {
        throw new Error(`environment variable REPLAY_TARGETS must map target names to function ARNs (received ${env.REPLAY_TARGETS}).`);
    }
    return parsed as Record<string, string>;
}

/** Delivery by invoking the target's Lambda synchronously with the Kinesis event. */
export function lambdaDeliver(lambda: LambdaClient, functions: Record<string, string>): Deliver {
    return async (target, event) => {
        const fn = functions[target];
        if (!fn) throw new WorkflowError("InvalidReplayInput", `no function configured for replay target "${target}".`);
        const res = await lambda.send(new InvokeCommand({ FunctionName: fn, InvocationType: "RequestResponse", Payload: Buffer.from(JSON.stringify(event)) }));
        const text = res.Payload ? Buffer.from(res.Payload).toString("utf8") : "";
        if (res.FunctionError) {
            throw new WorkflowError("ReplayDeliveryFailed", `target "${target}" (${fn}) failed: ${res.FunctionError}: ${text.slice(0, 500)}`);
        }
        const body = text ? (JSON.parse(text) as { batchItemFailures?: { itemIdentifier: string }[] } | null) : null;
        return { failedSequenceNumbers: (body?.batchItemFailures ?? []).map((f) => f.itemIdentifier) };
    };
}

/** PLANNER_MEASURED_FIGURES: the planner's measured figures as JSON (set by ReshardWorkflow from bench/results.json). */
export function plannerFigures(env: Env): MeasuredFigures | undefined {
    const raw = env.PLANNER_MEASURED_FIGURES;
    if (raw === undefined || raw === "") return undefined;
    let v: unknown;
    try {
        v = JSON.parse(raw);
    } catch (e) {
        throw new Error(`environment variable PLANNER_MEASURED_FIGURES must be JSON (received ${JSON.stringify(raw.slice(0, 80))}): ${(e as Error).message}`, { cause: e });
    }
    const o = v as Record<string, unknown>;
    for (const k of ["averageEventBytes", "frameCompressionRatio", "hotShardImbalance", "consumerEventsPerSecond"]) {
        if (typeof o?.[k] !== "number" || !((o[k] as number) > 0)) throw new Error(`environment variable PLANNER_MEASURED_FIGURES needs a positive number \`${k}\` (received ${JSON.stringify(o?.[k])}).`);
    }
    return v as MeasuredFigures;
}

export function depsFromEnv(env: Env = process.env): WorkflowDeps {
    const kind = workflowKind(env);
    const region = env.AWS_REGION ?? "us-east-1";
    const base = { region, maxAttempts: 5 };
    const settings = {
        region,
        streamName: env.STREAM_NAME,
        streamArn: env.STREAM_ARN,
        retentionHours: num(env, "STREAM_RETENTION_HOURS"),
        lakeBucket: env.LAKE_BUCKET || undefined,
        lakeRetentionDays: num(env, "LAKE_RETENTION_DAYS"),
        processedRetentionHours: num(env, "PROCESSED_EVENTS_RETENTION_HOURS"),
        targets: Object.keys(replayTargets(env)),
        pageMaxRecords: num(env, "REPLAY_PAGE_MAX_RECORDS"),
        pageMaxSeconds: num(env, "REPLAY_PAGE_MAX_SECONDS"),
        maxShards: num(env, "MAX_SHARDS"),
        plannerFigures: plannerFigures(env),
        hostedZoneId: env.HOSTED_ZONE_ID || undefined,
    };
    if (kind === "replay") {
        return {
            settings,
            kinesis: new KinesisClient({ ...base, ...(env.KINESIS_ENDPOINT ? { endpoint: env.KINESIS_ENDPOINT, requestHandler: new NodeHttpHandler() } : {}) }),
            s3: new S3Client({ ...base, ...(env.S3_ENDPOINT ? { endpoint: env.S3_ENDPOINT, forcePathStyle: true } : {}) }),
            deliver: lambdaDeliver(new LambdaClient({ ...base, ...(env.LAMBDA_ENDPOINT ? { endpoint: env.LAMBDA_ENDPOINT } : {}) }), replayTargets(env)),
        };
    }
    if (kind === "reshard") {
        if (!env.RESHARD_LEDGER_PARAMETER) throw new Error("environment variable RESHARD_LEDGER_PARAMETER must name the SSM parameter holding the reshard call ledger.");
        return {
            settings,
            kinesis: new KinesisClient({ ...base, ...(env.KINESIS_ENDPOINT ? { endpoint: env.KINESIS_ENDPOINT, requestHandler: new NodeHttpHandler() } : {}) }),
            ledger: new SsmLedger(new SSMClient({ ...base, ...(env.SSM_ENDPOINT ? { endpoint: env.SSM_ENDPOINT } : {}) }), env.RESHARD_LEDGER_PARAMETER, env.STREAM_NAME ?? ""),
        };
    }
    // Route 53 is a global service served from us-east-1.
    return { settings, route53: new Route53Client({ ...base, region: "us-east-1" }), cloudwatch: new CloudWatchClient(base) };
}
