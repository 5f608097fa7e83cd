import * as aws from "@pulumi/aws";
import { validateResourceOfType } from "@pulumi/policy";
import { resourceRule, NONE } from "../../lib/rule";
import { isAwsManagedKeyRef, q } from "../../lib/util";

export const meta = {
    id: "sns-topic-cmk-encryption",
    description: "SNS topics set kmsMasterKeyId to a customer-managed key (not alias/aws/sns).",
    enforcementLevel: "mandatory" as const,
    why: "Alarm and workflow notifications carry resource names and data samples; CloudWatch can only publish to encrypted topics whose key policy admits it, which the AWS-managed key does not.",
    publicRuleSets: {
        cdkNag: ["AwsSolutions-SNS2 (any key)"],
        checkov: ["CKV_AWS_26 (any key)"],
        pulumiPolicyAws: NONE,
        awsConfig: ["SNS_ENCRYPTED_KMS (any key)"],
        securityHub: ["SNS.1 (any key)"],
    },
};

export const check = validateResourceOfType(aws.sns.Topic, (topic, _args, reportViolation) => {
    if (!topic.kmsMasterKeyId) reportViolation(`kmsMasterKeyId is not set; encrypt the topic with a customer-managed key.`);
    else if (isAwsManagedKeyRef(topic.kmsMasterKeyId)) reportViolation(`kmsMasterKeyId is the AWS-managed key ${q(topic.kmsMasterKeyId)}; use a customer-managed key.`);
});

export default resourceRule(meta, check);
