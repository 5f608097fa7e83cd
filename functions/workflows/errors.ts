/**
 * Errors the workflow tasks raise on purpose. Lambda reports `name` as the
 * error type, so state machines can Catch/Retry on it and the ops CLI shows it.
 */
export class WorkflowError extends Error {
    constructor(name: WorkflowErrorName, message: string) {
        super(message);
        this.name = name;
    }
}

export type WorkflowErrorName =
    "InvalidReplayInput" | "InvalidReshardInput" | "InvalidAutoReshardTrigger" | "ReshardBudgetExceeded" | "ReshardTimeout" | "InvalidTrafficShiftInput" | "TrafficShiftTimeout" | "ReplayDeliveryFailed" | "UnknownAction";

/** Renders a received value for messages (same shape as components/common/validation). */
export function show(value: unknown): string {
    if (value === undefined) return "nothing";
    try {
        const s = JSON.stringify(value);
        return s.length > 120 ? `${s.slice(0, 117)}...` : s;
    } catch {
        return String(value);
    }
}

/**
 * How a validator names a field of its input in messages (`key`: an entry of
 * a map field, such as one weight). The Lambda input's own names by default;
 * the ops CLI passes its option table's flags (scripts/ops-args.ts), so the
 * same validation speaks of `--shards` there and `targetShards` here.
 */
export type FieldName = (field: string, key?: string) => string;

/** The input's own field names, in backticks: `from`, `weights.blue`. */
export const inputField: FieldName = (field, key) => `\`${key === undefined ? field : `${field}.${key}`}\``;
