import { expect } from "chai";
import { alarmProblems, alarmsOf, dashboardProblems } from "../../plan/checks";
import { planStack } from "../../plan/stack";
import { ProgramResult } from "../helpers/pulumi";

describe("on-call over the prod plan", function () {
    this.timeout(120000);
    let prod: ProgramResult;
    before(async () => {
        prod = await planStack("prod");
    });

    it("every alarm has alarm and OK actions, dimensions naming stack resources, and an existing runbook", () => {
        expect(alarmsOf(prod).length).to.be.greaterThan(20);
        expect(alarmProblems(prod)).to.deep.equal([]);
    });

    it("alarm names follow <stack>-<component>-<condition>", () => {
        for (const a of alarmsOf(prod)) expect(a.name).to.match(/^prod-[a-z0-9]+(-[a-z0-9]+)+$/);
    });

    it("has a composite 'ingestion path degraded' alarm that pages", () => {
        const composite = alarmsOf(prod).filter((a) => a.type === "composite");
        expect(composite.map((c) => c.name)).to.deep.equal(["prod-ingestion-path-degraded"]);
        expect(composite[0].severity).to.equal("page");
    });

    it("the dashboard references only metrics of resources in the stack", () => {
        expect(prod.resources.filter((r) => r.type === "aws:cloudwatch/dashboard:Dashboard").length).to.equal(1);
        expect(dashboardProblems(prod)).to.deep.equal([]);
    });
});

describe("docs/alarms.md", function () {
    this.timeout(120000);
    it("is up to date with the prod plan (regenerate with npm run alarms-doc)", async () => {
        const fs = await import("fs");
        const path = await import("path");
        const { renderAlarmsDoc } = await import("../../plan/checks");
        const prod = await planStack("prod");
        expect(fs.readFileSync(path.join(__dirname, "..", "..", "docs", "alarms.md"), "utf8")).to.equal(renderAlarmsDoc(prod, "prod"));
    });
    it("README's alarm table is up to date with the prod plan (regenerate with npm run alarms-doc)", async () => {
        const fs = await import("fs");
        const path = await import("path");
        const { withReadmeAlarms } = await import("../../plan/checks");
        const prod = await planStack("prod");
        const readme = fs.readFileSync(path.join(__dirname, "..", "..", "README.md"), "utf8");
        expect(readme).to.equal(withReadmeAlarms(readme, prod));
    });
});
