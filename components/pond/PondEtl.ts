/**
 * The scheduled ETL that fills one pond (lake account).
 *
 * Resources: a Glue database for the pond with one Parquet table per dataset
 * (partitioned by `dt`, located in the pond bucket); an Athena workgroup
 * (engine v3, enforced configuration, results in the pond under
 * `_athena-results/` encrypted SSE-KMS with the POND key, so UNLOAD output
 * is readable by the pond's team); the plan Lambda
 * (functions/pond-etl/handler.ts) with its log group; the state machine
 * (components/workflows/Workflow: ALL logging to a KMS log group, X-Ray,
 * least-privilege role, execution alarms) whose definition is
 * functions/pond-etl/asl.ts; an EventBridge Scheduler schedule (flexible
 * window off, retry policy, KMS-encrypted SQS dead-letter queue) starting it
 * with `{"scheduledTime": "<aws.scheduler.scheduled-time>"}`; an alarm on
 * messages in the dead-letter queue; a pond freshness alarm (`freshness`): no
 * ETL execution succeeded (so no new pond output was written) within the
 * schedule's longest gap between runs plus `freshnessGraceSeconds`.
 *
 * The state machine's role is the "pond ETL role" (`etlRoleArn`): its own
 * policy reads the lake and writes the pond; grant it `Pond.grantWrite` so the
 * pond's policies (another account) admit it.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { AlarmDefinition, createAlarms } from "../common/alarms";
import { AccountArgs, OperatedArgs, checkAccountArgs, intArgs, logRetention, scheduleArg } from "../common/args";
import { queryWorkgroup } from "../common/athena";
import { bundleFunction } from "../common/bundle";
import { PolicyStatement, accountRoot, grant, policyDocument, serviceTrustPolicy, tlsOnlyQueuePolicy } from "../common/iam";
import { lambdaFunction } from "../common/lambda";
import { MetricOptions, MetricSpec, metric } from "../common/metrics";
import { AWS_ACCOUNT_ID, validator } from "../common/validation";
import { Workflow } from "../workflows/Workflow";
import { freshnessWindow, scheduleIntervalSeconds } from "../oncall/schedule";
import { workflowLogKey } from "../workflows/taskFunction";
import { LakeBucketRef, StatementCollector, TopicRef } from "../common/grants";
import { defaultDatabaseName } from "../lake/LakeCatalog";
import { pondEtlDefinition } from "../../functions/pond-etl/asl";
import { eventTypesFor } from "../../functions/pond-etl/plan";
import { DATASETS_FILE } from "../../functions/pond-etl/handler";
import { DatasetCatalog, DatasetDefinition, DEFAULT_DATASET_ROOT, loadDatasetCatalog } from "../../functions/pond-etl/datasets";
import { ATHENA_RESULTS_PREFIX } from "./Pond";

export interface PondEtlArgs extends AccountArgs, OperatedArgs {
    readonly pond: string;
    /** Datasets by name: folders `<root>/<name>/` with dataset.yaml and dataset.sql under `datasetRoots`. */
    readonly datasets: string[];
    /**
     * Folders holding one folder per dataset (functions/pond-etl/datasets.ts),
     * validated eagerly; a team passes its own (e.g. `path.join(__dirname, "datasets")`).
     * @default - the repository's datasets/
     */
    readonly datasetRoots?: string[];
    /** EventBridge Scheduler expression, e.g. "cron(15 2 * * ? *)". */
    readonly schedule: string;
    /** @default "UTC" */
    readonly scheduleTimezone?: string;
    /** Start the schedule enabled. @default true */
    readonly scheduleEnabled?: boolean;
    /** Lake account id and region (where this runs). */
    readonly lakeBucketName: pulumi.Input<string>;
    readonly lakeBucketArn: pulumi.Input<string>;
    readonly lakeKeyArn: pulumi.Input<string>;
    /** Lake Glue database name (LakeCatalog.databaseName; an Output when read from the platform stack through StackReference). */
    readonly lakeDatabaseName: pulumi.Input<string>;
    readonly pondAccountId: pulumi.Input<string>;
    readonly pondBucketName: pulumi.Input<string>;
    readonly pondBucketArn: pulumi.Input<string>;
    readonly pondKeyArn: pulumi.Input<string>;
    /**
     * SNS topic notified when a run fails (lake account; `OnCall.topics.ticket`, or
     * `TopicRef.fromTopicAttributes` with its `keyArn` when encrypted): the state
     * machine gets its `grantPublish`.
     */
    readonly failureTopic: TopicRef;
    /** Athena bytes-scanned limit per query. @default 1099511627776 (1 TiB) */
    readonly bytesScannedCutoffPerQuery?: number;
    /** Scheduler retries of a failed StartExecution (0..185). @default 3 */
    readonly scheduleMaximumRetryAttempts?: number;
    /** @default 30 */
    readonly logRetentionDays?: number;
    /**
     * Grace period after a scheduled run before the pond counts as stale (the
     * `freshness` alarm fires when no execution succeeded within the schedule's
     * longest gap between runs plus this), 300..86400 s. @default 3600
     */
    readonly freshnessGraceSeconds?: number;
}

/** The plan Lambda's archive: the bundle plus the pond's dataset definitions (`datasets.json`, read by the handler). */
export function planCode(definitions: readonly DatasetDefinition[]): pulumi.asset.AssetArchive {
    const { code, map } = bundleFunction("pond-etl");
    return new pulumi.asset.AssetArchive({
        "index.js": new pulumi.asset.StringAsset(code),
        "index.js.map": new pulumi.asset.StringAsset(map),
        [DATASETS_FILE]: new pulumi.asset.StringAsset(JSON.stringify(definitions)),
    });
}

export class PondEtl extends pulumi.ComponentResource {
    readonly workflow: Workflow;
    /** The state machine role: the principal the lake and pond policies admit. */
    readonly etlRoleArn: pulumi.Output<string>;
    readonly database: aws.glue.CatalogDatabase;
    readonly tables: aws.glue.CatalogTable[];
    readonly workGroup: aws.athena.Workgroup;
    readonly planFunction: aws.lambda.Function;
    readonly schedule: aws.scheduler.Schedule;
    readonly scheduleRole: aws.iam.Role;
    readonly deadLetterQueue: aws.sqs.Queue;
    readonly alarms: aws.cloudwatch.MetricAlarm[];

    constructor(name: string, args: PondEtlArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("flightstream:pond:PondEtl", name, {}, opts);
        const v = validator("PondEtl", name);
        v.pattern("pond", args.pond, /^[a-z][a-z0-9-]{1,30}[a-z0-9]$/, "3 to 32 lower-case letters, digits or dashes, starting with a letter");
        checkAccountArgs(v, args);
        v.pattern("pondAccountId", args.pondAccountId, AWS_ACCOUNT_ID, "a 12-digit AWS account id");
        v.check("failureTopic", args.failureTopic instanceof TopicRef, "a TopicRef (OnCall.topics.ticket, or TopicRef.fromTopicAttributes)", args.failureTopic);
        const interval = scheduleArg(v, "schedule", args.schedule, '"cron(15 2 * * ? *)" or "rate(1 day)"', "a schedule whose runs a freshness alarm can follow");
        let catalog: DatasetCatalog = new Map();
        try {
            catalog = loadDatasetCatalog(args.datasetRoots ?? [DEFAULT_DATASET_ROOT]);
        } catch (e) {
            v.check("datasetRoots", false, `folders of valid datasets (${(e as Error).message})`, args.datasetRoots ?? [DEFAULT_DATASET_ROOT]);
        }
        const known = [...catalog.keys()];
        v.check("datasets", args.datasets.length > 0, `a non-empty list of ${known.map((d) => `"${d}"`).join(", ")}`, args.datasets);
        args.datasets.forEach((d, i) => v.oneOf(`datasets[${i}]`, d, known));
        const cutoff = args.bytesScannedCutoffPerQuery ?? 1024 ** 4;
        v.intRange("bytesScannedCutoffPerQuery", cutoff, 10 * 1024 ** 2, Number.MAX_SAFE_INTEGER);
        const { scheduleMaximumRetryAttempts: retries, freshnessGraceSeconds } = intArgs(v, args, {
            scheduleMaximumRetryAttempts: { default: 3, min: 0, max: 185 },
            freshnessGraceSeconds: { default: 3600, min: 300, max: 86400 },
        });
        const logRetentionDays = logRetention(v, args.logRetentionDays, 30);
        let freshness: { deadlineSeconds: number; periodSeconds: number; evaluationPeriods: number } | undefined;
        if (interval !== undefined) {
            const deadlineSeconds = interval + freshnessGraceSeconds;
            freshness = { deadlineSeconds, ...freshnessWindow(deadlineSeconds) };
        }
        const definitions = args.datasets.map((d) => catalog.get(d)).filter((d): d is DatasetDefinition => d !== undefined);
        // The pond must run at least as often as each of its datasets asks for (its `schedule`).
        const ownInterval = interval;
        for (const d of definitions) {
            let wanted: number | undefined;
            try {
                wanted = scheduleIntervalSeconds(d.schedule);
            } catch (e) {
                v.check(`datasets[${args.datasets.indexOf(d.name)}]`, false, `a dataset whose schedule a pond can follow (${(e as Error).message})`, d.name);
            }
            if (ownInterval !== undefined && wanted !== undefined && ownInterval > wanted) {
                v.check("schedule", false, `a schedule running at least as often as dataset "${d.name}" asks (its schedule ${d.schedule}, every ${wanted} s; this one runs every ${ownInterval} s)`, args.schedule);
            }
        }
        const datasets = definitions.map((d) => d.name);
        const p = { parent: this };
        const stack = pulumi.getStack();

        // Pond catalog: one Parquet table per dataset, partitioned by dt.
        const pondDatabaseName = defaultDatabaseName(`pond_${args.pond}`);
        this.database = new aws.glue.CatalogDatabase(
            `${name}-database`,
            {
                name: pondDatabaseName,
                catalogId: args.accountId,
                description: `Datasets of the ${args.pond} pond (Parquet in the pond account)`,
            },
            p,
        );
        this.tables = definitions
            .map((def) => def.name)
            .map(
                (d, i) =>
                    new aws.glue.CatalogTable(
                        `${name}-${d.replace(/_/g, "-")}`,
                        {
                            name: d,
                            catalogId: args.accountId,
                            databaseName: this.database.name,
                            tableType: "EXTERNAL_TABLE",
                            parameters: { classification: "parquet", EXTERNAL: "TRUE", "parquet.compression": "SNAPPY" },
                            partitionKeys: [{ name: "dt", type: "string" }],
                            storageDescriptor: {
                                location: pulumi.interpolate`s3://${args.pondBucketName}/${d}/`,
                                inputFormat: "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
                                outputFormat: "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
                                serDeInfo: { name: "parquet", serializationLibrary: "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe", parameters: { "serialization.format": "1" } },
                                columns: definitions[i].columns.map((c) => ({ name: c.name, type: c.type })),
                            },
                        },
                        p,
                    ),
            );

        const workGroupName = `${stack}-pond-${args.pond}`;
        this.workGroup = queryWorkgroup(`${name}-workgroup`, this, workGroupName, `Pond ETL for ${args.pond}`, cutoff, {
            bucketName: args.pondBucketName,
            prefix: ATHENA_RESULTS_PREFIX,
            owner: args.pondAccountId,
            kmsKeyArn: args.pondKeyArn,
        });

        const logKey = workflowLogKey(name, this, args.accountId, args.region);

        // Plan Lambda: renders the window's SQL (pure; no AWS calls).
        this.planFunction = lambdaFunction(`${name}-plan`, this, {
            description: `Renders the ${args.pond} pond ETL queries for a window`,
            roleDescription: `Plan task of the ${args.pond} pond ETL`,
            accountId: args.accountId,
            // The bundle plus the pond's dataset definitions (validated above), read by the handler.
            code: planCode(definitions),
            logKeyArn: logKey.arn,
            logRetentionDays,
            environment: {
                POND: args.pond,
                POND_DATASETS: datasets.join(","),
                EVENTS_TABLE: pulumi.interpolate`${args.lakeDatabaseName}.events`,
                POND_DATABASE: pondDatabaseName,
                POND_BUCKET: args.pondBucketName,
            },
            timeoutSeconds: 30,
            memoryMiB: 256,
        }).function;

        const glue = pulumi.interpolate`arn:aws:glue:${args.region}:${args.accountId}`;
        // The lake (read data/) and the pond (write its datasets and Athena results) are references.
        const etlGrants = new StatementCollector();
        const notify = new StatementCollector();
        args.failureTopic.grantPublish(`${name}-notify-failure`, notify);
        LakeBucketRef.fromBucketAttributes({ bucketArn: args.lakeBucketArn, keyArn: args.lakeKeyArn, label: "Lake" }).grantRead(`${name}-read-lake`, etlGrants, ["data/"]);
        LakeBucketRef.fromBucketAttributes({ bucketArn: args.pondBucketArn, keyArn: args.pondKeyArn, label: "Pond" }).grantWrite(`${name}-write-pond`, etlGrants, [...datasets.map((d) => `${d}/`), ATHENA_RESULTS_PREFIX], true);
        const statements: PolicyStatement[] = [
            { Sid: "InvokePlan", Effect: "Allow", Action: "lambda:InvokeFunction", Resource: [this.planFunction.arn, pulumi.interpolate`${this.planFunction.arn}:*`] },
            ...etlGrants.statements,
            {
                Sid: "ReadLakeCatalog",
                Effect: "Allow",
                Action: ["glue:GetDatabase", "glue:GetTable", "glue:GetPartition", "glue:GetPartitions"],
                Resource: [pulumi.interpolate`${glue}:catalog`, pulumi.interpolate`${glue}:database/${args.lakeDatabaseName}`, pulumi.interpolate`${glue}:table/${args.lakeDatabaseName}/events`],
            },
            {
                Sid: "RegisterPondPartitions",
                Effect: "Allow",
                Action: ["glue:GetDatabase", "glue:GetTable", "glue:GetPartition", "glue:GetPartitions", "glue:CreatePartition", "glue:BatchCreatePartition", "glue:UpdatePartition"],
                Resource: [pulumi.interpolate`${glue}:catalog`, pulumi.interpolate`${glue}:database/${pondDatabaseName}`, ...datasets.map((d) => pulumi.interpolate`${glue}:table/${pondDatabaseName}/${d}`)],
            },
            {
                Sid: "RunAthenaQueries",
                Effect: "Allow",
                Action: ["athena:StartQueryExecution", "athena:GetQueryExecution", "athena:GetQueryResults", "athena:StopQueryExecution", "athena:GetWorkGroup"],
                Resource: this.workGroup.arn,
            },
            ...notify.statements,
        ];
        const eventTypes = eventTypesFor(definitions, catalog);
        const definition = pulumi
            .all([args.lakeBucketName, args.pondBucketName, this.planFunction.arn, this.workGroup.name, args.failureTopic.topicArn])
            .apply(([lakeBucket, pondBucket, planFunctionArn, workGroup, failureTopicArn]) => pondEtlDefinition({ pond: args.pond, lakeBucket, pondBucket, planFunctionArn, workGroup, failureTopicArn, eventTypes }));
        this.workflow = new Workflow(
            `${name}-workflow`,
            {
                definition,
                statements,
                logKmsKeyArn: logKey.arn,
                accountId: args.accountId,
                region: args.region,
                logRetentionDays,
                alarms: args.alarms,
                tags: { Pond: args.pond },
            },
            p,
        );
        this.etlRoleArn = this.workflow.role.arn;

        // Schedule → state machine, with a KMS-encrypted dead-letter queue.
        const dlqKey = new aws.kms.Key(
            `${name}-dlq-key`,
            {
                description: `Dead-letter queue of the ${args.pond} pond ETL schedule`,
                enableKeyRotation: true,
                deletionWindowInDays: 30,
                policy: policyDocument([{ Sid: "AccountRootAdministers", Effect: "Allow", Principal: { AWS: accountRoot(args.accountId) }, Action: "kms:*", Resource: "*" }]),
            },
            p,
        );
        this.deadLetterQueue = new aws.sqs.Queue(
            `${name}-schedule-dlq`,
            {
                kmsMasterKeyId: dlqKey.arn,
                kmsDataKeyReusePeriodSeconds: 300,
                messageRetentionSeconds: 1209600,
            },
            p,
        );
        new aws.sqs.QueuePolicy(`${name}-schedule-dlq-policy`, { queueUrl: this.deadLetterQueue.url, policy: tlsOnlyQueuePolicy(this.deadLetterQueue.arn) }, p);
        this.scheduleRole = new aws.iam.Role(
            `${name}-schedule-role`,
            {
                description: `EventBridge Scheduler starts the ${args.pond} pond ETL`,
                assumeRolePolicy: serviceTrustPolicy("scheduler.amazonaws.com", args.accountId),
            },
            p,
        );
        const schedulePolicy = grant(`${name}-schedule-policy`, this.scheduleRole, [
            { Sid: "StartEtl", Effect: "Allow", Action: "states:StartExecution", Resource: this.workflow.stateMachine.arn },
            { Sid: "DeadLetter", Effect: "Allow", Action: "sqs:SendMessage", Resource: this.deadLetterQueue.arn },
            { Sid: "EncryptDeadLetter", Effect: "Allow", Action: ["kms:GenerateDataKey", "kms:Decrypt"], Resource: dlqKey.arn },
        ]);
        this.schedule = new aws.scheduler.Schedule(
            `${name}-schedule`,
            {
                name: `${stack}-pond-etl-${args.pond}`,
                description: `Runs the ${args.pond} pond ETL over the previous UTC day`,
                scheduleExpression: args.schedule,
                scheduleExpressionTimezone: args.scheduleTimezone ?? "UTC",
                state: (args.scheduleEnabled ?? true) ? "ENABLED" : "DISABLED",
                flexibleTimeWindow: { mode: "OFF" },
                target: {
                    arn: this.workflow.stateMachine.arn,
                    roleArn: this.scheduleRole.arn,
                    input: JSON.stringify({ scheduledTime: "<aws.scheduler.scheduled-time>" }),
                    retryPolicy: { maximumRetryAttempts: retries, maximumEventAgeInSeconds: 3600 },
                    deadLetterConfig: { arn: this.deadLetterQueue.arn },
                },
            },
            { parent: this, dependsOn: [schedulePolicy] },
        );

        const defs: AlarmDefinition[] = [
            {
                condition: "schedule-dead-letters",
                metric: this.metricDeadLetterMessages({ statistic: "Maximum", periodSeconds: 300 }),
                threshold: 1,
                comparison: "GreaterThanOrEqualToThreshold",
                severity: "ticket",
                runbook: "workflow-failures",
                description: `The scheduler could not start the ${args.pond} pond ETL (messages in its dead-letter queue).`,
            },
        ];
        if (freshness) {
            const hours = Math.round((freshness.deadlineSeconds / 3600) * 10) / 10;
            defs.push({
                condition: "freshness",
                metric: this.metricExecutionsSucceeded({ periodSeconds: freshness.periodSeconds }),
                threshold: 1,
                comparison: "LessThanThreshold",
                severity: "ticket",
                runbook: "pond-freshness",
                description: `Pond ${args.pond} is stale: no ETL execution succeeded in the last ${hours} h (its schedule ${args.schedule} plus the grace period), so its newest output is older than that.`,
                evaluationPeriods: freshness.evaluationPeriods,
                datapointsToAlarm: freshness.evaluationPeriods,
                treatMissingData: "breaching",
            });
        }
        this.alarms = [...this.workflow.alarms, ...createAlarms(this, name, defs, args.alarms)];
        this.registerOutputs({
            workflow: this.workflow,
            database: this.database,
            tables: this.tables,
            workGroup: this.workGroup,
            planFunction: this.planFunction,
            schedule: this.schedule,
            deadLetterQueue: this.deadLetterQueue,
            alarms: this.alarms,
        });
    }

    /** Messages in the schedule's dead-letter queue. */
    metricDeadLetterMessages(options: MetricOptions = {}): MetricSpec {
        return metric("AWS/SQS", "ApproximateNumberOfMessagesVisible", { QueueName: this.deadLetterQueue.name }, { statistic: "Maximum", periodSeconds: 300, unit: "Count" }, options);
    }

    /** Succeeded ETL executions (from the workflow): each one wrote the pond's newest output. */
    metricExecutionsSucceeded(options: MetricOptions = {}): MetricSpec {
        return this.workflow.metricExecutionsSucceeded(options);
    }

    /** Failed ETL executions (from the workflow). */
    metricExecutionsFailed(options: MetricOptions = {}): MetricSpec {
        return this.workflow.metricExecutionsFailed(options);
    }
}
