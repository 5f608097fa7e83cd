/** deployAnalytics under the offline plan with the real stack files: what the prod plan must show, and the policy pack's verdict. */
import { expect } from "chai";
import { ProgramResult, evaluateProgram, readProjectName, readStackConfigFile } from "../../plan/engine";
import { runPolicies } from "../../plan/policies";
import { createProviders } from "../../stack/accounts";
import { loadStackConfig } from "../../stack/config";
import { deployAnalytics, processedEventsRetentionHours } from "../../stack/analytics";

const INGESTION = "222222222222";
const STREAM_ARN = `arn:aws:kinesis:eu-west-1:${INGESTION}:stream/prod-flight-events`;

async function plan(stack: "dev" | "prod"): Promise<ProgramResult> {
    return evaluateProgram(() => {
        const config = loadStackConfig();
        const providers = createProviders(config);
        deployAnalytics(config, providers, { page: ["arn:aws:sns:eu-west-1:333333333333:page"], ticket: ["arn:aws:sns:eu-west-1:333333333333:ticket"] }, {
            streamArn: STREAM_ARN,
            kmsKeyArn: `arn:aws:kms:eu-west-1:${INGESTION}:key/stream`,
            consumerArn: stack === "prod" ? `${STREAM_ARN}/consumer/analytics-processor:1700000000` : undefined,
        }, { bucketName: "prod-lake", keyArn: "arn:aws:kms:eu-west-1:444444444444:key/lake" });
    }, { project: readProjectName(), stack, config: readStackConfigFile(stack) });
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
        expect(byType(prod, "aws:apigatewayv2/route:Route").map((r) => r.inputs.authorizationType)).to.deep.equal(["AWS_IAM", "AWS_IAM", "AWS_IAM"]);
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
