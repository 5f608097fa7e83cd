import { expect } from "chai";
import rule from "../../policies/rules/sqs/SqsQueueCmkEncryption";
import { KEY_ARN, messages, res } from "./helpers";

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
