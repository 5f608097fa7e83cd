/**
 * The reshard call ledger: when UpdateShardCount was called on the stream, so
 * the workflow can refuse a plan that would exceed the 10-calls-per-rolling-
 * 24-hours quota before making the first call (AWS would otherwise fail the
 * plan half way through, leaving the stream at an intermediate count).
 *
 * In AWS the ledger is one SSM String parameter the reshard workflow alone
 * writes: `{"stream": "<name>", "calls": ["<ISO>", ...]}`, pruned to 24 h on
 * each write. Calls made outside the workflow (console, CLI) are not in it,
 * so AWS can still refuse a call: the workflow then fails with AWS's
 * LimitExceededException, after the ledger check passed.
 */
import { GetParameterCommand, PutParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { RESHARD_CALLS_PER_24_HOURS } from "../shared/capacity";
import { WorkflowError } from "./errors";

export const DAY_MS = 86_400_000;

export interface ReshardLedger {
    /** Times of UpdateShardCount calls (any age; callers filter). */
    calls(): Promise<Date[]>;
    /** Records one call. */
    record(at: Date): Promise<void>;
}

export interface ReshardBudget {
    /** Calls made in the 24 h before `now`. */
    readonly used: number;
    readonly limit: number;
    readonly remaining: number;
    /** When the oldest counted call stops counting (undefined when none). */
    readonly nextFreeAt?: string;
}

/** Calls in the rolling 24 h window before `now`. */
export function reshardBudget(calls: Date[], now: Date, limit = RESHARD_CALLS_PER_24_HOURS): ReshardBudget {
    const recent = calls.filter((c) => c.getTime() > now.getTime() - DAY_MS && c.getTime() <= now.getTime()).sort((a, b) => a.getTime() - b.getTime());
    return {
        used: recent.length,
        limit,
        remaining: Math.max(0, limit - recent.length),
        ...(recent.length > 0 ? { nextFreeAt: new Date(recent[0].getTime() + DAY_MS).toISOString() } : {}),
    };
}

/** Throws ReshardBudgetExceeded when `needed` more calls do not fit the budget. */
export function assertBudget(budget: ReshardBudget, needed: number, what: string): void {
    if (needed <= budget.remaining) return;
    throw new WorkflowError(
        "ReshardBudgetExceeded",
        `${what} needs ${needed} UpdateShardCount call${needed === 1 ? "" : "s"}, but ${budget.used} of the ${budget.limit} calls allowed per rolling 24 h were already made ` +
            `(${budget.remaining} left${budget.nextFreeAt ? `; the oldest stops counting at ${budget.nextFreeAt}` : ""}). ` +
            "Retry later or choose a target closer to the current shard count.",
    );
}

/** In-memory ledger (local platform and tests). */
export class MemoryLedger implements ReshardLedger {
    private readonly times: Date[];
    constructor(initial: Date[] = []) {
        this.times = [...initial];
    }
    async calls(): Promise<Date[]> {
        return [...this.times];
    }
    async record(at: Date): Promise<void> {
        this.times.push(at);
    }
}

/** Ledger kept in one SSM parameter. */
export class SsmLedger implements ReshardLedger {
    constructor(
        private readonly ssm: SSMClient,
        readonly parameterName: string,
        readonly streamName: string,
        private readonly now: () => Date = () => new Date(),
    ) {}

    async calls(): Promise<Date[]> {
        let value: string | undefined;
        try {
            const res = await this.ssm.send(new GetParameterCommand({ Name: this.parameterName }));
            value = res.Parameter?.Value;
        } catch (err) {
            if ((err as Error).name === "ParameterNotFound") return [];
            throw err;
        }
        if (!value) return [];
        let parsed: unknown;
        try {
            parsed = JSON.parse(value);
        } catch {
            throw new Error(`reshard ledger ${this.parameterName}: value is not JSON (${value.slice(0, 80)}); fix or delete the parameter.`);
        }
        const calls = (parsed as { calls?: unknown }).calls;
        if (!Array.isArray(calls) || calls.some((c) => typeof c !== "string" || Number.isNaN(Date.parse(c)))) {
            throw new Error(`reshard ledger ${this.parameterName}: \`calls\` must be a list of ISO timestamps (received ${value.slice(0, 80)}).`);
        }
        return calls.map((c: string) => new Date(c));
    }

    async record(at: Date): Promise<void> {
        const cutoff = this.now().getTime() - DAY_MS;
        const kept = (await this.calls()).filter((c) => c.getTime() > cutoff);
        kept.push(at);
        await this.ssm.send(
            new PutParameterCommand({
                Name: this.parameterName,
                Type: "String",
                Overwrite: true,
                Value: JSON.stringify({ stream: this.streamName, calls: kept.map((c) => c.toISOString()) }),
            }),
        );
    }
}
