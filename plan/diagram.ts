/**
 * Architecture diagram generated from a plan: every component labelled with the
 * AWS services its resources belong to (derived from the planned resource types,
 * `AWS_SERVICES`), accounts drawn as clusters, data-flow edges derived from the
 * wiring between components (a component whose resources reference another
 * component's ARNs or names is connected to it; the arrow follows the data path,
 * ranked below) and labelled with what flows (`FLOWS`), and a legend.
 */
import { PlannedResource, ProgramResult } from "./engine";

/** Position of a component type on the data path; edges point from lower to higher rank. */
const FLOW_RANK: [RegExp, number, string][] = [
    [/:ScheduledSource$/, 1, "source connector"],
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

/**
 * AWS service of each Pulumi resource type, by module (and type where one module
 * holds several services). The first match wins.
 */
export const AWS_SERVICES: [RegExp, string][] = [
    [/^aws:kinesis\/firehoseDeliveryStream:/, "Firehose"],
    [/^aws:kinesis\//, "Kinesis Data Streams"],
    [/^aws:lb\//, "ALB"],
    [/^aws:ecs\//, "ECS Fargate"],
    [/^aws:ecr\//, "ECR"],
    [/^docker-build:/, "ECR"],
    [/^aws:route53\//, "Route 53"],
    [/^aws:wafv2\//, "WAF"],
    [/^aws:acm\//, "ACM"],
    [/^aws:s3\//, "S3"],
    [/^aws:glue\//, "Glue"],
    [/^aws:athena\//, "Athena"],
    [/^aws:rds\//, "Aurora Serverless v2"],
    [/^aws:apigatewayv2\//, "API Gateway"],
    [/^aws:lambda\//, "Lambda"],
    [/^aws:sfn\//, "Step Functions"],
    [/^aws:scheduler\//, "EventBridge Scheduler"],
    [/^aws:cloudwatch\/(eventRule|eventTarget|eventBus)/, "EventBridge"],
    [/^aws:sns\//, "SNS"],
    [/^aws:sqs\//, "SQS"],
    [/^aws:sagemaker\//, "SageMaker"],
    [/^aws:oam\//, "CloudWatch OAM"],
    [/^aws:cloudwatch\//, "CloudWatch"],
    [/^aws:kms\//, "KMS"],
    [/^aws:secretsmanager\//, "Secrets Manager"],
    [/^aws:ssm\//, "SSM"],
    [/^aws:appautoscaling\//, "Auto Scaling"],
    [/^aws:(ec2|vpc)\//, "VPC"],
    [/^aws:iam\//, "IAM"],
];

/** Services every component uses around its main ones (shown on a second line). */
const SUPPORTING = new Set(["IAM", "KMS", "CloudWatch", "VPC", "Secrets Manager", "SSM", "Auto Scaling", "ACM"]);

export function serviceOf(type: string): string | undefined {
    return AWS_SERVICES.find(([re]) => re.test(type))?.[1];
}

/**
 * What flows on a data edge, by the component types at its ends (after ranking):
 * the label, and `reverse` when the data flows against the reference (the
 * reader references the store it reads).
 */
const FLOWS: [RegExp, RegExp, string, boolean?][] = [
    [/:IngestionService$/, /:KinesisStream$/, "events: KPL aggregates of compressed frames (PutRecords)"],
    [/:ScheduledSource$/, /:KinesisStream$/, "flight_status events as frames (PutRecords)"],
    [/:KinesisStream$/, /:LakeDelivery$/, "aggregates (Firehose Kinesis source)"],
    [/:KinesisStream$/, /:StreamProcessor$/, "aggregates (event source mapping, enhanced fan-out)"],
    [/:KinesisStream$/, /:StreamConsumer$/, "aggregates (event source mapping)"],
    [/:StreamConsumer$/, /:KinesisStream$/, "derived events (PutRecords)"],
    [/:LakeDelivery$/, /:DataLake$/, "gzip JSON lines by type/dt/hour"],
    [/:DataLake$/, /:PondEtl$/, "JSON lines (Athena scan)"],
    [/:PondEtl$/, /:Pond$/, "Parquet (Athena UNLOAD)"],
    [/:PondEtl$/, /:LakeCatalog$/, "Glue table (query)", true],
    [/:DataLake$/, /:LakeCatalog$/, "table location data/"],
    [/:DataLake$/, /:Pond$/, "JSON lines (raw-lake readers)"],
    [/:DataLake$/, /:ModelTraining$/, "JSON lines; model artifacts back"],
    [/:ModelTraining$/, /:LakeCatalog$/, "Glue table (Athena query)", true],
    [/:DataLake$/, /:InsightsApi$/, "forecast artifact (S3)"],
    [/:DataLake$/, /:ScoringEndpoint$/, "model artifact (S3)"],
    [/:StreamProcessor$/, /:DataLake$/, "forecast artifact (S3)", true],
    [/:StreamProcessor$/, /:AuroraDatabase$/, "rows: aggregates, claims, state (Data API)"],
    [/:StreamProcessor$/, /:ScoringEndpoint$/, "offers to score (InvokeEndpoint)"],
    [/:StreamProcessor$/, /:AlertDelivery$/, "alerts (SNS, EventBridge)"],
    [/:AuroraDatabase$/, /:InsightsApi$/, "SQL reads (Data API)"],
    [/:AuroraDatabase$/, /:SchemaMigrations$/, "SQL migrations (Data API)", true],
];

function flowOf(fromType: string, toType: string): { label: string; reverse: boolean } | undefined {
    const f = FLOWS.find(([a, b]) => a.test(fromType) && b.test(toType));
    return f ? { label: f[2], reverse: f[3] === true } : undefined;
}

/** Label of a data edge whose payload FLOWS does not name (shown as such in the legend). */
export const UNNAMED_FLOW = "references";

function esc(s: string): string {
    return s.replace(/\\/g, "\\\\").replace(/"/g, '\\"');
}

export interface DiagramNode {
    readonly id: string;
    readonly label: string;
    readonly account: string;
    readonly resources: number;
    /** The AWS services of its resources, main ones first (from the planned resource types). */
    readonly services: string[];
    /** The supporting services (IAM, KMS, CloudWatch...) among `services`. */
    readonly supporting: string[];
}

export interface DiagramEdge {
    readonly from: string;
    readonly to: string;
    readonly kind: "data" | "alarms" | "control";
    /** What flows (data edges), `UNNAMED_FLOW` when the generator does not know. */
    readonly label?: string;
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

/** Whether `text` holds `id` as a whole token (not inside a longer name such as `<id>-role`). */
function mentions(text: string, id: string): boolean {
    const word = /[A-Za-z0-9_-]/;
    for (let i = text.indexOf(id); i >= 0; i = text.indexOf(id, i + 1)) {
        const before = i > 0 ? text[i - 1] : "";
        const after = text[i + id.length] ?? "";
        if (!word.test(before) && !word.test(after)) return true;
    }
    return false;
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
    const nodes: DiagramNode[] = components.map((c) => {
        const found = new Map<string, number>();
        for (const r of members.get(c.urn) ?? []) {
            const svc = serviceOf(r.type);
            if (svc) found.set(svc, (found.get(svc) ?? 0) + 1);
        }
        const order = (a: string, b: string) => AWS_SERVICES.findIndex(([, s]) => s === a) - AWS_SERVICES.findIndex(([, s]) => s === b);
        const all = [...found.keys()].sort(order);
        const main = all.filter((s) => !SUPPORTING.has(s));
        const supporting = all.filter((s) => SUPPORTING.has(s));
        return {
            id: c.urn,
            label: `${c.type.split(":").pop()}\\n${c.name}`,
            account: c.accountName ?? "unknown",
            resources: members.get(c.urn)?.length ?? 0,
            services: main.length > 0 ? [...main, ...supporting] : supporting,
            supporting: main.length > 0 ? supporting : [],
        };
    });
    const accounts: Record<string, string> = {};
    for (const r of result.resources) if (r.accountName && r.account && r.accountName !== "multiple") accounts[r.accountName] = r.account;

    // Keys are not data: a component encrypting with another's key does not exchange data with it.
    // An identifier two components produce (a dataset's table name in every pond) names neither.
    const owner = new Map<string, string>();
    const ambiguous = new Set<string>();
    for (const [urn, rs] of members) {
        for (const r of rs) {
            if (/^aws:kms\//.test(r.type)) continue;
            for (const id of identifiers(r)) {
                if (owner.has(id) && owner.get(id) !== urn) ambiguous.add(id);
                owner.set(id, urn);
            }
        }
    }
    for (const id of ambiguous) owner.delete(id);
    const edgeSet = new Map<string, DiagramEdge>();
    for (const [urn, rs] of members) {
        const text = JSON.stringify(rs.map((r) => r.inputs));
        for (const [id, other] of owner) {
            if (other === urn || !mentions(text, id)) continue;
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
            let label: string | undefined;
            if (kind === "data") {
                // A consumer reads the stream its event source mapping names; otherwise it writes to it.
                const stream = /:KinesisStream$/.test(a.type) ? a : /:KinesisStream$/.test(b.type) ? b : undefined;
                const other = stream === a ? b : a;
                if (stream && /:(StreamConsumer|ScheduledSource)$/.test(other.type)) {
                    const streamIds = [...owner].filter(([, u]) => u === stream.urn).map(([i]) => i);
                    const reads = (members.get(other.urn) ?? []).some((r) => /^aws:lambda\/eventSourceMapping:/.test(r.type) && streamIds.some((i) => mentions(JSON.stringify(r.inputs), i)));
                    [from, to] = reads ? [stream, other] : [other, stream];
                }
                const flow = flowOf(from.type, to.type);
                if (flow?.reverse) [from, to] = [to, from];
                label = flow?.label ?? UNNAMED_FLOW;
            }
            edgeSet.set(`${from.urn}->${to.urn}`, { from: from.urn, to: to.urn, kind, ...(label !== undefined ? { label } : {}) });
        }
    }
    return { nodes, edges: [...edgeSet.values()], accounts };
}

/** The node text: main AWS services, component class and name, supporting services and resource count. */
export function nodeText(n: DiagramNode): string[] {
    const main = n.services.filter((x) => !n.supporting.includes(x));
    return [main.join(" + "), n.label.replace(/\\n/g, " "), `${n.supporting.length > 0 ? `+ ${n.supporting.join(", ")} · ` : ""}${n.resources} resources`];
}

/** What the legend says (also asserted by the tests). */
export const LEGEND = {
    title: "Legend",
    node: "box: AWS service(s) / component class and name / + supporting services · resources",
    data: "data flow, labelled with what flows",
    control: "workflow acting on a resource (Step Functions)",
    alarms: "alarms routed to on-call (CloudWatch → SNS)",
    account: "dashed group: one AWS account",
    unnamed: `"${UNNAMED_FLOW}": wiring whose payload the generator does not name`,
} as const;

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
        for (const n of ns) lines.push(`    ${ids.get(n.id)} [label="${nodeText(n).map(esc).join("\\n")}"];`);
        lines.push("  }");
    }
    const ingestion = d.nodes.find((n) => /^IngestionService/.test(n.label));
    if (ingestion) lines.push(`  clients -> ${ids.get(ingestion.id)} [label="events over HTTPS (Route 53 → ALB)", penwidth=1.6];`);
    for (const e of d.edges) {
        const style =
            e.kind === "alarms"
                ? ' [style=dotted, color="#b03030", label="alarms"]'
                : e.kind === "control"
                  ? ' [style=dashed, color="#555555"]'
                  : ` [penwidth=1.6, label="${esc(e.label ?? UNNAMED_FLOW)}"${e.label === UNNAMED_FLOW ? ', color="#8a8a8a", fontcolor="#8a8a8a"' : ""}]`;
        lines.push(`  ${ids.get(e.from)} -> ${ids.get(e.to)}${style};`);
    }
    lines.push("  subgraph cluster_legend {");
    lines.push(`    label="${LEGEND.title}"; labeljust=l; style="rounded"; color="#333333"; fontsize=12;`);
    lines.push('    node [shape=plaintext, style="", fillcolor="", fontsize=10];');
    lines.push(`    legend_node [shape=box, style="rounded,filled", fillcolor="#eef4ff", label="${esc(LEGEND.node)}"];`);
    lines.push(`    legend_account [shape=box, style="rounded,dashed", color="#7a8ca8", label="${esc(LEGEND.account)}"];`);
    const keys: [keyof typeof LEGEND, string][] = [
        ["data", "penwidth=1.6"],
        ["control", 'style=dashed, color="#555555"'],
        ["alarms", 'style=dotted, color="#b03030"'],
    ];
    if (d.edges.some((e) => e.label === UNNAMED_FLOW)) keys.push(["unnamed", 'penwidth=1.6, color="#8a8a8a"']);
    for (const [k, style] of keys) {
        lines.push(`    legend_${k}_a [label=""]; legend_${k}_b [label="${esc(LEGEND[k])}"];`);
        lines.push(`    legend_${k}_a -> legend_${k}_b [${style}];`);
    }
    lines.push("  }");
    lines.push("}");
    return lines.join("\n");
}
