/**
 * The RDS Data API operations over one SqlEngine connection, independent of
 * HTTP. One connection means: statements are queued and run one at a time; a
 * transaction holds the connection from BeginTransaction to Commit/Rollback
 * (or its 3-minute idle expiry), and other callers wait for it (up to the
 * statement timeout, then StatementTimeoutException). That gives transactions
 * full isolation; reads outside a transaction wait instead of seeing the
 * last committed state as PostgreSQL MVCC would.
 */
import { randomBytes } from "crypto";
import type { EngineParam, EngineResult, SourceColumn, SqlEngine, TypeInfo } from "./engine";
import { DataApiError, badRequest, databaseError, isPgError } from "./errors";
import { rewriteNamedParameters } from "./sql";
import { ARN_PATTERNS } from "../../functions/shared/arn";
import { ColumnMetadataJson, FieldJson, ResultOptions, SqlParameterJson, columnMetadata, toEngineParam, toField, toJsonValue } from "./values";

export const DATA_API_LIMITS = {
    /** Result set size the service returns at most. */
    responseBytes: 1024 * 1024,
    /** Size of one row of a result set. */
    rowBytes: 64 * 1024,
    /** BatchExecuteStatement request size. */
    batchRequestBytes: 4 * 1024 * 1024,
    /** Length of `sql`. */
    sqlChars: 65536,
} as const;

export interface DataApiServiceOptions {
    readonly engine: SqlEngine;
    readonly resourceArn: string;
    readonly secretArn: string;
    readonly database: string;
    /** A transaction not used for this long is rolled back. @default 180000 (3 minutes, as the service) */
    readonly transactionIdleTimeoutMs?: number;
    /** How long a call may wait for the connection before StatementTimeoutException. @default 45000 */
    readonly statementTimeoutMs?: number;
}

interface CommonRequest {
    resourceArn?: string;
    secretArn?: string;
    database?: string;
    schema?: string;
    transactionId?: string;
}

export interface ExecuteStatementRequest extends CommonRequest {
    sql?: string;
    parameters?: SqlParameterJson[];
    includeResultMetadata?: boolean;
    continueAfterTimeout?: boolean;
    resultSetOptions?: { decimalReturnType?: string; longReturnType?: string };
    formatRecordsAs?: string;
}

export interface ExecuteStatementResponse {
    records?: FieldJson[][];
    columnMetadata?: ColumnMetadataJson[];
    numberOfRecordsUpdated: number;
    generatedFields?: FieldJson[];
    formattedRecords?: string;
}

export interface BatchExecuteStatementRequest extends CommonRequest {
    sql?: string;
    parameterSets?: SqlParameterJson[][];
}

export interface BatchExecuteStatementResponse {
    updateResults: { generatedFields: FieldJson[] }[];
}

/** FIFO mutex for the single connection. */
class ConnectionLock {
    private held = false;
    private readonly waiters: Array<{ grant: () => void }> = [];

    acquire(timeoutMs: number, onTimeout: () => Error): Promise<() => void> {
        return new Promise((resolve, reject) => {
            let released = false;
            const release = () => {
                if (released) return;
                released = true;
                const next = this.waiters.shift();
                if (next) next.grant();
                else this.held = false;
            };
            if (!this.held) {
                this.held = true;
                resolve(release);
                return;
            }
            const waiter = {
                grant: () => {
                    clearTimeout(timer);
                    resolve(release);
                },
            };
            const timer = setTimeout(() => {
                const i = this.waiters.indexOf(waiter);
                if (i !== -1) this.waiters.splice(i, 1);
                reject(onTimeout());
            }, timeoutMs);
            timer.unref?.();
            this.waiters.push(waiter);
        });
    }
}

interface OpenTransaction {
    readonly id: string;
    release: () => void;
    timer?: NodeJS.Timeout;
    /** Calls on one transaction run one after another. */
    chain: Promise<unknown>;
    busy: number;
}

const TX_CONTROL = /^\s*(begin|start\s+transaction|commit|end|rollback|abort|savepoint|release|prepare\s+transaction)\b/i;

export class DataApiService {
    private readonly lock = new ConnectionLock();
    private readonly open = new Map<string, OpenTransaction>();
    private readonly ended = new Map<string, string>();
    private readonly idleMs: number;
    private readonly statementTimeoutMs: number;
    private closed = false;

    constructor(private readonly opts: DataApiServiceOptions) {
        this.idleMs = opts.transactionIdleTimeoutMs ?? 180000;
        this.statementTimeoutMs = opts.statementTimeoutMs ?? 45000;
    }

    // ---- operations ------------------------------------------------------------

    async executeStatement(req: ExecuteStatementRequest): Promise<ExecuteStatementResponse> {
        this.checkTarget(req, true);
        const sql = this.checkSql(req.sql);
        const format = req.formatRecordsAs ?? "NONE";
        if (format !== "NONE" && format !== "JSON") {
            throw badRequest(`Invalid formatRecordsAs ${JSON.stringify(format)}: allowed values are NONE, JSON.`);
        }
        const resultOptions = this.resultOptions(req.resultSetOptions);
        const parameters = req.parameters ?? [];
        if (!Array.isArray(parameters)) throw badRequest("Invalid parameters: expected a list of SqlParameter.");
        const { text, params } = this.bind(sql, parameters);
        const metadata = req.includeResultMetadata === true;
        // Catalog lookups run on the connection together with the statement (inside its transaction, if any).
        const { result, types, sources } = await this.run(req.transactionId, async (engine) => {
            const r = await engine.query(text, params);
            const t = r.fields.length > 0 ? await engine.types(r.fields.map((f) => f.typeOid)) : new Map<number, TypeInfo>();
            const src = metadata && r.fields.length > 0 ? await engine.sourceColumns(r.fields) : new Map<string, SourceColumn>();
            return { result: r, types: t, sources: src };
        });
        return this.buildResponse(result, types, sources, format === "JSON", metadata, resultOptions);
    }

    async batchExecuteStatement(req: BatchExecuteStatementRequest): Promise<BatchExecuteStatementResponse> {
        this.checkTarget(req, true);
        const sql = this.checkSql(req.sql);
        const sets = req.parameterSets ?? [];
        if (!Array.isArray(sets) || sets.some((s) => !Array.isArray(s))) {
            throw badRequest("Invalid parameterSets: expected a list of lists of SqlParameter.");
        }
        const bound = sets.length === 0 ? [this.bind(sql, [])] : sets.map((set) => this.bind(sql, set));
        // One pipelined unit: outside a transaction the whole batch commits or fails as one, as a JDBC batch does.
        for (const b of bound) {
            if (b.text !== bound[0].text) throw badRequest("Every parameter set must provide the same parameter names.");
        }
        const { results, types } = await this.run(req.transactionId, async (engine) => {
            const r = await engine.queryBatch(
                bound[0].text,
                bound.map((b) => b.params),
            );
            const oids = r.flatMap((x) => x.fields.map((f) => f.typeOid));
            return { results: r, types: oids.length > 0 ? await engine.types(oids) : new Map<number, TypeInfo>() };
        });
        if (sets.length === 0) return { updateResults: [] };
        const updateResults: { generatedFields: FieldJson[] }[] = [];
        for (const r of results) {
            if (r.fields.length === 0 || r.rows.length === 0) {
                updateResults.push({ generatedFields: [] });
                continue;
            }
            const opts: ResultOptions = { decimalReturnType: "STRING", longReturnType: "LONG" };
            updateResults.push({ generatedFields: r.rows[0].map((v, i) => toField(v, types.get(r.fields[i].typeOid), r.fields[i].typeOid, opts)) });
        }
        return { updateResults };
    }

    async beginTransaction(req: CommonRequest): Promise<{ transactionId: string }> {
        this.checkTarget(req, false);
        const release = await this.acquire();
        try {
            await this.opts.engine.exec("BEGIN");
        } catch (err) {
            release();
            throw this.mapError(err);
        }
        const id = randomBytes(48).toString("base64");
        const tx: OpenTransaction = { id, release, chain: Promise.resolve(), busy: 0 };
        this.open.set(id, tx);
        this.armIdleTimer(tx);
        return { transactionId: id };
    }

    async commitTransaction(req: CommonRequest): Promise<{ transactionStatus: string }> {
        this.checkTarget(req, false);
        await this.finish(req.transactionId, "COMMIT", "One previous call resulted in a termination of your transaction");
        return { transactionStatus: "Transaction Committed" };
    }

    async rollbackTransaction(req: CommonRequest): Promise<{ transactionStatus: string }> {
        this.checkTarget(req, false);
        await this.finish(req.transactionId, "ROLLBACK", "One previous call resulted in a termination of your transaction");
        return { transactionStatus: "Rollback Complete" };
    }

    /** Rolls back open transactions and closes the engine. */
    async close(): Promise<void> {
        if (this.closed) return;
        this.closed = true;
        for (const tx of [...this.open.values()]) {
            await tx.chain.catch(() => undefined);
            await this.end(tx, "ROLLBACK", "The local Data API was stopped");
        }
        await this.opts.engine.close();
    }

    // ---- internals ---------------------------------------------------------------

    private checkTarget(req: CommonRequest, needsDatabase: boolean): void {
        if (this.closed) throw new DataApiError("InternalServerErrorException", "The local Data API is stopping.");
        if (typeof req !== "object" || req === null) throw badRequest("Invalid request: expected a JSON object.");
        for (const key of ["resourceArn", "secretArn"] as const) {
            if (typeof req[key] !== "string" || req[key] === "") {
                throw badRequest(`${key} is required.`);
            }
        }
        if (!ARN_PATTERNS.rdsCluster.test(req.resourceArn!)) {
            throw badRequest(`Invalid resourceArn ${JSON.stringify(req.resourceArn)}: expected arn:aws:rds:<region>:<account>:cluster:<name>.`);
        }
        if (req.resourceArn !== this.opts.resourceArn) {
            throw new DataApiError("NotFoundException", `Resource ${req.resourceArn} not found (this local Data API serves ${this.opts.resourceArn}).`);
        }
        if (!ARN_PATTERNS.secret.test(req.secretArn!)) {
            throw badRequest(`Invalid secretArn ${JSON.stringify(req.secretArn)}: expected arn:aws:secretsmanager:<region>:<account>:secret:<name>.`);
        }
        if (req.secretArn !== this.opts.secretArn) {
            throw new DataApiError("NotFoundException", `Secret ${req.secretArn} not found (this local Data API accepts ${this.opts.secretArn}).`);
        }
        if (needsDatabase && req.database !== undefined && req.database !== this.opts.database) {
            throw new DataApiError("DatabaseErrorException", `FATAL: database "${req.database}" does not exist; SQLState: 3D000`);
        }
    }

    private checkSql(sql: unknown): string {
        if (typeof sql !== "string" || sql.trim() === "") throw badRequest("sql is required.");
        if (sql.length > DATA_API_LIMITS.sqlChars) {
            throw badRequest(`SQL statement is ${sql.length} characters; the limit is ${DATA_API_LIMITS.sqlChars}.`);
        }
        if (TX_CONTROL.test(sql)) {
            throw badRequest("Transaction control statements are not supported in SQL; use BeginTransaction, CommitTransaction and RollbackTransaction.");
        }
        return sql;
    }

    private resultOptions(o: ExecuteStatementRequest["resultSetOptions"]): ResultOptions {
        const decimal = o?.decimalReturnType ?? "STRING";
        const long = o?.longReturnType ?? "LONG";
        if (decimal !== "STRING" && decimal !== "DOUBLE_OR_LONG") {
            throw badRequest(`Invalid resultSetOptions.decimalReturnType ${JSON.stringify(decimal)}: allowed values are STRING, DOUBLE_OR_LONG.`);
        }
        if (long !== "LONG" && long !== "STRING") {
            throw badRequest(`Invalid resultSetOptions.longReturnType ${JSON.stringify(long)}: allowed values are LONG, STRING.`);
        }
        return { decimalReturnType: decimal, longReturnType: long };
    }

    private bind(sql: string, parameters: SqlParameterJson[]): { text: string; params: EngineParam[] } {
        const byName = new Map<string, SqlParameterJson>();
        for (const p of parameters) {
            if (typeof p !== "object" || p === null || typeof p.name !== "string" || p.name === "") {
                throw badRequest("Invalid parameter: every SqlParameter needs a name.");
            }
            byName.set(p.name, p);
        }
        const { text, names } = rewriteNamedParameters(sql, new Set(byName.keys()));
        return { text, params: names.map((n) => toEngineParam(byName.get(n)!)) };
    }

    private acquire(): Promise<() => void> {
        return this.lock.acquire(this.statementTimeoutMs, () => new DataApiError("StatementTimeoutException", "Request timed out"));
    }

    private notFound(id: string | undefined): DataApiError {
        const reason = id === undefined ? undefined : this.ended.get(id);
        return new DataApiError("TransactionNotFoundException", `Transaction ${id} is not found${reason ? `: ${reason}` : ""}`);
    }

    /** Runs `fn` on the connection: inside the transaction `transactionId`, or alone (autocommit). */
    private async run<T>(transactionId: string | undefined, fn: (engine: SqlEngine) => Promise<T>): Promise<T> {
        const engine = this.opts.engine;
        if (transactionId === undefined || transactionId === "") {
            const release = await this.acquire();
            try {
                return await fn(engine);
            } catch (err) {
                throw this.mapError(err);
            } finally {
                release();
            }
        }
        const tx = this.open.get(transactionId);
        if (!tx) throw this.notFound(transactionId);
        tx.busy++;
        if (tx.timer) clearTimeout(tx.timer);
        const step = tx.chain.then(async () => {
            if (!this.open.has(tx.id)) throw this.notFound(tx.id);
            try {
                return await fn(engine);
            } catch (err) {
                if (isPgError(err)) {
                    // The service ends a transaction whose statement failed.
                    await this.end(tx, "ROLLBACK", "Transaction has been aborted due to an error from a previous call");
                }
                throw this.mapError(err);
            }
        });
        tx.chain = step.catch(() => undefined);
        try {
            return await step;
        } finally {
            tx.busy--;
            if (this.open.has(tx.id) && tx.busy === 0) this.armIdleTimer(tx);
        }
    }

    private armIdleTimer(tx: OpenTransaction): void {
        if (tx.timer) clearTimeout(tx.timer);
        tx.timer = setTimeout(() => {
            void this.end(tx, "ROLLBACK", "Transaction may be expired");
        }, this.idleMs);
        tx.timer.unref?.();
    }

    private async finish(transactionId: string | undefined, verb: "COMMIT" | "ROLLBACK", endedReason: string): Promise<void> {
        if (typeof transactionId !== "string" || transactionId === "") throw badRequest("transactionId is required.");
        const tx = this.open.get(transactionId);
        if (!tx) throw this.notFound(transactionId);
        if (tx.timer) clearTimeout(tx.timer);
        tx.busy++;
        const step = tx.chain.then(async () => {
            if (!this.open.has(tx.id)) throw this.notFound(tx.id);
            await this.end(tx, verb, endedReason);
        });
        tx.chain = step.catch(() => undefined);
        try {
            await step;
        } finally {
            tx.busy--;
        }
    }

    private async end(tx: OpenTransaction, verb: "COMMIT" | "ROLLBACK", reason: string): Promise<void> {
        if (!this.open.has(tx.id)) return;
        this.open.delete(tx.id);
        if (tx.timer) clearTimeout(tx.timer);
        this.ended.set(tx.id, reason);
        if (this.ended.size > 10000) this.ended.delete(this.ended.keys().next().value as string);
        try {
            await this.opts.engine.exec(verb);
        } catch (err) {
            // A failed COMMIT (e.g. deferred constraint) rolls back; report it.
            await this.opts.engine.exec("ROLLBACK").catch(() => undefined);
            throw this.mapError(err);
        } finally {
            tx.release();
        }
    }

    private mapError(err: unknown): Error {
        if (err instanceof DataApiError) return err;
        if (isPgError(err)) return databaseError(err);
        return new DataApiError("InternalServerErrorException", (err as Error)?.message ?? String(err));
    }

    private buildResponse(result: EngineResult, types: ReadonlyMap<number, TypeInfo>, sources: ReadonlyMap<string, SourceColumn>, json: boolean, metadata: boolean, opts: ResultOptions): ExecuteStatementResponse {
        const hasRows = result.fields.length > 0;
        if (!hasRows) return { numberOfRecordsUpdated: result.rowCount, generatedFields: [] };
        for (const row of result.rows) {
            let bytes = 0;
            for (const v of row) bytes += v === null ? 0 : Buffer.byteLength(v);
            if (bytes > DATA_API_LIMITS.rowBytes) {
                throw badRequest(`Packet for query is too large: a result row is ${bytes} bytes; the Data API returns at most ${DATA_API_LIMITS.rowBytes} bytes per row.`);
            }
        }
        const response: ExecuteStatementResponse = { numberOfRecordsUpdated: result.command === "SELECT" ? 0 : result.rowCount };
        let size: number;
        if (json) {
            const objects = result.rows.map((row) => {
                const o: Record<string, unknown> = {};
                row.forEach((v, i) => {
                    const f = result.fields[i];
                    o[f.name] = toJsonValue(v, types.get(f.typeOid), f.typeOid, opts);
                });
                return o;
            });
            response.formattedRecords = JSON.stringify(objects);
            size = Buffer.byteLength(response.formattedRecords);
        } else {
            response.records = result.rows.map((row) => row.map((v, i) => toField(v, types.get(result.fields[i].typeOid), result.fields[i].typeOid, opts)));
            size = Buffer.byteLength(JSON.stringify(response.records));
        }
        if (size > DATA_API_LIMITS.responseBytes) {
            throw badRequest(`Database returned more than the allowed response size limit (${size} bytes; the limit is ${DATA_API_LIMITS.responseBytes}). Use LIMIT to page through the result.`);
        }
        if (metadata) {
            response.columnMetadata = result.fields.map((f) => columnMetadata(f, types, sources.get(`${f.tableOid ?? 0}:${f.columnNumber ?? 0}`)));
        }
        return response;
    }
}
