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
import { PGlite } from "@electric-sql/pglite";

/** One bound parameter: a type OID (0 = let PostgreSQL infer) and its text (or bytes, or null). */
export interface EngineParam {
  readonly type: number;
  readonly value: string | Uint8Array | null;
}

export interface EngineField {
  readonly name: string;
  readonly typeOid: number;
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
  /** Runs transaction control or other parameterless SQL with the simple protocol. */
  exec(sql: string): Promise<void>;
  /** Type information for OIDs (reloads the catalog for unknown ones). */
  types(oids: readonly number[]): Promise<ReadonlyMap<number, TypeInfo>>;
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
    const res = await this.pg.query<[string, string, string, string]>(
      "SELECT oid::int8::text, typname::text, typcategory::text, typelem::int8::text FROM pg_type",
      [],
      { rowMode: "array", parsers: this.parsers },
    );
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
    const res = await this.pg.query<(string | null)[]>(
      sql,
      params.map((p) => p.value) as unknown[],
      { rowMode: "array", parsers: this.parsers, paramTypes: params.map((p) => p.type) },
    );
    return {
      fields: res.fields.map((f) => ({ name: f.name, typeOid: f.dataTypeID })),
      rows: res.rows,
      command: res.command ?? "",
      rowCount: res.rowCount ?? res.affectedRows ?? res.rows.length,
    };
  }

  async exec(sql: string): Promise<void> {
    await this.pg.exec(sql);
  }

  async types(oids: readonly number[]): Promise<ReadonlyMap<number, TypeInfo>> {
    if (oids.some((oid) => !this.typeCache.has(oid))) await this.loadTypes();
    return this.typeCache;
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
