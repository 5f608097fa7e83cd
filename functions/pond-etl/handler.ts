/**
 * Pond ETL "plan" task (invoked by the pond's state machine): renders the
 * window's dataset-day queries from functions/pond-etl/sql.ts. Configuration
 * comes from the environment: POND, POND_DATASETS (comma-separated),
 * EVENTS_TABLE (`<lake db>.events`), POND_DATABASE, POND_BUCKET. The
 * datasets' definitions (their dataset.yaml and dataset.sql, validated at
 * deploy time) are packaged next to the bundle as `datasets.json`
 * (POND_DATASETS_FILE overrides the path); without that file the
 * repository's datasets/ folder is read (tests, the local platform).
 */
import * as fs from "fs";
import * as path from "path";
import { DatasetDefinition, catalogOf, repositoryDatasets } from "./datasets";
import { Plan, PlanConfig, PlanInput, SourceListing, buildPlan } from "./plan";

/** The packaged definitions file, next to index.js. */
export const DATASETS_FILE = "datasets.json";

export function configFromEnv(env: NodeJS.ProcessEnv = process.env): PlanConfig {
    const need = (k: string): string => {
        const v = env[k];
        if (!v) throw new Error(`environment variable ${k} must be set (received ${JSON.stringify(v) ?? "nothing"})`);
        return v;
    };
    return {
        pond: need("POND"),
        datasets: need("POND_DATASETS").split(","),
        eventsTable: need("EVENTS_TABLE"),
        pondDatabase: need("POND_DATABASE"),
        pondBucket: need("POND_BUCKET"),
        catalog: catalogFromFile(env.POND_DATASETS_FILE ?? path.join(__dirname, DATASETS_FILE)),
    };
}

export async function handler(event: { input?: PlanInput; listings?: SourceListing[] }): Promise<Plan> {
    const plan = buildPlan(configFromEnv(), event?.input ?? {}, event?.listings ?? []);
    console.log(JSON.stringify({ level: "info", message: "pond ETL plan", window: plan.window, items: plan.items.length }));
    return plan;
}

function catalogFromFile(file: string): PlanConfig["catalog"] {
    if (!fs.existsSync(file)) return repositoryDatasets();
    return catalogOf(JSON.parse(fs.readFileSync(file, "utf8")) as DatasetDefinition[]);
}
