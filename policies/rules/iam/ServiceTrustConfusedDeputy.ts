import * as aws from "@pulumi/aws";
import { validateResourceOfType } from "@pulumi/policy";
import { resourceRule, NO_PUBLIC_RULE_SETS } from "../../lib/rule";
import { CONFUSED_DEPUTY_KEYS, quoted, servicePrincipals, unconditionedGrants } from "../../lib/conditions";
import { parsePolicy } from "../../lib/util";

export const meta = {
    id: "iam-service-trust-confused-deputy",
    description: "Role trust policies that let a service principal (lambda.amazonaws.com, states.amazonaws.com, ...) assume the role carry an aws:SourceAccount, aws:SourceArn, aws:SourceOrgID or aws:SourceOrgPaths condition.",
    enforcementLevel: "mandatory" as const,
    why: "Without a source condition any customer of the service can make it act with this role (the confused deputy); the condition limits it to work done for our account or resource.",
    publicRuleSets: NO_PUBLIC_RULE_SETS,
};

export const check = validateResourceOfType(aws.iam.Role, (role, _args, reportViolation) => {
    const doc = parsePolicy(role.assumeRolePolicy);
    if (!doc) return;
    for (const g of unconditionedGrants(doc, servicePrincipals, () => CONFUSED_DEPUTY_KEYS)) {
        reportViolation(`assumeRolePolicy ${g.label} trusts service(s) ${quoted(g.principals)} without an aws:SourceAccount or aws:SourceArn condition; name the account (or resource) the service may act for.`);
    }
});

export default resourceRule(meta, check);
