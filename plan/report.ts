/** Renders a plan: the tree per account and the JSON document of docs/design.md §3.4. */
import { PlannedResource, ProgramResult } from "./engine";

export interface Violation {
    readonly policy: string;
    readonly level: "mandatory" | "advisory" | "disabled";
    /** URN-like path of the resource, or "stack" for stack-level findings. */
    readonly resource: string;
    readonly message: string;
}

export interface Exemption {
    readonly policy: string;
    readonly resource: string;
    readonly reason: string;
    readonly expires: string;
}

export interface PlanDocument {
    readonly stack: string;
    readonly resources: { type: string; name: string; parent: string | null; account: string | null; accountName: string | null; region: string | null; inputs: Record<string, any> }[];
    readonly violations: Violation[];
    readonly exemptions: Exemption[];
    readonly outputs: Record<string, unknown>;
}

export function planDocument(result: ProgramResult, violations: Violation[], exemptions: Exemption[] = []): PlanDocument {
    return {
        stack: result.stack,
        resources: result.resources.map((r) => ({
            type: r.type,
            name: r.name,
            parent: r.parent,
            account: r.account,
            accountName: r.accountName,
            region: r.region,
            inputs: r.inputs,
        })),
        violations,
        exemptions,
        outputs: result.outputs,
    };
}

/** Text tree: one section per account, components with their children indented. */
export function renderTree(result: ProgramResult): string {
    const lines: string[] = [];
    const byAccount = new Map<string, PlannedResource[]>();
    for (const r of result.resources) {
        if (r.type.startsWith("pulumi:providers:")) continue;
        const key = r.accountName && r.accountName !== "multiple" ? `${r.accountName} (${r.account}, ${r.region})` : r.account === "multiple" ? "multiple accounts" : "no account";
        if (!byAccount.has(key)) byAccount.set(key, []);
        byAccount.get(key)!.push(r);
    }
    const children = new Map<string | null, PlannedResource[]>();
    for (const r of result.resources) {
        const k = r.parentUrn;
        if (!children.has(k)) children.set(k, []);
        children.get(k)!.push(r);
    }
    lines.push(
        `stack ${result.stack}: ${result.resources.filter((r) => r.custom && !r.type.startsWith("pulumi:providers:")).length} resources in ${new Set(result.resources.filter((r) => r.custom && r.account && !r.type.startsWith("pulumi:providers:")).map((r) => r.account)).size} AWS accounts`,
    );
    for (const [account, rs] of [...byAccount.entries()].sort()) {
        const custom = rs.filter((r) => r.custom).length;
        lines.push("");
        lines.push(`account ${account}: ${custom} resources`);
        // Roots in this account: resources whose parent is not in the same group.
        const inGroup = new Set(rs.map((r) => r.urn));
        const roots = rs.filter((r) => !r.parentUrn || !inGroup.has(r.parentUrn));
        const walk = (r: PlannedResource, depth: number) => {
            const kids = (children.get(r.urn) ?? []).filter((c) => inGroup.has(c.urn));
            const label = r.custom ? `${r.type} ${r.name}` : `${r.type} ${r.name} [${countCustom(r, children)} resources]`;
            lines.push(`${"  ".repeat(depth + 1)}${label}`);
            if (!r.custom) for (const k of kids) walk(k, depth + 1);
        };
        for (const r of roots) walk(r, 0);
    }
    return lines.join("\n");
}

function countCustom(r: PlannedResource, children: Map<string | null, PlannedResource[]>): number {
    let n = 0;
    for (const c of children.get(r.urn) ?? []) n += c.custom ? 1 : countCustom(c, children);
    return n;
}

/** Counts per account and type for summaries and tests. */
export function summarize(result: ProgramResult): Record<string, Record<string, number>> {
    const out: Record<string, Record<string, number>> = {};
    for (const r of result.resources) {
        if (!r.custom || r.type.startsWith("pulumi:providers:")) continue;
        const a = r.account ?? "none";
        out[a] = out[a] ?? {};
        out[a][r.type] = (out[a][r.type] ?? 0) + 1;
    }
    return out;
}
