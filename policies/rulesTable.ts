/** Renders the rule table of RULES.md from the rules' metadata (a test keeps RULES.md in sync). */
import { Rule } from "./lib/rule";
import { policies } from "./pack";

const cell = (s: string) => s.replace(/\|/g, "\\|").replace(/\n/g, " ");
const sets = (xs: string[]) => (xs.length === 0 ? "none" : xs.join("; "));

export function renderRulesTable(rules: Rule[] = policies): string {
    const lines = [
        "| id | level | kind | what it checks | why | cdk-nag | pulumi-policy-aws | AWS Config | Security Hub |",
        "|---|---|---|---|---|---|---|---|---|",
    ];
    for (const r of rules) {
        const p = r.publicRuleSets;
        lines.push(`| \`${r.id}\` | ${r.enforcementLevel} | ${r.kind} | ${cell(r.description)} | ${cell(r.why)} | ${cell(sets(p.cdkNag))} | ${cell(sets(p.pulumiPolicyAws))} | ${cell(sets(p.awsConfig))} | ${cell(sets(p.securityHub))} |`);
    }
    return lines.join("\n");
}

export const TABLE_START = "<!-- rules:start -->";
export const TABLE_END = "<!-- rules:end -->";

/** `node -r ./scripts/register.js policies/rulesTable.ts` rewrites the table in RULES.md. */
if (require.main === module) {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const fs = require("fs") as typeof import("fs");
    const file = require("path").join(__dirname, "RULES.md");
    const md = fs.readFileSync(file, "utf8");
    const a = md.indexOf(TABLE_START) + TABLE_START.length;
    const b = md.indexOf(TABLE_END);
    fs.writeFileSync(file, `${md.slice(0, a)}\n${renderRulesTable()}\n${md.slice(b)}`);
}
