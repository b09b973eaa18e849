// The config the Pulumi program renders (bots.ini, settings.py and the environment of its config
// Secret, taken from a run of the program under mocks) in the real image, mounted and passed the
// way the pods get it: init-db, the web server's probes, the engine and the worker's two services.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { CONFIG_ENV_KEYS } from "../../components/image/runtime-contract";
import { T, one, runStack } from "../support/harness";
import { reveal } from "../support/values";
import {
    IMAGE, cleanupAll, docker, ensureImage, exec, httpGet, logs, makeVolume, onCleanup, replaceIniKey, runArgs,
    startDetached, stopWithin, waitHttp,
} from "./support";

// The containers share the host network here, so the rendered ports move to free ones.
const PORTS = { web: 18281, engine: 28381, jobqueue: 28382 };
const WEB = `http://127.0.0.1:${PORTS.web}`;

describe("the program's rendered config in the real image (SQLite)", function () {
    this.timeout(240_000);
    let volume: string;
    let etc: string;
    let env: Record<string, string>;
    let ini: string;

    before(async function () {
        ensureImage();
        const run = await runStack({ stack: "dev", set: { databaseEngine: "sqlite", databaseExistingSecret: "", databaseHost: "" } });
        const data = reveal(one(run, T.secret).inputs.stringData) as Record<string, string>;
        ini = data["bots.ini"];
        etc = fs.mkdtempSync(path.join(os.tmpdir(), "bots-image-program-etc-"));
        onCleanup(() => fs.rmSync(etc, { recursive: true, force: true }));
        let testIni = replaceIniKey(ini, "webserver", "port", String(PORTS.web));
        testIni = replaceIniKey(testIni, "settings", "port", String(PORTS.engine));
        testIni = replaceIniKey(testIni, "jobqueue", "port", String(PORTS.jobqueue));
        fs.writeFileSync(path.join(etc, "bots.ini"), testIni, { mode: 0o644 });
        fs.writeFileSync(path.join(etc, "settings.py"), data["settings.py"], { mode: 0o644 });
        fs.chmodSync(etc, 0o755);
        // Exactly the variables the pods get from the Secret (empty optional ones included).
        env = Object.fromEntries(CONFIG_ENV_KEYS.map(({ key }) => [key, data[key] ?? ""]));
        volume = makeVolume("program");
    });
    after(cleanupAll);

    const base = () => ({ volume, etc, env });

    it("renders what the image expects: the settings import, relative usersys, acceptance mode off", function () {
        assert.match(fs.readFileSync(path.join(etc, "settings.py"), "utf8"), /^from bots_runtime\.settings import \*/m);
        assert.match(ini, /^usersys = usersys$/m);
        assert.match(ini, /^runacceptancetest = False$/m);
        assert.equal(env.BOTSENV, "dev");
        assert.equal(env.BOTS_DB_ENGINE, "sqlite");
        assert.ok(env.DJANGO_SECRET_KEY.length > 20);
    });

    it("init-db creates the schema and the superuser with the rendered config", function () {
        const r = docker([...runArgs(base()), IMAGE, "init-db"]);
        assert.equal(r.code, 0, r.stdout + r.stderr);
        assert.ok(fs.existsSync(path.join(volume, "env", "dev", "botssys", "sqlitedb", env.DB_NAME)), "SQLite file on the data volume");
        assert.match(r.stdout + r.stderr, /admin/);
    });

    it("the web server passes the probes the Deployment uses", async function () {
        const name = "bots-image-test-program-web";
        startDetached(name, base(), ["webserver"]);
        await waitHttp(`${WEB}/health/startup`, 200, 90_000);
        for (const p of ["/health/live", "/health/ready"]) {
            const res = await httpGet(`${WEB}${p}`);
            assert.equal(res.status, 200, `${p}: ${res.body}\n${logs(name).slice(-2000)}`);
        }
        const s = stopWithin(name, 30);
        assert.equal(s.exitCode, 0, logs(name));
    });

    it("the engine runs with the CronJob's arguments and exits 0", function () {
        const r = docker([...runArgs(base()), IMAGE, "engine", "--new"], 180_000);
        assert.equal(r.code, 0, r.stdout + r.stderr);
    });

    it("the worker's job queue and directory monitor start side by side and pass their exec probes", async function () {
        const queue = "bots-image-test-program-jobqueue";
        const monitor = "bots-image-test-program-dirmonitor";
        startDetached(queue, base(), ["jobqueueserver"]);
        await waitFor(queue, ["bots-healthcheck", "jobqueue"]);
        startDetached(monitor, base(), ["dirmonitor"]);
        await waitFor(monitor, ["bots-healthcheck", "dirmonitor"]);
        await waitForLog(monitor, /Bots dirmonitor started/);
        assert.ok(fs.existsSync(path.join(volume, "env", "dev", "botssys", "infile")), "the watched inbox exists");
        for (const n of [monitor, queue]) {
            assert.equal(stopWithin(n, 30).exitCode, 0, logs(n));
        }
    });
});

async function waitForLog(container: string, line: RegExp): Promise<void> {
    const until = Date.now() + 60_000;
    while (Date.now() < until && !line.test(logs(container))) {
        await new Promise((res) => setTimeout(res, 500));
    }
    assert.match(logs(container), line);
}

async function waitFor(container: string, probe: string[]): Promise<void> {
    const until = Date.now() + 60_000;
    let last = "";
    while (Date.now() < until) {
        const r = exec(container, probe);
        if (r.code === 0) {
            return;
        }
        last = r.stdout + r.stderr;
        await new Promise((res) => setTimeout(res, 1000));
    }
    throw new Error(`${probe.join(" ")} never passed in ${container}: ${last}\n${logs(container).slice(-2000)}`);
}
