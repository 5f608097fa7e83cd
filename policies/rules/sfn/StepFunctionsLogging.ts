import * as aws from "@pulumi/aws";
import { validateResourceOfType } from "@pulumi/policy";
import { resourceRule, NONE } from "../../lib/rule";
import { q } from "../../lib/util";

export const meta = {
    id: "sfn-logging-all",
    description: "Step Functions state machines log level ALL with includeExecutionData true to a log group.",
    enforcementLevel: "advisory" as const,
    why: "Pond workflows run at night; the execution history with inputs and outputs is the only record of why a partition was or was not published.",
    publicRuleSets: {
        cdkNag: ["AwsSolutions-SF1 (level ALL)"],
        checkov: ["CKV_AWS_285"],
        pulumiPolicyAws: NONE,
        awsConfig: ["STEP_FUNCTIONS_STATE_MACHINE_LOGGING_ENABLED (any level)"],
        securityHub: ["StepFunctions.1 (any level)"],
    },
};

export const check = validateResourceOfType(aws.sfn.StateMachine, (sm, _args, reportViolation) => {
    const lc = sm.loggingConfiguration;
    if (!lc || !lc.logDestination) {
        reportViolation(`loggingConfiguration has no logDestination; log level "ALL" with includeExecutionData to a log group.`);
        return;
    }
    if (lc.level !== "ALL") reportViolation(`loggingConfiguration.level is ${lc.level === undefined ? 'not set (default "OFF")' : q(lc.level)}; set "ALL".`);
    if (lc.includeExecutionData !== true) reportViolation(`loggingConfiguration.includeExecutionData is not true; set true.`);
});

export default resourceRule(meta, check);
