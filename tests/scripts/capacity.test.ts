import * as path from "path";
import { spawnSync } from "child_process";
import { expect } from "chai";
import type { MeasuredFigures } from "../../functions/shared/capacity";
import { CAPACITY_COMMAND, runCapacity } from "../../scripts/capacity";
import { fieldNames, usage } from "../../scripts/lib/cli";

const REPO = path.resolve(__dirname, "..", "..");
/** Fixed measured figures so the messages do not move with every bench run. */
const MEASURED: MeasuredFigures = { averageEventBytes: 2048, frameCompressionRatio: 3, hotShardImbalance: 1.1, consumerEventsPerSecond: 80000, from: "test fixture" };

/** One value the planners refuse per option (after --tb-per-day 1), and the message: the option's own flag, never the planner's field name. */
const BAD: Record<string, [string[], string]> = {
    "tb-per-day": [["--tb-per-day", "0"], "`--tb-per-day` must be a number greater than 0 (received 0)"],
    "mb-per-second": [["--mb-per-second", "1"], "give only one of `--tb-per-day` or `--mb-per-second`, got both"],
    "event-bytes": [["--event-bytes=-5"], "`--event-bytes` must be a number greater than 0 (received -5)"],
    "frame-ratio": [["--frame-ratio", "0.5"], "`--frame-ratio` must be at least 1 (uncompressed / compressed size), got 0.5"],
    imbalance: [["--imbalance", "0.9"], "`--imbalance` must be at least 1 (hottest over average shard), got 0.9"],
    tasks: [["--tasks", "0"], "`--tasks` must be an integer between 1 and 10000 (received 0)"],
    "linger-ms": [["--linger-ms", "80"], "`--linger-ms` must be an integer between 1 and 50 (received 80)"],
    "look-to-book": [["--look-to-book", "0"], "`--look-to-book` must be a number greater than 0 (received 0)"],
    "cancellations-per-booking": [["--cancellations-per-booking", "2"], "`--cancellations-per-booking` must be a number from 0 to 1, got 2"],
    "record-bytes": [["--record-bytes", "2000000"], "`--record-bytes` must be an integer between 1 and 1048576 (received 2000000)"],
    "peak-factor": [["--peak-factor", "0.5"], "`--peak-factor` must be at least 1 (peak over average), got 0.5"],
    "compression-ratio": [["--compression-ratio", "0.5"], "`--compression-ratio` must be at least 1 (uncompressed / compressed size), got 0.5"],
    "partition-key-bytes": [["--partition-key-bytes", "2000"], "`--partition-key-bytes` must be an integer between 1 and 1024 (received 2000)"],
    "aggregate-bytes": [["--aggregate-bytes", "10"], "`--aggregate-bytes` must be an integer between 1024 and 1048576 (received 10)"],
    "target-utilization": [["--target-utilization", "1.5"], "`--target-utilization` must be in (0, 1], got 1.5"],
    "retention-hours": [["--retention-hours", "12"], "`--retention-hours` must be an integer between 24 and 8760 (received 12)"],
    readers: [["--readers", "30"], "`--readers` must be an integer between 0 and 20 (received 30)"],
    "current-shards": [["--current-shards", "0"], "`--current-shards` must be an integer between 1 and 10000 (received 0)"],
    "target-shards": [["--current-shards", "4", "--target-shards", "20000"], "`--target-shards` must be an integer between 1 and 10000 (received 20000)"],
};

describe("capacity command: the planners' fields named by the option table (fieldNames)", () => {
    const numeric = Object.entries(CAPACITY_COMMAND.options).filter(([, o]) => "field" in o);

    it("declares a planner field on every numeric option, each field once", () => {
        expect(numeric.map(([flag]) => flag)).to.deep.equal(Object.keys(BAD));
        const fields = numeric.map(([, o]) => ("field" in o ? o.field : ""));
        expect(new Set(fields).size).to.equal(fields.length);
    });

    for (const [flag, [argv, message]] of Object.entries(BAD)) {
        it(`fails when --${flag} is out of the planner's range, naming \`--${flag}\``, () => {
            const full = flag === "tb-per-day" ? argv : ["--tb-per-day", "1", ...argv];
            expect(() => runCapacity(full, MEASURED)).to.throw(message);
            try {
                runCapacity(full, MEASURED);
            } catch (err) {
                expect((err as Error).message).to.equal(message);
            }
        });
    }

    it("fails when a value is not a number, naming the option and the value", () => {
        expect(() => runCapacity(["--tb-per-day", "ten"], MEASURED)).to.throw('`--tb-per-day` must be a number (received "ten")');
        expect(() => runCapacity(["--tb-per-day", "1", "--tasks", " "], MEASURED)).to.throw('`--tasks` must be a number (received " ")');
    });

    it("names a field no option fills by its own name, in backticks", () => {
        const name = fieldNames(CAPACITY_COMMAND);
        expect([name("tbPerDay"), name("efoConsumers"), name("current"), name("weights", "blue")]).to.deep.equal(["`--tb-per-day`", "`efoConsumers`", "`--current-shards`", "`weights.blue`"]);
    });

    it("fails when run with a bad value: exit 2, the flag named and the usage on stderr (spawned)", () => {
        const res = spawnSync(process.execPath, ["-r", "./scripts/register.js", "scripts/capacity.ts", "--tb-per-day", "10", "--linger-ms", "80"], { cwd: REPO, encoding: "utf8" });
        expect(res.status).to.equal(2);
        expect(res.stdout).to.equal("");
        expect(res.stderr).to.equal(`capacity: \`--linger-ms\` must be an integer between 1 and 50 (received 80)\n\n${usage(CAPACITY_COMMAND)}\n`);
    });
});
