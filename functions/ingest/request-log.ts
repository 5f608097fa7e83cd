/**
 * fastify's per-request logger without a pino child per request (pure; no I/O).
 *
 * fastify gives every request `request.log`, by default
 * `logger.child({reqId}, {level: <the route's logLevel>})`: a pino child
 * (bindings serialised, level set) for each request, although the ingestion
 * routes log at `warn` and a request that goes well logs nothing. This
 * factory hands out a stand-in with the same level and methods that creates
 * that exact child on the first call that would write a line (or on `child`,
 * or when the level is set), so the lines a request logs are the same bytes,
 * `reqId` included, and a request that logs nothing builds nothing.
 */
import type { FastifyBaseLogger } from "fastify";
import type { Bindings, ChildLoggerOptions } from "pino";

type ChildOptions = ChildLoggerOptions<never>;
type Method = "trace" | "debug" | "info" | "warn" | "error" | "fatal";

/** pino's numeric levels (its defaults; a logger with custom levels brings its own `levels.values`). */
const DEFAULT_VALUES: Readonly<Record<string, number>> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60, silent: Infinity };

function valuesOf(logger: FastifyBaseLogger): Readonly<Record<string, number>> {
    const v = (logger as { levels?: { values?: Record<string, number> } }).levels?.values;
    return v ?? DEFAULT_VALUES;
}

class LazyChildLogger implements FastifyBaseLogger {
    private real: FastifyBaseLogger | undefined;
    /** The level this logger writes at, fixed until `level` is set (which creates the child). */
    private readonly threshold: number;

    constructor(
        private readonly parent: FastifyBaseLogger,
        private readonly bindings: Bindings,
        private readonly opts: ChildOptions,
    ) {
        const values = valuesOf(parent);
        const level = opts.level ?? parent.level;
        // An unknown level name: leave every decision to pino (always create the child).
        this.threshold = values[level] ?? -Infinity;
    }

    private child_(): FastifyBaseLogger {
        return (this.real ??= this.parent.child(this.bindings, this.opts));
    }

    get level(): string {
        return this.real?.level ?? this.opts.level ?? this.parent.level;
    }

    set level(value: string) {
        this.child_().level = value;
    }

    private write(method: Method, args: unknown[]): void {
        if (this.real === undefined && valuesOf(this.parent)[method] < this.threshold) return;
        (this.child_()[method] as (...a: unknown[]) => void)(...args);
    }

    trace(...args: unknown[]): void {
        this.write("trace", args);
    }
    debug(...args: unknown[]): void {
        this.write("debug", args);
    }
    info(...args: unknown[]): void {
        this.write("info", args);
    }
    warn(...args: unknown[]): void {
        this.write("warn", args);
    }
    error(...args: unknown[]): void {
        this.write("error", args);
    }
    fatal(...args: unknown[]): void {
        this.write("fatal", args);
    }
    silent(): void {}

    child(bindings: Bindings, options?: ChildOptions): FastifyBaseLogger {
        return this.child_().child(bindings, options);
    }
}

/** fastify `childLoggerFactory`: the request's child logger, created only when something is logged. */
export function lazyChildLogger(logger: FastifyBaseLogger, bindings: Bindings, opts: ChildOptions): FastifyBaseLogger {
    return new LazyChildLogger(logger, bindings, opts);
}
