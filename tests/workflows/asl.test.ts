/** Every workflow definition validates with asl-validator (ARNs and JSONPaths checked). */
import { expect } from "chai";
import { replayDefinition, reshardDefinition, trafficShiftDefinition, statesOfType, AslDefinition } from "../../functions/workflows/asl";
import { localDefinition } from "../../local/workflows";

// asl-validator ships no types.
const validate: (def: unknown, opts?: { checkPaths?: boolean; checkArn?: boolean }) => { isValid: boolean; errors: unknown[]; errorsText: (sep?: string) => string } = require("asl-validator");

const ARN = "arn:aws:lambda:eu-west-1:111111111111:function:prod-replay-tasks";

function check(def: AslDefinition) {
    const res = validate(JSON.parse(JSON.stringify(def)), { checkPaths: true, checkArn: true });
    return res;
}

describe("workflows: ASL", () => {
    const defs: Record<string, AslDefinition> = {
        replay: replayDefinition({ taskFunctionArn: ARN }),
        reshard: reshardDefinition({ taskFunctionArn: ARN }),
        trafficShift: trafficShiftDefinition({ taskFunctionArn: ARN }),
        replayLocal: localDefinition("replay"),
        reshardLocal: localDefinition("reshard"),
        shiftLocal: localDefinition("shift"),
    };
    for (const [name, def] of Object.entries(defs)) {
        it(`${name} is valid ASL`, () => {
            const res = check(def);
            expect(res.errors, res.errorsText ? res.errorsText("\n") : "").to.deep.equal([]);
            expect(res.isValid).to.equal(true);
        });
    }

    it("fails validation for a broken definition (the validator does check)", () => {
        const broken = JSON.parse(JSON.stringify(defs.reshard));
        broken.States["StreamActive?"].Default = "NoSuchState";
        expect(check(broken).isValid).to.equal(false);
    });

    it("bounds the replay Map's concurrency and pages with a Choice loop", () => {
        const def = replayDefinition({ taskFunctionArn: ARN, maxConcurrency: 7 });
        const map = def.States.ReplaySources as { MaxConcurrency: number; ItemProcessor: AslDefinition };
        expect(map.MaxConcurrency).to.equal(7);
        expect(map.ItemProcessor.States["PageDone?"]).to.deep.equal({
            Type: "Choice",
            Choices: [{ Variable: "$.done", BooleanEquals: true, Next: "SourceReplayed" }],
            Default: "ReadPage",
        });
        expect(statesOfType(def, "Task")).to.deep.equal(["Plan", "ReadPage", "Summarize"]);
        expect(() => replayDefinition({ taskFunctionArn: ARN, maxConcurrency: 0 })).to.throw("replayDefinition: `maxConcurrency` must be an integer between 1 and 40 (received 0).");
        expect(() => replayDefinition({ taskFunctionArn: "" })).to.throw('replayDefinition: `taskFunctionArn` must be a non-empty string (received "").');
    });

    it("every Task calls the given function with an action and retries Lambda's transient errors", () => {
        for (const def of [defs.replay, defs.reshard, defs.trafficShift]) {
            const walk = (states: Record<string, any>) => {
                for (const s of Object.values(states)) {
                    if (s.ItemProcessor) walk(s.ItemProcessor.States);
                    if (s.Type !== "Task") continue;
                    expect(s.Resource).to.equal(ARN);
                    expect(s.Parameters.action).to.be.a("string");
                    expect(s.Retry[0].ErrorEquals).to.include("Lambda.TooManyRequestsException");
                }
            };
            walk(def.States);
        }
    });

    it("the traffic shift rolls back from the soak and ends in a Fail state with the reason", () => {
        const def = trafficShiftDefinition({ taskFunctionArn: ARN });
        expect(def.States.RolledBack).to.deep.equal({ Type: "Fail", Error: "TrafficShiftRolledBack", CausePath: "$.reason" });
        expect((def.States.SoakCheck as any).Catch).to.deep.equal([{ ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: "Rollback" }]);
    });
});
