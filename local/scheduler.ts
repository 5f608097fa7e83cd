/**
 * Local stand-in for the EventBridge schedules that start pond ETL: each job
 * runs on a fixed interval (parsed from the pond's `rate(...)` expression, or
 * overridden), never overlapping itself; `runNow` triggers one at once (and
 * waits for it); `stop` clears the timers and waits for running jobs.
 */

export interface ScheduledJob {
    readonly name: string;
    readonly intervalMs: number;
    readonly run: () => Promise<unknown>;
}

export interface JobStatus {
    runs: number;
    failures: number;
    lastError?: string;
    lastFinishedAt?: string;
    running: boolean;
}

export interface Scheduler {
    runNow(name: string): Promise<void>;
    status(): Record<string, JobStatus>;
    stop(): Promise<void>;
}

const UNITS: Record<string, number> = { minute: 60_000, minutes: 60_000, hour: 3_600_000, hours: 3_600_000, day: 86_400_000, days: 86_400_000 };

/** `rate(5 minutes)` → 300000 ms (EventBridge rate expressions; singular unit only with 1). */
export function parseRate(expr: string): number {
    const m = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(typeof expr === "string" ? expr.trim() : "");
    const n = m ? Number(m[1]) : NaN;
    if (!m || n < 1 || (n === 1) !== !m[2].endsWith("s")) {
        throw new Error(`schedule must be a rate expression such as "rate(1 hour)" or "rate(15 minutes)"; received ${JSON.stringify(expr)}.`);
    }
    return n * UNITS[m[2]];
}

export function startScheduler(jobs: readonly ScheduledJob[], log: (line: string) => void = () => undefined): Scheduler {
    const names = new Set<string>();
    for (const j of jobs) {
        if (names.has(j.name)) throw new Error(`job name ${JSON.stringify(j.name)} is used twice; job names must be unique.`);
        names.add(j.name);
        if (!Number.isInteger(j.intervalMs) || j.intervalMs < 100) throw new Error(`job ${JSON.stringify(j.name)}: \`intervalMs\` must be an integer >= 100; received ${String(j.intervalMs)}.`);
    }
    const status: Record<string, JobStatus> = Object.fromEntries(jobs.map((j) => [j.name, { runs: 0, failures: 0, running: false }]));
    const current = new Map<string, Promise<void>>();
    const timers: NodeJS.Timeout[] = [];
    let stopped = false;

    function trigger(job: ScheduledJob): Promise<void> {
        const existing = current.get(job.name);
        if (existing) return existing;
        const s = status[job.name];
        s.running = true;
        const p = (async () => {
            try {
                await job.run();
                s.runs++;
                delete s.lastError;
            } catch (err) {
                s.runs++;
                s.failures++;
                s.lastError = (err as Error)?.message ?? String(err);
                log(`schedule ${job.name}: run failed: ${s.lastError}`);
            } finally {
                s.running = false;
                s.lastFinishedAt = new Date().toISOString();
                current.delete(job.name);
            }
        })();
        current.set(job.name, p);
        return p;
    }

    for (const job of jobs) {
        const t = setInterval(() => {
            if (!stopped) void trigger(job);
        }, job.intervalMs);
        t.unref();
        timers.push(t);
    }

    return {
        runNow(name: string) {
            const job = jobs.find((j) => j.name === name);
            if (!job) throw new Error(`no scheduled job ${JSON.stringify(name)}; jobs: ${jobs.map((j) => j.name).join(", ") || "(none)"}.`);
            return trigger(job);
        },
        status: () => JSON.parse(JSON.stringify(status)) as Record<string, JobStatus>,
        async stop() {
            stopped = true;
            for (const t of timers) clearInterval(t);
            await Promise.all(current.values());
        },
    };
}
