/**
 * Amazon States Language building blocks (pure data; no @pulumi imports).
 * Every Task invokes the workflow's task function with `{action, state: $}`
 * (the whole state in, the whole new state out), so the same definition runs
 * in AWS and in aws-local-stepfunctions with the task handlers mapped by
 * state name.
 */

export type AslState = Record<string, unknown>;

export interface AslDefinition {
    readonly Comment?: string;
    readonly StartAt: string;
    readonly States: Record<string, AslState>;
    readonly TimeoutSeconds?: number;
}

/** Lambda errors worth retrying (throttles, service hiccups), as AWS documents them. */
export const LAMBDA_TRANSIENT_ERRORS = ["Lambda.ServiceException", "Lambda.AWSLambdaException", "Lambda.SdkClientException", "Lambda.TooManyRequestsException"];

/** A Task state calling the task function with `action`; `input` passes the execution input instead of the state. */
export function task(functionArn: string, action: string, next: string | { End: true }, opts: { input?: boolean; comment?: string; retryErrors?: string[]; catch?: { errors: string[]; next: string } } = {}): AslState {
    return {
        Type: "Task",
        ...(opts.comment ? { Comment: opts.comment } : {}),
        Resource: functionArn,
        Parameters: opts.input ? { action, "input.$": "$" } : { action, "state.$": "$" },
        TimeoutSeconds: 900,
        Retry: [
            { ErrorEquals: LAMBDA_TRANSIENT_ERRORS, IntervalSeconds: 2, MaxAttempts: 6, BackoffRate: 2 },
            ...(opts.retryErrors && opts.retryErrors.length > 0 ? [{ ErrorEquals: opts.retryErrors, IntervalSeconds: 5, MaxAttempts: 3, BackoffRate: 2 }] : []),
        ],
        ...(opts.catch ? { Catch: [{ ErrorEquals: opts.catch.errors, ResultPath: "$.error", Next: opts.catch.next }] } : {}),
        ...(typeof next === "string" ? { Next: next } : next),
    };
}

export function wait(seconds: number, next: string): AslState {
    return { Type: "Wait", Seconds: seconds, Next: next };
}

export function waitPath(secondsPath: string, next: string): AslState {
    return { Type: "Wait", SecondsPath: secondsPath, Next: next };
}

/** Checks an ARN-ish option early (builders are called with resolved strings). */
export function requireString(builder: string, name: string, value: unknown): string {
    if (typeof value !== "string" || value.length === 0) {
        throw new Error(`${builder}: \`${name}\` must be a non-empty string (received ${JSON.stringify(value)}).`);
    }
    return value;
}

export function requireInt(builder: string, name: string, value: number, min: number, max: number): number {
    if (!Number.isInteger(value) || value < min || value > max) {
        throw new Error(`${builder}: \`${name}\` must be an integer between ${min} and ${max} (received ${JSON.stringify(value)}).`);
    }
    return value;
}

/** Every Task, Wait and Map state name of a definition, nested ones included. */
export function statesOfType(def: AslDefinition, type: string): string[] {
    const out: string[] = [];
    const walk = (states: Record<string, AslState>) => {
        for (const [name, s] of Object.entries(states)) {
            if (s.Type === type) out.push(name);
            const proc = (s.ItemProcessor ?? s.Iterator) as AslDefinition | undefined;
            if (proc) walk(proc.States);
            for (const b of (s.Branches as AslDefinition[] | undefined) ?? []) walk(b.States);
        }
    };
    walk(def.States);
    return out;
}
