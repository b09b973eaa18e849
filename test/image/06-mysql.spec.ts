// The Bots 4 image against a real MySQL-protocol server (Debian's MariaDB, on 127.0.0.1): init-db on an empty
// database and again, unreachable database, webserver readiness with the server up/down, an
// engine run (Bots' own MySQLdb connection gets OPTIONS as connect() kwargs).
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import {
    EXPECTED_TABLES, IMAGE, cleanupAll, csvOutbox, docker, dropX12Order, ensureImage, exec, httpGet,
    installX12Route, logs, makeConfigDir, makeVolume, my, requireShared, runArgs, specDatabase, startDetached, stopWithin, waitHttp,
} from "./support";

const PORTS = { web: 18101, jobqueue: 28202, engine: 28201 };
const BOTSENV = "mysqltest";
const WEB = `http://127.0.0.1:${PORTS.web}`;

describe("MySQL (MariaDB): init-db, readiness, engine", function () {
    this.timeout(240_000);
    const dbname = "bots_image_test";
    let volume: string;
    let etc: string;
    let db: Record<string, string>;
    const dbEnv = (over: Record<string, string> = {}) => ({ ...db, BOTSENV, DB_CONNECT_TIMEOUT: "3", SUPERUSER_USERNAME: "admin", SUPERUSER_PASSWORD: "my-first-pw", ...over });

    before(function () {
        requireShared(this);
        ensureImage();
        db = specDatabase("mysql", dbname);
        volume = makeVolume("mysql");
        etc = makeConfigDir(PORTS);
    });
    after(function () {
        cleanupAll();
        my("start");
    });

    it("init-db creates every table on an empty database and changes nothing the second time", function () {
        assert.equal(my("tables", dbname).trim(), "");
        const first = docker([...runArgs({ volume, etc, env: dbEnv() }), IMAGE, "init-db"]);
        assert.equal(first.code, 0, first.stdout + first.stderr);
        assert.deepEqual(my("tables", dbname).trim().split("\n").sort(), EXPECTED_TABLES);
        const schema = my("schema", dbname);
        assert.match(schema, /CREATE TABLE `ta`[\s\S]*AUTO_INCREMENT/);
        const second = docker([...runArgs({ volume, etc, env: dbEnv({ SUPERUSER_PASSWORD: "changed" }) }), IMAGE, "init-db"]);
        assert.equal(second.code, 0, second.stdout + second.stderr);
        assert.equal(my("schema", dbname), schema);
    });

    it("init-db exits non-zero when the server is unreachable", function () {
        const r = docker([...runArgs({ volume, etc, env: dbEnv({ DB_PORT: "1" }) }), IMAGE, "init-db"]);
        assert.notEqual(r.code, 0);
        assert.match(r.stderr, /init-db: FAILED: OperationalError/);
    });

    it("webserver: /health/ready 200, 503 with the server stopped (live 200), 200 when back; SIGTERM exit 0", async function () {
        const name = "bots-image-test-web-mysql";
        startDetached(name, { volume, etc, env: dbEnv() }, ["webserver"]);
        await waitHttp(`${WEB}/health/ready`, 200, 90_000);
        my("stop");
        try {
            const ready = await httpGet(`${WEB}/health/ready`, 15_000);
            assert.equal(ready.status, 503, ready.body);
            assert.equal((await httpGet(`${WEB}/health/live`)).status, 200);
            assert.equal(exec(name, ["bots-healthcheck", "ready"]).code, 1);
        } finally {
            my("start");
        }
        await waitHttp(`${WEB}/health/ready`, 200, 30_000);
        const s = stopWithin(name, 20);
        assert.equal(s.exitCode, 0, logs(name));
    });

    it("engine runs the X12 850 -> CSV route on MySQL and exits 0", function () {
        const env = path.join(volume, "env", BOTSENV);
        installX12Route({ volume, etc, env: dbEnv() }, env);
        dropX12Order(env);
        const r = docker([...runArgs({ volume, etc, env: dbEnv() }), IMAGE, "engine", "--new"]);
        assert.equal(r.code, 0, r.stdout + r.stderr);
        assert.match(r.stderr + r.stdout, /DATABASE_ENGINE\s*:\s*"?django\.db\.backends\.mysql/);
        const files = fs.readdirSync(csvOutbox(env));
        assert.equal(files.length, 1);
        assert.match(fs.readFileSync(path.join(csvOutbox(env), files[0]), "utf8"), /^"HEA","91393058"/);
    });
});
