/**
 * Alarms built from metric helpers, routed to on-call by severity.
 *
 * Naming: `<stack>-<component>-<condition>` (e.g. `prod-stream-iterator-age`).
 * Every alarm carries alarm and OK actions for its severity and a description
 * that ends with its runbook location (`docs/runbooks/<runbook>.md`).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { AnyMetric, MetricSpec } from "./metrics";

export type Severity = "page" | "ticket";

/** SNS topic ARNs per severity (built by the on-call component). */
export interface AlarmRouting {
    readonly page: pulumi.Input<string>[];
    readonly ticket: pulumi.Input<string>[];
}

/** Per-alarm overrides a component's user can pass. */
export interface AlarmOverride {
    /** @default true */
    readonly enabled?: boolean;
    /** The threshold; for an anomaly detection alarm, the band width in standard deviations. */
    readonly threshold?: number;
    readonly evaluationPeriods?: number;
    readonly datapointsToAlarm?: number;
    readonly severity?: Severity;
}

/** The `alarms` argument every component accepts. */
export interface AlarmSettings {
    /** Create the component's alarms at all. @default true */
    readonly enabled?: boolean;
    /** Where alarms go. @default - alarms are created without actions (the policy pack flags this) */
    readonly routing?: AlarmRouting;
    /** Prefix of alarm names. @default - `${pulumi.getStack()}-${componentName}` */
    readonly namePrefix?: string;
    /** Base of runbook links in alarm descriptions. @default "docs/runbooks" */
    readonly runbookBaseUrl?: string;
    /** Overrides keyed by alarm condition (e.g. "iterator-age"). */
    readonly overrides?: Record<string, AlarmOverride>;
}

export type Comparison = "GreaterThanOrEqualToThreshold" | "GreaterThanThreshold" | "LessThanThreshold" | "LessThanOrEqualToThreshold";

/** Comparisons against an anomaly detection band (the band's edges instead of a fixed threshold). */
export type BandComparison = "LessThanLowerThreshold" | "GreaterThanUpperThreshold" | "LessThanLowerOrGreaterThanUpperThreshold";

/** What every alarm definition declares, whatever it compares against. */
export interface AlarmBasics {
    /** Kebab-case condition; the alarm name ends with it and overrides are keyed by it. */
    readonly condition: string;
    readonly severity: Severity;
    /** Runbook file name under docs/runbooks without extension (the alarm class). */
    readonly runbook: string;
    /** One sentence: what is wrong when this fires. */
    readonly description: string;
    /** @default 1 */
    readonly evaluationPeriods?: number;
    readonly datapointsToAlarm?: number;
    /** @default "notBreaching" */
    readonly treatMissingData?: "missing" | "ignore" | "breaching" | "notBreaching";
}

/**
 * An alarm on a metric against its own recent level: CloudWatch trains an
 * anomaly detection model on the metric (`ANOMALY_DETECTION_BAND(m1, width)`)
 * and the alarm fires when the metric leaves the band on the compared side.
 */
export interface AnomalyAlarmDefinition extends AlarmBasics {
    /** A plain metric (anomaly detection does not apply to metric math). */
    readonly metric: MetricSpec;
    /** Band width in standard deviations, > 0. */
    readonly bandWidth: number;
    readonly comparison: BandComparison;
}

/** What a component declares for one alarm. */
export interface AlarmDefinition extends AlarmBasics {
    readonly metric: AnyMetric;
    readonly threshold: number;
    readonly comparison: Comparison;
}

/** Every runbook an alarm may reference; tests check each file exists. */
export const RUNBOOKS = [
    "stream-iterator-age",
    "stream-throttling",
    "stream-capacity",
    "stream-put-errors",
    "ingestion-errors",
    "ingestion-latency",
    "ingestion-capacity",
    "ingestion-abuse",
    "dns-health",
    "consumer-errors",
    "database",
    "lake-freshness",
    "workflow-failures",
    "api-errors",
    "ingestion-path-degraded",
    "traffic-drop",
    "lake-transform",
    "pond-freshness",
    "alerts-outbox",
    "source-connector",
    "scoring-endpoint",
    "model-training",
] as const;
export type Runbook = (typeof RUNBOOKS)[number];

function metricQuery(id: string, spec: MetricSpec, returnData: boolean): aws.types.input.cloudwatch.MetricAlarmMetricQuery {
    return {
        id,
        returnData,
        metric: {
            namespace: spec.namespace,
            metricName: spec.metricName,
            dimensions: spec.dimensions,
            period: spec.periodSeconds,
            stat: spec.extendedStatistic ?? spec.statistic,
            unit: spec.unit,
        },
    };
}

/**
 * Creates one alarm from a definition, applying the user's settings.
 * Returns undefined when the alarm (or all alarms) are disabled.
 */
export function createAlarm(parent: pulumi.Resource, componentName: string, def: AlarmDefinition | AnomalyAlarmDefinition, settings: AlarmSettings = {}): aws.cloudwatch.MetricAlarm | undefined {
    if (settings.enabled === false) return undefined;
    const o = settings.overrides?.[def.condition] ?? {};
    if (o.enabled === false) return undefined;
    const severity = o.severity ?? def.severity;
    const prefix = settings.namePrefix ?? `${pulumi.getStack()}-${componentName}`;
    const alarmName = `${prefix}-${def.condition}`;
    const runbookBase = settings.runbookBaseUrl ?? "docs/runbooks";
    const actions = settings.routing ? settings.routing[severity] : [];
    const common = {
        name: alarmName,
        alarmDescription: `${def.description} Severity: ${severity}. Runbook: ${runbookBase}/${def.runbook}.md`,
        comparisonOperator: def.comparison,
        evaluationPeriods: o.evaluationPeriods ?? def.evaluationPeriods ?? 1,
        datapointsToAlarm: o.datapointsToAlarm ?? def.datapointsToAlarm,
        treatMissingData: def.treatMissingData ?? "notBreaching",
        alarmActions: actions,
        okActions: actions,
        actionsEnabled: true,
        tags: { Severity: severity, Runbook: def.runbook },
    };
    if ("bandWidth" in def) {
        const width = o.threshold ?? def.bandWidth;
        if (!(width > 0)) throw new Error(`${componentName}: the band width of alarm \`${def.condition}\` must be a number of standard deviations greater than 0 (received ${width}).`);
        return new aws.cloudwatch.MetricAlarm(
            `${componentName}-${def.condition}`,
            {
                ...common,
                thresholdMetricId: "band",
                metricQueries: [metricQuery("m1", def.metric, true), { id: "band", expression: `ANOMALY_DETECTION_BAND(m1, ${width})`, label: `${def.metric.metricName} expected range`, returnData: true }],
            },
            { parent },
        );
    }
    const m = def.metric;
    const threshold = o.threshold ?? def.threshold;
    if (m.kind === "metric") {
        return new aws.cloudwatch.MetricAlarm(
            `${componentName}-${def.condition}`,
            {
                ...common,
                threshold,
                namespace: m.namespace,
                metricName: m.metricName,
                dimensions: m.dimensions,
                period: m.periodSeconds,
                statistic: m.extendedStatistic ? undefined : m.statistic,
                extendedStatistic: m.extendedStatistic,
                unit: m.unit,
            },
            { parent },
        );
    }
    return new aws.cloudwatch.MetricAlarm(
        `${componentName}-${def.condition}`,
        {
            ...common,
            threshold,
            metricQueries: [...Object.entries(m.metrics).map(([id, spec]) => metricQuery(id, spec, false)), { id: "e1", expression: m.expression, label: m.label, returnData: true }],
        },
        { parent },
    );
}

/** Creates every alarm of a definition list; returns those created. */
export function createAlarms(parent: pulumi.Resource, componentName: string, defs: (AlarmDefinition | AnomalyAlarmDefinition)[], settings: AlarmSettings = {}): aws.cloudwatch.MetricAlarm[] {
    return defs.map((d) => createAlarm(parent, componentName, d, settings)).filter((a): a is aws.cloudwatch.MetricAlarm => a !== undefined);
}
