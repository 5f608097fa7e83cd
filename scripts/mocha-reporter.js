// Mocha's spec reporter plus one plain closing line, "N passed, N failed, N skipped",
// which CI and people can read without knowing mocha's summary format.
const Mocha = require("mocha");
const { Spec } = Mocha.reporters;
const { EVENT_RUN_END } = Mocha.Runner.constants;

class SpecWithTotals extends Spec {
    constructor(runner, options) {
        super(runner, options);
        runner.once(EVENT_RUN_END, () => {
            const s = runner.stats || {};
            // Runs after the spec reporter's own epilogue (its listener was registered first);
            // synchronous, because mocha's `exit: true` exits right after the run ends.
            process.stdout.write(`${s.passes || 0} passed, ${s.failures || 0} failed, ${s.pending || 0} skipped\n`);
        });
    }
}

module.exports = SpecWithTotals;
