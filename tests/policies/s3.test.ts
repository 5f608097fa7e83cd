import { expect } from "chai";
import cmk from "../../policies/rules/s3/S3BucketCmkEncryption";
import pab from "../../policies/rules/s3/S3BucketPublicAccessBlock";
import tls from "../../policies/rules/s3/S3BucketTlsOnly";
import accessLogging from "../../policies/rules/s3/S3BucketAccessLogging";
import { KEY_ARN, doc, messages, res, runRule } from "./helpers";

const BUCKET = "aws:s3/bucket:Bucket";
const SSE = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration";
const PAB = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock";
const POLICY = "aws:s3/bucketPolicy:BucketPolicy";
const LOGGING = "aws:s3/bucketLogging:BucketLogging";

// Auto-named bucket: the name exists only in the mock engine's outputs, as in a real plan.
const bucket = (name = "lake", tags?: Record<string, string>) => res(BUCKET, name, tags ? { tags } : {}, { outputs: { bucket: `${name}-abc1234`, arn: `arn:aws:s3:::${name}-abc1234` } });
const sse = (b: string, rule: Record<string, any> = { sseAlgorithm: "aws:kms", kmsMasterKeyId: KEY_ARN }) => res(SSE, `${b}-sse`, { bucket: `${b}-abc1234`, rules: [{ applyServerSideEncryptionByDefault: rule, bucketKeyEnabled: true }] });
const block = (b: string, over: Record<string, any> = {}) => res(PAB, `${b}-pab`, { bucket: `${b}-abc1234`, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true, ...over });
const tlsDeny = (b: string) => ({
    Sid: "DenyInsecureTransport",
    Effect: "Deny",
    Principal: { AWS: "*" },
    Action: "s3:*",
    Resource: [`arn:aws:s3:::${b}-abc1234`, `arn:aws:s3:::${b}-abc1234/*`],
    Condition: { Bool: { "aws:SecureTransport": false } },
});
const policy = (b: string, ...statements: any[]) => res(POLICY, `${b}-policy`, { bucket: `${b}-abc1234`, policy: doc(...statements) });

describe("s3-bucket-cmk-encryption (stack)", () => {
    it("Compliance: SSE-KMS with a customer-managed key, joined by bucket name", async () => {
        expect(await messages(cmk, bucket(), sse("lake"))).to.deep.equal([]);
    });
    it("Compliance: access-log bucket (tag Purpose=access-logs) with SSE-S3", async () => {
        expect(await messages(cmk, bucket("logs", { Purpose: "access-logs" }), sse("logs", { sseAlgorithm: "AES256" }))).to.deep.equal([]);
    });
    it("Compliance: access-log bucket recognised as a BucketLogging target", async () => {
        const logging = res(LOGGING, "lake-logging", { bucket: "lake-abc1234", targetBucket: "logs-abc1234", targetPrefix: "lake/" });
        expect(await messages(cmk, bucket(), sse("lake"), bucket("logs"), sse("logs", { sseAlgorithm: "AES256" }), logging)).to.deep.equal([]);
    });
    it("Noncompliance 1: fails when the bucket has no encryption configuration", async () => {
        const r = await runRule(cmk, [bucket()]);
        expect(r.violations).to.deep.equal([
            {
                policy: "s3-bucket-cmk-encryption",
                level: "mandatory",
                resource: "aws:s3/bucket:Bucket::lake",
                message: `Bucket "lake-abc1234" has no BucketServerSideEncryptionConfiguration; add one with sseAlgorithm "aws:kms" and a customer-managed kmsMasterKeyId.`,
            },
        ]);
    });
    it("Noncompliance 2: fails when the configuration uses SSE-S3", async () => {
        expect(await messages(cmk, bucket(), sse("lake", { sseAlgorithm: "AES256" }))).to.deep.equal([`Bucket "lake-abc1234" uses sseAlgorithm "AES256"; use "aws:kms" with a customer-managed kmsMasterKeyId.`]);
    });
    it("Noncompliance 3: fails when aws:kms has no key (aws/s3)", async () => {
        expect(await messages(cmk, bucket(), sse("lake", { sseAlgorithm: "aws:kms" }))).to.deep.equal([`Bucket "lake-abc1234" uses sseAlgorithm "aws:kms" without kmsMasterKeyId (the AWS-managed aws/s3 key); name a customer-managed key.`]);
    });
    it("Noncompliance 4: fails when the key is alias/aws/s3", async () => {
        expect(await messages(cmk, bucket(), sse("lake", { sseAlgorithm: "aws:kms", kmsMasterKeyId: "alias/aws/s3" }))).to.deep.equal([`Bucket "lake-abc1234" uses the AWS-managed key "alias/aws/s3"; name a customer-managed key.`]);
    });
    it("Noncompliance 5: fails when the configuration belongs to another bucket", async () => {
        expect(await messages(cmk, bucket(), bucket("other"), sse("other"))).to.deep.equal([
            `Bucket "lake-abc1234" has no BucketServerSideEncryptionConfiguration; add one with sseAlgorithm "aws:kms" and a customer-managed kmsMasterKeyId.`,
        ]);
    });
    it("Noncompliance 6: fails when an access-log bucket has no SSE-S3 configuration", async () => {
        expect(await messages(cmk, bucket("logs", { Purpose: "access-logs" }))).to.deep.equal([
            `Access-log bucket "logs-abc1234" has no BucketServerSideEncryptionConfiguration with sseAlgorithm "AES256" (log delivery cannot write to SSE-KMS buckets).`,
        ]);
    });
});

describe("s3-bucket-public-access-block (stack)", () => {
    it("Compliance: all four flags", async () => {
        expect(await messages(pab, bucket(), block("lake"))).to.deep.equal([]);
    });
    it("Compliance: not applicable without buckets", async () => {
        const r = await runRule(pab, [res("aws:sns/topic:Topic", "t", {})]);
        expect(r.notApplicable).to.deep.equal([{ policy: "s3-bucket-public-access-block", resource: "stack", reason: "The stack has no S3 buckets" }]);
    });
    it("Noncompliance 1: fails when there is no public access block", async () => {
        expect(await messages(pab, bucket())).to.deep.equal([`Bucket "lake-abc1234" has no BucketPublicAccessBlock.`]);
    });
    for (const flag of ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"]) {
        it(`Noncompliance: fails when ${flag} is false`, async () => {
            expect(await messages(pab, bucket(), block("lake", { [flag]: false }))).to.deep.equal([`Bucket "lake-abc1234" public access block does not set ${flag} to true.`]);
        });
    }
});

describe("s3-bucket-tls-only (stack)", () => {
    it("Compliance: Deny s3:* for everyone without SecureTransport", async () => {
        expect(await messages(tls, bucket(), policy("lake", tlsDeny("lake")))).to.deep.equal([]);
    });
    it('Compliance: the condition value as the string "false"', async () => {
        const st = { ...tlsDeny("lake"), Principal: "*", Condition: { Bool: { "aws:SecureTransport": "false" } } };
        expect(await messages(tls, bucket(), policy("lake", st))).to.deep.equal([]);
    });
    it("Noncompliance 1: fails when the bucket has no policy", async () => {
        expect(await messages(tls, bucket())).to.deep.equal([`Bucket "lake-abc1234" has no bucket policy; add a Deny of s3:* when aws:SecureTransport is false.`]);
    });
    it("Noncompliance 2: fails when the Deny is missing", async () => {
        const allow = { Sid: "Reader", Effect: "Allow", Principal: { AWS: "arn:aws:iam::222222222222:root" }, Action: "s3:GetObject", Resource: "arn:aws:s3:::lake-abc1234/*" };
        expect(await messages(tls, bucket(), policy("lake", allow))).to.deep.equal([`Bucket "lake-abc1234" policy has no Deny of s3:* for Principal "*" when aws:SecureTransport is false.`]);
    });
    it("Noncompliance 3: fails when the Deny covers only s3:GetObject", async () => {
        expect(await messages(tls, bucket(), policy("lake", { ...tlsDeny("lake"), Action: "s3:GetObject" }))).to.deep.equal([`Bucket "lake-abc1234" policy has no Deny of s3:* for Principal "*" when aws:SecureTransport is false.`]);
    });
    it("Noncompliance 4: fails when the Deny is limited to one account", async () => {
        expect(await messages(tls, bucket(), policy("lake", { ...tlsDeny("lake"), Principal: { AWS: "arn:aws:iam::222222222222:root" } }))).to.deep.equal([
            `Bucket "lake-abc1234" policy has no Deny of s3:* for Principal "*" when aws:SecureTransport is false.`,
        ]);
    });
});

describe("s3 stack rules under pulumi preview (unknown names)", () => {
    const unknownProps = (props: Record<string, any>, unknownKeys: string[]) => {
        const o: Record<string, any> = { ...props };
        for (const k of unknownKeys)
            Object.defineProperty(o, k, {
                enumerable: true,
                get: () => {
                    throw new Error(`${k} is unknown during preview`);
                },
            });
        return o;
    };
    const resource = (type: string, name: string, props: Record<string, any>, propertyDependencies: Record<string, any[]> = {}) =>
        ({ type, name, urn: `urn:${type}::${name}`, props, opts: {}, dependencies: [], propertyDependencies, isType: () => false, asType: () => undefined }) as any;
    const run = (resources: any[]) => {
        const reports: string[] = [];
        cmk.kind === "stack" &&
            cmk.validateStack(
                {
                    resources,
                    stackTags: new Map(),
                    getConfig: () => ({}) as any,
                    notApplicable: (r?: string) => {
                        throw new Error(r);
                    },
                },
                (m: string) => reports.push(m),
            );
        return reports;
    };
    it("Compliance: joins the encryption configuration through property dependencies", () => {
        const b = resource(BUCKET, "lake", unknownProps({}, ["bucket", "id"]));
        const c = resource(SSE, "lake-sse", unknownProps({ rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: KEY_ARN } }] }, ["bucket"]), { bucket: [b] });
        expect(run([b, c])).to.deep.equal([]);
    });
    it("Noncompliance 1: fails when no configuration depends on the bucket (logical name in the message)", () => {
        const b = resource(BUCKET, "lake", unknownProps({}, ["bucket", "id"]));
        const other = resource(BUCKET, "other", unknownProps({}, ["bucket", "id"]));
        const c = resource(SSE, "other-sse", unknownProps({ rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: KEY_ARN } }] }, ["bucket"]), { bucket: [other] });
        expect(run([b, other, c])).to.deep.equal([`Bucket "lake" has no BucketServerSideEncryptionConfiguration; add one with sseAlgorithm "aws:kms" and a customer-managed kmsMasterKeyId.`]);
    });
});

describe("s3-bucket-access-logging", () => {
    const bucket = (name: string, tags?: Record<string, string>) => res(BUCKET, name, { bucket: name, ...(tags ? { tags } : {}) });
    it("Compliance: the data bucket logs to the access-log bucket (which itself needs no logging)", async () => {
        expect(await messages(accessLogging, bucket("lake"), bucket("lake-logs"), res(LOGGING, "lake-logging", { bucket: "lake", targetBucket: "lake-logs", targetPrefix: "s3-access/" }))).to.deep.equal([]);
    });
    it("Compliance: a bucket tagged Purpose=access-logs needs no logging", async () => {
        expect(await messages(accessLogging, bucket("alb-logs", { Purpose: "access-logs" }))).to.deep.equal([]);
    });
    it("Noncompliance 1: fails when a data bucket has no BucketLogging", async () => {
        expect(await messages(accessLogging, bucket("pond"), bucket("lake"), bucket("lake-logs"), res(LOGGING, "lake-logging", { bucket: "lake", targetBucket: "lake-logs" }))).to.deep.equal([
            `Bucket "pond" has no server access logging; add a BucketLogging to an access-log bucket.`,
        ]);
    });
});
