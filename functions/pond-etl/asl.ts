/**
 * The pond ETL state machine definition (Amazon States Language), built from
 * ARNs by pure code (no @pulumi imports) so the same definition can be
 * validated and run locally.
 *
 *   Init → ListSources (Map: S3 ListObjectsV2 `data/type=<t>/`, Delimiter "/")
 *        → Plan (Lambda: functions/pond-etl/handler.ts renders the SQL)
 *        → RunDatasets (Map over dataset-days:
 *              ListOutput → [DeleteOutput (Map of DeleteObject) → ListOutput]*
 *              → Unload (Athena StartQueryExecution .sync, Parquet to the pond)
 *              → AddPartition (Athena .sync, ALTER TABLE ADD IF NOT EXISTS PARTITION))
 *        → Done
 *   any failure → NotifyFailure (SNS) → Failed
 *
 * Clearing the day's prefix before UNLOAD makes a re-run of a window replace
 * its output (UNLOAD also requires an empty destination).
 */
export interface PondEtlAslArgs {
    readonly pond: string;
    readonly lakeBucket: string;
    readonly pondBucket: string;
    readonly planFunctionArn: string;
    readonly workGroup: string;
    readonly failureTopicArn: string;
    /** Event types whose sources are listed (see plan.eventTypesFor). */
    readonly eventTypes: readonly string[];
    /** Dataset-days run at once. @default 4 */
    readonly maxConcurrency?: number;
}

export type AslDefinition = { Comment?: string; StartAt: string; States: Record<string, Record<string, unknown>>; TimeoutSeconds?: number };

const ATHENA_RETRY = [{ ErrorEquals: ["Athena.TooManyRequestsException", "Athena.InternalServerException"], IntervalSeconds: 5, MaxAttempts: 6, BackoffRate: 2, JitterStrategy: "FULL" }];
const SDK_RETRY = [{ ErrorEquals: ["S3.S3Exception", "S3.InternalErrorException", "States.Timeout"], IntervalSeconds: 2, MaxAttempts: 5, BackoffRate: 2, JitterStrategy: "FULL" }];
const LAMBDA_RETRY = [{ ErrorEquals: ["Lambda.ServiceException", "Lambda.AWSLambdaException", "Lambda.SdkClientException", "Lambda.TooManyRequestsException"], IntervalSeconds: 2, MaxAttempts: 5, BackoffRate: 2, JitterStrategy: "FULL" }];
const CATCH = [{ ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: "NotifyFailure" }];

type State = Record<string, unknown>;

/**
 * A Map state whose items run `states` inline from `startAt`: `items` are the Map's item fields
 * (ItemsPath, ItemSelector, MaxConcurrency), `after` what follows the processor (ResultPath, Catch, Next).
 */
function inlineMap(items: State, startAt: string, states: Record<string, State>, after: State): State {
    return { Type: "Map", ...items, ItemProcessor: { ProcessorConfig: { Mode: "INLINE" }, StartAt: startAt, States: states }, ...after };
}

export function pondEtlDefinition(a: PondEtlAslArgs): AslDefinition {
    if (a.eventTypes.length === 0) throw new Error("pondEtlDefinition: `eventTypes` must name at least one event type (received []).");
    return {
        Comment: `Pond ETL for ${a.pond}: lake events → Athena UNLOAD (Parquet) → pond, one dataset-day at a time`,
        StartAt: "Init",
        TimeoutSeconds: 6 * 3600,
        States: {
            Init: {
                Type: "Pass",
                Parameters: { "input.$": "$", types: [...a.eventTypes] },
                Next: "ListSources",
            },
            ListSources: inlineMap(
                { ItemsPath: "$.types", ItemSelector: { "type.$": "$$.Map.Item.Value" }, MaxConcurrency: 4 },
                "ListTypeSources",
                {
                    ListTypeSources: {
                        Type: "Task",
                        Resource: "arn:aws:states:::aws-sdk:s3:listObjectsV2",
                        Parameters: { Bucket: a.lakeBucket, "Prefix.$": "States.Format('data/type={}/', $.type)", Delimiter: "/", MaxKeys: 1000 },
                        Retry: SDK_RETRY,
                        End: true,
                    },
                },
                { ResultPath: "$.listings", Catch: CATCH, Next: "Plan" },
            ),
            Plan: {
                Type: "Task",
                Resource: "arn:aws:states:::lambda:invoke",
                Parameters: { FunctionName: a.planFunctionArn, Payload: { "input.$": "$.input", "listings.$": "$.listings" } },
                ResultSelector: { "window.$": "$.Payload.window", "items.$": "$.Payload.items" },
                ResultPath: "$.plan",
                Retry: LAMBDA_RETRY,
                Catch: CATCH,
                Next: "RunDatasets",
            },
            RunDatasets: inlineMap(
                { ItemsPath: "$.plan.items", MaxConcurrency: a.maxConcurrency ?? 4 },
                "ListOutput",
                {
                    ListOutput: {
                        Type: "Task",
                        Resource: "arn:aws:states:::aws-sdk:s3:listObjectsV2",
                        Parameters: { Bucket: a.pondBucket, "Prefix.$": "$.outputPrefix", MaxKeys: 1000 },
                        ResultPath: "$.listing",
                        Retry: SDK_RETRY,
                        Next: "OutputExists?",
                    },
                    "OutputExists?": {
                        Type: "Choice",
                        Choices: [{ Variable: "$.listing.KeyCount", NumericGreaterThan: 0, Next: "DeleteOutput" }],
                        Default: "HasSources?",
                    },
                    DeleteOutput: inlineMap(
                        { ItemsPath: "$.listing.Contents", ItemSelector: { "key.$": "$$.Map.Item.Value.Key" }, MaxConcurrency: 10 },
                        "DeleteObject",
                        {
                            DeleteObject: {
                                Type: "Task",
                                Resource: "arn:aws:states:::aws-sdk:s3:deleteObject",
                                Parameters: { Bucket: a.pondBucket, "Key.$": "$.key" },
                                Retry: SDK_RETRY,
                                End: true,
                            },
                        },
                        { ResultPath: null, Next: "ListOutput" },
                    ),
                    "HasSources?": {
                        Type: "Choice",
                        Choices: [{ Variable: "$.unloadQuery", IsPresent: true, Next: "Unload" }],
                        Default: "AddPartition",
                    },
                    Unload: {
                        Type: "Task",
                        Resource: "arn:aws:states:::athena:startQueryExecution.sync",
                        Parameters: { "QueryString.$": "$.unloadQuery", WorkGroup: a.workGroup },
                        ResultPath: null,
                        Retry: ATHENA_RETRY,
                        Next: "AddPartition",
                    },
                    AddPartition: {
                        Type: "Task",
                        Resource: "arn:aws:states:::athena:startQueryExecution.sync",
                        Parameters: { "QueryString.$": "$.addPartitionQuery", WorkGroup: a.workGroup },
                        ResultPath: null,
                        Retry: ATHENA_RETRY,
                        End: true,
                    },
                },
                { ResultPath: null, Catch: CATCH, Next: "Done" },
            ),
            Done: { Type: "Succeed" },
            NotifyFailure: {
                Type: "Task",
                Resource: "arn:aws:states:::sns:publish",
                Parameters: {
                    TopicArn: a.failureTopicArn,
                    Subject: `Pond ETL failed: ${a.pond}`,
                    "Message.$": `States.Format('Pond ETL for pond ${a.pond} failed (execution {}): {}', $$.Execution.Id, States.JsonToString($.error))`,
                },
                ResultPath: null,
                Retry: [{ ErrorEquals: ["States.ALL"], IntervalSeconds: 2, MaxAttempts: 3, BackoffRate: 2 }],
                Next: "Failed",
            },
            Failed: { Type: "Fail", Error: "PondEtlFailed", Cause: `The pond ETL for ${a.pond} failed; see the SNS notification and the execution history.` },
        },
    };
}
