import { expect } from "chai";
import { TopicRef } from "@flightstream/components/common/grants";
import * as path from "path";
import { teamPond, TEAM_DATASET_ROOT } from "../../examples/team-stack/pond";
import { loadDatasetCatalog } from "../../functions/pond-etl/datasets";
import { planCode } from "@flightstream/components/pond/PondEtl";
import { buildPlan } from "../../functions/pond-etl/plan";
import { alarmProblems } from "../../plan/checks";
import { all, evaluate, one, testProvider } from "../helpers/pulumi";

const TEAM = "555555555555";
const TOPIC = `arn:aws:sns:eu-west-1:${TEAM}:web-oncall`;

describe("examples/team-stack: the team's own dataset file (datasets/route_cabin_searches_daily)", function () {
    this.timeout(60000);

    it("plans a pond whose Glue table, grants and plan Lambda come from the team's dataset files", async () => {
        const r = await evaluate(
            () =>
                teamPond(
                    {
                        accountId: TEAM,
                        region: "eu-west-1",
                        lake: { bucketName: "prod-lake", bucketArn: "arn:aws:s3:::prod-lake", keyArn: "arn:aws:kms:eu-west-1:402345678901:key/lake", databaseName: "prod_flightstream_lake" },
                        readerPrincipalArns: [`arn:aws:iam::${TEAM}:role/web-analysts`],
                        failureTopic: TopicRef.fromTopicAttributes({ topicArn: TOPIC }),
                        routing: { page: [TOPIC], ticket: [TOPIC] },
                    },
                    testProvider("team", TEAM),
                ),
            { project: "team-clickstream", stack: "staging" },
        );
        const table = one(r, "aws:glue/catalogTable:CatalogTable");
        expect(table.inputs.name).to.equal("route_cabin_searches_daily");
        expect(table.inputs.storageDescriptor.columns).to.deep.equal([
            { name: "route", type: "string" },
            { name: "cabin", type: "string" },
            { name: "searches", type: "bigint" },
            { name: "seats", type: "bigint" },
        ]);
        const fn = all(r, "aws:lambda/function:Function").find((f) => f.name === "web-pond-etl-plan")!;
        expect(fn.inputs.environment.variables.POND_DATASETS).to.equal("route_cabin_searches_daily");
        // The plan Lambda's archive carries the pond's definitions, read from the team's folder.
        const assets = await (planCode([...loadDatasetCatalog([TEAM_DATASET_ROOT]).values()]) as unknown as { assets: Promise<Record<string, { text: Promise<string> }>> }).assets;
        expect(Object.keys(assets).sort()).to.deep.equal(["datasets.json", "index.js", "index.js.map"]);
        const packaged = JSON.parse(await assets["datasets.json"].text) as { name: string; sql: string }[];
        expect(packaged.map((d) => d.name)).to.deep.equal(["route_cabin_searches_daily"]);
        expect(packaged[0].sql).to.include("CAST(SUM(passengers) AS BIGINT) AS seats");
        expect(alarmProblems(r)).to.deep.equal([]);
    });

    it("the team's dataset renders its one-day query from its own folder", () => {
        const catalog = loadDatasetCatalog([TEAM_DATASET_ROOT]);
        expect(path.relative(path.join(__dirname, "..", ".."), TEAM_DATASET_ROOT)).to.equal(path.join("examples", "team-stack", "datasets"));
        const plan = buildPlan(
            { pond: "web", datasets: ["route_cabin_searches_daily"], eventsTable: "prod_flightstream_lake.events", pondDatabase: "staging_pond_web", pondBucket: "pond-web", catalog },
            { scheduledTime: "2026-12-02T03:30:00Z" },
            [{ Prefix: "data/type=search/", CommonPrefixes: [{ Prefix: "data/type=search/dt=2026-12-01/" }] }],
        );
        expect(plan.items.map((i) => [i.dataset, i.day, i.outputPrefix])).to.deep.equal([["route_cabin_searches_daily", "2026-12-01", "route_cabin_searches_daily/dt=2026-12-01/"]]);
        expect(plan.items[0].unloadQuery).to.include("WHERE type = 'search' AND dt = '2026-12-01'\n)\nSELECT origin || '-' || destination AS route, cabin,");
    });
});
