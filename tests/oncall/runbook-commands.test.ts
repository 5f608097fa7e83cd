import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { parseOpsArgs, planOps } from "../../functions/workflows/ops-args";
import { planStack } from "../../plan/stack";

const RUNBOOKS = path.join(__dirname, "..", "..", "docs", "runbooks");
const EXAMPLE_EXECUTION = "arn:aws:states:eu-west-1:401234567890:execution:prod-replay:ops-replay-1";

/** Every `npm run ops -- ...` command line shown in a runbook's code blocks. */
function commands(): { file: string; argv: string[] }[] {
    const out: { file: string; argv: string[] }[] = [];
    for (const file of fs.readdirSync(RUNBOOKS).filter((f) => f.endsWith(".md"))) {
        const text = fs.readFileSync(path.join(RUNBOOKS, file), "utf8");
        for (const block of text.match(/```sh\n([\s\S]*?)```/g) ?? []) {
            for (const line of block.split("\n")) {
                const m = /^npm run ops -- (.+)$/.exec(line.trim());
                if (m) out.push({ file, argv: m[1].replace("<executionArn>", EXAMPLE_EXECUTION).split(/\s+/) });
            }
        }
    }
    return out;
}

describe("runbook commands", function () {
    this.timeout(120000);

    it("every ops command in a runbook is accepted by the ops CLI against the prod stack outputs", async () => {
        const prod = await planStack("prod");
        const outputs = prod.outputs as { workflows?: any };
        const cmds = commands();
        expect(cmds.length).to.be.greaterThan(10);
        for (const c of cmds) {
            const parsed = parseOpsArgs(c.argv.filter((a, i, all) => a !== "--outputs" && all[i - 1] !== "--outputs"));
            expect(() => planOps(parsed, { now: new Date("2026-11-22T12:00:00Z"), outputs, local: false }), `${c.file}: ${c.argv.join(" ")}`).not.to.throw();
        }
    });
});
