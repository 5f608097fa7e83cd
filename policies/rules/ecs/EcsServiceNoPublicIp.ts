import * as aws from "@pulumi/aws";
import { validateResourceOfType } from "@pulumi/policy";
import { resourceRule, NONE } from "../../lib/rule";

export const meta = {
    id: "ecs-service-no-public-ip",
    description: "ECS services do not set networkConfiguration.assignPublicIp true.",
    enforcementLevel: "mandatory" as const,
    why: "Tasks sit in private subnets behind the load balancer; a public IP exposes them directly to the internet.",
    publicRuleSets: {
        cdkNag: NONE,
        checkov: ["CKV_AWS_333"],
        pulumiPolicyAws: NONE,
        awsConfig: NONE,
        securityHub: ["ECS.2"],
    },
};

export const check = validateResourceOfType(aws.ecs.Service, (svc, _args, reportViolation) => {
    if (svc.networkConfiguration?.assignPublicIp === true) reportViolation(`networkConfiguration.assignPublicIp is true; run tasks in private subnets without public IPs.`);
});

export default resourceRule(meta, check);
