// Mocha's own summary is not read by CI, so every tier appends its counts to
// $TEST_COUNTS_FILE ("<tier> <passed> <failed> <pending>") for hack/test-all.sh to total, and
// each failure's title and first message line to $TEST_FAILURES_FILE: CI shows only the end of
// the output, where a failure of an earlier tier would otherwise not be named.
"use strict";
const fs = require("fs");
const Mocha = require("mocha");

const { EVENT_RUN_END, EVENT_TEST_FAIL } = Mocha.Runner.constants;

class CountingReporter extends Mocha.reporters.Spec {
    constructor(runner, options) {
        super(runner, options);
        const tier = process.env.TEST_TIER || "unknown";
        const failures = [];
        runner.on(EVENT_TEST_FAIL, (test, err) => {
            const message = String((err && err.message) || err).split("\n").find((l) => l.trim()) || "";
            failures.push(`${tier}: ${test.fullTitle()}\n    ${message.trim().slice(0, 300)}\n`);
        });
        runner.once(EVENT_RUN_END, () => {
            const s = runner.stats;
            if (process.env.TEST_COUNTS_FILE) {
                fs.appendFileSync(process.env.TEST_COUNTS_FILE, `${tier} ${s.passes} ${s.failures} ${s.pending}\n`);
            }
            if (process.env.TEST_FAILURES_FILE && failures.length > 0) {
                fs.appendFileSync(process.env.TEST_FAILURES_FILE, failures.join(""));
            }
        });
    }
}

module.exports = CountingReporter;
