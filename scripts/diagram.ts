/**
 * npm run diagram -- --stack <dev|prod> [--out docs/architecture-<stack>.svg] [--dot FILE]
 *
 * Evaluates the stack under mocks and renders its architecture (components
 * with the AWS services of their resources, accounts as groups, data-flow
 * edges labelled with what flows, a legend: plan/diagram.ts) to SVG with
 * Graphviz compiled to WASM. `--help` prints the usage on stdout (exit 0);
 * unknown or missing options exit 2 with the usage on stderr.
 */
import * as fs from "fs";
import * as path from "path";
import { parseArgs } from "node:util";
import { Graphviz } from "@hpcc-js/wasm";
import { buildDiagram, toDot } from "../plan/diagram";
import { planStack } from "../plan/stack";

export const USAGE = `usage: npm run diagram -- --stack <dev|prod> [--out FILE.svg] [--dot FILE.dot]

  --stack NAME   the stack to plan (dev or prod)
  --out FILE     where to write the SVG (default docs/architecture-<stack>.svg)
  --dot FILE     also write the Graphviz source
  --help         this text`;

/** The options, or the exit code and message (2: bad options, with the usage; 0: --help, on stdout). */
export function parseDiagramArgs(argv: readonly string[]): { stack: string; out?: string; dot?: string } | { exit: 0 | 2; message: string } {
    let values: { stack?: string; out?: string; dot?: string; help?: boolean };
    try {
        values = parseArgs({ args: [...argv], strict: true, allowPositionals: false, options: { stack: { type: "string" }, out: { type: "string" }, dot: { type: "string" }, help: { type: "boolean" } } }).values;
    } catch (e) {
        return { exit: 2, message: `diagram: ${(e as Error).message}\n\n${USAGE}` };
    }
    if (values.help) return { exit: 0, message: USAGE };
    if (!values.stack) return { exit: 2, message: `diagram: --stack is required\n\n${USAGE}` };
    return { stack: values.stack, ...(values.out ? { out: values.out } : {}), ...(values.dot ? { dot: values.dot } : {}) };
}

async function main() {
    const args = parseDiagramArgs(process.argv.slice(2));
    if ("exit" in args) {
        (args.exit === 0 ? console.log : console.error)(args.message);
        process.exit(args.exit);
    }
    const { stack, out, dot: dotFile } = args;
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

if (require.main === module) {
    main().catch((e) => {
        console.error(`diagram: ${e instanceof Error ? e.message : String(e)}`);
        process.exit(2);
    });
}
