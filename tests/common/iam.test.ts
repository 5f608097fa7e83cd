import { expect } from "chai";
import * as aws from "@pulumi/aws";
import { tlsOnlyQueuePolicy, tlsOnlyTopicPolicy } from "@flightstream/components/common/iam";
import { deniesInsecureTransport } from "../../policies/lib/conditions";
import { evaluate, one, policyOf, testProvider } from "../helpers/pulumi";

describe("TLS-only queue and topic policies (components/common/iam.ts)", () => {
    it("build a Deny over plain HTTP for everyone, after the given statements, that the pack accepts", async () => {
        const r = await evaluate(() => {
            const provider = testProvider("analytics", "123456789012");
            const q = new aws.sqs.Queue("q", {}, { provider });
            new aws.sqs.QueuePolicy(
                "q-policy",
                { queueUrl: q.url, policy: tlsOnlyQueuePolicy(q.arn, [{ Sid: "Send", Effect: "Allow", Principal: { AWS: "arn:aws:iam::123456789012:role/app" }, Action: "sqs:SendMessage", Resource: q.arn }]) },
                { provider },
            );
            const t = new aws.sns.Topic("t", {}, { provider });
            new aws.sns.TopicPolicy("t-policy", { arn: t.arn, policy: tlsOnlyTopicPolicy(t.arn) }, { provider });
        });
        const queueArn = one(r, "aws:sqs/queue:Queue").outputs.arn;
        const queueDoc = policyOf(one(r, "aws:sqs/queuePolicy:QueuePolicy"), "policy");
        expect(queueDoc.Statement.map((s: any) => s.Sid)).to.deep.equal(["Send", "DenyInsecureTransport"]);
        expect(queueDoc.Statement[1]).to.deep.equal({ Sid: "DenyInsecureTransport", Effect: "Deny", Principal: { AWS: "*" }, Action: "sqs:*", Resource: queueArn, Condition: { Bool: { "aws:SecureTransport": false } } });
        expect(deniesInsecureTransport(queueDoc.Statement[1], "sqs:*")).to.equal(true);
        const topicDoc = policyOf(one(r, "aws:sns/topicPolicy:TopicPolicy"), "policy");
        expect(topicDoc.Statement).to.deep.equal([
            { Sid: "DenyInsecureTransport", Effect: "Deny", Principal: { AWS: "*" }, Action: "sns:Publish", Resource: one(r, "aws:sns/topic:Topic").outputs.arn, Condition: { Bool: { "aws:SecureTransport": false } } },
        ]);
        expect(deniesInsecureTransport(topicDoc.Statement[0], "sns:Publish")).to.equal(true);
    });
    it("fails the pack's check when the Deny names one principal instead of everyone", () => {
        expect(deniesInsecureTransport({ Effect: "Deny", Principal: { AWS: "arn:aws:iam::123456789012:role/app" }, Action: "sqs:*", Condition: { Bool: { "aws:SecureTransport": "false" } } }, "sqs:*")).to.equal(false);
    });
});
