/**
 * The package as another team gets it: `npm run build:package` packs
 * @flightstream/components into a tarball, a fresh project OUTSIDE this
 * repository (os.tmpdir()) installs nothing but that tarball and @pulumi/pulumi
 * + @pulumi/aws from the registry, and a small stack there (KinesisStream, a
 * StreamConsumer with the team's own handler written against the packaged
 * consumer framework, grantWrite to a producer role) is evaluated under
 * Pulumi's mock engine in a child process run from that folder. The test
 * asserts what it registered: the resources, the IAM, and that the platform
 * code came from the package (no path into this repository anywhere).
 *
 * One build, one `npm install` (--prefer-offline, from the npm cache) per run;
 * about 4 minutes of wall time on 2 cores shared with six other engineers
 * (90 s of CPU: tsc for the build and for the typed stack, the install).
 */
import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { buildPackage } from "../../scripts/build-package";
import { HANDLER, PROGRAM, TYPED_STACK, typedStackTsconfig } from "./outside-stack";

const REPO = path.join(__dirname, "..", "..");
const rootPkg = JSON.parse(fs.readFileSync(path.join(REPO, "package.json"), "utf8")) as { dependencies: Record<string, string> };

interface Rec {
    type: string;
    name: string;
    inputs: Record<string, any>;
}

function sh(cmd: string, args: string[], cwd: string, timeoutMs = 240_000): string {
    const r = spawnSync(cmd, args, { cwd, encoding: "utf8", timeout: timeoutMs, env: { ...process.env, npm_config_update_notifier: "false" } });
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} in ${cwd} failed (exit ${r.status}, signal ${r.signal}):\n${r.stdout}\n${r.stderr}`);
    return r.stdout;
}

describe("package: @flightstream/components installed from its tarball into a project outside the repository", function () {
    this.timeout(600_000);
    let tmp: string;
    let project: string;
    let tarball: string;
    let out: { resolved: string; records: Rec[]; code: Record<string, Record<string, string>> };
    const started = Date.now();

    before(function () {
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "flightstream-package-"));
        project = path.join(tmp, "team-clicks");
        const built = buildPackage({ packDir: path.join(tmp, "pack"), log: () => undefined });
        tarball = built.tarball!;
        fs.mkdirSync(path.join(project, "handlers"), { recursive: true });
        fs.writeFileSync(path.join(project, "package.json"), JSON.stringify({ name: "team-clicks", version: "1.0.0", private: true }, null, 2));
        // One install: the tarball and the two peer dependencies, at this repository's versions (the npm cache holds them).
        sh("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error", tarball, `@pulumi/pulumi@${rootPkg.dependencies["@pulumi/pulumi"]}`, `@pulumi/aws@${rootPkg.dependencies["@pulumi/aws"]}`], project);
        fs.writeFileSync(path.join(project, "index.js"), PROGRAM);
        fs.writeFileSync(path.join(project, "handlers", "count.ts"), HANDLER);
        // A clean environment: nothing of this repository's (no NODE_PATH, no ts-node hooks).
        const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("TS_NODE") && k !== "NODE_PATH" && k !== "NODE_OPTIONS"));
        const r = spawnSync(process.execPath, ["index.js"], { cwd: project, encoding: "utf8", env, timeout: 180_000, maxBuffer: 256 * 1024 * 1024 });
        if (r.status !== 0) throw new Error(`the outside stack failed (exit ${r.status}):\n${r.stderr}`);
        out = JSON.parse(r.stdout);
    });

    after(function () {
        console.log(`      (package test: ${((Date.now() - started) / 1000).toFixed(0)} s for build, pack, install and evaluation)`);
        if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
    });

    it("a TypeScript stack type-checks against the package's declarations, with node10 and node16 module resolution", function () {
        fs.writeFileSync(path.join(project, "typed-stack.ts"), TYPED_STACK);
        const tsc = path.join(REPO, "node_modules", "typescript", "bin", "tsc");
        for (const resolution of ["node10", "node16"] as const) {
            fs.writeFileSync(path.join(project, `tsconfig.${resolution}.json`), typedStackTsconfig(resolution));
            const r = spawnSync(process.execPath, [tsc, "-p", `tsconfig.${resolution}.json`], { cwd: project, encoding: "utf8", timeout: 240_000 });
            expect(`${r.stdout}${r.stderr}`, resolution).to.equal("");
            expect(r.status, resolution).to.equal(0);
        }
    });

    it("the tarball carries the built JavaScript, declarations, prebuilt bundles and the image context, and no TypeScript sources", function () {
        const files = sh("tar", ["tzf", tarball], tmp).split("\n").filter(Boolean);
        for (const f of [
            "package/package.json",
            "package/README.md",
            "package/CHANGELOG.md",
            "package/dist/components/index.js",
            "package/dist/components/index.d.ts",
            "package/dist/components/stream/KinesisStream.d.ts",
            "package/dist/functions/consumer/lambda.js",
            "package/dist/functions/consumer/lambda.d.ts",
            "package/dist/bundles/manifest.json",
            "package/dist/bundles/lake/handler/index.js",
            "package/dist/bundles/forecast/train-handler/index.js",
            "package/dist/functions/shared/db/migrations/0001_initial_schema.sql",
            "package/dist/image/functions/ingest/Dockerfile",
            "package/dist/image/package-lock.json",
        ])
            expect(files, f).to.include(f);
        expect(files.filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts") && !f.startsWith("package/dist/image/"))).to.deep.equal([]);
    });

    it("the outside project resolves the package from its own node_modules, not from this repository", function () {
        expect(out.resolved).to.equal(fs.realpathSync(path.join(project, "node_modules", "@flightstream", "components", "dist", "components", "index.js")));
        const installed = JSON.parse(fs.readFileSync(path.join(project, "node_modules", "@flightstream", "components", "package.json"), "utf8"));
        expect(installed.version).to.equal("0.1.0");
        expect(fs.existsSync(path.join(project, "node_modules", "@flightstream", "components", "index.ts"))).to.equal(false);
        const text = JSON.stringify(out.records);
        expect(text.includes(REPO), "a path into the repository in the registered inputs").to.equal(false);
    });

    it("registers the stream, the producer role with its grant, and the consumer's function, mapping, queue and keys", function () {
        const count = (t: string) => out.records.filter((r) => r.type === t).length;
        expect(count("flightstream:stream:KinesisStream")).to.equal(1);
        expect(count("flightstream:stream:StreamConsumer")).to.equal(1);
        expect(count("aws:kinesis/stream:Stream")).to.equal(1);
        expect(count("aws:lambda/function:Function")).to.equal(1);
        expect(count("aws:lambda/eventSourceMapping:EventSourceMapping")).to.equal(1);
        expect(count("aws:sqs/queue:Queue")).to.equal(1);
        const stream = out.records.find((r) => r.type === "aws:kinesis/stream:Stream")!;
        expect(stream.inputs.encryptionType).to.equal("KMS");
        expect(stream.inputs.retentionPeriod).to.equal(72);
        expect(stream.inputs.streamModeDetails).to.deep.equal({ streamMode: "ON_DEMAND" });
        const fn = out.records.find((r) => r.type === "aws:lambda/function:Function")!;
        expect(fn.inputs.runtime).to.equal("nodejs22.x");
        expect(fn.inputs.handler).to.equal("index.handler");
        const mapping = out.records.find((r) => r.type === "aws:lambda/eventSourceMapping:EventSourceMapping")!;
        expect(mapping.inputs.eventSourceArn).to.equal(`arn:aws:kinesis:eu-west-1:222222222222:stream/${stream.inputs.name}`);
        expect(mapping.inputs.batchSize).to.equal(200);
        expect(mapping.inputs.functionResponseTypes).to.deep.equal(["ReportBatchItemFailures"]);
    });

    it("grantWrite gives the producer exactly PutRecord(s), ListShards, DescribeStreamSummary on the stream and GenerateDataKey on its key", function () {
        const stream = out.records.find((r) => r.type === "aws:kinesis/stream:Stream")!;
        const policy = out.records.find((r) => r.type === "aws:iam/rolePolicy:RolePolicy" && r.name === "click-producer-write")!;
        expect(policy, "the grant's role policy").to.not.equal(undefined);
        expect(policy.inputs.role).to.equal("click-producer");
        const doc = JSON.parse(policy.inputs.policy);
        const streamArn = `arn:aws:kinesis:eu-west-1:222222222222:stream/${stream.inputs.name}`;
        const keyArn = stream.inputs.kmsKeyId;
        expect(keyArn).to.match(/^arn:aws:kms:eu-west-1:222222222222:key\//);
        const allows = doc.Statement.filter((s: any) => s.Effect === "Allow").map((s: any) => ({ Action: [s.Action].flat().sort(), Resource: s.Resource }));
        expect(allows).to.deep.equal([
            { Action: ["kinesis:DescribeStreamSummary", "kinesis:ListShards", "kinesis:PutRecord", "kinesis:PutRecords"], Resource: streamArn },
            { Action: ["kms:GenerateDataKey"], Resource: keyArn },
        ]);
    });

    it('the consumer\'s role reads exactly the stream and decrypts with exactly its key (Resource "*" only for X-Ray)', function () {
        const stream = out.records.find((r) => r.type === "aws:kinesis/stream:Stream")!;
        const streamArn = `arn:aws:kinesis:eu-west-1:222222222222:stream/${stream.inputs.name}`;
        const docs = out.records.filter((r) => r.type === "aws:iam/rolePolicy:RolePolicy" && r.name !== "click-producer-write").map((r) => JSON.parse(r.inputs.policy));
        expect(docs).to.have.length(1);
        const statements = docs.flatMap((d) => d.Statement).filter((s: any) => s.Effect === "Allow");
        const wildcard = statements.filter((s: any) => [s.Resource].flat().includes("*")).map((s: any) => [s.Action].flat().sort());
        expect(wildcard).to.deep.equal([["xray:PutTelemetryRecords", "xray:PutTraceSegments"]]);
        const reads = statements.filter((s: any) => [s.Action].flat().includes("kinesis:GetRecords"));
        expect(reads.map((s: any) => s.Resource)).to.deep.equal([streamArn]);
        const streamKey = statements.filter((s: any) => s.Sid === "DecryptStream");
        expect(streamKey.map((s: any) => ({ Action: s.Action, Resource: s.Resource }))).to.deep.equal([{ Action: ["kms:Decrypt"], Resource: stream.inputs.kmsKeyId }]);
    });

    it("the consumer's code is the team's handler bundled with the packaged framework (esbuild at deploy time, from the package's dependencies)", function () {
        const fn = out.records.find((r) => r.type === "aws:lambda/function:Function")!;
        const code = out.code[fn.name]["index.js"];
        expect(code.includes("RouteCountEvents"), "the team's metric name in the bundle").to.equal(true);
        // The framework came along (functions/consumer/lambda.ts's namespace default, the Powertools metrics class).
        expect(code.includes("FlightStream/Consumers"), "the framework's metrics namespace in the bundle").to.equal(true);
        const map = JSON.parse(out.code[fn.name]["index.js.map"]) as { sources: string[] };
        expect(
            map.sources.some((s) => s.endsWith("node_modules/@flightstream/components/dist/functions/consumer/lambda.ts")),
            "the framework bundled from the installed package",
        ).to.equal(true);
        expect(
            map.sources.some((s) => s.includes("@aws-lambda-powertools/metrics")),
            "Powertools bundled from the package's dependencies",
        ).to.equal(true);
        expect(map.sources.filter((s) => s.includes(REPO))).to.deep.equal([]);
    });
});
