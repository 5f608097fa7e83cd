import { expect } from "chai";
import * as aws from "@pulumi/aws";
import { Workflow } from "@flightstream/components/workflows/Workflow";
import { principals } from "@flightstream/components/common/grants";
import { all, evaluate, evaluateError, one, policyOf, testProvider } from "../helpers/pulumi";

const definition = { StartAt: "Done", States: { Done: { Type: "Succeed" } } };

describe("Workflow construct", () => {
    it("logs ALL events with execution data to a KMS-encrypted log group and traces with X-Ray", async () => {
        const r = await evaluate(() => {
            const p = testProvider("ingestion", "123456789012");
            new Workflow(
                "replay",
                {
                    definition,
                    statements: [{ Effect: "Allow", Action: "kinesis:GetRecords", Resource: "arn:aws:kinesis:eu-west-1:123456789012:stream/s" }],
                    accountId: "123456789012",
                    alarms: { routing: { page: ["arn:aws:sns:eu-west-1:123456789012:page"], ticket: ["arn:aws:sns:eu-west-1:123456789012:ticket"] } },
                },
                { provider: p },
            );
        });
        const sm = one(r, "aws:sfn/stateMachine:StateMachine");
        expect(sm.account).to.equal("123456789012");
        expect(sm.inputs.name).to.equal("test-replay");
        expect(JSON.parse(sm.inputs.definition)).to.deep.equal(definition);
        expect(sm.inputs.loggingConfiguration.level).to.equal("ALL");
        expect(sm.inputs.loggingConfiguration.includeExecutionData).to.equal(true);
        const lg = one(r, "aws:cloudwatch/logGroup:LogGroup");
        expect(sm.inputs.loggingConfiguration.logDestination).to.equal(`${lg.outputs.arn}:*`);
        expect(lg.inputs.kmsKeyId).to.equal(one(r, "aws:kms/key:Key").outputs.arn);
        expect(lg.inputs.retentionInDays).to.equal(90);
        expect(sm.inputs.tracingConfiguration).to.deep.equal({ enabled: true });
        const doc = policyOf(one(r, "aws:iam/rolePolicy:RolePolicy"));
        expect(doc.Statement[0]).to.deep.equal({ Effect: "Allow", Action: "kinesis:GetRecords", Resource: "arn:aws:kinesis:eu-west-1:123456789012:stream/s" });
        const trust = policyOf(one(r, "aws:iam/role:Role"), "assumeRolePolicy");
        expect(trust.Statement[0].Principal).to.deep.equal({ Service: "states.amazonaws.com" });
        expect(trust.Statement[0].Condition).to.deep.equal({ StringEquals: { "aws:SourceAccount": "123456789012" } });
    });

    it("alarms on failed, timed-out and aborted executions with the state machine's dimension", async () => {
        const r = await evaluate(() => {
            new Workflow("reshard", { definition, statements: [], accountId: "123456789012", alarms: { routing: { page: ["arn:page"], ticket: ["arn:ticket"] } } }, { provider: testProvider() });
        });
        const sm = one(r, "aws:sfn/stateMachine:StateMachine");
        const alarms = all(r, "aws:cloudwatch/metricAlarm:MetricAlarm");
        expect(alarms.map((a) => a.inputs.name)).to.deep.equal(["test-reshard-executions-failed", "test-reshard-executions-timed-out", "test-reshard-executions-aborted"]);
        for (const a of alarms) {
            expect(a.inputs.dimensions).to.deep.equal({ StateMachineArn: sm.outputs.arn });
            expect(a.inputs.namespace).to.equal("AWS/States");
            expect(a.inputs.period).to.equal(300);
            expect(a.inputs.threshold).to.equal(1);
            expect(a.inputs.alarmActions).to.deep.equal(["arn:ticket"]);
            expect(a.inputs.okActions).to.deep.equal(["arn:ticket"]);
            expect(a.inputs.alarmDescription).to.match(/Runbook: docs\/runbooks\/workflow-failures\.md$/);
        }
    });

    it("fails when `logRetentionDays` is not a CloudWatch retention period", async () => {
        const e = await evaluateError(() => new Workflow("w", { definition, statements: [], accountId: "1", logRetentionDays: 10 }));
        expect(e.message).to.equal("Workflow w: `logRetentionDays` must be one of CloudWatch Logs' retention periods (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653) (received 10).");
    });

    it("fails when neither `logKmsKeyArn` nor `accountId` is given", async () => {
        const e = await evaluateError(() => new Workflow("w", { definition, statements: [] }));
        expect(e.message).to.equal("Workflow w: `accountId` must be given when `logKmsKeyArn` is not (the created log key's policy names the account) (received undefined).");
    });

    it("grantStart gives a role of its account StartExecution on the state machine and follow/stop on its executions", async () => {
        let g: any;
        const r = await evaluate(() => {
            const w = new Workflow("replay", { definition, statements: [], accountId: "123456789012" }, { provider: testProvider() });
            const operator = new aws.iam.Role("operator", { assumeRolePolicy: "{}" }, { provider: testProvider() });
            g = w.grantStart("operator-start", principals.role(operator, "123456789012"));
        });
        const sm = one(r, "aws:sfn/stateMachine:StateMachine");
        const policy = one(r, "aws:iam/rolePolicy:RolePolicy", "operator-start");
        expect(policy.parent).to.equal("operator");
        expect(g.crossAccount).to.equal(false);
        expect(policyOf(policy).Statement).to.deep.equal([
            { Effect: "Allow", Action: ["states:StartExecution"], Resource: sm.outputs.arn },
            { Effect: "Allow", Action: ["states:DescribeExecution", "states:GetExecutionHistory", "states:StopExecution"], Resource: `${sm.outputs.arn.replace(":stateMachine:", ":execution:")}:*` },
        ]);
    });

    it("fails when grantStart names a principal of another account (a state machine has no resource policy)", async () => {
        const e = await evaluateError(() => {
            const w = new Workflow("w", { definition, statements: [], accountId: "123456789012" }, { provider: testProvider() });
            w.grantStart("remote", principals.roleArn("arn:aws:iam::210987654321:role/ops", "210987654321"));
        });
        expect(e.message).to.equal('Workflow w grant "remote": a state machine has no resource policy, so only a principal of the workflow\'s account (123456789012) can be granted; the principal names account 210987654321.');
    });
});
