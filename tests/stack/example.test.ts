import { expect } from "chai";
import { alarmProblems } from "../../plan/checks";
import { all, evaluate, evaluateError, one, policyOf } from "../helpers/pulumi";

const PLATFORM = "organization/flightstream/prod";
/** The platform stack's `lake` output as stack/lake.ts exports it. */
const LAKE = {
    bucket: "prod-lake-402345678901",
    keyArn: "arn:aws:kms:eu-west-1:402345678901:key/lake-key",
    database: "prod_flightstream_lake",
    eventsTable: "events",
    deliveryStream: "prod-lake",
    deliveryRoleArn: "arn:aws:iam::401234567890:role/lake-delivery",
};

/** The example program, evaluated afresh (the module runs its program when loaded). */
function teamStack() {
    const entry = require.resolve("../../examples/team-stack");
    for (const k of Object.keys(require.cache)) if (k.includes("/examples/team-stack/")) delete require.cache[k];
    return require(entry);
}

describe("examples/team-stack (components imported into another stack)", function () {
    this.timeout(60000);

    it("evaluates with every resource in the team's account and alarms routed to its topics", async () => {
        const r = await evaluate(teamStack, { project: "team-clickstream", stack: "staging", config: { "team-clickstream:accountId": "555555555555" }, stackReferences: { [PLATFORM]: { lake: LAKE } } });
        const stream = one(r, "aws:kinesis/stream:Stream");
        expect(stream.account).to.equal("555555555555");
        expect(stream.inputs.streamModeDetails).to.deep.equal({ streamMode: "ON_DEMAND" });
        expect(stream.inputs.encryptionType).to.equal("KMS");
        expect(one(r, "aws:kinesis/streamConsumer:StreamConsumer").inputs.name).to.equal("sessionizer");
        const custom = r.resources.filter((x) => x.custom && !x.type.startsWith("pulumi:providers:") && x.type !== "pulumi:pulumi:StackReference");
        expect(new Set(custom.map((x) => x.account))).to.deep.equal(new Set(["555555555555"]));
        const alarmNames = all(r, "aws:cloudwatch/metricAlarm:MetricAlarm").map((a) => a.inputs.name);
        expect(alarmNames).to.include("staging-clicks-iterator-age");
        expect(alarmNames).not.to.include("staging-clicks-read-throttled");
        expect(alarmProblems(r)).to.deep.equal([]);
        const grant = policyOf(one(r, "aws:iam/rolePolicy:RolePolicy", "click-producer-write"));
        expect(JSON.stringify(grant)).to.include(stream.outputs.arn);
        expect(r.outputs.streamArn).to.equal(stream.outputs.arn);
    });

    it("reads the platform's lake through a StackReference and builds its pond and dataset ETL on it", async () => {
        const r = await evaluate(teamStack, { project: "team-clickstream", stack: "staging", config: { "team-clickstream:accountId": "555555555555" }, stackReferences: { [PLATFORM]: { lake: LAKE } } });
        const ref = one(r, "pulumi:pulumi:StackReference");
        expect(ref.inputs.name).to.equal(PLATFORM);
        const plan = all(r, "aws:lambda/function:Function").find((f) => f.name === "web-pond-etl-plan")!;
        expect(plan.inputs.environment.variables.EVENTS_TABLE).to.equal("prod_flightstream_lake.events");
        expect(plan.inputs.environment.variables.POND_DATASETS).to.equal("route_cabin_searches_daily");
        const etlPolicy = JSON.stringify(r.resources.filter((p) => p.type.startsWith("aws:iam/") && p.name.startsWith("web-pond-etl")).map((p) => p.inputs));
        expect(etlPolicy).to.include(`arn:aws:s3:::${LAKE.bucket}`);
        expect(etlPolicy).to.include(LAKE.keyArn);
        expect(etlPolicy).to.include(":table/prod_flightstream_lake/events");
        expect(one(r, "aws:glue/catalogTable:CatalogTable").inputs.name).to.equal("route_cabin_searches_daily");
        const sm = one(r, "aws:sfn/stateMachine:StateMachine");
        expect(sm.inputs.definition).to.include(LAKE.bucket);
        expect(r.outputs.webPondEtlStateMachineArn).to.equal(sm.outputs.arn);
    });

    it("reads another platform stack when `platformStack` is set", async () => {
        const r = await evaluate(teamStack, {
            project: "team-clickstream",
            stack: "staging",
            config: { "team-clickstream:accountId": "555555555555", "team-clickstream:platformStack": "organization/flightstream/dev" },
            stackReferences: { "organization/flightstream/dev": { lake: { ...LAKE, bucket: "dev-lake", database: "dev_flightstream_lake" } } },
        });
        const plan = all(r, "aws:lambda/function:Function").find((f) => f.name === "web-pond-etl-plan")!;
        expect(plan.inputs.environment.variables.EVENTS_TABLE).to.equal("dev_flightstream_lake.events");
    });

    it("fails when the platform stack has no usable `lake` output", async () => {
        const e = await evaluateError(teamStack, { project: "team-clickstream", stack: "staging", config: { "team-clickstream:accountId": "555555555555" }, stackReferences: { [PLATFORM]: { lake: { ...LAKE, database: 7 } } } });
        expect(e.message).to.contain("StackReference organization/flightstream/prod: output `lake.database` must be a string (received 7); is it a flightstream platform stack?");
    });

    it("fails when the mock engine is given no outputs for the referenced stack", async () => {
        const e = await evaluateError(teamStack, { project: "team-clickstream", stack: "staging", config: { "team-clickstream:accountId": "555555555555" } });
        expect(e.message).to.contain('StackReference "organization/flightstream/prod": the mock engine has no outputs for this stack');
    });
});
