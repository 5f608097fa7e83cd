/**
 * npm run alarms-doc [-- --stack prod] — regenerates docs/alarms.md from the plan:
 * every alarm with its metric, threshold, severity, account and runbook.
 */
import * as fs from "fs";
import * as path from "path";
import { renderAlarmsDoc, withReadmeAlarms } from "../plan/checks";
import { planStack } from "../plan/stack";

async function main() {
    const i = process.argv.indexOf("--stack");
    const stack = i >= 0 ? process.argv[i + 1] : "prod";
    const result = await planStack(stack);
    fs.writeFileSync(path.join(__dirname, "..", "docs", "alarms.md"), renderAlarmsDoc(result, stack));
    if (stack === "prod") {
        const readme = path.join(__dirname, "..", "README.md");
        fs.writeFileSync(readme, withReadmeAlarms(fs.readFileSync(readme, "utf8"), result));
    }
    console.log(`wrote docs/alarms.md${stack === "prod" ? " and the alarm table of README.md" : ""}`);
    process.exit(0);
}

main().catch((e) => {
    console.error(`alarms-doc: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(2);
});
