/**
 * A CloudWatch dashboard built only from the components' metric helpers, so every
 * widget names real resources with their dimensions.
 *
 * Creates: aws.cloudwatch.Dashboard.
 *
 * Cross-account: the dashboard lives in one account (the ingestion account in this
 * platform); widgets showing another account's metrics carry that account's id
 * (`accountId` in the widget properties), which requires CloudWatch cross-account
 * observability (the monitoring account linked to the source accounts).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { AnyMetric, MetricSpec } from "../common/metrics";
import { validator } from "../common/validation";

export interface DashboardWidget {
    readonly title: string;
    readonly metrics: AnyMetric[];
    /** Account the metrics belong to. @default - the dashboard's account */
    readonly accountId?: pulumi.Input<string>;
    /** Horizontal annotations, e.g. provisioned capacity. @default [] */
    readonly annotations?: { label: string; value: pulumi.Input<number> }[];
    /** @default "timeSeries" */
    readonly view?: "timeSeries" | "singleValue";
    /** Grid width 1..24. @default 12 */
    readonly width?: number;
    /** @default 6 */
    readonly height?: number;
}

export interface DashboardSection {
    readonly title: string;
    readonly widgets: DashboardWidget[];
}

export interface DashboardArgs {
    /** @default - `${stack}-flightstream` */
    readonly dashboardName?: string;
    /** Region of the metrics (widgets need it). */
    readonly region: pulumi.Input<string>;
    readonly sections: DashboardSection[];
}

type Row = unknown[];

function metricRow(spec: MetricSpec, id: string, visible: boolean, accountId: string | undefined, dims: Record<string, string>): Row {
    const row: Row = [spec.namespace, spec.metricName];
    for (const [k, v] of Object.entries(dims)) row.push(k, v);
    row.push({
        id,
        stat: spec.extendedStatistic ?? spec.statistic,
        period: spec.periodSeconds,
        ...(spec.label ? { label: spec.label } : {}),
        ...(visible ? {} : { visible: false }),
        ...(accountId ? { accountId } : {}),
    });
    return row;
}

/** Resolves all dimension values of a metric list (Outputs) into plain rows. */
function rows(metrics: AnyMetric[], accountId: pulumi.Input<string> | undefined): pulumi.Output<Row[]> {
    const resolved = metrics.map((m, i) => {
        if (m.kind === "metric") {
            return pulumi.all([pulumi.output(m.dimensions), pulumi.output(accountId)]).apply(([d, a]) => [metricRow(m, `m${i}`, true, a, d as Record<string, string>)]);
        }
        const inner = Object.entries(m.metrics).map(([id, spec]) => pulumi.all([pulumi.output(spec.dimensions), pulumi.output(accountId)]).apply(([d, a]) => metricRow(spec, id, false, a, d as Record<string, string>)));
        return pulumi.all(inner).apply((rs) => [...rs, [{ expression: m.expression, label: m.label, id: `e${i}` }]]);
    });
    return pulumi.all(resolved).apply((groups) => groups.flat());
}

export class Dashboard extends pulumi.ComponentResource {
    readonly dashboard: aws.cloudwatch.Dashboard;
    /** The dashboard body (JSON) for tests and reviews. */
    readonly body: pulumi.Output<string>;

    constructor(name: string, args: DashboardArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("flightstream:oncall:Dashboard", name, {}, opts);
        const v = validator("Dashboard", name);
        v.check("sections", Array.isArray(args.sections) && args.sections.length > 0, "a non-empty list of sections", args.sections);
        args.sections.forEach((s, i) =>
            s.widgets.forEach((w, j) => {
                v.check(`sections[${i}].widgets[${j}].metrics`, w.metrics.length > 0, "a non-empty list of metrics", w.metrics);
                v.intRange(`sections[${i}].widgets[${j}].width`, w.width, 1, 24);
            }),
        );

        const widgets: pulumi.Output<object>[] = [];
        let y = 0;
        for (const section of args.sections) {
            widgets.push(pulumi.output({ type: "text", x: 0, y, width: 24, height: 1, properties: { markdown: `## ${section.title}` } }));
            y += 1;
            let x = 0;
            let rowHeight = 0;
            for (const w of section.widgets) {
                const width = w.width ?? 12;
                const height = w.height ?? 6;
                if (x + width > 24) {
                    x = 0;
                    y += rowHeight;
                    rowHeight = 0;
                }
                const pos = { x, y, width, height };
                widgets.push(
                    pulumi.all([rows(w.metrics, w.accountId), pulumi.output(args.region), pulumi.output((w.annotations ?? []).map((a) => pulumi.output(a.value)))]).apply(([metrics, region, values]) => ({
                        type: "metric",
                        ...pos,
                        properties: {
                            title: w.title,
                            view: w.view ?? "timeSeries",
                            region,
                            metrics,
                            ...(w.annotations && w.annotations.length > 0 ? { annotations: { horizontal: w.annotations.map((a, k) => ({ label: a.label, value: values[k] })) } } : {}),
                        },
                    })),
                );
                x += width;
                rowHeight = Math.max(rowHeight, height);
            }
            y += rowHeight;
        }
        this.body = pulumi.all(widgets).apply((ws) => JSON.stringify({ widgets: ws }));
        this.dashboard = new aws.cloudwatch.Dashboard(
            `${name}`,
            {
                dashboardName: args.dashboardName ?? `${pulumi.getStack()}-flightstream`,
                dashboardBody: this.body,
            },
            { parent: this },
        );
        this.registerOutputs({ dashboard: this.dashboard });
    }
}
