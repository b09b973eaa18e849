// The four real Bots plugins of ../shared/upstream/bots-plugins, baked into the Bots 4 image,
// installed by init-db (Bots' own plugin reader), run by the engine with the pod's restrictions,
// on SQLite and on PostgreSQL. Expected counts: the table in ../shared/upstream/README.md.
import { strict as assert } from "assert";
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import {
    FIXTURES, IMAGE as PROGRAM_IMAGE, IMAGE_NO_PLUGINS, IMAGE_PLUGINS as IMAGE, IMAGE_SWAPPED_PLUGIN, PLUGINS, PLUGINS_ROOT, PROGRAM_PLUGIN,
    SWAPPED_PLUGIN, chownR, cleanupAll, docker, ensureImage, ensureNoPluginsImage, ensurePluginsImage, ensureSwappedPluginImage, envDir,
    makeConfigDir, makeVolume, must, onCleanup, pg, requireShared, runArgs, specDatabase,
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
                        Object.assign(env, specDatabase("postgresql", dbname));
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

                it("two plugins that install one usersys file with different content: exit 78, names both and the file; database unchanged", function () {
                    const env = { ...base, BOTS_PLUGINS: "my_first_plugin,edifact_orders_to_print" };
                    const before = dump(env);
                    const files = treeHash(path.join(volume, "env", base.BOTSENV));
                    const r = docker([...runArgs({ volume, etc, env }), IMAGE, "init-db"]);
                    assert.equal(r.code, 78, r.stdout + r.stderr);
                    assert.match(
                        r.stderr,
                        /init-db: FAILED: plugins 'my_first_plugin' and 'edifact_orders_to_print' install usersys\/routescripts\/bots_acceptancetest\.py with different content \(Bots' plugin reader keeps the last one written and only logs "Overwritten file"\): make the files identical or install only one of these plugins \(BOTS_PLUGINS\)/,
                    );
                    assert.equal(dump(env), before);
                    assert.equal(treeHash(path.join(volume, "env", base.BOTSENV)), files);
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
                    // A copy of edifact_orders_to_print under another name, and a broken copy of
                    // my_first_plugin after it, without the route script both carry with different
                    // content (init-db would refuse that before Bots' reader runs).
                    const dir = fs.mkdtempSync(path.join("/var/tmp", "bots-bad-plugins-"));
                    fs.cpSync(path.join(PLUGINS_ROOT, "demo", "edifact_orders_to_print"), path.join(dir, "good"), { recursive: true });
                    fs.cpSync(path.join(PLUGINS_ROOT, "demo", "my_first_plugin"), path.join(dir, "broken"), { recursive: true });
                    fs.rmSync(path.join(dir, "broken", "usersys", "routescripts", "bots_acceptancetest.py"));
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

// Configuration as code: the stack's plugin list is the truth. A stack deploys the image with
// PROGRAM_PLUGIN, then one with SWAPPED_PLUGIN only, then one without plugins; each init-db stops
// the routes of the plugins taken out and keeps their rows and files.
describe("plugins taken out of the stack stop (SQLite): routes inactive, rows and files kept, the log names each changed route", function () {
    this.timeout(600_000);
    const botsenv = "removal";
    const ports = { web: 18681, engine: 28681, jobqueue: 28682 };
    const first = { name: path.basename(PROGRAM_PLUGIN.dir), route: PROGRAM_PLUGIN.route };
    const second = { name: path.basename(SWAPPED_PLUGIN.dir), active: "edifax", inactive: "edifax_new" };
    let volume: string;
    let etc: string;
    let env: string;

    before(function () {
        requireShared(this);
        ensureImage();
        ensureSwappedPluginImage();
        ensureNoPluginsImage();
        volume = makeVolume("removal");
        etc = makeConfigDir(ports);
        env = envDir(volume, botsenv);
    });
    after(cleanupAll);

    const initDb = (image: string, activate?: string): { stdout: string; routeLines: string[] } => {
        const r = docker([...runArgs({ volume, etc, env: { BOTSENV: botsenv, ...(activate ? { BOTS_ACTIVATE_ROUTES: activate } : {}) } }), image, "init-db"]);
        assert.equal(r.code, 0, r.stdout + r.stderr);
        return { stdout: r.stdout, routeLines: r.stdout.split("\n").filter((l) => l.startsWith("init-db: route ")) };
    };
    const dump = () =>
        JSON.parse(must(docker([...runArgs({ volume, etc, env: { BOTSENV: botsenv }, extra: ["-v", `${FIXTURES}:/testdata:ro`] }), IMAGE_NO_PLUGINS, "shell", "python3", "/testdata/dump_config.py"]), "dump").stdout);
    /** Rewrites the plugin records as an image before route records (name and digest only) left them. */
    const stripRouteRecords = () =>
        must(docker([...runArgs({ volume, etc, env: { BOTSENV: botsenv }, extra: ["-v", `${FIXTURES}:/testdata:ro`] }), IMAGE_NO_PLUGINS, "shell", "python3", "/testdata/plugin_records_without_routes.py"]), "strip records");
    /** Plugin name -> its record in the database. */
    const records = (rows: { persist: string[][] }): Record<string, { routes?: string[] }> =>
        Object.fromEntries(rows.persist.filter((p) => p[0] === "bots-runtime-plugin").map((p) => [JSON.parse(p[2]).name, JSON.parse(p[2])]));
    /** Route id -> active flag of its rows ("True"/"False"). */
    const activity = (rows: { routes: { idroute: string; active: string }[] }) => Object.fromEntries(rows.routes.map((r) => [r.idroute, r.active]));
    const engine = (image: string) => {
        const r = docker([...runArgs({ volume, etc, env: { BOTSENV: botsenv }, extra: POD_RESTRICTIONS }), image, "engine", "--new"], 480_000);
        return { code: r.code, out: r.stdout + r.stderr };
    };
    const outfiles = (route: string): string[] => {
        const dir = path.join(env, "botssys", "outfile", route);
        return fs.existsSync(dir) ? fs.readdirSync(dir).sort() : [];
    };

    it(`the image with ${first.name}: init-db activates ${first.route} and says so`, function () {
        const r = initDb(PROGRAM_IMAGE, first.route);
        assert.deepEqual(r.routeLines, [`init-db: route ${first.route}: activated (plugin ${first.name})`]);
        assert.deepEqual(activity(dump()), { [first.route]: "True" });
    });

    it("a record an earlier image wrote without route ids gets them on the next init-db; nothing is read again", function () {
        stripRouteRecords();
        assert.equal(records(dump())[first.name].routes, undefined);
        const r = initDb(PROGRAM_IMAGE, first.route);
        assert.match(r.stdout, new RegExp(`plugin ${first.name}: installed \\(sha256 [0-9a-f]{12}\\), unchanged`));
        assert.deepEqual(r.routeLines, []);
        assert.deepEqual(records(dump())[first.name].routes, [first.route]);
    });

    let afterSwap: string;
    it(`the image with only ${second.name}: ${first.route} inactive, rows and usersys files kept; ${second.active} active as listed`, function () {
        const r = initDb(IMAGE_SWAPPED_PLUGIN, second.active);
        assert.match(r.stdout, new RegExp(`plugin ${first.name}: not installed any more \\(sha256 [0-9a-f]{12} recorded\\): its routes are inactive, its rows and usersys files are not removed`));
        assert.deepEqual(r.routeLines, [
            `init-db: route ${second.active}: activated (plugin ${second.name})`,
            `init-db: route ${first.route}: deactivated (plugin ${first.name} is not installed any more)`,
        ]);
        const rows = dump();
        assert.deepEqual(activity(rows), { [first.route]: "False", [second.active]: "True", [second.inactive]: "False" });
        assert.ok(rows.channel.some((c: { idchannel: string }) => c.idchannel === "myfirstroute_in"), "the removed plugin's channel is kept");
        assert.equal(rows.persist.filter((p: string[]) => p[0] === "bots-runtime-plugin").length, 2, "both plugin records kept");
        const mapping = "mappings/edifact/myfirstscriptordersedi2fixed.py";
        assert.equal(
            fs.readFileSync(path.join(env, "usersys", mapping), "utf8"),
            fs.readFileSync(path.join(PLUGINS_ROOT, PROGRAM_PLUGIN.dir, "usersys", mapping), "utf8"),
            "the removed plugin's usersys file is kept",
        );
        afterSwap = JSON.stringify(rows);
    });

    it("a second init-db with that image changes nothing and names no route", function () {
        const r = initDb(IMAGE_SWAPPED_PLUGIN, second.active);
        assert.deepEqual(r.routeLines, []);
        assert.match(r.stdout, /0 route rows changed/);
        assert.equal(JSON.stringify(dump()), afterSwap);
    });

    it(`the engine runs ${second.active} only: ${first.name}'s input stays unread`, function () {
        const r = engine(IMAGE_SWAPPED_PLUGIN);
        assert.equal(r.code, 0, r.out.slice(-4000));
        assert.match(r.out, new RegExp(`Run active routes from database that are in default run: "\\['${second.active}'\\]"`));
        // The README's 2 / 2 / 2 is with both routes of the plugin active; they read the same file.
        assert.deepEqual(engineReport(r.out), { received: 1, ok: 1, sent: 1, errors: 0 });
        assert.ok(fs.readdirSync(path.join(env, "botssys", "infile", first.name)).length > 0, `${first.name}'s sample input is there to be read`);
        assert.deepEqual(outfiles(first.name), []);
    });

    it(`the image without plugins: ${second.active} inactive too; the engine runs no route`, function () {
        const sent = outfiles("edifax");
        assert.ok(sent.length > 0);
        const r = initDb(IMAGE_NO_PLUGINS);
        assert.match(r.stdout, /init-db: no plugins in \/opt\/bots\/plugins/);
        for (const name of [first.name, second.name]) {
            assert.match(r.stdout, new RegExp(`plugin ${name}: not installed any more \\(sha256 [0-9a-f]{12} recorded\\)`));
        }
        assert.deepEqual(r.routeLines, [`init-db: route ${second.active}: deactivated (plugin ${second.name} is not installed any more)`]);
        assert.deepEqual(activity(dump()), { [first.route]: "False", [second.active]: "False", [second.inactive]: "False" });
        const run = engine(IMAGE_NO_PLUGINS);
        assert.equal(run.code, 0, run.out.slice(-4000));
        assert.match(run.out, /Run active routes from database that are in default run: "\[\]"/);
        assert.equal(engineReport(run.out).received, 0);
        assert.ok(fs.readdirSync(path.join(env, "botssys", "infile", "edifax")).length > 0, `${second.name}'s sample input is there to be read`);
        assert.deepEqual(outfiles("edifax"), sent);
        assert.deepEqual(outfiles(first.name), []);
    });

    it("a removed plugin whose record has no route ids (an earlier image's): init-db says to set its routes inactive by hand", function () {
        stripRouteRecords();
        const r = initDb(IMAGE_NO_PLUGINS);
        for (const name of [first.name, second.name]) {
            assert.match(r.stdout, new RegExp(`plugin ${name}: not installed any more, and its routes were not recorded \\(an image before route records installed it\\): set its routes inactive in the web UI`));
        }
        assert.deepEqual(r.routeLines, []);
    });

    it("a route the plugin's new version dropped is set inactive, with the plugin named", function () {
        // The plugin folder mounted as BOTS_PLUGIN_DIR (an image's plugins, without a build per version).
        const dir = fs.mkdtempSync(path.join("/var/tmp", "bots-plg-dropped-"));
        onCleanup(() => fs.rmSync(dir, { recursive: true, force: true }));
        const plugin = path.join(dir, second.name);
        fs.cpSync(path.join(PLUGINS_ROOT, SWAPPED_PLUGIN.dir), plugin, { recursive: true });
        chownR(dir);
        const mounted = (activate: string) =>
            docker([...runArgs({ volume, etc, env: { BOTSENV: "dropped", BOTS_PLUGIN_DIR: "/plugins", BOTS_ACTIVATE_ROUTES: activate }, extra: ["-v", `${dir}:/plugins:ro`] }), IMAGE_NO_PLUGINS, "init-db"]);
        const installed = mounted(SWAPPED_PLUGIN.routes.join(","));
        assert.equal(installed.code, 0, installed.stdout + installed.stderr);
        const indexFile = path.join(plugin, "botsindex.json");
        const index = JSON.parse(fs.readFileSync(indexFile, "utf8"));
        index.plugins.routes = index.plugins.routes.filter((r: { idroute: string }) => r.idroute !== second.inactive);
        fs.writeFileSync(indexFile, JSON.stringify(index));
        const r = mounted(second.active);
        assert.equal(r.code, 0, r.stdout + r.stderr);
        assert.deepEqual(
            r.stdout.split("\n").filter((l) => l.startsWith("init-db: route ")),
            [`init-db: route ${second.inactive}: deactivated (no longer a route of plugin ${second.name})`],
        );
    });
});
