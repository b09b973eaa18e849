// The upgrade of a stack from the PyPI fallback (Bots 3.3.1) to Bots 4, with data, on SQLite,
// PostgreSQL 15 and MariaDB: the 3.3.1 image's init-db makes the database, its route, partners and
// an engine run fill it; the Bots 4 image's init-db (with its baked plugin, as `up:local --plugin`
// gives) upgrades it (docker/python/bots_runtime/upgrade331.py). Every row is kept, the schema is
// the one Bots 4 makes but for the differences listed in KNOWN, a second run changes nothing, the
// 3.3.1 password still logs in, 3.3.1 refuses the result, and Bots 4's engine translates. A schema
// that is not 3.3.1's is refused, and an upgrade that fails half-way is rolled back (PostgreSQL,
// SQLite), changing nothing.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import {
    FIXTURES, IMAGE, IMAGE_331, PLUGINS_ROOT, PROGRAM_PLUGIN, RunOpts, cleanupAll, csvOutbox, docker, dropX12Order,
    ensureImage, ensureImage331, installX12Route, makeConfigDir, makeVolume, must, my, pg, psql, requireShared, runArgs, sqlite, serverDbEnv,
} from "./support";

const PORTS = { web: 18711, jobqueue: 28712, engine: 28711 };
const BOTSENV = "upgrade";
const PASSWORD = "password-set-by-3.3.1";
/** The column that names a plugin's row, per table its botsindex.json fills. */
const PLUGIN_ROW_KEY: Record<string, string> = { channel: "idchannel", routes: "idroute", translate: "tscript", persist: "domein" };

type Dump = Record<string, { columns: string[]; rows: string[][] }>;
type Schema = Record<string, { columns: Record<string, Record<string, string>>; constraints: Record<string, Record<string, unknown>> }>;

interface Engine {
    name: string;
    /** The database env of a container; `db` names the database (SQLite: the volume holds it). */
    env(db: string): Record<string, string>;
    /** An empty database named db (SQLite: nothing; the volume is new). */
    createdb(db: string): void;
    /** The engine's own dump of the schema (text), to show that a run changed nothing. */
    schemaText(db: string, volume: string): string;
    /** A statement run by the server's administrator (to break a schema on purpose). */
    exec(db: string, volume: string, sql: string): void;
}

const sqliteFile = (volume: string) => path.join(volume, "env", BOTSENV, "botssys", "sqlitedb", "botsdb");

/**
 * The servers are shared: 05 and 06 stop theirs for some 15 s to see readiness fail. Wait that
 * out rather than start the server under such a test; start it when it stays down (nobody runs it).
 */
function serverUp(kind: "pg" | "my"): void {
    const server = kind === "pg" ? pg : my;
    const up = () => {
        try {
            server("status");
            return true;
        } catch {
            return false;
        }
    };
    const until = Date.now() + 30_000;
    while (!up() && Date.now() < until) {
        sleepSync(2);
    }
    if (!up()) {
        server("start");
    }
}

function sleepSync(seconds: number): void {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, seconds * 1000);
}

const ENGINES: Engine[] = [
    {
        name: "SQLite",
        env: () => ({}),
        createdb: () => undefined,
        schemaText: (_db, volume) => sqlite(sqliteFile(volume), "select type, name, tbl_name, sql from sqlite_master order by type, name"),
        exec: (_db, volume, sql) => void sqlite(sqliteFile(volume), sql),
    },
    {
        name: "PostgreSQL",
        env: (db) => serverDbEnv("postgresql", db),
        createdb: (db) => {
            serverUp("pg");
            pg("createdb", db);
        },
        schemaText: (db) => pg("schema", db),
        exec: (db, _volume, sql) => void psql(db, sql),
    },
    {
        name: "MariaDB",
        env: (db) => serverDbEnv("mysql", db),
        createdb: (db) => {
            serverUp("my");
            my("createdb", db);
        },
        schemaText: (db) => my("schema", db),
        exec: (db, _volume, sql) => void my("sql", db, sql),
    },
];

/**
 * How an upgraded database may differ from a new Bots 4 one, and why; each must occur (a stale
 * entry fails too). Lines come from schemaDiff.
 */
const KNOWN: Record<string, Array<[RegExp, string]>> = {
    all: [[/^column ta\.statuse: only upgraded$/, "3.3.1's SQL has ta.statuse (obsolete since 2009, used by neither line); kept with its data"]],
    SQLite: [[
        /^column (ta\.(divtext|reference|rsrv1|rsrv5)|uniek\.domein)\.(type_code|display_size): /,
        "SQLite does not enforce varchar lengths: ta's and uniek's keep 3.3.1's declared ones",
    ]],
    PostgreSQL: [[
        /^column \w+\.id\.(default: None \| nextval\('\w+_id_seq'::regclass\)|is_autofield: True \| False)$/,
        "Django 2.2 made id columns serial, Django 5.2 makes identity columns; Django does not convert them, and both work",
    ]],
    MariaDB: [[
        /^(constraint (channel|routes|django_admin_log) check\((port|seq|action_flag)\): only new|column (channel\.port|routes\.seq|django_admin_log\.action_flag)\.has_json_constraint: True \| False)$/,
        "Django 5.2 adds CHECK (col >= 0) to positive integer columns on MariaDB, Django 2.2 did not; the columns are UNSIGNED anyway",
    ]],
};

/** One line per difference between a new Bots 4 database's schema and an upgraded one's. */
function schemaDiff(fresh: Schema, upgraded: Schema): string[] {
    const out: string[] = [];
    const only = (a: Iterable<string>, b: Set<string>) => [...a].filter((x) => !b.has(x));
    for (const t of only(Object.keys(fresh), new Set(Object.keys(upgraded)))) out.push(`table ${t}: only new`);
    for (const t of only(Object.keys(upgraded), new Set(Object.keys(fresh)))) out.push(`table ${t}: only upgraded`);
    for (const t of Object.keys(fresh).filter((x) => x in upgraded)) {
        const [a, b] = [fresh[t].columns, upgraded[t].columns];
        for (const c of new Set([...Object.keys(a), ...Object.keys(b)])) {
            if (!(c in b)) out.push(`column ${t}.${c}: only new`);
            else if (!(c in a)) out.push(`column ${t}.${c}: only upgraded`);
            else for (const k of Object.keys(a[c])) if (a[c][k] !== b[c][k]) out.push(`column ${t}.${c}.${k}: ${a[c][k]} | ${b[c][k]}`);
        }
        // SQLite's foreign keys and MariaDB's column checks have positional names: compare those by content.
        const label = (name: string, spec: Record<string, unknown>) => {
            if (!/^(fk_\d+|__unnamed_constraint_\d+__)$/.test(name)) return `${name} ${JSON.stringify(spec)}`;
            const kind = spec.check ? "check" : spec.foreign_key ? `fk->${String(spec.foreign_key)}` : spec.unique ? "unique" : "index";
            return `${kind}(${String(spec.columns)})`;
        };
        const [ca, cb] = [fresh[t].constraints, upgraded[t].constraints].map((cs) => new Set(Object.entries(cs).map(([n, s]) => label(n, s))));
        for (const l of only(ca, cb)) out.push(`constraint ${t} ${l}: only new`);
        for (const l of only(cb, ca)) out.push(`constraint ${t} ${l}: only upgraded`);
    }
    return out.sort();
}

/** Rows of `later` in the columns `earlier` had (the upgrade adds columns), sorted. */
function project(earlier: Dump[string], later: Dump[string]): string[][] {
    const idx = earlier.columns.map((c) => later.columns.indexOf(c));
    assert.ok(idx.every((i) => i >= 0), `columns lost: ${earlier.columns.filter((_, j) => idx[j] < 0)}`);
    return later.rows.map((r) => idx.map((i) => r[i])).sort();
}

for (const engine of ENGINES) {
    describe(`Upgrade a Bots 3.3.1 database to Bots 4 with data (${engine.name})`, function () {
        this.timeout(300_000);
        const db = `upg_${engine.name.toLowerCase()}`;
        let volume: string;
        let etc: string;
        let rowsBefore: Dump;
        let rowsAfter: Dump;
        const opts = (over: Record<string, string> = {}): RunOpts => ({
            volume, etc, env: { BOTSENV, SUPERUSER_USERNAME: "admin", SUPERUSER_PASSWORD: PASSWORD, ...engine.env(db), ...over },
            extra: ["-v", `${FIXTURES}:/testdata:ro`],
        });
        const env = () => path.join(volume, "env", BOTSENV);
        const shell = (image: string, args: string[], what: string) => must(docker([...runArgs(opts()), image, "shell", ...args]), what).stdout;
        const dump = (image: string): Dump => JSON.parse(shell(image, ["python3", "/testdata/dump_config.py", "--all"], "dump"));

        before(function () {
            requireShared(this);
            ensureImage331();
            ensureImage();
            engine.createdb(db);
            volume = makeVolume("upg");
            etc = makeConfigDir(PORTS);
        });
        after(cleanupAll);

        it("Bots 3.3.1: init-db, the X12 route, partners and codes, and an engine run (report, filereport, ta rows)", function () {
            const init = docker([...runArgs(opts()), IMAGE_331, "init-db"]);
            assert.equal(init.code, 0, init.stdout + init.stderr);
            installX12Route(opts(), env(), IMAGE_331);
            shell(IMAGE_331, ["python3", "/testdata/upgrade_data.py"], "upgrade data");
            dropX12Order(env());
            const run = docker([...runArgs(opts()), IMAGE_331, "engine", "--new"]);
            assert.equal(run.code, 0, run.stdout + run.stderr);
            assert.match(run.stdout + run.stderr, /1 files without errors/);
            rowsBefore = dump(IMAGE_331);
            for (const t of ["report", "filereport", "ta", "uniek", "channel", "routes", "translate", "partner", "partnergroup", "chanpar", "ccode", "confirmrule", "auth_user"]) {
                assert.ok(rowsBefore[t].rows.length > 0, `3.3.1 left no rows in ${t}`);
            }
            const app = rowsBefore.django_migrations.columns.indexOf("app");
            assert.equal(rowsBefore.django_migrations.rows.filter((r) => r[app] === "bots").length, 0, "3.3.1 records no Bots migrations");
        });

        it("Bots 4's init-db upgrades it: exit 0, one line per step, Bots 4's migrations recorded", function () {
            const r = docker([...runArgs(opts()), IMAGE, "init-db"]);
            assert.equal(r.code, 0, r.stdout + r.stderr);
            assert.match(r.stdout, /^init-db: Bots tables without Bots migrations: a database Bots 3\.3\.1 made; upgrading it to Bots 4 \(one-way\)$/m);
            assert.match(r.stdout, /^init-db: schema recognised as Bots 3\.3\.1's/m);
            assert.match(r.stdout, /^init-db: index ta_parent created on ta/m);
            assert.match(r.stdout, /^init-db: index ta_reference created on ta/m);
            assert.match(r.stdout, /^init-db: migration bots\.0001_initial recorded as applied \(migrate --fake-initial: its tables exist\)$/m);
            for (const m of ["0002_channel_add_debug", "0002_channel_alter_auth_256", "0002_channel_alter_inorout_3", "0002_filereport_alter_divtext_rsrv1_128", "0002_report_alter_rsrv1_256", "0002_routes_add_dirmonitor", "0003_merge"]) {
                assert.match(r.stdout, new RegExp(`^init-db: migration bots\\.${m} applied$`, "m"));
            }
            if (engine.name === "SQLite") {
                assert.match(r.stdout, /^init-db: SQLite does not enforce varchar lengths/m);
            } else {
                assert.match(r.stdout, /^init-db: column ta\.reference widened from varchar\(70\) to varchar\(256\)/m);
                assert.match(r.stdout, /^init-db: column uniek\.domein widened from varchar\(35\) to varchar\(70\)/m);
            }
            assert.match(r.stdout, engine.name === "MariaDB" ? /^init-db: mysql commits each schema change/m : /^init-db: database upgraded from Bots 3\.3\.1 to Bots 4's migrations \(one transaction\)$/m);
            assert.match(r.stdout, /^init-db: user 'admin' exists, left unchanged; the stack's superuser password logs it in$/m);
            assert.match(r.stdout, new RegExp(`^init-db: plugin ${path.basename(PROGRAM_PLUGIN.dir)}: installed`, "m"));
            rowsAfter = dump(IMAGE);
        });

        it("every row of every table is kept (content compared in the columns 3.3.1 had); new columns hold their defaults", function () {
            // The plugin of the image adds its own rows (botsindex.json) and its record in persist;
            // the upgrade adds the migrations it records. Nothing else changes.
            const plugin = JSON.parse(fs.readFileSync(path.join(PLUGINS_ROOT, PROGRAM_PLUGIN.dir, "botsindex.json"), "utf8")).plugins as Record<string, unknown[]>;
            for (const [t, b] of Object.entries(rowsBefore)) {
                const a = rowsAfter[t];
                assert.ok(a, `table ${t} is gone`);
                const added = t === "persist" ? 1 : t === "django_migrations" ? a.rows.length - b.rows.length : (plugin[t]?.length ?? 0);
                assert.equal(a.rows.length, b.rows.length + added, `row count of ${t}`);
                const kept = project(b, a);
                for (const row of b.rows) {
                    const i = kept.findIndex((k) => JSON.stringify(k) === JSON.stringify(row));
                    assert.ok(i >= 0, `${t}: row lost or changed: ${JSON.stringify(row)}`);
                    kept.splice(i, 1);
                }
                if (t in PLUGIN_ROW_KEY) {
                    // What is left over are the plugin's own rows (persist: init-db's record of it).
                    const key = PLUGIN_ROW_KEY[t];
                    const want = t === "persist" ? ["bots-runtime-plugin"] : (plugin[t] as Array<Record<string, string>>).map((p) => p[key]);
                    assert.deepEqual(kept.map((k) => k[b.columns.indexOf(key)]).sort(), want.sort(), `${t}: the rows added are the plugin's`);
                }
            }
            const col = (t: string, c: string) => rowsAfter[t].columns.indexOf(c);
            assert.ok(rowsAfter.django_migrations.rows.some((r) => r[col("django_migrations", "app")] === "bots" && r[col("django_migrations", "name")] === "0001_initial"));
            assert.ok(rowsAfter.channel.rows.every((r) => r[col("channel", "debug")] === "None"), "channel.debug is NULL");
            assert.ok(rowsAfter.routes.rows.every((r) => r[col("routes", "dirmonitor")] === "False" || r[col("routes", "dirmonitor")] === "0"), "routes.dirmonitor is false");
        });

        it("the schema is what Bots 4 makes on a new database, but for the known differences", function () {
            const freshDb = `${db}_new`;
            engine.createdb(freshDb);
            const freshVolume = makeVolume("upg-new");
            const freshOpts = { ...opts(engine.env(freshDb)), volume: freshVolume };
            must(docker([...runArgs(freshOpts), IMAGE, "init-db"]), "init-db on a new database");
            const snapshot = (o: RunOpts): Schema => JSON.parse(must(docker([...runArgs(o), IMAGE, "shell", "python3", "/testdata/schema_snapshot.py"]), "schema").stdout);
            const diff = schemaDiff(snapshot(freshOpts), snapshot(opts()));
            const known = [...KNOWN.all, ...KNOWN[engine.name]];
            const unexplained = diff.filter((line) => !known.some(([re]) => re.test(line)));
            assert.deepEqual(unexplained, [], "differences from a new Bots 4 database");
            for (const [re, why] of known) {
                assert.ok(diff.some((line) => re.test(line)), `listed but not found (${why}): ${re}`);
            }
        });

        it("a second init-db changes nothing: no upgrade step, same schema, same rows", function () {
            const schema = engine.schemaText(db, volume);
            const r = docker([...runArgs(opts({ SUPERUSER_PASSWORD: "another" })), IMAGE, "init-db"]);
            assert.equal(r.code, 0, r.stdout + r.stderr);
            assert.doesNotMatch(r.stdout, /Bots 3\.3\.1|fake-initial|widened|index .* created/);
            assert.equal(engine.schemaText(db, volume), schema);
            assert.deepEqual(dump(IMAGE), rowsAfter);
        });

        it("the superuser logs in with the password 3.3.1 stored", function () {
            const check = `from bots_runtime.bootstrap import init_bots
init_bots(quiet=True)
from django.contrib.auth import authenticate
print("right:", authenticate(username="admin", password="${PASSWORD}") is not None)
print("wrong:", authenticate(username="admin", password="another") is not None)`;
            const out = shell(IMAGE, ["python3", "-c", check], "authenticate");
            assert.match(out, /^right: True$/m);
            assert.match(out, /^wrong: False$/m);
        });

        it("Bots 3.3.1's init-db refuses the upgraded database (one-way), changing nothing", function () {
            const schema = engine.schemaText(db, volume);
            const r = docker([...runArgs(opts()), IMAGE_331, "init-db"]);
            assert.equal(r.code, 1, r.stdout + r.stderr);
            assert.match(r.stderr, /init-db: FAILED: RuntimeError: this database was migrated to Bots 4 .* restore the backup taken before it/);
            assert.equal(engine.schemaText(db, volume), schema);
        });

        it("Bots 4's engine translates a new file on the upgraded database", function () {
            const outbox = csvOutbox(env());
            const sent = fs.readdirSync(outbox).length;
            dropX12Order(env(), "after-upgrade.x12");
            const r = docker([...runArgs(opts()), IMAGE, "engine", "--new"]);
            assert.equal(r.code, 0, r.stdout + r.stderr);
            assert.match(r.stdout + r.stderr, /1 files without errors/);
            assert.equal(fs.readdirSync(outbox).length, sent + 1);
        });
    });

    describe(`An upgrade refused or failed changes nothing (${engine.name})`, function () {
        this.timeout(300_000);
        const db = `upg_${engine.name.toLowerCase()}_bad`;
        let volume: string;
        let etc: string;
        const opts = (): RunOpts => ({ volume, etc, env: { BOTSENV, ...engine.env(db) }, extra: ["-v", `${FIXTURES}:/testdata:ro`] });

        before(function () {
            requireShared(this);
            ensureImage331();
            ensureImage();
            etc = makeConfigDir(PORTS);
        });
        beforeEach(function () {
            engine.createdb(db);
            volume = makeVolume("upg-bad");
            must(docker([...runArgs(opts()), IMAGE_331, "init-db"]), "3.3.1 init-db");
        });
        after(cleanupAll);

        const refused = (pattern: RegExp) => {
            const schema = engine.schemaText(db, volume);
            const rows = must(docker([...runArgs(opts()), IMAGE_331, "shell", "python3", "/testdata/dump_config.py", "--all"]), "dump").stdout;
            const r = docker([...runArgs(opts()), IMAGE, "init-db"]);
            assert.equal(r.code, 1, r.stdout + r.stderr);
            assert.match(r.stderr, /init-db: FAILED: UnrecognisedSchema: the database has Bots tables but no Bots migrations, and is not as Bots 3\.3\.1 makes it, so it was left unchanged: /);
            assert.match(r.stderr, pattern);
            assert.equal(engine.schemaText(db, volume), schema);
            assert.equal(must(docker([...runArgs(opts()), IMAGE_331, "shell", "python3", "/testdata/dump_config.py", "--all"]), "dump").stdout, rows);
        };

        it("a Bots table without one of its columns: exit 1 naming it", function () {
            engine.exec(db, volume, "ALTER TABLE partner DROP COLUMN attr5");
            refused(/column partner\.attr5 is missing/);
        });

        it("a value longer than the column Bots 4 narrows: exit 1 naming the column", function () {
            installX12Route(opts(), path.join(volume, "env", BOTSENV), IMAGE_331);
            engine.exec(db, volume, "UPDATE channel SET inorout = 'outbound' WHERE idchannel = 'csv_orderlines_out'");
            refused(/1 row\(s\) of channel\.inorout longer than Bots 4's 3 characters/);
        });

        // MariaDB names indexes per table and commits each schema change: there is no such failure
        // to provoke, and nothing to roll back.
        if (engine.name !== "MariaDB") {
            it("a failure half-way through the upgrade rolls all of it back (one transaction)", function () {
                // An index of that name elsewhere: Bots 4's CREATE INDEX ta_reference fails after the
                // earlier steps (PostgreSQL: the widened ta and uniek columns; both: index ta_parent).
                engine.exec(db, volume, "CREATE INDEX ta_reference ON partner (name)");
                const schema = engine.schemaText(db, volume);
                const r = docker([...runArgs(opts()), IMAGE, "init-db"]);
                assert.equal(r.code, 1, r.stdout + r.stderr);
                assert.match(r.stdout, /^init-db: index ta_parent created on ta/m);
                if (engine.name === "PostgreSQL") {
                    assert.match(r.stdout, /^init-db: column ta\.divtext widened/m);
                }
                assert.match(r.stderr, /init-db: FAILED: \w+Error: .*ta_reference.* already exists/);
                assert.equal(engine.schemaText(db, volume), schema);
            });
        }
    });
}
