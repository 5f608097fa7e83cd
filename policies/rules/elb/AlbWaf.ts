import type { StackValidationArgs } from "@pulumi/policy";
import { stackRule, NONE } from "../../lib/rule";
import { LB_TYPES } from "../../lib/network";
import { known, q, referencing } from "../../lib/util";

export const meta = {
    id: "alb-waf",
    description: "Every internet-facing application load balancer (internal not true) has an aws.wafv2.WebAclAssociation whose resourceArn names it.",
    enforcementLevel: "mandatory" as const,
    why: "The ingestion front door takes traffic from the internet; a web ACL with rate limits and managed rule groups stops floods and known exploits before they reach the tasks.",
    publicRuleSets: {
        cdkNag: NONE,
        checkov: ["CKV2_AWS_28"],
        pulumiPolicyAws: NONE,
        awsConfig: ["ALB_WAF_ENABLED"],
        securityHub: ["ELB.16"],
    },
};

const ASSOCIATION = "aws:wafv2/webAclAssociation:WebAclAssociation";

export function check(args: StackValidationArgs, reportViolation: (m: string, urn?: string) => void): void {
    const lbs = args.resources.filter((r) => LB_TYPES.includes(r.type) && (known(r.props, "loadBalancerType") ?? "application") === "application" && known(r.props, "internal") !== true);
    if (lbs.length === 0) args.notApplicable("The stack has no internet-facing application load balancers");
    for (const lb of lbs) {
        if (referencing(args.resources, [ASSOCIATION], "resourceArn", lb, ["arn", "id"]).length === 0) {
            reportViolation(`Load balancer ${q(lb.name)} is internet-facing and has no WAF web ACL; add an aws.wafv2.WebAclAssociation with its ARN.`, lb.urn);
        }
    }
}

export default stackRule(meta, check);
