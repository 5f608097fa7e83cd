/** Tag helpers. Required tags come from stack config and reach every resource through provider `defaultTags`. */
import * as pulumi from "@pulumi/pulumi";

export type Tags = Record<string, string>;

/** Merges tag maps left to right (later wins); undefined maps are skipped. */
export function mergeTags(...maps: (pulumi.Input<Tags> | undefined)[]): pulumi.Output<Tags> {
    return pulumi.all(maps.map((m) => pulumi.output(m ?? {}))).apply((ms) => Object.assign({}, ...ms) as Tags);
}

/** Tag keys every taggable resource must carry (policy `required-tags`). */
export const REQUIRED_TAG_KEYS = ["Project", "Environment", "Owner", "CostCenter", "DataClassification"] as const;
