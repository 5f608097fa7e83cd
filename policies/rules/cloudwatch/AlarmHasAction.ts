import * as aws from "@pulumi/aws";
import { validateResourceOfType } from "@pulumi/policy";
import { resourceRule, NONE } from "../../lib/rule";

export const meta = {
    id: "alarm-has-action",
    description: "CloudWatch metric and composite alarms have at least one alarmActions target and actionsEnabled not false.",
    enforcementLevel: "advisory" as const,
    why: "An alarm nobody is notified of is a dashboard decoration; routing to the on-call topics is what makes it an alarm.",
    publicRuleSets: {
        cdkNag: NONE,
        checkov: NONE,
        pulumiPolicyAws: NONE,
        awsConfig: ["CLOUDWATCH_ALARM_ACTION_CHECK"],
        securityHub: ["CloudWatch.15"],
    },
};

function verify(alarm: { alarmActions?: unknown; actionsEnabled?: boolean }, reportViolation: (m: string) => void) {
    const actions = Array.isArray(alarm.alarmActions) ? alarm.alarmActions : [];
    if (actions.length === 0) reportViolation(`alarmActions is empty; route the alarm to an on-call SNS topic.`);
    else if (alarm.actionsEnabled === false) reportViolation(`actionsEnabled is false; the alarm's actions never run.`);
}

export const checkMetricAlarm = validateResourceOfType(aws.cloudwatch.MetricAlarm, (alarm, _args, reportViolation) => verify(alarm, reportViolation));
export const checkCompositeAlarm = validateResourceOfType(aws.cloudwatch.CompositeAlarm, (alarm, _args, reportViolation) => verify(alarm, reportViolation));

export default resourceRule(meta, [checkMetricAlarm, checkCompositeAlarm]);
