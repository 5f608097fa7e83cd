import type { ResourceValidation } from "@pulumi/policy";
import { resourceRule, NONE } from "../../lib/rule";
import { LB_TYPES } from "../../lib/network";
import { effectiveTags, isProduction } from "../../lib/util";

export const meta = {
    id: "alb-prod-deletion-protection",
    description: "Load balancers in production (Environment tag prod) set enableDeletionProtection true.",
    enforcementLevel: "mandatory" as const,
    why: "Replacing the front-door load balancer changes its DNS name and drops every client's connections; deletion protection turns that into a deliberate two-step change.",
    publicRuleSets: {
        cdkNag: NONE,
        checkov: ["CKV_AWS_150 (all environments)"],
        pulumiPolicyAws: ["elb-deletion-protection-enabled (all environments)"],
        awsConfig: ["ELB_DELETION_PROTECTION_ENABLED (all environments)"],
        securityHub: ["ELB.6 (all environments)"],
    },
};

export const check: ResourceValidation = (args, reportViolation) => {
    if (!LB_TYPES.includes(args.type)) args.notApplicable("Policy only applies to load balancers");
    const tags = effectiveTags(args.props, args.provider);
    if (!isProduction(tags)) args.notApplicable(`Environment tag is ${JSON.stringify(tags.Environment ?? null)}, not production`);
    const v = args.props.enableDeletionProtection;
    if (v !== true) reportViolation(`enableDeletionProtection is ${v === undefined ? "not set (default false)" : String(v)}; production load balancers need true.`);
};

export default resourceRule(meta, check);
