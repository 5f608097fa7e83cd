/**
 * npm run plan -- --stack <dev|prod> [--json FILE] [--quiet]
 *
 * Evaluates the real stack program with Pulumi's mock engine, prints the resource
 * tree per account, runs the policy pack over every resource, writes the plan
 * document with --json, and exits 1 on any mandatory violation (2 on bad usage
 * or a program error).
 */
import * as fs from "fs";
import { planDocument, renderTree, Violation, Exemption } from "../plan/report";
import { planStack } from "../plan/stack";
import { runPolicies } from "../plan/policies";

function usage(msg: string): never {
    console.error(`plan: ${msg}\nusage: npm run plan -- --stack <dev|prod> [--json FILE] [--quiet]`);
    process.exit(2);
}

async function main() {
    const argv = process.argv.slice(2);
    let stack: string | undefined;
    let json: string | undefined;
    let quiet = false;
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i];
        if (a === "--stack" || a === "-s") stack = argv[++i] ?? usage("--stack needs a value");
        else if (a.startsWith("--stack=")) stack = a.slice(8);
        else if (a === "--json") json = argv[++i] ?? usage("--json needs a file name");
        else if (a.startsWith("--json=")) json = a.slice(7);
        else if (a === "--quiet" || a === "-q") quiet = true;
        else usage(`unknown argument "${a}"`);
    }
    if (!stack) usage("--stack is required");
    const started = Date.now();
    const result = await planStack(stack);
    const { violations, exemptions } = await runPolicies(result);
    if (!quiet) console.log(renderTree(result));
    console.log("");
    printViolations(violations, exemptions);
    const doc = planDocument(result, violations, exemptions);
    if (json) {
        fs.writeFileSync(json, JSON.stringify(doc, null, 2));
        console.log(`wrote ${json} (${doc.resources.length} resources, ${violations.length} violations)`);
    }
    console.log(`planned in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    const mandatory = violations.filter((v) => v.level === "mandatory");
    if (mandatory.length > 0) {
        console.error(`plan: ${mandatory.length} mandatory policy violation(s)`);
        process.exit(1);
    }
    process.exit(0);
}

function printViolations(violations: Violation[], exemptions: Exemption[]) {
    if (violations.length === 0) console.log("policy: no violations");
    for (const v of violations) console.log(`policy ${v.level.toUpperCase()} [${v.policy}] ${v.resource}: ${v.message}`);
    for (const e of exemptions) console.log(`policy EXEMPT [${e.policy}] ${e.resource}: ${e.reason} (until ${e.expires})`);
}

main().catch((e) => {
    console.error(`plan: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(2);
});
