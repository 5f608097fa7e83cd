/** deployAnalytics under the offline plan with the real stack files: what the prod plan must show, and the policy pack's verdict. */
import { expect } from "chai";
import { ProgramResult, readStackConfigFile } from "../../plan/engine";
import { planAnalytics } from "./plan-analytics";
import { runPolicies } from "../../plan/policies";
import { processedEventsRetentionHours } from "../../stack/analytics";

const INGESTION = "222222222222";
const STREAM_ARN = `arn:aws:kinesis:eu-west-1:${INGESTION}:stream/prod-flight-events`;

function plan(stack: "dev" | "prod"): Promise<ProgramResult> {
    return planAnalytics(
        stack,
        {
            streamArn: STREAM_ARN,
            kmsKeyArn: `arn:aws:kms:eu-west-1:${INGESTION}:key/stream`,
            consumerArn: stack === "prod" ? `${STREAM_ARN}/consumer/analytics-processor:1700000000` : undefined,
        },
        { bucketName: "prod-lake", keyArn: "arn:aws:kms:eu-west-1:444444444444:key/lake" },
    );
}

const byType = (r: ProgramResult, type: string) => r.resources.filter((x) => x.type === type);

describe("analytics: deployAnalytics with the stack files (offline plan)", function () {
    this.timeout(120_000);
    let prod: ProgramResult;
    before(async () => {
        prod = await plan("prod");
    });

    it("prod: the cluster has the Data API and Serverless v2 scaling from config, in the analytics account", async () => {
        const raw = readStackConfigFile("prod") as Record<string, any>;
        const [cluster] = byType(prod, "aws:rds/cluster:Cluster");
        expect(cluster.inputs.enableHttpEndpoint).to.equal(true);
        expect(cluster.inputs.engineMode).to.equal("provisioned");
        expect(cluster.inputs.deletionProtection).to.equal(true);
        expect(cluster.inputs.backupRetentionPeriod).to.be.at.least(14);
        expect(cluster.inputs.serverlessv2ScalingConfiguration.minCapacity).to.be.greaterThan(0);
        expect(cluster.accountName).to.equal("analytics");
        expect(cluster.account).to.equal(raw["flightstream:accounts"].analytics.accountId);
        expect(byType(prod, "aws:rds/clusterInstance:ClusterInstance").map((i) => i.inputs.instanceClass)).to.deep.equal(["db.serverless", "db.serverless"]);
    });

    it("prod: the mapping reads the consumer with bisect, partial batch responses and an on-failure destination", async () => {
        const [m] = byType(prod, "aws:lambda/eventSourceMapping:EventSourceMapping");
        expect(m.inputs.eventSourceArn).to.equal(`${STREAM_ARN}/consumer/analytics-processor:1700000000`);
        expect(m.inputs.bisectBatchOnFunctionError).to.equal(true);
        expect(m.inputs.functionResponseTypes).to.deep.equal(["ReportBatchItemFailures"]);
        expect(m.inputs.destinationConfig.onFailure.destinationArn).to.match(/^arn:aws:sqs:/);
        expect(m.accountName).to.equal("analytics");
        const [fn] = byType(prod, "aws:lambda/function:Function").filter((f) => f.name === "analytics-processor");
        const retention = (readStackConfigFile("prod") as any)["flightstream:stream"]?.retentionHours ?? 24;
        expect(fn.inputs.environment.variables.PROCESSED_EVENTS_RETENTION_HOURS).to.equal(String(retention + 24));
    });

    it("prod: the HTTP API requires IAM auth on every route", async () => {
        expect(byType(prod, "aws:apigatewayv2/api:Api")).to.have.length(1);
        expect(byType(prod, "aws:apigatewayv2/route:Route").map((r) => r.inputs.authorizationType)).to.deep.equal(["AWS_IAM", "AWS_IAM", "AWS_IAM", "AWS_IAM"]);
    });

    it("prod: the alerts topic has its policy (TLS only, each cross-account subscriber its own SQS queue), subscriptions from config and the EventBridge bus with least-privilege PutEvents", async () => {
        const raw = (readStackConfigFile("prod") as Record<string, any>)["flightstream:analytics"].alerts;
        const [topic] = byType(prod, "aws:sns/topic:Topic");
        const [policy] = byType(prod, "aws:sns/topicPolicy:TopicPolicy");
        const doc = JSON.parse(policy.inputs.policy);
        const queue = raw.crossAccountSubscribers[0];
        expect(doc.Statement).to.deep.equal([
            {
                Sid: "CrossAccountSubscribe0",
                Effect: "Allow",
                Principal: { AWS: "arn:aws:iam::404567890123:root" },
                Action: "sns:Subscribe",
                Resource: topic.outputs.arn,
                Condition: { StringEquals: { "sns:Protocol": "sqs", "sns:Endpoint": queue } },
            },
            { Sid: "DenyInsecureTransport", Effect: "Deny", Principal: { AWS: "*" }, Action: "sns:Publish", Resource: topic.outputs.arn, Condition: { Bool: { "aws:SecureTransport": false } } },
        ]);
        expect(byType(prod, "aws:sns/topicSubscription:TopicSubscription").map((s) => [s.inputs.protocol, s.inputs.endpoint, s.inputs.topic])).to.deep.equal([
            ["email", raw.emails[0], topic.outputs.arn],
            ["https", raw.httpsEndpoints[0], topic.outputs.arn],
        ]);
        const [bus] = byType(prod, "aws:cloudwatch/eventBus:EventBus");
        expect(bus.inputs.name).to.equal(raw.eventBusName);
        expect(bus.provider).to.equal(topic.provider);
        const [fn] = byType(prod, "aws:lambda/function:Function").filter((f) => f.name === "analytics-processor");
        expect(fn.inputs.environment.variables.ALERTS_EVENT_BUS_NAME).to.equal(raw.eventBusName);
        const put = byType(prod, "aws:iam/rolePolicy:RolePolicy")
            .flatMap((p) => JSON.parse(p.inputs.policy).Statement)
            .filter((st: any) => ([] as string[]).concat(st.Action).includes("events:PutEvents"));
        expect(put).to.deep.equal([{ Sid: "PutAlertEvents", Effect: "Allow", Action: "events:PutEvents", Resource: bus.outputs.arn }]);
    });

    it("prod: the policy pack finds no violation, not even advisory, in the analytics resources", async () => {
        const { violations } = await runPolicies(prod);
        expect(violations).to.deep.equal([]);
    });

    it("dev: scales to zero, reads the stream directly and keeps no final snapshot", async () => {
        const dev = await plan("dev");
        const [cluster] = byType(dev, "aws:rds/cluster:Cluster");
        expect(cluster.inputs.serverlessv2ScalingConfiguration).to.deep.include({ minCapacity: 0 });
        expect(cluster.inputs.skipFinalSnapshot).to.equal(true);
        expect(byType(dev, "aws:lambda/eventSourceMapping:EventSourceMapping")[0].inputs.eventSourceArn).to.equal(STREAM_ARN);
    });

    it("keeps processed event ids for the stream's retention plus a day", () => {
        expect(processedEventsRetentionHours({ stream: { retentionHours: 168 } } as never)).to.equal(192);
    });
});
