/**
 * npm run diagram -- --stack <dev|prod> [--out docs/architecture-<stack>.svg] [--dot FILE]
 *
 * Evaluates the stack under mocks and renders its architecture (components
 * with the AWS services of their resources, accounts as groups, data-flow
 * edges labelled with what flows, a legend: plan/diagram.ts) to SVG with
 * Graphviz compiled to WASM. `--help` prints the usage on stdout (exit 0);
 * unknown or missing options exit 2 with the usage on stderr (scripts/lib/cli.ts).
 */
import * as fs from "fs";
import * as path from "path";
import { Graphviz } from "@hpcc-js/wasm";
import { buildDiagram, toDot } from "../plan/diagram";
import { planStack } from "../plan/stack";
import { defineCommand, runMain, type Values } from "./lib/cli";

export const DIAGRAM_COMMAND = defineCommand({
    name: "diagram",
    invocation: "npm run diagram --",
    summary: "Renders the stack's architecture (AWS services, accounts, labelled data edges, a legend) from the plan to SVG.",
    options: {
        stack: { type: "string", required: true, value: "NAME", description: "the stack to plan (dev or prod)" },
        out: { type: "string", value: "FILE", default: "docs/architecture-<stack>.svg", description: "where to write the SVG" },
        dot: { type: "string", value: "FILE", description: "also write the Graphviz source" },
    },
});

async function diagram(values: Values<typeof DIAGRAM_COMMAND.options>): Promise<number> {
    const { stack, out, dot: dotFile } = values as { stack: string; out?: string; dot?: string };
    const result = await planStack(stack);
    const diagram = buildDiagram(result);
    const dot = toDot(diagram, `flightstream ${stack}: generated from the plan`);
    if (dotFile) fs.writeFileSync(dotFile, dot);
    const graphviz = await Graphviz.load();
    const svg = graphviz.dot(dot);
    const file = out ?? path.join(__dirname, "..", "docs", `architecture-${stack}.svg`);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, svg);
    console.log(`wrote ${path.relative(process.cwd(), file)}: ${diagram.nodes.length} components in ${Object.keys(diagram.accounts).length} accounts, ${diagram.edges.length} edges`);
    return 0;
}

if (require.main === module) runMain(DIAGRAM_COMMAND, diagram);
