import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { lambdaFunction } from "@flightstream/components/common/lambda";
import { LOGS_KEY_ACTIONS, logsKey } from "@flightstream/components/common/logsKey";
import { evaluate, evaluateError, one, policyOf, testProvider } from "../helpers/pulumi";

class Holder extends pulumi.ComponentResource {
    constructor(name: string, opts: pulumi.ComponentResourceOptions = {}) {
        super("test:recipes:Holder", name, {}, opts);
    }
}

const code = () => new pulumi.asset.AssetArchive({ "index.js": new pulumi.asset.StringAsset("exports.handler = async () => ({});") });
const base = { description: "Does one thing", accountId: "123456789012", logKeyArn: "arn:aws:kms:eu-west-1:123456789012:key/k", logRetentionDays: 30, timeoutSeconds: 60, memoryMiB: 256 };

describe("component recipes: lambdaFunction", () => {
    it("creates the function with its own role, policy and KMS-encrypted log group under the parent", async () => {
        const r = await evaluate(() => {
            const h = new Holder("h", { provider: testProvider("analytics", "123456789012") });
            lambdaFunction("fn", h, {
                ...base,
                code: code(),
                environment: { A: "1" },
                statements: [{ Sid: "ReadThing", Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::b/*" }],
                reservedConcurrency: 2,
                deadLetterTargetArn: "arn:aws:sqs:eu-west-1:123456789012:dlq",
            });
        });
        const fn = one(r, "aws:lambda/function:Function");
        const lg = one(r, "aws:cloudwatch/logGroup:LogGroup");
        const role = one(r, "aws:iam/role:Role");
        const policy = one(r, "aws:iam/rolePolicy:RolePolicy");
        expect([fn.name, lg.name, role.name, policy.name]).to.deep.equal(["fn", "fn-logs", "fn-role", "fn-policy"]);
        expect([fn.parent, lg.parent, role.parent, policy.parent]).to.deep.equal(["h", "h", "h", "fn-role"]);
        expect(fn.account).to.equal("123456789012");
        expect(fn.inputs.name).to.equal("test-fn");
        expect(lg.inputs).to.include({ name: "/aws/lambda/test-fn", retentionInDays: 30, kmsKeyId: "arn:aws:kms:eu-west-1:123456789012:key/k" });
        expect(fn.inputs).to.include({ runtime: "nodejs22.x", handler: "index.handler", memorySize: 256, timeout: 60, reservedConcurrentExecutions: 2, role: role.outputs.arn, description: "Does one thing" });
        expect(fn.inputs.architectures).to.deep.equal(["arm64"]);
        expect(fn.inputs.tracingConfig).to.deep.equal({ mode: "Active" });
        expect(fn.inputs.deadLetterConfig).to.deep.equal({ targetArn: "arn:aws:sqs:eu-west-1:123456789012:dlq" });
        expect(fn.inputs.environment).to.deep.equal({ variables: { NODE_OPTIONS: "--enable-source-maps", A: "1" } });
        expect(fn.inputs.loggingConfig).to.deep.equal({ logFormat: "JSON", logGroup: lg.outputs.name });
        expect(role.inputs.description).to.equal("Does one thing");
        const trust = policyOf(role, "assumeRolePolicy");
        expect(trust.Statement).to.deep.equal([{ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole", Condition: { StringEquals: { "aws:SourceAccount": "123456789012" } } }]);
        expect(policyOf(policy).Statement).to.deep.equal([
            { Sid: "ReadThing", Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::b/*" },
            { Sid: "WriteOwnLogs", Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: `${lg.outputs.arn}:*` },
            { Sid: "Tracing", Effect: "Allow", Action: ["xray:PutTraceSegments", "xray:PutTelemetryRecords"], Resource: "*" },
        ]);
    });

    it("keeps older logical names, auto-names when `functionName` is null and puts its own statements first on request", async () => {
        const r = await evaluate(() => {
            const h = new Holder("h", { provider: testProvider() });
            lambdaFunction("proc", h, {
                ...base,
                code: code(),
                functionName: null,
                roleDescription: null,
                logsSid: null,
                ownStatements: "first",
                statements: [{ Effect: "Allow", Action: "sqs:SendMessage", Resource: "arn:q" }],
                resourceNames: { policy: "proc-logging" },
            });
        });
        const fn = one(r, "aws:lambda/function:Function");
        expect(fn.inputs.name).to.equal(undefined);
        expect(one(r, "aws:cloudwatch/logGroup:LogGroup").inputs.name).to.equal(undefined);
        expect(one(r, "aws:iam/role:Role").inputs.description).to.equal(undefined);
        const policy = one(r, "aws:iam/rolePolicy:RolePolicy");
        expect(policy.name).to.equal("proc-logging");
        const st = policyOf(policy).Statement;
        expect(st.map((s: any) => s.Sid)).to.deep.equal([undefined, "Tracing", undefined]);
        expect(st[0].Action).to.deep.equal(["logs:CreateLogStream", "logs:PutLogEvents"]);
        expect(st[2]).to.deep.equal({ Effect: "Allow", Action: "sqs:SendMessage", Resource: "arn:q" });
        expect(fn.inputs.reservedConcurrentExecutions).to.equal(undefined);
        expect(fn.inputs.deadLetterConfig).to.equal(undefined);
    });

    it("fails when `logRetentionDays` is not a CloudWatch retention value", async () => {
        const e = await evaluateError(() => lambdaFunction("fn", new Holder("h"), { ...base, code: code(), logRetentionDays: 2 }));
        expect(e.message).to.equal(
            "lambdaFunction fn: `logRetentionDays` must be one of CloudWatch Logs' retention periods (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653) (received 2).",
        );
    });

    it("fails when `memoryMiB` or `timeoutSeconds` is outside Lambda's limits", async () => {
        const m = await evaluateError(() => lambdaFunction("fn", new Holder("h"), { ...base, code: code(), memoryMiB: 64 }));
        expect(m.message).to.equal("lambdaFunction fn: `memoryMiB` must be an integer between 128 and 10240 (received 64).");
        const t = await evaluateError(() => lambdaFunction("fn", new Holder("h"), { ...base, code: code(), timeoutSeconds: 901 }));
        expect(t.message).to.equal("lambdaFunction fn: `timeoutSeconds` must be an integer between 1 and 900 (received 901).");
    });
});

describe("component recipes: logsKey", () => {
    it("lets the regional CloudWatch Logs service use the key for the named log groups of the account only", async () => {
        const r = await evaluate(() => {
            logsKey("k", new Holder("h"), {
                description: "d",
                accountId: "123456789012",
                region: "eu-west-1",
                logGroups: ["/aws/vendedlogs/states/*", "/aws/lambda/*"],
                statements: [{ Sid: "Other", Effect: "Allow", Principal: { Service: "sqs.amazonaws.com" }, Action: "kms:Decrypt", Resource: "*" }],
            });
        });
        const key = one(r, "aws:kms/key:Key");
        expect(key.parent).to.equal("h");
        expect(key.inputs).to.include({ description: "d", enableKeyRotation: true, deletionWindowInDays: 30 });
        expect(policyOf(key).Statement).to.deep.equal([
            { Sid: "AccountRootAdministers", Effect: "Allow", Principal: { AWS: "arn:aws:iam::123456789012:root" }, Action: "kms:*", Resource: "*" },
            {
                Sid: "CloudWatchLogsUse",
                Effect: "Allow",
                Principal: { Service: "logs.eu-west-1.amazonaws.com" },
                Action: [...LOGS_KEY_ACTIONS],
                Resource: "*",
                Condition: { ArnLike: { "kms:EncryptionContext:aws:logs:arn": ["arn:aws:logs:eu-west-1:123456789012:log-group:/aws/vendedlogs/states/*", "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/*"] } },
            },
            { Sid: "Other", Effect: "Allow", Principal: { Service: "sqs.amazonaws.com" }, Action: "kms:Decrypt", Resource: "*" },
        ]);
    });

    it("without a region: the global logs principal, any region in the ARN, every log group of the account by default", async () => {
        const r = await evaluate(() => {
            logsKey("k", new Holder("h"), { description: "d", accountId: "123456789012", deletionWindowInDays: 7 });
        });
        const key = one(r, "aws:kms/key:Key");
        expect(key.inputs.deletionWindowInDays).to.equal(7);
        const logs = policyOf(key).Statement[1];
        expect(logs.Principal).to.deep.equal({ Service: "logs.amazonaws.com" });
        expect(logs.Condition).to.deep.equal({ ArnLike: { "kms:EncryptionContext:aws:logs:arn": "arn:aws:logs:*:123456789012:log-group:*" } });
    });
});

describe("component recipes: one copy of each", () => {
    const root = path.join(__dirname, "..", "..", "components");
    // components/ingestion is split on another branch; the lead wires the helpers in there.
    const files = (dir: string): string[] =>
        fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? (e.name === "ingestion" || e.name === "node_modules" ? [] : files(path.join(dir, e.name))) : e.name.endsWith(".ts") ? [path.join(dir, e.name)] : []));
    const holding = (needle: string) =>
        files(root)
            .filter((f) => fs.readFileSync(f, "utf8").includes(needle))
            .map((f) => path.relative(root, f).split(path.sep).join("/"));

    it("only the Lambda recipe creates Lambda functions", () => {
        expect(holding("new aws.lambda.Function(")).to.deep.equal(["common/lambda.ts"]);
    });

    it("only the logs key helper writes the CloudWatch Logs key statement", () => {
        expect(holding("kms:EncryptionContext:aws:logs:arn")).to.deep.equal(["common/logsKey.ts"]);
    });
});
