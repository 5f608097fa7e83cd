/**
 * Reshard: plan (budget checked) → for each step: UpdateShardCount → Wait →
 * DescribeStreamSummary until ACTIVE → next step → Done.
 *
 *   Plan ─► MoreSteps? ─yes─► UpdateShardCount ─► WaitForActive ─► DescribeStream ─► Active?
 *              │  ▲                                   ▲                                │
 *              │  └──────────────── yes ──────────────┼────────────────────────────────┤
 *              no                                     └──────────── no ────────────────┘
 *              └─► Done
 */
import { AslDefinition, requireInt, requireString, task } from "./common";

export interface ReshardAslOptions {
    readonly taskFunctionArn: string;
    /** Seconds between status polls. @default 30 */
    readonly pollSeconds?: number;
    /** @default 86400 */
    readonly timeoutSeconds?: number;
}

export const RESHARD_STATES = {
    plan: "PlanReshard",
    more: "MoreSteps?",
    update: "UpdateShardCount",
    wait: "WaitForActive",
    describe: "DescribeStream",
    active: "StreamActive?",
    done: "Resharded",
} as const;

export function reshardDefinition(opts: ReshardAslOptions): AslDefinition {
    const fn = requireString("reshardDefinition", "taskFunctionArn", opts.taskFunctionArn);
    const poll = requireInt("reshardDefinition", "pollSeconds", opts.pollSeconds ?? 30, 1, 3600);
    const S = RESHARD_STATES;
    return {
        Comment: "Reshard the stream with UpdateShardCount (at most 2x up or 1/2 down per call, 10 calls per rolling 24 h), waiting for ACTIVE between calls.",
        StartAt: S.plan,
        TimeoutSeconds: requireInt("reshardDefinition", "timeoutSeconds", opts.timeoutSeconds ?? 86400, 60, 31536000),
        States: {
            [S.plan]: task(fn, "reshard.plan", S.more, { input: true, comment: "Target from {targetShards} or {throughputMBps}; plan steps; refuse when the 24 h call budget would be exceeded." }),
            [S.more]: {
                Type: "Choice",
                Choices: [{ Variable: "$.done", BooleanEquals: true, Next: S.done }],
                Default: S.update,
            },
            [S.update]: task(fn, "reshard.update", S.wait, { retryErrors: ["ResourceInUseException"] }),
            [S.wait]: { Type: "Wait", Seconds: poll, Next: S.describe },
            [S.describe]: task(fn, "reshard.describe", S.active),
            [S.active]: {
                Type: "Choice",
                Choices: [{ Variable: "$.status", StringEquals: "ACTIVE", Next: S.more }],
                Default: S.wait,
            },
            [S.done]: {
                Type: "Pass",
                Parameters: {
                    "streamName.$": "$.streamName",
                    "fromShards.$": "$.fromShards",
                    "targetShards.$": "$.targetShards",
                    "openShards.$": "$.openShards",
                    "steps.$": "$.steps",
                    "budget.$": "$.budget",
                },
                End: true,
            },
        },
    };
}
