import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

// scripts/preflight.sh against tools that print the versions given (the real CLI and kubectl pass
// it in the e2e tier, test/e2e/toolchain.spec.ts).
const REPO = path.resolve(__dirname, "..", "..");

function withTools(tools: Record<string, string>, args: string[] = []) {
    const bin = fs.mkdtempSync(path.join(os.tmpdir(), "bots-preflight-"));
    try {
        for (const [name, script] of Object.entries(tools)) {
            fs.writeFileSync(path.join(bin, name), `#!/bin/sh\n${script}\n`, { mode: 0o755 });
        }
        // Only these tools and the basics the script itself uses (no node, pulumi or kubectl of this machine).
        for (const basic of ["bash", "sed", "sort", "head", "printf", "cat", "dirname"]) {
            const real = spawnSync("bash", ["-c", `command -v ${basic}`], { encoding: "utf8" }).stdout.trim();
            if (real.startsWith("/") && !fs.existsSync(path.join(bin, basic))) {
                fs.symlinkSync(real, path.join(bin, basic));
            }
        }
        return spawnSync(path.join(bin, "bash"), ["scripts/preflight.sh", ...args], { cwd: REPO, env: { PATH: bin }, encoding: "utf8" });
    } finally {
        fs.rmSync(bin, { recursive: true, force: true });
    }
}

const PULUMI_MIN = JSON.parse(fs.readFileSync(path.join(REPO, "package.json"), "utf8")).dependencies["@pulumi/pulumi"];
const good = {
    node: "echo 24.21.0",
    pulumi: `echo v${PULUMI_MIN}`,
    kubectl: `echo '{"clientVersion": {"gitVersion": "v1.35.4"}}'`,
};

describe("scripts/preflight.sh", () => {
    it("passes with tools at their minimums, one line each", () => {
        const r = withTools(good);
        assert.strictEqual(r.status, 0, r.stderr);
        assert.deepStrictEqual(r.stdout.trim().split("\n"), [
            "preflight: Node.js 24.21.0 (>= 24)",
            `preflight: pulumi ${PULUMI_MIN} (>= ${PULUMI_MIN})`,
            "preflight: kubectl 1.35.4 (>= 1.27.0)",
        ]);
    });

    it("names a CLI older than the SDK the program pins, and where to get one", () => {
        const r = withTools({ ...good, pulumi: "echo v3.200.1" });
        assert.strictEqual(r.status, 1);
        assert.match(r.stderr, new RegExp(`pulumi 3\\.200\\.1 is older than ${PULUMI_MIN.replace(/\./g, "\\.")}.*pulumi\\.com`));
    });

    it("names every missing or old tool at once", () => {
        const r = withTools({ node: "echo 20.20.2" });
        assert.strictEqual(r.status, 1);
        assert.match(r.stderr, /Node\.js 20\.20\.2 is older than 24/);
        assert.match(r.stderr, /pulumi not found on PATH/);
        assert.match(r.stderr, /kubectl not found on PATH.*1\.27\.0/);
    });

    it("checks only the tools named (what scripts/bootstrap.sh asks: node)", () => {
        const r = withTools({ node: "echo 24.21.0" }, ["node"]);
        assert.strictEqual(r.status, 0, r.stderr);
        assert.strictEqual(r.stdout.trim(), "preflight: Node.js 24.21.0 (>= 24)");
    });
});
