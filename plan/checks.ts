/**
 * Whole-plan checks for on-call: every alarm reaches someone, watches a resource
 * of the stack, and links a runbook that exists; the dashboard shows only metrics
 * of resources in the stack. Used by tests and by `scripts/alarms-doc.ts`.
 */
import * as fs from "fs";
import * as path from "path";
import { PlannedResource, ProgramResult } from "./engine";

/** Dimensions whose values qualify a metric rather than name a resource. */
export const QUALIFIER_DIMENSIONS = ["StorageType", "service", "Stage", "Resource", "Method", "FilterId"];

export const ALARM_TYPES = ["aws:cloudwatch/metricAlarm:MetricAlarm", "aws:cloudwatch/compositeAlarm:CompositeAlarm"];
const ROOT = path.join(__dirname, "..");

/** Every string value anywhere in the resources' outputs (ids, names, ARNs, arnSuffixes...). */
export function stackIdentifiers(result: ProgramResult): Set<string> {
    const out = new Set<string>();
    const walk = (v: unknown) => {
        if (typeof v === "string") out.add(v);
        else if (Array.isArray(v)) v.forEach(walk);
        else if (v && typeof v === "object") Object.values(v).forEach(walk);
    };
    for (const r of result.resources) {
        if (!r.custom || ALARM_TYPES.includes(r.type)) continue;
        walk(r.outputs);
    }
    return out;
}

export interface AlarmSummary {
    readonly name: string;
    readonly account: string | null;
    readonly accountName: string | null;
    readonly type: "metric" | "composite";
    readonly metric: string;
    readonly condition: string;
    readonly severity: string;
    readonly runbook: string | null;
    readonly dimensions: Record<string, string>;
    readonly actions: string[];
    readonly okActions: string[];
    readonly description: string;
}

const OPS: Record<string, string> = {
    GreaterThanOrEqualToThreshold: ">=",
    GreaterThanThreshold: ">",
    LessThanThreshold: "<",
    LessThanOrEqualToThreshold: "<=",
};

export function alarmsOf(result: ProgramResult): AlarmSummary[] {
    return result.resources.filter((r) => ALARM_TYPES.includes(r.type)).map((r) => summarize(r));
}

function summarize(r: PlannedResource): AlarmSummary {
    const i = r.inputs;
    const description: string = i.alarmDescription ?? "";
    const runbook = /Runbook: (\S+\.md)\s*$/.exec(description)?.[1] ?? null;
    const severity = /Severity: (\w+)\./.exec(description)?.[1] ?? i.tags?.Severity ?? "unknown";
    if (r.type === "aws:cloudwatch/compositeAlarm:CompositeAlarm") {
        return {
            name: i.alarmName,
            account: r.account,
            accountName: r.accountName,
            type: "composite",
            metric: "composite",
            condition: i.alarmRule,
            severity,
            runbook,
            dimensions: {},
            actions: i.alarmActions ?? [],
            okActions: i.okActions ?? [],
            description,
        };
    }
    let metric: string;
    let dimensions: Record<string, string> = {};
    if (i.thresholdMetricId) {
        // Anomaly detection: the metric against the band its model expects.
        const qs = i.metricQueries as any[];
        const m = qs.find((q) => q.metric)?.metric ?? {};
        const band = qs.find((q) => q.id === i.thresholdMetricId)?.expression ?? "";
        const width = /ANOMALY_DETECTION_BAND\(\w+,\s*([\d.]+)\)/.exec(band)?.[1] ?? "?";
        const side: Record<string, string> = { LessThanLowerThreshold: "below", GreaterThanUpperThreshold: "above", LessThanLowerOrGreaterThanUpperThreshold: "outside" };
        metric = `${m.namespace} ${m.metricName} (${m.stat}, ${m.period} s)`;
        const condition = `${side[i.comparisonOperator] ?? i.comparisonOperator} its anomaly detection band (${width} standard deviations) for ${i.datapointsToAlarm ? `${i.datapointsToAlarm} of ` : ""}${i.evaluationPeriods} period(s)`;
        return { name: i.name, account: r.account, accountName: r.accountName, type: "metric", metric, condition, severity, runbook, dimensions: m.dimensions ?? {}, actions: i.alarmActions ?? [], okActions: i.okActions ?? [], description };
    }
    if (i.metricQueries) {
        const qs = i.metricQueries as any[];
        const expr = qs.find((q) => q.expression);
        metric = `${expr?.expression ?? "expression"} where ${qs
            .filter((q) => q.metric)
            .map((q) => `${q.id} = ${q.metric.namespace} ${q.metric.metricName} (${q.metric.stat}, ${q.metric.period} s)`)
            .join(", ")}`;
        for (const q of qs) if (q.metric?.dimensions) dimensions = { ...dimensions, ...q.metric.dimensions };
    } else {
        metric = `${i.namespace} ${i.metricName} (${i.extendedStatistic ?? i.statistic}, ${i.period} s)`;
        dimensions = i.dimensions ?? {};
    }
    const condition = `${OPS[i.comparisonOperator] ?? i.comparisonOperator} ${i.threshold} for ${i.datapointsToAlarm ? `${i.datapointsToAlarm} of ` : ""}${i.evaluationPeriods} period(s)`;
    return { name: i.name, account: r.account, accountName: r.accountName, type: "metric", metric, condition, severity, runbook, dimensions, actions: i.alarmActions ?? [], okActions: i.okActions ?? [], description };
}

/** Problems with alarms: no action, no OK action, dimensions naming nothing in the stack, missing runbook. */
export function alarmProblems(result: ProgramResult): string[] {
    const ids = stackIdentifiers(result);
    const problems: string[] = [];
    for (const a of alarmsOf(result)) {
        if (a.actions.length === 0) problems.push(`alarm ${a.name} has no alarm action`);
        if (a.okActions.length === 0) problems.push(`alarm ${a.name} has no OK action`);
        if (a.type === "metric" && Object.keys(a.dimensions).length === 0) problems.push(`alarm ${a.name} has no dimensions`);
        for (const [k, v] of Object.entries(a.dimensions)) {
            if (!QUALIFIER_DIMENSIONS.includes(k) && !ids.has(v)) problems.push(`alarm ${a.name} dimension ${k}=${v} names no resource of the stack`);
        }
        if (!a.runbook) problems.push(`alarm ${a.name} names no runbook`);
        else if (!fs.existsSync(path.join(ROOT, a.runbook))) problems.push(`alarm ${a.name} names a missing runbook ${a.runbook}`);
    }
    return problems;
}

/** Queues without a depth alarm: every SQS queue is a dead-letter or failure queue, and a message in it needs on-call. */
export function queueProblems(result: ProgramResult): string[] {
    const watched = new Set<string>();
    for (const r of result.resources.filter((x) => x.type === "aws:cloudwatch/metricAlarm:MetricAlarm")) {
        const i = r.inputs;
        const metrics = [{ namespace: i.namespace, metricName: i.metricName, dimensions: i.dimensions }, ...((i.metricQueries as any[]) ?? []).map((q) => q.metric ?? {})];
        for (const m of metrics) if (m.namespace === "AWS/SQS" && m.metricName === "ApproximateNumberOfMessagesVisible" && m.dimensions?.QueueName) watched.add(m.dimensions.QueueName);
    }
    return result.resources.filter((r) => r.type === "aws:sqs/queue:Queue" && !watched.has(r.outputs.name)).map((r) => `queue ${r.outputs.name ?? r.name} (${r.accountName ?? "?"}) has no alarm on ApproximateNumberOfMessagesVisible`);
}

/** Problems with dashboards: metrics whose dimension values name nothing in the stack. */
export function dashboardProblems(result: ProgramResult): string[] {
    const ids = stackIdentifiers(result);
    const problems: string[] = [];
    for (const d of result.resources.filter((r) => r.type === "aws:cloudwatch/dashboard:Dashboard")) {
        const body = JSON.parse(d.inputs.dashboardBody);
        for (const w of body.widgets) {
            if (w.type !== "metric") continue;
            for (const row of w.properties.metrics as unknown[][]) {
                if (typeof row[0] !== "string") continue;
                const dims = row.slice(2).filter((x) => typeof x === "string") as string[];
                if (dims.length === 0) problems.push(`dashboard ${d.name} widget "${w.properties.title}" metric ${row[0]} ${row[1]} has no dimensions`);
                for (let k = 0; k + 1 < dims.length; k += 2) {
                    if (!QUALIFIER_DIMENSIONS.includes(dims[k]) && !ids.has(dims[k + 1]))
                        problems.push(`dashboard ${d.name} widget "${w.properties.title}" metric ${row[0]} ${row[1]} dimension ${dims[k]}=${dims[k + 1]} names no resource of the stack`);
                }
            }
        }
    }
    return problems;
}

/** docs/alarms.md: every alarm with metric, threshold, severity, account and runbook. */
export function renderAlarmsDoc(result: ProgramResult, stack: string): string {
    const alarms = alarmsOf(result).sort((a, b) => a.name.localeCompare(b.name));
    return [
        `# Alarms (${stack})`,
        "",
        `Generated by \`npm run alarms-doc -- --stack ${stack}\` from the offline plan; do not edit by hand.`,
        `${alarms.length} alarms. Severity \`page\` goes to the page topic (a person now), \`ticket\` to the ticket topic (next working day).`,
        "Every alarm also sends its OK transition to the same topic.",
        "",
        "| alarm | account | metric | alarms when | severity | runbook |",
        "|---|---|---|---|---|---|",
        ...alarms.map(
            (a) =>
                `| \`${a.name}\` | ${a.accountName ?? "?"} | ${a.metric.replace(/\|/g, "\\|")}${Object.keys(a.dimensions).length ? ` [${Object.keys(a.dimensions).join(", ")}]` : ""} | ${a.condition.replace(/\|/g, "\\|")} | ${a.severity} | ${a.runbook ? `[${path.basename(a.runbook, ".md")}](${path.relative("docs", a.runbook)})` : "none"} |`,
        ),
        "",
    ].join("\n");
}

export const README_ALARMS_START = "<!-- alarms:start (generated by npm run alarms-doc) -->";
export const README_ALARMS_END = "<!-- alarms:end -->";

/** The compact alarm table README.md carries between its markers. */
export function renderReadmeAlarms(result: ProgramResult): string {
    const alarms = alarmsOf(result).sort((a, b) => a.name.localeCompare(b.name));
    return [
        README_ALARMS_START,
        "| alarm (prod) | alarms when | severity | runbook |",
        "|---|---|---|---|",
        ...alarms.map(
            (a) =>
                `| \`${a.name}\` | ${
                    a.type === "composite"
                        ? "any of its ingestion, stream and delivery alarms is in ALARM"
                        : `${a.metric
                              .replace(/^[\w/.]+ /, "")
                              .replace(/ where .*/, "")
                              .replace(/\|/g, "\\|")} ${a.condition}`
                } | ${a.severity} | ${a.runbook ? `[${path.basename(a.runbook, ".md")}](${a.runbook})` : "none"} |`,
        ),
        README_ALARMS_END,
    ].join("\n");
}

/** README.md with its alarm table replaced by the current one. */
export function withReadmeAlarms(readme: string, result: ProgramResult): string {
    const start = readme.indexOf(README_ALARMS_START);
    const end = readme.indexOf(README_ALARMS_END);
    if (start < 0 || end < start) throw new Error("README.md has no alarm table markers");
    return readme.slice(0, start) + renderReadmeAlarms(result) + readme.slice(end + README_ALARMS_END.length);
}
