import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { DatasetError, loadDatasetCatalog, parseDataset, pickDatasets, repositoryDatasets } from "../../functions/pond-etl/datasets";
import { athenaUnload, renderDatasetQuery } from "../../functions/pond-etl/sql";
import { buildPlan, eventTypesFor } from "../../functions/pond-etl/plan";
import { EVENT_TYPES } from "../../functions/shared/events";
import { PondEtl } from "@flightstream/components/pond";
import { evaluateError } from "../helpers/pulumi";
import { LEGACY_COLUMNS, LEGACY_DATASETS, LEGACY_EVENT_TYPES, legacyRender } from "./legacy-datasets";
import { pondEtlArgs } from "./pond-etl-args";

const GOOD_YAML = `name: cabin_searches_daily
inputs: [search]
schedule: rate(1 day)
columns:
  cabin: string
  searches: bigint
`;
const GOOD_SQL = `SELECT cabin, CAST(COUNT(*) AS BIGINT) AS searches
FROM {{events}}
WHERE type = 'search' AND dt = '{{day}}'
GROUP BY cabin
ORDER BY cabin
`;
const files = (yaml: string, sql = GOOD_SQL, dir = "/repo/datasets/cabin_searches_daily") => ({ dir, yaml, sql });
const fails = (yaml: string, sql?: string): string => {
    try {
        parseDataset(files(yaml, sql));
    } catch (e) {
        expect(e).to.be.instanceOf(DatasetError);
        return (e as Error).message;
    }
    throw new Error("expected parseDataset to fail");
};
const PREFIX = 'dataset "cabin_searches_daily" (/repo/datasets/cabin_searches_daily/dataset.yaml, /repo/datasets/cabin_searches_daily/dataset.sql): ';

describe("pond datasets as files", () => {
    it("the repository's two datasets render byte-identical SQL to the hard-coded templates they replaced, on both engines", () => {
        const catalog = repositoryDatasets();
        expect([...catalog.keys()]).to.deep.equal(["offer_price_stats_daily", "route_demand_daily"]);
        for (const name of LEGACY_DATASETS) {
            const d = catalog.get(name)!;
            expect(d.inputs).to.deep.equal(LEGACY_EVENT_TYPES[name]);
            expect(d.columns).to.deep.equal(LEGACY_COLUMNS[name]);
            for (const day of ["2026-11-20", "2024-02-29"]) {
                for (const dialect of ["athena", "duckdb"] as const) {
                    const o = { dialect, events: dialect === "athena" ? "fs_lake.events" : "read_json('x')", day };
                    expect(renderDatasetQuery(name, o)).to.equal(legacyRender(name, o));
                }
                expect(athenaUnload(name, { eventsTable: "fs_lake.events", day, bucket: "pond-ops" })).to.equal(
                    `UNLOAD (\n${legacyRender(name, { dialect: "athena", events: "fs_lake.events", day })}\n)\nTO 's3://pond-ops/${name}/dt=${day}/'\nWITH (format = 'PARQUET', compression = 'SNAPPY')`,
                );
            }
        }
        expect(eventTypesFor(["route_demand_daily", "offer_price_stats_daily"])).to.deep.equal(["booking", "cancellation", "offer", "search"]);
    });

    it("parses a dataset's two files into its definition (columns in file order, SQL without trailing whitespace)", () => {
        expect(parseDataset(files(GOOD_YAML))).to.deep.equal({
            name: "cabin_searches_daily",
            inputs: ["search"],
            schedule: "rate(1 day)",
            columns: [
                { name: "cabin", type: "string" },
                { name: "searches", type: "bigint" },
            ],
            sql: GOOD_SQL.trimEnd(),
        });
    });

    it("fails when an input is not a known event type", () => {
        expect(fails(GOOD_YAML.replace("[search]", "[search, seat_map]"))).to.equal(`${PREFIX}\`inputs[1]\` must be a known event type (${EVENT_TYPES.map((t) => `"${t}"`).join(", ")}); received "seat_map"`);
    });

    it("fails when a declared column is missing from the query", () => {
        expect(fails(GOOD_YAML.replace("  searches: bigint\n", "  searches: bigint\n  passengers: bigint\n"))).to.equal(`${PREFIX}\`columns.passengers\` is missing from dataset.sql: the query must select a column named passengers`);
        expect(fails(GOOD_YAML.replace(/columns:[\s\S]*/, "columns: {}\n"))).to.equal(`${PREFIX}\`columns\` must be a non-empty mapping of output column name to type ("string", "bigint", "double", "boolean"); received {}`);
    });

    it("fails when the schedule is not a Scheduler expression", () => {
        expect(fails(GOOD_YAML.replace("rate(1 day)", "daily"))).to.equal(`${PREFIX}\`schedule\` must be a Scheduler expression such as "rate(1 day)", "rate(6 hours)" or "cron(15 2 * * ? *)"; received "daily"`);
        expect(fails(GOOD_YAML.replace("rate(1 day)", "rate(1 days)"))).to.include('received "rate(1 days)"');
    });

    it("fails when the name, a key, a column type or the SQL is wrong, naming every problem at once", () => {
        const yaml = GOOD_YAML.replace("name: cabin_searches_daily", "name: cabins\nowner: web").replace("cabin: string", "cabin: varchar");
        expect(fails(yaml, "SELECT cabin, searches FROM {{events}} WHERE dt = '{{date}}';")).to.equal(
            `${PREFIX}\`owner\` must be absent (the keys are "name", "description", "inputs", "schedule", "columns"); received "web"; ` +
                '`name` must be the name of its folder ("cabin_searches_daily"); received "cabins"; ' +
                '`columns.cabin` must be one of "string", "bigint", "double", "boolean"; received "varchar"; ' +
                'dataset.sql must hold one statement without ";" (it is wrapped in UNLOAD / COPY); ' +
                "dataset.sql must use {{day}} (the UTC day computed, as dt = '{{day}}'); " +
                "dataset.sql: unknown placeholder {{date}} (the placeholders are {{events}}, {{day}}, {{sourceFilter}})",
        );
    });

    it("loads every folder of the roots and fails when a name is defined twice or a file is missing", () => {
        const root = fs.mkdtempSync(path.join(os.tmpdir(), "datasets-"));
        try {
            fs.mkdirSync(path.join(root, "cabin_searches_daily"));
            fs.writeFileSync(path.join(root, "cabin_searches_daily", "dataset.yaml"), GOOD_YAML);
            fs.writeFileSync(path.join(root, "cabin_searches_daily", "dataset.sql"), GOOD_SQL);
            const catalog = loadDatasetCatalog([path.join(__dirname, "..", "..", "datasets"), root]);
            expect([...catalog.keys()]).to.deep.equal(["offer_price_stats_daily", "route_demand_daily", "cabin_searches_daily"]);
            const plan = buildPlan({ pond: "web", datasets: ["cabin_searches_daily"], eventsTable: "fs_lake.events", pondDatabase: "fs_pond_web", pondBucket: "pond-web", catalog }, { from: "2026-11-20" }, [
                { Prefix: "data/type=search/", CommonPrefixes: [{ Prefix: "data/type=search/dt=2026-11-20/" }] },
            ]);
            expect(plan.items.map((i) => i.unloadQuery)).to.deep.equal([
                "UNLOAD (\nSELECT cabin, CAST(COUNT(*) AS BIGINT) AS searches\nFROM fs_lake.events\nWHERE type = 'search' AND dt = '2026-11-20'\nGROUP BY cabin\nORDER BY cabin\n)\nTO 's3://pond-web/cabin_searches_daily/dt=2026-11-20/'\nWITH (format = 'PARQUET', compression = 'SNAPPY')",
            ]);
            expect(() => pickDatasets("datasets", ["cabin_searches", "route_demand_daily"], catalog)).to.throw(
                '`datasets[0]` must name a dataset ("offer_price_stats_daily", "route_demand_daily", "cabin_searches_daily": one folder each with dataset.yaml and dataset.sql); received "cabin_searches"',
            );
            expect(() => loadDatasetCatalog([root, root])).to.throw(`dataset "cabin_searches_daily" is defined twice: in ${path.join(root, "cabin_searches_daily")} and in ${path.join(root, "cabin_searches_daily")}`);
            fs.rmSync(path.join(root, "cabin_searches_daily", "dataset.sql"));
            expect(() => loadDatasetCatalog([root])).to.throw(`dataset "cabin_searches_daily": ${path.join(root, "cabin_searches_daily", "dataset.sql")} is missing (a dataset is a folder with dataset.yaml and dataset.sql)`);
        } finally {
            fs.rmSync(root, { recursive: true, force: true });
        }
    });

    it("fails when a pond runs less often than one of its datasets asks, or a root holds an invalid dataset (PondEtl, eagerly)", async function () {
        this.timeout(30000);
        const root = fs.mkdtempSync(path.join(os.tmpdir(), "datasets-"));
        try {
            fs.mkdirSync(path.join(root, "cabin_searches_daily"));
            fs.writeFileSync(path.join(root, "cabin_searches_daily", "dataset.yaml"), GOOD_YAML.replace("rate(1 day)", "rate(1 hour)"));
            fs.writeFileSync(path.join(root, "cabin_searches_daily", "dataset.sql"), GOOD_SQL);
            const args = { ...pondEtlArgs("web", ["cabin_searches_daily"]), datasetRoots: [root] };
            expect((await evaluateError(() => new PondEtl("etl", args))).message).to.equal(
                'PondEtl etl: `schedule` must be a schedule running at least as often as dataset "cabin_searches_daily" asks (its schedule rate(1 hour), every 3600 s; this one runs every 86400 s) (received "cron(15 2 * * ? *)").',
            );
            fs.writeFileSync(path.join(root, "cabin_searches_daily", "dataset.yaml"), GOOD_YAML.replace("[search]", "[seat_map]"));
            expect((await evaluateError(() => new PondEtl("etl", { ...args, schedule: "rate(1 hour)" }))).message).to.match(
                /^PondEtl etl: `datasetRoots` must be folders of valid datasets \(dataset "cabin_searches_daily" \(.*\): `inputs\[0\]` must be a known event type \(.*\); received "seat_map"\) \(received \[.*\]\)\.$/,
            );
        } finally {
            fs.rmSync(root, { recursive: true, force: true });
        }
    });
});
