/**
 * How often an EventBridge Scheduler expression fires, for freshness alarms:
 * "the newest output is older than the schedule plus a grace period" becomes
 * "no successful run in the last (longest gap between two runs + grace)".
 *
 * `rate(N unit)` is N units; `cron(min hour day-of-month month day-of-week year)`
 * is evaluated minute by minute over 62 days (UTC; a timezone shifts every run
 * alike) and the longest gap between consecutive runs is taken, so
 * `cron(0 8 ? * MON-FRI *)` is 3 days (Friday to Monday). Supported cron syntax:
 * `*`, `?`, values, ranges `a-b`, lists `a,b`, steps `a/n` and `*\/n`, month and
 * weekday names; `L`, `W` and `#` are not (a clear error says so). `at(...)`
 * (one run) has no interval: undefined.
 */

const RATE = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/;
const UNIT_SECONDS: Record<string, number> = { minute: 60, minutes: 60, hour: 3600, hours: 3600, day: 86400, days: 86400 };
const MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const DAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

/** The set of allowed values of one cron field (undefined = any). */
function field(expr: string, text: string, what: string, min: number, max: number, names: string[] = [], nameBase = 1): Set<number> | undefined {
    if (text === "*" || text === "?") return undefined;
    if (/[LW#]/.test(text)) throw new Error(`schedule ${JSON.stringify(expr)}: the ${what} field ${JSON.stringify(text)} uses L, W or #, which the freshness alarm cannot evaluate; give the deadline explicitly.`);
    const value = (v: string): number => {
        const byName = names.indexOf(v.toUpperCase());
        const n = byName >= 0 ? byName + nameBase : Number(v);
        if (!Number.isInteger(n) || n < min || n > max) throw new Error(`schedule ${JSON.stringify(expr)}: the ${what} field has ${JSON.stringify(v)}, not a value from ${min} to ${max}.`);
        return n;
    };
    const out = new Set<number>();
    for (const part of text.split(",")) {
        const [range, stepText] = part.split("/");
        const step = stepText === undefined ? 1 : Number(stepText);
        if (!Number.isInteger(step) || step < 1) throw new Error(`schedule ${JSON.stringify(expr)}: the ${what} field has step ${JSON.stringify(stepText)}, not a positive integer.`);
        let lo: number;
        let hi: number;
        if (range === "*") [lo, hi] = [min, max];
        else if (range.includes("-")) [lo, hi] = range.split("-").map(value) as [number, number];
        else [lo, hi] = [value(range), stepText === undefined ? value(range) : max];
        for (let n = lo; n <= hi; n += step) out.add(n);
    }
    return out;
}

/** Longest gap in seconds between two runs of a Scheduler expression; undefined for `at(...)`. */
export function scheduleIntervalSeconds(expr: string): number | undefined {
    const s = expr.trim();
    if (/^at\(.+\)$/.test(s)) return undefined;
    const rate = RATE.exec(s);
    if (rate) return Number(rate[1]) * UNIT_SECONDS[rate[2]];
    const cron = /^cron\((.+)\)$/.exec(s);
    if (!cron) throw new Error(`schedule ${JSON.stringify(expr)} is not a rate(...), cron(...) or at(...) expression.`);
    const parts = cron[1].trim().split(/\s+/);
    if (parts.length !== 6) throw new Error(`schedule ${JSON.stringify(expr)}: a cron expression has 6 fields (minutes hours day-of-month month day-of-week year); received ${parts.length}.`);
    const [mins, hours, dom, months, dow] = [
        field(s, parts[0], "minutes", 0, 59),
        field(s, parts[1], "hours", 0, 23),
        field(s, parts[2], "day-of-month", 1, 31),
        field(s, parts[3], "month", 1, 12, MONTHS),
        field(s, parts[4], "day-of-week", 1, 7, DAYS),
    ];
    const start = Date.UTC(2026, 0, 1);
    const end = start + 62 * 86400_000;
    const fires: number[] = [];
    for (let t = start; t < end; t += 60_000) {
        const d = new Date(t);
        if (mins && !mins.has(d.getUTCMinutes())) continue;
        if (hours && !hours.has(d.getUTCHours())) continue;
        if (dom && !dom.has(d.getUTCDate())) continue;
        if (months && !months.has(d.getUTCMonth() + 1)) continue;
        if (dow && !dow.has(d.getUTCDay() + 1)) continue;
        fires.push(t);
    }
    if (fires.length < 2) throw new Error(`schedule ${JSON.stringify(expr)} runs less than twice in 62 days; a freshness deadline cannot be derived from it.`);
    let gap = 0;
    for (let i = 1; i < fires.length; i++) gap = Math.max(gap, fires[i] - fires[i - 1]);
    return gap / 1000;
}

/** CloudWatch evaluates at most 7 days of datapoints for one alarm. */
export const MAX_ALARM_EVALUATION_SECONDS = 7 * 86400;

/**
 * Period and count of datapoints that together cover a freshness deadline:
 * 5-minute periods up to 6 hours, hourly beyond (at most 7 days).
 */
export function freshnessWindow(deadlineSeconds: number): { periodSeconds: number; evaluationPeriods: number } {
    if (!Number.isFinite(deadlineSeconds) || deadlineSeconds < 300 || deadlineSeconds > MAX_ALARM_EVALUATION_SECONDS) {
        throw new Error(`a freshness deadline must be between 300 and ${MAX_ALARM_EVALUATION_SECONDS} seconds (CloudWatch evaluates at most 7 days); received ${deadlineSeconds}.`);
    }
    const periodSeconds = deadlineSeconds <= 6 * 3600 ? 300 : 3600;
    return { periodSeconds, evaluationPeriods: Math.ceil(deadlineSeconds / periodSeconds) };
}
