import { expect } from "chai";
import { runSimulation } from "@cloud-copilot/iam-simulate";
import { LakeCatalog, LakeDelivery } from "@flightstream/components/lake";
import { Pond, PondEtl } from "@flightstream/components/pond";
import { principals } from "@flightstream/components/common/grants";
import { pondEtlArgs } from "./pond-etl-args";
import { ProgramResult, all, evaluate, evaluateError, one, policyOf, testProvider } from "../helpers/pulumi";

const POND = "333333333333";
const ETL = "arn:aws:iam::222222222222:role/etl";
const TEAM = "arn:aws:iam::333333333333:role/analysts";

const pondArgs = { pond: "ops", team: "operations", accountId: POND, region: "eu-west-1", datasets: ["route_demand_daily"], readerPrincipalArns: [TEAM] };
const etlArgs = pondEtlArgs("ops", ["route_demand_daily"]);
const deliveryArgs = { accountId: "111111111111", region: "eu-west-1", streamArn: "arn:aws:kinesis:eu-west-1:111111111111:stream/s", lakeBucketArn: "arn:aws:s3:::lake", lakeKeyArn: "arn:aws:kms:eu-west-1:222222222222:key/lake" };

describe("Pond", function () {
    this.timeout(20000);
    let r: ProgramResult;
    before(async () => {
        r = await evaluate(() => {
            const pond = new Pond("pond-ops", pondArgs, { provider: testProvider("pond-ops", POND) });
            pond.grantWrite("etl", principals.roleArn(ETL, "222222222222"));
        });
    });

    it("gives the reader role read on its datasets and decrypt, and nothing else", () => {
        const bucket = one(r, "aws:s3/bucket:Bucket", "pond-ops-bucket").outputs.arn;
        const key = one(r, "aws:kms/key:Key", "pond-ops-key").outputs.arn;
        expect(policyOf(one(r, "aws:iam/rolePolicy:RolePolicy", "pond-ops-reader-policy")).Statement).to.deep.equal([
            { Sid: "PondReadObjects", Effect: "Allow", Action: "s3:GetObject", Resource: [`${bucket}/route_demand_daily/*`] },
            { Sid: "PondList", Effect: "Allow", Action: "s3:ListBucket", Resource: bucket, Condition: { StringLike: { "s3:prefix": ["route_demand_daily/", "route_demand_daily/*"] } } },
            { Sid: "PondLocate", Effect: "Allow", Action: "s3:GetBucketLocation", Resource: bucket },
            { Sid: "PondDecrypt", Effect: "Allow", Action: "kms:Decrypt", Resource: key },
        ]);
        // The reader role is in the pond's account: the pond's policies name only the ETL role of the lake account.
        const bucketPolicy = policyOf(one(r, "aws:s3/bucketPolicy:BucketPolicy", "pond-ops-policy"));
        expect(bucketPolicy.Statement.map((s: any) => [s.Sid, s.Principal])).to.deep.equal([
            ["DenyInsecureTransport", { AWS: "*" }],
            ["DenyNonKmsEncryption", { AWS: "*" }],
            ["DenyOtherKmsKeys", { AWS: "*" }],
            ["EtlWriteObjects", { AWS: ETL }],
            ["EtlListUploads", { AWS: ETL }],
        ]);
        expect(bucketPolicy.Statement[3].Action).to.deep.equal(["s3:PutObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts", "s3:GetObject", "s3:DeleteObject"]);
        expect(policyOf(one(r, "aws:kms/key:Key", "pond-ops-key")).Statement.map((s: any) => s.Sid)).to.deep.equal(["AccountRootAdministers", "EtlEncrypt"]);
        expect(one(r, "aws:iam/role:Role", "pond-ops-reader").inputs.tags).to.deep.equal({ Team: "operations", Pond: "ops" });
        expect(r.resources.filter((x) => x.custom && !x.type.startsWith("pulumi:providers")).every((x) => x.account === POND)).to.equal(true);
    });

    it("lets the ETL role replace a day and the reader read it, and no one else (iam-simulate)", async () => {
        const doc = policyOf(one(r, "aws:s3/bucketPolicy:BucketPolicy", "pond-ops-policy"));
        const bucket = one(r, "aws:s3/bucket:Bucket", "pond-ops-bucket").outputs.arn;
        const reader = one(r, "aws:iam/role:Role", "pond-ops-reader").outputs.arn;
        // Cross-account principals get a broad identity policy (the bucket policy must decide);
        // the reader role is in the pond's own account, so its real identity policy is used.
        const readerPolicy = policyOf(one(r, "aws:iam/rolePolicy:RolePolicy", "pond-ops-reader-policy"));
        const broad = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:*", Resource: "*" }] };
        const sim = async (principal: string, action: string, key: string) => {
            const res = await runSimulation(
                {
                    request: { principal, action, resource: { resource: `${bucket}/${key}`, accountId: POND }, contextVariables: { "aws:SecureTransport": "true" } },
                    identityPolicies: [{ name: "identity", policy: principal === reader ? readerPolicy : broad }],
                    serviceControlPolicies: [],
                    resourceControlPolicies: [],
                    resourcePolicy: doc,
                },
                {},
            );
            if (res.resultType === "error") throw new Error(JSON.stringify(res.errors));
            return res.overallResult;
        };
        expect(await sim(ETL, "s3:DeleteObject", "route_demand_daily/dt=2026-11-20/x.parquet")).to.equal("Allowed");
        expect(await sim(ETL, "s3:PutObject", "_athena-results/q.csv")).to.equal("Allowed");
        expect(await sim(ETL, "s3:PutObject", "other/x")).to.equal("ImplicitlyDenied");
        expect(await sim(reader, "s3:GetObject", "route_demand_daily/dt=2026-11-20/x.parquet")).to.equal("Allowed");
        expect(await sim(reader, "s3:GetObject", "_athena-results/q.csv")).to.equal("ImplicitlyDenied");
        expect(await sim(reader, "s3:DeleteObject", "route_demand_daily/dt=2026-11-20/x.parquet")).to.equal("ImplicitlyDenied");
        expect(await sim("arn:aws:iam::999999999999:role/x", "s3:GetObject", "route_demand_daily/x")).to.equal("ImplicitlyDenied");
    });

    it("fails when a dataset is unknown", async () => {
        const e = await evaluateError(() => new Pond("p", { ...pondArgs, datasets: ["daily_sales"] }));
        expect(e.message).to.equal('Pond p: `datasets[0]` must be one of "offer_price_stats_daily", "route_demand_daily" (received "daily_sales").');
    });

    it("fails when the team has no reader principals", async () => {
        const e = await evaluateError(() => new Pond("p", { ...pondArgs, readerPrincipalArns: [] }));
        expect(e.message).to.equal("Pond p: `readerPrincipalArns` must be a non-empty list of IAM principal ARNs of the owning team (received []).");
    });
});

describe("PondEtl, LakeDelivery, LakeCatalog arguments", function () {
    this.timeout(20000);

    it("creates one Glue table per dataset and a disabled schedule when asked", async () => {
        const r = await evaluate(() => new PondEtl("etl", { ...etlArgs, scheduleEnabled: false }, { provider: testProvider("lake", "222222222222") }));
        expect(all(r, "aws:glue/catalogTable:CatalogTable").map((t) => [t.inputs.name, t.inputs.storageDescriptor.location])).to.deep.equal([["route_demand_daily", "s3://pond-ops/route_demand_daily/"]]);
        expect(one(r, "aws:scheduler/schedule:Schedule").inputs.state).to.equal("DISABLED");
        expect(one(r, "aws:lambda/function:Function").inputs.environment.variables).to.deep.include({ POND_DATASETS: "route_demand_daily", EVENTS_TABLE: "fs_lake.events", POND_BUCKET: "pond-ops" });
        expect(
            all(r, "aws:cloudwatch/metricAlarm:MetricAlarm")
                .map((a) => a.name)
                .sort(),
        ).to.deep.equal(["etl-freshness", "etl-schedule-dead-letters", "etl-workflow-executions-aborted", "etl-workflow-executions-failed", "etl-workflow-executions-timed-out"]);
    });

    it("fails when `logRetentionDays` is not a CloudWatch Logs retention period", async () => {
        const e = await evaluateError(() => new PondEtl("etl", { ...etlArgs, logRetentionDays: 2 }));
        expect(e.message).to.equal("PondEtl etl: `logRetentionDays` must be one of CloudWatch Logs' retention periods (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653) (received 2).");
    });

    it("fails when the schedule expression is not a Scheduler expression", async () => {
        const e = await evaluateError(() => new PondEtl("etl", { ...etlArgs, schedule: "daily" }));
        expect(e.message).to.equal('PondEtl etl: `schedule` must be a Scheduler expression such as "cron(15 2 * * ? *)" or "rate(1 day)" (received "daily").');
    });

    it("fails when the delivery buffer is smaller than dynamic partitioning allows", async () => {
        const e = await evaluateError(() => new LakeDelivery("d", { ...deliveryArgs, bufferSizeMiB: 5 }));
        expect(e.message).to.equal("LakeDelivery d: `bufferSizeMiB` must be an integer between 64 and 128 (received 5).");
    });

    it("fails when the log retention is not one CloudWatch accepts", async () => {
        const e = await evaluateError(() => new LakeDelivery("d", { ...deliveryArgs, logRetentionDays: 10 }));
        expect(e.message).to.match(/^LakeDelivery d: `logRetentionDays` must be one of CloudWatch Logs' retention periods \(1, 3, 5, .*\) \(received 10\)\.$/);
    });

    it("turns off the delivery alarms when asked and keeps the delivery role scoped", async () => {
        const r = await evaluate(() => new LakeDelivery("d", { ...deliveryArgs, alarms: { enabled: false } }, { provider: testProvider("ingestion", "111111111111") }));
        expect(all(r, "aws:cloudwatch/metricAlarm:MetricAlarm")).to.have.length(0);
        const doc = policyOf(one(r, "aws:iam/rolePolicy:RolePolicy", "d-role-policy"));
        expect(doc.Statement.map((s: any) => s.Sid)).to.deep.equal(["ReadStream", "LakeWriteObjects", "LakeListUploads", "LakeEncrypt", "InvokeProcessor", "WriteDeliveryLogs"]);
        expect(doc.Statement.every((s: any) => s.Resource !== "*")).to.equal(true);
        expect(policyOf(one(r, "aws:iam/role:Role", "d-role"), "assumeRolePolicy").Statement[0].Condition).to.deep.equal({ StringEquals: { "sts:ExternalId": "111111111111", "aws:SourceAccount": "111111111111" } });
    });

    it("fails when the catalog database name has upper-case letters", async () => {
        const e = await evaluateError(() => new LakeCatalog("c", { accountId: "222222222222", region: "eu-west-1", bucketName: "lake", databaseName: "Lake" }));
        expect(e.message).to.equal('LakeCatalog c: `databaseName` must be 1 to 255 lower-case letters, digits or _ (received "Lake").');
    });

    it("fails when the partition projection would start after the first day an accepted event can fall on", async () => {
        const e = await evaluateError(() => new LakeCatalog("c", { accountId: "222222222222", region: "eu-west-1", bucketName: "lake", projectionStartDay: "2024-01-01" }));
        expect(e.message).to.equal('LakeCatalog c: `projectionStartDay` must be a day on or before 1999-12-31, the first UTC day an accepted event can fall on (received "2024-01-01").');
    });
});
