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

/** How a validator names a field of its input in messages (defined with the range messages; re-exported for the workflows). */
export { type FieldName, inputField } from "../shared/range";
