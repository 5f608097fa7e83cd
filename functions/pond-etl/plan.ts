/**
 * The pond ETL plan (pure): from the execution input (a window, or the
 * schedule's time) and the lake's source listings, the list of dataset-day
 * items the state machine runs: clear the output prefix, UNLOAD the day's
 * query (when the lake has sources for it), register the partition.
 */
import { DatasetCatalog, DatasetDefinition, repositoryDatasets } from "./datasets";
import { Dataset, PondSqlError, athenaAddPartition, athenaUnload, checkDay, datasetOf, daysOf, outputPrefix } from "./sql";

export interface PlanInput {
    /** First UTC day (inclusive). @default - the day before `scheduledTime` */
    readonly from?: string;
    /** Last UTC day (exclusive). @default - the day after `from` */
    readonly to?: string;
    /** ISO time the schedule fired (`<aws.scheduler.scheduled-time>`). */
    readonly scheduledTime?: string;
}

/** One S3 ListObjectsV2 answer for `data/type=<type>/` with Delimiter "/". */
export interface SourceListing {
    readonly Prefix?: string;
    readonly CommonPrefixes?: readonly { readonly Prefix?: string }[];
}

export interface PlanConfig {
    readonly pond: string;
    readonly datasets: readonly string[];
    readonly eventsTable: string;
    readonly pondDatabase: string;
    readonly pondBucket: string;
    /** Where `datasets` are looked up. @default - the repository's datasets/ */
    readonly catalog?: DatasetCatalog;
}

export interface PlanItem {
    readonly dataset: Dataset;
    readonly day: string;
    readonly outputPrefix: string;
    /** Absent when no source has events of the dataset's types (nothing to write). */
    readonly unloadQuery?: string;
    readonly addPartitionQuery: string;
}

export interface Plan {
    readonly window: { readonly from: string; readonly to: string };
    readonly items: PlanItem[];
}

/** Resolves the window: explicit days, or the UTC day before the schedule time. */
export function windowOf(input: PlanInput): { from: string; to: string } {
    if (input.from !== undefined) {
        const from = checkDay("from", input.from);
        const to = input.to === undefined ? new Date(Date.parse(`${from}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10) : checkDay("to", input.to);
        daysOf(from, to);
        return { from, to };
    }
    if (input.to !== undefined) throw new PondSqlError(`from is required when to is given (received to "${input.to}")`);
    const t = typeof input.scheduledTime === "string" ? Date.parse(input.scheduledTime) : NaN;
    if (Number.isNaN(t)) {
        throw new PondSqlError(`scheduledTime must be an ISO-8601 time when from is not given; received ${JSON.stringify(input.scheduledTime) ?? "nothing"}`);
    }
    const today = new Date(t).toISOString().slice(0, 10);
    return { from: new Date(Date.parse(`${today}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10), to: today };
}

/** Source partition values per event type, from the listings. */
export function sourcesByType(listings: readonly SourceListing[]): Record<string, string[]> {
    const out: Record<string, string[]> = {};
    for (const l of listings) {
        for (const cp of l.CommonPrefixes ?? []) {
            // `data/type=<t>/dt=<day>/` since `source` is a column (the day stands in for the source); older lakes: `source=<s>/`.
            const m = /^data\/type=([^/]+)\/(?:source|dt)=([^/]+)\/$/.exec(cp.Prefix ?? "");
            if (!m) continue;
            (out[m[1]] ??= []).push(m[2]);
        }
    }
    for (const k of Object.keys(out)) out[k] = [...new Set(out[k])].sort();
    return out;
}

export function buildPlan(config: PlanConfig, input: PlanInput, listings: readonly SourceListing[]): Plan {
    const window = windowOf(input ?? {});
    const datasets = config.datasets.map((d) => datasetOf(d, config.catalog ?? repositoryDatasets()));
    const byType = sourcesByType(listings ?? []);
    const items: PlanItem[] = [];
    for (const day of daysOf(window.from, window.to)) {
        for (const dataset of datasets) {
            const sources = [...new Set(dataset.inputs.flatMap((t) => byType[t] ?? []))].sort();
            items.push({
                dataset: dataset.name,
                day,
                outputPrefix: outputPrefix(dataset.name, day),
                ...(sources.length > 0 ? { unloadQuery: athenaUnload(dataset, { eventsTable: config.eventsTable, day, sources, bucket: config.pondBucket }) } : {}),
                addPartitionQuery: athenaAddPartition({ database: config.pondDatabase, dataset: dataset.name, day, bucket: config.pondBucket }),
            });
        }
    }
    return { window, items };
}

/** Event types whose sources the state machine lists for these datasets. */
export function eventTypesFor(datasets: readonly (string | DatasetDefinition)[], catalog: DatasetCatalog = repositoryDatasets()): string[] {
    return [...new Set(datasets.map((d) => datasetOf(d, catalog)).flatMap((d) => d.inputs))].sort();
}
