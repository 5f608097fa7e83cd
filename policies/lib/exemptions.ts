/**
 * Exemptions: two tags on the resource (AWS tag values may not contain ";" or ",",
 * so reason and expiry are separate tags):
 *
 *   policy-exempt:<rule-id>          = <reason>            (non-empty)
 *   policy-exempt:<rule-id>:expires  = <YYYY-MM-DD>        (UTC; exempt until the start of that day)
 *
 * Honoured only when both are present, the date is a real calendar date and it
 * is in the future. An exemption past its date is "expired": the violation is
 * reported again (as a violation of its rule) and the exemption is listed as expired. Untaggable resources (inline role policies, bucket policies)
 * take the exemption tags of their nearest taggable ancestor (the role, ...).
 */
import { Tags } from "./util";

export const EXEMPT_PREFIX = "policy-exempt:";

export type ExemptionCheck =
    | { readonly status: "none" }
    | { readonly status: "valid"; readonly reason: string; readonly expires: string }
    | { readonly status: "invalid"; readonly problem: string }
    | { readonly status: "expired"; readonly problem: string; readonly reason: string; readonly expires: string };

export function reasonTag(ruleId: string): string {
    return `${EXEMPT_PREFIX}${ruleId}`;
}

export function expiresTag(ruleId: string): string {
    return `${EXEMPT_PREFIX}${ruleId}:expires`;
}

export function checkExemption(tags: Tags, ruleId: string, now: Date): ExemptionCheck {
    const reason = tags[reasonTag(ruleId)];
    const expires = tags[expiresTag(ruleId)];
    if (reason === undefined && expires === undefined) return { status: "none" };
    if (reason === undefined || reason.trim() === "") return { status: "invalid", problem: `tag "${reasonTag(ruleId)}" (the reason) is missing or empty` };
    if (expires === undefined) return { status: "invalid", problem: `tag "${expiresTag(ruleId)}" (the expiry date) is missing` };
    const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(expires);
    const at = m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : NaN;
    if (!m || Number.isNaN(at) || new Date(at).toISOString().slice(0, 10) !== expires) {
        return { status: "invalid", problem: `tag "${expiresTag(ruleId)}" is ${JSON.stringify(expires)}, expected a date YYYY-MM-DD` };
    }
    if (now.getTime() >= at) return { status: "expired", problem: `exemption expired on ${expires}`, reason: reason.trim(), expires };
    return { status: "valid", reason: reason.trim(), expires };
}
