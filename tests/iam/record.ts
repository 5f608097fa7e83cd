/**
 * Records the dev and prod plans' IAM statements (tests/iam/statements.ts) into
 * tests/iam/fixtures/<stack>.json. Run on main's program to refresh the
 * baseline the equal-or-narrower test compares with:
 *   node -r ./scripts/register.js tests/iam/record.ts [dev] [prod]
 */
import * as fs from "fs";
import * as path from "path";
import { planStack } from "../../plan/stack";
import { planStatements } from "./statements";

async function main(): Promise<void> {
    const stacks = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ["dev", "prod"];
    for (const stack of stacks) {
        const rows = planStatements(await planStack(stack));
        const file = path.join(__dirname, "fixtures", `${stack}.json`);
        fs.writeFileSync(file, JSON.stringify(rows, null, 1) + "\n");
        console.log(`${stack}: ${rows.length} statements -> ${path.relative(process.cwd(), file)}`);
    }
}

main().catch((e) => {
    console.error(e);
    process.exit(1);
});
