/** Tag helpers. Required tags come from stack config and reach every resource through provider `defaultTags`. */

export type Tags = Record<string, string>;

/** Tag keys every taggable resource must carry (policy `required-tags`). */
export const REQUIRED_TAG_KEYS = ["Project", "Environment", "Owner", "CostCenter", "DataClassification"] as const;
