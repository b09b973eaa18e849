// The operator procedures as written (README.md and docs/operations.md), run by
// hack/docs/operations.sh against the local cluster's real node: adding a stack, the policy
// preview, promotion, rollback from the update history, a secret rotation, destroy of a protected
// stack, "destroy everything but the data" and a new stack on the kept data (which superuser
// password is valid). The script checks the cluster after each
// procedure and fails on the first difference; docs/operations.md quotes its output.
import * as assert from "assert";
import { spawnSync } from "child_process";
import { REPO_ROOT, e2eImage, toolEnv } from "./support";

describe("e2e: the operator procedures of the documents, as written", function () {
    this.timeout(20 * 60 * 1000);

    it("hack/docs/operations.sh runs every procedure to the end on the real node", function () {
        const image = e2eImage();
        const t0 = Date.now();
        const r = spawnSync("bash", ["hack/docs/operations.sh"], {
            cwd: REPO_ROOT,
            env: { ...toolEnv(), BOTS_OPS_IMAGE: image, BOTS_KEEP_CLUSTER: "1" },
            encoding: "utf8",
            maxBuffer: 64 * 1024 * 1024,
        });
        const out = `${r.stdout}${r.stderr}`;
        process.stdout.write(`      (operations.sh: ${((Date.now() - t0) / 1000).toFixed(1)}s)\n`);
        assert.strictEqual(r.status, 0, out.slice(-6000));
        assert.match(out, /operations\.sh: adding a stack, promotion, rollback, destroy-all-but-the-data and a new stack on the kept data ran as written/);
        // What the documents quote (the "### " sections) carries no path of this machine.
        const quoted = r.stdout.slice(r.stdout.indexOf("### "));
        assert.ok(quoted.length > 1000, "the script printed its sections");
        for (const p of [process.env.HOME ?? "/root", "/tmp/"]) {
            assert.ok(!quoted.includes(p), `the quoted output names a path of this machine (${p})`);
        }
    });
});
