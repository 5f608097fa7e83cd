import { expect } from "chai";
import logging from "../../policies/rules/sfn/StepFunctionsLogging";
import tracing from "../../policies/rules/sfn/StepFunctionsTracing";
import { messages, res } from "./helpers";

const SM = "aws:sfn/stateMachine:StateMachine";
const LOG = "arn:aws:logs:eu-west-1:111111111111:log-group:/aws/states/pond:*";
const sm = (over: Record<string, any> = {}) =>
    res(SM, "pond", {
        definition: "{}",
        roleArn: "arn:aws:iam::111111111111:role/sfn",
        loggingConfiguration: { level: "ALL", includeExecutionData: true, logDestination: LOG },
        tracingConfiguration: { enabled: true },
        ...over,
    });

describe("sfn-logging-all", () => {
    it("Compliance: ALL with execution data", async () => {
        expect(await messages(logging, sm())).to.deep.equal([]);
    });
    it("Noncompliance 1: fails without a logging configuration", async () => {
        expect(await messages(logging, sm({ loggingConfiguration: undefined }))).to.deep.equal([`loggingConfiguration has no logDestination; log level "ALL" with includeExecutionData to a log group.`]);
    });
    it("Noncompliance 2: fails when level is ERROR", async () => {
        expect(await messages(logging, sm({ loggingConfiguration: { level: "ERROR", includeExecutionData: true, logDestination: LOG } }))).to.deep.equal([`loggingConfiguration.level is "ERROR"; set "ALL".`]);
    });
    it("Noncompliance 3: fails when includeExecutionData is false", async () => {
        expect(await messages(logging, sm({ loggingConfiguration: { level: "ALL", includeExecutionData: false, logDestination: LOG } }))).to.deep.equal(["loggingConfiguration.includeExecutionData is not true; set true."]);
    });
});

describe("sfn-tracing", () => {
    it("Compliance: tracing enabled", async () => {
        expect(await messages(tracing, sm())).to.deep.equal([]);
    });
    it("Noncompliance 1: fails when tracing is unset", async () => {
        expect(await messages(tracing, sm({ tracingConfiguration: undefined }))).to.deep.equal(["tracingConfiguration.enabled is not true; enable X-Ray tracing."]);
    });
    it("Noncompliance 2: fails when tracing is disabled", async () => {
        expect(await messages(tracing, sm({ tracingConfiguration: { enabled: false } }))).to.deep.equal(["tracingConfiguration.enabled is not true; enable X-Ray tracing."]);
    });
});
