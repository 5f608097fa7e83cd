/**
 * Rule model of the pack: metadata kept apart from the check, in the shape of
 * `@pulumi/policy` 1.21 policies (`validateResource` built with
 * `validateResourceOfType`, or `validateStack`).
 */
import type { EnforcementLevel, ResourceValidation, StackValidation } from "@pulumi/policy";

/** Where a public rule set has an equivalent rule ("none" when it has none). */
export interface PublicRuleSets {
    /** cdk-nag AwsSolutions rule ids, e.g. "AwsSolutions-KDS3". */
    readonly cdkNag: string[];
    /** Checkov AWS check ids (Terraform/CloudFormation scanners), e.g. "CKV_AWS_18". */
    readonly checkov: string[];
    /** `@pulumi/awsguard` (pulumi/pulumi-policy-aws) policy names. */
    readonly pulumiPolicyAws: string[];
    /** AWS Config managed rule identifiers. */
    readonly awsConfig: string[];
    /** AWS Security Hub (AWS Foundational Security Best Practices) control ids. */
    readonly securityHub: string[];
}

export interface RuleMetadata {
    /** Policy name (unique in the pack); also the key of exemption tags and of policy config. */
    readonly id: string;
    /** One sentence: what compliant looks like. */
    readonly description: string;
    /** Default enforcement level (overridable per rule by policy config). */
    readonly enforcementLevel: EnforcementLevel;
    /** Why the rule exists. */
    readonly why: string;
    readonly publicRuleSets: PublicRuleSets;
    /** Defaults of the rule's config (also published as the policy's configSchema). */
    readonly config?: Record<string, number | string | string[] | boolean>;
}

export interface ResourceRule extends RuleMetadata {
    readonly kind: "resource";
    /** One validation per resource type (each not-applicable for other types). */
    readonly validateResource: ResourceValidation | ResourceValidation[];
}

export interface StackRule extends RuleMetadata {
    readonly kind: "stack";
    readonly validateStack: StackValidation;
}

export type Rule = ResourceRule | StackRule;

export function resourceRule(meta: RuleMetadata, validateResource: ResourceValidation | ResourceValidation[]): ResourceRule {
    return { ...meta, kind: "resource", validateResource };
}

export function stackRule(meta: RuleMetadata, validateStack: StackValidation): StackRule {
    return { ...meta, kind: "stack", validateStack };
}

export const NONE: string[] = [];

/** For a rule no public rule set covers: every set `NONE`. */
export const NO_PUBLIC_RULE_SETS: PublicRuleSets = { cdkNag: NONE, checkov: NONE, pulumiPolicyAws: NONE, awsConfig: NONE, securityHub: NONE };
