/**
 * Pond datasets as files: each dataset is a folder `<root>/<name>/` with
 *
 * - `dataset.sql`: ONE SELECT computing one UTC day, in the subset Athena
 *   (Trino) and DuckDB both run (placeholders in functions/pond-etl/sql.ts:
 *   `{{events}}`, `{{day}}`, `{{sourceFilter}}`, `PERCENTILE(x, q)`);
 * - `dataset.yaml`: `name` (the folder's name), `inputs` (the event types it
 *   reads: the lake's `type=` partitions), `schedule` (how often its output
 *   must be refreshed, a Scheduler `rate(...)` or `cron(...)` expression: the
 *   pond that holds it must run at least that often), `columns` (output
 *   columns in order, `name: type`), optional `description`.
 *
 * The repository's datasets live in `datasets/` at the root; a team keeps its
 * own in its stack's folder (examples/team-stack/datasets/) and passes that
 * root to PondEtl (`datasetRoots`). Adding a dataset is adding a folder: no
 * TypeScript changes. Files are validated eagerly (`parseDataset`): every
 * problem names the file, the field, the value received and what is allowed.
 *
 * `parseDataset` is pure; `loadDatasetDir` / `loadDatasetCatalog` read files.
 */
import * as fs from "fs";
import * as path from "path";
import { parse as parseYaml } from "yaml";
import { EVENT_TYPES } from "../shared/events";

/** Glue / Parquet column types a dataset may declare. */
export const COLUMN_TYPES = ["string", "bigint", "double", "boolean"] as const;
export type ColumnType = (typeof COLUMN_TYPES)[number];

export interface DatasetColumn {
    readonly name: string;
    readonly type: ColumnType;
}

export interface DatasetDefinition {
    readonly name: string;
    readonly description?: string;
    /** Event types read (lake `type=` partitions), in file order. */
    readonly inputs: readonly string[];
    /** Scheduler expression: the pond holding the dataset runs at least this often. */
    readonly schedule: string;
    readonly columns: readonly DatasetColumn[];
    /** The SELECT template (dataset.sql without trailing whitespace). */
    readonly sql: string;
}

/** Datasets by name. */
export type DatasetCatalog = ReadonlyMap<string, DatasetDefinition>;

export const DATASET_FILE = "dataset.yaml";
export const DATASET_SQL_FILE = "dataset.sql";
/** The repository's datasets. */
export const DEFAULT_DATASET_ROOT = path.join(__dirname, "..", "..", "datasets");

/** Dataset names: Glue table names and S3 prefixes. */
export const DATASET_NAME = /^[a-z][a-z0-9_]{2,62}$/;
const COLUMN_NAME = /^[a-z][a-z0-9_]{0,127}$/;
const SCHEDULE = /^(cron\(.+\)|rate\((1 (minute|hour|day)|([2-9]|[1-9]\d+) (minutes|hours|days))\))$/;
const PLACEHOLDERS = ["events", "day", "sourceFilter"];
const KEYS = ["name", "description", "inputs", "schedule", "columns"];

export class DatasetError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "DatasetError";
    }
}

const show = (v: unknown): string => (v === undefined ? "nothing" : JSON.stringify(v));
const list = (xs: readonly string[]): string => xs.map((x) => `"${x}"`).join(", ");

export interface DatasetFiles {
    /** The dataset's folder (its base name must be the dataset's name). */
    readonly dir: string;
    /** dataset.yaml text. */
    readonly yaml: string;
    /** dataset.sql text. */
    readonly sql: string;
}

export interface ParseDatasetOptions {
    /** Event types a dataset may read. @default EVENT_TYPES (functions/shared/events.ts) */
    readonly eventTypes?: readonly string[];
}

/** Validates one dataset's files; throws DatasetError listing EVERY problem. */
export function parseDataset(files: DatasetFiles, options: ParseDatasetOptions = {}): DatasetDefinition {
    const eventTypes = options.eventTypes ?? EVENT_TYPES;
    const yamlFile = path.join(files.dir, DATASET_FILE);
    const sqlFile = path.join(files.dir, DATASET_SQL_FILE);
    const folder = path.basename(files.dir);
    const problems: string[] = [];
    const bad = (field: string, allowed: string, received: unknown) => problems.push(`\`${field}\` must be ${allowed}; received ${show(received)}`);

    let raw: unknown;
    try {
        raw = parseYaml(files.yaml);
    } catch (e) {
        throw new DatasetError(`${yamlFile}: not valid YAML (${(e as Error).message.split("\n")[0]})`);
    }
    if (raw === null || typeof raw !== "object" || Array.isArray(raw)) throw new DatasetError(`${yamlFile}: must be a mapping with ${list(KEYS.filter((k) => k !== "description"))}; received ${show(raw)}`);
    const o = raw as Record<string, unknown>;
    for (const k of Object.keys(o)) if (!KEYS.includes(k)) bad(k, `absent (the keys are ${list(KEYS)})`, o[k]);

    if (typeof o.name !== "string" || !DATASET_NAME.test(o.name)) bad("name", "3 to 63 lower-case letters, digits or underscores, starting with a letter", o.name);
    else if (o.name !== folder) bad("name", `the name of its folder ("${folder}")`, o.name);
    if (o.description !== undefined && (typeof o.description !== "string" || o.description.length > 1000)) bad("description", "a string of at most 1000 characters", o.description);

    const inputs: string[] = [];
    if (!Array.isArray(o.inputs) || o.inputs.length === 0) bad("inputs", `a non-empty list of event types (${list(eventTypes)})`, o.inputs);
    else {
        o.inputs.forEach((t, i) => {
            if (typeof t !== "string" || !eventTypes.includes(t)) bad(`inputs[${i}]`, `a known event type (${list(eventTypes)})`, t);
            else if (inputs.includes(t)) bad(`inputs[${i}]`, "listed once", t);
            else inputs.push(t);
        });
    }

    if (typeof o.schedule !== "string" || !SCHEDULE.test(o.schedule.trim())) bad("schedule", 'a Scheduler expression such as "rate(1 day)", "rate(6 hours)" or "cron(15 2 * * ? *)"', o.schedule);

    const sql = files.sql.replace(/\s+$/, "");
    const columns: DatasetColumn[] = [];
    if (o.columns === null || typeof o.columns !== "object" || Array.isArray(o.columns) || Object.keys(o.columns).length === 0) {
        bad("columns", `a non-empty mapping of output column name to type (${list(COLUMN_TYPES)})`, o.columns);
    } else {
        for (const [name, type] of Object.entries(o.columns as Record<string, unknown>)) {
            if (!COLUMN_NAME.test(name)) bad(`columns.${name}`, "named with lower-case letters, digits or underscores, starting with a letter", name);
            else if (typeof type !== "string" || !(COLUMN_TYPES as readonly string[]).includes(type)) bad(`columns.${name}`, `one of ${list(COLUMN_TYPES)}`, type);
            else if (!new RegExp(`\\b${name}\\b`).test(sql)) problems.push(`\`columns.${name}\` is missing from ${DATASET_SQL_FILE}: the query must select a column named ${name}`);
            else columns.push({ name, type: type as ColumnType });
        }
    }

    if (sql.length === 0) problems.push(`${DATASET_SQL_FILE} is empty: it must hold one SELECT (or WITH ... SELECT) over {{events}} for the day {{day}}`);
    else {
        if (!/^(WITH|SELECT)\b/i.test(sql)) problems.push(`${DATASET_SQL_FILE} must start with SELECT or WITH; received ${show(sql.slice(0, 40))}`);
        if (/;/.test(sql)) problems.push(`${DATASET_SQL_FILE} must hold one statement without ";" (it is wrapped in UNLOAD / COPY)`);
        for (const p of ["events", "day"]) if (!sql.includes(`{{${p}}}`)) problems.push(`${DATASET_SQL_FILE} must use {{${p}}} (${p === "events" ? "the lake events relation" : "the UTC day computed, as dt = '{{day}}'"})`);
        for (const m of sql.matchAll(/\{\{([^}]*)\}\}/g)) {
            if (!PLACEHOLDERS.includes(m[1])) problems.push(`${DATASET_SQL_FILE}: unknown placeholder {{${m[1]}}} (the placeholders are ${PLACEHOLDERS.map((x) => `{{${x}}}`).join(", ")})`);
        }
    }

    if (problems.length > 0) throw new DatasetError(`dataset ${show(folder)} (${yamlFile}, ${sqlFile}): ${problems.join("; ")}`);
    return {
        name: o.name as string,
        ...(o.description !== undefined ? { description: o.description as string } : {}),
        inputs,
        schedule: (o.schedule as string).trim(),
        columns,
        sql,
    };
}

/** Reads and validates `<dir>/dataset.yaml` and `<dir>/dataset.sql`. */
export function loadDatasetDir(dir: string, options: ParseDatasetOptions = {}): DatasetDefinition {
    const read = (f: string): string => {
        const file = path.join(dir, f);
        if (!fs.existsSync(file)) throw new DatasetError(`dataset ${show(path.basename(dir))}: ${file} is missing (a dataset is a folder with ${DATASET_FILE} and ${DATASET_SQL_FILE})`);
        return fs.readFileSync(file, "utf8");
    };
    return parseDataset({ dir, yaml: read(DATASET_FILE), sql: read(DATASET_SQL_FILE) }, options);
}

/**
 * Every dataset under the roots (each root holds one folder per dataset).
 * A name defined in two roots is an error.
 */
export function loadDatasetCatalog(roots: readonly string[] = [DEFAULT_DATASET_ROOT], options: ParseDatasetOptions = {}): DatasetCatalog {
    const out = new Map<string, DatasetDefinition>();
    const where = new Map<string, string>();
    for (const root of roots) {
        if (!fs.existsSync(root) || !fs.statSync(root).isDirectory()) throw new DatasetError(`dataset root ${root} is not a folder (it must hold one folder per dataset)`);
        for (const entry of fs
            .readdirSync(root, { withFileTypes: true })
            .filter((e) => e.isDirectory())
            .map((e) => e.name)
            .sort()) {
            const dir = path.join(root, entry);
            const d = loadDatasetDir(dir, options);
            if (out.has(d.name)) throw new DatasetError(`dataset "${d.name}" is defined twice: in ${where.get(d.name)} and in ${dir}`);
            out.set(d.name, d);
            where.set(d.name, dir);
        }
    }
    return out;
}

let defaultCatalog: DatasetCatalog | undefined;

/** The repository's datasets (`datasets/`), loaded once. */
export function repositoryDatasets(): DatasetCatalog {
    return (defaultCatalog ??= loadDatasetCatalog([DEFAULT_DATASET_ROOT]));
}

/** The named datasets, in order; an unknown name is an error naming the known ones. */
export function pickDatasets(what: string, names: readonly unknown[], catalog: DatasetCatalog): DatasetDefinition[] {
    if (!Array.isArray(names) || names.length === 0) throw new DatasetError(`\`${what}\` must be a non-empty list of dataset names (${list([...catalog.keys()])}); received ${show(names)}`);
    return names.map((n, i) => {
        const d = typeof n === "string" ? catalog.get(n) : undefined;
        if (!d) throw new DatasetError(`\`${what}[${i}]\` must name a dataset (${list([...catalog.keys()])}: one folder each with ${DATASET_FILE} and ${DATASET_SQL_FILE}); received ${show(n)}`);
        return d;
    });
}

/** A catalog from definitions (the plan Lambda's packaged `datasets.json`). */
export function catalogOf(definitions: readonly DatasetDefinition[]): DatasetCatalog {
    return new Map(definitions.map((d) => [d.name, d]));
}
