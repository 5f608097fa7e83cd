/**
 * Least privilege, proven over the generated policies of the prod plan with
 * @cloud-copilot/iam-simulate (identity policies of the role plus the resource
 * policy of the target: bucket, key, stream, consumer, topic, queue).
 */
import { expect } from "chai";
import { planStack } from "../../plan/stack";
import { PlanPolicies } from "./iamsim";

const ALLOWED = "Allowed";
const DENIED = "ImplicitlyDenied";

interface Case {
    readonly role: string;
    readonly action: string;
    /** ARN, or a function of the plan. */
    readonly resource: (p: PlanPolicies) => string;
    readonly account: string;
    readonly expected: typeof ALLOWED | typeof DENIED | "ExplicitlyDenied";
    readonly context?: Record<string, string>;
    readonly why: string;
}

const INGESTION = "401234567890";
const ANALYTICS = "403456789012";
const stream = (p: PlanPolicies) => p.arn("aws:kinesis/stream:Stream", "stream");
const otherStream = () => `arn:aws:kinesis:eu-west-1:${INGESTION}:stream/prod-other-events`;
const streamKey = (p: PlanPolicies) => p.arn("aws:kms/key:Key", "stream-key");
const oncallKey = (p: PlanPolicies) => p.arn("aws:kms/key:Key", "oncall-ingestion-key");
const logGroup = (p: PlanPolicies) => `${p.arn("aws:cloudwatch/logGroup:LogGroup", "ingestion-logs")}:log-stream:task-1`;
const repo = (p: PlanPolicies) => p.arn("aws:ecr/repository:Repository", "ingestion-repo");

const cases: Case[] = [
    // Ingestion task role: puts to its stream, nothing else.
    { role: "ingestion-task-role", action: "kinesis:PutRecord", resource: stream, account: INGESTION, expected: ALLOWED, why: "writes events to its stream" },
    { role: "ingestion-task-role", action: "kinesis:PutRecords", resource: stream, account: INGESTION, expected: ALLOWED, why: "writes batches to its stream" },
    { role: "ingestion-task-role", action: "kinesis:PutRecords", resource: otherStream, account: INGESTION, expected: DENIED, why: "not another stream" },
    { role: "ingestion-task-role", action: "kinesis:DeleteStream", resource: stream, account: INGESTION, expected: DENIED, why: "cannot delete its stream" },
    { role: "ingestion-task-role", action: "kinesis:GetRecords", resource: stream, account: INGESTION, expected: DENIED, why: "a writer does not read" },
    { role: "ingestion-task-role", action: "kinesis:MergeShards", resource: stream, account: INGESTION, expected: DENIED, why: "cannot reshard" },
    { role: "ingestion-task-role", action: "kinesis:PutRecord", resource: () => `arn:aws:kinesis:eu-west-1:${ANALYTICS}:stream/prod-flight-events`, account: ANALYTICS, expected: DENIED, why: "not a same-named stream in another account" },
    { role: "ingestion-task-role", action: "kinesis:SubscribeToShard", resource: (p) => p.arn("aws:kinesis/streamConsumer:StreamConsumer", "stream-analytics-processor"), account: INGESTION, expected: DENIED, why: "cannot read through the analytics consumer" },
    { role: "ingestion-task-role", action: "s3:GetObject", resource: (p) => `${p.arn("aws:s3/bucket:Bucket", "ingestion-alb-logs")}/alb/AWSLogs/x.log.gz`, account: INGESTION, expected: DENIED, why: "cannot read the access logs" },
    { role: "ingestion-task-role", action: "kms:GenerateDataKey", resource: streamKey, account: INGESTION, expected: ALLOWED, why: "encrypts records for the stream" },
    { role: "ingestion-task-role", action: "kms:Decrypt", resource: streamKey, account: INGESTION, expected: DENIED, why: "cannot decrypt stream data" },
    { role: "ingestion-task-role", action: "kms:GenerateDataKey", resource: oncallKey, account: INGESTION, expected: DENIED, why: "no other key" },
    // Ingestion execution role: pulls its image and writes its logs only.
    { role: "ingestion-exec-role", action: "ecr:BatchGetImage", resource: repo, account: INGESTION, expected: ALLOWED, why: "pulls its image" },
    { role: "ingestion-exec-role", action: "ecr:BatchGetImage", resource: () => `arn:aws:ecr:eu-west-1:${INGESTION}:repository/other`, account: INGESTION, expected: DENIED, why: "not another repository" },
    { role: "ingestion-exec-role", action: "ecr:PutImage", resource: repo, account: INGESTION, expected: DENIED, why: "cannot push images" },
    { role: "ingestion-exec-role", action: "logs:PutLogEvents", resource: logGroup, account: INGESTION, expected: ALLOWED, why: "writes the service's logs" },
    { role: "ingestion-exec-role", action: "logs:PutLogEvents", resource: () => `arn:aws:logs:eu-west-1:${INGESTION}:log-group:/ecs/other:log-stream:x`, account: INGESTION, expected: DENIED, why: "not another log group" },
    { role: "ingestion-exec-role", action: "kinesis:PutRecord", resource: stream, account: INGESTION, expected: DENIED, why: "the execution role does not touch data" },
    { role: "ingestion-exec-role", action: "kms:Decrypt", resource: (p) => p.arn("aws:kms/key:Key", "ingestion-key"), account: INGESTION, expected: ALLOWED, why: "decrypts its image and logs key" },
    { role: "ingestion-exec-role", action: "kms:Decrypt", resource: streamKey, account: INGESTION, expected: DENIED, why: "cannot decrypt stream data" },
];

describe("least privilege of the prod plan's policies (iam-simulate)", function () {
    this.timeout(180000);
    let p: PlanPolicies;
    before(async () => {
        p = new PlanPolicies(await planStack("prod"));
    });
    it(`covers at least 20 allow/deny cases`, () => {
        expect(cases.length).to.be.at.least(20);
    });
    it("detects a widened grant (the harness can fail)", async () => {
        const plan = p.plan;
        const widened = {
            ...plan,
            resources: plan.resources.map((r) =>
                r.name === "ingestion-task-stream" ? { ...r, inputs: { ...r.inputs, policy: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "kinesis:*", Resource: "*" }] }) } } : r,
            ),
        };
        expect(await new PlanPolicies(widened).decide("ingestion-task-role", "kinesis:DeleteStream", stream(p), INGESTION)).to.equal(ALLOWED);
    });
    for (const c of cases) {
        it(`${c.role} ${c.expected === ALLOWED ? "can" : "cannot"} ${c.action} (${c.why})`, async () => {
            expect(await p.decide(c.role, c.action, c.resource(p), c.account, c.context)).to.equal(c.expected);
        });
    }
});
