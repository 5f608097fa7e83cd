/**
 * CloudWatch cross-account observability (Observability Access Manager): one
 * sink in the monitoring account (the ingestion account here, which holds the
 * stack dashboard and the composite alarm) and one link from every source
 * account, sharing metrics, logs and traces. Without them the dashboard's
 * widgets that carry another account's id stay empty.
 *
 * Creates: aws.oam.Sink and aws.oam.SinkPolicy (with the monitoring account's
 * provider: the component's), and one aws.oam.Link per source account (with
 * that account's provider, given per source). The sink policy admits exactly
 * the listed source accounts and only the listed resource types.
 *
 * A source account equal to the monitoring account is skipped (it sees its own
 * data; OAM refuses a link to a sink in the same account); at least one source
 * must be another account.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { policyDocument } from "../common/iam";
import { AWS_ACCOUNT_ID, validator } from "../common/validation";

/** Telemetry OAM can share. */
export const OAM_RESOURCE_TYPES = [
    "AWS::CloudWatch::Metric",
    "AWS::Logs::LogGroup",
    "AWS::XRay::Trace",
    "AWS::ApplicationInsights::Application",
    "AWS::InternetMonitor::Monitor",
    "AWS::ApplicationSignals::Service",
    "AWS::ApplicationSignals::ServiceLevelObjective",
] as const;
export type OamResourceType = (typeof OAM_RESOURCE_TYPES)[number];

export interface ObservabilitySource {
    /** Logical account name (used in resource names), e.g. "lake" or "pond-revenue". */
    readonly name: string;
    /** The source account's 12-digit id. */
    readonly accountId: string;
    /** Provider for the source account (the link is created there). */
    readonly provider: pulumi.ProviderResource;
}

export interface ObservabilityArgs {
    /** The monitoring account (where the sink lives; the component's provider must deploy there). */
    readonly monitoringAccountId: string;
    /** Accounts whose telemetry the monitoring account sees. */
    readonly sources: ObservabilitySource[];
    /** What the links share. @default ["AWS::CloudWatch::Metric", "AWS::Logs::LogGroup", "AWS::XRay::Trace"] */
    readonly resourceTypes?: OamResourceType[];
    /** @default - `${stack}-flightstream` */
    readonly sinkName?: string;
    /** How a source account is labelled in the monitoring account's consoles. @default "$AccountName" */
    readonly labelTemplate?: string;
}

export class Observability extends pulumi.ComponentResource {
    readonly sink: aws.oam.Sink;
    readonly sinkPolicy: aws.oam.SinkPolicy;
    /** Links keyed by source name (sources in the monitoring account are not linked). */
    readonly links: Record<string, aws.oam.Link> = {};
    readonly resourceTypes: OamResourceType[];

    constructor(name: string, args: ObservabilityArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("flightstream:oncall:Observability", name, {}, opts);
        const v = validator("Observability", name);
        v.pattern("monitoringAccountId", args.monitoringAccountId, AWS_ACCOUNT_ID, "a 12-digit AWS account id");
        args.sources.forEach((s, i) => {
            v.pattern(`sources[${i}].accountId`, s.accountId, AWS_ACCOUNT_ID, "a 12-digit AWS account id");
            v.pattern(`sources[${i}].name`, s.name, /^[a-z][a-z0-9-]{0,62}$/, "a lower-case name of letters, digits and dashes");
        });
        const names = args.sources.map((s) => s.name);
        v.check("sources", new Set(names).size === names.length, "a list of sources with distinct names", names);
        const types = args.resourceTypes ?? ["AWS::CloudWatch::Metric", "AWS::Logs::LogGroup", "AWS::XRay::Trace"];
        v.check("resourceTypes", types.length > 0, "a non-empty list of OAM resource types", types);
        types.forEach((t, i) => v.oneOf(`resourceTypes[${i}]`, t, OAM_RESOURCE_TYPES as unknown as string[]));
        this.resourceTypes = types;

        const linked = args.sources.filter((s) => s.accountId !== args.monitoringAccountId);
        v.check("sources", linked.length > 0, "a list naming at least one account other than the monitoring account", names);
        const sourceAccounts = [...new Set(linked.map((s) => s.accountId))];
        this.sink = new aws.oam.Sink(`${name}-sink`, { name: args.sinkName ?? `${pulumi.getStack()}-flightstream` }, { parent: this });
        this.sinkPolicy = new aws.oam.SinkPolicy(
            `${name}-sink-policy`,
            {
                sinkIdentifier: this.sink.arn,
                policy: policyDocument([
                    {
                        Sid: "SourceAccountsLink",
                        Effect: "Allow",
                        Principal: { AWS: sourceAccounts },
                        Action: ["oam:CreateLink", "oam:UpdateLink"],
                        Resource: "*",
                        Condition: { "ForAllValues:StringEquals": { "oam:ResourceTypes": types } },
                    },
                ]),
            },
            { parent: this },
        );
        for (const s of linked) {
            this.links[s.name] = new aws.oam.Link(
                `${name}-link-${s.name}`,
                {
                    sinkIdentifier: this.sink.arn,
                    labelTemplate: args.labelTemplate ?? "$AccountName",
                    resourceTypes: types,
                },
                { parent: this, provider: s.provider, dependsOn: [this.sinkPolicy] },
            );
        }
        this.registerOutputs({ sink: this.sink, sinkPolicy: this.sinkPolicy, links: this.links });
    }
}
