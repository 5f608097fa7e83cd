/**
 * The argument blocks several components share, with their validation in one
 * place: where a component runs (`AccountArgs`), its integer arguments with
 * defaults and ranges (a table, `intArgs`), its log retention and its
 * EventBridge Scheduler expression. Messages are the `validator`'s
 * (components/common/validation.ts), so a block reads the same in every
 * component that takes it.
 */
import * as pulumi from "@pulumi/pulumi";
import { AlarmSettings } from "./alarms";
import { AWS_ACCOUNT_ID, AWS_REGION, validator } from "./validation";
import { scheduleIntervalSeconds } from "../oncall/schedule";

export type Validator = ReturnType<typeof validator>;

/** Where a component's resources live. */
export interface AccountArgs {
    /** The account's 12-digit id (trust policies' confused-deputy guards, ARNs). */
    readonly accountId: pulumi.Input<string>;
    /** The region, e.g. "eu-west-1". */
    readonly region: pulumi.Input<string>;
}

/** Checks `accountId` (a 12-digit id) and `region` (an AWS region) when they are plain values. */
export function checkAccountArgs(v: Validator, args: AccountArgs): void {
    v.pattern("accountId", args.accountId, AWS_ACCOUNT_ID, "a 12-digit AWS account id");
    v.pattern("region", args.region, AWS_REGION, 'an AWS region such as "eu-west-1"');
}

/** The operational block: log retention and alarms. */
export interface OperatedArgs {
    /** Days the component's log groups keep events (a CloudWatch Logs retention value). @default - the component's (see its docs) */
    readonly logRetentionDays?: number;
    /** @default - alarms on, no routing */
    readonly alarms?: AlarmSettings;
}

/** `logRetentionDays` or its default, checked against the CloudWatch Logs retention values. */
export function logRetention(v: Validator, value: number | undefined, defaultDays: number): number {
    const days = value ?? defaultDays;
    v.logRetentionDays("logRetentionDays", days);
    return days;
}

/** An integer argument's default and allowed range (inclusive). */
export interface IntSpec {
    readonly default: number;
    readonly min: number;
    readonly max: number;
}

/**
 * The integer arguments named in `table`, each its value or default, checked
 * against its range in the table's order (the first bad one is reported).
 */
export function intArgs<K extends string>(v: Validator, args: { readonly [P in NoInfer<K>]?: number }, table: Record<K, IntSpec>): Record<K, number> {
    const out = {} as Record<K, number>;
    for (const key of Object.keys(table) as K[]) {
        const spec = table[key];
        const value = args[key] ?? spec.default;
        v.intRange(key, value, spec.min, spec.max);
        out[key] = value;
    }
    return out;
}

/** An EventBridge Scheduler expression: cron(...), rate(N unit) or at(...). */
export const SCHEDULE_EXPRESSION = /^(cron\(.+\)|rate\(\d+ (minute|minutes|hour|hours|day|days)\)|at\(.+\))$/;

/**
 * Checks a Scheduler expression (`argument`) against SCHEDULE_EXPRESSION and
 * returns the longest gap between its runs in seconds (undefined for a
 * one-time `at(...)`); a schedule whose gaps cannot be computed fails with
 * `problem` and the reason.
 */
export function scheduleArg(v: Validator, argument: string, schedule: string, example: string, problem = "a schedule whose runs an alarm can follow"): number | undefined {
    v.pattern(argument, schedule, SCHEDULE_EXPRESSION, `a Scheduler expression such as ${example}`);
    try {
        return scheduleIntervalSeconds(schedule);
    } catch (e) {
        return v.fail(argument, `${problem} (${(e as Error).message})`, schedule);
    }
}
