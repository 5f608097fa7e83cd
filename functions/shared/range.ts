/**
 * Range checks with ONE message format, shared by the functions' option
 * parsers (codec, capacity planner) and the components' eager validation
 * (components/common/validation.ts builds its messages from these):
 *
 *   `<argument>` must be an integer between <min> and <max> (received <value>)
 *
 * Pure: no I/O, no `@pulumi/*` imports.
 */

/** Renders a received value for an error message (strings quoted, long values cut at 120 characters). */
export function describeValue(value: unknown): string {
    if (value === undefined) return "undefined";
    if (typeof value === "string") return JSON.stringify(value);
    if (typeof value === "number" || typeof value === "boolean" || value === null || typeof value === "bigint") return String(value);
    try {
        const s = JSON.stringify(value);
        return s.length > 120 ? `${s.slice(0, 117)}...` : s;
    } catch {
        return String(value);
    }
}

/**
 * How a message names an argument or input field (`key`: an entry of a map
 * field, such as one weight). The input's own names in backticks by default;
 * a command passes its option table's flags (scripts/lib/cli.ts `fieldNames`),
 * so the same validation speaks of `--shards` there and `targetShards` here.
 */
export type FieldName = (field: string, key?: string) => string;

/** The input's own field names, in backticks: `from`, `weights.blue`. */
export const inputField: FieldName = (field, key) => `\`${key === undefined ? field : `${field}.${key}`}\``;

/** "`argument` must be <allowed> (received <value>)": the one shape every range message takes. */
export function problemMessage(argument: string, allowed: string, value: unknown, name: FieldName = inputField): string {
    return `${name(argument)} must be ${allowed} (received ${describeValue(value)})`;
}

/** What an integer range allows, in words: "an integer between 1 and 500". */
export function integerRangeText(min: number, max: number): string {
    return max === Number.POSITIVE_INFINITY ? `an integer of at least ${min}` : `an integer between ${min} and ${max}`;
}

/** What a number range allows, in words: "a number between 0 and 1". */
export function numberRangeText(min: number, max: number): string {
    return max === Number.POSITIVE_INFINITY ? `a number of at least ${min}` : `a number between ${min} and ${max}`;
}

/** True when `value` is an integer in [min, max]. */
export function isIntegerInRange(value: unknown, min: number, max: number): value is number {
    return typeof value === "number" && Number.isInteger(value) && value >= min && value <= max;
}

/** True when `value` is a (non-NaN) number in [min, max]. */
export function isNumberInRange(value: unknown, min: number, max: number): value is number {
    return typeof value === "number" && !Number.isNaN(value) && value >= min && value <= max;
}

/** The message for an integer outside [min, max], or undefined when it is inside. */
export function integerRangeProblem(argument: string, value: unknown, min: number, max: number, name: FieldName = inputField): string | undefined {
    return isIntegerInRange(value, min, max) ? undefined : problemMessage(argument, integerRangeText(min, max), value, name);
}

/** Returns `value` when it is an integer in [min, max]; throws a RangeError in the one format otherwise. */
export function assertIntegerInRange(argument: string, value: unknown, min: number, max: number, name: FieldName = inputField): number {
    const problem = integerRangeProblem(argument, value, min, max, name);
    if (problem !== undefined) throw new RangeError(problem);
    return value as number;
}

/** Returns `value` when it is a number in [min, max]; throws a RangeError in the one format otherwise. */
export function assertNumberInRange(argument: string, value: unknown, min: number, max: number): number {
    if (!isNumberInRange(value, min, max)) throw new RangeError(problemMessage(argument, numberRangeText(min, max), value));
    return value;
}

/**
 * Reads the number in environment variable `key`: `dflt` when unset or empty; otherwise it must be a
 * number (an integer when `integer`) in [min, max], or an Error names the variable, the range and the
 * value received ("`ALERT_P_VALUE` must be a number between 1e-15 and 0.05 (received "0.5").").
 */
export function envNumber(env: Record<string, string | undefined>, key: string, dflt: number, min: number, max: number, integer: boolean): number {
    const raw = env[key];
    if (raw === undefined || raw === "") return dflt;
    const v = Number(raw);
    if (!Number.isFinite(v) || v < min || v > max || (integer && !Number.isInteger(v))) {
        throw new Error(`${problemMessage(key, integer ? integerRangeText(min, max) : numberRangeText(min, max), raw)}.`);
    }
    return v;
}

/** Retention periods CloudWatch Logs accepts (`retentionInDays`). */
export const LOG_RETENTION_DAYS: readonly number[] = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

/** What a log retention argument allows, in words. */
export const LOG_RETENTION_TEXT = `one of CloudWatch Logs' retention periods (${LOG_RETENTION_DAYS.join(", ")})`;

/** The message for a value that is not a CloudWatch Logs retention period, or undefined when it is one. */
export function logRetentionProblem(argument: string, value: unknown): string | undefined {
    return typeof value === "number" && LOG_RETENTION_DAYS.includes(value) ? undefined : problemMessage(argument, LOG_RETENTION_TEXT, value);
}
