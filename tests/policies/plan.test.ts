import { expect } from "chai";
import { plan } from "./plans";
import { runPolicies } from "../../plan/policies";
import type { Violation } from "../../plan/report";

const line = (v: Violation) => `[${v.policy}] ${v.resource}: ${v.message}`;

describe("policy pack over the dev and prod plans", function () {
    this.timeout(180000);
    for (const stack of ["dev", "prod"] as const) {
        it(`the ${stack} plan has zero mandatory violations`, async () => {
            const { violations } = await runPolicies(await plan(stack));
            const mandatory = violations.filter((v) => v.level === "mandatory").map(line);
            expect(mandatory, `mandatory violations in the ${stack} plan:\n${mandatory.join("\n")}`).to.deep.equal([]);
        });
    }
});
