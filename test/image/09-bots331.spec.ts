// The Bots 3.3.1 (PyPI, end-of-life Django 2.2) fallback image: a smaller suite on SQLite. The
// 3.3.1-only workarounds (absolute botssys, relative usersys, our own health views) are checked
// here; the Bots 4 image is what the other specs test.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import {
    EXPECTED_TABLES, IMAGE_331, cleanupAll, csvOutbox, docker, dropX12Order, ensureImage331, exec, httpGet, installX12Route, logs,
    makeConfigDir, makeVolume, must, runArgs, sqlite, startDetached, stopWithin, waitHttp,
} from "./support";

const PORTS = { web: 18481, jobqueue: 28582, engine: 28581 };
const BOTSENV = "legacy";
const WEB = `http://127.0.0.1:${PORTS.web}`;

describe("Bots 3.3.1 fallback image (SQLite)", function () {
    this.timeout(300_000);
    let volume: string;
    let etc: string;
    let env: string;
    let db: string;
    const base = () => ({ volume, etc, env: { BOTSENV, SUPERUSER_USERNAME: "admin", SUPERUSER_PASSWORD: "legacy-pw" } });

    before(function () {
        ensureImage331();
        volume = makeVolume("legacy");
        etc = makeConfigDir(PORTS);
        env = path.join(volume, "env", BOTSENV);
        db = path.join(env, "botssys", "sqlitedb", "botsdb");
    });
    after(cleanupAll);

    it("assembles /run/bots/config with an absolute botssys (3.3.1 resolves relative ones against its package)", function () {
        const out = must(docker([...runArgs(base()), IMAGE_331, "shell", "bash", "-c", "grep -E '^(botssys|usersys)' /run/bots/config/bots.ini; echo CFG=$BOTS_CONFIG_DIR"]), "shell").stdout;
        assert.match(out, new RegExp(`^botssys = /home/bots/\\.bots/env/${BOTSENV}/botssys$`, "m"));
        assert.match(out, /^usersys = usersys$/m);
        assert.match(out, /^CFG=\/run\/bots\/config$/m);
    });

    it("exits 78 on an absolute usersys in bots.ini (3.3.1 cannot import it)", function () {
        const bad = makeConfigDir(PORTS);
        const file = path.join(bad, "bots.ini");
        fs.writeFileSync(file, fs.readFileSync(file, "utf8").replace(/^usersys = usersys$/m, "usersys = /srv/usersys"));
        const r = docker([...runArgs({ ...base(), etc: bad }), IMAGE_331, "shell", "true"]);
        assert.equal(r.code, 78, r.stderr);
        assert.match(r.stderr, /Bots 3\.3\.1 cannot import an absolute usersys/);
    });

    it("init-db creates every table, and changes nothing the second time", function () {
        const first = docker([...runArgs(base()), IMAGE_331, "init-db"]);
        assert.equal(first.code, 0, first.stdout + first.stderr);
        const tables = sqlite(db, "select name from sqlite_master where type='table' and name not like 'sqlite_%' order by name").trim().split("\n").sort();
        assert.deepEqual(tables, EXPECTED_TABLES);
        const schema = sqlite(db, "select type, name, tbl_name, sql from sqlite_master order by type, name");
        const second = docker([...runArgs(base()), IMAGE_331, "init-db"]);
        assert.equal(second.code, 0, second.stdout + second.stderr);
        assert.equal(sqlite(db, "select type, name, tbl_name, sql from sqlite_master order by type, name"), schema);
    });

    it("plugins need Bots 4: init-db refuses a plugin dir on 3.3.1 with a message", function () {
        const dir = fs.mkdtempSync(path.join("/var/tmp", "bots-legacy-plugins-"));
        fs.mkdirSync(path.join(dir, "p"));
        fs.writeFileSync(path.join(dir, "p", "botsindex.json"), JSON.stringify({ bots_version: "4.0.0", plugins: { routes: [] } }));
        fs.chmodSync(dir, 0o755);
        try {
            const r = docker([...runArgs({ ...base(), env: { ...base().env, BOTS_PLUGIN_DIR: "/plugins" }, extra: ["-v", `${dir}:/plugins:ro`] }), IMAGE_331, "init-db"]);
            assert.equal(r.code, 78, r.stderr);
            assert.match(r.stderr, /plugins \(p\) need Bots 4/);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("webserver: our /health/* (3.3.1 has none) 200, 503 when the database is unreadable; SIGTERM exit 0", async function () {
        const name = "bots-image-test-legacy-web";
        startDetached(name, base(), ["webserver"], IMAGE_331);
        await waitHttp(`${WEB}/health/startup`, 200, 90_000);
        const ready = await httpGet(`${WEB}/health/ready`);
        assert.deepEqual(JSON.parse(ready.body).checks, { database: "ok", directories: "ok" });
        fs.chmodSync(db, 0o000);
        try {
            assert.equal((await httpGet(`${WEB}/health/ready`)).status, 503);
            assert.equal(exec(name, ["bots-healthcheck", "ready"]).code, 1);
        } finally {
            fs.chmodSync(db, 0o644);
        }
        const s = stopWithin(name, 20);
        assert.equal(s.exitCode, 0, logs(name));
    });

    it("engine: the X12 850 -> CSV route translates the fixture and exits 0", function () {
        installX12Route(base(), env, IMAGE_331);
        dropX12Order(env);
        const r = docker([...runArgs(base()), IMAGE_331, "engine", "--new"]);
        assert.equal(r.code, 0, r.stdout + r.stderr);
        assert.match(r.stdout + r.stderr, /1 files without errors/);
        assert.equal(fs.readdirSync(csvOutbox(env)).length, 1);
    });
});
