/**
 * Fixtures for rule tests: PlannedResources built directly (as plan/engine.ts
 * would record them) and a runner for one rule over them with the offline
 * runner's @pulumi/policy semantics.
 */
import type { PlannedResource, ProgramResult } from "../../plan/engine";
import { Rule } from "../../policies/lib/rule";
import { OfflineOptions, OfflineResult, runPackOffline } from "../../policies/offline";

export const ACCOUNT = "111111111111";
export const REGION = "eu-west-1";
export const REQUIRED = { Project: "flightstream", Environment: "dev", Owner: "tests", CostCenter: "CC-0", DataClassification: "internal" };

export interface FixtureOptions {
    /** Provider default tags. @default REQUIRED */
    readonly defaultTags?: Record<string, string>;
    /** Logical name of the provider; null for none. @default "test" */
    readonly provider?: string | null;
    readonly parentUrn?: string | null;
    /** Extra outputs the mock engine would synthesize (stack rules see inputs + outputs). */
    readonly outputs?: Record<string, any>;
}

/** A custom resource as the plan records it. */
export function res(type: string, name: string, inputs: Record<string, any>, o: FixtureOptions = {}): PlannedResource {
    const parentUrn = o.parentUrn ?? null;
    const provider = o.provider === undefined ? "test" : o.provider;
    return {
        urn: parentUrn ? `${parentUrn}$${type}::${name}` : `${type}::${name}`,
        type,
        name,
        parent: parentUrn ? parentUrn.split("::").pop()! : null,
        parentUrn,
        account: ACCOUNT,
        accountName: "test",
        region: REGION,
        custom: true,
        inputs,
        outputs: { ...inputs, ...(o.outputs ?? {}) },
        provider,
        defaultTags: provider ? (o.defaultTags ?? REQUIRED) : {},
        protect: false,
    };
}

export function program(resources: PlannedResource[], defaultTags: Record<string, string> = REQUIRED): ProgramResult {
    return {
        project: "flightstream",
        stack: "test",
        resources,
        providers: [{ name: "test", accountId: ACCOUNT, region: REGION, defaultTags }],
        outputs: {},
    };
}

/** Runs one rule over the resources. */
export function runRule(rule: Rule, resources: PlannedResource[], opts: Omit<OfflineOptions, "rules"> & { defaultTags?: Record<string, string> } = {}): Promise<OfflineResult> {
    return runPackOffline(program(resources, opts.defaultTags), { ...opts, rules: [rule] });
}

/** The messages one rule reports over the resources. */
export async function messages(rule: Rule, ...resources: PlannedResource[]): Promise<string[]> {
    return (await runRule(rule, resources)).violations.map((v) => v.message);
}

export const KEY_ARN = `arn:aws:kms:${REGION}:${ACCOUNT}:key/11111111-2222-4333-a444-555555555555`;

/** JSON policy document string. */
export function doc(...Statement: any[]): string {
    return JSON.stringify({ Version: "2012-10-17", Statement });
}
