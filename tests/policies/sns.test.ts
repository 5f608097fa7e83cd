import { expect } from "chai";
import rule from "../../policies/rules/sns/SnsTopicCmkEncryption";
import tlsOnly from "../../policies/rules/sns/SnsTopicTlsOnly";
import { KEY_ARN, doc, messages, res } from "./helpers";

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

describe("sns-topic-tls-only", () => {
    const ARN = "arn:aws:sns:eu-west-1:111111111111:alerts";
    const topic = (inputs: Record<string, any> = {}) => res(TOPIC, "alerts", { name: "alerts", kmsMasterKeyId: KEY_ARN, ...inputs }, { outputs: { arn: ARN } });
    const deny = (over: Record<string, any> = {}) => ({ Sid: "DenyInsecureTransport", Effect: "Deny", Principal: { AWS: "*" }, Action: "sns:Publish", Resource: ARN, Condition: { Bool: { "aws:SecureTransport": "false" } }, ...over });
    const policy = (...st: any[]) => res("aws:sns/topicPolicy:TopicPolicy", "alerts-policy", { arn: ARN, policy: doc(...st) });
    it("Compliance: a TopicPolicy naming the topic denies sns:Publish without TLS (BoolIfExists too)", async () => {
        expect(await messages(tlsOnly, topic(), policy(deny({ Condition: { BoolIfExists: { "aws:SecureTransport": "false" } } })))).to.deep.equal([]);
    });
    it("Noncompliance 1: fails when the topic has no policy", async () => {
        expect(await messages(tlsOnly, topic())).to.deep.equal([`Topic "alerts" has no topic policy; add one with a Deny of sns:Publish for Principal "*" when aws:SecureTransport is false.`]);
    });
    it("Noncompliance 2: fails when the Deny is for one role only", async () => {
        expect(await messages(tlsOnly, topic(), policy(deny({ Principal: { AWS: "arn:aws:iam::111111111111:role/x" } })))).to.deep.equal([
            `Topic "alerts" policy has no Deny of sns:Publish for Principal "*" when aws:SecureTransport is false.`,
        ]);
    });
    it("Noncompliance 3: fails when the condition tests SecureTransport true", async () => {
        expect(await messages(tlsOnly, topic({ policy: doc(deny({ Condition: { Bool: { "aws:SecureTransport": "true" } } })) }))).to.deep.equal([
            `Topic "alerts" policy has no Deny of sns:Publish for Principal "*" when aws:SecureTransport is false.`,
        ]);
    });
});
