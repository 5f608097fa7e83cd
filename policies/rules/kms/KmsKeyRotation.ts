import * as aws from "@pulumi/aws";
import { validateResourceOfType } from "@pulumi/policy";
import { resourceRule } from "../../lib/rule";

export const meta = {
    id: "kms-key-rotation",
    description: "Symmetric KMS keys have enableKeyRotation true.",
    enforcementLevel: "mandatory" as const,
    why: "Yearly rotation limits the data encrypted under one key version; asymmetric and HMAC keys cannot rotate and are not applicable.",
    publicRuleSets: {
        cdkNag: ["AwsSolutions-KMS5"],
        checkov: ["CKV_AWS_7"],
        pulumiPolicyAws: ["cmk-backing-key-rotation-enabled"],
        awsConfig: ["CMK_BACKING_KEY_ROTATION_ENABLED"],
        securityHub: ["KMS.4"],
    },
};

export const check = validateResourceOfType(aws.kms.Key, (key, args, reportViolation) => {
    const spec = key.customerMasterKeySpec ?? "SYMMETRIC_DEFAULT";
    if (spec !== "SYMMETRIC_DEFAULT") args.notApplicable(`Key spec ${spec} does not support automatic rotation`);
    if (key.enableKeyRotation !== true) reportViolation(`enableKeyRotation is ${key.enableKeyRotation === undefined ? "not set (default false)" : String(key.enableKeyRotation)}; enable yearly rotation.`);
});

export default resourceRule(meta, check);
