import type { PolicyResource, StackValidationArgs } from "@pulumi/policy";
import { stackRule, NONE } from "../../lib/rule";
import { configOf, effectiveTags, known, q } from "../../lib/util";

export const meta = {
    id: "audit-log-retention",
    description:
        "Log groups that hold audit logs keep them at least minimumDays (config, default 365; 0 = never expire counts as compliant): groups tagged LogType=audit, the destination of an API Gateway stage's access logs, and the destination of a VPC flow log.",
    enforcementLevel: "mandatory" as const,
    why: "Access and flow logs are evidence; an incident found months later (or an audit) needs them, while operational logs may expire sooner.",
    publicRuleSets: {
        cdkNag: NONE,
        checkov: ["CKV_AWS_338 (every log group, 1 year)"],
        pulumiPolicyAws: NONE,
        awsConfig: ["CW_LOGGROUP_RETENTION_PERIOD_CHECK (every log group)"],
        securityHub: ["CloudWatch.16 (every log group, 1 year)"],
    },
    config: { minimumDays: 365 },
};

const LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup";
const STAGES = ["aws:apigatewayv2/stage:Stage", "aws:apigateway/stage:Stage"];
const FLOW_LOG = "aws:ec2/flowLog:FlowLog";

const strip = (arn: string) => arn.replace(/:\*$/, "");

/** Why a log group holds audit logs, or undefined. */
function auditReason(g: PolicyResource, resources: PolicyResource[]): string | undefined {
    if (effectiveTags(g.props ?? {}, g.provider).LogType === "audit") return "tagged LogType=audit";
    const arn = known(g.props, "arn");
    const name = known(g.props, "name");
    const isThis = (r: PolicyResource, prop: string, v: unknown) => (r.propertyDependencies?.[prop] ?? []).some((d) => d.urn === g.urn) || (typeof v === "string" && ((typeof arn === "string" && strip(v) === strip(arn)) || v === name));
    for (const r of resources) {
        if (STAGES.includes(r.type) && isThis(r, "accessLogSettings", (known(r.props, "accessLogSettings") as { destinationArn?: string } | undefined)?.destinationArn)) return `access logs of API stage ${q(r.name)}`;
        if (r.type === FLOW_LOG && (isThis(r, "logDestination", known(r.props, "logDestination")) || isThis(r, "logGroupName", known(r.props, "logGroupName")))) return `flow logs of ${q(r.name)}`;
    }
    return undefined;
}

export function check(args: StackValidationArgs, reportViolation: (m: string, urn?: string) => void): void {
    const groups = args.resources.filter((r) => r.type === LOG_GROUP);
    if (groups.length === 0) args.notApplicable("The stack has no log groups");
    const { minimumDays } = configOf(meta.config, args);
    for (const g of groups) {
        const reason = auditReason(g, args.resources);
        if (!reason) continue;
        const days = known(g.props, "retentionInDays");
        if (typeof days === "number" && days > 0 && days < minimumDays) {
            reportViolation(`Log group ${q(known(g.props, "name") ?? g.name)} holds audit logs (${reason}) and keeps them ${days} days; audit logs need at least ${minimumDays} days.`, g.urn);
        }
    }
}

export default stackRule(meta, check);
