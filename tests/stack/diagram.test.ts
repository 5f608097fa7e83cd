import { expect } from "chai";
import { Graphviz } from "@hpcc-js/wasm";
import { buildDiagram, toDot } from "../../plan/diagram";
import { planStack } from "../../plan/stack";

describe("architecture diagram generated from the plan", function () {
    this.timeout(120000);

    it("labels every component, groups accounts and draws the data path", async () => {
        const r = await planStack("prod");
        const d = buildDiagram(r);
        const label = (urn: string) => d.nodes.find((n) => n.id === urn)!.label.replace("\\n", " ");
        const topComponents = r.resources.filter((x) => !x.custom && x.parentUrn === null);
        expect(d.nodes.length).to.equal(topComponents.length);
        expect(Object.keys(d.accounts).sort()).to.deep.equal(["analytics", "ingestion", "lake", "pond-revenue", "pond-science"]);
        const data = d.edges.filter((e) => e.kind === "data").map((e) => `${label(e.from)} -> ${label(e.to)}`);
        expect(data).to.include.members([
            "IngestionService ingestion -> KinesisStream stream",
            "KinesisStream stream -> LakeDelivery lake-delivery",
            "KinesisStream stream -> StreamProcessor analytics-processor",
            "LakeDelivery lake-delivery -> DataLake lake",
            "DataLake lake -> PondEtl pond-etl-revenue",
            "PondEtl pond-etl-revenue -> Pond pond-revenue",
            "StreamProcessor analytics-processor -> AuroraDatabase analytics-db",
            "AuroraDatabase analytics-db -> InsightsApi analytics-insights",
        ]);
        const control = d.edges.filter((e) => e.kind === "control").map((e) => `${label(e.from)} -> ${label(e.to)}`);
        expect(control).to.include.members(["ReplayWorkflow replay -> StreamProcessor analytics-processor", "ReshardWorkflow reshard -> KinesisStream stream"]);
        const svg = (await Graphviz.load()).dot(toDot(d, "prod"));
        expect(svg).to.match(/^<\?xml/);
        for (const acct of ["ingestion account", "lake account", "science account", "401234567890"]) expect(svg).to.include(acct);
    });
});
