/** Helpers shared by the RDS rules (policies/rules/rds/**): which resources they read and the production gate. */
import type { ResourceValidationArgs } from "@pulumi/policy";
import { effectiveTags, isProduction } from "./util";

export const RDS_CLUSTER = "aws:rds/cluster:Cluster";
export const RDS_INSTANCE = "aws:rds/instance:Instance";

/**
 * Stops the rule (notApplicable) unless the resource is an RDS cluster or DB instance;
 * returns its kind for messages: "clusters" or "instances".
 */
export function rdsDatabaseKind(args: ResourceValidationArgs): "clusters" | "instances" {
    if (args.type !== RDS_CLUSTER && args.type !== RDS_INSTANCE) args.notApplicable("Policy only applies to RDS clusters and DB instances");
    return args.type === RDS_CLUSTER ? "clusters" : "instances";
}

/** `rdsDatabaseKind`, and also stops the rule unless the effective Environment tag names production. */
export function productionRdsDatabaseKind(args: ResourceValidationArgs): "clusters" | "instances" {
    const kind = rdsDatabaseKind(args);
    const tags = effectiveTags(args.props, args.provider);
    if (!isProduction(tags)) args.notApplicable(`Environment tag is ${JSON.stringify(tags.Environment ?? null)}, not production`);
    return kind;
}
