// Bots' own unit tests (bots/tests, the selection its pyproject.toml makes) against the built Bots 4
// environment: the `bots-tests` build target (the runtime plus pytest), never the shipped image.
import { strict as assert } from "assert";
import { IMAGE, IMAGE_BOTS_TESTS, docker, ensureBotsTestsImage, must, requireShared } from "./support";

describe("Bots' own tests (build target bots-tests)", function () {
    this.timeout(1_800_000);

    before(function () {
        requireShared(this);
        ensureBotsTestsImage();
    });

    it("pass on the built environment (uid 10001, read-only root)", function () {
        const r = docker(["run", "--rm", "--read-only", "--tmpfs", "/tmp", IMAGE_BOTS_TESTS], 600_000);
        const out = r.stdout + r.stderr;
        const summary = /=+ (.*) in [\d.]+s/.exec(out)?.[1] ?? "";
        console.log(`      pytest: ${summary}`);
        assert.equal(r.code, 0, out.slice(-4000));
        assert.match(summary, /^\d+ passed/);
        assert.doesNotMatch(summary, /failed|error/);
    });

    it("the shipped image has neither pytest nor Bots' tests", function () {
        const r = must(docker(["run", "--rm", "--entrypoint", "bash", IMAGE, "-c",
            "python3 -c 'import pytest' 2>/dev/null && echo PYTEST; test -e /opt/bots-tests && echo TESTS; echo done"]), "inspect");
        assert.equal(r.stdout.trim(), "done");
    });
});
