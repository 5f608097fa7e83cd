import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import { PLATFORM_OUTPUT_NAMES, PlatformOutputName, checkPlatformOutput, platformOutputs } from "@flightstream/components/platform/outputs";
import { planStack } from "../../plan/stack";
import { evaluate, evaluateError } from "../helpers/pulumi";

const REF = "organization/flightstream/prod";

/** A small consuming program: reads the named outputs through the typed reader and exports them. */
function reader(names: readonly PlatformOutputName[]) {
    return () => {
        const platform = platformOutputs(new pulumi.StackReference("platform", { name: REF }));
        return Object.fromEntries(names.map((n) => [n, platform[n]]));
    };
}

describe("platformOutputs (typed reader of the platform stack's outputs)", function () {
    this.timeout(120000);

    for (const stack of ["dev", "prod"]) {
        it(`reads back every output the ${stack} platform plan exports, unchanged (the exports match the schema at run time too)`, async () => {
            const plan = await planStack(stack);
            expect(Object.keys(plan.outputs).sort()).to.deep.equal([...PLATFORM_OUTPUT_NAMES].sort());
            const r = await evaluate(reader(PLATFORM_OUTPUT_NAMES), { project: "team", stack: "staging", stackReferences: { [REF]: plan.outputs } });
            // zod strips keys the schema does not declare, so an undeclared nested output would show up here as a difference.
            expect(r.outputs).to.deep.equal(plan.outputs);
        });
    }

    it("exports `lake` flat and `ponds` beside it, as the README, the team stack and the reconcile script read them", async () => {
        const plan = await planStack("prod");
        const lake = plan.outputs.lake as Record<string, unknown>;
        expect(Object.keys(lake).sort()).to.deep.equal(["bucket", "database", "deliveryRoleArn", "deliveryStream", "eventsTable", "keyArn"]);
        expect(Object.keys(plan.outputs.ponds as object).sort()).to.deep.equal(["revenue", "science"]);
    });

    it("reads an output only when it is used, so a stack with only `lake` serves a reader of `lake`", async () => {
        const lake = { bucket: "b", keyArn: "arn:aws:kms:eu-west-1:402345678901:key/k", database: "d", eventsTable: "events", deliveryStream: "s", deliveryRoleArn: "arn:aws:iam::401234567890:role/r" };
        const r = await evaluate(reader(["lake"]), { project: "team", stack: "staging", stackReferences: { [REF]: { lake } } });
        expect(r.outputs).to.deep.equal({ lake });
    });

    it("fails when a used output is missing from the platform stack, naming it", async () => {
        const e = await evaluateError(reader(["sources"]), { project: "team", stack: "staging", stackReferences: { [REF]: { lake: {} } } });
        expect(e.message).to.contain("sources");
        expect(e.message).to.contain(REF);
    });

    it("fails when an output has the wrong shape, naming the stack, the path, the value and what is allowed", () => {
        expect(() => checkPlatformOutput(REF, "environment", "staging")).to.throw(`StackReference ${REF}: output \`environment\` must be one of "dev", "prod" (received "staging"); is it a flightstream platform stack?`);
        expect(() => checkPlatformOutput(REF, "lake", { bucket: "b", keyArn: "arn:aws:kms:x", database: 7, eventsTable: "e", deliveryStream: "s", deliveryRoleArn: "arn:aws:iam::1:role/r" })).to.throw(
            `StackReference ${REF}: output \`lake.database\` must be a string (received 7); is it a flightstream platform stack?`,
        );
        expect(() => checkPlatformOutput(REF, "stream", { name: "s", arn: "arn:aws:kinesis:x", kmsKeyArn: "arn:aws:kms:x", shards: 0, consumers: {} })).to.throw(
            `StackReference ${REF}: output \`stream.shards\` must be greater than 0 (received 0); is it a flightstream platform stack?`,
        );
        expect(() => checkPlatformOutput(REF, "ponds", { revenue: { account: "123", bucket: "b", readerRoleArn: "arn:r", stateMachineArn: "arn:s" } })).to.throw(
            `StackReference ${REF}: output \`ponds.revenue.account\` must be a string matching /^\\d{12}$/ (received "123"); output \`ponds.revenue.etlRoleArn\` must be a string (received nothing); is it a flightstream platform stack?`,
        );
    });

    it("fails when an ARN output is not an ARN or the stream mode is neither a shard count nor on-demand", () => {
        expect(() => checkPlatformOutput(REF, "oncallTopics", { lake: { page: "topic", ticket: "arn:aws:sns:x" } })).to.throw(
            `StackReference ${REF}: output \`oncallTopics.lake.page\` must be a string starting with "arn:" (received "topic"); is it a flightstream platform stack?`,
        );
        expect(() => checkPlatformOutput(REF, "stream", { name: "s", arn: "arn:aws:kinesis:x", kmsKeyArn: "arn:aws:kms:x", shards: "provisioned", consumers: {} })).to.throw(
            `StackReference ${REF}: output \`stream.shards\` must be a positive integer or "on-demand" (received "provisioned"); is it a flightstream platform stack?`,
        );
    });

    it("returns the value typed when it matches", () => {
        const v = checkPlatformOutput(REF, "stream", { name: "s", arn: "arn:aws:kinesis:x", kmsKeyArn: "arn:aws:kms:x", shards: "on-demand", consumers: { a: "arn:c" } });
        expect(v.shards).to.equal("on-demand");
    });
});
