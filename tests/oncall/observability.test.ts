import { expect } from "chai";
import { Observability } from "@flightstream/components/oncall";
import { planStack } from "../../plan/stack";
import { ProgramResult, all, evaluate, evaluateError, one, policyOf, testProvider } from "../helpers/pulumi";

describe("Observability (CloudWatch cross-account observability)", () => {
    it("creates a sink admitting exactly the source accounts and one link per other account, with that account's provider", async () => {
        const r = await evaluate(() => {
            new Observability(
                "obs",
                {
                    monitoringAccountId: "111111111111",
                    sources: [
                        { name: "lake", accountId: "222222222222", provider: testProvider("lake", "222222222222") },
                        { name: "analytics", accountId: "111111111111", provider: testProvider("analytics", "111111111111") },
                        { name: "pond-x", accountId: "333333333333", provider: testProvider("pond-x", "333333333333") },
                    ],
                },
                { provider: testProvider("ingestion", "111111111111") },
            );
        });
        const sink = one(r, "aws:oam/sink:Sink");
        expect(sink.inputs.name).to.equal("test-flightstream");
        expect(sink.account).to.equal("111111111111");
        const doc = policyOf(one(r, "aws:oam/sinkPolicy:SinkPolicy"));
        expect(doc.Statement).to.deep.equal([
            {
                Sid: "SourceAccountsLink",
                Effect: "Allow",
                Principal: { AWS: ["222222222222", "333333333333"] },
                Action: ["oam:CreateLink", "oam:UpdateLink"],
                Resource: "*",
                Condition: { "ForAllValues:StringEquals": { "oam:ResourceTypes": ["AWS::CloudWatch::Metric", "AWS::Logs::LogGroup", "AWS::XRay::Trace"] } },
            },
        ]);
        const links = all(r, "aws:oam/link:Link");
        expect(links.map((l) => [l.name, l.account, l.inputs.sinkIdentifier, l.inputs.resourceTypes])).to.deep.equal([
            ["obs-link-lake", "222222222222", sink.outputs.arn, ["AWS::CloudWatch::Metric", "AWS::Logs::LogGroup", "AWS::XRay::Trace"]],
            ["obs-link-pond-x", "333333333333", sink.outputs.arn, ["AWS::CloudWatch::Metric", "AWS::Logs::LogGroup", "AWS::XRay::Trace"]],
        ]);
    });

    it("fails when every source is the monitoring account itself", async () => {
        const e = await evaluateError(() => new Observability("obs", { monitoringAccountId: "111111111111", sources: [{ name: "lake", accountId: "111111111111", provider: testProvider() }] }));
        expect(e.message).to.equal('Observability obs: `sources` must be a list naming at least one account other than the monitoring account (received ["lake"]).');
    });

    it("fails when a resource type is not one OAM shares", async () => {
        const e = await evaluateError(() => new Observability("obs", { monitoringAccountId: "111111111111", resourceTypes: ["AWS::S3::Bucket" as never], sources: [{ name: "lake", accountId: "222222222222", provider: testProvider() }] }));
        expect(e.message).to.match(/^Observability obs: `resourceTypes\[0\]` must be one of .*AWS::CloudWatch::Metric.* \(received "AWS::S3::Bucket"\)\.$/);
    });
});

describe("cross-account observability in the prod plan", function () {
    this.timeout(120000);
    let prod: ProgramResult;
    before(async () => {
        prod = await planStack("prod");
    });

    it("has the OAM sink in the ingestion (monitoring) account and links from the lake, analytics and both pond accounts", () => {
        const sinks = all(prod, "aws:oam/sink:Sink");
        expect(sinks.map((s) => s.accountName)).to.deep.equal(["ingestion"]);
        const policy = JSON.parse(one(prod, "aws:oam/sinkPolicy:SinkPolicy").inputs.policy);
        expect(policy.Statement[0].Principal.AWS).to.deep.equal(["402345678901", "403456789012", "404567890123", "405678901234"]);
        const links = all(prod, "aws:oam/link:Link");
        expect(links.map((l) => [l.accountName, l.inputs.sinkIdentifier]).sort()).to.deep.equal([
            ["analytics", sinks[0].outputs.arn],
            ["lake", sinks[0].outputs.arn],
            ["pond-revenue", sinks[0].outputs.arn],
            ["pond-science", sinks[0].outputs.arn],
        ]);
        for (const l of links) expect(l.inputs.resourceTypes).to.deep.equal(["AWS::CloudWatch::Metric", "AWS::Logs::LogGroup", "AWS::XRay::Trace"]);
    });

    it("every account a dashboard widget names is the monitoring account or linked to its sink", () => {
        const body = JSON.parse(one(prod, "aws:cloudwatch/dashboard:Dashboard").inputs.dashboardBody);
        const widgetAccounts = new Set<string>();
        for (const w of body.widgets) for (const row of w.properties?.metrics ?? []) for (const x of row) if (x && typeof x === "object" && x.accountId) widgetAccounts.add(x.accountId);
        const linked = new Set(all(prod, "aws:oam/link:Link").map((l) => l.account));
        expect(widgetAccounts.size).to.be.greaterThan(0);
        for (const a of widgetAccounts) expect(linked.has(a), `account ${a}`).to.equal(true);
    });
});
