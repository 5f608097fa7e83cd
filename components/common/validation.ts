/**
 * Eager argument validation shared by every component.
 *
 * Messages follow one shape so users can grep them and tests can assert them:
 *   "<Component> <name>: `<argument>` must be <what is allowed> (received <value>)."
 * Values that are not yet known (pulumi Outputs) are skipped: only plain values are checked.
 */
import * as pulumi from "@pulumi/pulumi";

export class ValidationError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "ValidationError";
    }
}

/** Renders a received value for an error message. */
export function describeValue(value: unknown): string {
    if (value === undefined) return "undefined";
    if (typeof value === "string") return JSON.stringify(value);
    if (typeof value === "number" || typeof value === "boolean" || value === null) return String(value);
    try {
        const s = JSON.stringify(value);
        return s.length > 120 ? `${s.slice(0, 117)}...` : s;
    } catch {
        return String(value);
    }
}

/** True for plain, already-known values (not Outputs or Promises). */
export function isKnown<T>(value: pulumi.Input<T> | undefined): value is T {
    return value !== undefined && !pulumi.Output.isInstance(value) && !(value instanceof Promise);
}

/** Builds the standard message and throws it. */
export function fail(component: string, argument: string, allowed: string, value: unknown): never {
    throw new ValidationError(`${component}: \`${argument}\` must be ${allowed} (received ${describeValue(value)}).`);
}

/** Validator bound to one component instance, e.g. `const v = validator("KinesisStream", name)`. */
export function validator(componentType: string, name: string) {
    const who = `${componentType} ${name}`;
    return {
        fail: (argument: string, allowed: string, value: unknown): never => fail(who, argument, allowed, value),
        /** Integer in [min, max]; skipped when unknown or undefined. */
        intRange(argument: string, value: pulumi.Input<number> | undefined, min: number, max: number): void {
            if (!isKnown(value)) return;
            if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
                fail(who, argument, `an integer between ${min} and ${max}`, value);
            }
        },
        /** Number in [min, max]. */
        numberRange(argument: string, value: pulumi.Input<number> | undefined, min: number, max: number): void {
            if (!isKnown(value)) return;
            if (typeof value !== "number" || Number.isNaN(value) || value < min || value > max) {
                fail(who, argument, `a number between ${min} and ${max}`, value);
            }
        },
        /** One of the listed values. */
        oneOf<T extends string>(argument: string, value: pulumi.Input<T> | undefined, allowed: readonly T[]): void {
            if (!isKnown(value)) return;
            if (!allowed.includes(value as T)) fail(who, argument, `one of ${allowed.map((a) => `"${a}"`).join(", ")}`, value);
        },
        /** Matches a regular expression, described in words. */
        pattern(argument: string, value: pulumi.Input<string> | undefined, re: RegExp, description: string): void {
            if (!isKnown(value)) return;
            if (typeof value !== "string" || !re.test(value)) fail(who, argument, description, value);
        },
        /** A CloudWatch Logs retention period (`LOG_RETENTION_DAYS`); skipped when undefined. */
        logRetentionDays(argument: string, value: number | undefined): void {
            if (value !== undefined && !LOG_RETENTION_DAYS.includes(value)) {
                fail(who, argument, `one of CloudWatch Logs' retention periods (${LOG_RETENTION_DAYS.join(", ")})`, value);
            }
        },
        /** Arbitrary predicate. */
        check(argument: string, ok: boolean, allowed: string, value: unknown): void {
            if (!ok) fail(who, argument, allowed, value);
        },
        /** Exactly one / at most one of several arguments. */
        exclusive(args: Record<string, unknown>): void {
            const given = Object.entries(args).filter(([, v]) => v !== undefined).map(([k]) => `\`${k}\``);
            if (given.length > 1) {
                throw new ValidationError(`${who}: only one of ${Object.keys(args).map((k) => `\`${k}\``).join(" or ")} can be provided (received ${given.join(" and ")}).`);
            }
        },
    };
}

export const AWS_ACCOUNT_ID = /^\d{12}$/;
export const AWS_REGION = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/;

/** Retention periods CloudWatch Logs accepts (`retentionInDays`). */
export const LOG_RETENTION_DAYS: readonly number[] = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];
