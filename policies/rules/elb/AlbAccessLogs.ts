import * as aws from "@pulumi/aws";
import { validateResourceOfType } from "@pulumi/policy";
import { resourceRule } from "../../lib/rule";

export const meta = {
    id: "alb-access-logs",
    description: "Application load balancers have accessLogs enabled with a bucket.",
    enforcementLevel: "advisory" as const,
    why: "Access logs are the record of who called the ingestion API and what it answered, for security investigations and SLO disputes.",
    publicRuleSets: {
        cdkNag: ["AwsSolutions-ELB2"],
        checkov: ["CKV_AWS_91"],
        pulumiPolicyAws: ["elb-logging-enabled"],
        awsConfig: ["ELB_LOGGING_ENABLED"],
        securityHub: ["ELB.5"],
    },
};

function verify(lb: { loadBalancerType?: string; accessLogs?: { enabled?: boolean; bucket?: string } }, args: { notApplicable(r?: string): never }, reportViolation: (m: string) => void) {
    if ((lb.loadBalancerType ?? "application") !== "application") args.notApplicable(`Load balancer type ${lb.loadBalancerType} is not application`);
    if (!lb.accessLogs || lb.accessLogs.enabled === false || !lb.accessLogs.bucket) reportViolation(`accessLogs is not enabled with a bucket; enable access logs.`);
}

export const checkLb = validateResourceOfType(aws.lb.LoadBalancer, (lb, args, reportViolation) => verify(lb, args, reportViolation));
export const checkAlb = validateResourceOfType(aws.alb.LoadBalancer, (lb, args, reportViolation) => verify(lb, args, reportViolation));

export default resourceRule(meta, [checkLb, checkAlb]);
