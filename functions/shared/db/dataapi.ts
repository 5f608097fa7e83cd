/**
 * A thin wrapper over the RDS Data API (@aws-sdk/client-rds-data) used by every
 * function that talks to Aurora: named parameters from plain values, rows as
 * objects keyed by column name, transactions.
 *
 * The client's endpoint comes from the environment (`DATA_API_ENDPOINT`), so the
 * same code runs against AWS and the local Data API over PGlite.
 */
import {
    BatchExecuteStatementCommand,
    BeginTransactionCommand,
    ColumnMetadata,
    CommitTransactionCommand,
    ExecuteStatementCommand,
    Field,
    RDSDataClient,
    RDSDataClientConfig,
    RollbackTransactionCommand,
    SqlParameter,
    TypeHint,
} from "@aws-sdk/client-rds-data";

/** Where the database is and how to reach it. */
export interface DataApiTarget {
    readonly client: RDSDataClient;
    readonly resourceArn: string;
    readonly secretArn: string;
    readonly database: string;
}

/** A parameter value: plain values map to Data API fields; `{json}` and `{timestamp}` add type hints. */
export type ParamValue = string | number | boolean | null | undefined | { readonly json: unknown } | { readonly timestamp: string } | { readonly decimal: string };

export type Params = Record<string, ParamValue>;
export type Row = Record<string, unknown>;

/** Data API `TIMESTAMP` hint format: "YYYY-MM-DD HH:MM:SS[.fff]" in UTC. */
export function toDataApiTimestamp(iso: string): string {
    const d = new Date(iso);
    if (Number.isNaN(d.getTime())) throw new Error(`toDataApiTimestamp: not a timestamp (received ${JSON.stringify(iso)}).`);
    return d.toISOString().replace("T", " ").replace("Z", "");
}

/** Converts named plain values to Data API SqlParameters. */
export function toSqlParameters(params: Params = {}): SqlParameter[] {
    return Object.entries(params).map(([name, v]): SqlParameter => {
        if (v === null || v === undefined) return { name, value: { isNull: true } };
        if (typeof v === "string") return { name, value: { stringValue: v } };
        if (typeof v === "boolean") return { name, value: { booleanValue: v } };
        if (typeof v === "number") {
            if (!Number.isFinite(v)) throw new Error(`SQL parameter \`${name}\` must be a finite number (received ${v}).`);
            return Number.isInteger(v) ? { name, value: { longValue: v } } : { name, value: { doubleValue: v } };
        }
        if ("json" in v) return { name, value: { stringValue: JSON.stringify(v.json) }, typeHint: TypeHint.JSON };
        if ("timestamp" in v) return { name, value: { stringValue: toDataApiTimestamp(v.timestamp) }, typeHint: TypeHint.TIMESTAMP };
        return { name, value: { stringValue: v.decimal }, typeHint: TypeHint.DECIMAL };
    });
}

/** Size in bytes of the parameters as they travel in a request (JSON). */
export function parametersBytes(params: SqlParameter[]): number {
    return Buffer.byteLength(JSON.stringify(params), "utf8");
}

function fieldValue(f: Field): unknown {
    if (f.isNull) return null;
    if (f.stringValue !== undefined) return f.stringValue;
    if (f.longValue !== undefined) return Number(f.longValue);
    if (f.doubleValue !== undefined) return f.doubleValue;
    if (f.booleanValue !== undefined) return f.booleanValue;
    if (f.blobValue !== undefined) return f.blobValue;
    if (f.arrayValue !== undefined) {
        const a = f.arrayValue;
        return a.stringValues ?? a.longValues?.map(Number) ?? a.doubleValues ?? a.booleanValues ?? a.arrayValues ?? [];
    }
    return null;
}

/** Maps Data API records to objects using the column metadata. */
export function recordsToRows(records: Field[][] | undefined, columns: ColumnMetadata[] | undefined): Row[] {
    if (!records) return [];
    const names = (columns ?? []).map((c, i) => c.label ?? c.name ?? `col${i}`);
    return records.map((r) => Object.fromEntries(r.map((f, i) => [names[i] ?? `col${i}`, fieldValue(f)])));
}

export interface ExecuteResult {
    readonly rows: Row[];
    readonly numberOfRecordsUpdated: number;
}

/** Counters of Data API calls made through one DataApi (for metrics). */
export interface DataApiCallStats {
    calls: number;
    errors: number;
    /** Sum of call latencies in milliseconds. */
    totalMs: number;
    /** Slowest call in milliseconds. */
    maxMs: number;
}

/** Data API session bound to one database. */
export class DataApi {
    /** Cumulative call statistics; `takeStats()` reads and resets them. */
    private stats: DataApiCallStats = { calls: 0, errors: 0, totalMs: 0, maxMs: 0 };

    constructor(readonly target: DataApiTarget) {}

    /** Returns the call statistics since the last call and starts new ones. */
    takeStats(): DataApiCallStats {
        const s = this.stats;
        this.stats = { calls: 0, errors: 0, totalMs: 0, maxMs: 0 };
        return s;
    }

    private async timed<T>(call: () => Promise<T>): Promise<T> {
        const started = performance.now();
        try {
            return await call();
        } catch (e) {
            this.stats.errors++;
            throw e;
        } finally {
            const ms = performance.now() - started;
            this.stats.calls++;
            this.stats.totalMs += ms;
            if (ms > this.stats.maxMs) this.stats.maxMs = ms;
        }
    }

    private base() {
        return { resourceArn: this.target.resourceArn, secretArn: this.target.secretArn, database: this.target.database };
    }

    /** One statement; rows come back as objects. */
    async execute(sql: string, params: Params = {}, transactionId?: string): Promise<ExecuteResult> {
        const out = await this.timed(() =>
            this.target.client.send(
                new ExecuteStatementCommand({
                    ...this.base(),
                    sql,
                    parameters: toSqlParameters(params),
                    includeResultMetadata: true,
                    transactionId,
                }),
            ),
        );
        return { rows: recordsToRows(out.records, out.columnMetadata), numberOfRecordsUpdated: Number(out.numberOfRecordsUpdated ?? 0) };
    }

    /** Shorthand for `execute(...).rows`. */
    async query<T extends Row = Row>(sql: string, params: Params = {}, transactionId?: string): Promise<T[]> {
        return (await this.execute(sql, params, transactionId)).rows as T[];
    }

    /** One statement, many parameter sets (no result rows). Empty sets do nothing. */
    async batchExecute(sql: string, parameterSets: Params[], transactionId?: string): Promise<number> {
        if (parameterSets.length === 0) return 0;
        const out = await this.timed(() =>
            this.target.client.send(
                new BatchExecuteStatementCommand({
                    ...this.base(),
                    sql,
                    parameterSets: parameterSets.map((p) => toSqlParameters(p)),
                    transactionId,
                }),
            ),
        );
        return out.updateResults?.length ?? 0;
    }

    async begin(): Promise<string> {
        const out = await this.timed(() => this.target.client.send(new BeginTransactionCommand(this.base())));
        if (!out.transactionId) throw new Error("BeginTransaction returned no transactionId.");
        return out.transactionId;
    }

    async commit(transactionId: string): Promise<void> {
        await this.timed(() => this.target.client.send(new CommitTransactionCommand({ resourceArn: this.target.resourceArn, secretArn: this.target.secretArn, transactionId })));
    }

    async rollback(transactionId: string): Promise<void> {
        await this.timed(() => this.target.client.send(new RollbackTransactionCommand({ resourceArn: this.target.resourceArn, secretArn: this.target.secretArn, transactionId })));
    }

    /** Runs `fn` in a transaction: commit on success, rollback (and rethrow) on error. */
    async transaction<T>(fn: (transactionId: string) => Promise<T>): Promise<T> {
        const tx = await this.begin();
        let result: T;
        try {
            result = await fn(tx);
        } catch (e) {
            try {
                await this.rollback(tx);
            } catch {
                // The original error matters more; the transaction times out anyway.
            }
            throw e;
        }
        await this.commit(tx);
        return result;
    }
}

/** Environment variables every Data API function reads. */
export interface DataApiEnv {
    readonly DB_CLUSTER_ARN?: string;
    readonly DB_SECRET_ARN?: string;
    readonly DB_NAME?: string;
    /** Overrides the Data API endpoint (local platform, tests). */
    readonly DATA_API_ENDPOINT?: string;
    readonly AWS_REGION?: string;
}

/** Builds a DataApi from the environment; names each missing variable. */
export function dataApiFromEnv(env: DataApiEnv = process.env, clientConfig: RDSDataClientConfig = {}): DataApi {
    const missing = (["DB_CLUSTER_ARN", "DB_SECRET_ARN", "DB_NAME"] as const).filter((k) => !env[k]);
    if (missing.length > 0) {
        throw new Error(`Data API configuration: environment variable(s) ${missing.map((m) => `\`${m}\``).join(", ")} must be set (received none).`);
    }
    const client = new RDSDataClient({
        region: env.AWS_REGION ?? "us-east-1",
        ...(env.DATA_API_ENDPOINT ? { endpoint: env.DATA_API_ENDPOINT } : {}),
        ...clientConfig,
    });
    return new DataApi({ client, resourceArn: env.DB_CLUSTER_ARN!, secretArn: env.DB_SECRET_ARN!, database: env.DB_NAME! });
}
