/** Helpers shared by the rules: tags, provider default tags, policy documents, names. */
import * as fs from "fs";
import * as path from "path";
import type { PolicyProviderResource, PolicyResource } from "@pulumi/policy";
import { parseMaybeJson } from "../../functions/shared/json";

/** Tag keys every taggable resource must carry (kept equal to components/common/tags.ts by a test). */
export const REQUIRED_TAG_KEYS = ["Project", "Environment", "Owner", "CostCenter", "DataClassification"];

export type Tags = Record<string, string>;

function asTags(v: unknown): Tags {
    const o = parseMaybeJson(v);
    if (!o || typeof o !== "object" || Array.isArray(o)) return {};
    const out: Tags = {};
    for (const [k, val] of Object.entries(o)) if (typeof val === "string") out[k] = val;
    return out;
}

/** The provider's `defaultTags.tags` (providers serialize nested inputs as JSON strings). */
export function providerDefaultTags(provider: { props: Record<string, any> } | undefined): Tags {
    if (!provider) return {};
    const dt = parseMaybeJson(provider.props?.defaultTags);
    return dt && typeof dt === "object" ? asTags(dt.tags) : {};
}

/** Tags of a resource: provider default tags overlaid by the resource's own `tags`. */
export function effectiveTags(props: Record<string, any>, provider?: PolicyProviderResource | { props: Record<string, any> }): Tags {
    return { ...providerDefaultTags(provider), ...asTags(known(props, "tags")) };
}

/** The resource's own tags only. */
export function ownTags(props: Record<string, any>): Tags {
    return asTags(known(props, "tags"));
}

/** True when the effective `Environment` tag names production. */
export function isProduction(tags: Tags): boolean {
    const env = (tags.Environment ?? "").toLowerCase();
    return env === "prod" || env === "production";
}

const taggableCache = new Map<string, boolean>();

/**
 * Whether an AWS resource type accepts `tags`: read from the type's own
 * `@pulumi/aws` declaration (`aws:<module>/<file>:<Name>` → `<module>/<file>.d.ts`,
 * interface `<Name>Args` has a `tags?:` member). Non-aws types are not taggable.
 */
export function isTaggableType(type: string): boolean {
    const cached = taggableCache.get(type);
    if (cached !== undefined) return cached;
    let result = false;
    const m = /^aws:([^:]+):([A-Za-z0-9]+)$/.exec(type);
    if (m) {
        try {
            const root = path.dirname(require.resolve("@pulumi/aws/package.json"));
            const file = path.join(root, `${m[1]}.d.ts`);
            const text = fs.readFileSync(file, "utf8");
            const start = text.indexOf(`export interface ${m[2]}Args {`);
            if (start >= 0) {
                const end = text.indexOf("\n}", start);
                const body = text.slice(start, end < 0 ? undefined : end);
                result = /\n {4}tags\?: /.test(body);
            }
        } catch {
            result = false;
        }
    }
    taggableCache.set(type, result);
    return result;
}

export interface PolicyStatementJson {
    Sid?: string;
    Effect?: string;
    Action?: string | string[];
    NotAction?: string | string[];
    Resource?: string | string[];
    NotResource?: string | string[];
    Principal?: any;
    NotPrincipal?: any;
    Condition?: Record<string, Record<string, any>>;
}

/** Parses a policy document (JSON string or object); null when absent or unparsable. */
export function parsePolicy(v: unknown): { Statement: PolicyStatementJson[] } | null {
    const doc = parseMaybeJson(v);
    if (!doc || typeof doc !== "object") return null;
    const st = (doc as any).Statement;
    if (st === undefined) return { Statement: [] };
    return { Statement: Array.isArray(st) ? st : [st] };
}

export function list(v: unknown): string[] {
    if (v === undefined || v === null) return [];
    return (Array.isArray(v) ? v : [v]).map((x) => String(x));
}

/** Label of a statement for messages: its Sid or its index. */
export function statementLabel(s: PolicyStatementJson, i: number): string {
    return s.Sid ? `statement "${s.Sid}"` : `statement ${i}`;
}

/** True when the principal is (or includes) everyone: "*" or {AWS: "*"} (any list containing "*"). */
export function principalIsPublic(principal: any): boolean {
    if (principal === undefined || principal === null) return false;
    if (principal === "*") return true;
    if (typeof principal === "object") {
        return Object.values(principal).some((v) => list(v).includes("*"));
    }
    return false;
}

/**
 * A prop that may still be unknown: under `pulumi preview` the engine's proxy
 * throws on reading an unknown value; joins treat that as "no value" and fall
 * back to property dependencies.
 */
export function known(props: Record<string, any> | undefined, key: string): unknown {
    try {
        return props?.[key];
    } catch {
        return undefined;
    }
}

/** Physical-name keys of a stack resource, used to join configs to their resource by value. */
export function identities(r: PolicyResource, keys: string[]): string[] {
    const out: string[] = [];
    for (const k of keys) {
        const v = known(r.props, k);
        if (typeof v === "string" && v.length > 0) out.push(v);
    }
    return out;
}

/**
 * Resources of `types` whose `prop` refers to `target`: through the engine's
 * property dependencies when present (`pulumi preview`, where names are still
 * unknown), else by value (the offline plan, where outputs are resolved).
 */
export function referencing(resources: PolicyResource[], types: string[], prop: string, target: PolicyResource, targetKeys: string[]): PolicyResource[] {
    const ids = new Set(identities(target, targetKeys));
    return resources.filter((r) => {
        if (!types.includes(r.type)) return false;
        const deps = r.propertyDependencies?.[prop];
        if (deps && deps.some((d) => d.urn === target.urn)) return true;
        const v = known(r.props, prop);
        return typeof v === "string" && ids.has(v);
    });
}

/** A display name for a resource in messages: its logical name. */
export function q(s: unknown): string {
    return JSON.stringify(s);
}

/** True for AWS-managed key references: `alias/aws/<service>` or its ARN form. */
export function isAwsManagedKeyRef(v: unknown): boolean {
    return typeof v === "string" && /(^|:)alias\/aws\//.test(v);
}

/** Rule config: the rule's defaults overlaid by the policy config (`getConfig`). */
export function configOf<T extends Record<string, any>>(defaults: T, args: { getConfig<C extends object>(): C }): T {
    let given: Record<string, any>;
    try {
        given = (args.getConfig<Record<string, any>>() ?? {}) as Record<string, any>;
    } catch {
        given = {};
    }
    const out: Record<string, any> = { ...defaults };
    for (const [k, v] of Object.entries(given)) if (k !== "enforcementLevel" && v !== undefined) out[k] = v;
    return out as T;
}
