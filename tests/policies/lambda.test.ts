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
