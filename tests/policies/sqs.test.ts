import { expect } from "chai";
import rule from "../../policies/rules/sqs/SqsQueueCmkEncryption";
import tlsOnly from "../../policies/rules/sqs/SqsQueueTlsOnly";
import { KEY_ARN, doc, messages, res, runRule } from "./helpers";

const QUEUE = "aws:sqs/queue:Queue";

describe("sqs-queue-cmk-encryption", () => {
    it("Compliance: customer-managed key", async () => {
        expect(await messages(rule, res(QUEUE, "q", { kmsMasterKeyId: KEY_ARN }))).to.deep.equal([]);
    });
    it("Noncompliance 1: fails with SSE-SQS only", async () => {
        expect(await messages(rule, res(QUEUE, "q", { sqsManagedSseEnabled: true }))).to.deep.equal(["kmsMasterKeyId is not set (SSE-SQS is not customer-managed); encrypt the queue with a customer-managed key."]);
    });
    it("Noncompliance 2: fails when SSE is off", async () => {
        expect(await messages(rule, res(QUEUE, "q", { sqsManagedSseEnabled: false }))).to.deep.equal(["kmsMasterKeyId is not set and sqsManagedSseEnabled is false; encrypt the queue with a customer-managed key."]);
    });
    it("Noncompliance 3: fails when kmsMasterKeyId is alias/aws/sqs", async () => {
        expect(await messages(rule, res(QUEUE, "q", { kmsMasterKeyId: "alias/aws/sqs" }))).to.deep.equal([`kmsMasterKeyId is the AWS-managed key "alias/aws/sqs"; use a customer-managed key.`]);
    });
});

describe("sqs-queue-tls-only", () => {
    const URL = "https://sqs.eu-west-1.amazonaws.com/111111111111/dlq";
    const queue = (inputs: Record<string, any> = {}) => res(QUEUE, "dlq", { name: "dlq", kmsMasterKeyId: KEY_ARN, ...inputs }, { outputs: { url: URL, arn: "arn:aws:sqs:eu-west-1:111111111111:dlq" } });
    const deny = (over: Record<string, any> = {}) => ({
        Sid: "DenyInsecureTransport",
        Effect: "Deny",
        Principal: { AWS: "*" },
        Action: "sqs:*",
        Resource: "arn:aws:sqs:eu-west-1:111111111111:dlq",
        Condition: { Bool: { "aws:SecureTransport": "false" } },
        ...over,
    });
    const policy = (...st: any[]) => res("aws:sqs/queuePolicy:QueuePolicy", "dlq-policy", { queueUrl: URL, policy: doc(...st) });
    it("Compliance: a QueuePolicy naming the queue URL denies sqs:* without TLS", async () => {
        expect(await messages(tlsOnly, queue(), policy(deny()))).to.deep.equal([]);
    });
    it("Compliance: an inline queue policy with the Deny", async () => {
        expect(await messages(tlsOnly, queue({ policy: doc(deny()) }))).to.deep.equal([]);
    });
    it("Noncompliance 1: fails when the queue has no policy", async () => {
        expect(await messages(tlsOnly, queue())).to.deep.equal([`Queue "dlq" has no queue policy; add one with a Deny of sqs:* for Principal "*" when aws:SecureTransport is false.`]);
    });
    it("Noncompliance 2: fails when the Deny covers only sqs:SendMessage", async () => {
        expect(await messages(tlsOnly, queue(), policy(deny({ Action: "sqs:SendMessage" })))).to.deep.equal([`Queue "dlq" policy has no Deny of sqs:* for Principal "*" when aws:SecureTransport is false.`]);
    });
    it("Noncompliance 3: fails when another queue's policy carries the Deny", async () => {
        const other = res("aws:sqs/queuePolicy:QueuePolicy", "other-policy", { queueUrl: "https://sqs.eu-west-1.amazonaws.com/111111111111/other", policy: doc(deny()) });
        expect(await messages(tlsOnly, queue(), other)).to.deep.equal([`Queue "dlq" has no queue policy; add one with a Deny of sqs:* for Principal "*" when aws:SecureTransport is false.`]);
    });
    it("Compliance: not applicable without queues", async () => {
        expect((await runRule(tlsOnly, [])).notApplicable.map((n) => n.reason)).to.deep.equal(["The stack has no SQS queues"]);
    });
});
