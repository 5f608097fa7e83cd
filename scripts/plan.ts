/**
 * npm run plan -- --stack <dev|prod> [--json FILE] [--quiet]   (--help: the options)
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
import { defineCommand, runMain, type Values } from "./lib/cli";

export const PLAN_COMMAND = defineCommand({
    name: "plan",
    invocation: "npm run plan --",
    summary: "Evaluates the stack under Pulumi's mock engine, prints the resource tree per account and runs the policy pack.\nExit 0: no mandatory violation; 1: mandatory violations; 2: bad options or a program error.",
    options: {
        stack: { type: "string", short: "s", required: true, value: "NAME", description: "the stack to plan (dev or prod: Pulumi.<NAME>.yaml)" },
        json: { type: "string", value: "FILE", description: "also write the plan document (resources, violations) as JSON" },
        quiet: { type: "boolean", short: "q", description: "do not print the resource tree" },
    },
});

async function plan(values: Values<typeof PLAN_COMMAND.options>): Promise<number> {
    const stack = values.stack!;
    const json = values.json;
    const quiet = values.quiet === true;
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
        return 1;
    }
    return 0;
}

function printViolations(violations: Violation[], exemptions: Exemption[]) {
    if (violations.length === 0) console.log("policy: no violations");
    for (const v of violations) console.log(`policy ${v.level.toUpperCase()} [${v.policy}] ${v.resource}: ${v.message}`);
    for (const e of exemptions) console.log(`policy EXEMPT [${e.policy}] ${e.resource}: ${e.reason} (until ${e.expires})`);
}

if (require.main === module) runMain(PLAN_COMMAND, plan);
