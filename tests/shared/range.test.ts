import { expect } from "chai";
import { assertIntegerInRange, assertNumberInRange, describeValue, integerRangeProblem, LOG_RETENTION_DAYS, logRetentionProblem, problemMessage } from "../../functions/shared/range";
import { validator } from "@flightstream/components/common/validation";

describe("shared: range checks (one message format)", () => {
    it("returns the value when it is an integer in range", () => {
        expect(assertIntegerInRange("count", 1, 1, 3)).to.equal(1);
        expect(assertIntegerInRange("count", 3, 1, 3)).to.equal(3);
        expect(integerRangeProblem("count", 2, 1, 3)).to.equal(undefined);
        expect(assertNumberInRange("ratio", 0.5, 0, 1)).to.equal(0.5);
    });

    it("fails when the value is outside the range, not an integer or not a number, naming the argument, the range and the value", () => {
        expect(() => assertIntegerInRange("count", 0, 1, 3)).to.throw(RangeError, "`count` must be an integer between 1 and 3 (received 0)");
        expect(() => assertIntegerInRange("count", 4, 1, 3)).to.throw(RangeError, "`count` must be an integer between 1 and 3 (received 4)");
        expect(() => assertIntegerInRange("count", 1.5, 1, 3)).to.throw(RangeError, "`count` must be an integer between 1 and 3 (received 1.5)");
        expect(() => assertIntegerInRange("count", "2", 1, 3)).to.throw(RangeError, '`count` must be an integer between 1 and 3 (received "2")');
        expect(() => assertIntegerInRange("count", 0, 1, Number.POSITIVE_INFINITY)).to.throw(RangeError, "`count` must be an integer of at least 1 (received 0)");
        expect(() => assertNumberInRange("ratio", NaN, 0, 1)).to.throw(RangeError, "`ratio` must be a number between 0 and 1 (received NaN)");
    });

    it("gives the components' validator the same text after the component's name", () => {
        const v = validator("KinesisStream", "s");
        expect(() => v.intRange("shardCount", 0, 1, 3)).to.throw(`KinesisStream s: ${problemMessage("shardCount", "an integer between 1 and 3", 0)}.`);
        expect(() => v.intRange("shardCount", 0, 1, 3)).to.throw("KinesisStream s: `shardCount` must be an integer between 1 and 3 (received 0).");
        expect(() => v.numberRange("ratio", 2, 0, 1)).to.throw("KinesisStream s: `ratio` must be a number between 0 and 1 (received 2).");
    });

    it("fails when a log retention is not one of CloudWatch Logs' periods (2 is not one)", () => {
        expect(logRetentionProblem("logRetentionDays", 30)).to.equal(undefined);
        expect(logRetentionProblem("logRetentionDays", 2)).to.equal(`\`logRetentionDays\` must be one of CloudWatch Logs' retention periods (${LOG_RETENTION_DAYS.join(", ")}) (received 2)`);
        expect(() => validator("Workflow", "w").logRetentionDays("logRetentionDays", 2)).to.throw(`Workflow w: \`logRetentionDays\` must be one of CloudWatch Logs' retention periods (${LOG_RETENTION_DAYS.join(", ")}) (received 2).`);
        expect(LOG_RETENTION_DAYS).to.include.members([1, 3, 5, 7, 14, 30, 365, 3653]).and.not.include(2);
    });

    it("renders received values: strings quoted, long values cut", () => {
        expect(describeValue(undefined)).to.equal("undefined");
        expect(describeValue("a")).to.equal('"a"');
        expect(describeValue(10n)).to.equal("10");
        expect(describeValue({ a: "x".repeat(200) }))
            .to.have.length(120)
            .and.match(/\.\.\.$/);
    });
});
