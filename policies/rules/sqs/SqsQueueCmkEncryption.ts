import * as aws from "@pulumi/aws";
import { validateResourceOfType } from "@pulumi/policy";
import { resourceRule, NONE } from "../../lib/rule";
import { isAwsManagedKeyRef, q } from "../../lib/util";

export const meta = {
    id: "sqs-queue-cmk-encryption",
    description: "SQS queues set kmsMasterKeyId to a customer-managed key (SSE-SQS and alias/aws/sqs are not customer-managed).",
    enforcementLevel: "mandatory" as const,
    why: "Dead-letter queues hold failed event batches, i.e. confidential records; only a customer-managed key lets key policies limit who can read them.",
    publicRuleSets: {
        cdkNag: ["AwsSolutions-SQS2 (any SSE)"],
        checkov: ["CKV_AWS_27 (any SSE)"],
        pulumiPolicyAws: NONE,
        awsConfig: NONE,
        securityHub: ["SQS.1 (any SSE)"],
    },
};

export const check = validateResourceOfType(aws.sqs.Queue, (queue, _args, reportViolation) => {
    if (!queue.kmsMasterKeyId) {
        reportViolation(
            queue.sqsManagedSseEnabled === false
                ? `kmsMasterKeyId is not set and sqsManagedSseEnabled is false; encrypt the queue with a customer-managed key.`
                : `kmsMasterKeyId is not set (SSE-SQS is not customer-managed); encrypt the queue with a customer-managed key.`,
        );
    } else if (isAwsManagedKeyRef(queue.kmsMasterKeyId)) {
        reportViolation(`kmsMasterKeyId is the AWS-managed key ${q(queue.kmsMasterKeyId)}; use a customer-managed key.`);
    }
});

export default resourceRule(meta, check);
