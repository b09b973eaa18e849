// The linux/arm64 image of the multi-arch build (hack/docker/multiarch-build.sh: Bots 4 from
// ../shared/upstream/bots with demo/my_first_plugin baked in), pulled from the manifest list and
// run under qemu emulation as an arm64 node would run it: init-db, the webserver's health
// endpoints, and one engine run with the pod's restrictions giving the plugin's counts
// (../shared/upstream/README.md). Prints how long each took under emulation.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import {
    PROGRAM_PLUGIN, cleanupAll, docker, exec, httpGet, makeConfigDir, makeVolume, must, requireShared, runArgs, startDetached, waitHttp,
} from "../image/support";
import { engineReport } from "../support/engine-report";

/** The arm64 image the multi-arch build pulled from its manifest list into the local engine. */
const IMAGE = process.env.BOTS_ARM64_IMAGE || "bots-edi:multiarch-arm64";
const PLATFORM = ["--platform", "linux/arm64"];
const PORTS = { web: 18741, engine: 28741, jobqueue: 28742 };
const WEB = `http://127.0.0.1:${PORTS.web}`;
const PLUGIN = path.basename(PROGRAM_PLUGIN.dir);
/** demo/my_first_plugin's row of ../shared/upstream/README.md: received / without errors / sent / exit. */
const EXPECTED = { received: 3, ok: 3, sent: 1, exit: 0 };
// As the program runs the engine: uid 10001, no capabilities, no privilege escalation (runArgs adds
// the read-only root and the tmpfs /run/bots and /tmp).
const POD_RESTRICTIONS = ["--cap-drop", "ALL", "--security-opt", "no-new-privileges", "--user", "10001:10001"];

describe("the linux/arm64 image under emulation (Bots 4 + demo/my_first_plugin, SQLite)", function () {
    this.timeout(900_000);
    const timings: string[] = [];
    const botsenv = "arm64test";
    let volume: string;
    let etc: string;
    let env: Record<string, string>;

    before(function () {
        requireShared(this);
        must(docker(["image", "inspect", IMAGE]), `${IMAGE} in the local engine (hack/docker/multiarch-build.sh pulls it)`);
        volume = makeVolume("arm64");
        etc = makeConfigDir(PORTS);
        env = {
            BOTSENV: botsenv, BOTS_ACTIVATE_ROUTES: PROGRAM_PLUGIN.route,
            SUPERUSER_USERNAME: "admin", SUPERUSER_PASSWORD: "arm64-test-pw",
        };
    });
    after(function () {
        cleanupAll();
        if (timings.length) {
            console.log(timings.map((t) => `      under emulation: ${t}`).join("\n"));
        }
    });

    it("is a linux/arm64 image whose processes run as aarch64 on this host", function () {
        const host = must(docker(["version", "-f", "{{.Server.Arch}}"]), "docker version").stdout.trim();
        assert.notEqual(host, "arm64", "this host is arm64 itself: nothing is emulated");
        const platform = must(docker(["image", "inspect", "-f", "{{.Os}}/{{.Architecture}}", IMAGE]), "inspect").stdout.trim();
        assert.equal(platform, "linux/arm64");
        const r = must(docker(["run", "--rm", ...PLATFORM, IMAGE, "shell", "bash", "-c",
            "uname -m; python3 -c 'import platform, importlib.metadata as m; print(platform.machine(), m.version(\"bots-ediint\"))'"]), "uname");
        timings.push(`a shell in the container: ${(r.ms / 1000).toFixed(1)} s`);
        assert.deepEqual(r.stdout.trim().split("\n"), ["aarch64", "aarch64 4.0.0"]);
    });

    it("init-db creates the schema, installs the plugin and activates its route", function () {
        const r = docker([...runArgs({ volume, etc, env, extra: PLATFORM }), IMAGE, "init-db"], 600_000);
        timings.push(`init-db (schema + plugin): ${(r.ms / 1000).toFixed(1)} s`);
        assert.equal(r.code, 0, r.stdout + r.stderr);
        assert.match(r.stdout, new RegExp(`plugin ${PLUGIN}: installed \\(sha256 [0-9a-f]{12}\\): \\d+ files`));
        assert.match(r.stdout, new RegExp(`route ${PROGRAM_PLUGIN.route}: activated`));
    });

    it("the webserver gets healthy: /health/live, /health/ready (database, botssys, usersys) and /health/startup answer 200, and the exec probe passes", async function () {
        const name = "arm64-image-test-web";
        const t0 = Date.now();
        startDetached(name, { volume, etc, env, extra: PLATFORM }, ["webserver"], IMAGE);
        const ready = await waitHttp(`${WEB}/health/ready`, 200, 600_000);
        timings.push(`webserver start to /health/ready 200: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
        assert.deepEqual(JSON.parse(ready.body).checks, { database: true, botssys: true, usersys: true });
        const live = await httpGet(`${WEB}/health/live`);
        assert.equal(live.status, 200, live.body);
        assert.equal(JSON.parse(live.body).status, "ok");
        const startup = await httpGet(`${WEB}/health/startup`, 30_000);
        assert.equal(startup.status, 200, startup.body);
        assert.equal(JSON.parse(startup.body).status, "started");
        const probe = exec(name, ["bots-healthcheck", "ready"]);
        assert.equal(probe.code, 0, probe.stdout + probe.stderr);
        must(docker(["rm", "-f", name]), "stop the webserver");
    });

    it(`the engine (uid 10001, read-only root) translates the plugin's sample input: ${EXPECTED.received} received, ${EXPECTED.ok} without errors, ${EXPECTED.sent} sent, exit ${EXPECTED.exit}`, function () {
        const r = docker([...runArgs({ volume, etc, env, extra: [...PLATFORM, ...POD_RESTRICTIONS] }), IMAGE, "engine", "--new"], 600_000);
        timings.push(`engine run: ${(r.ms / 1000).toFixed(1)} s`);
        const got = engineReport(r.stdout + r.stderr);
        assert.deepEqual({ received: got.received, ok: got.ok, sent: got.sent, exit: r.code }, EXPECTED, (r.stdout + r.stderr).slice(-4000));
        assert.equal(got.errors, 0);
        const out = path.join(volume, "env", botsenv, "botssys", "outfile", PLUGIN);
        assert.ok(fs.existsSync(out) && fs.readdirSync(out).length === EXPECTED.sent, `${out}: one translated file per file sent`);
    });
});
