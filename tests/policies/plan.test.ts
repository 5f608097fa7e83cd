import { expect } from "chai";
import { plan } from "./plans";
import { runPolicies } from "../../plan/policies";

describe("policy pack over the dev and prod plans", function () {
    this.timeout(180000);
    for (const stack of ["dev", "prod"]) {
        it(`the ${stack} plan has zero mandatory violations`, async () => {
            const result = await plan(stack as "dev" | "prod");
            const { violations } = await runPolicies(result);
            expect(violations.filter((v) => v.level === "mandatory").map((v) => `[${v.policy}] ${v.resource}: ${v.message}`)).to.deep.equal([]);
        });
    }
});
