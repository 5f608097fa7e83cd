/**
 * The training Lambda (components/analytics/ModelTraining.ts): EventBridge
 * Scheduler invokes it with `{"scheduledTime": "<ISO>"}`; it trains both
 * models on the last TRAINING_DAYS whole UTC days on Athena and writes the
 * artifacts into the lake bucket (./train.ts). Configured only by environment:
 * ATHENA_WORKGROUP, GLUE_DATABASE, EVENTS_TABLE, LAKE_BUCKET, LAKE_KMS_KEY_ARN,
 * TRAINING_DAYS (default 7). A failure throws (the Lambda errors alarm and the
 * schedule's retries see it); the previous artifacts stay current.
 */
import { AthenaClient } from "@aws-sdk/client-athena";
import { S3Client } from "@aws-sdk/client-s3";
import { athenaEngine, runTraining, trainingWindow, type TrainingReport } from "./train";

export interface TrainingConfig {
    readonly workgroup: string;
    readonly database: string;
    readonly eventsTable: string;
    readonly bucket: string;
    readonly kmsKeyId?: string;
    readonly days: number;
}

/** Reads the configuration; throws naming each missing or invalid variable. */
export function trainingConfigFromEnv(env: Record<string, string | undefined> = process.env): TrainingConfig {
    const missing = ["ATHENA_WORKGROUP", "GLUE_DATABASE", "EVENTS_TABLE", "LAKE_BUCKET"].filter((k) => !env[k]);
    if (missing.length) throw new Error(`training: environment ${missing.map((k) => `\`${k}\``).join(", ")} must be set (received nothing).`);
    const days = env.TRAINING_DAYS === undefined ? 7 : Number(env.TRAINING_DAYS);
    if (!Number.isInteger(days) || days < 1 || days > 31) throw new Error(`training: \`TRAINING_DAYS\` must be an integer from 1 to 31 (received ${JSON.stringify(env.TRAINING_DAYS)}).`);
    if (!/^[A-Za-z0-9_]+$/.test(env.EVENTS_TABLE!)) throw new Error(`training: \`EVENTS_TABLE\` must be a Glue table name (letters, digits, '_'; received ${JSON.stringify(env.EVENTS_TABLE)}).`);
    return { workgroup: env.ATHENA_WORKGROUP!, database: env.GLUE_DATABASE!, eventsTable: env.EVENTS_TABLE!, bucket: env.LAKE_BUCKET!, kmsKeyId: env.LAKE_KMS_KEY_ARN || undefined, days };
}

export async function handler(event: { scheduledTime?: string } = {}): Promise<TrainingReport> {
    const c = trainingConfigFromEnv();
    const at = event.scheduledTime ? new Date(event.scheduledTime) : new Date();
    const { from, to } = trainingWindow(at, c.days);
    const region = process.env.AWS_REGION;
    const report = await runTraining({
        engine: athenaEngine(new AthenaClient({ region }), { workgroup: c.workgroup, database: c.database }),
        events: c.eventsTable,
        s3: new S3Client({ region }),
        bucket: c.bucket,
        kmsKeyId: c.kmsKeyId,
        from,
        to,
        now: at,
    });
    console.log(JSON.stringify({ message: "models trained", ...report }));
    return report;
}
