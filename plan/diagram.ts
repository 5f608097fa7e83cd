/**
 * Architecture diagram generated from a plan: every component labelled, accounts
 * drawn as clusters, data-flow edges derived from the wiring between components
 * (a component whose resources reference another component's ARNs or names is
 * connected to it; the arrow follows the data path, ranked below).
 */
import { PlannedResource, ProgramResult } from "./engine";

/** Position of a component type on the data path; edges point from lower to higher rank. */
const FLOW_RANK: [RegExp, number, string][] = [
    [/:IngestionService$/, 1, "ingestion"],
    [/:KinesisStream$/, 2, "stream"],
    [/:LakeDelivery$/, 3, "lake delivery"],
    [/:StreamProcessor$/, 3, "real-time consumer"],
    [/:DataLake$/, 4, "lake"],
    [/:AuroraDatabase$/, 4, "database"],
    [/:LakeCatalog$/, 5, "catalog"],
    [/:PondEtl$/, 5, "pond ETL"],
    [/:InsightsApi$/, 5, "insights API"],
    [/:Pond$/, 6, "pond"],
    [/:(Replay|Reshard|TrafficShift)Workflow$/, 7, "workflow"],
    [/:Dashboard$/, 8, "dashboard"],
    [/:IngestionPathAlarm$/, 8, "composite alarm"],
    [/:OnCall$/, 9, "on-call"],
];

function rankOf(type: string): number {
    return FLOW_RANK.find(([re]) => re.test(type))?.[1] ?? 5;
}

function esc(s: string): string {
    return s.replace(/\\/g, "\\\\").replace(/"/g, '\\"');
}

export interface DiagramNode {
    readonly id: string;
    readonly label: string;
    readonly account: string;
    readonly resources: number;
}

export interface DiagramEdge {
    readonly from: string;
    readonly to: string;
    readonly kind: "data" | "alarms" | "control";
}

export interface Diagram {
    readonly nodes: DiagramNode[];
    readonly edges: DiagramEdge[];
    readonly accounts: Record<string, string>;
}

/** Distinctive strings a resource exposes (ARNs, physical names) that others would reference. */
function identifiers(r: PlannedResource): string[] {
    const out: string[] = [];
    for (const k of ["arn", "bucket", "name", "id", "keyId", "url", "clusterIdentifier", "apiEndpoint", "invokeArn"]) {
        const v = r.outputs[k];
        if (typeof v === "string" && v.length >= 12 && !/^(true|false)$/.test(v)) out.push(v);
    }
    return out;
}

export function buildDiagram(result: ProgramResult): Diagram {
    const byUrn = new Map(result.resources.map((r) => [r.urn, r]));
    const top = (r: PlannedResource): PlannedResource => {
        let cur = r;
        while (cur.parentUrn && byUrn.get(cur.parentUrn)) cur = byUrn.get(cur.parentUrn)!;
        return cur;
    };
    const components = result.resources.filter((r) => !r.custom && r.parentUrn === null);
    const members = new Map<string, PlannedResource[]>();
    for (const r of result.resources) {
        if (!r.custom || r.type.startsWith("pulumi:providers:")) continue;
        const t = top(r);
        if (t.custom) continue;
        if (!members.has(t.urn)) members.set(t.urn, []);
        members.get(t.urn)!.push(r);
    }
    const nodes: DiagramNode[] = components.map((c) => ({
        id: c.urn,
        label: `${c.type.split(":").pop()}\\n${c.name}`,
        account: c.accountName ?? "unknown",
        resources: members.get(c.urn)?.length ?? 0,
    }));
    const accounts: Record<string, string> = {};
    for (const r of result.resources) if (r.accountName && r.account && r.accountName !== "multiple") accounts[r.accountName] = r.account;

    const owner = new Map<string, string>();
    for (const [urn, rs] of members) for (const r of rs) for (const id of identifiers(r)) owner.set(id, urn);
    const edgeSet = new Map<string, DiagramEdge>();
    for (const [urn, rs] of members) {
        const text = JSON.stringify(rs.map((r) => r.inputs));
        for (const [id, other] of owner) {
            if (other === urn || !text.includes(id)) continue;
            const a = byUrn.get(urn)!;
            const b = byUrn.get(other)!;
            // Monitoring reads everything; drawing it would hide the data path.
            if (/:Dashboard$/.test(a.type) || /:Dashboard$/.test(b.type)) continue;
            // Siblings of one kind (e.g. two pond ETLs sharing the catalog) are not a flow.
            if (a.type === b.type) continue;
            const alarmish = (t: string) => /:(OnCall|IngestionPathAlarm)$/.test(t);
            const oncall = alarmish(a.type) || alarmish(b.type);
            const workflow = (t: string) => /Workflow$/.test(t) && !/:Workflow$/.test(t);
            let [from, to] = rankOf(a.type) <= rankOf(b.type) ? [a, b] : [b, a];
            // Workflows act on what they reference: the arrow leaves the workflow.
            if (workflow(to.type) && !oncall) [from, to] = [to, from];
            const kind: DiagramEdge["kind"] = oncall ? "alarms" : workflow(from.type) ? "control" : "data";
            edgeSet.set(`${from.urn}->${to.urn}`, { from: from.urn, to: to.urn, kind });
        }
    }
    return { nodes, edges: [...edgeSet.values()], accounts };
}

export function toDot(d: Diagram, title: string): string {
    const ids = new Map(d.nodes.map((n, i) => [n.id, `n${i}`]));
    const lines = [
        "digraph platform {",
        `  label="${esc(title)}"; labelloc=t; fontsize=20; fontname="Helvetica";`,
        '  rankdir=LR; compound=true; newrank=true; node [shape=box, style="rounded,filled", fillcolor="#eef4ff", fontname="Helvetica", fontsize=11]; edge [fontname="Helvetica", fontsize=9];',
        '  clients [label="clients\\n(booking sites, shopping engines)", shape=oval, fillcolor="#fff4dd"];',
    ];
    const byAccount = new Map<string, DiagramNode[]>();
    for (const n of d.nodes) (byAccount.get(n.account) ?? byAccount.set(n.account, []).get(n.account)!).push(n);
    let i = 0;
    for (const [account, ns] of [...byAccount.entries()].sort()) {
        lines.push(`  subgraph cluster_${i++} {`);
        lines.push(`    label="${esc(account)} account${d.accounts[account] ? `\\n${d.accounts[account]}` : ""}"; labeljust=l; style="rounded,dashed"; color="#7a8ca8";`);
        for (const n of ns) lines.push(`    ${ids.get(n.id)} [label="${esc(n.label).replace(/\\\\n/g, "\\n")}\\n${n.resources} resources"];`);
        lines.push("  }");
    }
    const ingestion = d.nodes.find((n) => /^IngestionService/.test(n.label));
    if (ingestion) lines.push(`  clients -> ${ids.get(ingestion.id)} [label="HTTPS via Route 53"];`);
    for (const e of d.edges) {
        const style = e.kind === "alarms" ? ' [style=dotted, color="#b03030", label="alarms"]' : e.kind === "control" ? ' [style=dashed, color="#555555"]' : ' [penwidth=1.6]';
        lines.push(`  ${ids.get(e.from)} -> ${ids.get(e.to)}${style};`);
    }
    lines.push("}");
    return lines.join("\n");
}
