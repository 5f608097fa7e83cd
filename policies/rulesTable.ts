/** Renders the tables of RULES.md from the rules' metadata and policies/comparison.ts (a test keeps RULES.md in sync). */
import { AWSGUARD, AWSGUARD_VERSION, CDK_NAG } from "./comparison";
import { Rule } from "./lib/rule";
import { policies } from "./pack";

const cell = (s: string) => s.replace(/\|/g, "\\|").replace(/\n/g, " ");
const sets = (xs: string[]) => (xs.length === 0 ? "none" : xs.join("; "));
const ids = (xs: string[]) => (xs.length === 0 ? "—" : xs.map((x) => `\`${x}\``).join(", "));

export function renderRulesTable(rules: Rule[] = policies): string {
    const lines = ["| id | level | kind | what it checks | why | cdk-nag | Checkov | @pulumi/awsguard | AWS Config | Security Hub |", "|---|---|---|---|---|---|---|---|---|---|"];
    for (const r of rules) {
        const p = r.publicRuleSets;
        lines.push(
            `| \`${r.id}\` | ${r.enforcementLevel} | ${r.kind} | ${cell(r.description)} | ${cell(r.why)} | ${cell(sets(p.cdkNag))} | ${cell(sets(p.checkov))} | ${cell(sets(p.pulumiPolicyAws))} | ${cell(sets(p.awsConfig))} | ${cell(sets(p.securityHub))} |`,
        );
    }
    return lines.join("\n");
}

export function renderCdkNagTable(): string {
    const lines = ["| cdk-nag rule | flags | our rule(s) | note |", "|---|---|---|---|"];
    for (const r of CDK_NAG) lines.push(`| ${r.id} | ${cell(r.cause)} | ${ids(r.ours)} | ${cell(r.note || (r.ours.length ? "equivalent" : ""))} |`);
    return lines.join("\n");
}

export function renderAwsGuardTable(): string {
    const lines = [`| @pulumi/awsguard ${AWSGUARD_VERSION} policy | here | our rule(s) | why |`, "|---|---|---|---|"];
    for (const r of AWSGUARD) lines.push(`| \`${r.name}\` | ${r.status} | ${ids(r.ours)} | ${cell(r.note || "equivalent")} |`);
    return lines.join("\n");
}

export const TABLE_START = "<!-- rules:start -->";
export const TABLE_END = "<!-- rules:end -->";

/** Generated sections of RULES.md: [start marker, end marker, renderer]. */
export const SECTIONS: [string, string, () => string][] = [
    [TABLE_START, TABLE_END, () => renderRulesTable()],
    ["<!-- cdk-nag:start -->", "<!-- cdk-nag:end -->", renderCdkNagTable],
    ["<!-- awsguard:start -->", "<!-- awsguard:end -->", renderAwsGuardTable],
];

/** RULES.md with every generated section rewritten. */
export function renderRulesMd(md: string): string {
    let out = md;
    for (const [start, end, render] of SECTIONS) {
        const a = out.indexOf(start);
        const b = out.indexOf(end);
        if (a < 0 || b < a) throw new Error(`RULES.md: markers ${start} ... ${end} are missing or out of order.`);
        out = `${out.slice(0, a + start.length)}\n${render()}\n${out.slice(b)}`;
    }
    return out;
}

/** `node -r ./scripts/register.js policies/rulesTable.ts` rewrites the generated tables of RULES.md. */
if (require.main === module) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const fs = require("fs") as typeof import("fs");
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const file = (require("path") as typeof import("path")).join(__dirname, "RULES.md");
    fs.writeFileSync(file, renderRulesMd(fs.readFileSync(file, "utf8")));
}
