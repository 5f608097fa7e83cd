import { expect } from "chai";
import rule from "../../policies/rules/athena/AthenaWorkgroupEncryption";
import { KEY_ARN, messages, res } from "./helpers";

const WG = "aws:athena/workgroup:Workgroup";
const wg = (configuration: Record<string, any>) => res(WG, "pond", { name: "pond", configuration });
const good = { enforceWorkgroupConfiguration: true, resultConfiguration: { outputLocation: "s3://pond/_athena/", encryptionConfiguration: { encryptionOption: "SSE_KMS", kmsKeyArn: KEY_ARN } } };

describe("athena-workgroup-enforced-encryption", () => {
    it("Compliance: enforced, SSE_KMS with a customer-managed key (enforcement defaults to true)", async () => {
        expect(await messages(rule, wg(good), wg({ resultConfiguration: good.resultConfiguration }))).to.deep.equal([]);
    });
    it("Noncompliance 1: fails when enforcement is off", async () => {
        expect(await messages(rule, wg({ ...good, enforceWorkgroupConfiguration: false }))).to.deep.equal(["configuration.enforceWorkgroupConfiguration is false; clients could override the result location and encryption (set true)."]);
    });
    it("Noncompliance 2: fails when results are not encrypted", async () => {
        expect(await messages(rule, wg({ enforceWorkgroupConfiguration: true, resultConfiguration: { outputLocation: "s3://x/" } }))).to.deep.equal([
            "configuration.resultConfiguration.encryptionConfiguration is not set (query results unencrypted); use SSE_KMS with a customer-managed kmsKeyArn.",
        ]);
    });
    it("Noncompliance 3: fails with SSE_S3", async () => {
        expect(await messages(rule, wg({ resultConfiguration: { encryptionConfiguration: { encryptionOption: "SSE_S3" } } }))).to.deep.equal([
            `query results use encryptionOption "SSE_S3"; use SSE_KMS or CSE_KMS with a customer-managed kmsKeyArn.`,
        ]);
    });
    it("Noncompliance 4: fails with SSE_KMS and no key", async () => {
        expect(await messages(rule, wg({ resultConfiguration: { encryptionConfiguration: { encryptionOption: "SSE_KMS" } } }))).to.deep.equal(["query results use SSE_KMS without a customer-managed kmsKeyArn (received null)."]);
    });
});
