// The Pulumi program's rendered pods (dev stack on SQLite, Bots 4 from ../shared/upstream/bots with
// one plugin and its route activated, taken from a run of the program under mocks) started in the
// real image from the pod specs themselves: each container's args, env (secretKeyRefs resolved
// against the rendered Secrets), Secret and emptyDir mounts, user and security context
// (test/image/pod-run.ts); only the image is swapped for the one built here with the same build
// inputs (checked) and the claim for a host dir. One network namespace per pod, as in Kubernetes.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { T, ofType, podSpecs, runStack } from "../support/harness";
import { revealAll } from "../support/values";
import { PodSpec, Secrets, podRun } from "./pod-run";
import {
    BOTS_TREE, FIXTURES, IMAGE, PLUGINS_ROOT, PROGRAM_PLUGIN, cleanupAll, docker, ensureImage, exec, httpGet, logs, makeVolume, must,
    onCleanup, requireShared, run, stopWithin, waitHttp,
} from "./support";

const WEB_HOST_PORT = 18291;
const WEB = `http://127.0.0.1:${WEB_HOST_PORT}`;

describe("the program's rendered pods in the real Bots 4 image (dev stack, SQLite)", function () {
    this.timeout(300_000);
    let volume: string;
    let secrets: Secrets;
    let pods: { owner: string; spec: PodSpec }[];
    let claim: string;
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    let builds: any[];

    before(async function () {
        requireShared(this);
        ensureImage();
        const stack = await runStack({
            stack: "dev",
            set: {
                databaseEngine: "sqlite", databaseExistingSecret: "", databaseHost: "",
                botsSource: "context", botsSourceDir: BOTS_TREE,
                botsPlugins: JSON.stringify([path.join(PLUGINS_ROOT, PROGRAM_PLUGIN.dir)]),
                botsActivateRoutes: JSON.stringify([PROGRAM_PLUGIN.route]),
            },
        });
        builds = ofType(stack, T.image).map((i) => revealAll(i.inputs));
        secrets = Object.fromEntries(
            ofType(stack, T.secret).map((s) => {
                const inputs = revealAll(s.inputs);
                return [inputs.metadata?.name ?? s.name, inputs.stringData as Record<string, string>];
            }),
        );
        pods = podSpecs(stack).map((p) => ({ owner: p.owner, spec: revealAll(p.spec) }));
        claim = ofType(stack, T.pvc).map((c) => revealAll(c.inputs).metadata?.name ?? c.name)[0];
        volume = makeVolume("program");
    });
    after(cleanupAll);

    function pod(owner: RegExp): PodSpec {
        const found = pods.filter((p) => owner.test(p.owner));
        assert.equal(found.length, 1, `one pod for ${owner}: ${pods.map((p) => p.owner).join(", ")}`);
        return found[0].spec;
    }

    function containerRun(spec: PodSpec, container: string, extra: string[] = [], detachName?: string): string[] {
        const r = podRun(spec, container, secrets, { [claim]: volume });
        // Detached (Deployment) containers restart as the kubelet would restart them.
        const head = detachName ? ["run", "-d", "--name", detachName, "--restart", r.restart] : ["run", "--rm"];
        return [...head, ...r.options, ...extra, IMAGE, ...r.args];
    }

    function superuserCheck(spec: PodSpec, container: string): string {
        const r = podRun(spec, container, secrets, { [claim]: volume });
        return must(docker(["run", "--rm", ...r.options, "-v", `${FIXTURES}:/testdata:ro`, IMAGE, "shell", "python3", "/testdata/dump_config.py"]), "dump").stdout;
    }

    it("the program builds what the image here was built from: the same tree, plugin and build args", function () {
        assert.ok(builds.length >= 1);
        for (const b of builds) {
            assert.deepEqual(b.buildArgs, { BOTS_SOURCE: "context", BOTS_VERSION: "4.0.0" });
            assert.equal(b.target, "runtime");
            assert.equal(b.context.named["bots-src"].location, BOTS_TREE);
            assert.equal(fs.readFileSync(path.join(b.context.named["bots-plugins"].location, "plugins.txt"), "utf8"), "my_first_plugin\n");
        }
        const plugins = must(docker(["run", "--rm", "--entrypoint", "cat", IMAGE, "/opt/bots/plugins/plugins.txt"]), "plugins.txt").stdout;
        assert.equal(plugins, "my_first_plugin\n");
    });

    it("init-db from the db-init Job's pod spec creates Bots' tables and the superuser of the Secret, installs the plugin, activates its route", function () {
        const job = pod(/db-init/);
        const container = job.containers[0].name;
        const resolved = podRun(job, container, secrets, { [claim]: volume });
        assert.deepEqual(resolved.args, ["init-db"]);
        const r = docker(containerRun(job, container));
        assert.equal(r.code, 0, r.stdout + r.stderr);
        const botsenv = resolved.env.BOTSENV;
        const db = path.join(volume, "env", botsenv, "botssys", "sqlitedb", resolved.env.DB_NAME);
        const tables = must(run("python3", ["-c", "import sqlite3,sys; print('\\n'.join(r[0] for r in sqlite3.connect(sys.argv[1]).execute(\"select name from sqlite_master where type='table' order by name\")))", db]), "tables").stdout;
        for (const t of ["auth_user", "channel", "routes", "translate", "ta", "mutex", "persist", "uniek", "django_migrations"]) {
            assert.match(tables, new RegExp(`^${t}$`, "m"), `table ${t}`);
        }
        assert.equal(resolved.env.BOTS_ACTIVATE_ROUTES, PROGRAM_PLUGIN.route);
        assert.match(r.stdout, /plugin my_first_plugin: installed/);
        const rows = JSON.parse(superuserCheck(job, container));
        assert.deepEqual([...new Set(rows.routes.filter((x: { active: string }) => x.active === "True").map((x: { idroute: string }) => x.idroute))], [PROGRAM_PLUGIN.route]);
        const username = resolved.env.SUPERUSER_USERNAME ?? "";
        if (username) {
            assert.deepEqual(rows.auth_user.map((u: string[]) => u.slice(0, 2)), [[username, "True"]]);
        } else {
            assert.deepEqual(rows.auth_user, []);
        }
        // The superuser's password is the one the Secret holds.
        if (username) {
            const check = docker(["run", "--rm", ...resolved.options, IMAGE, "shell", "python3", "-c",
                "from bots_runtime.bootstrap import init_bots; init_bots(quiet=True)\n" +
                "from django.contrib.auth import authenticate; from bots_runtime import envsecrets; import os\n" +
                "print('AUTH', authenticate(username=os.environ['SUPERUSER_USERNAME'], password=envsecrets.get('SUPERUSER_PASSWORD')) is not None)"]);
            assert.match(check.stdout, /^AUTH True$/m, check.stderr);
        }
    });

    it("the web Deployment's container passes the probes its spec declares, and stops on SIGTERM with 0", async function () {
        const web = pod(/web/);
        const c = web.containers[0];
        const name = "bots-image-test-program-web";
        docker(["rm", "-f", name]);
        must(docker(containerRun(web, c.name, ["-p", `127.0.0.1:${WEB_HOST_PORT}:${c.ports[0].containerPort}`], name)), "start web");
        onCleanup(() => docker(["rm", "-f", name]));
        await waitHttp(`${WEB}${c.startupProbe.httpGet.path}`, 200, 120_000);
        for (const probe of [c.livenessProbe, c.readinessProbe]) {
            const res = await httpGet(`${WEB}${probe.httpGet.path}`);
            assert.equal(res.status, 200, `${probe.httpGet.path}: ${res.body}\n${logs(name).slice(-2000)}`);
        }
        const ready = JSON.parse((await httpGet(`${WEB}${c.readinessProbe.httpGet.path}`)).body);
        assert.deepEqual(ready, { status: "ready", check: "readiness", checks: { database: true, botssys: true, usersys: true } }, "the Bots tree's own view");
        const s = stopWithin(name, web.terminationGracePeriodSeconds ?? 30);
        assert.equal(s.exitCode, 0, logs(name));
    });

    it("the engine CronJob's container runs the plugin's route with its args: 3 received, 3 ok, 1 sent, exit 0", function () {
        const cron = pod(/engine/);
        const r = docker(containerRun(cron, cron.containers[0].name), 240_000);
        const out = r.stdout + r.stderr;
        assert.equal(r.code, 0, out);
        assert.match(out, /3 files received\/processed in run\.\s+3 files without errors,\s+1 files send in run/);
    });

    it("the worker pod's job queue and directory monitor share a network namespace and pass their exec probes", async function () {
        const worker = pod(/worker/);
        const [first, second] = worker.containers;
        const a = "bots-image-test-program-worker-a";
        const b = "bots-image-test-program-worker-b";
        for (const n of [a, b]) {
            docker(["rm", "-f", n]);
            onCleanup(() => docker(["rm", "-f", n]));
        }
        must(docker(containerRun(worker, first.name, [], a)), `start ${first.name}`);
        must(docker(containerRun(worker, second.name, ["--network", `container:${a}`], b)), `start ${second.name}`);
        for (const [n, c] of [[a, first], [b, second]] as const) {
            const probe = (c.readinessProbe ?? c.livenessProbe)?.exec?.command;
            assert.ok(probe, `${c.name} declares an exec probe`);
            const until = Date.now() + 90_000;
            let last = "";
            while (Date.now() < until) {
                const r = exec(n, probe);
                if (r.code === 0) {
                    last = "";
                    break;
                }
                last = r.stdout + r.stderr;
                await new Promise((res) => setTimeout(res, 1000));
            }
            assert.equal(last, "", `${probe.join(" ")} in ${c.name}: ${last}\n${logs(n).slice(-2000)}`);
        }
        for (const [n, c] of [[b, second], [a, first]] as const) {
            assert.equal(stopWithin(n, worker.terminationGracePeriodSeconds ?? 30).exitCode, 0, `${c.name}: ${logs(n)}`);
        }
    });
});
