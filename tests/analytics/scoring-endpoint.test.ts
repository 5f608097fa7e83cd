/** The SageMaker scoring endpoint: the component under mocks and the prod plan (model, endpoint, autoscaling, alarms, invoke grant, policy pack). */
import { expect } from "chai";
import * as aws from "@pulumi/aws";
import { all, evaluate, evaluateError, one, policyOf, testProvider } from "../helpers/pulumi";
import { ScoringEndpoint, ScoringEndpointArgs } from "@flightstream/components/analytics";
import { planStack } from "../../plan/stack";
import { runPolicies } from "../../plan/policies";
import { ProgramResult } from "../helpers/pulumi";

const ACCOUNT = "111111111111";
const KEY = `arn:aws:kms:eu-west-1:${ACCOUNT}:key/analytics`;
const LAKE_KEY = "arn:aws:kms:eu-west-1:222222222222:key/lake";
const args: ScoringEndpointArgs = {
    accountId: ACCOUNT,
    image: `${ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com/flightstream-scoring:1.0.0`,
    modelDataUrl: "s3://test-lake/models/scoring/sagemaker/v1/model.tar.gz",
    modelDataKmsKeyArn: LAKE_KEY,
    kmsKeyArn: KEY,
    minInstances: 2,
    maxInstances: 5,
    tags: { Team: "pricing" },
    alarms: { routing: { page: ["arn:aws:sns:eu-west-1:111111111111:page"], ticket: ["arn:aws:sns:eu-west-1:111111111111:ticket"] } },
};

describe("analytics: ScoringEndpoint (mocks) and the prod plan", function () {
    this.timeout(180_000);

    it("creates the model (network isolation), an encrypted endpoint configuration, the endpoint and target-tracking autoscaling on InvocationsPerInstance", async () => {
        const r = await evaluate(() => {
            new ScoringEndpoint("scoring", args, { provider: testProvider() });
        });
        const model = one(r, "aws:sagemaker/model:Model");
        expect(model.inputs).to.deep.include({ enableNetworkIsolation: true, executionRoleArn: one(r, "aws:iam/role:Role").outputs.arn });
        expect(model.inputs.primaryContainer).to.deep.include({ image: args.image, modelDataUrl: args.modelDataUrl, mode: "SingleModel" });
        const cfg = one(r, "aws:sagemaker/endpointConfiguration:EndpointConfiguration");
        expect(cfg.inputs.kmsKeyArn).to.equal(KEY);
        // (the model's generated name is not known under mocks)
        expect(cfg.inputs.productionVariants).to.have.length(1);
        expect(cfg.inputs.productionVariants[0]).to.deep.include({ variantName: "primary", initialInstanceCount: 2, instanceType: "ml.c6i.large", initialVariantWeight: 1 });
        const ep = one(r, "aws:sagemaker/endpoint:Endpoint");
        expect(ep.inputs.name).to.equal("test-scoring");
        expect(ep.inputs.tags).to.deep.equal({ Team: "pricing", Component: "ScoringEndpoint" });
        const target = one(r, "aws:appautoscaling/target:Target");
        expect(target.inputs).to.deep.include({ serviceNamespace: "sagemaker", scalableDimension: "sagemaker:variant:DesiredInstanceCount", resourceId: "endpoint/test-scoring/variant/primary", minCapacity: 2, maxCapacity: 5 });
        const policy = one(r, "aws:appautoscaling/policy:Policy");
        expect(policy.inputs.policyType).to.equal("TargetTrackingScaling");
        expect(policy.inputs.targetTrackingScalingPolicyConfiguration).to.deep.equal({
            targetValue: 1000,
            predefinedMetricSpecification: { predefinedMetricType: "SageMakerVariantInvocationsPerInstance" },
            scaleInCooldown: 300,
            scaleOutCooldown: 60,
        });
    });

    it("gives the execution role exactly its artifact, its image and the keys; trusted by SageMaker of this account only", async () => {
        const r = await evaluate(() => {
            new ScoringEndpoint("scoring", args, { provider: testProvider() });
        });
        const trust = policyOf(one(r, "aws:iam/role:Role"), "assumeRolePolicy").Statement[0];
        expect(trust).to.deep.equal({ Effect: "Allow", Principal: { Service: "sagemaker.amazonaws.com" }, Action: "sts:AssumeRole", Condition: { StringEquals: { "aws:SourceAccount": ACCOUNT } } });
        const s = Object.fromEntries(policyOf(one(r, "aws:iam/rolePolicy:RolePolicy")).Statement.map((x: any) => [x.Sid, x]));
        expect(s.ModelArtifactRead).to.deep.equal({ Sid: "ModelArtifactRead", Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::test-lake/models/scoring/sagemaker/v1/model.tar.gz" });
        expect(s.PullImage.Resource).to.equal(`arn:aws:ecr:eu-west-1:${ACCOUNT}:repository/flightstream-scoring`);
        expect(s.ModelArtifactDecrypt).to.deep.equal({ Sid: "ModelArtifactDecrypt", Effect: "Allow", Action: ["kms:Decrypt"], Resource: LAKE_KEY });
        expect(s.UseEndpointKey.Resource).to.equal(KEY);
    });

    it("alarms on p99 ModelLatency, 5XX and 4XX from the metric helpers, with the endpoint's dimensions and routing", async () => {
        const r = await evaluate(() => {
            new ScoringEndpoint("scoring", { ...args, latencyAlarmMs: 250 }, { provider: testProvider() });
        });
        const alarms = all(r, "aws:cloudwatch/metricAlarm:MetricAlarm").map((a) => a.inputs);
        expect(alarms.map((a) => [a.name, a.namespace, a.metricName, a.extendedStatistic ?? a.statistic, a.threshold, a.dimensions])).to.deep.equal([
            ["test-scoring-model-latency", "AWS/SageMaker", "ModelLatency", "p99", 250_000, { EndpointName: "test-scoring", VariantName: "primary" }],
            ["test-scoring-5xx", "AWS/SageMaker", "Invocation5XXErrors", "Sum", 1, { EndpointName: "test-scoring", VariantName: "primary" }],
            ["test-scoring-4xx", "AWS/SageMaker", "Invocation4XXErrors", "Sum", 1, { EndpointName: "test-scoring", VariantName: "primary" }],
        ]);
        for (const a of alarms) {
            expect(a.alarmActions).to.deep.equal(["arn:aws:sns:eu-west-1:111111111111:ticket"]);
            expect(a.alarmDescription).to.match(/Runbook: docs\/runbooks\/scoring-endpoint\.md$/);
        }
    });

    it("grants sagemaker:InvokeEndpoint on this endpoint alone", async () => {
        const r = await evaluate(() => {
            const p = testProvider();
            const ep = new ScoringEndpoint("scoring", args, { provider: p });
            const role = new aws.iam.Role("processor", { assumeRolePolicy: "{}" }, { provider: p });
            ep.grantInvoke("processor-invoke", role);
        });
        const grant = one(r, "aws:iam/rolePolicy:RolePolicy", "processor-invoke");
        expect(policyOf(grant).Statement).to.deep.equal([{ Sid: "InvokeScoringEndpoint", Effect: "Allow", Action: "sagemaker:InvokeEndpoint", Resource: one(r, "aws:sagemaker/endpoint:Endpoint").outputs.arn }]);
    });

    it("fails when the image is not an ECR URI with a tag", async () => {
        const e = await evaluateError(() => {
            new ScoringEndpoint("scoring", { ...args, image: "scoring:latest" }, { provider: testProvider() });
        });
        expect(e.message).to.contain('ScoringEndpoint scoring: `image` must be an ECR image URI with a tag or digest (<account>.dkr.ecr.<region>.amazonaws.com/<repository>:<tag>) (received "scoring:latest").');
    });

    it("fails when the artifact is not an S3 .tar.gz or maxInstances is below minInstances", async () => {
        const e1 = await evaluateError(() => {
            new ScoringEndpoint("scoring", { ...args, modelDataUrl: "https://x/model.bin" }, { provider: testProvider() });
        });
        expect(e1.message).to.contain('ScoringEndpoint scoring: `modelDataUrl` must be an S3 URI of a .tar.gz model artifact (s3://<bucket>/<key>.tar.gz) (received "https://x/model.bin").');
        const e2 = await evaluateError(() => {
            new ScoringEndpoint("scoring", { ...args, minInstances: 3, maxInstances: 2 }, { provider: testProvider() });
        });
        expect(e2.message).to.contain("ScoringEndpoint scoring: `maxInstances` must be an integer between 3 and 100 (received 2).");
    });

    describe("prod plan (analytics.scoring configured in Pulumi.prod.yaml)", () => {
        let prod: ProgramResult;
        before(async () => {
            prod = await planStack("prod");
        });

        it("holds the endpoint in the analytics account with its artifact in the lake, alarms, and the processor pointed at it", () => {
            const ep = one(prod, "aws:sagemaker/endpoint:Endpoint");
            expect([ep.account, ep.inputs.name]).to.deep.equal(["403456789012", "prod-analytics-scoring"]);
            const model = one(prod, "aws:sagemaker/model:Model");
            const lake = one(prod, "aws:s3/bucket:Bucket", "lake-bucket");
            expect(model.inputs.primaryContainer.modelDataUrl).to.equal(`s3://${lake.outputs.bucket}/models/scoring/sagemaker/placeholder/model.tar.gz`);
            expect(all(prod, "aws:cloudwatch/metricAlarm:MetricAlarm", /^analytics-scoring-/).map((a) => a.inputs.name)).to.deep.equal(["prod-analytics-scoring-model-latency", "prod-analytics-scoring-5xx", "prod-analytics-scoring-4xx"]);
            const fn = one(prod, "aws:lambda/function:Function", "analytics-processor");
            expect(fn.inputs.environment.variables).to.deep.include({ SCORING_BACKEND: "sagemaker", SCORING_ENDPOINT_NAME: "prod-analytics-scoring" });
            const grant = one(prod, "aws:iam/rolePolicy:RolePolicy", "analytics-processor-invoke-scoring");
            expect(policyOf(grant).Statement).to.deep.equal([{ Sid: "InvokeScoringEndpoint", Effect: "Allow", Action: "sagemaker:InvokeEndpoint", Resource: ep.outputs.arn }]);
            expect((prod.outputs as any).analytics.scoringEndpointName).to.equal("prod-analytics-scoring");
        });

        it("lets the endpoint's role read the lake (bucket policy names it) while its own policy reads only the artifact", () => {
            const role = one(prod, "aws:iam/role:Role", "analytics-scoring-role");
            const bucketPolicy = JSON.stringify(policyOf(one(prod, "aws:s3/bucketPolicy:BucketPolicy", "lake-policy")));
            expect(bucketPolicy).to.contain(role.outputs.arn);
        });

        it("passes the policy pack: no violation, not even advisory, on the prod plan with the endpoint", async () => {
            const { violations } = await runPolicies(prod);
            expect(violations).to.deep.equal([]);
        });
    });
});
