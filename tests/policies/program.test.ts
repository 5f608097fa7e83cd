import { expect } from "chai";
import { execFile } from "child_process";
import * as path from "path";
import { promisify } from "util";
import { checkProgram } from "../../scripts/policy";

const root = path.join(__dirname, "..", "..");
const BAD = path.join(__dirname, "fixtures", "bad-program.ts");
const HOSTILE = path.join(__dirname, "fixtures", "hostile-program.ts");
const COMPLIANT = path.join(__dirname, "fixtures", "compliant-program.ts");

describe("npm run policy (any program under the mock engine)", function () {
    this.timeout(120000);

    it("finds exactly the intended violations in the bad program", async () => {
        const r = await checkProgram(BAD, { now: new Date("2026-11-22T00:00:00Z") });
        expect(r.violations).to.deep.equal([
            { policy: "kinesis-stream-cmk-encryption", level: "mandatory", resource: "aws:kinesis/stream:Stream::events", message: `encryptionType is not set (default "NONE"); set "KMS" with a customer-managed kmsKeyId.` },
            { policy: "alarm-has-action", level: "advisory", resource: "aws:cloudwatch/metricAlarm:MetricAlarm::events-iterator-age", message: "alarmActions is empty; route the alarm to an on-call SNS topic." },
            { policy: "no-public-principal", level: "mandatory", resource: "aws:s3/bucketPolicy:BucketPolicy::public-policy", message: `statement "PublicRead" allows Principal "*"; name the accounts or roles.` },
            {
                policy: "required-tags",
                level: "mandatory",
                resource: "aws:sqs/queue:Queue::untagged",
                message: "Missing required tag(s) Project, Environment, Owner, CostCenter, DataClassification (resource tags and provider defaultTags are counted).",
            },
            {
                policy: "iam-no-wildcard-actions",
                level: "mandatory",
                resource: "aws:iam/role:Role::worker$aws:iam/rolePolicy:RolePolicy::worker-policy",
                message: `statement "Everything" allows wildcard action(s) "kinesis:*"; list the actions it needs.`,
            },
            {
                policy: "iam-no-wildcard-resources",
                level: "mandatory",
                resource: "aws:iam/role:Role::worker$aws:iam/rolePolicy:RolePolicy::worker-policy",
                message: `statement "Everything" allows data action(s) "kinesis:*" on Resource "*"; name the resources.`,
            },
            { policy: "s3-bucket-public-access-block", level: "mandatory", resource: "aws:s3/bucket:Bucket::public", message: `Bucket "other-team-public" has no BucketPublicAccessBlock.` },
            { policy: "s3-bucket-access-logging", level: "mandatory", resource: "aws:s3/bucket:Bucket::public", message: `Bucket "other-team-public" has no server access logging; add a BucketLogging to an access-log bucket.` },
        ]);
        expect(r.exemptions).to.deep.equal([]);
        expect(r.result.outputs).to.deep.equal({ streamName: "events", bucketName: "other-team-public" });
    });

    it("gives every resource of the issue-17 hostile program a mandatory violation", async () => {
        const r = await checkProgram(HOSTILE, { now: new Date("2026-11-22T00:00:00Z") });
        const byResource: Record<string, string[]> = {};
        for (const res of r.result.resources) if (!res.type.startsWith("pulumi:providers:")) byResource[res.urn] = [];
        for (const v of r.violations) if (v.level === "mandatory") byResource[v.resource].push(v.policy);
        for (const k of Object.keys(byResource)) byResource[k] = [...new Set(byResource[k])].sort();
        expect(byResource).to.deep.equal({
            "aws:ec2/securityGroup:SecurityGroup::open": ["ec2-no-open-ingress", "ec2-no-ssh-rdp-from-anywhere"],
            "aws:iam/role:Role::fn-role": ["iam-service-trust-confused-deputy"],
            "aws:iam/role:Role::vendor-trust": ["iam-cross-account-trust-condition"],
            "aws:rds/instance:Instance::db": ["aurora-storage-cmk-encryption", "rds-iam-authentication", "rds-managed-master-password", "rds-no-public-access"],
            "aws:sqs/queue:Queue::jobs": ["sqs-queue-cmk-encryption", "sqs-queue-tls-only"],
            "aws:sns/topic:Topic::events": ["sns-topic-cmk-encryption", "sns-topic-tls-only"],
            "aws:ecr/repository:Repository::images": ["ecr-cmk-encryption", "ecr-immutable-tags", "ecr-scan-on-push"],
            "aws:ecr/repositoryPolicy:RepositoryPolicy::images-policy": ["ecr-no-public-repository"],
            "aws:lambda/function:Function::handler": ["no-secrets-in-environment"],
            "aws:lambda/functionUrl:FunctionUrl::handler-url": ["lambda-function-url-auth"],
            "aws:apigatewayv2/route:Route::open-route": ["apigateway-route-authorization"],
            "aws:apigatewayv2/stage:Stage::no-logs": ["apigateway-stage-access-logs"],
        });
        expect(r.violations.filter((v) => v.policy === "no-secrets-in-environment").map((v) => v.message)).to.deep.equal([
            `environment variable "AWS_SECRET_ACCESS_KEY" is named like a secret and holds a literal value (not an ARN or parameter path); store it in Secrets Manager and pass its ARN.`,
            `environment variable "DB_PASSWORD" is named like a secret and holds a literal value (not an ARN or parameter path); store it in Secrets Manager and pass its ARN.`,
        ]);
    });

    it("finds no violation at all in the hostile program's compliant twin", async () => {
        const r = await checkProgram(COMPLIANT, { now: new Date("2026-11-22T00:00:00Z") });
        expect(r.result.resources.filter((x) => !x.type.startsWith("pulumi:providers:")).length).to.equal(16);
        expect(r.violations).to.deep.equal([]);
    });

    it("reads the program's Pulumi.yaml and Pulumi.<stack>.yaml, or --config", async () => {
        const file = path.join(__dirname, "fixtures", "configured", "index.ts");
        const dev = await checkProgram(file, { stack: "dev" });
        expect(dev.result.outputs).to.deep.equal({ project: "team-stream" });
        expect(dev.violations).to.deep.equal([{ policy: "kinesis-stream-retention", level: "advisory", resource: "aws:kinesis/stream:Stream::team", message: "retentionPeriod is 12 hours; at least 24 hours required." }]);
        const other = await checkProgram(file, { stack: "dev", configFile: path.join(__dirname, "fixtures", "configured", "Pulumi.other.yaml"), policyConfig: { "kinesis-stream-retention": { minimumHours: 48 } } });
        expect(other.violations.map((v) => v.message)).to.deep.equal(["retentionPeriod is 36 hours; at least 48 hours required."]);
    });

    it("fails with a clear error when the --config file does not exist", async () => {
        let err: Error | undefined;
        try {
            await checkProgram(BAD, { configFile: "Pulumi.nope.yaml" });
        } catch (e) {
            err = e as Error;
        }
        expect(err?.message).to.equal(`--config: file "Pulumi.nope.yaml" does not exist.`);
    });

    it("fails with a clear error when the program path does not exist", async () => {
        let err: Error | undefined;
        try {
            await checkProgram("tests/policies/fixtures/missing.ts");
        } catch (e) {
            err = e as Error;
        }
        expect(err?.message).to.equal(
            `--program: "tests/policies/fixtures/missing.ts" does not exist or is not a file (resolved to ${path.resolve("tests/policies/fixtures/missing.ts")}); pass the program's entry file, e.g. --program index.ts.`,
        );
    });

    it("exits 1 with the violations printed, and 2 on bad usage", async () => {
        const run = (args: string[]) =>
            promisify(execFile)(process.execPath, ["-r", "./scripts/register.js", "scripts/policy.ts", ...args], { cwd: root }).then(
                (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
                (e: any) => ({ code: e.code as number, stdout: e.stdout as string, stderr: e.stderr as string }),
            );
        const bad = await run(["--program", BAD]);
        expect(bad.code).to.equal(1);
        expect(bad.stdout).to.contain(`policy MANDATORY [s3-bucket-public-access-block] aws:s3/bucket:Bucket::public: Bucket "other-team-public" has no BucketPublicAccessBlock.`);
        expect(bad.stderr).to.contain("policy: 7 mandatory policy violation(s)");
        const usage = await run(["--programme", BAD]);
        expect(usage.code).to.equal(2);
        expect(usage.stderr).to.contain("policy: unknown option `--programme` (allowed: --program, --stack, --config, --project, --policy-config, --json, --help)");
        expect(usage.stderr).to.contain("usage: npm run policy -- --program PATH [options]");
    });
});
