import * as aws from "@pulumi/aws";
import { validateResourceOfType } from "@pulumi/policy";
import { resourceRule, NONE } from "../../lib/rule";

export const meta = {
    id: "log-group-retention",
    description: "CloudWatch log groups set retentionInDays (a positive number; 0 or unset keeps logs forever).",
    enforcementLevel: "advisory" as const,
    why: "Logs kept forever cost money and keep personal data past any need.",
    publicRuleSets: {
        cdkNag: NONE,
        checkov: ["CKV_AWS_66"],
        pulumiPolicyAws: NONE,
        awsConfig: ["CW_LOGGROUP_RETENTION_PERIOD_CHECK"],
        securityHub: ["CloudWatch.16 (at least one year)"],
    },
};

export const check = validateResourceOfType(aws.cloudwatch.LogGroup, (lg, _args, reportViolation) => {
    if (lg.retentionInDays === undefined || lg.retentionInDays === null) reportViolation(`retentionInDays is not set (logs never expire); set a retention.`);
    else if (lg.retentionInDays <= 0) reportViolation(`retentionInDays is ${lg.retentionInDays} (logs never expire); set a positive retention.`);
});

export default resourceRule(meta, check);
