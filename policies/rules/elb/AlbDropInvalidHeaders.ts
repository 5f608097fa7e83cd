import * as aws from "@pulumi/aws";
import { validateResourceOfType } from "@pulumi/policy";
import { resourceRule, NONE } from "../../lib/rule";

export const meta = {
    id: "alb-drop-invalid-headers",
    description: "Application load balancers set dropInvalidHeaderFields true.",
    enforcementLevel: "advisory" as const,
    why: "Invalid header fields are a request-smuggling vector between the ALB and the ingestion service.",
    publicRuleSets: {
        cdkNag: NONE,
        checkov: ["CKV_AWS_131"],
        pulumiPolicyAws: NONE,
        awsConfig: ["ALB_HTTP_DROP_INVALID_HEADER_ENABLED"],
        securityHub: ["ELB.4"],
    },
};

function verify(lb: { loadBalancerType?: string; dropInvalidHeaderFields?: boolean }, args: { notApplicable(r?: string): never }, reportViolation: (m: string) => void) {
    if ((lb.loadBalancerType ?? "application") !== "application") args.notApplicable(`Load balancer type ${lb.loadBalancerType} is not application`);
    if (lb.dropInvalidHeaderFields !== true) reportViolation(`dropInvalidHeaderFields is not true; drop invalid HTTP headers.`);
}

export const checkLb = validateResourceOfType(aws.lb.LoadBalancer, (lb, args, reportViolation) => verify(lb, args, reportViolation));
export const checkAlb = validateResourceOfType(aws.alb.LoadBalancer, (lb, args, reportViolation) => verify(lb, args, reportViolation));

export default resourceRule(meta, [checkLb, checkAlb]);
