/**
 * Composite alarm "ingestion path degraded": ORs the alarms of the ingestion
 * service, the stream and the consumers that live in the same account (a
 * composite alarm can only reference alarms of its own account and region),
 * and pages with OK actions.
 *
 * Creates: aws.cloudwatch.CompositeAlarm.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { AlarmRouting } from "../common/alarms";
import { validator } from "../common/validation";

export interface IngestionPathAlarmArgs {
    /** Alarms whose ALARM state means the ingestion path is degraded (same account). */
    readonly alarms: aws.cloudwatch.MetricAlarm[];
    readonly routing: AlarmRouting;
    /** @default - `${stack}-ingestion-path-degraded` */
    readonly alarmName?: string;
    /** @default "docs/runbooks" */
    readonly runbookBaseUrl?: string;
}

export class IngestionPathAlarm extends pulumi.ComponentResource {
    readonly alarm: aws.cloudwatch.CompositeAlarm;

    constructor(name: string, args: IngestionPathAlarmArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("flightstream:oncall:IngestionPathAlarm", name, {}, opts);
        const v = validator("IngestionPathAlarm", name);
        v.check("alarms", args.alarms.length > 0 && args.alarms.length <= 100, "a list of 1 to 100 alarms (a composite rule holds at most 100 terms)", args.alarms.length);
        const rule = pulumi.all(args.alarms.map((a) => a.name)).apply((names) => names.map((n) => `ALARM("${n}")`).join(" OR "));
        this.alarm = new aws.cloudwatch.CompositeAlarm(
            `${name}`,
            {
                alarmName: args.alarmName ?? `${pulumi.getStack()}-ingestion-path-degraded`,
                alarmDescription: `The ingestion path (service, stream or consumers) is degraded: one of its alarms is in ALARM. Severity: page. Runbook: ${args.runbookBaseUrl ?? "docs/runbooks"}/ingestion-path-degraded.md`,
                alarmRule: rule,
                alarmActions: args.routing.page,
                okActions: args.routing.page,
                actionsEnabled: true,
            },
            { parent: this },
        );
        this.registerOutputs({ alarm: this.alarm });
    }
}
