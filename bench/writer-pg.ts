/**
 * Server CPU of the processor's statements on a native PostgreSQL (bench/writer.ts).
 *
 * PGlite (the local Data API's engine) is PostgreSQL compiled to WASM in the
 * bench's own process: its time is not a database server's CPU. So the writer
 * bench records every statement the local Data API hands its engine
 * (`RecordingEngine`: SQL, bound parameters, BEGIN/COMMIT, in order) and
 * replays that exact trace, one statement at a time, into a native PostgreSQL
 * (Debian's postgresql-15 binaries: initdb in a temp folder, Unix socket only,
 * no TCP port) through one `psql` session, reading the session backend's
 * on-CPU time (/proc/<pid>/schedstat, nanoseconds) around each statement.
 * Row writes come from the same server's pg_stat_user_tables. Nothing here is
 * a wall-clock figure: on-CPU time of the backend is what an ACU provides.
 */
import { ChildProcessWithoutNullStreams, execFileSync, spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { EngineField, EngineParam, EngineResult, SqlEngine, TypeInfo } from "../local/dataapi";

/** One engine call the local Data API made. */
export type TraceEntry = { readonly kind: "exec"; readonly sql: string; readonly label: string } | { readonly kind: "query"; readonly sql: string; readonly sets: ReadonlyArray<readonly EngineParam[]>; readonly label: string };

/** Delegates to an engine and records what it is asked while `recording` is set. */
export class RecordingEngine implements SqlEngine {
    recording = false;
    /** The statement label the next calls carry (the writer's statement name, set by the caller). */
    readonly trace: TraceEntry[] = [];
    constructor(
        private readonly inner: SqlEngine,
        private readonly labelOf: (sql: string) => string,
    ) {}
    async query(sql: string, params: readonly EngineParam[]): Promise<EngineResult> {
        if (this.recording) this.trace.push({ kind: "query", sql, sets: [params], label: this.labelOf(sql) });
        return this.inner.query(sql, params);
    }
    async queryBatch(sql: string, paramSets: ReadonlyArray<readonly EngineParam[]>): Promise<EngineResult[]> {
        if (this.recording) this.trace.push({ kind: "query", sql, sets: paramSets, label: this.labelOf(sql) });
        return this.inner.queryBatch(sql, paramSets);
    }
    async exec(sql: string): Promise<void> {
        if (this.recording) this.trace.push({ kind: "exec", sql, label: this.labelOf(sql) });
        return this.inner.exec(sql);
    }
    types(oids: readonly number[]): Promise<ReadonlyMap<number, TypeInfo>> {
        return this.inner.types(oids);
    }
    sourceColumns(fields: readonly EngineField[]) {
        return this.inner.sourceColumns(fields);
    }
    close(): Promise<void> {
        return this.inner.close();
    }
}

const quote = (s: string) => `'${s.replace(/'/g, "''")}'`;

/** A statement with its parameters inlined as typed literals (the same values the engine bound). */
export function inlineParams(sql: string, params: readonly EngineParam[], typeName: (oid: number) => string | undefined): string {
    return sql.replace(/\$(\d+)/g, (m, n: string) => {
        const p = params[Number(n) - 1];
        if (!p) return m;
        if (p.value === null) return "NULL";
        const text = p.value instanceof Uint8Array ? `\\x${Buffer.from(p.value).toString("hex")}` : p.value;
        const t = p.type === 0 ? undefined : typeName(p.type);
        return t ? `${quote(text)}::"${t}"` : quote(text);
    });
}

/** Nanoseconds a process has spent on a CPU (the first field of /proc/<pid>/schedstat). */
export function onCpuNs(pid: number): number {
    return Number(fs.readFileSync(`/proc/${pid}/schedstat`, "utf8").split(" ")[0]);
}

const PG_BIN_DIRS = ["/usr/lib/postgresql/17/bin", "/usr/lib/postgresql/16/bin", "/usr/lib/postgresql/15/bin"];

/** Why a native PostgreSQL cannot be started here, or undefined when it can. */
export function nativePostgresUnavailable(): string | undefined {
    if (process.platform !== "linux") return "needs Linux (/proc/<pid>/schedstat)";
    if (!PG_BIN_DIRS.some((d) => fs.existsSync(path.join(d, "initdb")))) return `no PostgreSQL server binaries in ${PG_BIN_DIRS.join(", ")}`;
    try {
        execFileSync("psql", ["--version"], { stdio: "ignore" });
    } catch {
        return "no psql on PATH";
    }
    return undefined;
}

/** A throwaway native PostgreSQL cluster and one psql session on it. */
export class NativePostgres {
    private psql?: ChildProcessWithoutNullStreams;
    private out = "";
    private waiting?: { marker: string; resolve: (text: string) => void; reject: (e: Error) => void };
    private marks = 0;
    private backendPid = 0;
    private errors = "";
    private constructor(
        private readonly dir: string,
        private readonly bin: string,
        private readonly runAs: string[],
    ) {}

    static async start(): Promise<NativePostgres> {
        const why = nativePostgresUnavailable();
        if (why) throw new Error(`native PostgreSQL unavailable: ${why}`);
        const bin = PG_BIN_DIRS.find((d) => fs.existsSync(path.join(d, "initdb")))!;
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "writer-pg-"));
        // initdb refuses root: run the server as the postgres user when we are root.
        const runAs = process.getuid?.() === 0 ? ["runuser", "-u", "postgres", "--"] : [];
        if (runAs.length > 0) execFileSync("chown", ["postgres", dir]);
        const pg = new NativePostgres(dir, bin, runAs);
        const run = (args: string[]) => execFileSync(runAs[0] ?? args[0], runAs.length > 0 ? [...runAs.slice(1), ...args] : args.slice(1), { stdio: "pipe" });
        run([path.join(bin, "initdb"), "-D", path.join(dir, "data"), "-U", "bench", "--auth=trust", "-E", "UTF8", "--no-locale"]);
        run([path.join(bin, "pg_ctl"), "-D", path.join(dir, "data"), "-o", `-c listen_addresses='' -k ${dir} -c autovacuum=off`, "-l", path.join(dir, "log"), "-w", "start"]);
        await pg.connect();
        return pg;
    }

    private async connect(): Promise<void> {
        const p = spawn("psql", ["-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-h", this.dir, "-U", "bench", "-d", "postgres"], { stdio: ["pipe", "pipe", "pipe"] });
        this.psql = p;
        p.stdout.setEncoding("utf8");
        p.stderr.setEncoding("utf8");
        p.stdout.on("data", (d: string) => {
            this.out += d;
            const w = this.waiting;
            if (!w) return;
            const at = this.out.indexOf(`${w.marker}\n`);
            if (at < 0) return;
            const text = this.out.slice(0, at);
            this.out = this.out.slice(at + w.marker.length + 1);
            this.waiting = undefined;
            w.resolve(text);
        });
        p.stderr.on("data", (d: string) => (this.errors += d));
        p.on("exit", (code) => this.waiting?.reject(new Error(`psql exited (${code}): ${this.errors.slice(-2000)}`)));
        this.backendPid = Number((await this.run("SELECT pg_backend_pid();")).trim());
        if (!(this.backendPid > 0)) throw new Error(`could not read the backend pid: ${this.errors}`);
    }

    /** Runs SQL text in the session; resolves with what it printed (unaligned, tuples only). */
    run(sql: string): Promise<string> {
        const marker = `__writer_pg_${++this.marks}__`;
        return new Promise((resolve, reject) => {
            this.waiting = { marker, resolve, reject };
            this.psql!.stdin.write(`${sql}\n\\echo ${marker}\n`);
        });
    }

    /** Runs SQL and returns the backend's on-CPU nanoseconds for it. */
    async timed(sql: string): Promise<number> {
        const before = onCpuNs(this.backendPid);
        await this.run(sql);
        return onCpuNs(this.backendPid) - before;
    }

    /** Rows inserted + updated + deleted per table since the server started (after a stats flush). */
    async rowWritesByTable(): Promise<Record<string, number>> {
        await this.run("SELECT pg_stat_force_next_flush();");
        const text = await this.run("SELECT relname || '|' || (n_tup_ins + n_tup_upd + n_tup_del) FROM pg_stat_user_tables;");
        const out: Record<string, number> = {};
        for (const line of text.split("\n").filter(Boolean)) {
            const [t, n] = line.split("|");
            out[t] = Number(n);
        }
        return out;
    }

    async typeNames(): Promise<Map<number, string>> {
        const text = await this.run("SELECT oid || '|' || typname FROM pg_type;");
        return new Map(
            text
                .split("\n")
                .filter(Boolean)
                .map((l) => [Number(l.split("|")[0]), l.split("|")[1]]),
        );
    }

    async stop(): Promise<void> {
        if (this.psql && this.psql.exitCode === null) {
            this.psql.stdin.end("\\q\n");
            await new Promise((r) => this.psql!.once("exit", r));
        }
        const args = [path.join(this.bin, "pg_ctl"), "-D", path.join(this.dir, "data"), "-m", "immediate", "-w", "stop"];
        try {
            execFileSync(this.runAs[0] ?? args[0], this.runAs.length > 0 ? [...this.runAs.slice(1), ...args] : args.slice(1), { stdio: "pipe" });
        } finally {
            fs.rmSync(this.dir, { recursive: true, force: true });
        }
    }
}

export interface ReplayResult {
    /** Backend on-CPU seconds of the measured statements. */
    readonly cpuSeconds: number;
    /** Row writes (all tables) of the measured statements. */
    readonly rowWrites: number;
    readonly rowWritesByTable: Record<string, number>;
    /** On-CPU seconds and statements per statement label. */
    readonly byStatement: Record<string, { cpuSeconds: number; statements: number }>;
}

/**
 * Replays `setup` unmeasured, then `measured` statement by statement, returning the backend's CPU and the
 * row writes of the measured part.
 */
export async function replay(pg: NativePostgres, setup: readonly TraceEntry[], measured: readonly TraceEntry[]): Promise<ReplayResult> {
    const names = await pg.typeNames();
    const typeName = (oid: number) => names.get(oid);
    const statements = (e: TraceEntry) => (e.kind === "exec" ? [`${e.sql.trim().replace(/;\s*$/, "")};`] : e.sets.map((s) => `${inlineParams(e.sql, s, typeName).trim().replace(/;\s*$/, "")};`));
    for (const e of setup) for (const s of statements(e)) await pg.run(s);
    // Types created by the migrations (enums, composites) are named only now.
    for (const [oid, n] of await pg.typeNames()) names.set(oid, n);
    const before = await pg.rowWritesByTable();
    const byStatement: Record<string, { cpuSeconds: number; statements: number }> = {};
    let ns = 0;
    for (const e of measured) {
        for (const s of statements(e)) {
            const t = await pg.timed(s);
            ns += t;
            const b = (byStatement[e.label] ??= { cpuSeconds: 0, statements: 0 });
            b.cpuSeconds += t / 1e9;
            b.statements++;
        }
    }
    const after = await pg.rowWritesByTable();
    const rowWritesByTable: Record<string, number> = {};
    let rowWrites = 0;
    for (const [t, n] of Object.entries(after)) {
        const d = n - (before[t] ?? 0);
        if (d > 0) rowWritesByTable[t] = d;
        rowWrites += d;
    }
    return { cpuSeconds: ns / 1e9, rowWrites, rowWritesByTable, byStatement };
}
