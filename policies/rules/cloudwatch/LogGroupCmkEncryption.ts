import * as aws from "@pulumi/aws";
import { validateResourceOfType } from "@pulumi/policy";
import { resourceRule, NONE } from "../../lib/rule";

export const meta = {
    id: "log-group-cmk-encryption",
    description: "CloudWatch log groups set kmsKeyId (customer-managed key).",
    enforcementLevel: "mandatory" as const,
    why: "Step Functions execution data and service logs can contain event payloads; encrypting them with our key keeps them under the same key policies as the data.",
    publicRuleSets: {
        cdkNag: NONE,
        checkov: ["CKV_AWS_158"],
        pulumiPolicyAws: NONE,
        awsConfig: ["CLOUDWATCH_LOG_GROUP_ENCRYPTED"],
        securityHub: NONE,
    },
};

export const check = validateResourceOfType(aws.cloudwatch.LogGroup, (lg, _args, reportViolation) => {
    if (!lg.kmsKeyId) reportViolation(`kmsKeyId is not set; encrypt the log group with a customer-managed key.`);
});

export default resourceRule(meta, check);
