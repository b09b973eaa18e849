// The seam between the two toolchains: this repository's stand-in random provider (hack/tools)
// serves the tests' local file:// backends and refuses any other, so its state never reaches an
// operator's stack; and the operator's own check of the tools (npm run preflight) passes with the
// CLI and kubectl the tests use. The S3 backend is a real S3-compatible server (SeaweedFS).
import * as assert from "assert";
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as random from "@pulumi/random";
import { LocalWorkspace } from "@pulumi/pulumi/automation";
import { REPO_ROOT, toolEnv } from "./support";

const S3_PORT = process.env.BOTS_E2E_S3_PORT ?? "18420";
const BUCKET = "bots-toolchain-state";

function s3(env: Record<string, string>, ...args: string[]): Record<string, string> {
    const out = execFileSync("bash", ["test/support/s3-server.sh", ...args], {
        cwd: REPO_ROOT,
        env: { ...env, BOTS_S3_PORT: S3_PORT },
        encoding: "utf8",
    });
    return Object.fromEntries(
        out
            .split("\n")
            .filter((l) => l.includes("="))
            .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
    );
}

/** preview of a one-resource inline program on `backend`; the error text when it fails. */
async function previewRandom(env: Record<string, string>, backend: string, extra: Record<string, string>): Promise<string | undefined> {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), "bots-toolchain-home-"));
    try {
        const stack = await LocalWorkspace.createOrSelectStack(
            {
                stackName: "toolchain",
                projectName: "bots-toolchain",
                program: async () => {
                    new random.RandomPassword("standin-check", { length: 16 });
                },
            },
            {
                envVars: {
                    PATH: env.PATH,
                    PULUMI_HOME: home,
                    PULUMI_BACKEND_URL: backend,
                    PULUMI_CONFIG_PASSPHRASE: "bots-toolchain",
                    PULUMI_SKIP_UPDATE_CHECK: "true",
                    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
                    ...extra,
                },
            },
        );
        try {
            await stack.preview();
            return undefined;
        } catch (e) {
            return String(e);
        }
    } finally {
        fs.rmSync(home, { recursive: true, force: true });
    }
}

describe("e2e: the test toolchain stays out of operators' stacks", function () {
    this.timeout(15 * 60_000);
    const env = toolEnv();
    const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "bots-toolchain-state-"));

    after(() => {
        s3(env, "wipe");
        fs.rmSync(stateDir, { recursive: true, force: true });
    });

    it("npm run preflight passes with the CLI and kubectl the tests run", () => {
        const r = spawnSync("bash", ["scripts/preflight.sh"], { cwd: REPO_ROOT, env, encoding: "utf8" });
        assert.strictEqual(r.status, 0, r.stderr);
        assert.match(r.stdout, /^preflight: pulumi 3\.276\.0 \(>= 3\.276\.0\)$/m);
        assert.match(r.stdout, /^preflight: kubectl 1\.\d+\.\d+ \(>= 1\.27\.0\)$/m);
    });

    it("the stand-in random provider serves a local file:// backend", async () => {
        assert.strictEqual(await previewRandom(env, `file://${stateDir}`, {}), undefined);
    });

    it("refuses an S3 backend (a real S3-compatible server) before creating anything, saying what to do", async () => {
        const creds = s3(env, "start");
        s3(env, "bucket", BUCKET);
        const endpoint = creds.S3_ENDPOINT;
        const backend = `s3://${BUCKET}?endpoint=${encodeURIComponent(endpoint)}&use_path_style=true&region=${creds.S3_REGION}`;
        const err = await previewRandom(env, backend, {
            AWS_ACCESS_KEY_ID: creds.S3_ACCESS_KEY,
            AWS_SECRET_ACCESS_KEY: creds.S3_SECRET_KEY,
            AWS_REGION: creds.S3_REGION,
        });
        assert.ok(err, "the preview on an S3 backend succeeded with the stand-in provider");
        assert.match(err, /only serves local file:\/\/ backends/);
        assert.match(err, new RegExp(`s3://${BUCKET}`));
        assert.match(err, /has not sourced hack\/tools\/env\.sh/);
        assert.doesNotMatch(err, new RegExp(creds.S3_SECRET_KEY));
    });
});
