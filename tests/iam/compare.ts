/**
 * "Equal or narrower" between two sets of normalised statements
 * (tests/iam/statements.ts): every Allow of the new set is covered, action by
 * action, resource by resource and principal by principal, by an Allow of the
 * old set for the same owner whose condition the new statement carries too
 * (same operators and keys, values a subset); every Deny of the old set is
 * still there, covered by a Deny of the new set with the same condition.
 */
import type { Row } from "./statements";

function glob(pattern: string): RegExp {
    // IAM wildcards: * (any run), ? (one character, not a wildcard of the other side).
    const re = pattern
        .replace(/[.+^${}()|[\]\\]/g, "\\$&")
        .replace(/\*/g, ".*")
        .replace(/\?/g, "[^*?]");
    return new RegExp(`^${re}$`, "is");
}

/** True when `pattern` (an old statement's value) matches everything `value` (a new statement's, possibly a pattern itself) can. */
export function covers(pattern: string, value: string): boolean {
    return pattern === value || glob(pattern).test(value);
}

const values = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : [typeof v === "string" ? v : JSON.stringify(v)]);

/** True when a statement with condition `inner` grants no more than one with condition `outer`. */
export function conditionAtLeast(outer: string, inner: string): boolean {
    if (outer === "") return true;
    if (inner === "") return false;
    const o = JSON.parse(outer) as Record<string, Record<string, unknown>>;
    const i = JSON.parse(inner) as Record<string, Record<string, unknown>>;
    return Object.entries(o).every(([op, keys]) =>
        Object.entries(keys).every(([k, v]) => {
            const got = i[op]?.[k];
            if (got === undefined) return false;
            const allowed = values(v);
            return values(got).every((x) => allowed.some((a) => (op.includes("Like") ? covers(a, x) : a === x)));
        }),
    );
}

function cells(r: Row): { action: string; resource: string; principal: string }[] {
    const out: { action: string; resource: string; principal: string }[] = [];
    for (const action of r.actions) for (const resource of r.resources.length > 0 ? r.resources : [""]) for (const principal of r.principals.length > 0 ? r.principals : [""]) out.push({ action, resource, principal });
    return out;
}

function principalCovers(old: string, now: string): boolean {
    return old === now || old === "*" || old === "AWS=*" || (old.startsWith("AWS=") && now.startsWith("AWS=") && covers(old.slice(4), now.slice(4)));
}

/** A statement of `now` and the first of its cells no statement of `old` covers, or null when covered. */
function uncoveredCell(now: Row, old: Row[], effect: "Allow" | "Deny"): string | null {
    const candidates = old.filter((o) => o.owner === now.owner && o.effect === effect && !!o.notAction === !!now.notAction && !!o.notResource === !!now.notResource);
    if (now.notAction || now.notResource) {
        // NotAction/NotResource: only an identical statement is known to be no wider.
        const same = candidates.some((o) => JSON.stringify({ ...o, owner: "" }) === JSON.stringify({ ...now, owner: "" }));
        return same ? null : `${now.notAction ? "NotAction" : "NotResource"} statement with no identical statement before`;
    }
    for (const c of cells(now)) {
        const ok = candidates.some(
            (o) =>
                (effect === "Allow" ? conditionAtLeast(o.condition, now.condition) : o.condition === now.condition) &&
                o.actions.some((a) => covers(a, c.action)) &&
                (o.resources.length === 0 ? c.resource === "" : o.resources.some((r) => covers(r, c.resource))) &&
                (o.principals.length === 0 ? c.principal === "" : o.principals.some((p) => principalCovers(p, c.principal))),
        );
        if (!ok) return `${c.action} on ${c.resource || "(no resource)"}${c.principal ? ` for ${c.principal}` : ""}`;
    }
    return null;
}

export interface Widening {
    readonly row: Row;
    /** Why: the first uncovered (action, resource, principal) or the missing deny. */
    readonly why: string;
}

/** Allows of `now` wider than `old`, and Denies of `old` that `now` lost or narrowed. */
export function widenings(old: Row[], now: Row[]): Widening[] {
    const out: Widening[] = [];
    for (const n of now.filter((r) => r.effect === "Allow")) {
        const why = uncoveredCell(n, old, "Allow");
        if (why !== null) out.push({ row: n, why: `allows ${why}, which no statement of ${n.owner} allowed before` });
    }
    for (const o of old.filter((r) => r.effect === "Deny")) {
        const why = uncoveredCell(o, now, "Deny");
        if (why !== null) out.push({ row: o, why: `no longer denies ${why}` });
    }
    return out;
}
