import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { Graphviz } from "@hpcc-js/wasm";
import { LEGEND, UNNAMED_FLOW, buildDiagram, nodeText, serviceOf, toDot, type Diagram } from "../../plan/diagram";
import { planStack } from "../../plan/stack";
import { DIAGRAM_COMMAND } from "../../scripts/diagram";
import { parseCommand, runCommand, usage } from "../../scripts/lib/cli";

const SERVICES = [
    "Route 53",
    "ALB",
    "ECS Fargate",
    "WAF",
    "ECR",
    "Kinesis Data Streams",
    "Firehose",
    "S3",
    "Glue",
    "Athena",
    "Aurora Serverless v2",
    "API Gateway",
    "Lambda",
    "Step Functions",
    "SNS",
    "SQS",
    "EventBridge Scheduler",
    "EventBridge",
    "SageMaker",
    "KMS",
    "CloudWatch",
    "IAM",
];

/** Graphviz escapes these in SVG text. */
const svgText = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/-/g, "&#45;");

describe("architecture diagram: AWS services, flow labels and legend", function () {
    this.timeout(180000);
    let diagram: Diagram;
    let svg: string;

    before(async () => {
        diagram = buildDiagram(await planStack("prod"));
        svg = (await Graphviz.load()).dot(toDot(diagram, "flightstream prod: generated from the plan"));
    });

    it("maps Pulumi resource types to their AWS service", () => {
        expect(serviceOf("aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream")).to.equal("Firehose");
        expect(serviceOf("aws:kinesis/stream:Stream")).to.equal("Kinesis Data Streams");
        expect(serviceOf("aws:cloudwatch/eventRule:EventRule")).to.equal("EventBridge");
        expect(serviceOf("aws:cloudwatch/metricAlarm:MetricAlarm")).to.equal("CloudWatch");
        expect(serviceOf("aws:rds/cluster:Cluster")).to.equal("Aurora Serverless v2");
        expect(serviceOf("aws:lb/loadBalancer:LoadBalancer")).to.equal("ALB");
        expect(serviceOf("aws:ecs/service:Service")).to.equal("ECS Fargate");
        expect(serviceOf("flightstream:stream:KinesisStream")).to.equal(undefined);
    });

    it("names the main AWS services of each component, derived from its planned resources", () => {
        const main = (label: string) => {
            const n = diagram.nodes.find((x) => x.label === label);
            expect(n, label).to.not.equal(undefined);
            return nodeText(n!)[0];
        };
        expect(main("IngestionService\\ningestion")).to.equal("ALB + ECS Fargate + ECR + Route 53 + WAF + S3");
        expect(main("KinesisStream\\nstream")).to.equal("Kinesis Data Streams");
        expect(main("LakeDelivery\\nlake-delivery")).to.equal("Firehose + Lambda");
        expect(main("DataLake\\nlake")).to.equal("S3");
        expect(main("LakeCatalog\\nlake-catalog")).to.equal("Glue");
        expect(main("AuroraDatabase\\nanalytics-db")).to.match(/^Aurora Serverless v2/);
        expect(main("InsightsApi\\nanalytics-insights")).to.equal("API Gateway + Lambda");
        expect(main("ReplayWorkflow\\nreplay")).to.equal("Lambda + Step Functions");
        expect(main("OnCall\\noncall-ingestion")).to.equal("SNS");
        expect(main("PondEtl\\npond-etl-revenue")).to.contain("Athena").and.to.contain("EventBridge Scheduler").and.to.contain("Step Functions");
        for (const n of diagram.nodes) expect(n.services.length, `${n.label} has no AWS service`).to.be.greaterThan(0);
    });

    it("labels the data path's edges with what flows", () => {
        const byLabel = (l: string) => diagram.nodes.find((n) => n.label === l)!.id;
        const edge = (from: string, to: string) => diagram.edges.find((e) => e.from === byLabel(from) && e.to === byLabel(to))?.label;
        expect(edge("IngestionService\\ningestion", "KinesisStream\\nstream")).to.equal("events: KPL aggregates of compressed frames (PutRecords)");
        expect(edge("KinesisStream\\nstream", "LakeDelivery\\nlake-delivery")).to.equal("aggregates (Firehose Kinesis source)");
        expect(edge("KinesisStream\\nstream", "StreamProcessor\\nanalytics-processor")).to.equal("aggregates (event source mapping, enhanced fan-out)");
        expect(edge("LakeDelivery\\nlake-delivery", "DataLake\\nlake")).to.equal("gzip JSON lines by type/dt/hour");
        expect(edge("PondEtl\\npond-etl-revenue", "Pond\\npond-revenue")).to.equal("Parquet (Athena UNLOAD)");
        expect(edge("StreamProcessor\\nanalytics-processor", "AuroraDatabase\\nanalytics-db")).to.equal("rows: aggregates, claims, state (Data API)");
        expect(edge("AuroraDatabase\\nanalytics-db", "InsightsApi\\nanalytics-insights")).to.equal("SQL reads (Data API)");
        // the derived-stream writer writes the clean stream (no event source mapping on it); the stats consumer reads it
        expect(edge("StreamConsumer\\nclean-writer", "KinesisStream\\nstream-clean")).to.equal("derived events (PutRecords)");
        expect(edge("KinesisStream\\nstream-clean", "StreamConsumer\\nclean-stats")).to.equal("aggregates (event source mapping)");
        const data = diagram.edges.filter((e) => e.kind === "data");
        expect(data.every((e) => typeof e.label === "string" && e.label.length > 0)).to.equal(true);
        // every data edge of the prod plan says what flows (a new pair of component types needs its FLOWS entry)
        const label = (urn: string) => diagram.nodes.find((n) => n.id === urn)!.label.replace("\\n", " ");
        expect(data.filter((e) => e.label === UNNAMED_FLOW).map((e) => `${label(e.from)} -> ${label(e.to)}`)).to.deep.equal([]);
    });

    it("the SVG names every AWS service and carries the legend", () => {
        for (const s of SERVICES) expect(svg, s).to.include(svgText(s));
        expect(svg).to.include(">Legend<");
        for (const k of ["node", "data", "control", "alarms", "account"] as const) expect(svg, k).to.include(svgText(LEGEND[k]));
        expect(svg).to.include(svgText("events: KPL aggregates of compressed frames (PutRecords)"));
        expect(svg).to.include(svgText("Parquet (Athena UNLOAD)"));
    });

    it("the committed docs/architecture-prod.svg is the generated one (npm run diagram -- --stack prod)", () => {
        const committed = fs.readFileSync(path.resolve(__dirname, "..", "..", "docs", "architecture-prod.svg"), "utf8");
        expect(committed).to.equal(svg);
    });
});

describe("npm run diagram options", () => {
    const run = async (argv: string[]) => {
        const out: string[] = [];
        const err: string[] = [];
        const code = await runCommand(DIAGRAM_COMMAND, argv, () => 0, { out: (t) => out.push(t), err: (t) => err.push(t) });
        return { code, out, err };
    };
    it("parses --stack, --out and --dot", () => {
        expect(parseCommand(DIAGRAM_COMMAND, ["--stack", "prod", "--out", "x.svg", "--dot", "x.dot"])).to.deep.equal({ help: false, values: { stack: "prod", out: "x.svg", dot: "x.dot" }, positionals: [] });
    });
    it("--help gives the usage with exit 0", async () => {
        expect(await run(["--help"])).to.deep.equal({ code: 0, out: [usage(DIAGRAM_COMMAND)], err: [] });
    });
    it("fails when an option is unknown, with exit 2 and the usage", async () => {
        expect(await run(["--stack", "prod", "--colour"])).to.deep.equal({ code: 2, out: [], err: [`diagram: unknown option \`--colour\` (allowed: --stack, --out, --dot, --help)\n\n${usage(DIAGRAM_COMMAND)}`] });
    });
    it("fails when --stack is missing, with exit 2 and the usage", async () => {
        expect(await run(["--out", "x.svg"])).to.deep.equal({ code: 2, out: [], err: [`diagram: \`--stack\` is required\n\n${usage(DIAGRAM_COMMAND)}`] });
    });
});

describe("diagram legend", () => {
    const node = (id: string, label: string) => ({ id, label, account: "ingestion", resources: 1, services: ["Lambda"], supporting: [] });
    it("explains grey edges only when an edge's payload is not named", () => {
        const named = toDot({ nodes: [node("a", "A\\na"), node("b", "B\\nb")], edges: [{ from: "a", to: "b", kind: "data", label: "events" }], accounts: {} }, "t");
        expect(named).to.include(LEGEND.data).and.to.include(LEGEND.alarms).and.to.include(LEGEND.control);
        expect(named).to.not.include("wiring whose payload");
        const unnamed = toDot({ nodes: [node("a", "A\\na"), node("b", "B\\nb")], edges: [{ from: "a", to: "b", kind: "data", label: UNNAMED_FLOW }], accounts: {} }, "t");
        expect(unnamed).to.include("wiring whose payload the generator does not name");
        expect(unnamed).to.include('n0 -> n1 [penwidth=1.6, label="references", color="#8a8a8a", fontcolor="#8a8a8a"]');
    });
});
