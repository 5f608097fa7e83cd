import * as aws from "@pulumi/aws";
import { validateResourceOfType } from "@pulumi/policy";
import { resourceRule, NONE } from "../../lib/rule";
import { isAwsManagedKeyRef, q } from "../../lib/util";

export const meta = {
    id: "kinesis-stream-cmk-encryption",
    description: "Kinesis data streams are encrypted at rest with a customer-managed KMS key.",
    enforcementLevel: "mandatory" as const,
    why: "Flight and passenger events are confidential; a customer-managed key lets us scope decrypt to named roles in key policies, audit use and revoke it.",
    publicRuleSets: {
        cdkNag: ["AwsSolutions-KDS3 (CMK)", "AwsSolutions-KDS1 (any SSE)"],
        checkov: ["CKV_AWS_43 (any SSE)", "CKV_AWS_185"],
        pulumiPolicyAws: NONE,
        awsConfig: ["KINESIS_STREAM_ENCRYPTED (any SSE)"],
        securityHub: ["Kinesis.1 (any SSE)"],
    },
};

export const check = validateResourceOfType(aws.kinesis.Stream, (stream, _args, reportViolation) => {
    if (stream.encryptionType !== "KMS") {
        reportViolation(`encryptionType is ${stream.encryptionType === undefined ? 'not set (default "NONE")' : q(stream.encryptionType)}; set "KMS" with a customer-managed kmsKeyId.`);
    } else if (!stream.kmsKeyId) {
        reportViolation(`encryptionType is "KMS" but kmsKeyId is not set; name a customer-managed KMS key.`);
    } else if (isAwsManagedKeyRef(stream.kmsKeyId)) {
        reportViolation(`kmsKeyId is the AWS-managed key ${q(stream.kmsKeyId)}; use a customer-managed KMS key.`);
    }
});

export default resourceRule(meta, check);
