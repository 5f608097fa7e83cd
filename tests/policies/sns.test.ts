import { expect } from "chai";
import rule from "../../policies/rules/sns/SnsTopicCmkEncryption";
import { KEY_ARN, messages, res } from "./helpers";

const TOPIC = "aws:sns/topic:Topic";

describe("sns-topic-cmk-encryption", () => {
    it("Compliance: customer-managed key", async () => {
        expect(await messages(rule, res(TOPIC, "t", { kmsMasterKeyId: KEY_ARN }))).to.deep.equal([]);
    });
    it("Noncompliance 1: fails when kmsMasterKeyId is missing", async () => {
        expect(await messages(rule, res(TOPIC, "t", {}))).to.deep.equal(["kmsMasterKeyId is not set; encrypt the topic with a customer-managed key."]);
    });
    it("Noncompliance 2: fails when kmsMasterKeyId is alias/aws/sns", async () => {
        expect(await messages(rule, res(TOPIC, "t", { kmsMasterKeyId: "alias/aws/sns" }))).to.deep.equal([`kmsMasterKeyId is the AWS-managed key "alias/aws/sns"; use a customer-managed key.`]);
    });
});
