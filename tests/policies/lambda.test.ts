import { expect } from "chai";
import rule from "../../policies/rules/lambda/KinesisMappingFailureHandling";
import secretsEnv from "../../policies/rules/lambda/NoSecretsInEnvironment";
import functionUrl from "../../policies/rules/lambda/FunctionUrlAuth";
import { messages, res, runRule } from "./helpers";

const ESM = "aws:lambda/eventSourceMapping:EventSourceMapping";
const esm = (over: Record<string, any> = {}) =>
    res(ESM, "consumer", {
        functionName: "consumer",
        eventSourceArn: "arn:aws:kinesis:eu-west-1:111111111111:stream/events",
        startingPosition: "LATEST",
        bisectBatchOnFunctionError: true,
        destinationConfig: { onFailure: { destinationArn: "arn:aws:sqs:eu-west-1:111111111111:dlq" } },
        ...over,
    });

describe("lambda-kinesis-mapping-failure-handling", () => {
    it("Compliance: bisect and on-failure destination", async () => {
        expect(await messages(rule, esm())).to.deep.equal([]);
    });
    it("Compliance: SQS mappings are not applicable", async () => {
        const r = await runRule(rule, [esm({ eventSourceArn: "arn:aws:sqs:eu-west-1:111111111111:q", bisectBatchOnFunctionError: undefined })]);
        expect(r.violations).to.deep.equal([]);
        expect(r.notApplicable.map((n) => n.reason)).to.deep.equal(["The mapping does not read a Kinesis stream"]);
    });
    it("Noncompliance 1: fails without bisect", async () => {
        expect(await messages(rule, esm({ bisectBatchOnFunctionError: false }))).to.deep.equal(["bisectBatchOnFunctionError is not true; a failing record blocks its shard."]);
    });
    it("Noncompliance 2: fails without an on-failure destination", async () => {
        expect(await messages(rule, esm({ destinationConfig: undefined }))).to.deep.equal(["destinationConfig.onFailure.destinationArn is not set; failed batches would be dropped."]);
    });
});

import runtimeRule from "../../policies/rules/lambda/LambdaSupportedRuntime";

const FN = "aws:lambda/function:Function";
const fn = (over: Record<string, any> = {}) => res(FN, "processor", { role: "arn:aws:iam::111111111111:role/r", handler: "index.handler", runtime: "nodejs22.x", ...over });

describe("lambda-supported-runtime", () => {
    it("Compliance: nodejs22.x", async () => {
        expect(await messages(runtimeRule, fn())).to.deep.equal([]);
    });
    it("Compliance: container-image functions are not applicable", async () => {
        const r = await runRule(runtimeRule, [fn({ runtime: undefined, packageType: "Image", imageUri: "111111111111.dkr.ecr.eu-west-1.amazonaws.com/x:1" })]);
        expect(r.violations).to.deep.equal([]);
        expect(r.notApplicable.map((n) => n.reason)).to.deep.equal(["The function has no managed runtime (container image)"]);
    });
    it("Noncompliance 1: fails on nodejs20.x", async () => {
        expect(await messages(runtimeRule, fn({ runtime: "nodejs20.x" }))).to.deep.equal(['runtime "nodejs20.x" reached end of support on 2026-04-30; move to a supported runtime such as "nodejs22.x".']);
    });
    it("Noncompliance 2: fails on python3.8", async () => {
        expect(await messages(runtimeRule, fn({ runtime: "python3.8" }))).to.deep.equal(['runtime "python3.8" reached end of support on 2024-10-14; move to a supported runtime such as "nodejs22.x".']);
    });
});

describe("no-secrets-in-environment", () => {
    const FN = "aws:lambda/function:Function";
    const fn = (variables: Record<string, string>) => res(FN, "f", { runtime: "nodejs20.x", role: "r", environment: { variables } });
    const task = (environment: { name: string; value: string }[]) => res("aws:ecs/taskDefinition:TaskDefinition", "t", { family: "t", containerDefinitions: JSON.stringify([{ name: "app", image: "i", environment }]) });
    it("Compliance: plain settings and secret references (ARNs, parameter paths)", async () => {
        expect(
            await messages(
                secretsEnv,
                fn({ STREAM_NAME: "events", DB_SECRET_ARN: "arn:aws:secretsmanager:eu-west-1:111111111111:secret:db-AbCdEf", API_KEY_PARAMETER: "/flightstream/prod/api-key", TOKEN_TTL_SECONDS: "3600", SECRET_ROTATION_ENABLED: "true" }),
                task([
                    { name: "PORT", value: "8080" },
                    { name: "SECRET_ARN", value: "arn:aws:secretsmanager:eu-west-1:111111111111:secret:k" },
                ]),
            ),
        ).to.deep.equal([]);
    });
    it("Noncompliance 1: fails when a Lambda holds DB_PASSWORD and AWS_SECRET_ACCESS_KEY literals", async () => {
        expect(await messages(secretsEnv, fn({ DB_PASSWORD: "hunter2", AWS_SECRET_ACCESS_KEY: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" }))).to.deep.equal([
            `environment variable "DB_PASSWORD" is named like a secret and holds a literal value (not an ARN or parameter path); store it in Secrets Manager and pass its ARN.`,
            `environment variable "AWS_SECRET_ACCESS_KEY" is named like a secret and holds a literal value (not an ARN or parameter path); store it in Secrets Manager and pass its ARN.`,
        ]);
    });
    it("Noncompliance 2: fails when a value is an access key id or a URL with a password, whatever the name", async () => {
        expect(await messages(secretsEnv, fn({ KEY_ID: "AKIAIOSFODNN7EXAMPLE", DATABASE_URL: "postgres://admin:s3cret@db.internal:5432/analytics" }))).to.deep.equal([
            `environment variable "KEY_ID" holds what looks like an AWS access key id; store it in Secrets Manager and pass its ARN.`,
            `environment variable "DATABASE_URL" holds what looks like a URL with a password; store it in Secrets Manager and pass its ARN.`,
        ]);
    });
    it("Noncompliance 3: fails when an ECS container environment holds a token or a private key", async () => {
        expect(
            await messages(
                secretsEnv,
                task([
                    { name: "GITHUB_TOKEN", value: "abc" },
                    { name: "TLS_KEY", value: "-----BEGIN RSA PRIVATE KEY-----\nMIIE" },
                ]),
            ),
        ).to.deep.equal([
            `container "app" environment "GITHUB_TOKEN" is named like a secret and holds a literal value (not an ARN or parameter path); store it in Secrets Manager and pass its ARN.`,
            `container "app" environment "TLS_KEY" holds what looks like a private key; store it in Secrets Manager and pass its ARN.`,
        ]);
    });
});

describe("lambda-function-url-auth", () => {
    const URL = "aws:lambda/functionUrl:FunctionUrl";
    it("Compliance: AWS_IAM", async () => {
        expect(await messages(functionUrl, res(URL, "u", { functionName: "f", authorizationType: "AWS_IAM" }))).to.deep.equal([]);
    });
    it("Noncompliance 1: fails when authorizationType is NONE", async () => {
        expect(await messages(functionUrl, res(URL, "u", { functionName: "f", authorizationType: "NONE" }))).to.deep.equal([`authorizationType is "NONE"; set "AWS_IAM" so only signed requests invoke the function.`]);
    });
});
