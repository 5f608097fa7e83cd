/**
 * Replay input validation and window planning (pure).
 *
 * A replay of [from, to] reads the stream for the part of the window still
 * inside its retention and the lake for the part before it. The lake is
 * partitioned by event time (`occurredAt`), the stream by arrival time; the
 * downstream processor is idempotent (eventId), so the small overlap the
 * planner keeps at the boundary (`boundaryOverlapMs`) can only re-deliver,
 * never double count, and closes the gap between the two clocks.
 *
 * A replay can never double count: the processor remembers the identities it
 * counted for `processedRetentionHours` (PROCESSED_EVENTS_RETENTION_HOURS), so
 * a window that starts before that horizon (less a margin for the replay's own
 * run time) is refused with an error saying so; rebuilding such a window is
 * `npm run ops -- recompute` (functions/workflows/replay-recompute.ts).
 *
 * The ops CLI runs the same function before it starts anything, so bad input
 * fails on the operator's terminal, and the workflow's first task runs it
 * again (executions can be started by other means).
 */
import { FieldName, WorkflowError, inputField, show } from "./errors";

export interface ReplayInput {
    readonly from?: unknown;
    readonly to?: unknown;
    readonly target?: unknown;
}

export interface ReplayLimits {
    /** Current time. */
    readonly now: Date;
    /** Stream retention, hours. */
    readonly retentionHours: number;
    /** Whether a lake is configured to replay from beyond retention. */
    readonly lakeAvailable: boolean;
    /** How far back the lake keeps data, days. @default - forever */
    readonly lakeRetentionDays?: number;
    /** Replay targets that exist (e.g. ["analytics"]). */
    readonly targets: readonly string[];
    /**
     * Records this close to expiring are read from the lake instead, so a
     * shard iterator never points at trimmed data. @default 300000 (5 min)
     */
    readonly expiryMarginMs?: number;
    /** How far the lake window reaches past the retention boundary. @default 3600000 (1 h) */
    readonly boundaryOverlapMs?: number;
    /** Longest lake window, days (bounds the Map's item count). @default 31 */
    readonly maxLakeWindowDays?: number;
    /**
     * How long the processor keeps the identities it counted
     * (PROCESSED_EVENTS_RETENTION_HOURS). @default - retentionHours + 24, as the stack sets it
     */
    readonly processedRetentionHours?: number;
}

/** A replay must start this long after the processed-id horizon: the ids of its window outlive its run. */
export const PROCESSED_RETENTION_MARGIN_MS = 3_600_000;

export interface TimeWindow {
    readonly from: string;
    readonly to: string;
}

export interface ReplayPlanWindow {
    readonly from: string;
    readonly to: string;
    readonly target: string;
    /** Part read from the stream (AT_TIMESTAMP). */
    readonly stream?: TimeWindow;
    /** Part read from the lake's objects. */
    readonly lake?: TimeWindow;
}

export const DEFAULT_REPLAY_TARGET = "analytics";

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

function bad(message: string): never {
    throw new WorkflowError("InvalidReplayInput", message);
}

/** Parses an ISO-8601 timestamp with an offset or Z; errors name the field. */
export function parseTimestamp(field: string, value: unknown, name: FieldName = inputField): Date {
    if (typeof value !== "string" || !ISO.test(value) || Number.isNaN(Date.parse(value))) {
        bad(`${name(field)} must be an ISO-8601 timestamp with an offset or Z, such as "2026-11-22T10:00:00Z" (received ${show(value)}).`);
    }
    return new Date(Date.parse(value));
}

/** Validates a replay request and splits it into stream and lake windows. */
export function planReplayWindow(input: ReplayInput, limits: ReplayLimits, name: FieldName = inputField): ReplayPlanWindow {
    if (typeof input !== "object" || input === null || Array.isArray(input)) {
        bad(`replay input must be an object {from, to, target} (received ${show(input)}).`);
    }
    const from = parseTimestamp("from", input.from, name);
    const to = parseTimestamp("to", input.to, name);
    const target = input.target ?? DEFAULT_REPLAY_TARGET;
    if (typeof target !== "string" || !limits.targets.includes(target)) {
        bad(`${name("target")} must be one of ${limits.targets.map((t) => `"${t}"`).join(", ")} (received ${show(input.target)}).`);
    }
    if (from.getTime() >= to.getTime()) {
        bad(`the time range is inverted or empty: ${name("from")} (${from.toISOString()}) must be before ${name("to")} (${to.toISOString()}).`);
    }
    const now = limits.now.getTime();
    if (from.getTime() >= now) {
        bad(`the time range is in the future: ${name("from")} (${from.toISOString()}) is after now (${limits.now.toISOString()}); nothing has been written yet.`);
    }
    const processedHours = limits.processedRetentionHours ?? limits.retentionHours + 24;
    const processedStart = now - processedHours * 3_600_000 + PROCESSED_RETENTION_MARGIN_MS;
    const refuseTooOld = () => {
        if (from.getTime() < processedStart) {
            throw new WorkflowError(
                "InvalidReplayInput",
                `${name("from")} (${from.toISOString()}) is older than the processor's ${processedHours} h memory of counted events (PROCESSED_EVENTS_RETENTION_HOURS, less 1 h for the replay to run; oldest replayable: ${new Date(processedStart).toISOString()}): replaying it would count its events twice. Rebuild that window's aggregates with \`npm run ops -- recompute --from ... --to ...\` instead.`,
            );
        }
    };
    const end = Math.min(to.getTime(), now);
    const margin = limits.expiryMarginMs ?? 5 * 60_000;
    const retentionStart = now - limits.retentionHours * 3_600_000 + margin;
    const overlap = limits.boundaryOverlapMs ?? 3_600_000;
    const base = { from: from.toISOString(), to: new Date(end).toISOString(), target };
    if (from.getTime() >= retentionStart) {
        refuseTooOld();
        return { ...base, stream: { from: base.from, to: base.to } };
    }
    // Part (or all) of the window is beyond the stream's retention.
    if (!limits.lakeAvailable) {
        bad(`${name("from")} (${from.toISOString()}) is beyond the stream's ${limits.retentionHours} h retention (oldest replayable: ${new Date(retentionStart).toISOString()}) and no lake is configured to replay from.`);
    }
    if (limits.lakeRetentionDays !== undefined) {
        const lakeStart = now - limits.lakeRetentionDays * 86_400_000;
        if (from.getTime() < lakeStart) {
            bad(`${name("from")} (${from.toISOString()}) is beyond the stream's ${limits.retentionHours} h retention and the lake's ${limits.lakeRetentionDays} day retention (oldest replayable: ${new Date(lakeStart).toISOString()}).`);
        }
    }
    refuseTooOld();
    const lakeEnd = Math.min(end, retentionStart + overlap);
    const maxDays = limits.maxLakeWindowDays ?? 31;
    if (lakeEnd - from.getTime() > maxDays * 86_400_000) {
        bad(`the part of the range read from the lake (${from.toISOString()} to ${new Date(lakeEnd).toISOString()}) is longer than ${maxDays} days; split the replay into several runs.`);
    }
    return {
        ...base,
        lake: { from: base.from, to: new Date(lakeEnd).toISOString() },
        ...(end > retentionStart ? { stream: { from: new Date(retentionStart).toISOString(), to: base.to } } : {}),
    };
}

/** `dt=YYYY-MM-DD/hour=HH` partitions (UTC, event time) that overlap a window. */
export function lakeHours(window: TimeWindow): { dt: string; hour: string }[] {
    const out: { dt: string; hour: string }[] = [];
    const start = Math.floor(Date.parse(window.from) / 3_600_000) * 3_600_000;
    const end = Date.parse(window.to);
    for (let t = start; t <= end; t += 3_600_000) {
        const iso = new Date(t).toISOString();
        out.push({ dt: iso.slice(0, 10), hour: iso.slice(11, 13) });
    }
    return out;
}
