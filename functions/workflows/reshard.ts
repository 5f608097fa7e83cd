/**
 * Reshard tasks: plan (target from a shard count or a throughput, steps of at
 * most 2x up / half down, budget check against the call ledger), one
 * UpdateShardCount step, and the DescribeStreamSummary poll the state machine
 * loops on (Wait → Describe → Choice) until the stream is ACTIVE again.
 */
import { DescribeStreamSummaryCommand, UpdateShardCountCommand } from "@aws-sdk/client-kinesis";
import { MAX_SHARDS_PER_STREAM, MeasuredFigures, planDataPath, planReshardSteps, recommendShards } from "../shared/capacity";
import { WorkflowDeps, need } from "./deps";
import { FieldName, WorkflowError, inputField, show } from "./errors";
import { assertBudget, reshardBudget, ReshardBudget } from "./ledger";

export interface ReshardInput {
    readonly targetShards?: unknown;
    readonly throughputMBps?: unknown;
}

export interface ReshardStepPlan {
    readonly call: number;
    readonly fromShards: number;
    readonly toShards: number;
}

export interface ReshardState {
    readonly streamName: string;
    readonly fromShards: number;
    readonly targetShards: number;
    readonly steps: ReshardStepPlan[];
    /** Index of the next step to run. */
    readonly next: number;
    /** True when every step ran (or none was needed). */
    readonly done: boolean;
    readonly openShards: number;
    readonly status: string;
    readonly polls: number;
    readonly budget: ReshardBudget;
}

function bad(message: string): never {
    throw new WorkflowError("InvalidReshardInput", message);
}

/**
 * Target shard count from the input (pure). `throughputMBps` (peak MB/s of event JSON) is sized by the
 * capacity planner: `planDataPath` with the measured figures the stack hands the function
 * (PLANNER_MEASURED_FIGURES, from bench/results.json: the same plan as `shards: auto`); without them,
 * the Kinesis-only `recommendShards` (aggregated + compressed, one global aggregator).
 */
export function reshardTarget(input: ReshardInput, maxShards = MAX_SHARDS_PER_STREAM, measured?: MeasuredFigures, name: FieldName = inputField): number {
    if (typeof input !== "object" || input === null || Array.isArray(input)) bad(`reshard input must be an object {targetShards} or {throughputMBps} (received ${show(input)}).`);
    const hasShards = input.targetShards !== undefined;
    const hasThroughput = input.throughputMBps !== undefined;
    if (hasShards === hasThroughput) {
        bad(hasShards ? "give only one of `targetShards` or `throughputMBps` (received both)." : "give `targetShards` (a shard count) or `throughputMBps` (peak write MB/s to size for) (received neither).");
    }
    if (hasShards) {
        const n = input.targetShards;
        if (typeof n !== "number" || !Number.isInteger(n) || n < 1 || n > maxShards) bad(`${name("targetShards")} must be an integer between 1 and ${maxShards} (received ${show(n)}).`);
        return n;
    }
    const t = input.throughputMBps;
    if (typeof t !== "number" || !Number.isFinite(t) || t <= 0 || t > 1_000_000) bad(`${name("throughputMBps")} must be a number greater than 0 (received ${show(t)}).`);
    const shards = measured ? planDataPath({ mbPerSecond: t, peakFactor: 1, measured }).shards : recommendShards({ mbPerSecond: t, peakFactor: 1 });
    if (shards > maxShards) bad(`${name("throughputMBps")} ${t} needs ${shards} shards, more than the ${maxShards} allowed.`);
    return shards;
}

async function describe(deps: WorkflowDeps, streamName: string): Promise<{ status: string; openShards: number; mode: string }> {
    const res = await need(deps.kinesis, "the Kinesis client").send(new DescribeStreamSummaryCommand({ StreamName: streamName }));
    const s = res.StreamDescriptionSummary!;
    return { status: s.StreamStatus ?? "UNKNOWN", openShards: s.OpenShardCount ?? 0, mode: s.StreamModeDetails?.StreamMode ?? "PROVISIONED" };
}

/** Task `reshard.plan`. */
export async function planReshard(input: ReshardInput, deps: WorkflowDeps): Promise<ReshardState> {
    const streamName = need(deps.settings.streamName, "STREAM_NAME");
    const maxShards = deps.settings.maxShards ?? MAX_SHARDS_PER_STREAM;
    const target = reshardTarget(input, maxShards, deps.settings.plannerFigures);
    const now = (deps.now ?? (() => new Date()))();
    const current = await describe(deps, streamName);
    if (current.mode !== "PROVISIONED") bad(`stream ${streamName} is in ${current.mode} mode; only PROVISIONED streams are resharded.`);
    if (current.status !== "ACTIVE") bad(`stream ${streamName} is ${current.status}; reshard once it is ACTIVE.`);
    const steps = planReshardSteps(current.openShards, target, { maxShards }).map((s) => ({ call: s.call, fromShards: s.fromShards, toShards: s.toShards }));
    const budget = reshardBudget(await need(deps.ledger, "the reshard ledger").calls(), now);
    assertBudget(budget, steps.length, `resharding ${streamName} from ${current.openShards} to ${target} shards`);
    return {
        streamName,
        fromShards: current.openShards,
        targetShards: target,
        steps,
        next: 0,
        done: steps.length === 0,
        openShards: current.openShards,
        status: current.status,
        polls: 0,
        budget,
    };
}

/** Task `reshard.update`: the next UpdateShardCount call, recorded in the ledger. */
export async function runReshardStep(state: ReshardState, deps: WorkflowDeps): Promise<ReshardState> {
    const step = state.steps[state.next];
    if (!step) throw new Error(`reshard.update: no step ${state.next} in a plan of ${state.steps.length}.`);
    const ledger = need(deps.ledger, "the reshard ledger");
    const now = (deps.now ?? (() => new Date()))();
    // Another execution may have spent the budget since the plan.
    assertBudget(reshardBudget(await ledger.calls(), now), 1, `step ${step.call} (${step.fromShards} to ${step.toShards} shards) of resharding ${state.streamName}`);
    await need(deps.kinesis, "the Kinesis client").send(new UpdateShardCountCommand({ StreamName: state.streamName, TargetShardCount: step.toShards, ScalingType: "UNIFORM_SCALING" }));
    await ledger.record(now);
    const next = state.next + 1;
    return { ...state, next, done: next >= state.steps.length, status: "UPDATING", polls: 0 };
}

/** Task `reshard.describe`: one poll of the stream's status. */
export async function pollReshard(state: ReshardState, deps: WorkflowDeps): Promise<ReshardState> {
    const maxPolls = deps.settings.reshardMaxPolls ?? 120;
    const polls = state.polls + 1;
    const d = await describe(deps, state.streamName);
    if (d.status !== "ACTIVE" && polls >= maxPolls) {
        throw new WorkflowError("ReshardTimeout", `stream ${state.streamName} is still ${d.status} after ${polls} polls (step ${state.next} of ${state.steps.length}); check the stream before re-running.`);
    }
    return { ...state, status: d.status, openShards: d.openShards, polls };
}
