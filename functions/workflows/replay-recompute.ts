/**
 * Recompute: rebuilds the real-time aggregates of a window of event time from
 * the lake, after a bug in a consumer (the "time range replay for downstream
 * issue remediation"), for ANY window the lake holds, however old: unlike a
 * replay it does not rely on the processor remembering what it counted.
 *
 * For [from, to) (whole UTC hours of occurredAt, at most 7 days):
 * 1. delete the window's route-minute counters and offer price statistics,
 *    its counted identities (processed_events rows and the identity_digests
 *    of its event hours) and its booking and cancellation events (noting
 *    their booking ids); the stream's record claims stay: a replay from the
 *    stream of the window's records is then skipped (recompute counted them
 *    from the lake), and a record never claimed meets the rebuilt identities;
 * 2. write the window's lake events again with the processor's own writer
 *    (writer.ts: identity gate, counters, booking state);
 * 3. recompute every booking id whose events were deleted (its state is a
 *    function of its stored events, docs/analytics.md).
 * Alerts and deal flags already raised are kept (both are once per key).
 * Reads during the run see the window partly rebuilt; `to` must be at least
 * `minAgeMinutes` old so the lake holds every event of the window.
 */
import { DataApi } from "../shared/db/dataapi";
import { FlightEvent, validateEvent } from "../shared/events";
import { recomputeBookings, writeEvents, WriteStats } from "../processor/writer";
import { FieldName, WorkflowError, inputField } from "./errors";
import { parseTimestamp } from "./replay-window";

export interface RecomputeWindow {
    readonly from: string;
    readonly to: string;
}

export const RECOMPUTE_MAX_DAYS = 7;

/** Validates a recompute window; errors name the option. */
export function planRecompute(input: { from?: unknown; to?: unknown }, now: Date, minAgeMinutes = 60, field: FieldName = inputField): RecomputeWindow {
    const from = parseTimestamp("from", input.from, field);
    const to = parseTimestamp("to", input.to, field);
    const bad = (m: string): never => {
        throw new WorkflowError("InvalidReplayInput", m);
    };
    for (const [name, t] of [
        ["from", from],
        ["to", to],
    ] as const) {
        if (t.getTime() % 3_600_000 !== 0) bad(`${field(name)} must be a whole UTC hour such as "2026-11-22T08:00:00Z" (the lake is partitioned by hour) (received ${JSON.stringify(input[name])}).`);
    }
    if (from >= to) bad(`the time range is inverted or empty: ${field("from")} (${from.toISOString()}) must be before ${field("to")} (${to.toISOString()}).`);
    if (to.getTime() - from.getTime() > RECOMPUTE_MAX_DAYS * 86_400_000) bad(`a recompute covers at most ${RECOMPUTE_MAX_DAYS} days (received ${from.toISOString()} to ${to.toISOString()}); split it.`);
    const latest = now.getTime() - minAgeMinutes * 60_000;
    if (to.getTime() > latest) {
        bad(`${field("to")} (${to.toISOString()}) must be at least ${minAgeMinutes} minutes old (at most ${new Date(latest).toISOString()}), so the lake holds every event of the window.`);
    }
    return { from: from.toISOString(), to: to.toISOString() };
}

export const DELETE_WINDOW = [
    "DELETE FROM route_minute_stats WHERE minute >= CAST(:from AS timestamptz) AND minute < CAST(:to AS timestamptz)",
    "DELETE FROM offer_price_stats WHERE minute >= CAST(:from AS timestamptz) AND minute < CAST(:to AS timestamptz)",
    "DELETE FROM processed_events WHERE occurred_at >= CAST(:from AS timestamptz) AND occurred_at < CAST(:to AS timestamptz)",
    // Digest rows hold one event hour each, and the window is whole hours.
    "DELETE FROM identity_digests WHERE event_hour >= CAST(:from AS timestamptz) AND event_hour < CAST(:to AS timestamptz)",
];
const WINDOW_BOOKING_IDS = `SELECT booking_id FROM booking_events WHERE occurred_at >= CAST(:from AS timestamptz) AND occurred_at < CAST(:to AS timestamptz)
UNION SELECT booking_id FROM cancellation_events WHERE occurred_at >= CAST(:from AS timestamptz) AND occurred_at < CAST(:to AS timestamptz)`;
const DELETE_WINDOW_EVENTS = [
    "DELETE FROM booking_events WHERE occurred_at >= CAST(:from AS timestamptz) AND occurred_at < CAST(:to AS timestamptz)",
    "DELETE FROM cancellation_events WHERE occurred_at >= CAST(:from AS timestamptz) AND occurred_at < CAST(:to AS timestamptz)",
];

export interface RecomputeResult extends RecomputeWindow {
    /** Lake lines read for the window. */
    readonly lakeEvents: number;
    /** Lines that are not valid events (kept out, as the processor would). */
    readonly invalid: number;
    readonly stats: WriteStats;
    readonly bookingsRecomputed: number;
}

/** Rebuilds a window's aggregates from its lake lines (JSON text, one event each). */
export async function recomputeWindow(db: DataApi, window: RecomputeWindow, lines: readonly string[]): Promise<RecomputeResult> {
    const from = Date.parse(window.from);
    const to = Date.parse(window.to);
    const events: FlightEvent[] = [];
    let invalid = 0;
    for (const line of lines) {
        let value: unknown;
        try {
            value = JSON.parse(line);
        } catch {
            invalid++;
            continue;
        }
        const r = validateEvent(value);
        if (!r.ok) {
            invalid++;
            continue;
        }
        const t = Date.parse(r.value.occurredAt);
        if (t >= from && t < to) events.push(r.value);
    }
    const params = { from: window.from, to: window.to };
    const touched = await db.transaction(async (tx) => {
        const ids = (await db.query<{ booking_id: string }>(WINDOW_BOOKING_IDS, params, tx)).map((r) => String(r.booking_id));
        for (const sql of [...DELETE_WINDOW, ...DELETE_WINDOW_EVENTS]) await db.execute(sql, params, tx);
        return ids;
    });
    const stats = await writeEvents(db, events);
    const recomputed = touched.length === 0 ? { recomputed: 0 } : await db.transaction((tx) => recomputeBookings(db, [], [], tx, {}, touched));
    return { ...window, lakeEvents: lines.length, invalid, stats, bookingsRecomputed: recomputed.recomputed };
}
