import type { StackValidationArgs } from "@pulumi/policy";
import { stackRule, NONE } from "../../lib/rule";
import { deniesInsecureTransport } from "../../lib/conditions";
import { identities, known, parsePolicy, q, referencing } from "../../lib/util";

export const meta = {
    id: "sns-topic-tls-only",
    description: 'Every SNS topic has a policy (inline or a TopicPolicy naming its ARN) with a Deny of sns:Publish (or sns:*) for Principal "*" when aws:SecureTransport is false.',
    enforcementLevel: "mandatory" as const,
    why: "Alarm and alert messages name resources and carry data samples; publishers must use TLS, whoever they are.",
    publicRuleSets: {
        cdkNag: ["AwsSolutions-SNS3"],
        checkov: NONE,
        pulumiPolicyAws: NONE,
        awsConfig: NONE,
        securityHub: NONE,
    },
};

const TOPIC = "aws:sns/topic:Topic";
const POLICY = "aws:sns/topicPolicy:TopicPolicy";

export function check(args: StackValidationArgs, reportViolation: (m: string, urn?: string) => void): void {
    const topics = args.resources.filter((r) => r.type === TOPIC);
    if (topics.length === 0) args.notApplicable("The stack has no SNS topics");
    for (const topic of topics) {
        const docs = [...referencing(args.resources, [POLICY], "arn", topic, ["arn", "id"]).map((p) => known(p.props, "policy")), known(topic.props, "policy")].map(parsePolicy).filter((d) => d !== null);
        const name = identities(topic, ["name"])[0] ?? topic.name;
        if (docs.length === 0) reportViolation(`Topic ${q(name)} has no topic policy; add one with a Deny of sns:Publish for Principal "*" when aws:SecureTransport is false.`, topic.urn);
        else if (!docs.some((d) => d!.Statement.some((s) => deniesInsecureTransport(s, "sns:Publish")))) {
            reportViolation(`Topic ${q(name)} policy has no Deny of sns:Publish for Principal "*" when aws:SecureTransport is false.`, topic.urn);
        }
    }
}

export default stackRule(meta, check);
