import * as aws from "@pulumi/aws";
import { validateResourceOfType } from "@pulumi/policy";
import { resourceRule, NONE } from "../../lib/rule";
import { isAwsManagedKeyRef } from "../../lib/util";

export const meta = {
    id: "firehose-cmk-encryption",
    description: "Firehose delivery streams encrypt with a customer-managed KMS key: serverSideEncryption keyType CUSTOMER_MANAGED_CMK, or an S3 destination with kmsKeyArn.",
    enforcementLevel: "mandatory" as const,
    why: "Firehose buffers confidential records; with a Kinesis source the stream's own key protects them in transit and the S3 destination key protects what lands in the lake.",
    publicRuleSets: {
        cdkNag: ["AwsSolutions-KDF1 (any SSE, DirectPut only)"],
        checkov: ["CKV_AWS_240 (any SSE)", "CKV_AWS_241"],
        pulumiPolicyAws: NONE,
        awsConfig: ["KINESIS_FIREHOSE_DELIVERY_STREAM_ENCRYPTED (any SSE)"],
        securityHub: ["DataFirehose.1 (any SSE)"],
    },
};

export const check = validateResourceOfType(aws.kinesis.FirehoseDeliveryStream, (fh, _args, reportViolation) => {
    const sse = fh.serverSideEncryption;
    const sseOk = !!sse && sse.enabled === true && sse.keyType === "CUSTOMER_MANAGED_CMK" && !!sse.keyArn && !isAwsManagedKeyRef(sse.keyArn);
    const s3Key = fh.extendedS3Configuration?.kmsKeyArn;
    const s3Ok = !!s3Key && !isAwsManagedKeyRef(s3Key);
    if (!sseOk && !s3Ok) {
        reportViolation(`Neither serverSideEncryption with keyType "CUSTOMER_MANAGED_CMK" and a keyArn nor an S3 destination with a customer-managed kmsKeyArn is configured.`);
    }
});

export default resourceRule(meta, check);
