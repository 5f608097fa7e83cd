/**
 * The scheduled training job for both lake-trained models (the demand
 * forecast and the built-in scoring model), in the LAKE account next to the
 * bucket, the Glue catalog and Athena: EventBridge Scheduler invokes one
 * Lambda (functions/forecast/train-handler.ts) with its `scheduledTime`; it
 * runs the training SQL (the same text DuckDB runs locally) on Athena in its
 * own workgroup over the Glue events table, trains both models and writes the
 * versioned artifacts under `forecast/` and `models/scoring/` of the lake bucket.
 *
 * Least privilege: Athena on its workgroup only; Glue read on the lake
 * database and events table; lake read on `data/` (the DataLake's read
 * statements); write on the artifact prefixes and the workgroup's result
 * prefix only; the lake key for encrypt/decrypt. The scheduler role may
 * invoke only this function. Alarms: failed runs, and no successful run in
 * two schedule intervals.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { AlarmDefinition, createAlarms } from "../common/alarms";
import { functionCode } from "../common/bundle";
import { PolicyStatement, grant, serviceTrustPolicy } from "../common/iam";
import { MetricOptions, MetricSpec, metric } from "../common/metrics";
import { validator } from "../common/validation";
import { OperatedArgs, checkAccountArgs, intArgs, logRetention } from "../common/args";
import { queryWorkgroup } from "../common/athena";
import { LakeBucketRef, StatementCollector } from "../common/grants";
import { scheduleIntervalSeconds } from "../oncall/schedule";
import { workflowLogKey } from "../workflows/taskFunction";
import { lambdaFunction } from "../common/lambda";
import { FORECAST_PREFIX } from "../../functions/forecast/artifact";
import { SCORING_ARTIFACT_PREFIX } from "../../functions/scoring/training";

/** Where the trained artifacts live in the lake bucket (readers get exactly these). */
export const FORECAST_ARTIFACT_PREFIX = `${FORECAST_PREFIX}/`;
export const MODEL_ARTIFACT_PREFIXES = [FORECAST_ARTIFACT_PREFIX, SCORING_ARTIFACT_PREFIX];
/** The training workgroup's Athena results, in the lake bucket. */
export const TRAINING_RESULTS_PREFIX = "athena-results/model-training/";

export interface ModelTrainingArgs extends OperatedArgs {
    /** The lake account. */
    readonly accountId: string;
    readonly region: string;
    /**
     * The lake bucket (`DataLake.ref`, or a `LakeBucketRef` with `bucketName`): the
     * function gets its read grant on `data/` and its write grant on the artifact
     * and result prefixes; the workgroup's results are encrypted with its key.
     */
    readonly lake: LakeBucketRef;
    /** Glue database and events table of the lake (LakeCatalog). */
    readonly databaseName: pulumi.Input<string>;
    readonly eventsTableName: pulumi.Input<string>;
    /** EventBridge Scheduler expression. @default "cron(0 3 * * ? *)" (daily, 03:00 UTC) */
    readonly schedule?: string;
    /** Whole UTC days of history each run trains on (1-31). @default 7 */
    readonly historyDays?: number;
    /** Athena per-query scan cutoff in bytes (at least 10 MiB). @default 10995116277760 (10 TiB) */
    readonly bytesScannedCutoffPerQuery?: number;
    /** Lambda timeout in seconds (60-900). @default 900 */
    readonly timeoutSeconds?: number;
    /** @default 1024 */
    readonly memoryMiB?: number;
    /** @default 30 */
    readonly logRetentionDays?: number;
}

export class ModelTraining extends pulumi.ComponentResource {
    readonly function: aws.lambda.Function;
    readonly role: aws.iam.Role;
    readonly workGroup: aws.athena.Workgroup;
    readonly schedule: aws.scheduler.Schedule;
    readonly scheduleRole: aws.iam.Role;
    readonly alarms: aws.cloudwatch.MetricAlarm[];
    /** `s3://<lake>/forecast/latest.json`'s bucket, for FORECAST_BUCKET. */
    readonly forecastBucket: pulumi.Output<string>;
    /** `s3://<lake>/models/scoring/latest.json`, for SCORING_ARTIFACT_URI. */
    readonly scoringArtifactUri: pulumi.Output<string>;
    readonly intervalSeconds: number;

    constructor(name: string, args: ModelTrainingArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("flightstream:analytics:ModelTraining", name, {}, opts);
        const v = validator("ModelTraining", name);
        checkAccountArgs(v, args);
        v.check(
            "lake",
            args.lake instanceof LakeBucketRef && args.lake.bucketName !== undefined && args.lake.keyArn !== undefined,
            "a LakeBucketRef with its `bucketName` and `keyArn` (the lake is KMS-encrypted)",
            args.lake instanceof LakeBucketRef ? args.lake.bucketArn : args.lake,
        );
        const lake = args.lake;
        const lakeBucketName = lake.bucketName!;
        const lakeKeyArn = lake.keyArn!;
        const schedule = args.schedule ?? "cron(0 3 * * ? *)";
        let interval: number;
        try {
            interval = scheduleIntervalSeconds(schedule) ?? NaN;
        } catch {
            interval = NaN;
        }
        v.check("schedule", Number.isFinite(interval) && interval >= 3600, 'a Scheduler expression running at most hourly, such as "cron(0 3 * * ? *)" or "rate(1 day)"', schedule);
        const cutoff = args.bytesScannedCutoffPerQuery ?? 10 * 1024 ** 4;
        v.check("bytesScannedCutoffPerQuery", Number.isInteger(cutoff) && cutoff >= 10 * 1024 ** 2, "an integer of at least 10485760 (10 MiB, Athena's minimum)", cutoff);
        const {
            historyDays,
            timeoutSeconds: timeout,
            memoryMiB: memory,
        } = intArgs(v, args, {
            historyDays: { default: 7, min: 1, max: 31 },
            timeoutSeconds: { default: 900, min: 60, max: 900 },
            memoryMiB: { default: 1024, min: 256, max: 10240 },
        });
        const logDays = logRetention(v, args.logRetentionDays, 30);
        this.intervalSeconds = interval;
        const p = { parent: this };
        const stack = pulumi.getStack();

        this.workGroup = queryWorkgroup(`${name}-workgroup`, this, `${stack}-${name}`, "Model training queries (forecast and scoring)", cutoff, {
            bucketName: lakeBucketName,
            prefix: TRAINING_RESULTS_PREFIX,
            owner: args.accountId,
            kmsKeyArn: lakeKeyArn,
        });

        const region = args.region;
        const account = args.accountId;
        const logKey = workflowLogKey(name, this, account, region);
        const fn = lambdaFunction(name, this, {
            description: "Trains the demand forecast and the scoring model from the lake on Athena",
            accountId: account,
            code: functionCode("forecast", "train-handler.ts"),
            logKeyArn: logKey.arn,
            logRetentionDays: logDays,
            environment: {
                ATHENA_WORKGROUP: this.workGroup.name,
                GLUE_DATABASE: args.databaseName,
                EVENTS_TABLE: args.eventsTableName,
                LAKE_BUCKET: lakeBucketName,
                LAKE_KMS_KEY_ARN: lakeKeyArn,
                TRAINING_DAYS: String(historyDays),
            },
            statements: [
                {
                    Sid: "AthenaWorkgroup",
                    Effect: "Allow",
                    Action: ["athena:StartQueryExecution", "athena:GetQueryExecution", "athena:GetQueryResults", "athena:StopQueryExecution", "athena:GetWorkGroup"],
                    Resource: pulumi.interpolate`arn:aws:athena:${region}:${account}:workgroup/${this.workGroup.name}`,
                },
                {
                    Sid: "GlueRead",
                    Effect: "Allow",
                    Action: ["glue:GetDatabase", "glue:GetTable", "glue:GetPartition", "glue:GetPartitions"],
                    Resource: [
                        `arn:aws:glue:${region}:${account}:catalog`,
                        pulumi.interpolate`arn:aws:glue:${region}:${account}:database/${args.databaseName}`,
                        pulumi.interpolate`arn:aws:glue:${region}:${account}:table/${args.databaseName}/${args.eventsTableName}`,
                    ],
                },
                // The raw lake (data/), as every lake reader; the artifacts and the workgroup's results, nothing else.
                ...lakeGrants(lake),
            ],
            timeoutSeconds: timeout,
            memoryMiB: memory,
            reservedConcurrency: 1,
        });
        this.function = fn.function;
        this.role = fn.role;

        this.scheduleRole = new aws.iam.Role(
            `${name}-schedule-role`,
            {
                description: `EventBridge Scheduler runs model training ${name}`,
                assumeRolePolicy: serviceTrustPolicy("scheduler.amazonaws.com", account),
            },
            p,
        );
        const schedulePolicy = grant(`${name}-schedule-policy`, this.scheduleRole, [{ Sid: "InvokeTraining", Effect: "Allow", Action: "lambda:InvokeFunction", Resource: this.function.arn }]);
        this.schedule = new aws.scheduler.Schedule(
            `${name}-schedule`,
            {
                name: `${stack}-${name}`,
                description: `Trains the forecast and scoring models ${schedule}`,
                scheduleExpression: schedule,
                scheduleExpressionTimezone: "UTC",
                state: "ENABLED",
                flexibleTimeWindow: { mode: "OFF" },
                target: {
                    arn: this.function.arn,
                    roleArn: this.scheduleRole.arn,
                    input: JSON.stringify({ scheduledTime: "<aws.scheduler.scheduled-time>" }),
                    retryPolicy: { maximumRetryAttempts: 2, maximumEventAgeInSeconds: 3600 },
                },
            },
            { parent: this, dependsOn: [schedulePolicy] },
        );

        this.forecastBucket = pulumi.output(lakeBucketName);
        this.scoringArtifactUri = pulumi.interpolate`s3://${lakeBucketName}/${SCORING_ARTIFACT_PREFIX}latest.json`;

        const period = Math.min(86400, interval);
        const defs: AlarmDefinition[] = [
            {
                condition: "errors",
                metric: this.metricErrors({ periodSeconds: period }),
                threshold: 1,
                comparison: "GreaterThanOrEqualToThreshold",
                severity: "ticket",
                runbook: "model-training",
                description: "A model training run failed (Athena, the lake or the artifact write); the previous forecast and scoring artifacts stay current.",
                treatMissingData: "notBreaching",
            },
            {
                condition: "stale",
                metric: this.metricInvocations({ periodSeconds: period }),
                threshold: 1,
                comparison: "LessThanThreshold",
                severity: "ticket",
                runbook: "model-training",
                description: `Model training did not run in two intervals of ${schedule} (the schedule is off or cannot invoke it); the models grow stale.`,
                evaluationPeriods: Math.max(2, Math.ceil((2 * interval) / period)),
                datapointsToAlarm: Math.max(2, Math.ceil((2 * interval) / period)),
                treatMissingData: "breaching",
            },
        ];
        this.alarms = createAlarms(this, name, defs, args.alarms);
        this.registerOutputs({ function: this.function, workGroup: this.workGroup, schedule: this.schedule, alarms: this.alarms });
    }

    /** Failed training runs (Lambda Errors). */
    metricErrors(options: MetricOptions = {}): MetricSpec {
        return metric("AWS/Lambda", "Errors", { FunctionName: this.function.name }, { statistic: "Sum", periodSeconds: 3600, unit: "Count" }, options);
    }

    /** Training runs started (Lambda Invocations). */
    metricInvocations(options: MetricOptions = {}): MetricSpec {
        return metric("AWS/Lambda", "Invocations", { FunctionName: this.function.name }, { statistic: "Sum", periodSeconds: 3600, unit: "Count" }, options);
    }
}

/** The training job's lake statements, from the lake reference's grants. */
function lakeGrants(lake: LakeBucketRef): PolicyStatement[] {
    const c = new StatementCollector();
    lake.grantRead("training-read", c, ["data/"]);
    lake.grantWrite("training-write", c, [...MODEL_ARTIFACT_PREFIXES, TRAINING_RESULTS_PREFIX]);
    return c.statements;
}
