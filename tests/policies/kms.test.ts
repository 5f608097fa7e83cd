import { expect } from "chai";
import rule from "../../policies/rules/kms/KmsKeyRotation";
import { messages, res, runRule } from "./helpers";

const KEY = "aws:kms/key:Key";

describe("kms-key-rotation", () => {
    it("Compliance: rotation enabled", async () => {
        expect(await messages(rule, res(KEY, "k", { enableKeyRotation: true }))).to.deep.equal([]);
    });
    it("Compliance: asymmetric keys are not applicable", async () => {
        const r = await runRule(rule, [res(KEY, "k", { customerMasterKeySpec: "RSA_2048" })]);
        expect(r.violations).to.deep.equal([]);
        expect(r.notApplicable).to.deep.equal([{ policy: "kms-key-rotation", resource: "aws:kms/key:Key::k", reason: "Key spec RSA_2048 does not support automatic rotation" }]);
    });
    it("Noncompliance 1: fails when rotation is unset", async () => {
        expect(await messages(rule, res(KEY, "k", {}))).to.deep.equal(["enableKeyRotation is not set (default false); enable yearly rotation."]);
    });
    it("Noncompliance 2: fails when rotation is false", async () => {
        expect(await messages(rule, res(KEY, "k", { enableKeyRotation: false }))).to.deep.equal(["enableKeyRotation is false; enable yearly rotation."]);
    });
});
