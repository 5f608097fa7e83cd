import { expect } from "chai";
import { alarmProblems } from "../../plan/checks";
import { all, evaluate, one, policyOf } from "../helpers/pulumi";

describe("examples/team-stack (components imported into another stack)", function () {
    this.timeout(60000);

    it("evaluates with every resource in the team's account and alarms routed to its topics", async () => {
        const r = await evaluate(() => require("../../examples/team-stack"), { project: "team-clickstream", stack: "staging", config: { "team-clickstream:accountId": "555555555555" } });
        const stream = one(r, "aws:kinesis/stream:Stream");
        expect(stream.account).to.equal("555555555555");
        expect(stream.inputs.streamModeDetails).to.deep.equal({ streamMode: "ON_DEMAND" });
        expect(stream.inputs.encryptionType).to.equal("KMS");
        expect(one(r, "aws:kinesis/streamConsumer:StreamConsumer").inputs.name).to.equal("sessionizer");
        const custom = r.resources.filter((x) => x.custom && !x.type.startsWith("pulumi:providers:"));
        expect(new Set(custom.map((x) => x.account))).to.deep.equal(new Set(["555555555555"]));
        const alarmNames = all(r, "aws:cloudwatch/metricAlarm:MetricAlarm").map((a) => a.inputs.name);
        expect(alarmNames).to.include("staging-clicks-iterator-age");
        expect(alarmNames).not.to.include("staging-clicks-read-throttled");
        expect(alarmProblems(r)).to.deep.equal([]);
        const grant = policyOf(one(r, "aws:iam/rolePolicy:RolePolicy", "click-producer-write"));
        expect(JSON.stringify(grant)).to.include(stream.outputs.arn);
        expect(r.outputs.streamArn).to.equal(stream.outputs.arn);
    });
});
