/**
 * npm run alarms-doc [-- --stack prod] — regenerates docs/alarms.md from the plan:
 * every alarm with its metric, threshold, severity, account and runbook.
 */
import * as fs from "fs";
import * as path from "path";
import { renderAlarmsDoc, withReadmeAlarms } from "../plan/checks";
import { planStack } from "../plan/stack";
import { defineCommand, runMain, type Values } from "./lib/cli";

export const ALARMS_DOC_COMMAND = defineCommand({
    name: "alarms-doc",
    invocation: "npm run alarms-doc --",
    summary: "Regenerates docs/alarms.md from the plan (and, for prod, the alarm table of README.md).",
    options: {
        stack: { type: "string", value: "NAME", default: "prod", description: "the stack whose alarms to list" },
    },
});

async function alarmsDoc(values: Values<typeof ALARMS_DOC_COMMAND.options>): Promise<number> {
    const stack = values.stack ?? "prod";
    const result = await planStack(stack);
    fs.writeFileSync(path.join(__dirname, "..", "docs", "alarms.md"), renderAlarmsDoc(result, stack));
    if (stack === "prod") {
        const readme = path.join(__dirname, "..", "README.md");
        fs.writeFileSync(readme, withReadmeAlarms(fs.readFileSync(readme, "utf8"), result));
    }
    console.log(`wrote docs/alarms.md${stack === "prod" ? " and the alarm table of README.md" : ""}`);
    return 0;
}

if (require.main === module) runMain(ALARMS_DOC_COMMAND, alarmsDoc);
