/**
 * Automatic resharding: the stream's capacity early-warning alarm (an
 * EventBridge rule on its state change) and a scheduled check (EventBridge
 * Scheduler) invoke this starter. It measures the stream's peak minute, sizes
 * the target with the capacity planner, keeps within the UpdateShardCount
 * budget (the reshard workflow's ledger, minus a reserve left to on-call) and
 * starts the reshard workflow with `{targetShards}`, notifying on-call on every
 * start, and when the budget stops it.
 *
 * Pure decision (`decideAutoReshard`) apart from the I/O (`autoReshard`): the
 * load source, the workflow starter and the notifier are CloudWatch, Step
 * Functions and SNS in AWS (config.ts `autoReshardDepsFromEnv`) and the
 * emulator's records, the local Step Functions runner and a list locally
 * (local/auto-reshard.ts). The decision and the calls are the same code.
 *
 * Scale-up only: scaling down spends budget to save cost and is left to
 * on-call (`npm run ops -- reshard`).
 */
import { DescribeStreamSummaryCommand, KinesisClient } from "@aws-sdk/client-kinesis";
import { MAX_SHARDS_PER_STREAM, MeasuredFigures, SHARD_WRITE_BYTES_PER_SECOND, SHARD_WRITE_RECORDS_PER_SECOND, planDataPath, planReshardSteps } from "../shared/capacity";
import { WorkflowError, show } from "./errors";
import { ReshardBudget, ReshardLedger, reshardBudget } from "./ledger";

/** The stream's busiest minute in the look-back window (stream-level sums, as the capacity alarms read them). */
export interface StreamLoad {
    readonly bytesPerMinute: number;
    readonly recordsPerMinute: number;
}

export interface LoadSource {
    /** Peak per-minute IncomingBytes and IncomingRecords of the stream over the `minutes` before `now`. */
    peakMinute(streamName: string, minutes: number, now: Date): Promise<StreamLoad>;
}

export interface WorkflowStarter {
    /** True when an execution of the reshard workflow is running (the starter then waits for it). */
    running(): Promise<boolean>;
    /** Starts the reshard workflow; returns the execution's id (ARN in AWS). `name` is unique per minute and target. */
    start(name: string, input: { targetShards: number }): Promise<string>;
}

export interface Notifier {
    notify(severity: "ticket" | "page", subject: string, message: string): Promise<void>;
}

export interface AutoReshardSettings {
    readonly streamName: string;
    /** Share of the shards' write limits at which the starter acts (the capacity alarms' share), (0, 1]. @default 0.8 */
    readonly alarmShare?: number;
    /** Share of each shard's limits the hottest shard may use after the reshard, (0, 1]. @default 0.7 */
    readonly targetUtilization?: number;
    /** Growth the target leaves room for over the measured peak minute, >= 1. @default 1.5 */
    readonly headroom?: number;
    /** UpdateShardCount calls of the 24 h budget the automatic start never spends (left to on-call). @default 2 */
    readonly reserveCalls?: number;
    /** Minutes of metrics the peak is taken over. @default 15 */
    readonly lookbackMinutes?: number;
    /** @default 10000 */
    readonly maxShards?: number;
    /** The planner's measured figures (bench/results.json); without them only the measured load sizes the target. */
    readonly plannerFigures?: MeasuredFigures;
}

export interface AutoReshardDeps {
    readonly settings: AutoReshardSettings;
    readonly kinesis: KinesisClient;
    readonly ledger: ReshardLedger;
    readonly load: LoadSource;
    readonly starter: WorkflowStarter;
    readonly notifier: Notifier;
    /** @default () => new Date() */
    readonly now?: () => Date;
}

export type AutoReshardDecision =
    | { readonly action: "none"; readonly reason: string }
    | {
          readonly action: "start";
          readonly fromShards: number;
          /** What the workflow is started with (the planner's target, or less when the budget caps it). */
          readonly targetShards: number;
          readonly plannedShards: number;
          readonly calls: number;
          readonly cappedByBudget: boolean;
          readonly reason: string;
      }
    | { readonly action: "blocked"; readonly fromShards: number; readonly plannedShards: number; readonly reason: string };

const pct = (x: number) => `${Math.round(x * 1000) / 10}%`;

/**
 * Shards the measured peak needs (pure): the larger of (a) the hottest shard (average x the measured
 * imbalance) at `targetUtilization` of both limits with `headroom`, and (b) the capacity planner
 * (`planDataPath`) for the event JSON that load carries (stream bytes x the measured frame ratio).
 */
export function autoReshardTarget(load: StreamLoad, settings: AutoReshardSettings): number {
    const util = settings.targetUtilization ?? 0.7;
    const headroom = settings.headroom ?? 1.5;
    const imbalance = settings.plannerFigures?.hotShardImbalance ?? 1;
    const bytesPerSecond = (load.bytesPerMinute / 60) * headroom;
    const recordsPerSecond = (load.recordsPerMinute / 60) * headroom;
    const byLoad = Math.ceil(Math.max((bytesPerSecond * imbalance) / (util * SHARD_WRITE_BYTES_PER_SECOND), (recordsPerSecond * imbalance) / (util * SHARD_WRITE_RECORDS_PER_SECOND), 1));
    let byPlanner = 0;
    if (settings.plannerFigures && bytesPerSecond > 0) {
        const eventMBps = (bytesPerSecond * settings.plannerFigures.frameCompressionRatio) / 1e6;
        byPlanner = planDataPath({ mbPerSecond: eventMBps, peakFactor: 1, targetUtilization: util, measured: settings.plannerFigures }).shards;
    }
    return Math.min(Math.max(byLoad, byPlanner), settings.maxShards ?? MAX_SHARDS_PER_STREAM);
}

/** What the starter does for this load, shard count and budget (pure). */
export function decideAutoReshard(openShards: number, load: StreamLoad, budget: ReshardBudget, settings: AutoReshardSettings): AutoReshardDecision {
    const share = settings.alarmShare ?? 0.8;
    const reserve = settings.reserveCalls ?? 2;
    const maxShards = settings.maxShards ?? MAX_SHARDS_PER_STREAM;
    const bytesShare = load.bytesPerMinute / (openShards * SHARD_WRITE_BYTES_PER_SECOND * 60);
    const recordsShare = load.recordsPerMinute / (openShards * SHARD_WRITE_RECORDS_PER_SECOND * 60);
    const used = Math.max(bytesShare, recordsShare);
    const loadText = `peak minute ${Math.round(load.bytesPerMinute)} bytes (${pct(bytesShare)} of ${openShards} shards' byte limit), ${Math.round(load.recordsPerMinute)} records (${pct(recordsShare)} of the record limit)`;
    if (used < share) return { action: "none", reason: `${loadText}: below the ${pct(share)} the capacity alarms fire at.` };
    const planned = autoReshardTarget(load, settings);
    if (planned <= openShards) {
        return { action: "none", reason: `${loadText}: the planner's target is ${planned} shards, not more than the ${openShards} open${openShards >= maxShards ? ` (\`maxShards\` ${maxShards})` : ""}.` };
    }
    const steps = planReshardSteps(openShards, planned, { maxShards });
    const available = budget.remaining - reserve;
    const budgetText = `${budget.used} of ${budget.limit} UpdateShardCount calls used in the last 24 h, ${reserve} kept for on-call${budget.nextFreeAt ? `; the oldest stops counting at ${budget.nextFreeAt}` : ""}`;
    if (available <= 0) {
        return {
            action: "blocked",
            fromShards: openShards,
            plannedShards: planned,
            reason: `${loadText}: the planner asks for ${planned} shards (${steps.length} call${steps.length === 1 ? "" : "s"}), but the budget has no call left for an automatic start (${budgetText}).`,
        };
    }
    const capped = steps.length > available;
    const target = capped ? steps[available - 1].toShards : planned;
    const calls = capped ? available : steps.length;
    return {
        action: "start",
        fromShards: openShards,
        targetShards: target,
        plannedShards: planned,
        calls,
        cappedByBudget: capped,
        reason:
            `${loadText}: resharding ${openShards} → ${target} shards in ${calls} call${calls === 1 ? "" : "s"}` +
            (capped ? ` (the planner asks for ${planned}, ${steps.length} calls; the budget allows ${available})` : "") +
            ` (${budgetText}).`,
    };
}

export type AutoReshardTrigger = { readonly kind: "alarm"; readonly alarmName: string; readonly state: string } | { readonly kind: "schedule" };

/**
 * The trigger (pure): an EventBridge "CloudWatch Alarm State Change" event, or the scheduler's
 * `{"trigger": "schedule"}`.
 */
export function parseTrigger(event: unknown): AutoReshardTrigger {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- untyped event, every field checked below
    const e = event as Record<string, any> | null;
    if (e && e["detail-type"] === "CloudWatch Alarm State Change") {
        const alarmName = e.detail?.alarmName;
        const state = e.detail?.state?.value;
        if (typeof alarmName !== "string" || typeof state !== "string") {
            throw new WorkflowError("InvalidAutoReshardTrigger", `an alarm state change needs \`detail.alarmName\` and \`detail.state.value\` strings (received ${show(e.detail)}).`);
        }
        return { kind: "alarm", alarmName, state };
    }
    if (e && e.trigger === "schedule") return { kind: "schedule" };
    throw new WorkflowError("InvalidAutoReshardTrigger", `the auto-reshard starter takes a CloudWatch alarm state change event or {"trigger": "schedule"} (received ${show(event)}).`);
}

export interface AutoReshardResult {
    readonly trigger: AutoReshardTrigger;
    readonly decision: AutoReshardDecision;
    readonly executionId?: string;
}

/** The starter: one check, and at most one workflow start. */
export async function autoReshard(event: unknown, deps: AutoReshardDeps): Promise<AutoReshardResult> {
    const trigger = parseTrigger(event);
    const s = deps.settings;
    const now = (deps.now ?? (() => new Date()))();
    const by = trigger.kind === "alarm" ? `alarm ${trigger.alarmName}` : "the scheduled check";
    if (trigger.kind === "alarm" && trigger.state !== "ALARM") return { trigger, decision: { action: "none", reason: `alarm ${trigger.alarmName} went to ${trigger.state}, not ALARM.` } };
    const summary = (await deps.kinesis.send(new DescribeStreamSummaryCommand({ StreamName: s.streamName }))).StreamDescriptionSummary!;
    const mode = summary.StreamModeDetails?.StreamMode ?? "PROVISIONED";
    if (mode !== "PROVISIONED") return { trigger, decision: { action: "none", reason: `stream ${s.streamName} is ${mode}; only provisioned streams are resharded.` } };
    if (summary.StreamStatus !== "ACTIVE") return { trigger, decision: { action: "none", reason: `stream ${s.streamName} is ${summary.StreamStatus} (a reshard is under way).` } };
    if (await deps.starter.running()) return { trigger, decision: { action: "none", reason: "a reshard execution is already running." } };
    const openShards = summary.OpenShardCount ?? 0;
    const load = await deps.load.peakMinute(s.streamName, s.lookbackMinutes ?? 15, now);
    const budget = reshardBudget(await deps.ledger.calls(), now);
    const decision = decideAutoReshard(openShards, load, budget, s);
    if (decision.action === "blocked") {
        await deps.notifier.notify("page", `Automatic reshard of ${s.streamName} stopped by the UpdateShardCount budget`, `Triggered by ${by}. ${decision.reason} Writes may throttle: see docs/runbooks/stream-capacity.md.`);
        return { trigger, decision };
    }
    if (decision.action !== "start") return { trigger, decision };
    const minute = now.toISOString().slice(0, 16).replace(/[-:T]/g, "");
    const executionId = await deps.starter.start(`auto-${minute}-${decision.targetShards}`, { targetShards: decision.targetShards });
    await deps.notifier.notify(
        decision.cappedByBudget ? "page" : "ticket",
        `Automatic reshard of ${s.streamName}: ${decision.fromShards} → ${decision.targetShards} shards${decision.cappedByBudget ? " (capped by the budget)" : ""}`,
        `Triggered by ${by}. ${decision.reason} Execution: ${executionId}. Reconcile \`stream.shards\` afterwards: docs/workflows.md#reconciling-with-the-stacks-config.`,
    );
    return { trigger, decision, executionId };
}
