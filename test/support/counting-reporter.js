// Mocha's own summary is not read by CI, so every tier appends its counts to
// $TEST_COUNTS_FILE ("<tier> <passed> <failed> <pending>") for hack/test-all.sh to total.
"use strict";
const fs = require("fs");
const Mocha = require("mocha");

class CountingReporter extends Mocha.reporters.Spec {
    constructor(runner, options) {
        super(runner, options);
        runner.once(Mocha.Runner.constants.EVENT_RUN_END, () => {
            const file = process.env.TEST_COUNTS_FILE;
            if (!file) {
                return;
            }
            const tier = process.env.TEST_TIER || "unknown";
            const s = runner.stats;
            fs.appendFileSync(file, `${tier} ${s.passes} ${s.failures} ${s.pending}\n`);
        });
    }
}

module.exports = CountingReporter;
