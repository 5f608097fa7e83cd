/**
 * The database behind the local Data API. The service code only needs this
 * small interface, so an engine over Debian's PostgreSQL (one `pg` client) can
 * be plugged in later; the default is PGlite (PostgreSQL in WASM, in process).
 *
 * Values travel as PostgreSQL text (bytea as `\x..` hex), so type conversion
 * lives in one place (values.ts) whatever the engine.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PGlite, protocol } from "@electric-sql/pglite";

/** One bound parameter: a type OID (0 = let PostgreSQL infer) and its text (or bytes, or null). */
export interface EngineParam {
    readonly type: number;
    readonly value: string | Uint8Array | null;
}

export interface EngineField {
    readonly name: string;
    readonly typeOid: number;
    /** Type modifier (e.g. numeric precision/scale, varchar length); -1 when none. */
    readonly typeModifier?: number;
    /** Source table OID and column number, when the column comes straight from a table (else 0). */
    readonly tableOid?: number;
    readonly columnNumber?: number;
}

/** Catalog facts about a table column a result field comes from. */
export interface SourceColumn {
    readonly schemaName: string;
    readonly tableName: string;
    readonly notNull: boolean;
    /** serial/identity column */
    readonly autoIncrement: boolean;
}

export interface EngineResult {
    readonly fields: readonly EngineField[];
    /** Rows as PostgreSQL text output, in field order. */
    readonly rows: ReadonlyArray<ReadonlyArray<string | null>>;
    /** Command tag verb ("SELECT", "INSERT", ...). */
    readonly command: string;
    /** Rows affected (DML) or returned (SELECT), from the command tag. */
    readonly rowCount: number;
}

export interface TypeInfo {
    readonly oid: number;
    /** pg_type.typname, e.g. "int4", "_text" */
    readonly name: string;
    /** pg_type.typcategory, e.g. "N", "S", "A" */
    readonly category: string;
    /** Element type OID for arrays, else 0. */
    readonly elem: number;
}

export interface SqlEngine {
    /** Runs ONE statement with the extended protocol (multiple statements are an error). Throws PostgreSQL errors (with `code`, `position`). */
    query(sql: string, params: readonly EngineParam[]): Promise<EngineResult>;
    /**
     * Runs one statement once per parameter set, as one unit (one implicit
     * transaction when not inside BEGIN): all sets succeed or the error of the
     * first failing one is thrown.
     */
    queryBatch(sql: string, paramSets: ReadonlyArray<readonly EngineParam[]>): Promise<EngineResult[]>;
    /** Runs transaction control or other parameterless SQL with the simple protocol. */
    exec(sql: string): Promise<void>;
    /** Type information for OIDs (reloads the catalog for unknown ones). */
    types(oids: readonly number[]): Promise<ReadonlyMap<number, TypeInfo>>;
    /** Source table/column facts for fields with a table OID, keyed `${tableOid}:${columnNumber}`. */
    sourceColumns(fields: readonly EngineField[]): Promise<ReadonlyMap<string, SourceColumn>>;
    close(): Promise<void>;
}

/** PGlite engine: in memory, or file-backed in `dataDir`. */
export class PgliteEngine implements SqlEngine {
    private readonly typeCache = new Map<number, TypeInfo>();
    private parsers: Record<number, (v: string) => string> = {};

    private constructor(private readonly pg: PGlite) {}

    static async create(opts: { dataDir?: string } = {}): Promise<PgliteEngine> {
        const dir = opts.dataDir === undefined ? undefined : path.resolve(opts.dataDir);
        if (dir !== undefined) fs.mkdirSync(dir, { recursive: true });
        const existing = dir !== undefined && fs.existsSync(path.join(dir, "PG_VERSION"));
        let pg: PGlite | undefined;
        if (!existing) {
            // initdb takes 3-15 s; a cluster unpacked from a cached fresh one takes about 1 s.
            const tpl = readTemplate();
            if (tpl) {
                try {
                    pg = await PGlite.create({ dataDir: dir, loadDataDir: new Blob([tpl]) });
                } catch {
                    dropTemplate();
                    if (dir !== undefined) {
                        fs.rmSync(dir, { recursive: true, force: true });
                        fs.mkdirSync(dir, { recursive: true });
                    }
                    pg = undefined;
                }
            }
        }
        if (!pg) {
            pg = await PGlite.create({ dataDir: dir });
            if (!existing && readTemplate() === undefined) await writeTemplate(pg);
        }
        await pg.exec("SET TimeZone = 'UTC'; SET DateStyle = 'ISO, MDY'; SET IntervalStyle = 'postgres'");
        const engine = new PgliteEngine(pg);
        await engine.loadTypes();
        return engine;
    }

    private async loadTypes(): Promise<void> {
        const res = await this.pg.query<[string, string, string, string]>("SELECT oid::int8::text, typname::text, typcategory::text, typelem::int8::text FROM pg_type", [], { rowMode: "array", parsers: this.parsers });
        for (const [oid, name, category, elem] of res.rows) {
            const info: TypeInfo = { oid: Number(oid), name, category, elem: Number(elem) };
            this.typeCache.set(info.oid, info);
        }
        // Identity parsers: every value comes back as PostgreSQL text.
        const parsers: Record<number, (v: string) => string> = {};
        for (const oid of this.typeCache.keys()) parsers[oid] = (v) => v;
        this.parsers = parsers;
    }

    async query(sql: string, params: readonly EngineParam[]): Promise<EngineResult> {
        return (await this.queryBatch(sql, [params]))[0];
    }

    /**
     * Pipelines Parse / Bind / Execute messages for all sets and one Sync
     * through PGlite's protocol interface: one call into the WASM backend instead
     * of six per statement (about 10x faster for batches). A new Parse is sent
     * whenever the parameter types change between consecutive sets.
     */
    async queryBatch(sql: string, paramSets: ReadonlyArray<readonly EngineParam[]>): Promise<EngineResult[]> {
        const { serialize } = protocol;
        const parts: Uint8Array[] = [];
        let signature: string | undefined;
        for (const params of paramSets) {
            const sig = params.map((p) => p.type).join(",");
            const newStatement = sig !== signature;
            if (newStatement) {
                parts.push(serialize.parse({ text: sql, types: params.map((p) => p.type) }));
                signature = sig;
            }
            parts.push(serialize.bind({ values: params.map((p) => (p.value instanceof Uint8Array ? Buffer.from(p.value) : p.value)) }));
            if (newStatement) parts.push(serialize.describe({ type: "P" }));
            parts.push(serialize.execute({}));
        }
        const messages: Array<{ name: string; fields?: unknown; text?: string }> = [];
        try {
            const res = await this.pg.execProtocol(concat(parts), { syncToFs: false });
            messages.push(...(res.messages as never[]));
        } finally {
            await this.pg.execProtocol(serialize.sync(), { syncToFs: false });
            await this.pg.syncToFs();
        }
        const results: EngineResult[] = [];
        let fields: EngineField[] = [];
        let rows: (string | null)[][] = [];
        for (const m of messages) {
            if (m.name === "rowDescription") {
                fields = (m.fields as Array<{ name: string; dataTypeID: number; dataTypeModifier: number; tableID: number; columnID: number }>).map((f) => ({
                    name: f.name,
                    typeOid: f.dataTypeID,
                    typeModifier: f.dataTypeModifier,
                    tableOid: f.tableID,
                    columnNumber: f.columnID,
                }));
            } else if (m.name === "noData") {
                fields = [];
            } else if (m.name === "dataRow") {
                rows.push(m.fields as (string | null)[]);
            } else if (m.name === "commandComplete") {
                const tag = m.text ?? "";
                const count = /\s(\d+)$/.exec(tag);
                results.push({ fields, rows, command: tag.split(" ")[0], rowCount: count ? Number(count[1]) : 0 });
                rows = [];
            } else if (m.name === "emptyQueryResponse") {
                results.push({ fields: [], rows: [], command: "", rowCount: 0 });
            }
        }
        return results;
    }

    async exec(sql: string): Promise<void> {
        await this.pg.exec(sql);
    }

    async types(oids: readonly number[]): Promise<ReadonlyMap<number, TypeInfo>> {
        if (oids.some((oid) => !this.typeCache.has(oid))) await this.loadTypes();
        return this.typeCache;
    }

    async sourceColumns(fields: readonly EngineField[]): Promise<ReadonlyMap<string, SourceColumn>> {
        const out = new Map<string, SourceColumn>();
        const refs = fields.filter((f) => (f.tableOid ?? 0) !== 0 && (f.columnNumber ?? 0) > 0);
        if (refs.length === 0) return out;
        const res = await this.query(
            `SELECT c.oid::int8::text, a.attnum::int8::text, n.nspname::text, c.relname::text, a.attnotnull::text,
              (a.attidentity <> '' OR coalesce(pg_get_expr(d.adbin, d.adrelid), '') LIKE 'nextval(%')::text
         FROM pg_attribute a
         JOIN pg_class c ON c.oid = a.attrelid
         JOIN pg_namespace n ON n.oid = c.relnamespace
         LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
        WHERE (a.attrelid, a.attnum) IN (SELECT x, y FROM unnest($1::oid[], $2::int2[]) AS u(x, y))`,
            [
                { type: 1016, value: `{${refs.map((f) => f.tableOid).join(",")}}` },
                { type: 1016, value: `{${refs.map((f) => f.columnNumber).join(",")}}` },
            ],
        );
        for (const [oid, attnum, schemaName, tableName, notNull, auto] of res.rows) {
            out.set(`${oid}:${attnum}`, { schemaName: schemaName!, tableName: tableName!, notNull: notNull === "true", autoIncrement: auto === "true" });
        }
        return out;
    }

    async close(): Promise<void> {
        await this.pg.close();
    }
}

// ---- fresh-cluster template cache (per process, and on disk per PGlite version) ----

let templateInMemory: Buffer | undefined;

function templatePath(): string {
    // The package's exports map hides package.json; read it next to dist/.
    const pkg = path.join(path.dirname(require.resolve("@electric-sql/pglite")), "..", "package.json");
    const version = (JSON.parse(fs.readFileSync(pkg, "utf8")) as { version: string }).version;
    return path.join(os.tmpdir(), `flightstream-pglite-${version}-fresh.tar`);
}

function readTemplate(): Buffer | undefined {
    if (templateInMemory) return templateInMemory;
    try {
        templateInMemory = fs.readFileSync(templatePath());
    } catch {
        templateInMemory = undefined;
    }
    return templateInMemory;
}

function dropTemplate(): void {
    templateInMemory = undefined;
    fs.rmSync(templatePath(), { force: true });
}

async function writeTemplate(pg: PGlite): Promise<void> {
    try {
        const blob = await pg.dumpDataDir("none");
        const buf = Buffer.from(await blob.arrayBuffer());
        const target = templatePath();
        const tmp = `${target}.${process.pid}.${Date.now()}`;
        fs.writeFileSync(tmp, buf);
        fs.renameSync(tmp, target);
        templateInMemory = buf;
    } catch {
        // The cache only saves time; a failure to write it is not an error.
    }
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let offset = 0;
    for (const p of parts) {
        out.set(p, offset);
        offset += p.length;
    }
    return out;
}
