/**
 * npm run diagram -- --stack <dev|prod> [--out docs/architecture-<stack>.svg] [--dot FILE]
 *
 * Evaluates the stack under mocks and renders its architecture (components,
 * accounts as groups, data-flow edges) to SVG with Graphviz compiled to WASM.
 */
import * as fs from "fs";
import * as path from "path";
import { Graphviz } from "@hpcc-js/wasm";
import { buildDiagram, toDot } from "../plan/diagram";
import { planStack } from "../plan/stack";

function usage(msg: string): never {
    console.error(`diagram: ${msg}\nusage: npm run diagram -- --stack <dev|prod> [--out FILE.svg] [--dot FILE.dot]`);
    process.exit(2);
}

async function main() {
    const argv = process.argv.slice(2);
    let stack: string | undefined;
    let out: string | undefined;
    let dotFile: string | undefined;
    for (let i = 0; i < argv.length; i++) {
        if (argv[i] === "--stack") stack = argv[++i] ?? usage("--stack needs a value");
        else if (argv[i] === "--out") out = argv[++i] ?? usage("--out needs a file name");
        else if (argv[i] === "--dot") dotFile = argv[++i] ?? usage("--dot needs a file name");
        else usage(`unknown argument "${argv[i]}"`);
    }
    if (!stack) usage("--stack is required");
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
    process.exit(0);
}

main().catch((e) => {
    console.error(`diagram: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(2);
});
