// shellcheck, hadolint and ruff are clean (the same checks as hack/docker/lint.sh).
import { strict as assert } from "assert";
import * as path from "path";
import { run } from "./support";

const LINT_BIN = process.env.LINT_BIN || "";

function clean(cmd: string, args: string[]): void {
    const r = run(cmd, args);
    assert.equal(r.code, 0, `${path.basename(cmd)} findings:\n${r.stdout}\n${r.stderr}`);
}

describe("lint", function () {
    this.timeout(120_000);
    before(function () {
        assert.ok(LINT_BIN, "LINT_BIN is set by test/image/run.sh");
    });

    it("shellcheck: entrypoint and scripts", function () {
        clean("shellcheck", ["-x", "docker/entrypoint.sh", "docker/bots-tests.sh", "docker/bots-engine-args.sh", ...["setup-engine", "build-base-image", "buildkit", "lint", "lint-tools", "bench-image", "multiarch-build"].map((s) => `hack/docker/${s}.sh`), "scripts/image-build.sh", "test/image/run.sh", "test/support/pg-server.sh", "test/image/mysql-server.sh"]);
    });

    it("hadolint: docker/Dockerfile", function () {
        clean(path.join(LINT_BIN, "hadolint"), ["docker/Dockerfile"]);
    });

    it("ruff: the image's Python package, default config and test data", function () {
        clean(path.join(LINT_BIN, "ruff"), ["check", "--config", "docker/python/pyproject.toml", "docker/python", "docker/config", "test/image/fixtures"]);
    });
});
