import { ResourceValidationArgs } from "@pulumi/policy";
import { resourceRule, NONE } from "../../lib/rule";
import { REQUIRED_TAG_KEYS, configOf, effectiveTags, isTaggableType } from "../../lib/util";

export const meta = {
    id: "required-tags",
    description: "Every taggable AWS resource carries the required tags (its own tags plus its provider's defaultTags).",
    enforcementLevel: "mandatory" as const,
    why: "Cost allocation, ownership and data classification are read from tags; an untagged resource has no owner to page and no classification to protect.",
    publicRuleSets: { cdkNag: NONE, checkov: NONE, pulumiPolicyAws: NONE, awsConfig: ["REQUIRED_TAGS"], securityHub: NONE },
    config: { requiredTags: REQUIRED_TAG_KEYS },
};

export function check(args: ResourceValidationArgs, reportViolation: (m: string) => void): void {
    if (!isTaggableType(args.type)) args.notApplicable(`Resource type '${args.type}' does not accept tags`);
    // Read the tags directly first: under `pulumi preview` unknown tags throw here, so the engine
    // reports the policy as not runnable yet instead of this rule reporting missing tags.
    void args.props.tags;
    const { requiredTags } = configOf(meta.config, args);
    const tags = effectiveTags(args.props, args.provider);
    const missing = (requiredTags as string[]).filter((k) => typeof tags[k] !== "string" || tags[k].trim() === "");
    if (missing.length > 0) {
        reportViolation(`Missing required tag(s) ${missing.join(", ")} (resource tags and provider defaultTags are counted).`);
    }
}

export default resourceRule(meta, check);
