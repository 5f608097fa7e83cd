/**
 * Checks what a runbook names against the prod plan and the CLIs:
 * - every `<stack>-...` / `prod-...` name (anywhere in the text; `<pond>` expands
 *   to each prod pond, any other `<placeholder>` must stand for at least one real
 *   name) is an alarm of the plan or a name/identifier of one of its resources;
 * - every Route 53 set identifier (`--weights a=..,b=..`, `--failover-to X`, or a
 *   `region-...-role` token) is one of the plan's records;
 * - every `npm run <script>` / `npm start` (code blocks and inline code) names a
 *   script of package.json and is accepted by that script's own argument parser
 *   (the ops CLI also plans it against the prod stack outputs).
 */
import * as fs from "fs";
import * as path from "path";
import { parseMainArgs } from "../../local/main";
import { runCapacity } from "../../scripts/capacity";
import { parseTrafficArgs } from "../../scripts/traffic";
import { parseOpsArgs, planOps } from "../../scripts/ops-args";
import { parseKeysArgs } from "../../scripts/ops-keys";
import { alarmsOf, stackIdentifiers } from "../../plan/checks";
import { ProgramResult } from "../../plan/engine";

export const RUNBOOK_DIR = path.join(__dirname, "..", "..", "docs", "runbooks");
const PACKAGE = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "..", "package.json"), "utf8")) as { scripts: Record<string, string> };

export interface RunbookFile {
    readonly file: string;
    readonly text: string;
}

export function runbookFiles(dir = RUNBOOK_DIR): RunbookFile[] {
    return fs
        .readdirSync(dir)
        .filter((f) => f.endsWith(".md"))
        .sort()
        .map((file) => ({ file, text: fs.readFileSync(path.join(dir, file), "utf8") }));
}

/** Example values for the placeholders runbook commands use. */
const OPS_PLACEHOLDERS: Record<string, string> = {
    "<executionArn>": "arn:aws:states:eu-west-1:401234567890:execution:prod-replay:ops-replay-1",
    "<keyStoreSecretArn>": "arn:aws:secretsmanager:eu-west-1:401234567890:secret:prod-ingestion-ingest-keys-AbCdEf",
    "<ISO>": "2026-11-22T00:00:00Z",
};

/** Every npm command in code blocks (sh) and inline code. */
export function commandsOf(text: string): string[] {
    const out: string[] = [];
    for (const block of text.match(/```sh\n[\s\S]*?```/g) ?? []) {
        for (const line of block.split("\n")) if (/^npm (run|start)\b/.test(line.trim())) out.push(line.trim());
    }
    const prose = text.replace(/```[\s\S]*?```/g, "");
    for (const m of prose.matchAll(/`(npm (?:run|start)\b[^`]*)`/g)) out.push(m[1].trim());
    return out;
}

/** Every `<stack>-x` / `prod-x` name (file names excluded). */
export function namesOf(text: string, ponds: string[]): string[] {
    const out = new Set<string>();
    for (const m of text.matchAll(/(?<![\w<>/.-])(?:<stack>|prod)-[A-Za-z0-9<>._-]*[A-Za-z0-9>]/g)) {
        const raw = m[0];
        if (/\.(json|md|ya?ml|ts)$/.test(raw)) continue;
        const stacked = raw.replace(/^<stack>/, "prod");
        for (const n of stacked.includes("<pond>") ? ponds.map((p) => stacked.replace(/<pond>/g, p)) : [stacked]) out.add(n);
    }
    return [...out];
}

/** Route 53 set identifiers a runbook relies on. */
export function setIdentifiersOf(text: string): string[] {
    const out = new Set<string>();
    for (const m of text.matchAll(/--weights[ =](\S+)/g)) for (const part of m[1].split(",")) out.add(part.split("=")[0]);
    for (const m of text.matchAll(/--failover-to[ =](\S+)/g)) out.add(m[1]);
    for (const m of text.matchAll(/`([a-z]{2}-[a-z]+-\d-[a-z0-9-]+)`/g)) out.add(m[1]);
    return [...out];
}

function splitArgs(line: string): string[] {
    return line.split(/\s+/).filter((a) => a.length > 0);
}

/** Problems with one command line: unknown script, or refused by its parser. */
export function commandProblem(line: string, prodOutputs: Record<string, unknown>): string | undefined {
    const words = splitArgs(line);
    const script = words[1] === "start" ? "start" : words[2];
    if (script === undefined || PACKAGE.scripts[script] === undefined) return `npm script ${JSON.stringify(script)} does not exist in package.json`;
    const sep = words.indexOf("--");
    const argv = sep >= 0 ? words.slice(sep + 1) : [];
    if (sep < 0 && words.length > (script === "start" ? 2 : 3)) return `arguments without "--" are taken by npm, not the script`;
    try {
        switch (script) {
            case "ops": {
                const filled = argv.map((a) => OPS_PLACEHOLDERS[a] ?? a);
                // `ops keys ...` has its own parser (scripts/ops-keys.ts).
                if (filled[0] === "keys") {
                    parseKeysArgs(filled.slice(1));
                    return undefined;
                }
                const unknown = filled.find((a) => /^<.+>$/.test(a));
                if (unknown) return `placeholder ${unknown} has no example value for the ops CLI`;
                const parsed = parseOpsArgs(filled.filter((a, i, all) => a !== "--outputs" && all[i - 1] !== "--outputs"));
                planOps(parsed, { now: new Date("2026-11-22T12:00:00Z"), outputs: prodOutputs as never, local: parsed.bools.has("local") });
                return undefined;
            }
            case "capacity":
                runCapacity(argv.map((a) => (/^<.+>$/.test(a) ? "2" : a)));
                return undefined;
            case "start":
                parseMainArgs(argv);
                return undefined;
            case "traffic":
                parseTrafficArgs(argv, {});
                return undefined;
            default:
                return `no argument parser is known for \`npm run ${script}\` (add it to tests/oncall/runbook-check.ts)`;
        }
    } catch (err) {
        return (err as Error).message.split("\n")[0];
    }
}

/** Everything a set of runbooks names that the prod plan or the CLIs do not know. */
export function runbookProblems(files: RunbookFile[], prod: ProgramResult): string[] {
    const ids = stackIdentifiers(prod);
    const alarms = new Set(alarmsOf(prod).map((a) => a.name));
    const records = prod.resources.filter((r) => r.type === "aws:route53/record:Record");
    const setIds = new Set(records.map((r) => r.inputs.setIdentifier).filter((s): s is string => typeof s === "string"));
    const ponds = [
        ...new Set(
            prod.resources
                .filter((r) => r.type === "aws:sfn/stateMachine:StateMachine")
                .map((r) => /^prod-pond-etl-(.+)-workflow$/.exec(r.inputs.name ?? "")?.[1])
                .filter((p): p is string => p !== undefined),
        ),
    ];
    const problems: string[] = [];
    for (const { file, text } of files) {
        for (const n of namesOf(text, ponds)) {
            if (alarms.has(n) || ids.has(n)) continue;
            // A placeholder such as <name> or <workflow> must stand for at least one real name.
            const pattern = n.includes("<")
                ? new RegExp(
                      `^${n
                          .split(/<[^>]+>/)
                          .map((x) => x.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
                          .join("[a-z0-9-]+")}$`,
                  )
                : undefined;
            if (pattern && [...alarms, ...ids].some((x) => pattern.test(x))) continue;
            problems.push(`${file}: ${n} is neither an alarm nor a resource of the prod plan`);
        }
        for (const s of setIdentifiersOf(text)) if (!setIds.has(s)) problems.push(`${file}: Route 53 set identifier ${s} is not provisioned (prod records: ${[...setIds].join(", ") || "none"})`);
        for (const c of commandsOf(text)) {
            const p = commandProblem(c, prod.outputs as Record<string, unknown>);
            if (p) problems.push(`${file}: \`${c}\`: ${p}`);
        }
    }
    return problems;
}
