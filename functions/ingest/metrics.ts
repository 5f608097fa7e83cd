/**
 * CloudWatch embedded metric format (EMF) for a long-running service.
 *
 * Powertools Metrics targets Lambda invocations (flush per invocation); a
 * Fargate service needs periodic flushing, so this module writes EMF JSON lines
 * itself: counters are summed and latencies collected (up to 100 values per
 * line, the EMF limit) between flushes; gauges are sampled at flush time.
 * CloudWatch Logs (awslogs driver) turns every line carrying `_aws` into metrics.
 */

export type MetricUnit = "Count" | "Milliseconds" | "None";

export interface EmfOptions {
    /** CloudWatch namespace. */
    readonly namespace: string;
    /** Dimensions on every metric, e.g. { Service: "ingest", StreamName: "..." }. */
    readonly dimensions: Readonly<Record<string, string>>;
    /** Where lines go. @default process.stdout.write */
    readonly write?: (line: string) => void;
    /** Clock for the `_aws.Timestamp`. @default Date.now */
    readonly now?: () => number;
}

/** Largest number of values one EMF metric may carry. */
export const EMF_MAX_VALUES = 100;

export class EmfMetrics {
    private readonly counters = new Map<string, number>();
    private readonly observations = new Map<string, { unit: MetricUnit; values: number[] }>();
    private readonly gauges = new Map<string, () => number>();
    private readonly write: (line: string) => void;
    private readonly now: () => number;

    constructor(private readonly opts: EmfOptions) {
        this.write = opts.write ?? ((line) => process.stdout.write(line));
        this.now = opts.now ?? Date.now;
    }

    /** Adds `n` to a counter (unit Count). */
    count(name: string, n = 1): void {
        this.counters.set(name, (this.counters.get(name) ?? 0) + n);
    }

    /** Records one value of a distribution (e.g. latency in ms). */
    observe(name: string, value: number, unit: MetricUnit = "Milliseconds"): void {
        const o = this.observations.get(name) ?? { unit, values: [] };
        o.values.push(value);
        this.observations.set(name, o);
        if (o.values.length >= EMF_MAX_VALUES) this.flush();
    }

    /** A value read at every flush (e.g. queue depth). */
    gauge(name: string, read: () => number): void {
        this.gauges.set(name, read);
    }

    /** Writes one EMF line with everything collected since the last flush (gauges always). */
    flush(): void {
        const metrics: { Name: string; Unit: MetricUnit }[] = [];
        const values: Record<string, number | number[]> = {};
        for (const [name, n] of this.counters) {
            metrics.push({ Name: name, Unit: "Count" });
            values[name] = n;
        }
        for (const [name, o] of this.observations) {
            if (o.values.length === 0) continue;
            metrics.push({ Name: name, Unit: o.unit });
            values[name] = o.values.length === 1 ? o.values[0] : o.values.slice(0, EMF_MAX_VALUES);
        }
        for (const [name, read] of this.gauges) {
            metrics.push({ Name: name, Unit: "Count" });
            values[name] = read();
        }
        this.counters.clear();
        this.observations.clear();
        if (metrics.length === 0) return;
        const line = {
            _aws: {
                Timestamp: this.now(),
                CloudWatchMetrics: [{ Namespace: this.opts.namespace, Dimensions: [Object.keys(this.opts.dimensions)], Metrics: metrics }],
            },
            ...this.opts.dimensions,
            ...values,
        };
        this.write(`${JSON.stringify(line)}\n`);
    }
}

/** Metric names the service emits (the component's dashboards and alarms may read them). */
export const METRIC = {
    accepted: "EventsAccepted",
    rejected: "EventsRejected",
    requestsShed: "RequestsShed",
    queueDepth: "QueueDepthEvents",
    putRecordsLatency: "PutRecordsLatency",
    retries: "UserRecordRetries",
    failed: "EventsFailed",
    duplicates: "DuplicateEventsSkipped",
    /** Events refused with 409: their identity (source, eventId) was already used with other content. */
    conflicts: "IdentityConflicts",
    /** Identities the idempotency window forgot before their window because IDEMPOTENCY_MAX_ENTRIES was reached. */
    earlyEvictions: "IdempotencyEarlyEvictions",
    /** Requests refused with 401 (no key, unknown, expired or revoked key). */
    unauthorized: "RequestsUnauthorized",
    /** Requests refused with 403 (an event's source is not the key's). */
    forbidden: "RequestsForbidden",
    /** Requests whose body did not arrive within the body-read deadline (408). */
    bodyTimeouts: "BodyReadTimeouts",
    /** Failed reloads of the key store (the last good document stays in use). */
    keyReloadFailures: "KeyStoreReloadFailures",
} as const;
