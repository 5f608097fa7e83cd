/**
 * Pond dataset SQL, written ONCE per dataset (`datasets/<name>/dataset.sql`,
 * loaded and validated by functions/pond-etl/datasets.ts) in a subset both
 * Athena (Trino) and DuckDB run, rendered for either engine by
 * {@link renderDatasetQuery}.
 *
 * Placeholders: `{{events}}` (the lake events relation: the Glue table on
 * Athena, `read_json(...)` over lake files on DuckDB), `{{day}}` (the UTC day
 * `YYYY-MM-DD` being computed), `{{sourceFilter}}` (empty: `source` is a
 * column of the lake, not a partition, so no engine needs the sources listed)
 * and `PERCENTILE(x, q)` (Athena
 * `approx_percentile`, DuckDB `quantile_disc`: the same value on small
 * groups, approximate on Athena for large ones).
 *
 * Every query counts each event identity (source, eventId) once, as the
 * real-time processor does (Firehose and the stream are at-least-once):
 * `row_number() OVER (PARTITION BY source, eventId ...) = 1` (`source` is the
 * partition value, the encoded source: one-to-one with the source). The
 * definitions are the real-time path's (docs/analytics.md "Counting
 * semantics"): `bookings` counts booking events (first bookings and
 * rebookings), `cancellations` cancellation events, each on the route it names.
 * One query computes ONE day (the `dt` partition it is written to), so a
 * window is a list of days and each day's output can be replaced alone.
 */
import { DatasetCatalog, DatasetDefinition, repositoryDatasets } from "./datasets";
import { pondColumns } from "../shared/event-types";

/** A dataset's name (a folder under datasets/, functions/pond-etl/datasets.ts). */
export type Dataset = string;
export type Dialect = "athena" | "duckdb";

const DAY = /^\d{4}-\d{2}-\d{2}$/;

export class PondSqlError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "PondSqlError";
    }
}

/** The dataset's definition: a definition as is, a name from `catalog`. */
export function datasetOf(dataset: unknown, catalog: DatasetCatalog = repositoryDatasets()): DatasetDefinition {
    if (dataset !== null && typeof dataset === "object" && typeof (dataset as DatasetDefinition).sql === "string") return dataset as DatasetDefinition;
    const d = typeof dataset === "string" ? catalog.get(dataset) : undefined;
    if (!d) throw new PondSqlError(`dataset must be one of ${[...catalog.keys()].map((n) => `"${n}"`).join(", ")}; received ${JSON.stringify(dataset) ?? "nothing"}`);
    return d;
}

export function checkDay(what: string, day: unknown): string {
    if (typeof day !== "string" || !DAY.test(day) || new Date(`${day}T00:00:00Z`).toISOString().slice(0, 10) !== day) {
        throw new PondSqlError(`${what} must be a real UTC day in YYYY-MM-DD form; received ${JSON.stringify(day) ?? "nothing"}`);
    }
    return day;
}

/** Days `from` (inclusive) to `to` (exclusive). */
export function daysOf(from: string, to: string): string[] {
    checkDay("from", from);
    checkDay("to", to);
    if (to <= from) throw new PondSqlError(`to must be after from (received from "${from}", to "${to}")`);
    const out: string[] = [];
    for (let t = Date.parse(`${from}T00:00:00Z`); t < Date.parse(`${to}T00:00:00Z`); t += 86_400_000) out.push(new Date(t).toISOString().slice(0, 10));
    if (out.length > 31) throw new PondSqlError(`a window must cover at most 31 days (received ${out.length}, from "${from}" to "${to}")`);
    return out;
}

/** SQL string literal. */
export function sqlString(s: string): string {
    return `'${s.replace(/'/g, "''")}'`;
}

export interface RenderOptions {
    readonly dialect: Dialect;
    /** The events relation (table name or table function call). */
    readonly events: string;
    readonly day: string;
    /** Unused since `source` became a column (kept so older callers still type-check). */
    readonly sources?: readonly string[];
}

/** The dataset's SELECT for one day, for one engine. */
export function renderDatasetQuery(dataset: Dataset | DatasetDefinition, o: RenderOptions): string {
    const d = datasetOf(dataset);
    checkDay("day", o.day);
    const athena = o.dialect === "athena";
    const sourceFilter = "";
    const pct = athena ? "approx_percentile(" : "quantile_disc(";
    return d.sql
        .replace(/\{\{events\}\}/g, o.events)
        .replace(/\{\{day\}\}/g, o.day)
        .replace(/ ?\{\{sourceFilter\}\}/g, sourceFilter ? ` ${sourceFilter}` : "")
        .replace(/PERCENTILE\(/g, pct);
}

/** Athena UNLOAD of one dataset-day to `s3://<bucket>/<dataset>/dt=<day>/` as Parquet. */
export function athenaUnload(dataset: Dataset | DatasetDefinition, o: { eventsTable: string; day: string; sources?: readonly string[]; bucket: string }): string {
    const d = datasetOf(dataset);
    const select = renderDatasetQuery(d, { dialect: "athena", events: o.eventsTable, day: o.day, sources: o.sources });
    return `UNLOAD (\n${select}\n)\nTO ${sqlString(`s3://${o.bucket}/${outputPrefix(d.name, o.day)}`)}\nWITH (format = 'PARQUET', compression = 'SNAPPY')`;
}

/** Registers a dataset-day partition (idempotent). */
export function athenaAddPartition(o: { database: string; dataset: Dataset; day: string; bucket: string }): string {
    return `ALTER TABLE \`${o.database}\`.\`${o.dataset}\` ADD IF NOT EXISTS PARTITION (dt = ${sqlString(o.day)}) LOCATION ${sqlString(`s3://${o.bucket}/${outputPrefix(o.dataset, o.day)}`)}`;
}

/** Key prefix of a dataset-day in the pond: `<dataset>/dt=<day>/`. */
export function outputPrefix(dataset: Dataset, day: string): string {
    return `${dataset}/dt=${day}/`;
}

/** DuckDB relation over local lake files laid out as functions/lake/partitioning.ts says. */
export function duckdbEventsRelation(lakeDir: string): string {
    const glob = `${lakeDir.replace(/\/+$/, "")}/data/type=*/dt=*/hour=*/*.json.gz`;
    // The columns every registered event type carries (functions/shared/event-types), so a new type's fields are readable.
    const columns = pondColumns().map((c) => `${c.name}: '${c.duckdb}'`);
    return `read_json(${sqlString(glob)}, format = 'newline_delimited', compression = 'gzip', columns = {${columns.join(", ")}}, hive_partitioning = true, hive_types = {'type': VARCHAR, 'dt': VARCHAR, 'hour': VARCHAR})`;
}
