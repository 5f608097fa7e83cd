import { expect } from "chai";
import rule from "../../policies/rules/lambda/KinesisMappingFailureHandling";
import { messages, res, runRule } from "./helpers";

const ESM = "aws:lambda/eventSourceMapping:EventSourceMapping";
const esm = (over: Record<string, any> = {}) => res(ESM, "consumer", {
    functionName: "consumer", eventSourceArn: "arn:aws:kinesis:eu-west-1:111111111111:stream/events", startingPosition: "LATEST",
    bisectBatchOnFunctionError: true, destinationConfig: { onFailure: { destinationArn: "arn:aws:sqs:eu-west-1:111111111111:dlq" } }, ...over,
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
