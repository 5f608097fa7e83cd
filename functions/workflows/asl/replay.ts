/**
 * Replay: validate and plan → Map over shards and lake hours (bounded
 * concurrency), each iteration looping over pages (ReadPage → Choice) → summary.
 *
 *   Plan ─► ReplaySources (Map, MaxConcurrency) ─► Summarize
 *              └ ReadPage ─► PageDone? ─no─► ReadPage
 *                               └ yes ─► SourceReplayed
 */
import { AslDefinition, requireInt, requireString, task } from "./common";

export interface ReplayAslOptions {
    /** ARN of the replay task function. */
    readonly taskFunctionArn: string;
    /** Shards / lake hours replayed at once. @default 10 */
    readonly maxConcurrency?: number;
    /** Execution timeout, seconds. @default 86400 */
    readonly timeoutSeconds?: number;
}

export const REPLAY_STATES = {
    plan: "Plan",
    map: "ReplaySources",
    readPage: "ReadPage",
    pageDone: "PageDone?",
    sourceDone: "SourceReplayed",
    summarize: "Summarize",
} as const;

export function replayDefinition(opts: ReplayAslOptions): AslDefinition {
    const fn = requireString("replayDefinition", "taskFunctionArn", opts.taskFunctionArn);
    const maxConcurrency = requireInt("replayDefinition", "maxConcurrency", opts.maxConcurrency ?? 10, 1, 40);
    const S = REPLAY_STATES;
    return {
        Comment: "Replay a time range of the stream (or of the lake beyond retention) to a processing target; output counts per shard.",
        StartAt: S.plan,
        TimeoutSeconds: requireInt("replayDefinition", "timeoutSeconds", opts.timeoutSeconds ?? 86400, 60, 31536000),
        States: {
            [S.plan]: task(fn, "replay.plan", S.map, { input: true, comment: "Validate {from, to, target}; list shards and lake partitions." }),
            [S.map]: {
                Type: "Map",
                ItemsPath: "$.items",
                MaxConcurrency: maxConcurrency,
                ItemSelector: {
                    "item.$": "$$.Map.Item.Value",
                    "target.$": "$.target",
                    "lakePrefixes.$": "$.lakePrefixes",
                },
                ItemProcessor: {
                    ProcessorConfig: { Mode: "INLINE" },
                    StartAt: S.readPage,
                    States: {
                        [S.readPage]: task(fn, "replay.readPage", S.pageDone, {
                            comment: "Read up to N records / T seconds from the cursor and re-deliver them.",
                            retryErrors: ["ProvisionedThroughputExceededException", "KMSThrottlingException", "SlowDown"],
                        }),
                        [S.pageDone]: {
                            Type: "Choice",
                            Choices: [{ Variable: "$.done", BooleanEquals: true, Next: S.sourceDone }],
                            Default: S.readPage,
                        },
                        [S.sourceDone]: {
                            Type: "Pass",
                            Parameters: {
                                "source.$": "$.item.id",
                                "kind.$": "$.item.kind",
                                "records.$": "$.totals.records",
                                "events.$": "$.totals.events",
                                "batches.$": "$.totals.batches",
                                "pages.$": "$.totals.pages",
                                "rejected.$": "$.totals.rejected",
                            },
                            End: true,
                        },
                    },
                },
                ResultPath: "$.results",
                Next: S.summarize,
            },
            [S.summarize]: task(fn, "replay.summarize", { End: true }),
        },
    };
}
