import * as aws from "@pulumi/aws";
import { validateResourceOfType } from "@pulumi/policy";
import { resourceRule, NONE } from "../../lib/rule";
import { q } from "../../lib/util";

export const meta = {
    id: "alb-listener-modern-tls",
    description: "HTTPS listeners set sslPolicy to an ELBSecurityPolicy-TLS13-1-2-* or ELBSecurityPolicy-FS-1-2-* policy (TLS 1.2+ with forward secrecy).",
    enforcementLevel: "advisory" as const,
    why: "The API default (ELBSecurityPolicy-2016-08) still accepts TLS 1.0 and 1.1 and non-forward-secret ciphers.",
    publicRuleSets: { cdkNag: NONE, checkov: ["CKV_AWS_103 (TLS 1.2)"], pulumiPolicyAws: NONE, awsConfig: NONE, securityHub: NONE },
};

export const MODERN = /^ELBSecurityPolicy-(TLS13-1-2-|FS-1-2-)/;

function verify(l: { protocol?: string; sslPolicy?: string }, args: { notApplicable(r?: string): never }, reportViolation: (m: string) => void) {
    if (l.protocol !== "HTTPS") args.notApplicable("Listener is not HTTPS");
    if (!l.sslPolicy) reportViolation(`sslPolicy is not set (AWS default ELBSecurityPolicy-2016-08 allows TLS 1.0); use ELBSecurityPolicy-TLS13-1-2-2021-06.`);
    else if (!MODERN.test(l.sslPolicy)) reportViolation(`sslPolicy ${q(l.sslPolicy)} is not in the ELBSecurityPolicy-TLS13-1-2-* or ELBSecurityPolicy-FS-1-2-* families.`);
}

export const checkLb = validateResourceOfType(aws.lb.Listener, (l, args, reportViolation) => verify(l, args, reportViolation));
export const checkAlb = validateResourceOfType(aws.alb.Listener, (l, args, reportViolation) => verify(l, args, reportViolation));

export default resourceRule(meta, [checkLb, checkAlb]);
