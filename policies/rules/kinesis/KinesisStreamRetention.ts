import * as aws from "@pulumi/aws";
import { validateResourceOfType } from "@pulumi/policy";
import { resourceRule, NONE } from "../../lib/rule";
import { configOf } from "../../lib/util";

export const meta = {
    id: "kinesis-stream-retention",
    description: "Kinesis data streams retain records for at least 24 hours (config minimumHours).",
    enforcementLevel: "advisory" as const,
    why: "Consumers that fall behind or are redeployed must be able to replay; retention is the replay window.",
    publicRuleSets: {
        cdkNag: NONE,
        checkov: NONE,
        pulumiPolicyAws: NONE,
        awsConfig: ["KINESIS_STREAM_BACKUP_RETENTION_CHECK (default minimum 168 h)"],
        securityHub: ["Kinesis.3"],
    },
    config: { minimumHours: 24 },
};

export const check = validateResourceOfType(aws.kinesis.Stream, (stream, args, reportViolation) => {
    const { minimumHours } = configOf(meta.config, args);
    const hours = stream.retentionPeriod ?? 24;
    if (hours < minimumHours) {
        reportViolation(`retentionPeriod is ${hours} hours; at least ${minimumHours} hours required.`);
    }
});

export default resourceRule(meta, check);
