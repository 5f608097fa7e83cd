/**
 * Eager argument validation shared by every component.
 *
 * Messages follow one shape so users can grep them and tests can assert them:
 *   "<Component> <name>: `<argument>` must be <what is allowed> (received <value>)."
 * The part after the colon is functions/shared/range.ts `problemMessage`, the same text the
 * functions' option parsers throw, so one range reads the same wherever it is checked.
 * Values that are not yet known (pulumi Outputs) are skipped: only plain values are checked.
 */
import * as pulumi from "@pulumi/pulumi";
import { describeValue, integerRangeText, isIntegerInRange, isNumberInRange, LOG_RETENTION_DAYS, LOG_RETENTION_TEXT, numberRangeText, problemMessage } from "../../functions/shared/range";

export class ValidationError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "ValidationError";
    }
}

export { describeValue, LOG_RETENTION_DAYS };

/** True for plain, already-known values (not Outputs or Promises). */
export function isKnown<T>(value: pulumi.Input<T> | undefined): value is T {
    return value !== undefined && !pulumi.Output.isInstance(value) && !(value instanceof Promise);
}

/** Builds the standard message and throws it. */
export function fail(component: string, argument: string, allowed: string, value: unknown): never {
    throw new ValidationError(`${component}: ${problemMessage(argument, allowed, value)}.`);
}

/** Validator bound to one component instance, e.g. `const v = validator("KinesisStream", name)`. */
export function validator(componentType: string, name: string) {
    const who = `${componentType} ${name}`;
    return {
        fail: (argument: string, allowed: string, value: unknown): never => fail(who, argument, allowed, value),
        /** Integer in [min, max]; skipped when unknown or undefined. */
        intRange(argument: string, value: pulumi.Input<number> | undefined, min: number, max: number): void {
            if (!isKnown(value)) return;
            if (!isIntegerInRange(value, min, max)) fail(who, argument, integerRangeText(min, max), value);
        },
        /** Number in [min, max]. */
        numberRange(argument: string, value: pulumi.Input<number> | undefined, min: number, max: number): void {
            if (!isKnown(value)) return;
            if (!isNumberInRange(value, min, max)) fail(who, argument, numberRangeText(min, max), value);
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
            if (value !== undefined && !LOG_RETENTION_DAYS.includes(value)) fail(who, argument, LOG_RETENTION_TEXT, value);
        },
        /** Arbitrary predicate. */
        check(argument: string, ok: boolean, allowed: string, value: unknown): void {
            if (!ok) fail(who, argument, allowed, value);
        },
        /** Exactly one / at most one of several arguments. */
        exclusive(args: Record<string, unknown>): void {
            const given = Object.entries(args)
                .filter(([, v]) => v !== undefined)
                .map(([k]) => `\`${k}\``);
            if (given.length > 1) {
                throw new ValidationError(
                    `${who}: only one of ${Object.keys(args)
                        .map((k) => `\`${k}\``)
                        .join(" or ")} can be provided (received ${given.join(" and ")}).`,
                );
            }
        },
    };
}

export const AWS_ACCOUNT_ID = /^\d{12}$/;
export const AWS_REGION = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/;
