/**
 * Metric descriptions shared by components, alarms and dashboards.
 *
 * Components expose `metricXxx(options?)` helpers that return a {@link MetricSpec}
 * with the resource's dimensions already set. Alarms (alarms.ts) and the
 * dashboard are built only from these specs, so a dimension can't be forgotten.
 */
import * as pulumi from "@pulumi/pulumi";

export type Statistic = "Average" | "Sum" | "Minimum" | "Maximum" | "SampleCount";

/** One CloudWatch metric with its dimensions. */
export interface MetricSpec {
    readonly kind: "metric";
    readonly namespace: string;
    readonly metricName: string;
    readonly dimensions: Record<string, pulumi.Input<string>>;
    /** Plain statistic; ignored when `extendedStatistic` is set. @default "Average" */
    readonly statistic: Statistic;
    /** Percentile such as "p99". @default - none */
    readonly extendedStatistic?: string;
    /** @default 60 */
    readonly periodSeconds: number;
    readonly label?: string;
    readonly unit?: string;
}

/** Metric math over named metrics (ids must start with a lower-case letter). */
export interface MetricExpressionSpec {
    readonly kind: "expression";
    readonly expression: string;
    readonly metrics: Record<string, MetricSpec>;
    readonly label: string;
    /** @default 60 */
    readonly periodSeconds: number;
}

export type AnyMetric = MetricSpec | MetricExpressionSpec;

/** Options every `metricXxx(options?)` helper accepts. */
export interface MetricOptions {
    readonly statistic?: Statistic;
    readonly extendedStatistic?: string;
    readonly periodSeconds?: number;
    readonly label?: string;
}

/** Builds a MetricSpec; options override the helper's defaults. */
export function metric(namespace: string, metricName: string, dimensions: Record<string, pulumi.Input<string>>, defaults: MetricOptions & { unit?: string } = {}, options: MetricOptions = {}): MetricSpec {
    const extendedStatistic = options.extendedStatistic ?? (options.statistic ? undefined : defaults.extendedStatistic);
    return {
        kind: "metric",
        namespace,
        metricName,
        dimensions,
        statistic: options.statistic ?? defaults.statistic ?? "Average",
        extendedStatistic,
        periodSeconds: options.periodSeconds ?? defaults.periodSeconds ?? 60,
        label: options.label ?? defaults.label,
        unit: defaults.unit,
    };
}

/** Builds a metric-math expression, e.g. `expression("100*a/b", {a, b}, "Success %")`. */
export function expression(expr: string, metrics: Record<string, MetricSpec>, label: string, periodSeconds?: number): MetricExpressionSpec {
    for (const id of Object.keys(metrics)) {
        if (!/^[a-z][a-zA-Z0-9_]*$/.test(id)) {
            throw new Error(`metric expression ids must start with a lower-case letter and contain only letters, digits and _ (received "${id}").`);
        }
    }
    return { kind: "expression", expression: expr, metrics, label, periodSeconds: periodSeconds ?? Object.values(metrics)[0]?.periodSeconds ?? 60 };
}
