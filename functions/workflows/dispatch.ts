/**
 * One entry point for every workflow task: `{action, input|state}` → result.
 * Each deployed function serves ONE workflow (`kind`), so its role only holds
 * that workflow's permissions; actions of other workflows are refused.
 */
import { WorkflowDeps, WorkflowKind } from "./deps";
import { WorkflowError, show } from "./errors";
import { planReplay, readReplayPage, summarizeReplay } from "./replay";
import { planReshard, pollReshard, runReshardStep } from "./reshard";
import { applyShift, checkSoak, pollChange, rollbackShift, snapshotShift, summarizeShift } from "./shift";

export interface TaskEvent {
    readonly action: string;
    /** The execution input (first task) or the state so far (later tasks). */
    readonly input?: unknown;
    readonly state?: unknown;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each action parses its own payload
type Action = (payload: any, deps: WorkflowDeps) => Promise<unknown> | unknown;

export const ACTIONS: Record<WorkflowKind, Record<string, Action>> = {
    replay: {
        "replay.plan": planReplay,
        "replay.readPage": readReplayPage,
        "replay.summarize": summarizeReplay,
    },
    reshard: {
        "reshard.plan": planReshard,
        "reshard.update": runReshardStep,
        "reshard.describe": pollReshard,
    },
    shift: {
        "shift.snapshot": snapshotShift,
        "shift.apply": applyShift,
        "shift.changeStatus": pollChange,
        "shift.check": checkSoak,
        "shift.rollback": rollbackShift,
        "shift.summarize": summarizeShift,
    },
};

/** Runs one task. `kinds` limits the actions this function serves. */
export async function dispatch(event: TaskEvent, deps: WorkflowDeps, kinds: readonly WorkflowKind[]): Promise<unknown> {
    const action = event?.action;
    for (const kind of kinds) {
        const fn = ACTIONS[kind][action];
        if (fn) return fn(event.state ?? event.input, deps);
    }
    const allowed = kinds.flatMap((k) => Object.keys(ACTIONS[k]));
    throw new WorkflowError("UnknownAction", `\`action\` must be one of ${allowed.map((a) => `"${a}"`).join(", ")} (received ${show(action)}).`);
}
