/**
 * Versioned SQL migrations, applied through the Data API by one runner.
 *
 * Files: `functions/shared/db/migrations/NNNN_name.sql` (4-digit version, lower-case
 * name). Each file runs in its own transaction together with its row in
 * `schema_migrations (version, name, checksum, applied_at)`, under a transaction-level
 * advisory lock, so concurrent runners apply each migration once. Re-running applies
 * nothing new; an applied migration whose file changed (checksum mismatch) or an
 * applied version without a file stops the run with an error naming it.
 */
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { DataApi } from "./dataapi";
import { splitSqlStatements } from "./sql-split";

export interface Migration {
    /** Zero-padded version, e.g. "0001". */
    readonly version: string;
    readonly name: string;
    readonly sql: string;
    /** sha256 (hex) of the file with line endings normalised to \n. */
    readonly checksum: string;
}

export const MIGRATION_FILE = /^(\d{4})_([a-z0-9_]+)\.sql$/;
/** Default location of the migration files next to this module (also inside the migrate Lambda bundle). */
export const MIGRATIONS_DIR = path.join(__dirname, "migrations");
/** Lock key for pg_advisory_xact_lock (any constant shared by all runners). */
export const MIGRATION_LOCK_KEY = 7_413_020_611;

export class MigrationError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "MigrationError";
    }
}

export function checksumOf(sql: string): string {
    return createHash("sha256").update(sql.replace(/\r\n/g, "\n"), "utf8").digest("hex");
}

/** Builds migrations from (file name, content) pairs, sorted by version; rejects bad names and duplicate versions. */
export function parseMigrations(files: ReadonlyArray<{ file: string; sql: string }>): Migration[] {
    const byVersion = new Map<string, string>();
    const out: Migration[] = [];
    for (const { file, sql } of files) {
        const m = MIGRATION_FILE.exec(file);
        if (!m) throw new MigrationError(`Migration file names must look like NNNN_name.sql (4 digits, then lower-case letters, digits or _) (received ${JSON.stringify(file)}).`);
        const prior = byVersion.get(m[1]);
        if (prior) throw new MigrationError(`Migration version ${m[1]} is used by both ${prior} and ${file}; each version must be unique.`);
        byVersion.set(m[1], file);
        if (splitSqlStatements(sql).length === 0) throw new MigrationError(`Migration ${file} contains no SQL statement.`);
        out.push({ version: m[1], name: m[2], sql, checksum: checksumOf(sql) });
    }
    return out.sort((a, b) => a.version.localeCompare(b.version));
}

/** Reads every `*.sql` file of a directory as migrations. */
export function loadMigrations(dir: string = MIGRATIONS_DIR): Migration[] {
    if (!fs.existsSync(dir)) throw new MigrationError(`Migrations directory ${dir} does not exist.`);
    const files = fs
        .readdirSync(dir)
        .filter((f) => f.endsWith(".sql"))
        .sort();
    return parseMigrations(files.map((file) => ({ file, sql: fs.readFileSync(path.join(dir, file), "utf8") })));
}

/** One hash over all migrations (deploy-time trigger: a new or changed file re-runs the migration Lambda). */
export function migrationsHash(migrations: readonly Migration[]): string {
    const h = createHash("sha256");
    for (const m of migrations) h.update(`${m.version}_${m.name}:${m.checksum}\n`);
    return h.digest("hex");
}

export interface AppliedMigration {
    readonly version: string;
    readonly name: string;
    readonly checksum: string;
}

/** Pure check of files against what the database recorded; returns the migrations still to apply. */
export function planMigrations(migrations: readonly Migration[], applied: readonly AppliedMigration[]): Migration[] {
    const files = new Map(migrations.map((m) => [m.version, m]));
    for (const a of applied) {
        const m = files.get(a.version);
        if (!m) {
            throw new MigrationError(`schema_migrations records version ${a.version} (${a.name}) but no migration file has that version; this code is older than the database schema.`);
        }
        if (m.checksum !== a.checksum) {
            throw new MigrationError(`Migration ${a.version}_${m.name} was edited after it was applied: checksum in schema_migrations is ${a.checksum}, the file's is ${m.checksum}. Add a new migration instead of editing an applied one.`);
        }
    }
    const done = new Set(applied.map((a) => a.version));
    return migrations.filter((m) => !done.has(m.version));
}

export interface MigrationRunResult {
    readonly applied: string[];
    readonly alreadyApplied: string[];
}

export interface RunOptions {
    /** Table recording applied migrations. @default "schema_migrations" */
    readonly table?: string;
}

const createTable = (table: string) => `CREATE TABLE IF NOT EXISTS ${table} (
    version text PRIMARY KEY,
    name text NOT NULL,
    checksum text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
)`;

async function readApplied(db: DataApi, table: string, tx?: string): Promise<AppliedMigration[]> {
    return db.query<AppliedMigration & Record<string, unknown>>(`SELECT version, name, checksum FROM ${table} ORDER BY version`, {}, tx);
}

/**
 * Applies pending migrations in version order, each in its own transaction
 * (statements, then its schema_migrations row). Safe to re-run and to run concurrently.
 */
export async function runMigrations(db: DataApi, migrations: readonly Migration[] = loadMigrations(), opts: RunOptions = {}): Promise<MigrationRunResult> {
    const table = opts.table ?? "schema_migrations";
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(table)) throw new MigrationError(`\`table\` must be a lower-case SQL identifier (received ${JSON.stringify(table)}).`);
    await db.execute(createTable(table));
    const pending = planMigrations(migrations, await readApplied(db, table));
    const applied: string[] = [];
    for (const m of pending) {
        const did = await db.transaction(async (tx) => {
            await db.execute("SELECT pg_advisory_xact_lock(:key)", { key: MIGRATION_LOCK_KEY }, tx);
            // Another runner may have applied it while we waited for the lock.
            const now = await readApplied(db, table, tx);
            planMigrations(migrations, now);
            if (now.some((a) => a.version === m.version)) return false;
            for (const stmt of splitSqlStatements(m.sql)) {
                try {
                    await db.execute(stmt, {}, tx);
                } catch (e) {
                    throw new MigrationError(`Migration ${m.version}_${m.name} failed: ${(e as Error).message}\nStatement: ${stmt.slice(0, 500)}`);
                }
            }
            await db.execute(`INSERT INTO ${table} (version, name, checksum) VALUES (:version, :name, :checksum)`, { version: m.version, name: m.name, checksum: m.checksum }, tx);
            return true;
        });
        if (did) applied.push(`${m.version}_${m.name}`);
    }
    const pendingSet = new Set(applied);
    return { applied, alreadyApplied: migrations.map((m) => `${m.version}_${m.name}`).filter((v) => !pendingSet.has(v)) };
}
