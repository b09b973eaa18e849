// Every service type of the Bots 4 image against SQLite on the data volume: init-db, webserver
// health (the Bots tree's views at /health/*), exec probes, a real engine route over a real EDI
// file, job queue + directory monitor (4.0's queue launches the engine), SIGTERM handling.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import {
    EDI_FIXTURES, EXPECTED_TABLES, IMAGE, cleanupAll, csvOutbox, docker, dropX12Order, ensureImage, exec, httpGet,
    installX12Route, logs, makeConfigDir, makeVolume, must, replaceIniKey, requireShared, runArgs, sqlite, startDetached,
    stopWithin, waitFor, waitHttp, x12Inbox,
} from "./support";

const PORTS = { web: 18081, jobqueue: 28182, engine: 28181 };
const BOTSENV = "sqlitetest";
const WEB = `http://127.0.0.1:${PORTS.web}`;
const GRACE_SECONDS = 20;


describe("SQLite: init-db, services, engine, signals", function () {
    this.timeout(240_000);
    let volume: string;
    let etc: string;
    let env: string;
    let db: string;
    const base = () => ({ volume, etc, env: { BOTSENV, SUPERUSER_USERNAME: "admin", SUPERUSER_PASSWORD: "first-pw", SUPERUSER_EMAIL: "admin@example.com" } });

    before(function () {
        requireShared(this);
        ensureImage();
        volume = makeVolume("sqlite");
        etc = makeConfigDir(PORTS);
        // Bots 4's dirmonitor matches <path>/<filemask> only (bots/dirmonitor.py:245-247): watch the
        // route's inbox itself and run that route.
        const iniFile = path.join(etc, "bots.ini");
        let ini = fs.readFileSync(iniFile, "utf8");
        ini = replaceIniKey(ini, "dirmonitor1", "path", "botssys/infile/x12_850");
        ini = replaceIniKey(ini, "dirmonitor1", "filemask", "*.x12");
        ini = replaceIniKey(ini, "dirmonitor1", "route", "x12_850_to_csv");
        fs.writeFileSync(iniFile, ini);
        env = path.join(volume, "env", BOTSENV);
        db = path.join(env, "botssys", "sqlitedb", "botsdb");
    });
    after(cleanupAll);

    describe("init-db", function () {
        let schemaAfterFirst = "";
        let passwordHash = "";

        it("creates every table (Django's, Bots', and ta/mutex/persist/uniek from Bots' SQL) on an empty database", function () {
            assert.ok(!fs.existsSync(db));
            const r = docker([...runArgs(base()), IMAGE, "init-db"]);
            assert.equal(r.code, 0, r.stdout + r.stderr);
            const tables = sqlite(db, "select name from sqlite_master where type='table' and name not like 'sqlite_%' order by name").trim().split("\n").sort();
            assert.deepEqual(tables, EXPECTED_TABLES);
            // Raw SQL, not Django's model DDL: database-side defaults the engine relies on.
            assert.match(sqlite(db, "select sql from sqlite_master where name='ta'"), /datetime\('now','localtime'\)/);
            assert.match(sqlite(db, "select sql from sqlite_master where name='mutex'"), /DEFAULT/);
            schemaAfterFirst = sqlite(db, "select type, name, tbl_name, sql from sqlite_master order by type, name");
            passwordHash = sqlite(db, "select password from auth_user where username='admin' and is_superuser=1").trim();
            assert.match(passwordHash, /^pbkdf2_sha256\$/);
        });

        it("changes nothing the second time, and never resets an existing superuser's password", function () {
            const args = runArgs({ ...base(), env: { ...base().env, SUPERUSER_PASSWORD: "other-pw" } });
            const r = docker([...args, IMAGE, "init-db"]);
            assert.equal(r.code, 0, r.stdout + r.stderr);
            assert.match(r.stdout, /exists, skipped/);
            assert.match(r.stdout, /user 'admin' exists, left unchanged; the stack's superuser password does NOT log it in/);
            assert.equal(sqlite(db, "select type, name, tbl_name, sql from sqlite_master order by type, name"), schemaAfterFirst);
            const same = docker([...runArgs(base()), IMAGE, "init-db"]);
            assert.equal(same.code, 0, same.stdout + same.stderr);
            assert.match(same.stdout, /user 'admin' exists, left unchanged; the stack's superuser password logs it in/);
            assert.equal(sqlite(db, "select password from auth_user where username='admin'").trim(), passwordHash);
            assert.equal(sqlite(db, "select count(*) from auth_user").trim(), "1");
        });

        it("exits non-zero when the database cannot be opened", function () {
            const r = docker([...runArgs({ ...base(), env: { ...base().env, DB_NAME: "/nonexistent/dir/botsdb" } }), IMAGE, "init-db"]);
            assert.notEqual(r.code, 0);
            assert.match(r.stderr, /init-db: FAILED/);
        });
    });

    describe("webserver", function () {
        const name = "bots-image-test-web-sqlite";

        before(async function () {
            startDetached(name, { ...base(), env: { ...base().env, ALLOWED_HOSTS: "edi.example.com" } }, ["webserver"]);
            await waitHttp(`${WEB}/health/live`, 200, 90_000);
        });

        it("answers /health/live, /health/ready and /health/startup with the Bots tree's own views (200, JSON)", async function () {
            const live = await httpGet(`${WEB}/health/live`);
            assert.equal(live.status, 200);
            assert.deepEqual(JSON.parse(live.body), { status: "ok", check: "liveness", message: "Container is alive" });
            const ready = await httpGet(`${WEB}/health/ready`);
            assert.equal(ready.status, 200, ready.body);
            assert.deepEqual(JSON.parse(ready.body).checks, { database: true, botssys: true, usersys: true });
            const startup = await httpGet(`${WEB}/health/startup`);
            assert.equal(startup.status, 200, startup.body);
            assert.equal(JSON.parse(startup.body).status, "started");
            assert.equal(startup.headers["cache-control"], "no-store");
        });

        it("answers any other path under /health/ with 404 (Bots' catch-all would give 200 to a mistyped probe)", async function () {
            for (const p of ["/health/readyz", "/health/", "/health/ready/extra"]) {
                const res = await httpGet(`${WEB}${p}`);
                assert.equal(res.status, 404, `${p}: ${res.status} ${res.body.slice(0, 200)}`);
                assert.deepEqual(JSON.parse(res.body), { status: "not found", paths: ["/health/live", "/health/ready", "/health/startup"] });
            }
        });

        it("serves the probes whatever ALLOWED_HOSTS says, while Bots' own pages still check the host", async function () {
            // The probes above came with Host 127.0.0.1 although ALLOWED_HOSTS=edi.example.com.
            const ui = await httpGet(`${WEB}/home`);
            assert.equal(ui.status, 400, "Django rejects the host for Bots' pages");
        });

        it("exec probes: bots-healthcheck live|ready|startup exit 0", function () {
            for (const kind of ["live", "ready", "startup"]) {
                const r = exec(name, ["bots-healthcheck", kind]);
                assert.equal(r.code, 0, `${kind}: ${r.stdout}${r.stderr}`);
            }
        });

        it("/health/ready answers 503 (and live 200) while the database is unavailable, 200 again after", async function () {
            fs.chmodSync(db, 0o000);
            try {
                const ready = await httpGet(`${WEB}/health/ready`);
                assert.equal(ready.status, 503, ready.body.slice(0, 3000) + logs("bots-image-test-web-sqlite").slice(-3000));
                assert.equal(JSON.parse(ready.body).status, "not_ready");
                assert.equal(JSON.parse(ready.body).checks.database, false);
                assert.match(JSON.parse(ready.body).errors.join(" "), /Database check failed/);
                assert.equal((await httpGet(`${WEB}/health/live`)).status, 200);
                assert.equal((await httpGet(`${WEB}/health/startup`)).status, 503);
                assert.equal(exec(name, ["bots-healthcheck", "ready"]).code, 1);
            } finally {
                fs.chmodSync(db, 0o644);
            }
            assert.equal((await httpGet(`${WEB}/health/ready`)).status, 200);
        });

        it("serves Bots' UI behind the probes (login page)", async function () {
            const r = await waitFor("login page", async () => {
                const res = await httpGet(`${WEB}/health/live`);
                return res.status === 200 ? res : undefined;
            });
            assert.ok(r);
            const page = must(exec(name, ["python3", "-c", `import urllib.request as u; r=u.urlopen(u.Request("http://127.0.0.1:${PORTS.web}/login/", headers={"Host": "edi.example.com"})); print(r.status); print(r.read().decode()[:4000])`]), "login page");
            assert.match(page.stdout, /^200$/m);
            assert.match(page.stdout, /csrfmiddlewaretoken/);
        });

        it("SIGTERM to PID 1 stops the webserver within its grace period with exit 0", function () {
            const s = stopWithin(name, GRACE_SECONDS);
            assert.equal(s.exitCode, 0, logs(name));
            assert.ok(s.ms < GRACE_SECONDS * 1000 - 5000, `took ${s.ms} ms`);
        });
    });

    describe("engine: a real X12 850 -> CSV route", function () {
        const inbox = () => x12Inbox(env);
        const outbox = () => csvOutbox(env);

        before(function () {
            installX12Route(base(), env);
        });

        it("translates the X12 850 fixture and exits 0", function () {
            dropX12Order(env);
            const r = docker([...runArgs(base()), IMAGE, "engine", "--new"]);
            assert.equal(r.code, 0, r.stdout + r.stderr);
            assert.match(r.stderr + r.stdout, /1 files without errors/);
            const out = fs.readdirSync(outbox());
            assert.equal(out.length, 1);
            const csv = fs.readFileSync(path.join(outbox(), out[0]), "utf8").trim().split(/\r?\n/);
            assert.equal(csv[0], '"HEA","91393058","19971107","33333"');
            assert.equal(csv.length, 9, "one HEA and eight LIN lines");
            assert.equal(csv[1], '"LIN","1","17920108","6","EA","12","KAK S/S PRINT CAMP"');
            assert.ok(!fs.existsSync(path.join(inbox(), "po.x12")), "the in-channel removed the file it read");
        });

        it("bots-engine with an empty route argument (what Bots 4's dirmonitor queues for a section without route) runs all active routes", function () {
            const before = fs.readdirSync(outbox()).length;
            dropX12Order(env, "empty-route.x12");
            const r = docker([...runArgs(base()), IMAGE, "shell", "bash", "-c", 'bots-engine "-c$BOTS_CONFIG_DIR" ""']);
            assert.equal(r.code, 0, r.stdout + r.stderr);
            assert.match(r.stdout + r.stderr, /1 files received\/processed in run/);
            assert.equal(fs.readdirSync(outbox()).length, before + 1);
        });

        it("runs a route given positionally and exits 2 on a file with EDI errors", function () {
            const broken = fs.readFileSync(path.join(EDI_FIXTURES, "x12-850-004010.x12"), "utf8").replace(/^BEG\*.*\r?\n/m, "");
            dropX12Order(env, "broken.x12", broken);
            const r = docker([...runArgs(base()), IMAGE, "engine", "--new", "x12_850_to_csv"]);
            assert.equal(r.code, 2, r.stdout + r.stderr);
            assert.match(r.stderr + r.stdout, /1 files with errors/);
            assert.match(sqlite(db, "select errortext from ta where errortext like '%BEG%' order by idta desc limit 1"), /BEG/);
        });
    });

    describe("jobqueueserver + dirmonitor (one network namespace, like the worker pod)", function () {
        const jq = "bots-image-test-jobqueue";
        const dm = "bots-image-test-dirmonitor";

        let dmLogsBeforeQueue = "";

        before(async function () {
            // The dirmonitor first, as it may start in the worker pod: it must wait for the queue.
            startDetached(dm, base(), ["dirmonitor"]);
            await waitFor("dirmonitor waiting", () => (/waiting for the job queue/.test(logs(dm)) ? true : undefined), 60_000);
            await new Promise((r) => setTimeout(r, 3000));
            dmLogsBeforeQueue = logs(dm);
            startDetached(jq, base(), ["jobqueueserver"]);
            await waitFor("jobqueue isup", () => exec(jq, ["bots-healthcheck", "jobqueue"]).code === 0 || undefined, 60_000);
        });

        it("a dirmonitor started before the job queue waits for it (Bots' own exits 1), then runs", function () {
            assert.match(dmLogsBeforeQueue, /bots-service: waiting for the job queue \(localhost:\d+: /);
            const state = JSON.parse(must(docker(["inspect", "-f", "{{json .State}}", dm]), "inspect").stdout);
            assert.equal(state.Running, true, logs(dm));
            assert.equal(state.Restarting, false);
            assert.doesNotMatch(logs(dm), /job queue did not answer/);
        });

        it("the dirmonitor exec probe fails until the monitor holds its inotify watches, then passes", async function () {
            const early = exec(dm, ["bots-healthcheck", "dirmonitor"]);
            const ok = await waitFor("dirmonitor watching", () => {
                const r = exec(dm, ["bots-healthcheck", "dirmonitor"]);
                return r.code === 0 ? r.stdout : undefined;
            }, 60_000);
            assert.match(ok, /watching \(\d+ inotify watches\)/);
            if (early.code !== 0) {
                assert.match(early.stdout, /no dirmonitor process|starting \(no inotify watch yet\)/);
            }
            const j = exec(jq, ["bots-healthcheck", "jobqueue"]);
            assert.equal(j.code, 0, j.stdout);
            assert.match(j.stdout, /isup -> 0/);
            // The jobqueue container runs no dirmonitor.
            assert.equal(exec(jq, ["bots-healthcheck", "dirmonitor"]).code, 1);
        });

        it("a file landing in the watched inbox queues an engine job that the job queue runs (fixed in Bots 4)", async function () {
            const before = fs.readdirSync(csvOutbox(env)).length;
            dropX12Order(env, "queued.x12");
            const log = path.join(env, "botssys", "logging", "jobqueue", "jobqueue.log");
            const line = await waitFor("job added", () => {
                const text = fs.existsSync(log) ? fs.readFileSync(log, "utf8") : "";
                return /Added job \d+, priority \d+: .*bots-engine.*/.exec(text)?.[0];
            }, 30_000);
            assert.match(line, new RegExp(`-c/home/bots/\\.bots/env/${BOTSENV}/config', 'x12_850_to_csv'`));
            await waitFor("the queued engine run wrote the CSV", () => fs.readdirSync(csvOutbox(env)).length > before || undefined, 90_000);
            assert.ok(!fs.existsSync(path.join(x12Inbox(env), "queued.x12")), "the engine took the file");
        });

        it("a dirmonitor stopped right after its start (before it watches) exits 0, not 143", function () {
            const early = "bots-image-test-dirmonitor-early";
            docker(["rm", "-f", early]);
            must(docker([...runArgs({ ...base(), name: early, detach: true }), IMAGE, "dirmonitor"]), "start");
            must(docker(["stop", "-t", "20", early]), "stop");
            const code = must(docker(["inspect", "-f", "{{.State.ExitCode}}", early]), "inspect").stdout.trim();
            docker(["rm", "-f", early]);
            assert.equal(code, "0");
        });

        it("SIGTERM to PID 1 stops dirmonitor and jobqueueserver within the grace period with exit 0", function () {
            const d = stopWithin(dm, GRACE_SECONDS);
            assert.equal(d.exitCode, 0, logs(dm));
            assert.ok(d.ms < GRACE_SECONDS * 1000 - 5000, `dirmonitor took ${d.ms} ms`);
            const j = stopWithin(jq, GRACE_SECONDS);
            assert.equal(j.exitCode, 0, logs(jq));
            assert.ok(j.ms < GRACE_SECONDS * 1000 - 5000, `jobqueue took ${j.ms} ms`);
            assert.equal(exec(jq, ["true"]).code !== 0, true, "stopped");
        });
    });
});
