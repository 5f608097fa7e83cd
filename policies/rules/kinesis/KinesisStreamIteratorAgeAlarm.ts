import { PolicyResource, StackValidationArgs } from "@pulumi/policy";
import { stackRule, NO_PUBLIC_RULE_SETS } from "../../lib/rule";
import { known, q } from "../../lib/util";

export const meta = {
    id: "kinesis-stream-iterator-age-alarm",
    description: "Every Kinesis data stream has a CloudWatch alarm on GetRecords.IteratorAgeMilliseconds with its StreamName dimension.",
    enforcementLevel: "advisory" as const,
    why: "Iterator age is the one signal that consumers are falling behind before records expire out of retention.",
    publicRuleSets: NO_PUBLIC_RULE_SETS,
};

const STREAM = "aws:kinesis/stream:Stream";
const ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";
const METRIC = "GetRecords.IteratorAgeMilliseconds";

/** Stream names (dimension values) an alarm watches for the iterator-age metric, plain or in metric queries. */
function watchedStreams(alarm: PolicyResource): { names: string[]; dependsOn: string[] } {
    const names: string[] = [];
    const p = alarm.props ?? {};
    if (p.metricName === METRIC && (p.namespace === undefined || p.namespace === "AWS/Kinesis") && p.dimensions?.StreamName) names.push(String(p.dimensions.StreamName));
    for (const mq of Array.isArray(p.metricQueries) ? p.metricQueries : []) {
        const m = mq?.metric;
        if (m?.metricName === METRIC && m?.dimensions?.StreamName) names.push(String(m.dimensions.StreamName));
    }
    const deps = [...(alarm.propertyDependencies?.dimensions ?? []), ...(alarm.propertyDependencies?.metricQueries ?? [])].map((d) => d.urn);
    return { names, dependsOn: names.length > 0 || p.metricName === METRIC ? deps : [] };
}

export function check(args: StackValidationArgs, reportViolation: (m: string, urn?: string) => void): void {
    const streams = args.resources.filter((r) => r.type === STREAM);
    if (streams.length === 0) args.notApplicable("The stack has no Kinesis data streams");
    const watched = args.resources.filter((r) => r.type === ALARM).map(watchedStreams);
    for (const s of streams) {
        const name = known(s.props, "name");
        const ok = watched.some((w) => (typeof name === "string" && w.names.includes(name)) || w.dependsOn.includes(s.urn));
        if (!ok) reportViolation(`Kinesis stream ${q(name ?? s.name)} has no alarm on ${METRIC} with dimension StreamName=${q(name ?? s.name)}.`, s.urn);
    }
}

export default stackRule(meta, check);
