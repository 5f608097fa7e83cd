import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import YAML from "yaml";
import { parseStackConfig, StackConfig } from "../../stack/config";
import { createProviders } from "../../stack/accounts";
import { deployLake } from "../../stack/lake";
import { PlannedResource, ProgramResult, all, evaluate, one, policyOf } from "../helpers/pulumi";

// asl-validator ships no types.
const validateAsl: (def: unknown, opts?: { checkPaths?: boolean; checkArn?: boolean }) => { isValid: boolean; errorsText: (sep?: string) => string } = require("asl-validator");

function prodConfig(): StackConfig {
    const doc = YAML.parse(fs.readFileSync(path.join(__dirname, "..", "..", "Pulumi.prod.yaml"), "utf8")).config as Record<string, unknown>;
    const raw = Object.fromEntries(
        Object.entries(doc)
            .filter(([k]) => k.startsWith("flightstream:"))
            .map(([k, v]) => [k.slice("flightstream:".length), v]),
    );
    return parseStackConfig(raw, "prod");
}

const INGESTION = "401234567890";
const LAKE = "402345678901";
const REVENUE = "404567890123";
const SCIENCE = "405678901234";
const TOPIC = `arn:aws:sns:eu-west-1:${LAKE}:prod-oncall-lake-ticket`;
const TOPIC_KEY = `arn:aws:kms:eu-west-1:${LAKE}:key/oncall`;
const STREAM = `arn:aws:kinesis:eu-west-1:${INGESTION}:stream/prod-events`;
const STREAM_KEY = `arn:aws:kms:eu-west-1:${INGESTION}:key/stream`;

function principals(doc: { Statement: any[] }): string[] {
    return [...new Set(doc.Statement.filter((s) => s.Effect === "Allow").flatMap((s) => [].concat(s.Principal?.AWS ?? [])))].sort();
}

describe("stack/lake: deployLake on the prod config", function () {
    this.timeout(60000);
    let r: ProgramResult;
    const arnOf = (type: string, name: string) => one(r, type, name).outputs.arn as string;
    const byName = (type: string, name: string): PlannedResource => one(r, type, name);

    before(async () => {
        r = await evaluate(
            () => {
                const config = prodConfig();
                const providers = createProviders(config);
                const d = deployLake({
                    config,
                    providers,
                    stream: { name: "prod-events", arn: STREAM, kmsKeyArn: STREAM_KEY },
                    alarmRouting: { ingestion: { page: ["arn:page-ingestion"], ticket: ["arn:ticket-ingestion"] }, lake: { page: ["arn:page-lake"], ticket: ["arn:ticket-lake"] } },
                    etlFailureTopicArn: TOPIC,
                    etlFailureTopicKmsKeyArn: TOPIC_KEY,
                });
                return d.outputs;
            },
            { stack: "prod" },
        );
    });

    it("puts the lake in the lake account, the delivery in ingestion and each pond in its own account", () => {
        expect(byName("aws:s3/bucket:Bucket", "lake-bucket").account).to.equal(LAKE);
        expect(byName("aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream", "lake-delivery-stream").account).to.equal(INGESTION);
        expect(byName("aws:glue/catalogTable:CatalogTable", "lake-catalog-events").account).to.equal(LAKE);
        expect(byName("aws:s3/bucket:Bucket", "pond-revenue-bucket").account).to.equal(REVENUE);
        expect(byName("aws:s3/bucket:Bucket", "pond-science-bucket").account).to.equal(SCIENCE);
        for (const p of ["revenue", "science"]) {
            expect(byName("aws:scheduler/schedule:Schedule", `pond-etl-${p}-schedule`).account).to.equal(LAKE);
            expect(byName("aws:sfn/stateMachine:StateMachine", `pond-etl-${p}-workflow`).account).to.equal(LAKE);
        }
        for (const b of all(r, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration").filter((x) => !x.name.includes("access-logs"))) {
            expect(b.inputs.rules[0].applyServerSideEncryptionByDefault.sseAlgorithm).to.equal("aws:kms");
            expect(b.inputs.rules[0].bucketKeyEnabled).to.equal(true);
        }
        expect(all(r, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")).to.have.length(6);
        for (const p of all(r, "aws:s3/bucketPolicy:BucketPolicy")) expect(policyOf(p).Statement[0].Sid).to.equal("DenyInsecureTransport");
    });

    it("admits exactly the delivery role and the science reader role (other accounts) to the lake; the ETL roles (lake account) by their own policy", () => {
        const delivery = arnOf("aws:iam/role:Role", "lake-delivery-role");
        const etlRevenue = arnOf("aws:iam/role:Role", "pond-etl-revenue-workflow-role");
        const scienceReader = arnOf("aws:iam/role:Role", "pond-science-reader");
        expect(delivery).to.match(new RegExp(`^arn:aws:iam::${INGESTION}:role/`));
        expect(etlRevenue).to.match(new RegExp(`^arn:aws:iam::${LAKE}:role/`));
        expect(scienceReader).to.match(new RegExp(`^arn:aws:iam::${SCIENCE}:role/`));
        const expected = [delivery, scienceReader].sort();
        expect(principals(policyOf(byName("aws:s3/bucketPolicy:BucketPolicy", "lake-policy")))).to.deep.equal(expected);
        expect(principals(policyOf(byName("aws:kms/key:Key", "lake-key")))).to.deep.equal([...expected, `arn:aws:iam::${LAKE}:root`].sort());
        const lakeArn = byName("aws:s3/bucket:Bucket", "lake-bucket").outputs.arn;
        expect(JSON.stringify(policyOf(byName("aws:iam/rolePolicy:RolePolicy", "pond-etl-revenue-workflow-role-policy")))).to.include(`${lakeArn}/data/*`);
    });

    it("admits exactly the pond's ETL role (lake account) to each pond; its reader role (pond account) by its own policy", () => {
        for (const [p, acct] of [
            ["revenue", REVENUE],
            ["science", SCIENCE],
        ] as const) {
            const etlRole = arnOf("aws:iam/role:Role", `pond-etl-${p}-workflow-role`);
            expect(principals(policyOf(byName("aws:s3/bucketPolicy:BucketPolicy", `pond-${p}-policy`)))).to.deep.equal([etlRole]);
            expect(principals(policyOf(byName("aws:kms/key:Key", `pond-${p}-key`)))).to.deep.equal([etlRole, `arn:aws:iam::${acct}:root`].sort());
        }
        const revenueDatasets = policyOf(byName("aws:s3/bucketPolicy:BucketPolicy", "pond-revenue-policy")).Statement.find((s: any) => s.Sid === "PondEtlRevenueWriteObjects").Resource;
        const bucket = byName("aws:s3/bucket:Bucket", "pond-revenue-bucket").outputs.arn;
        expect(revenueDatasets).to.deep.equal([`${bucket}/route_demand_daily/*`, `${bucket}/offer_price_stats_daily/*`, `${bucket}/_athena-results/*`]);
    });

    it("gives each pond's reader role a trust policy naming only the team's principals", () => {
        const trust = policyOf(byName("aws:iam/role:Role", "pond-revenue-reader"), "assumeRolePolicy");
        expect(trust.Statement).to.deep.equal([{ Effect: "Allow", Principal: { AWS: ["arn:aws:iam::404567890123:role/revenue-analysts"] }, Action: "sts:AssumeRole" }]);
        // Only science is a lake reader (lake.readers).
        const revenue = JSON.stringify(policyOf(byName("aws:iam/rolePolicy:RolePolicy", "pond-revenue-reader-policy")));
        const science = JSON.stringify(policyOf(byName("aws:iam/rolePolicy:RolePolicy", "pond-science-reader-policy")));
        const lakeArn = byName("aws:s3/bucket:Bucket", "lake-bucket").outputs.arn;
        expect(revenue).not.to.include(lakeArn);
        expect(science).to.include(`${lakeArn}/data/*`);
    });

    it("configures the delivery stream with dynamic partitioning into the documented layout", () => {
        const fh = byName("aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream", "lake-delivery-stream");
        expect(fh.inputs.destination).to.equal("extended_s3");
        expect(fh.inputs.kinesisSourceConfiguration).to.deep.equal({ kinesisStreamArn: STREAM, roleArn: arnOf("aws:iam/role:Role", "lake-delivery-role") });
        const s3 = fh.inputs.extendedS3Configuration;
        expect(s3.prefix).to.equal("data/type=!{partitionKeyFromLambda:type}/dt=!{partitionKeyFromLambda:dt}/hour=!{partitionKeyFromLambda:hour}/");
        expect(s3.errorOutputPrefix).to.equal("errors/!{firehose:error-output-type}/dt=!{timestamp:yyyy-MM-dd}/");
        expect([s3.bufferingSize, s3.bufferingInterval, s3.compressionFormat, s3.fileExtension]).to.deep.equal([128, 300, "GZIP", ".json.gz"]);
        expect(s3.kmsKeyArn).to.equal(arnOf("aws:kms/key:Key", "lake-key"));
        expect(s3.dynamicPartitioningConfiguration).to.deep.equal({ enabled: true, retryDuration: 300 });
        expect(s3.processingConfiguration.processors[0].type).to.equal("Lambda");
        expect(s3.cloudwatchLoggingOptions.enabled).to.equal(true);
        const alarm = byName("aws:cloudwatch/metricAlarm:MetricAlarm", "lake-delivery-data-freshness");
        expect([alarm.inputs.metricName, alarm.inputs.statistic, alarm.inputs.threshold, alarm.inputs.comparisonOperator]).to.deep.equal(["DeliveryToS3.DataFreshness", "Maximum", 900, "GreaterThanThreshold"]);
        expect(alarm.inputs.dimensions).to.deep.equal({ DeliveryStreamName: fh.outputs.name });
        expect(alarm.inputs.alarmActions).to.deep.equal(["arn:page-ingestion"]);
        expect(alarm.account).to.equal(INGESTION);
        const role = policyOf(byName("aws:iam/rolePolicy:RolePolicy", "lake-delivery-role-policy"));
        const lakeArn = byName("aws:s3/bucket:Bucket", "lake-bucket").outputs.arn;
        expect(role.Statement.find((s: any) => s.Sid === "LakeWriteObjects").Resource).to.deep.equal([`${lakeArn}/data/*`, `${lakeArn}/errors/*`]);
        expect(role.Statement.find((s: any) => s.Sid === "DecryptStream").Resource).to.equal(STREAM_KEY);
    });

    it("catalogs the lake with partition projection", () => {
        const t = byName("aws:glue/catalogTable:CatalogTable", "lake-catalog-events");
        const bucket = byName("aws:s3/bucket:Bucket", "lake-bucket").outputs.bucket;
        expect(t.inputs.parameters).to.deep.include({
            "projection.enabled": "true",
            "projection.type.type": "enum",
            "projection.type.values": "search,offer,booking,cancellation,flight_status",
            "projection.dt.type": "date",
            "projection.dt.range": "1999-12-31,NOW+1DAYS",
            "projection.hour.type": "integer",
            "projection.hour.range": "0,23",
            "projection.hour.digits": "2",
            "storage.location.template": `s3://${bucket}/data/type=\${type}/dt=\${dt}/hour=\${hour}/`,
        });
        expect(t.inputs.partitionKeys.map((k: any) => k.name)).to.deep.equal(["type", "dt", "hour"]);
        expect(t.inputs.storageDescriptor.serDeInfo.serializationLibrary).to.equal("org.openx.data.jsonserde.JsonSerDe");
        expect(t.inputs.databaseName).to.equal("flightstream_prod_lake");
    });

    it("schedules each pond's ETL with a valid state machine, a DLQ and an encrypted workgroup", () => {
        const s = byName("aws:scheduler/schedule:Schedule", "pond-etl-science-schedule");
        expect(s.inputs.scheduleExpression).to.equal("cron(45 2 * * ? *)");
        expect(s.inputs.flexibleTimeWindow).to.deep.equal({ mode: "OFF" });
        expect(s.inputs.target.retryPolicy).to.deep.equal({ maximumRetryAttempts: 3, maximumEventAgeInSeconds: 3600 });
        expect(s.inputs.target.deadLetterConfig.arn).to.equal(arnOf("aws:sqs/queue:Queue", "pond-etl-science-schedule-dlq"));
        expect(s.inputs.target.arn).to.equal(arnOf("aws:sfn/stateMachine:StateMachine", "pond-etl-science-workflow"));
        expect(JSON.parse(s.inputs.target.input)).to.deep.equal({ scheduledTime: "<aws.scheduler.scheduled-time>" });
        expect(byName("aws:sqs/queue:Queue", "pond-etl-science-schedule-dlq").inputs.kmsMasterKeyId).to.equal(arnOf("aws:kms/key:Key", "pond-etl-science-dlq-key"));
        const wg = byName("aws:athena/workgroup:Workgroup", "pond-etl-science-workgroup");
        expect(wg.inputs.configuration.enforceWorkgroupConfiguration).to.equal(true);
        expect(wg.inputs.configuration.resultConfiguration.encryptionConfiguration).to.deep.equal({ encryptionOption: "SSE_KMS", kmsKeyArn: arnOf("aws:kms/key:Key", "pond-science-key") });
        const sm = byName("aws:sfn/stateMachine:StateMachine", "pond-etl-science-workflow");
        const def = JSON.parse(sm.inputs.definition);
        const res = validateAsl(def, { checkPaths: true, checkArn: true });
        expect(res.isValid, res.errorsText("\n")).to.equal(true);
        expect(def.States.Init.Parameters.types).to.deep.equal(["offer"]);
        expect(def.States.NotifyFailure.Parameters.TopicArn).to.equal(TOPIC);
        expect(all(r, "aws:glue/catalogTable:CatalogTable", /^pond-etl-science-/).map((t) => t.inputs.name)).to.deep.equal(["offer_price_stats_daily"]);
        expect(all(r, "aws:glue/catalogTable:CatalogTable", /^pond-etl-revenue-/).map((t) => t.inputs.name)).to.deep.equal(["route_demand_daily", "offer_price_stats_daily"]);
        const etlPolicy = policyOf(byName("aws:iam/rolePolicy:RolePolicy", "pond-etl-science-workflow-role-policy"));
        expect(etlPolicy.Statement.find((x: any) => x.Sid === "RunAthenaQueries").Resource).to.equal(wg.outputs.arn);
        // The failure topic's grantPublish: sns:Publish on the topic, its key for the encrypted message.
        expect(etlPolicy.Statement.find((x: any) => x.Sid === "Publish")).to.deep.equal({ Sid: "Publish", Effect: "Allow", Action: "sns:Publish", Resource: TOPIC });
        expect(etlPolicy.Statement.find((x: any) => x.Sid === "EncryptNotifications").Resource).to.equal(TOPIC_KEY);
    });

    it("returns outputs naming the buckets and roles", () => {
        const o = r.outputs as any;
        expect(o.lake.bucket).to.equal(byName("aws:s3/bucket:Bucket", "lake-bucket").outputs.bucket);
        expect(o.lake.eventsTable).to.equal("flightstream_prod_lake.events");
        expect(Object.keys(o.ponds)).to.deep.equal(["revenue", "science"]);
        expect(o.ponds.science.etlRoleArn).to.equal(arnOf("aws:iam/role:Role", "pond-etl-science-workflow-role"));
    });
});
