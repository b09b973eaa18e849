// The Bots 4 image against a real PostgreSQL server (Debian's, on 127.0.0.1): init-db on an empty
// database and again, unreachable database, webserver readiness with the server up/down and with
// a database that drops packets, an engine run (Bots' own psycopg 3 connection).
import { strict as assert } from "assert";
import * as fs from "fs";
import * as net from "net";
import * as path from "path";
import {
    EXPECTED_TABLES, IMAGE, cleanupAll, csvOutbox, docker, dropX12Order, ensureImage, exec, httpGet,
    installX12Route, logs, makeConfigDir, makeVolume, onCleanup, pg, psql, requireShared, runArgs, startDetached,
    specDatabase, stopWithin, waitHttp,
} from "./support";

const PORTS = { web: 18091, jobqueue: 28192, engine: 28191 };
const BOTSENV = "pgtest";
const WEB = `http://127.0.0.1:${PORTS.web}`;

describe("PostgreSQL: init-db, readiness, engine", function () {
    this.timeout(240_000);
    const dbname = "bots_image_test";
    let volume: string;
    let etc: string;
    let db: Record<string, string>;
    const dbEnv = (over: Record<string, string> = {}) => ({
        ...db, BOTSENV, DB_CONNECT_TIMEOUT: "3", SUPERUSER_USERNAME: "admin", SUPERUSER_PASSWORD: "pg-first-pw", TIME_ZONE: "Europe/Amsterdam", ...over,
    });

    before(function () {
        requireShared(this);
        ensureImage();
        db = specDatabase("postgresql", dbname);
        volume = makeVolume("pg");
        etc = makeConfigDir(PORTS);
    });
    after(function () {
        cleanupAll();
        pg("start"); // leave it running for later specs; run.sh stops it at the end
    });

    describe("init-db", function () {
        let schema = "";

        it("creates every table on an empty PostgreSQL database", function () {
            assert.equal(psql(dbname, "select count(*) from information_schema.tables where table_schema='public'").trim(), "0");
            const r = docker([...runArgs({ volume, etc, env: dbEnv() }), IMAGE, "init-db"]);
            assert.equal(r.code, 0, r.stdout + r.stderr);
            const tables = psql(dbname, "select table_name from information_schema.tables where table_schema='public' order by 1").trim().split("\n").sort();
            assert.deepEqual(tables, EXPECTED_TABLES);
            // ta comes from Bots' postgresql SQL (serial id, indexes), not from Django's model DDL.
            assert.match(psql(dbname, "select column_default from information_schema.columns where table_name='ta' and column_name='idta'"), /nextval\('ta_idta_seq'/);
            assert.match(psql(dbname, "select column_default from information_schema.columns where table_name='mutex' and column_name='ts'"), /CURRENT_TIMESTAMP/i);
            assert.equal(psql(dbname, "select count(*) from auth_user where is_superuser").trim(), "1");
            schema = pg("schema", dbname);
            assert.match(schema, /CREATE TABLE public\.ta/);
        });

        it("changes nothing the second time (pg_dump --schema-only identical)", function () {
            const r = docker([...runArgs({ volume, etc, env: dbEnv({ SUPERUSER_PASSWORD: "changed" }) }), IMAGE, "init-db"]);
            assert.equal(r.code, 0, r.stdout + r.stderr);
            assert.equal(pg("schema", dbname), schema);
            assert.equal(psql(dbname, "select count(*) from django_migrations").trim().length > 0, true);
        });

        it("exits non-zero when the database server is unreachable", function () {
            const r = docker([...runArgs({ volume, etc, env: dbEnv({ DB_PORT: "1" }) }), IMAGE, "init-db"]);
            assert.notEqual(r.code, 0);
            assert.match(r.stderr, /init-db: FAILED: OperationalError/);
        });

        it("exits non-zero on wrong credentials", function () {
            const r = docker([...runArgs({ volume, etc, env: dbEnv({ DB_PASSWORD: "wrong" }) }), IMAGE, "init-db"]);
            assert.notEqual(r.code, 0);
            assert.match(r.stderr, /password authentication failed/);
        });
    });

    describe("webserver", function () {
        const name = "bots-image-test-web-pg";

        before(async function () {
            startDetached(name, { volume, etc, env: dbEnv() }, ["webserver"]);
            await waitHttp(`${WEB}/health/live`, 200, 90_000);
        });

        it("/health/ready and /health/startup answer 200 with the database up", async function () {
            const ready = await httpGet(`${WEB}/health/ready`);
            assert.equal(ready.status, 200, ready.body);
            assert.equal((await httpGet(`${WEB}/health/startup`)).status, 200);
            assert.equal(exec(name, ["bots-healthcheck", "ready"]).code, 0);
        });

        it("/health/ready answers 503 (live stays 200) with the server stopped, and 200 once it is back", async function () {
            pg("stop");
            try {
                const ready = await httpGet(`${WEB}/health/ready`, 15_000);
                assert.equal(ready.status, 503, ready.body);
                assert.equal(JSON.parse(ready.body).checks.database, false);
                assert.match(JSON.parse(ready.body).errors.join(" "), /Database check failed/);
                assert.equal((await httpGet(`${WEB}/health/live`)).status, 200);
                const probe = exec(name, ["bots-healthcheck", "ready"]);
                assert.equal(probe.code, 1, probe.stdout);
            } finally {
                pg("start");
            }
            await waitHttp(`${WEB}/health/ready`, 200, 30_000);
        });

        it("SIGTERM stops it with exit 0", function () {
            const s = stopWithin(name, 20);
            assert.equal(s.exitCode, 0, logs(name));
            assert.ok(s.ms < 15_000);
        });

        it("a database that drops packets: /health/ready answers 503 with the reason inside the probe's 3 s (default connect timeout 2 s)", async function () {
            const blackhole = "bots-image-test-web-pg-blackhole";
            // A listener on 127.0.0.1 that accepts and never answers: the server never replies, as
            // when packets are dropped; the connect attempt runs into its timeout.
            const silent = net.createServer(() => undefined);
            await new Promise<void>((res) => silent.listen(0, "127.0.0.1", res));
            onCleanup(() => silent.close());
            const port = String((silent.address() as net.AddressInfo).port);
            const env: Record<string, string> = { ...dbEnv({ DB_PORT: port }) };
            delete env.DB_CONNECT_TIMEOUT;
            startDetached(blackhole, { volume, etc, env }, ["webserver"]);
            await waitHttp(`${WEB}/health/live`, 200, 90_000);
            const t0 = Date.now();
            const ready = await httpGet(`${WEB}/health/ready`, 3_000);
            const ms = Date.now() - t0;
            assert.equal(ready.status, 503, ready.body);
            assert.match(JSON.parse(ready.body).errors.join(" "), /timeout|timed out/i);
            assert.ok(ms < 3_000, `answered after ${ms} ms`);
            assert.equal(stopWithin(blackhole, 20).exitCode, 0, logs(blackhole));
        });
    });

    describe("engine", function () {
        it("runs the X12 850 -> CSV route on PostgreSQL (Bots' own psycopg 3 connection) and exits 0", function () {
            const env = path.join(volume, "env", BOTSENV);
            installX12Route({ volume, etc, env: dbEnv() }, env);
            dropX12Order(env);
            const r = docker([...runArgs({ volume, etc, env: dbEnv() }), IMAGE, "engine"]);
            assert.equal(r.code, 0, r.stdout + r.stderr);
            assert.match(r.stderr + r.stdout, /django\.db\.backends\.postgresql\b(?!_psycopg2)/);
            assert.equal(fs.readdirSync(csvOutbox(env)).length, 1);
            assert.match(psql(dbname, "select count(*) from ta"), /^[1-9]\d*$/m);
            assert.equal(psql(dbname, "select count(*) from mutex").trim(), "0", "the engine released its mutex");
        });
    });
});
