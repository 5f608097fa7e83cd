/**
 * Runs the pack without a Pulumi engine over a plan (plan/engine.ts), with the
 * semantics of `@pulumi/policy` 1.21's analyzer:
 *  - resource policies run once per resource with `props` = the resource's inputs,
 *    `provider` = its provider (props.defaultTags = the provider's default tags);
 *    a validation that calls `notApplicable` (as `validateResourceOfType` does for
 *    other types) is recorded as not applicable, not as a pass or a failure;
 *  - stack policies run once with every resource; `props` = the resource's
 *    outputs (as the engine passes outputs to stack policies), `parent` linked;
 *  - enforcement level per policy: config[policy] (string or {enforcementLevel}),
 *    else config.all, else the rule's default; "disabled" skips the policy and
 *    "remediate" reports as "mandatory" (no remediations offline).
 * Exemptions (lib/exemptions.ts) are applied with the injected clock.
 */
import type { EnforcementLevel, PolicyProviderResource, PolicyResource, PolicyResourceOptions, ResourceValidationArgs, StackValidationArgs } from "@pulumi/policy";
import type { PlannedResource, ProgramResult } from "../plan/engine";
import type { Exemption, Violation } from "../plan/report";
import { checkExemption } from "./lib/exemptions";
import { Rule } from "./lib/rule";
import { isTaggableType, ownTags, Tags } from "./lib/util";
import { policies as allRules } from "./pack";

export type PolicyConfig = Record<string, EnforcementLevel | ({ enforcementLevel?: EnforcementLevel } & Record<string, unknown>)>;

export interface OfflineOptions {
    /** Enforcement level per policy id (or "all"). */
    readonly levels?: Record<string, EnforcementLevel>;
    /** Pulumi policy-pack config (`--policy-pack-config` format): per policy a level or {enforcementLevel, ...rule config}. */
    readonly config?: PolicyConfig;
    /** Clock for exemption expiry. @default new Date() */
    readonly now?: Date;
    /** Rules to run. @default every rule of the pack */
    readonly rules?: Rule[];
}

export interface NotApplicable {
    readonly policy: string;
    readonly resource: string;
    readonly reason: string;
}

/** An exemption whose expiry date has passed: its violation is reported again. */
export interface ExpiredExemption extends Exemption {
    /** Always true; kept so JSON output is self-describing. */
    readonly expired: true;
}

export interface OfflineResult {
    readonly violations: Violation[];
    readonly exemptions: Exemption[];
    /** Exemptions past their date (each also reported as a violation of its rule). */
    readonly expiredExemptions: ExpiredExemption[];
    readonly notApplicable: NotApplicable[];
}

const LEVELS: EnforcementLevel[] = ["advisory", "mandatory", "remediate", "disabled"];

class NotApplicableError extends Error {
    constructor(readonly reason: string) {
        super(reason);
    }
}

function isTypeOf(type: string, cls: any): boolean {
    const t = cls?.__pulumiType;
    if (typeof t === "string" && t.length > 0) return t === type;
    return typeof cls?.isInstance === "function" && cls.isInstance({ __pulumiType: type }) === true;
}

function levelOf(value: unknown, where: string): EnforcementLevel {
    if (typeof value !== "string" || !LEVELS.includes(value as EnforcementLevel)) {
        throw new Error(`${where}: enforcement level ${JSON.stringify(value)} is not one of ${LEVELS.join(", ")}.`);
    }
    return value as EnforcementLevel;
}

/** Resolves the enforcement level and config of each rule; throws on unknown policy ids or levels. */
export function resolveConfig(rules: Rule[], opts: OfflineOptions): Map<string, { level: EnforcementLevel; config: Record<string, unknown> }> {
    const ids = new Set(rules.map((r) => r.id));
    const check = (source: string, keys: string[]) => {
        for (const k of keys) {
            if (k !== "all" && !ids.has(k)) throw new Error(`${source}: unknown policy "${k}"; known policies: all, ${[...ids].join(", ")}.`);
        }
    };
    check("levels", Object.keys(opts.levels ?? {}));
    check("config", Object.keys(opts.config ?? {}));
    const out = new Map<string, { level: EnforcementLevel; config: Record<string, unknown> }>();
    const entry = (k: string) => {
        const c = opts.config?.[k];
        if (c === undefined) return { level: undefined, config: {} as Record<string, unknown> };
        if (typeof c === "string") return { level: levelOf(c, `config.${k}`), config: {} };
        const { enforcementLevel, ...rest } = c as Record<string, unknown>;
        return { level: enforcementLevel === undefined ? undefined : levelOf(enforcementLevel, `config.${k}.enforcementLevel`), config: rest };
    };
    const all = entry("all");
    const allLevel = opts.levels?.all !== undefined ? levelOf(opts.levels.all, "levels.all") : undefined;
    for (const r of rules) {
        const own = entry(r.id);
        const lvl = opts.levels?.[r.id] !== undefined ? levelOf(opts.levels[r.id], `levels.${r.id}`) : undefined;
        out.set(r.id, { level: own.level ?? lvl ?? all.level ?? allLevel ?? r.enforcementLevel, config: own.config });
    }
    return out;
}

function options(r: PlannedResource, parent?: string): PolicyResourceOptions {
    return { protect: r.protect, ignoreChanges: [], aliases: [], additionalSecretOutputs: [], customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 }, parent } as PolicyResourceOptions;
}

export async function runPackOffline(result: ProgramResult, opts: OfflineOptions = {}): Promise<OfflineResult> {
    const rules = opts.rules ?? allRules;
    const settings = resolveConfig(rules, opts);
    const now = opts.now ?? new Date();
    const violations: Violation[] = [];
    const exemptions: Exemption[] = [];
    const expiredExemptions: ExpiredExemption[] = [];
    const notApplicable: NotApplicable[] = [];
    const byUrn = new Map(result.resources.map((r) => [r.urn, r]));
    const providers = new Map(result.providers.map((p) => [p.name, p]));
    const providerOf = (r: PlannedResource): PolicyProviderResource | undefined => {
        if (!r.provider) return undefined;
        const p = providers.get(r.provider);
        return {
            type: "pulumi:providers:aws",
            name: r.provider,
            urn: `pulumi:providers:aws::${r.provider}`,
            props: { region: p?.region ?? r.region, allowedAccountIds: p ? [p.accountId] : [], defaultTags: { tags: { ...r.defaultTags } } },
        };
    };
    /** What a policy sees of planned resource `r` with `props` (its inputs for resource policies, its outputs for stack policies). */
    const resourceView = (r: PlannedResource, props: PlannedResource["inputs"]) => ({
        type: r.type,
        props,
        urn: r.urn,
        name: r.name,
        opts: options(r, r.parentUrn ?? undefined),
        provider: providerOf(r),
        isType: (cls: any) => isTypeOf(r.type, cls),
        asType: ((cls: any) => (isTypeOf(r.type, cls) ? props : undefined)) as any,
    });
    /** Tags that can exempt a resource: its own, or the nearest taggable ancestor's. */
    const exemptionTags = (urn: string): Tags => {
        for (let cur = byUrn.get(urn); cur; cur = cur.parentUrn ? byUrn.get(cur.parentUrn) : undefined) {
            if (isTaggableType(cur.type)) return ownTags(cur.inputs);
        }
        return {};
    };
    const report = (rule: Rule, level: EnforcementLevel, resource: string, message: string) => {
        const ex = resource === "stack" ? ({ status: "none" } as const) : checkExemption(exemptionTags(resource), rule.id, now);
        if (ex.status === "valid") {
            exemptions.push({ policy: rule.id, resource, reason: ex.reason, expires: ex.expires });
            return;
        }
        if (ex.status === "expired") expiredExemptions.push({ policy: rule.id, resource, reason: ex.reason, expires: ex.expires, expired: true });
        violations.push({
            policy: rule.id,
            level: level === "remediate" ? "mandatory" : (level as Violation["level"]),
            resource,
            message: ex.status === "none" ? message : `${message} (exemption not honoured: ${ex.problem})`,
        });
    };
    const getConfigFor =
        (rule: Rule) =>
        <T extends object>() =>
            ({ ...(rule.config ?? {}), ...settings.get(rule.id)!.config }) as T;
    const throwNA = (reason?: string): never => {
        throw new NotApplicableError(reason ?? "Policy does not apply");
    };
    const run = async (rule: Rule, resource: string, fn: () => unknown) => {
        try {
            await Promise.resolve(fn());
        } catch (e) {
            if (e instanceof NotApplicableError) notApplicable.push({ policy: rule.id, resource, reason: e.reason });
            else throw new Error(`Policy "${rule.id}" failed on ${resource}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
        }
    };
    const stackTags: ReadonlyMap<string, string> = new Map();

    // Resource policies: per resource, every policy (the analyzer's Analyze call).
    const resourceRules = rules.filter((r) => r.kind === "resource" && settings.get(r.id)!.level !== "disabled");
    for (const r of result.resources) {
        for (const rule of resourceRules) {
            if (rule.kind !== "resource") continue;
            const level = settings.get(rule.id)!.level;
            const validations = Array.isArray(rule.validateResource) ? rule.validateResource : [rule.validateResource];
            for (const validate of validations) {
                const t = (validate as any).__pulumiType;
                if (!Array.isArray(rule.validateResource) && typeof t === "string" && t !== r.type) {
                    notApplicable.push({ policy: rule.id, resource: r.urn, reason: `Policy only applies to resources of type '${t}'` });
                    continue;
                }
                const args: ResourceValidationArgs = {
                    ...resourceView(r, r.inputs),
                    stackTags,
                    getConfig: getConfigFor(rule),
                    notApplicable: throwNA,
                };
                await run(rule, r.urn, () => validate(args, (message: string) => report(rule, level, r.urn, message)));
            }
        }
    }

    // Stack policies: once, over every resource (props = outputs).
    const stackRules = rules.filter((r) => r.kind === "stack" && settings.get(r.id)!.level !== "disabled");
    if (stackRules.length > 0) {
        const policyResources = new Map<string, PolicyResource>();
        for (const r of result.resources) {
            const props = Object.keys(r.outputs ?? {}).length > 0 ? r.outputs : r.inputs;
            policyResources.set(r.urn, { ...resourceView(r, props), dependencies: [], propertyDependencies: {} });
        }
        for (const r of result.resources) {
            const pr = policyResources.get(r.urn)! as { parent?: PolicyResource };
            if (r.parentUrn && policyResources.has(r.parentUrn)) pr.parent = policyResources.get(r.parentUrn);
        }
        const resources = [...policyResources.values()];
        for (const rule of stackRules) {
            if (rule.kind !== "stack") continue;
            const level = settings.get(rule.id)!.level;
            const args: StackValidationArgs = { resources, stackTags, getConfig: getConfigFor(rule), notApplicable: throwNA };
            await run(rule, "stack", () => rule.validateStack(args, (message: string, urn?: string) => report(rule, level, urn ?? "stack", message)));
        }
    }
    return { violations, exemptions, expiredExemptions, notApplicable };
}
