import * as aws from "@pulumi/aws";
import { validateResourceOfType } from "@pulumi/policy";
import { resourceRule, NONE } from "../../lib/rule";
import { q } from "../../lib/util";

export const meta = {
    id: "alb-listener-https-only",
    description: "Load balancer listeners use HTTPS; an HTTP listener is allowed only when all its default actions redirect to HTTPS.",
    enforcementLevel: "mandatory" as const,
    why: "Flight events and API keys must never travel in clear text.",
    publicRuleSets: {
        cdkNag: NONE,
        checkov: ["CKV_AWS_2", "CKV_AWS_103 (TLS 1.2)"],
        pulumiPolicyAws: ["alb-http-to-https-redirection"],
        awsConfig: ["ALB_HTTP_TO_HTTPS_REDIRECTION_CHECK"],
        securityHub: ["ELB.1"],
    },
};

type Listener = { protocol?: string; defaultActions?: { type?: string; redirect?: { protocol?: string } }[] };

function verify(l: Listener, args: { notApplicable(r?: string): never }, reportViolation: (m: string) => void) {
    const protocol = l.protocol ?? "HTTP";
    if (!["HTTP", "HTTPS"].includes(protocol)) args.notApplicable(`Listener protocol ${protocol} is not HTTP(S)`);
    if (protocol === "HTTPS") return;
    const actions = l.defaultActions ?? [];
    const redirects = actions.length > 0 && actions.every((a) => a.type === "redirect" && a.redirect?.protocol === "HTTPS");
    if (!redirects) reportViolation(`protocol is ${q(protocol)} and the default actions do not all redirect to HTTPS; use HTTPS or a redirect to HTTPS.`);
}

export const checkLb = validateResourceOfType(aws.lb.Listener, (l, args, reportViolation) => verify(l as Listener, args, reportViolation));
export const checkAlb = validateResourceOfType(aws.alb.Listener, (l, args, reportViolation) => verify(l as Listener, args, reportViolation));

export default resourceRule(meta, [checkLb, checkAlb]);
