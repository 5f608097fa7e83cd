import { expect } from "chai";
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { PolicyPack } from "@pulumi/policy";
import cmk from "../../policies/rules/kinesis/KinesisStreamCmkEncryption";
import retention from "../../policies/rules/kinesis/KinesisStreamRetention";
import wild from "../../policies/rules/iam/NoWildcardActions";
import pab from "../../policies/rules/s3/S3BucketPublicAccessBlock";
import { PACK_NAME, policies, pulumiPolicies } from "../../policies/pack";
import { runPackOffline } from "../../policies/offline";
import { renderRulesMd, renderRulesTable, TABLE_END, TABLE_START } from "../../policies/rulesTable";
import { AWSGUARD, CDK_NAG } from "../../policies/comparison";
import { stackPolicyConfig } from "../../policies/stackConfig";
import { resolveConfig } from "../../policies/offline";
import * as os from "os";
import { checkExemption } from "../../policies/lib/exemptions";
import { REQUIRED, doc, program, res, runRule } from "./helpers";

const NOW = new Date("2026-11-22T10:00:00Z");
const STREAM = "aws:kinesis/stream:Stream";
const plain = (tags: Record<string, string> = {}) => res(STREAM, "events", { name: "events", encryptionType: "NONE", tags });
const MSG = `encryptionType is "NONE"; set "KMS" with a customer-managed kmsKeyId.`;

describe("policy pack", () => {
    it("exports every rule once, each with metadata and a check", () => {
        const ids = policies.map((p) => p.id);
        expect(new Set(ids).size).to.equal(ids.length);
        expect(ids.length).to.equal(57);
        for (const p of policies) {
            expect(p.description, p.id).to.be.a("string").and.not.equal("");
            expect(p.why, p.id).to.be.a("string").and.not.equal("");
            expect(["advisory", "mandatory"], p.id).to.include(p.enforcementLevel);
            expect(p.kind === "resource" ? p.validateResource : p.validateStack, p.id).to.not.equal(undefined);
        }
    });
    it("has one rule file per rule under policies/rules/<service>/", () => {
        const root = path.join(__dirname, "..", "..", "policies", "rules");
        const files = fs.readdirSync(root).flatMap((d) => fs.readdirSync(path.join(root, d)).map((f) => `${d}/${f}`));
        expect(files.length).to.equal(policies.length);
    });
    it("RULES.md carries the table generated from the rules' metadata", () => {
        const md = fs.readFileSync(path.join(__dirname, "..", "..", "policies", "RULES.md"), "utf8");
        const table = md.slice(md.indexOf(TABLE_START) + TABLE_START.length, md.indexOf(TABLE_END)).trim();
        expect(table).to.equal(renderRulesTable());
        expect(md).to.equal(renderRulesMd(md));
    });
    it("gives every rule a default level of mandatory or advisory", () => {
        expect(policies.filter((p) => p.enforcementLevel !== "mandatory" && p.enforcementLevel !== "advisory").map((p) => p.id)).to.deep.equal([]);
    });
    it("lists each cdk-nag rule named in the rules' metadata in the comparison, pointing back at those rules", () => {
        const base = (s: string) => s.replace(/ \(.*\)$/, "");
        const rows = new Map(CDK_NAG.map((r) => [r.id, r]));
        expect(rows.size).to.equal(CDK_NAG.length);
        for (const p of policies) {
            for (const id of p.publicRuleSets.cdkNag.map(base)) {
                if (id === "AwsSolutions-SNS2") continue; // retired from the AwsSolutions pack; kept in the metadata for older cdk-nag versions
                expect(rows.get(id)?.ours ?? [], `${p.id} names ${id}`).to.include(p.id);
            }
        }
        for (const r of CDK_NAG) {
            for (const id of r.ours) expect(policies.find((p) => p.id === id)?.publicRuleSets.cdkNag.map(base) ?? [], `${r.id} -> ${id}`).to.include(r.id);
            if (r.ours.length === 0) expect(r.note, r.id).to.not.equal("");
        }
    });
    it("compares every @pulumi/awsguard policy, consistently with the rules' metadata", () => {
        expect(AWSGUARD.length).to.equal(26);
        const base = (s: string) => s.replace(/ \(.*\)$/, "");
        for (const r of AWSGUARD) {
            if (r.status === "left out") expect(r.note, r.name).to.not.equal("");
            else for (const id of r.ours) expect(policies.find((p) => p.id === id)?.publicRuleSets.pulumiPolicyAws.map(base) ?? [], `${r.name} -> ${id}`).to.include(r.name);
        }
        for (const p of policies) {
            for (const name of p.publicRuleSets.pulumiPolicyAws.map(base)) expect(AWSGUARD.find((r) => r.name === name)?.ours ?? [], `${p.id} names ${name}`).to.include(p.id);
        }
    });
    it("builds @pulumi/policy policies with the pack's names, levels and config schemas", () => {
        const ps = pulumiPolicies();
        expect(ps.map((p) => p.name)).to.deep.equal(policies.map((p) => p.id));
        expect(ps.find((p) => p.name === "kinesis-stream-retention")!.configSchema).to.deep.equal({ properties: { minimumHours: { type: "number", default: 24 } } });
        expect(PACK_NAME).to.equal("flightstream");
        expect(typeof PolicyPack).to.equal("function");
    });
    it("policies/package.json pins the same Pulumi packages as the project and has a version (PolicyPack requires one)", () => {
        const rootPkg = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "..", "package.json"), "utf8"));
        const packPkg = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "..", "policies", "package.json"), "utf8"));
        expect(packPkg.version).to.equal("0.1.0");
        for (const dep of ["@pulumi/policy", "@pulumi/pulumi", "@pulumi/aws"]) expect(packPkg.dependencies[dep], dep).to.equal(rootPkg.dependencies[dep]);
        expect(fs.readFileSync(path.join(__dirname, "..", "..", "policies", "PulumiPolicy.yaml"), "utf8")).to.match(/^runtime: nodejs$/m);
    });
    it("index.ts starts the analyzer server the way Pulumi runs a pack (prints its port)", async function () {
        this.timeout(60000);
        const dir = path.join(__dirname, "..", "..", "policies");
        const child = spawn(process.execPath, ["-r", "../scripts/register.js", "-e", 'require("./index.ts")'], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
        try {
            const out = await new Promise<string>((resolve, reject) => {
                let buf = "";
                let err = "";
                child.stdout.on("data", (d) => {
                    buf += d;
                    if (/^\d+\s*$/m.test(buf)) resolve(buf.trim());
                });
                child.stderr.on("data", (d) => (err += d));
                child.on("exit", (code) => reject(new Error(`pack exited with ${code}: ${err}`)));
            });
            expect(Number(out)).to.be.greaterThan(0);
        } finally {
            child.kill();
        }
    });
    it("the Pulumi-side wrapper reports a valid exemption as advisory and keeps the type fast path", async () => {
        const policy = pulumiPolicies(() => NOW).find((p) => p.name === "kinesis-stream-cmk-encryption") as any;
        expect(policy.validateResource.__pulumiType).to.equal(STREAM);
        const reported: any[] = [];
        const args: any = {
            type: STREAM,
            props: { encryptionType: "NONE", tags: { "policy-exempt:kinesis-stream-cmk-encryption": "replay test stream", "policy-exempt:kinesis-stream-cmk-encryption:expires": "2026-12-01" } },
            isType: (c: any) => c.__pulumiType === STREAM,
            notApplicable: () => {
                throw new Error("na");
            },
        };
        await policy.validateResource(args, (m: any) => reported.push(m));
        expect(reported).to.deep.equal([{ message: `EXEMPT until 2026-12-01 (replay test stream): ${MSG}`, enforcementLevel: "advisory", urn: undefined }]);
    });
});

describe("offline runner", () => {
    it("reports resource violations with the rule's default level and the resource urn", async () => {
        const r = await runRule(cmk, [plain()], { now: NOW });
        expect(r.violations).to.deep.equal([{ policy: "kinesis-stream-cmk-encryption", level: "mandatory", resource: "aws:kinesis/stream:Stream::events", message: MSG }]);
    });
    it("runs every rule of the pack by default", async () => {
        const r = await runPackOffline(program([plain()]), { now: NOW });
        expect(r.violations.map((v) => v.policy)).to.deep.equal(["kinesis-stream-cmk-encryption", "kinesis-stream-iterator-age-alarm"]);
    });
    it("applies per-rule levels, 'all', and Pulumi-format config (rule entry wins)", async () => {
        const a = await runRule(cmk, [plain()], { levels: { "kinesis-stream-cmk-encryption": "advisory" } });
        expect(a.violations.map((v) => v.level)).to.deep.equal(["advisory"]);
        const b = await runRule(cmk, [plain()], { levels: { all: "advisory" }, config: { "kinesis-stream-cmk-encryption": { enforcementLevel: "mandatory" } } });
        expect(b.violations.map((v) => v.level)).to.deep.equal(["mandatory"]);
        const c = await runRule(cmk, [plain()], { config: { all: "advisory" } });
        expect(c.violations.map((v) => v.level)).to.deep.equal(["advisory"]);
        const d = await runRule(cmk, [plain()], { config: { "kinesis-stream-cmk-encryption": "remediate" } });
        expect(d.violations.map((v) => v.level)).to.deep.equal(["mandatory"]);
    });
    it("skips disabled rules", async () => {
        const r = await runRule(cmk, [plain()], { levels: { "kinesis-stream-cmk-encryption": "disabled" } });
        expect(r.violations).to.deep.equal([]);
        expect(r.notApplicable).to.deep.equal([]);
    });
    it("fails when a level or policy id is unknown", async () => {
        let err: Error | undefined;
        try {
            await runRule(cmk, [plain()], { levels: { "kinesis-stream-cmk-encryption": "blocking" as any } });
        } catch (e) {
            err = e as Error;
        }
        expect(err?.message).to.equal(`levels.kinesis-stream-cmk-encryption: enforcement level "blocking" is not one of advisory, mandatory, remediate, disabled.`);
        err = undefined;
        try {
            await runRule(cmk, [plain()], { config: { "no-such-rule": "advisory" } });
        } catch (e) {
            err = e as Error;
        }
        expect(err?.message).to.equal(`config: unknown policy "no-such-rule"; known policies: all, kinesis-stream-cmk-encryption.`);
    });
    it("names the rule and resource when a check throws", async () => {
        const broken = {
            ...cmk,
            id: "broken",
            validateResource: () => {
                throw new Error("boom");
            },
        } as any;
        let err: Error | undefined;
        try {
            await runRule(broken, [plain()]);
        } catch (e) {
            err = e as Error;
        }
        expect(err?.message).to.equal(`Policy "broken" failed on aws:kinesis/stream:Stream::events: boom`);
    });
    it("records not-applicable per resource for type-filtered rules", async () => {
        const r = await runRule(retention, [plain(), res("aws:sns/topic:Topic", "t", {})]);
        expect(r.notApplicable).to.deep.equal([{ policy: "kinesis-stream-retention", resource: "aws:sns/topic:Topic::t", reason: "Policy only applies to resources of type 'aws:kinesis/stream:Stream'" }]);
    });
});

describe("exemptions", () => {
    const tags = (reason?: string, expires?: string) => ({
        ...(reason !== undefined ? { "policy-exempt:kinesis-stream-cmk-encryption": reason } : {}),
        ...(expires !== undefined ? { "policy-exempt:kinesis-stream-cmk-encryption:expires": expires } : {}),
    });
    it("honours a reason and a future expiry, and lists the exemption", async () => {
        const r = await runRule(cmk, [plain(tags("vendor replay stream SEC-42", "2026-12-31"))], { now: NOW });
        expect(r.violations).to.deep.equal([]);
        expect(r.exemptions).to.deep.equal([{ policy: "kinesis-stream-cmk-encryption", resource: "aws:kinesis/stream:Stream::events", reason: "vendor replay stream SEC-42", expires: "2026-12-31" }]);
    });
    it("fails when the exemption has expired", async () => {
        const r = await runRule(cmk, [plain(tags("vendor replay stream", "2026-11-22"))], { now: NOW });
        expect(r.exemptions).to.deep.equal([]);
        expect(r.violations.map((v) => v.message)).to.deep.equal([`${MSG} (exemption not honoured: exemption expired on 2026-11-22)`]);
    });
    it("lists an expired exemption apart and reports its violation again", async () => {
        const r = await runRule(cmk, [plain(tags("vendor replay stream", "2026-11-01"))], { now: NOW });
        expect(r.expiredExemptions).to.deep.equal([{ policy: "kinesis-stream-cmk-encryption", resource: "aws:kinesis/stream:Stream::events", reason: "vendor replay stream", expires: "2026-11-01", expired: true }]);
        expect(r.violations).to.deep.equal([{ policy: "kinesis-stream-cmk-encryption", level: "mandatory", resource: "aws:kinesis/stream:Stream::events", message: `${MSG} (exemption not honoured: exemption expired on 2026-11-01)` }]);
    });
    it("fails when the expiry is missing", async () => {
        const r = await runRule(cmk, [plain(tags("vendor replay stream"))], { now: NOW });
        expect(r.violations.map((v) => v.message)).to.deep.equal([`${MSG} (exemption not honoured: tag "policy-exempt:kinesis-stream-cmk-encryption:expires" (the expiry date) is missing)`]);
    });
    it("fails when the reason is missing", async () => {
        const r = await runRule(cmk, [plain(tags(undefined, "2026-12-31"))], { now: NOW });
        expect(r.violations.map((v) => v.message)).to.deep.equal([`${MSG} (exemption not honoured: tag "policy-exempt:kinesis-stream-cmk-encryption" (the reason) is missing or empty)`]);
    });
    it("fails when the expiry is not a calendar date", async () => {
        expect(checkExemption(tags("r", "2026-02-30"), "kinesis-stream-cmk-encryption", NOW)).to.deep.equal({
            status: "invalid",
            problem: `tag "policy-exempt:kinesis-stream-cmk-encryption:expires" is "2026-02-30", expected a date YYYY-MM-DD`,
        });
        expect(checkExemption(tags("r", "31.12.2026"), "kinesis-stream-cmk-encryption", NOW).status).to.equal("invalid");
    });
    it("only exempts the named rule", async () => {
        const other = { "policy-exempt:kinesis-stream-retention": "x", "policy-exempt:kinesis-stream-retention:expires": "2027-01-01" };
        const r = await runRule(cmk, [plain(other)], { now: NOW });
        expect(r.violations.map((v) => v.message)).to.deep.equal([MSG]);
    });
    it("exempts an untaggable inline policy through its role's tags", async () => {
        const role = res("aws:iam/role:Role", "worker", { assumeRolePolicy: doc(), tags: { "policy-exempt:iam-no-wildcard-actions": "break-glass role", "policy-exempt:iam-no-wildcard-actions:expires": "2027-01-01" } });
        const policy = res("aws:iam/rolePolicy:RolePolicy", "worker-policy", { role: "worker", policy: doc({ Effect: "Allow", Action: "kinesis:*", Resource: "arn:aws:kinesis:eu-west-1:1:stream/s" }) }, { parentUrn: role.urn });
        const r = await runRule(wild, [role, policy], { now: NOW });
        expect(r.violations).to.deep.equal([]);
        expect(r.exemptions).to.deep.equal([{ policy: "iam-no-wildcard-actions", resource: "aws:iam/role:Role::worker$aws:iam/rolePolicy:RolePolicy::worker-policy", reason: "break-glass role", expires: "2027-01-01" }]);
    });
    it("exempts stack-rule findings through the reported resource's tags", async () => {
        const bucket = res("aws:s3/bucket:Bucket", "b", { bucket: "b", tags: { "policy-exempt:s3-bucket-public-access-block": "migration", "policy-exempt:s3-bucket-public-access-block:expires": "2026-11-23" } });
        const r = await runRule(pab, [bucket], { now: NOW });
        expect(r.violations).to.deep.equal([]);
        expect(r.exemptions).to.deep.equal([{ policy: "s3-bucket-public-access-block", resource: "aws:s3/bucket:Bucket::b", reason: "migration", expires: "2026-11-23" }]);
    });
    it("never takes exemptions from provider default tags", async () => {
        const stream = res(STREAM, "events", { name: "events", encryptionType: "NONE" }, { defaultTags: { ...REQUIRED, ...tags("account-wide", "2027-01-01") } });
        const r = await runRule(cmk, [stream], { now: NOW });
        expect(r.violations.map((v) => v.message)).to.deep.equal([MSG]);
    });
});

describe("per-stack policy config (policies/stacks/<stack>.json)", () => {
    it("reads the dev and prod files, which name only known rules and levels", () => {
        expect(stackPolicyConfig("dev")).to.deep.equal({ "audit-log-retention": { minimumDays: 90 } });
        expect(stackPolicyConfig("prod")).to.deep.equal({ "log-group-retention": "mandatory", "audit-log-retention": { enforcementLevel: "mandatory", minimumDays: 365 } });
        const prod = resolveConfig(policies, { config: stackPolicyConfig("prod") });
        expect(prod.get("log-group-retention")).to.deep.equal({ level: "mandatory", config: {} });
        expect(resolveConfig(policies, { config: stackPolicyConfig("dev") }).get("audit-log-retention")).to.deep.equal({ level: "mandatory", config: { minimumDays: 90 } });
    });
    it("returns {} for a stack without a file", () => {
        expect(stackPolicyConfig("staging")).to.deep.equal({});
    });
    it("fails with the file name when the file is not a JSON object", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "policy-stacks-"));
        fs.writeFileSync(path.join(dir, "bad.json"), "[1]");
        fs.writeFileSync(path.join(dir, "broken.json"), "{");
        expect(() => stackPolicyConfig("bad", dir)).to.throw(`policy config ${path.relative(process.cwd(), path.join(dir, "bad.json"))}: expected a JSON object of rule ids to levels or settings (received [1]).`);
        expect(() => stackPolicyConfig("broken", dir)).to.throw(/broken\.json: not valid JSON/);
        fs.rmSync(dir, { recursive: true, force: true });
    });
    it("applies the stack's rule settings in the plan (dev: audit logs need 90 days)", async () => {
        const { runPolicies } = await import("../../plan/policies");
        const lg = res("aws:cloudwatch/logGroup:LogGroup", "audit", { name: "audit", kmsKeyId: "k", retentionInDays: 60, tags: { LogType: "audit" } });
        const dev = await runPolicies({ ...program([lg]), stack: "dev" });
        expect(dev.violations.filter((v) => v.policy === "audit-log-retention").map((v) => v.message)).to.deep.equal([`Log group "audit" holds audit logs (tagged LogType=audit) and keeps them 60 days; audit logs need at least 90 days.`]);
        const prod = await runPolicies({ ...program([{ ...lg, inputs: { ...lg.inputs, retentionInDays: 90 }, outputs: { ...lg.outputs, retentionInDays: 90 } }]), stack: "prod" });
        expect(prod.violations.filter((v) => v.policy === "audit-log-retention").map((v) => v.message)).to.deep.equal([`Log group "audit" holds audit logs (tagged LogType=audit) and keeps them 90 days; audit logs need at least 365 days.`]);
    });
});
