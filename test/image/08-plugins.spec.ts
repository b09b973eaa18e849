// The four real Bots plugins of ../shared/upstream/bots-plugins, baked into the Bots 4 image,
// installed by init-db (Bots' own plugin reader), run by the engine with the pod's restrictions,
// on SQLite and on PostgreSQL. Expected counts: the table in ../shared/upstream/README.md.
import { strict as assert } from "assert";
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import {
    FIXTURES, IMAGE_PLUGINS as IMAGE, PG_PORT, PLUGINS, PLUGINS_ROOT, chownR, cleanupAll, docker, ensurePluginsImage,
    makeConfigDir, makeVolume, must, pg, requireShared, runArgs,
} from "./support";
import { engineReport } from "../support/engine-report";

const PORTS = { web: 18381, engine: 28481, jobqueue: 28482 };

/** received / without errors / sent / exit code per plugin: ../shared/upstream/README.md. */
const EXPECTED: Record<string, { received: number; ok: number; sent: number; exit: number }> = {
    "demo/my_first_plugin": { received: 3, ok: 3, sent: 1, exit: 0 },
    "demo/edifact_orders_to_print": { received: 2, ok: 2, sent: 2, exit: 0 },
    "edifact/edifact_to_xml_orders-desadv-invoice": { received: 17, ok: 17, sent: 16, exit: 0 },
    "x12/x12_to_xml_850-856-810-997": { received: 34, ok: 34, sent: 49, exit: 0 },
};
/** Measured counts, printed as one table at the end of the suite. */
const measured: string[] = [];

function routesOf(plugin: string): string[] {
    const index = JSON.parse(fs.readFileSync(path.join(PLUGINS_ROOT, plugin, "botsindex.json"), "utf8"));
    return [...new Set<string>(index.plugins.routes.map((r: { idroute: string }) => r.idroute))].sort();
}

/** Hash of every file under dir (relative path + content). */
function treeHash(dir: string): string {
    const h = crypto.createHash("sha256");
    const walk = (d: string): void => {
        for (const name of fs.readdirSync(d).sort()) {
            const full = path.join(d, name);
            const st = fs.lstatSync(full);
            if (name === "__pycache__") {
                continue;
            }
            h.update(path.relative(dir, full) + "\0");
            if (st.isDirectory()) {
                walk(full);
            } else if (st.isFile()) {
                h.update(fs.readFileSync(full));
            }
        }
    };
    walk(dir);
    return h.digest("hex");
}

// The engine with the pod's restrictions: uid 10001 (the image's user), read-only root, the
// program's emptyDirs (/run/bots, /tmp) as tmpfs, no capabilities, no privilege escalation.
const POD_RESTRICTIONS = ["--cap-drop", "ALL", "--security-opt", "no-new-privileges", "--user", "10001:10001"];

for (const dbKind of ["sqlite", "postgresql"] as const) {
    describe(`plugins on Bots 4 (${dbKind}): init-db installs, activates, is idempotent; the engine's counts`, function () {
        this.timeout(600_000);

        before(function () {
            requireShared(this);
            ensurePluginsImage();
            if (dbKind === "postgresql") {
                pg("start");
            }
        });
        after(function () {
            cleanupAll();
            if (measured.length && dbKind === "postgresql") {
                console.log(["      plugin | db | received | ok | sent | exit", ...measured.map((m) => `      ${m}`)].join("\n"));
            }
        });

        for (const plugin of PLUGINS) {
            describe(plugin, function () {
                const botsenv = "plugintest";
                // Read in before(): without ../shared the suite is pending, not broken at load.
                let routes: string[] = [];
                const name = path.basename(plugin);
                const dbname = `bots_plugin_${name.replace(/[^a-z0-9]/gi, "_").slice(0, 40)}`;
                let volume: string;
                let etc: string;
                let env: Record<string, string>;
                let envDir: string;

                before(function () {
                    routes = routesOf(plugin);
                    volume = makeVolume(`plugin-${dbKind}`);
                    etc = makeConfigDir(PORTS);
                    envDir = path.join(volume, "env", botsenv);
                    env = {
                        BOTSENV: botsenv, BOTS_PLUGINS: name, BOTS_ACTIVATE_ROUTES: routes.join(","),
                        SUPERUSER_USERNAME: "admin", SUPERUSER_PASSWORD: "plugin-test-pw",
                    };
                    if (dbKind === "postgresql") {
                        pg("createdb", dbname);
                        Object.assign(env, {
                            BOTS_DB_ENGINE: "postgresql", DB_HOST: "127.0.0.1", DB_PORT: PG_PORT, DB_NAME: dbname,
                            DB_USER: "bots", DB_PASSWORD: "bots-test-pw",
                        });
                    }
                });

                const dump = (): string =>
                    must(docker([...runArgs({ volume, etc, env, extra: ["-v", `${FIXTURES}:/testdata:ro`] }), IMAGE, "shell", "python3", "/testdata/dump_config.py"]), "dump config").stdout.trim();

                let afterFirst = "";
                let filesAfterFirst = "";

                it("init-db installs the plugin and activates exactly its routes", function () {
                    const r = docker([...runArgs({ volume, etc, env }), IMAGE, "init-db"]);
                    assert.equal(r.code, 0, r.stdout + r.stderr);
                    assert.match(r.stdout, new RegExp(`plugin ${name}: installed \\(sha256 [0-9a-f]{12}\\): \\d+ files`));
                    afterFirst = dump();
                    const rows = JSON.parse(afterFirst);
                    const active = [...new Set<string>(rows.routes.filter((x: { active: string }) => x.active === "True").map((x: { idroute: string }) => x.idroute))].sort();
                    assert.deepEqual(active, routes);
                    assert.equal(rows.persist.filter((p: string[]) => p[0] === "bots-runtime-plugin").length, 1);
                    assert.deepEqual(rows.auth_user, [["admin", "True", "True", "True", ""]]);
                    filesAfterFirst = treeHash(envDir);
                });

                it("a second init-db changes nothing (database rows, files on the volume)", function () {
                    const r = docker([...runArgs({ volume, etc, env }), IMAGE, "init-db"]);
                    assert.equal(r.code, 0, r.stdout + r.stderr);
                    assert.match(r.stdout, new RegExp(`plugin ${name}: installed \\(sha256 [0-9a-f]{12}\\), unchanged`));
                    assert.match(r.stdout, /0 route rows changed/);
                    assert.equal(dump(), afterFirst);
                    assert.equal(treeHash(envDir), filesAfterFirst);
                });

                it(`the engine (uid 10001, read-only root, tmpfs /run/bots and /tmp) gives the README's counts`, function () {
                    const want = EXPECTED[plugin];
                    const r = docker([...runArgs({ volume, etc, env, extra: POD_RESTRICTIONS }), IMAGE, "engine", "--new"], 480_000);
                    const got = engineReport(r.stdout + r.stderr);
                    measured.push(`${plugin} | ${dbKind} | ${got.received} | ${got.ok} | ${got.sent} | ${r.code}`);
                    assert.deepEqual(
                        { received: got.received, ok: got.ok, sent: got.sent, exit: r.code },
                        want,
                        (r.stdout + r.stderr).slice(-4000),
                    );
                    assert.equal(got.errors, 0);
                });
            });
        }

        if (dbKind === "sqlite") {
            describe("bad plugin configuration fails init-db with a message that names it, nothing half-installed", function () {
                let volume: string;
                let etc: string;
                const base = { BOTSENV: "badplugins" };
                const dump = (env: Record<string, string>): string =>
                    must(docker([...runArgs({ volume, etc, env, extra: ["-v", `${FIXTURES}:/testdata:ro`] }), IMAGE, "shell", "python3", "/testdata/dump_config.py"]), "dump").stdout.trim();

                before(function () {
                    volume = makeVolume("badplugins");
                    etc = makeConfigDir(PORTS);
                    const first = docker([...runArgs({ volume, etc, env: { ...base, BOTS_PLUGINS: "my_first_plugin", BOTS_ACTIVATE_ROUTES: "myfirstroute" } }), IMAGE, "init-db"]);
                    assert.equal(first.code, 0, first.stdout + first.stderr);
                });

                it("a route the plugins lack: exit 78, names the route and the plugins' routes; database unchanged", function () {
                    const env = { ...base, BOTS_PLUGINS: "my_first_plugin", BOTS_ACTIVATE_ROUTES: "myfirstroute,nosuchroute" };
                    const before = dump(env);
                    const r = docker([...runArgs({ volume, etc, env }), IMAGE, "init-db"]);
                    assert.equal(r.code, 78, r.stdout + r.stderr);
                    assert.match(r.stderr, /BOTS_ACTIVATE_ROUTES: route 'nosuchroute' is in none of the plugins \(my_first_plugin: myfirstroute\)/);
                    assert.equal(dump(env), before);
                });

                it("a plugin name that is not baked in: exit 78, names it and what is there", function () {
                    const r = docker([...runArgs({ volume, etc, env: { ...base, BOTS_PLUGINS: "no_such_plugin" } }), IMAGE, "init-db"]);
                    assert.equal(r.code, 78, r.stderr);
                    assert.match(r.stderr, /BOTS_PLUGINS: plugin 'no_such_plugin' is not in \/opt\/bots\/plugins \(there: my_first_plugin, edifact_orders_to_print, /);
                });

                it("two plugins defining the same route id are refused before anything is written", function () {
                    const r = docker([...runArgs({ volume, etc, env: base }), IMAGE, "init-db"]);
                    assert.equal(r.code, 78, r.stderr);
                    assert.match(r.stderr, /route 'outbound_invoice' is defined by plugins 'edifact_to_xml_orders-desadv-invoice' and 'x12_to_xml_850-856-810-997'/);
                });

                it("a folder without botsindex.json: exit 78, names the plugin", function () {
                    const dir = fs.mkdtempSync(path.join("/var/tmp", "bots-bad-plugins-"));
                    fs.mkdirSync(path.join(dir, "no_index", "usersys"), { recursive: true });
                    fs.writeFileSync(path.join(dir, "plugins.txt"), "no_index\n");
                    chownR(dir);
                    try {
                        const r = docker([...runArgs({ volume, etc, env: { ...base, BOTS_PLUGIN_DIR: "/plugins" }, extra: ["-v", `${dir}:/plugins:ro`] }), IMAGE, "init-db"]);
                        assert.equal(r.code, 78, r.stderr);
                        assert.match(r.stderr, /plugin 'no_index': no botsindex\.json in \/plugins\/no_index/);
                    } finally {
                        fs.rmSync(dir, { recursive: true, force: true });
                    }
                });

                it("a plugin Bots' reader rejects after a good one: the whole run is rolled back", function () {
                    // A copy of my_first_plugin under another name, and a broken one after it.
                    const dir = fs.mkdtempSync(path.join("/var/tmp", "bots-bad-plugins-"));
                    fs.cpSync(path.join(PLUGINS_ROOT, "demo", "edifact_orders_to_print"), path.join(dir, "good"), { recursive: true });
                    fs.cpSync(path.join(PLUGINS_ROOT, "demo", "my_first_plugin"), path.join(dir, "broken"), { recursive: true });
                    const indexFile = path.join(dir, "broken", "botsindex.json");
                    const index = JSON.parse(fs.readFileSync(indexFile, "utf8"));
                    index.plugins.routes[0].seq = "not-a-number";
                    fs.writeFileSync(indexFile, JSON.stringify(index));
                    fs.writeFileSync(path.join(dir, "plugins.txt"), "good\nbroken\n");
                    chownR(dir);
                    const env = { ...base, BOTS_PLUGIN_DIR: "/plugins" };
                    try {
                        const before = dump(env);
                        const r = docker([...runArgs({ volume, etc, env, extra: ["-v", `${dir}:/plugins:ro`] }), IMAGE, "init-db"]);
                        assert.equal(r.code, 1, r.stdout + r.stderr);
                        assert.match(r.stderr, /plugin 'broken': Bots' plugin reader failed/);
                        const after = JSON.parse(dump(env));
                        assert.deepEqual(after, JSON.parse(before), "no row of the good plugin (edifax routes) was kept");
                        assert.ok(!after.routes.some((x: { idroute: string }) => x.idroute === "edifax"));
                    } finally {
                        fs.rmSync(dir, { recursive: true, force: true });
                    }
                });
            });
        }
    });
}
