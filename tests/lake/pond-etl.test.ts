import { expect } from "chai";
import { athenaAddPartition, athenaUnload, daysOf, renderDatasetQuery } from "../../functions/pond-etl/sql";
import { buildPlan, eventTypesFor, sourcesByType, windowOf } from "../../functions/pond-etl/plan";
import { configFromEnv, handler } from "../../functions/pond-etl/handler";
import { pondEtlDefinition } from "../../functions/pond-etl/asl";

const validateAsl: (def: unknown, opts?: { checkPaths?: boolean; checkArn?: boolean }) => { isValid: boolean; errorsText: (sep?: string) => string } = require("asl-validator");

const CONFIG = { pond: "ops", datasets: ["route_demand_daily", "offer_price_stats_daily"], eventsTable: "fs_lake.events", pondDatabase: "fs_pond_ops", pondBucket: "pond-ops" };
const LISTINGS = [
    { Prefix: "data/type=offer/", CommonPrefixes: [{ Prefix: "data/type=offer/dt=2026-11-20/" }, { Prefix: "data/type=offer/dt=2026-11-19/" }] },
    { Prefix: "data/type=search/", CommonPrefixes: [{ Prefix: "data/type=search/dt=2026-11-20/" }, { Prefix: "data/type=search/source=o%27hare/" }] },
    { Prefix: "data/type=booking/" },
];

describe("pond ETL: SQL, plan and state machine definition", () => {
    it("renders the Athena UNLOAD without a source filter (source is a column) and with the percentile adapter", () => {
        const q = athenaUnload("offer_price_stats_daily", { eventsTable: "fs_lake.events", day: "2026-11-20", sources: ["app", "web"], bucket: "pond-ops" });
        expect(q.startsWith("UNLOAD (\nWITH e AS (")).to.equal(true);
        expect(q).to.include("WHERE type = 'offer' AND dt = '2026-11-20'\n");
        expect(q).not.to.include("source IN");
        expect(q).to.include("CAST(approx_percentile(amount, 0.5) AS DOUBLE) AS p50_price");
        expect(q).to.include("FROM fs_lake.events");
        expect(q.endsWith(")\nTO 's3://pond-ops/offer_price_stats_daily/dt=2026-11-20/'\nWITH (format = 'PARQUET', compression = 'SNAPPY')")).to.equal(true);
        const d = renderDatasetQuery("offer_price_stats_daily", { dialect: "duckdb", events: "t", day: "2026-11-20" });
        expect(d).to.include("quantile_disc(amount, 0.9)");
        expect(d).to.include("WHERE type = 'offer' AND dt = '2026-11-20'\n");
        expect(d).not.to.include("source IN");
        expect(athenaAddPartition({ database: "fs_pond_ops", dataset: "route_demand_daily", day: "2026-11-20", bucket: "pond-ops" })).to.equal(
            "ALTER TABLE `fs_pond_ops`.`route_demand_daily` ADD IF NOT EXISTS PARTITION (dt = '2026-11-20') LOCATION 's3://pond-ops/route_demand_daily/dt=2026-11-20/'",
        );
    });

    it("fails when a day is not a real day", () => {
        expect(() => daysOf("2026-02-30", "2026-03-02")).to.throw('from must be a real UTC day in YYYY-MM-DD form; received "2026-02-30"');
        expect(() => daysOf("2026-01-01", "2026-03-01")).to.throw('a window must cover at most 31 days (received 59, from "2026-01-01" to "2026-03-01")');
    });

    it("takes the previous UTC day for a scheduled run, or the window given", () => {
        expect(windowOf({ scheduledTime: "2026-11-21T02:15:00Z" })).to.deep.equal({ from: "2026-11-20", to: "2026-11-21" });
        expect(windowOf({ from: "2026-11-18", to: "2026-11-20", scheduledTime: "2026-11-21T02:15:00Z" })).to.deep.equal({ from: "2026-11-18", to: "2026-11-20" });
        expect(windowOf({ from: "2026-11-18" })).to.deep.equal({ from: "2026-11-18", to: "2026-11-19" });
        expect(() => windowOf({})).to.throw("scheduledTime must be an ISO-8601 time when from is not given; received nothing");
        expect(() => windowOf({ to: "2026-11-18" })).to.throw('from is required when to is given (received to "2026-11-18")');
    });

    it("plans one item per dataset-day, an UNLOAD where the lake has the dataset's types and none when it has nothing", () => {
        expect(sourcesByType(LISTINGS)).to.deep.equal({ offer: ["2026-11-19", "2026-11-20"], search: ["2026-11-20", "o%27hare"] });
        const plan = buildPlan(CONFIG, { from: "2026-11-19", to: "2026-11-21" }, LISTINGS);
        expect(plan.window).to.deep.equal({ from: "2026-11-19", to: "2026-11-21" });
        expect(plan.items.map((i) => [i.dataset, i.day, i.outputPrefix])).to.deep.equal([
            ["route_demand_daily", "2026-11-19", "route_demand_daily/dt=2026-11-19/"],
            ["offer_price_stats_daily", "2026-11-19", "offer_price_stats_daily/dt=2026-11-19/"],
            ["route_demand_daily", "2026-11-20", "route_demand_daily/dt=2026-11-20/"],
            ["offer_price_stats_daily", "2026-11-20", "offer_price_stats_daily/dt=2026-11-20/"],
        ]);
        expect(plan.items[0].unloadQuery).to.include("WHERE type IN ('search', 'booking', 'cancellation') AND dt = '2026-11-19'\n");
        expect(plan.items[1].unloadQuery).to.include("WHERE type = 'offer' AND dt = '2026-11-19'\n");
        const empty = buildPlan(CONFIG, { from: "2026-11-19" }, []);
        expect(empty.items.map((i) => "unloadQuery" in i)).to.deep.equal([false, false]);
        expect(eventTypesFor(["route_demand_daily"])).to.deep.equal(["booking", "cancellation", "search"]);
    });

    it("runs the plan handler from its environment", async () => {
        const saved = { ...process.env };
        Object.assign(process.env, { POND: "ops", POND_DATASETS: "offer_price_stats_daily", EVENTS_TABLE: "fs_lake.events", POND_DATABASE: "fs_pond_ops", POND_BUCKET: "pond-ops" });
        const log = console.log;
        console.log = () => undefined;
        try {
            const plan = await handler({ input: { scheduledTime: "2026-11-21T02:45:00Z" }, listings: LISTINGS });
            expect(plan.items.map((i) => i.outputPrefix)).to.deep.equal(["offer_price_stats_daily/dt=2026-11-20/"]);
        } finally {
            console.log = log;
            process.env = saved;
        }
        expect(() => configFromEnv({ POND: "ops" })).to.throw("environment variable POND_DATASETS must be set (received nothing)");
    });

    it("builds a valid state machine definition that clears before it writes and notifies on failure", () => {
        const def = pondEtlDefinition({
            pond: "ops",
            lakeBucket: "lake",
            pondBucket: "pond-ops",
            workGroup: "prod-pond-ops",
            eventTypes: ["offer"],
            planFunctionArn: "arn:aws:lambda:eu-west-1:222222222222:function:prod-pond-etl-ops-plan",
            failureTopicArn: "arn:aws:sns:eu-west-1:222222222222:prod-oncall-lake-ticket",
        });
        const res = validateAsl(JSON.parse(JSON.stringify(def)), { checkPaths: true, checkArn: true });
        expect(res.isValid, res.errorsText("\n")).to.equal(true);
        const inner = (def.States.RunDatasets as any).ItemProcessor.States;
        expect(inner.ListOutput.Next).to.equal("OutputExists?");
        expect(inner.DeleteOutput.Next).to.equal("ListOutput");
        expect(inner["HasSources?"].Choices).to.deep.equal([{ Variable: "$.unloadQuery", IsPresent: true, Next: "Unload" }]);
        expect(inner.Unload.Resource).to.equal("arn:aws:states:::athena:startQueryExecution.sync");
        expect(inner.Unload.Next).to.equal("AddPartition");
        for (const s of ["ListSources", "Plan", "RunDatasets"]) expect((def.States[s] as any).Catch).to.deep.equal([{ ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: "NotifyFailure" }]);
        expect(def.States.NotifyFailure.Next).to.equal("Failed");
        const broken = JSON.parse(JSON.stringify(def));
        broken.States.Plan.Next = "Nowhere";
        expect(validateAsl(broken, { checkPaths: true, checkArn: true }).isValid).to.equal(false);
    });
});
