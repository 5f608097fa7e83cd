import type { StackValidationArgs } from "@pulumi/policy";
import { stackRule, NONE } from "../../lib/rule";
import { deniesInsecureTransport } from "../../lib/conditions";
import { identities, known, parsePolicy, q, referencing } from "../../lib/util";

export const meta = {
    id: "sqs-queue-tls-only",
    description: 'Every SQS queue has a policy (inline or a QueuePolicy naming its URL) with a Deny of sqs:* for Principal "*" when aws:SecureTransport is false.',
    enforcementLevel: "mandatory" as const,
    why: "Dead-letter and failure queues hold event batches; the Deny makes every client, including other accounts' roles, use TLS.",
    publicRuleSets: {
        cdkNag: ["AwsSolutions-SQS4"],
        checkov: NONE,
        pulumiPolicyAws: NONE,
        awsConfig: NONE,
        securityHub: NONE,
    },
};

const QUEUE = "aws:sqs/queue:Queue";
const POLICY = "aws:sqs/queuePolicy:QueuePolicy";

export function check(args: StackValidationArgs, reportViolation: (m: string, urn?: string) => void): void {
    const queues = args.resources.filter((r) => r.type === QUEUE);
    if (queues.length === 0) args.notApplicable("The stack has no SQS queues");
    for (const queue of queues) {
        const docs = [...referencing(args.resources, [POLICY], "queueUrl", queue, ["url", "id"]).map((p) => known(p.props, "policy")), known(queue.props, "policy")].map(parsePolicy).filter((d) => d !== null);
        const name = identities(queue, ["name"])[0] ?? queue.name;
        if (docs.length === 0) reportViolation(`Queue ${q(name)} has no queue policy; add one with a Deny of sqs:* for Principal "*" when aws:SecureTransport is false.`, queue.urn);
        else if (!docs.some((d) => d!.Statement.some((s) => deniesInsecureTransport(s, "sqs:*")))) {
            reportViolation(`Queue ${q(name)} policy has no Deny of sqs:* for Principal "*" when aws:SecureTransport is false.`, queue.urn);
        }
    }
}

export default stackRule(meta, check);
