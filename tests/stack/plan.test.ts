import { expect } from "chai";
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { promisify } from "util";
import { readStackConfigFile } from "../../plan/engine";
import { planDocument, renderTree } from "../../plan/report";
import { planStack } from "../../plan/stack";
import { ProgramResult } from "../helpers/pulumi";

const root = path.join(__dirname, "..", "..");

describe("offline plan", function () {
    this.timeout(120000);
    let prod: ProgramResult;
    let dev: ProgramResult;
    before(async () => {
        prod = await planStack("prod");
        dev = await planStack("dev");
    });

    it("creates one provider per logical account with assume-role, allowed account and required tags", () => {
        const providers = prod.resources.filter((r) => r.type === "pulumi:providers:aws");
        expect(providers.map((p) => p.name).sort()).to.deep.equal(["aws-analytics", "aws-ingestion", "aws-ingestion-us-east-1", "aws-lake", "aws-pond-revenue", "aws-pond-science"]);
        const lake = providers.find((p) => p.name === "aws-lake")!;
        expect(JSON.parse(lake.inputs.allowedAccountIds)).to.deep.equal(["402345678901"]);
        expect(JSON.parse(lake.inputs.assumeRoles)).to.deep.equal([{ roleArn: "arn:aws:iam::402345678901:role/flightstream-deploy", sessionName: "flightstream-prod-lake", externalId: "flightstream-prod-402345678901" }]);
        for (const p of providers) expect(JSON.parse(p.inputs.assumeRoles)[0].externalId, p.name).to.match(/^flightstream-prod-\d{12}$/);
        expect(JSON.parse(lake.inputs.defaultTags)).to.deep.equal({
            tags: { Owner: "data-platform", CostCenter: "CC-4711", DataClassification: "confidential", Project: "flightstream", Environment: "prod", Account: "lake" },
        });
        expect(lake.inputs.region).to.equal("eu-west-1");
    });

    it("holds the prod front door: WAF on the ALB, records and host rules for both vendors, the key store", () => {
        const of = (type: string, name?: string) => prod.resources.filter((r) => r.type === type && (name === undefined || r.name === name));
        const alb = of("aws:lb/loadBalancer:LoadBalancer", "ingestion-alb")[0];
        const acl = of("aws:wafv2/webAcl:WebAcl", "ingestion-waf")[0];
        expect([acl.account, acl.inputs.scope]).to.deep.equal(["401234567890", "REGIONAL"]);
        expect(of("aws:wafv2/webAclAssociation:WebAclAssociation").map((a) => [a.inputs.resourceArn, a.inputs.webAclArn])).to.deep.equal([[alb.outputs.arn, acl.outputs.arn]]);
        expect(of("aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration")).to.have.length(1);
        expect(
            of("aws:route53/record:Record")
                .filter((r) => /^ingestion-record-/.test(r.name))
                .map((r) => [r.name, r.inputs.name, r.inputs.failoverRoutingPolicies]),
        ).to.deep.equal([
            ["ingestion-record-amadeus", "amadeus.ingest.flightstream.example.com", [{ type: "PRIMARY" }]],
            ["ingestion-record-skyscanner", "skyscanner.ingest.flightstream.example.com", [{ type: "PRIMARY" }]],
        ]);
        expect(of("aws:lb/listenerRule:ListenerRule").map((r) => [r.name, r.inputs.conditions[0].hostHeader.values])).to.deep.equal([
            ["ingestion-vendor-amadeus", ["amadeus.ingest.flightstream.example.com"]],
            ["ingestion-vendor-skyscanner", ["skyscanner.ingest.flightstream.example.com"]],
        ]);
        expect(of("aws:acm/certificate:Certificate")[0].inputs.subjectAlternativeNames).to.deep.equal(["amadeus.ingest.flightstream.example.com", "skyscanner.ingest.flightstream.example.com"]);
        expect(of("aws:ecs/service:Service").map((s) => s.name)).to.deep.equal(["ingestion-service", "ingestion-service-amadeus"]);
        const keys = of("aws:secretsmanager/secret:Secret", "ingestion-ingest-keys")[0];
        expect((prod.outputs as any).ingestion.keyStoreSecretArn).to.equal(keys.outputs.arn);
        expect((prod.outputs as any).ingestion.vendors).to.deep.equal({ amadeus: "https://amadeus.ingest.flightstream.example.com", skyscanner: "https://skyscanner.ingest.flightstream.example.com" });
    });

    it("closes the smaller gaps in prod: flow logs and empty default security groups on both VPCs, X-Ray on every function, stream policies naming the processor role", () => {
        const of = (type: string) => prod.resources.filter((r) => r.type === type);
        const vpcs = of("aws:ec2/vpc:Vpc");
        expect(vpcs.map((v) => v.name).sort()).to.deep.equal(["analytics-db-vpc", "ingestion-vpc"]);
        const flowLogs = of("aws:ec2/flowLog:FlowLog");
        expect(flowLogs.map((f) => [f.name, f.account, f.inputs.trafficType, f.inputs.logDestinationType])).to.deep.equal([
            ["ingestion-flow-log", "401234567890", "ALL", "cloud-watch-logs"],
            ["analytics-db-flow-log", "403456789012", "ALL", "cloud-watch-logs"],
        ]);
        for (const f of flowLogs) {
            const group = of("aws:cloudwatch/logGroup:LogGroup").find((g) => g.outputs.arn === f.inputs.logDestination)!;
            expect(group.inputs.kmsKeyId, f.name).to.match(/^arn:aws:kms:/);
        }
        expect(of("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup").map((d) => [d.name, d.inputs.ingress, d.inputs.egress])).to.deep.equal([
            ["ingestion-default-sg", [], []],
            ["analytics-db-default-sg", [], []],
        ]);
        const functions = of("aws:lambda/function:Function");
        expect(functions.length).to.be.at.least(8);
        expect(functions.filter((f) => f.inputs.tracingConfig?.mode !== "Active").map((f) => f.name)).to.deep.equal([]);
        const processorRole = prod.resources.find((r) => r.type === "aws:iam/role:Role" && r.name === "analytics-processor-role")!.outputs.arn;
        const policies = of("aws:kinesis/resourcePolicy:ResourcePolicy");
        // The stream's and the processor consumer's policies come from the stack's grant to the processor's role.
        expect(policies.map((p) => [p.name, JSON.parse(p.inputs.policy).Statement.map((s: any) => s.Principal)])).to.deep.equal([
            ["stream-policy", [{ AWS: processorRole }]],
            ["stream-analytics-processor-policy", [{ AWS: processorRole }]],
        ]);
        const streamKey = prod.resources.find((r) => r.type === "aws:kms/key:Key" && r.name === "stream-key")!;
        expect(JSON.parse(streamKey.inputs.policy).Statement.slice(1)).to.deep.equal([
            { Effect: "Allow", Action: ["kms:Decrypt"], Resource: "*", Principal: { AWS: processorRole }, Condition: { StringEquals: { "kms:ViaService": "kinesis.eu-west-1.amazonaws.com" } } },
        ]);
        const master = prod.resources.find((r) => r.type === "aws:rds/cluster:Cluster")!.outputs.masterUserSecrets[0].secretArn;
        const readers = of("aws:lambda/function:Function")
            .filter((f) => f.inputs.environment?.variables?.DB_SECRET_ARN === master || f.inputs.environment?.variables?.DB_MASTER_SECRET_ARN === master)
            .map((f) => f.name);
        expect(readers.sort()).to.deep.equal(["analytics-db-rotate", "analytics-migrations"]);
    });

    it("places prod resources in at least five distinct AWS accounts", () => {
        const accounts = new Set(prod.resources.filter((r) => r.custom && !r.type.startsWith("pulumi:providers:")).map((r) => r.account));
        expect(accounts.has(null)).to.equal(false);
        expect(accounts.size).to.be.at.least(5);
        expect([...accounts].sort()).to.include.members(["401234567890", "402345678901", "403456789012", "404567890123", "405678901234"]);
    });

    it("gives every custom resource a provider of the stack (nothing lands in a default account)", () => {
        const orphans = prod.resources.filter((r) => r.custom && r.type.startsWith("aws:") && r.provider === null);
        expect(orphans.map((o) => `${o.type} ${o.name}`)).to.deep.equal([]);
    });

    it("plans dev with its logical accounts sharing one id", () => {
        const ids = new Set(dev.resources.filter((r) => r.custom && r.accountName && ["ingestion", "lake", "analytics"].includes(r.accountName)).map((r) => r.account));
        expect([...ids]).to.deep.equal(["210987654321"]);
    });

    it("renders a tree grouped by account with counts", () => {
        const tree = renderTree(prod);
        expect(tree).to.match(/^stack prod: \d+ resources in \d+ AWS accounts/);
        expect(tree).to.include("account lake (402345678901, eu-west-1):");
        expect(tree).to.include("account pond-science (405678901234, eu-west-1):");
    });

    it("writes the DESIGN 3.4 document shape", () => {
        const doc = planDocument(prod, []);
        expect(Object.keys(doc)).to.include.members(["stack", "resources", "violations"]);
        expect(doc.stack).to.equal("prod");
        for (const r of doc.resources) expect(Object.keys(r)).to.include.members(["type", "name", "parent", "account", "inputs"]);
    });

    it("fails with every config problem named when the stack file is broken", async () => {
        const config = readStackConfigFile("broken", path.join(__dirname, "fixtures"));
        let err: Error | undefined;
        try {
            await planStack("prod", { config });
        } catch (e) {
            err = e as Error;
        }
        expect(err?.message).to.equal(
            [
                "Invalid stack configuration:",
                '  - `accounts.lake.accountId` must be a 12-digit AWS account id (received "4023456789").',
                "  - `accounts.analytics.roleArn` is required in prod: the deploy role to assume in account 403456789012 (received undefined).",
                '  - `ponds` must be at least two ponds in prod, each in its own account (received ["revenue"]).',
                "  - `stream.shards` must be an integer between 1 and 10000 (received 0).",
                '  - `lake.readers[0]` must be the name of a configured pond ("revenue") (received "marketing").',
            ].join("\n"),
        );
    });

    it("npm run plan writes the JSON file and exits 0 for prod", async () => {
        const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "plan-")), "out.json");
        const { stdout } = await promisify(execFile)("node", ["-r", "./scripts/register.js", "scripts/plan.ts", "--stack", "prod", "--json", out, "--quiet"], { cwd: root });
        expect(stdout).to.match(/wrote .*out\.json \(\d+ resources, 0 violations\)/);
        const doc = JSON.parse(fs.readFileSync(out, "utf8"));
        expect(doc.stack).to.equal("prod");
        expect(new Set(doc.resources.filter((r: any) => !r.type.startsWith("pulumi:providers:") && r.account !== "multiple").map((r: any) => r.account)).size).to.be.at.least(5);
    });

    it("npm run plan exits 2 with a clear message for an unknown stack", async () => {
        const err: any = await promisify(execFile)("node", ["-r", "./scripts/register.js", "scripts/plan.ts", "--stack", "staging"], { cwd: root }).catch((e) => e);
        expect(err.code).to.equal(2);
        expect(err.stderr).to.match(/^plan: No stack file for stack "staging" \(expected .*Pulumi\.staging\.yaml\); known stacks: dev, prod\.$/m);
    });
});
