import { expect } from "chai";
import * as aws from "@pulumi/aws";
import { runSimulation } from "@cloud-copilot/iam-simulate";
import { DataLake } from "@flightstream/components/lake/DataLake";
import { principals } from "@flightstream/components/common/grants";
import { ProgramResult, all, evaluate, evaluateError, one, policyOf, testProvider } from "../helpers/pulumi";

const LAKE = "222222222222";
const SCORING_ROLE = "arn:aws:iam::444444444444:role/scoring";
const ARTIFACT = "models/scoring/sagemaker/v1/model.tar.gz";
const FIREHOSE_ROLE = "arn:aws:iam::111111111111:role/lake-delivery";
const ETL_ROLE = "arn:aws:iam::222222222222:role/pond-etl-ops";
const READER_ROLE = "arn:aws:iam::333333333333:role/pond-ops-reader";
const STRANGER = "arn:aws:iam::999999999999:role/stranger";

function build(extra: Partial<ConstructorParameters<typeof DataLake>[1]> = {}): Promise<ProgramResult> {
    return evaluate(() => {
        const p = testProvider("lake", LAKE);
        const lake = new DataLake("lake", { accountId: LAKE, region: "eu-west-1", ...extra }, { provider: p });
        lake.grantWrite("lake-delivery", principals.roleArn(FIREHOSE_ROLE, "111111111111"));
        // Same account as the lake: identity side only, nothing in the lake's policies.
        lake.grantRead("pond-etl-ops", principals.roleArn(ETL_ROLE, LAKE));
        lake.grantRead("pond-ops-reader", principals.roleArn(READER_ROLE, "333333333333"));
        lake.grantReadObjects("scoring-artifact", principals.roleArn(SCORING_ROLE, "444444444444"), { keys: [ARTIFACT] });
    });
}

/** Every principal an Allow statement names. */
function allowedPrincipals(doc: { Statement: any[] }): string[] {
    return [...new Set(doc.Statement.filter((s) => s.Effect === "Allow").flatMap((s) => [].concat(s.Principal?.AWS ?? [])))].sort();
}

describe("DataLake", function () {
    this.timeout(20000);
    let r: ProgramResult;
    before(async () => {
        r = await build();
    });

    it("creates the hardened bucket with exact inputs in the lake account", () => {
        const bucket = one(r, "aws:s3/bucket:Bucket", "lake-bucket");
        expect(bucket.account).to.equal(LAKE);
        expect(bucket.inputs.forceDestroy).to.equal(false);
        const key = one(r, "aws:kms/key:Key", "lake-key");
        const sse = one(r, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", "lake-encryption");
        expect(sse.inputs.rules).to.deep.equal([{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: key.outputs.arn }, bucketKeyEnabled: true }]);
        const bpa = one(r, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "lake-public-access");
        expect([bpa.inputs.blockPublicAcls, bpa.inputs.blockPublicPolicy, bpa.inputs.ignorePublicAcls, bpa.inputs.restrictPublicBuckets]).to.deep.equal([true, true, true, true]);
        expect(one(r, "aws:s3/bucketVersioning:BucketVersioning", "lake-versioning").inputs.versioningConfiguration).to.deep.equal({ status: "Enabled" });
        expect(one(r, "aws:s3/bucketOwnershipControls:BucketOwnershipControls", "lake-ownership").inputs.rule).to.deep.equal({ objectOwnership: "BucketOwnerEnforced" });
        expect(one(r, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "lake-lifecycle").inputs.rules).to.deep.equal([
            { id: "abort-incomplete-multipart-uploads", status: "Enabled", filter: {}, abortIncompleteMultipartUpload: { daysAfterInitiation: 7 } },
            { id: "intelligent-tiering", status: "Enabled", filter: {}, transitions: [{ days: 0, storageClass: "INTELLIGENT_TIERING" }] },
            { id: "expire-noncurrent-versions", status: "Enabled", filter: {}, noncurrentVersionExpiration: { noncurrentDays: 30 } },
        ]);
        expect(all(r, "aws:s3/bucketIntelligentTieringConfiguration:BucketIntelligentTieringConfiguration")).to.have.length(0);
        expect(key.inputs.enableKeyRotation).to.equal(true);
        expect(key.inputs.deletionWindowInDays).to.equal(30);
        const logging = one(r, "aws:s3/bucketLogging:BucketLogging", "lake-logging");
        expect(logging.inputs.targetBucket).to.equal(one(r, "aws:s3/bucket:Bucket", "lake-access-logs").outputs.bucket);
        expect(logging.inputs.targetPrefix).to.equal("s3-access/");
        // The access-log bucket is the SSE-S3 exception.
        expect(one(r, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", "lake-access-logs-encryption").inputs.rules).to.deep.equal([
            { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } },
        ]);
        expect(r.resources.filter((x) => x.custom && !x.type.startsWith("pulumi:providers")).every((x) => x.account === LAKE)).to.equal(true);
    });

    it("turns the archive tiers on only when asked", async () => {
        const on = await build({ archiveTiers: true, archiveAccessDays: 120 });
        const t = one(on, "aws:s3/bucketIntelligentTieringConfiguration:BucketIntelligentTieringConfiguration", "lake-archive-tiers");
        expect(t.inputs.status).to.equal("Enabled");
        expect(t.inputs.tierings).to.deep.equal([
            { accessTier: "ARCHIVE_ACCESS", days: 120 },
            { accessTier: "DEEP_ARCHIVE_ACCESS", days: 180 },
        ]);
    });

    it("writes a bucket policy from the grants: exactly the principals of other accounts, each on its prefixes or objects", () => {
        const doc = policyOf(one(r, "aws:s3/bucketPolicy:BucketPolicy", "lake-policy"));
        const arn = one(r, "aws:s3/bucket:Bucket", "lake-bucket").outputs.arn;
        const keyArn = one(r, "aws:kms/key:Key", "lake-key").outputs.arn;
        expect(allowedPrincipals(doc)).to.deep.equal([FIREHOSE_ROLE, READER_ROLE, SCORING_ROLE].sort());
        expect(doc.Statement.map((s: any) => s.Sid)).to.deep.equal([
            "DenyInsecureTransport",
            "DenyNonKmsEncryption",
            "DenyOtherKmsKeys",
            "LakeDeliveryWriteObjects",
            "LakeDeliveryListUploads",
            "PondOpsReaderReadObjects",
            "PondOpsReaderList",
            "PondOpsReaderLocate",
            "ScoringArtifactRead",
        ]);
        expect(doc.Statement[3]).to.deep.equal({
            Sid: "LakeDeliveryWriteObjects",
            Effect: "Allow",
            Principal: { AWS: FIREHOSE_ROLE },
            Action: ["s3:PutObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts", "s3:GetObject"],
            Resource: [`${arn}/data/*`, `${arn}/errors/*`],
        });
        expect(doc.Statement[4]).to.deep.equal({ Sid: "LakeDeliveryListUploads", Effect: "Allow", Principal: { AWS: FIREHOSE_ROLE }, Action: ["s3:GetBucketLocation", "s3:ListBucket", "s3:ListBucketMultipartUploads"], Resource: arn });
        expect(doc.Statement[6]).to.deep.equal({ Sid: "PondOpsReaderList", Effect: "Allow", Principal: { AWS: READER_ROLE }, Action: "s3:ListBucket", Resource: arn, Condition: { StringLike: { "s3:prefix": ["data/", "data/*"] } } });
        expect(doc.Statement[8]).to.deep.equal({ Sid: "ScoringArtifactRead", Effect: "Allow", Principal: { AWS: SCORING_ROLE }, Action: "s3:GetObject", Resource: `${arn}/${ARTIFACT}` });
        expect(doc.Statement[2].Condition).to.deep.equal({ Null: { "s3:x-amz-server-side-encryption-aws-kms-key-id": "false" }, StringNotEquals: { "s3:x-amz-server-side-encryption-aws-kms-key-id": keyArn } });
        expect(doc.Statement[0].Condition).to.deep.equal({ Bool: { "aws:SecureTransport": false } });
    });

    it("writes a key policy from the grants: root administers, Firehose encrypts, the readers decrypt, through S3 only", () => {
        const doc = policyOf(one(r, "aws:kms/key:Key", "lake-key"));
        const viaS3 = { StringEquals: { "kms:ViaService": "s3.eu-west-1.amazonaws.com" } };
        expect(doc.Statement).to.deep.equal([
            { Sid: "AccountRootAdministers", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${LAKE}:root` }, Action: "kms:*", Resource: "*" },
            { Sid: "LakeDeliveryEncrypt", Effect: "Allow", Principal: { AWS: FIREHOSE_ROLE }, Action: ["kms:GenerateDataKey", "kms:Decrypt"], Resource: "*", Condition: viaS3 },
            { Sid: "PondOpsReaderDecrypt", Effect: "Allow", Principal: { AWS: READER_ROLE }, Action: "kms:Decrypt", Resource: "*", Condition: viaS3 },
            { Sid: "ScoringArtifactDecrypt", Effect: "Allow", Principal: { AWS: SCORING_ROLE }, Action: ["kms:Decrypt"], Resource: "*", Condition: viaS3 },
        ]);
    });

    describe("evaluated with iam-simulate (cross-account: resource policy and identity policy both allow)", () => {
        let doc: any;
        let bucketArn: string;
        let keyArn: string;
        before(() => {
            doc = policyOf(one(r, "aws:s3/bucketPolicy:BucketPolicy", "lake-policy"));
            bucketArn = one(r, "aws:s3/bucket:Bucket", "lake-bucket").outputs.arn;
            keyArn = one(r, "aws:kms/key:Key", "lake-key").outputs.arn;
        });
        const everything = { name: "broad", policy: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: ["s3:*", "kms:*"], Resource: "*" }] } };
        async function s3(principal: string, action: string, key: string, ctx: Record<string, string> = {}): Promise<string> {
            const res = await runSimulation(
                {
                    request: {
                        principal,
                        action,
                        resource: { resource: key === "" ? bucketArn : `${bucketArn}/${key}`, accountId: LAKE },
                        contextVariables: { "aws:SecureTransport": "true", ...ctx },
                    },
                    identityPolicies: [everything],
                    serviceControlPolicies: [],
                    resourceControlPolicies: [],
                    resourcePolicy: doc,
                },
                {},
            );
            if (res.resultType === "error") throw new Error(JSON.stringify(res.errors));
            return res.overallResult;
        }
        async function kms(principal: string, action: string, via = "s3.eu-west-1.amazonaws.com"): Promise<string> {
            const res = await runSimulation(
                {
                    request: { principal, action, resource: { resource: keyArn, accountId: LAKE }, contextVariables: { "kms:ViaService": via } },
                    identityPolicies: [everything],
                    serviceControlPolicies: [],
                    resourceControlPolicies: [],
                    resourcePolicy: policyOf(one(r, "aws:kms/key:Key", "lake-key")),
                },
                {},
            );
            if (res.resultType === "error") throw new Error(JSON.stringify(res.errors));
            return res.overallResult;
        }
        const kmsPut = { "s3:x-amz-server-side-encryption": "aws:kms" };

        it("allows Firehose to put under data/ and errors/ with the lake key", async () => {
            expect(await s3(FIREHOSE_ROLE, "s3:PutObject", "data/type=search/x.json.gz", { ...kmsPut, "s3:x-amz-server-side-encryption-aws-kms-key-id": keyArn })).to.equal("Allowed");
            expect(await s3(FIREHOSE_ROLE, "s3:PutObject", "errors/processing-failed/x", kmsPut)).to.equal("Allowed");
            // No encryption header: the bucket default (the lake key) applies.
            expect(await s3(FIREHOSE_ROLE, "s3:PutObject", "data/y")).to.equal("Allowed");
        });
        it("fails when Firehose writes outside its prefixes or with another key", async () => {
            expect(await s3(FIREHOSE_ROLE, "s3:PutObject", "other/x", kmsPut)).to.equal("ImplicitlyDenied");
            expect(await s3(FIREHOSE_ROLE, "s3:PutObject", "data/x", { "s3:x-amz-server-side-encryption": "AES256" })).to.equal("ExplicitlyDenied");
            expect(await s3(FIREHOSE_ROLE, "s3:PutObject", "data/x", { ...kmsPut, "s3:x-amz-server-side-encryption-aws-kms-key-id": "arn:aws:kms:eu-west-1:111111111111:key/other" })).to.equal("ExplicitlyDenied");
            expect(await s3(FIREHOSE_ROLE, "s3:DeleteObject", "data/x")).to.equal("ImplicitlyDenied");
        });
        it("allows the ETL and reader roles to read data/ but not write", async () => {
            expect(await s3(ETL_ROLE, "s3:GetObject", "data/type=offer/a")).to.equal("Allowed");
            expect(await s3(READER_ROLE, "s3:GetObject", "data/type=offer/a")).to.equal("Allowed");
            expect(await s3(READER_ROLE, "s3:GetObject", "errors/a")).to.equal("ImplicitlyDenied");
            expect(await s3(READER_ROLE, "s3:PutObject", "data/a", kmsPut)).to.equal("ImplicitlyDenied");
            expect(await s3(READER_ROLE, "s3:GetBucketLocation", "")).to.equal("Allowed");
            expect(await s3(READER_ROLE, "s3:ListBucket", "", { "s3:prefix": "data/type=offer/" })).to.equal("Allowed");
            expect(await s3(READER_ROLE, "s3:ListBucket", "", { "s3:prefix": "errors/" })).to.equal("ImplicitlyDenied");
        });
        it("allows the scoring role to read exactly its artifact", async () => {
            expect(await s3(SCORING_ROLE, "s3:GetObject", ARTIFACT)).to.equal("Allowed");
            expect(await kms(SCORING_ROLE, "kms:Decrypt")).to.equal("Allowed");
        });
        it("fails when the scoring role reads another object or lists the bucket", async () => {
            expect(await s3(SCORING_ROLE, "s3:GetObject", "models/scoring/sagemaker/v2/model.tar.gz")).to.equal("ImplicitlyDenied");
            expect(await s3(SCORING_ROLE, "s3:GetObject", "data/type=offer/a")).to.equal("ImplicitlyDenied");
            expect(await s3(SCORING_ROLE, "s3:ListBucket", "", { "s3:prefix": "models/" })).to.equal("ImplicitlyDenied");
        });
        it("fails for any other principal and for plain HTTP", async () => {
            expect(await s3(STRANGER, "s3:GetObject", "data/a")).to.equal("ImplicitlyDenied");
            expect(await s3(ETL_ROLE, "s3:GetObject", "data/a", { "aws:SecureTransport": "false" })).to.equal("ExplicitlyDenied");
        });
        it("lets the key be used only by the named principals through S3", async () => {
            expect(await kms(FIREHOSE_ROLE, "kms:GenerateDataKey")).to.equal("Allowed");
            expect(await kms(READER_ROLE, "kms:Decrypt")).to.equal("Allowed");
            expect(await kms(READER_ROLE, "kms:GenerateDataKey")).to.equal("ImplicitlyDenied");
            expect(await kms(READER_ROLE, "kms:Decrypt", "sqs.eu-west-1.amazonaws.com")).to.equal("ImplicitlyDenied");
            expect(await kms(STRANGER, "kms:Decrypt")).to.equal("ImplicitlyDenied");
        });
    });

    it("exposes metric helpers with the bucket's dimensions", async () => {
        let lake!: DataLake;
        const res = await evaluate(() => {
            lake = new DataLake("lake", { accountId: LAKE, region: "eu-west-1", requestMetrics: true }, { provider: testProvider("lake", LAKE) });
        });
        expect(lake.metricNumberOfObjects()).to.include({ namespace: "AWS/S3", metricName: "NumberOfObjects", statistic: "Average", periodSeconds: 86400 });
        const alarm = one(res, "aws:cloudwatch/metricAlarm:MetricAlarm", "lake-s3-5xx-errors");
        expect(alarm.inputs.dimensions).to.deep.equal({ BucketName: one(res, "aws:s3/bucket:Bucket", "lake-bucket").outputs.bucket, FilterId: "EntireBucket" });
        expect(one(res, "aws:s3/bucketMetric:BucketMetric").inputs.name).to.equal("EntireBucket");
        // No grants: the fixed statements only.
        expect(policyOf(one(res, "aws:s3/bucketPolicy:BucketPolicy", "lake-policy")).Statement.map((s: any) => s.Sid)).to.deep.equal(["DenyInsecureTransport", "DenyNonKmsEncryption", "DenyOtherKmsKeys"]);
        expect(policyOf(one(res, "aws:kms/key:Key", "lake-key")).Statement.map((s: any) => s.Sid)).to.deep.equal(["AccountRootAdministers"]);
    });

    it("grants a prefix + suffix of objects and names a second grant of the same name apart", async () => {
        const res = await evaluate(() => {
            const lake = new DataLake("lake", { accountId: LAKE, region: "eu-west-1" }, { provider: testProvider("lake", LAKE) });
            lake.grantReadObjects("models", principals.roleArn(SCORING_ROLE, "444444444444"), { prefix: "models/scoring/", suffix: ".tar.gz" });
            lake.grantReadObjects("models", principals.roleArn(READER_ROLE, "333333333333"), { keys: ["forecast/latest.json", "forecast/previous.json"] });
        });
        const arn = one(res, "aws:s3/bucket:Bucket", "lake-bucket").outputs.arn;
        expect(policyOf(one(res, "aws:s3/bucketPolicy:BucketPolicy", "lake-policy")).Statement.slice(3)).to.deep.equal([
            { Sid: "ModelsRead", Effect: "Allow", Principal: { AWS: SCORING_ROLE }, Action: "s3:GetObject", Resource: `${arn}/models/scoring/*.tar.gz` },
            { Sid: "ModelsRead2", Effect: "Allow", Principal: { AWS: READER_ROLE }, Action: "s3:GetObject", Resource: [`${arn}/forecast/latest.json`, `${arn}/forecast/previous.json`] },
        ]);
    });

    it("grants a role of this program its identity policy too", async () => {
        const res = await evaluate(() => {
            const lake = new DataLake("lake", { accountId: LAKE, region: "eu-west-1" }, { provider: testProvider("lake", LAKE) });
            const role = new aws.iam.Role("reader", { assumeRolePolicy: "{}" }, { provider: testProvider("pond", "333333333333") });
            lake.grantRead("reader-lake", principals.role(role, "333333333333"));
        });
        const identity = policyOf(one(res, "aws:iam/rolePolicy:RolePolicy", "reader-lake"));
        expect(identity.Statement.map((s: any) => s.Sid)).to.deep.equal(["LakeReadObjects", "LakeList", "LakeLocate", "LakeDecrypt"]);
        expect(allowedPrincipals(policyOf(one(res, "aws:s3/bucketPolicy:BucketPolicy", "lake-policy")))).to.deep.equal([one(res, "aws:iam/role:Role", "reader").outputs.arn]);
    });

    it("fails when archive tier days are out of range", async () => {
        const e = await evaluateError(() => new DataLake("lake", { accountId: LAKE, region: "eu-west-1", archiveTiers: true, archiveAccessDays: 30 }));
        expect(e.message).to.equal("DataLake lake: `archiveAccessDays` must be an integer between 90 and 730 (received 30).");
    });

    it("fails when the key deletion window or the deep archive days are out of range", async () => {
        const e = await evaluateError(() => new DataLake("lake", { accountId: LAKE, region: "eu-west-1", keyDeletionWindowDays: 31 }));
        expect(e.message).to.equal("DataLake lake: `keyDeletionWindowDays` must be an integer between 7 and 30 (received 31).");
        const d = await evaluateError(() => new DataLake("lake", { accountId: LAKE, region: "eu-west-1", archiveAccessDays: 200, deepArchiveAccessDays: 190 }));
        expect(d.message).to.equal("DataLake lake: `deepArchiveAccessDays` must be greater than `archiveAccessDays` (200) (received 190).");
    });

    it("fails when a cross-account grant is made after the lake's policies were written, naming the policy", async () => {
        let late: Error | undefined;
        await evaluate(async () => {
            const lake = new DataLake("lake", { accountId: LAKE, region: "eu-west-1" }, { provider: testProvider("lake", LAKE) });
            await new Promise((resolve) => setImmediate(resolve));
            try {
                lake.grantRead("late-reader", principals.roleArn(READER_ROLE, "333333333333"));
            } catch (e) {
                late = e as Error;
            }
        });
        expect(late?.message).to.equal('DataLake "lake" bucket policy: a grant was made after its resource policy was written; make cross-account grants while the program is constructed (before any await).');
    });

    it("fails when an object grant names no key or a bad suffix", async () => {
        const e1 = await evaluateError(() => new DataLake("lake", { accountId: LAKE, region: "eu-west-1" }).grantReadObjects("none", principals.roleArn(SCORING_ROLE, "444444444444"), { keys: [] }));
        expect(e1.message).to.equal("LakeBucketRef.grantReadObjects(none): `keys` must name at least one object key; received [].");
        const e2 = await evaluateError(() => new DataLake("lake", { accountId: LAKE, region: "eu-west-1" }).grantReadObjects("bad", principals.roleArn(SCORING_ROLE, "444444444444"), { prefix: "models/", suffix: "x/" }));
        expect(e2.message).to.equal('LakeBucketRef.grantReadObjects(bad): `suffix` must be a non-empty key ending without "/" (such as ".tar.gz"); received "x/".');
        const e3 = await evaluateError(() => new DataLake("lake", { accountId: LAKE, region: "eu-west-1" }).grantReadObjects("abs", principals.roleArn(SCORING_ROLE, "444444444444"), { keys: ["/models/a.tar.gz"] }));
        expect(e3.message).to.equal('LakeBucketRef.grantReadObjects(abs): `keys[0]` must be an object key (letters, digits, ! _ . * \' ( ) / = -, not starting with "/"); received "/models/a.tar.gz".');
    });
});
