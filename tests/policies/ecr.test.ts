import { expect } from "chai";
import noPublic from "../../policies/rules/ecr/EcrNoPublicRepository";
import immutable from "../../policies/rules/ecr/EcrImmutableTags";
import scan from "../../policies/rules/ecr/EcrScanOnPush";
import cmk from "../../policies/rules/ecr/EcrCmkEncryption";
import { KEY_ARN, doc, messages, res } from "./helpers";

const REPO = "aws:ecr/repository:Repository";
const repo = (over: Record<string, any> = {}) => res(REPO, "ingest", { imageTagMutability: "IMMUTABLE", imageScanningConfiguration: { scanOnPush: true }, encryptionConfigurations: [{ encryptionType: "KMS", kmsKey: KEY_ARN }], ...over });
const repoPolicy = (...st: any[]) => res("aws:ecr/repositoryPolicy:RepositoryPolicy", "ingest-policy", { repository: "ingest", policy: doc(...st) });

describe("ecr-no-public-repository", () => {
    it("Compliance: a repository policy naming an account's role", async () => {
        expect(await messages(noPublic, repoPolicy({ Sid: "Pull", Effect: "Allow", Principal: { AWS: "arn:aws:iam::111111111111:role/ci" }, Action: ["ecr:BatchGetImage"] }))).to.deep.equal([]);
    });
    it('Noncompliance 1: fails when the repository policy allows Principal "*"', async () => {
        expect(await messages(noPublic, repoPolicy({ Sid: "Public", Effect: "Allow", Principal: "*", Action: ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"] }))).to.deep.equal([
            `statement "Public" allows Principal "*"; name the accounts or roles that pull or push.`,
        ]);
    });
    it("Noncompliance 2: fails on an ECR Public repository", async () => {
        expect(await messages(noPublic, res("aws:ecrpublic/repository:Repository", "pub", { repositoryName: "pub" }))).to.deep.equal(["ECR Public repositories can be pulled by anyone; use a private aws.ecr.Repository."]);
    });
});

describe("ecr-immutable-tags", () => {
    it("Compliance: IMMUTABLE", async () => {
        expect(await messages(immutable, repo())).to.deep.equal([]);
    });
    it("Noncompliance 1: fails when unset", async () => {
        expect(await messages(immutable, repo({ imageTagMutability: undefined }))).to.deep.equal([`imageTagMutability is not set (default "MUTABLE"); set "IMMUTABLE".`]);
    });
    it("Noncompliance 2: fails when MUTABLE", async () => {
        expect(await messages(immutable, repo({ imageTagMutability: "MUTABLE" }))).to.deep.equal([`imageTagMutability is "MUTABLE"; set "IMMUTABLE".`]);
    });
});

describe("ecr-scan-on-push", () => {
    it("Compliance: scanOnPush true", async () => {
        expect(await messages(scan, repo())).to.deep.equal([]);
    });
    it("Noncompliance 1: fails when the scanning configuration is missing", async () => {
        expect(await messages(scan, repo({ imageScanningConfiguration: undefined }))).to.deep.equal(["imageScanningConfiguration.scanOnPush is not set (default false); set true."]);
    });
    it("Noncompliance 2: fails when scanOnPush is false", async () => {
        expect(await messages(scan, repo({ imageScanningConfiguration: { scanOnPush: false } }))).to.deep.equal(["imageScanningConfiguration.scanOnPush is false; set true."]);
    });
});

describe("ecr-cmk-encryption", () => {
    it("Compliance: KMS with a customer-managed key", async () => {
        expect(await messages(cmk, repo())).to.deep.equal([]);
    });
    it("Noncompliance 1: fails with the default AES256", async () => {
        expect(await messages(cmk, repo({ encryptionConfigurations: undefined }))).to.deep.equal([`encryptionConfigurations encryptionType is not set (default "AES256"); set "KMS" with a customer-managed kmsKey.`]);
    });
    it("Noncompliance 2: fails with KMS and no key (aws/ecr)", async () => {
        expect(await messages(cmk, repo({ encryptionConfigurations: [{ encryptionType: "KMS" }] }))).to.deep.equal([`encryptionType is "KMS" but kmsKey is not set (the AWS-managed aws/ecr key); name a customer-managed key.`]);
    });
    it("Noncompliance 3: fails with alias/aws/ecr", async () => {
        expect(await messages(cmk, repo({ encryptionConfigurations: [{ encryptionType: "KMS", kmsKey: "alias/aws/ecr" }] }))).to.deep.equal([`kmsKey is the AWS-managed key "alias/aws/ecr"; name a customer-managed key.`]);
    });
});
