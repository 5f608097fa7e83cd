import * as aws from "@pulumi/aws";
import { validateResourceOfType } from "@pulumi/policy";
import { resourceRule, NONE } from "../../lib/rule";

export const meta = {
    id: "sfn-tracing",
    description: "Step Functions state machines have X-Ray tracing enabled.",
    enforcementLevel: "advisory" as const,
    why: "Traces show which task of a pond workflow is slow or failing across Lambda, Athena and Glue calls.",
    publicRuleSets: { cdkNag: ["AwsSolutions-SF2"], checkov: ["CKV_AWS_284"], pulumiPolicyAws: NONE, awsConfig: NONE, securityHub: NONE },
};

export const check = validateResourceOfType(aws.sfn.StateMachine, (sm, _args, reportViolation) => {
    if (sm.tracingConfiguration?.enabled !== true) reportViolation(`tracingConfiguration.enabled is not true; enable X-Ray tracing.`);
});

export default resourceRule(meta, check);
