import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { ConfigError } from "../../components/config/config";
import { INSTALLED_USERSYS_SUFFIXES } from "../../components/image/plugin-checks";
import { ACTIVATE_ROUTES_ENV, PLUGIN_DIR, SECRET_FILES } from "../../components/image/runtime-contract";
import { assertRefused } from "../support/bad-config";
import { T, one, ofType, runStack, warningsOf } from "../support/harness";
import { botsTree, pluginDir } from "./fixtures";

async function configError(set: Record<string, string>): Promise<string> {
    try {
        await runStack({ stack: "dev", set });
    } catch (e) {
        assert.ok(e instanceof ConfigError, String(e));
        return (e as Error).message;
    }
    throw new Error("expected a ConfigError");
}

describe("Bots source tree and plugins (botsSourceDir, botsPlugins, botsActivateRoutes)", () => {
    const tree = botsTree("4.0.0");

    it("bakes the plugins into the image as the named context bots-plugins, staged in install order", async () => {
        const orders = pluginDir("orders", ["orders_in"]);
        const x12 = pluginDir("x12", ["x12_850", "x12_997"]);
        const run = await runStack({
            stack: "dev",
            set: { botsSource: "context", botsSourceDir: tree, botsPlugins: JSON.stringify([orders, x12]), botsActivateRoutes: '["orders_in","x12_850"]' },
        });
        for (const img of ofType(run, T.image)) {
            const staged = img.inputs.context.named["bots-plugins"].location as string;
            assert.strictEqual(fs.readFileSync(path.join(staged, "plugins.txt"), "utf8"), "orders\nx12\n");
            assert.ok(fs.existsSync(path.join(staged, "x12", "botsindex.json")));
            assert.strictEqual(img.inputs.context.named["bots-src"].location, tree);
        }
        const container = one(run, T.job).inputs.spec.template.spec.containers[0];
        assert.deepStrictEqual(container.env.filter((e: { name: string }) => e.name === "BOTS_ACTIVATE_ROUTES"), [{ name: "BOTS_ACTIVATE_ROUTES", value: "orders_in,x12_850" }]);
    });

    it("a changed plugin gives a new staged context; changed routes give a new init Job", async () => {
        const p = pluginDir("orders", ["orders_in", "orders_out"]);
        const set = { botsSource: "context", botsSourceDir: tree, botsPlugins: JSON.stringify([p]) };
        const first = await runStack({ stack: "dev", set: { ...set, botsActivateRoutes: '["orders_in"]' } });
        const staged1 = ofType(first, T.image)[0].inputs.context.named["bots-plugins"].location;
        const job1 = one(first, T.job).inputs.metadata.name;
        fs.appendFileSync(path.join(p, "usersys", "grammars", "edifact", "ORDERS.py"), "# changed\n");
        const second = await runStack({ stack: "dev", set: { ...set, botsActivateRoutes: '["orders_out"]' } });
        assert.notStrictEqual(ofType(second, T.image)[0].inputs.context.named["bots-plugins"].location, staged1);
        assert.notStrictEqual(one(second, T.job).inputs.metadata.name, job1);
    });

    it("plugins may share usersys files with the same content, and differ in files Bots' reader does not install", async () => {
        // Different __init__.py, non-Python usersys files and botssys/ input: Bots' reader skips
        // the first two and botssys/ is sample data; ORDERS.py is the same in both.
        const differing = (n: number) => ({ "usersys/__init__.py": `# ${n}\n`, "usersys/partners/notes.txt": `${n}\n`, "botssys/infile/orders/o.edi": `${n}\n` });
        const a = pluginDir("orders", ["orders_in"], differing(1));
        const b = pluginDir("x12", ["x12_850"], differing(2));
        const run = await runStack({ stack: "dev", set: { botsSource: "context", botsSourceDir: tree, botsPlugins: JSON.stringify([a, b]) } });
        const staged = ofType(run, T.image)[0].inputs.context.named["bots-plugins"].location as string;
        assert.strictEqual(fs.readFileSync(path.join(staged, "plugins.txt"), "utf8"), "orders\nx12\n");
    });

    it("without plugins the init Job has no BOTS_ACTIVATE_ROUTES", async () => {
        const run = await runStack({ stack: "dev", set: { botsSource: "context", botsSourceDir: tree } });
        const env = one(run, T.job).inputs.spec.template.spec.containers[0].env as { name: string }[];
        assert.ok(!env.some((e) => e.name === "BOTS_ACTIVATE_ROUTES"));
        assert.strictEqual(ofType(run, T.image)[0].inputs.context.named["bots-plugins"], undefined);
    });

    describe("bad input fails the preview with a message naming key, value and the plugin or route", () => {
        it("a source dir that does not exist", async () => {
            const msg = await configError({ botsSource: "context", botsSourceDir: "../no-such-bots" });
            assert.match(msg, /bots-edi-deploy:botsSourceDir = "\.\.\/no-such-bots": .*no-such-bots is not a directory/);
        });

        it("a source dir without pyproject.toml or setup.py", async () => {
            const empty = path.dirname(pluginDir("x", ["r"]));
            const msg = await configError({ botsSource: "context", botsSourceDir: empty });
            assert.match(msg, /botsSourceDir = .*holds neither pyproject\.toml nor setup\.py/);
        });

        it("a plugin folder without botsindex.json", async () => {
            const bad = pluginDir("noindex", undefined);
            const msg = await configError({ botsSource: "context", botsSourceDir: tree, botsPlugins: JSON.stringify([bad]) });
            assert.match(msg, /botsPlugins = .*plugin folder .*noindex has no botsindex\.json/);
        });

        it("a plugin folder that does not exist", async () => {
            const msg = await configError({ botsSource: "context", botsSourceDir: tree, botsPlugins: '["../plugins/missing"]' });
            assert.match(msg, /botsPlugins = .*plugin folder .*plugins\/missing does not exist/);
        });

        it("a route that none of the plugins defines", async () => {
            const p = pluginDir("orders", ["orders_in"]);
            const msg = await configError({ botsSource: "context", botsSourceDir: tree, botsPlugins: JSON.stringify([p]), botsActivateRoutes: '["orders_in","invoices"]' });
            assert.match(msg, /botsActivateRoutes = .*route "invoices" is in none of the plugins \(orders: orders_in\)/);
        });

        it("two plugins that install the same usersys file with different content", () => {
            const mapping = "usersys/mappings/edifact/orders2xml.py";
            const orders = pluginDir("orders", ["orders_in"], { [mapping]: "# orders to XML, version 1\n" });
            const invoices = pluginDir("invoices", ["invoices_in"], { [mapping]: "# orders to XML, version 2\n" });
            return assertRefused({
                what: "conflicting usersys file",
                set: { botsSource: "context", botsSourceDir: tree, botsPlugins: JSON.stringify([orders, invoices]) },
                key: "botsPlugins",
                expect: [
                    `: plugins "orders" and "invoices" install usersys/mappings/edifact/orders2xml.py with different content ` +
                        `(Bots' plugin reader keeps the last one written and only logs "Overwritten file"): make the files identical or keep only one of these plugins`,
                ],
            });
        });

        it("two plugins that define the same route id (init-db would refuse it in the Job)", () => {
            const a = pluginDir("orders", ["shared_out", "orders_in"]);
            const b = pluginDir("invoices", ["invoices_in", "shared_out"]);
            return assertRefused({
                what: "route in two plugins",
                set: { botsSource: "context", botsSourceDir: tree, botsPlugins: JSON.stringify([a, b]) },
                key: "botsPlugins",
                expect: [
                    `: route "shared_out" is defined by plugins "orders" and "invoices": the image's init-db refuses that (the later would overwrite the earlier); keep it in one plugin`,
                ],
            });
        });

        it("plugins on the PyPI fallback (Bots 3.3.1 cannot read them)", async () => {
            const p = pluginDir("orders", ["orders_in"]);
            const msg = await configError({ botsPlugins: JSON.stringify([p]) });
            assert.match(msg, /botsPlugins = .*needs imageMode build and botsSource context/);
        });
    });

    it("warns in preview that the PyPI fallback runs an end-of-life Django", async () => {
        const pypi = await warningsOf(() => runStack({ stack: "dev" }));
        assert.ok(pypi.some((m) => /Bots 3\.3\.1 on Django 2\.2, which is end of life/.test(m)), pypi.join("\n"));
        const tree4 = await warningsOf(() => runStack({ stack: "dev", set: { botsSource: "context", botsSourceDir: tree } }));
        assert.ok(!tree4.some((m) => /end of life/.test(m)));
    });

    it("warns in existing mode too, by what botsSource states the digest holds", async () => {
        const pypi = await warningsOf(() => runStack({ stack: "prod" }));
        assert.ok(pypi.some((m) => /imageRef is declared \(botsSource\) to run Bots 3\.3\.1 on Django 2\.2, which is end of life/.test(m)), pypi.join("\n"));
        // No source tree is needed to state it: existing mode builds nothing.
        const declared4 = await warningsOf(() => runStack({ stack: "prod", set: { botsSource: "context" } }));
        assert.ok(!declared4.some((m) => /end of life/.test(m)), declared4.join("\n"));
    });
});

describe("runtime contract: the program's names are the image's", () => {
    const python = (file: string) => fs.readFileSync(path.join(__dirname, "..", "..", "docker", "python", "bots_runtime", file), "utf8");

    it("the *_FILE secret variables", () => {
        const m = /FILE_VARS = \(([^)]*)\)/.exec(python("envsecrets.py"));
        assert.ok(m);
        assert.deepStrictEqual([...m[1].matchAll(/"(\w+)"/g)].map((x) => x[1]), Object.keys(SECRET_FILES));
    });

    it("the usersys files Bots' plugin reader installs", () => {
        const m = /_INSTALLED_SUFFIXES = \(([^)]*)\)/.exec(python("plugins.py"));
        assert.ok(m);
        assert.deepStrictEqual([...m[1].matchAll(/"([^"]+)"/g)].map((x) => x[1]), INSTALLED_USERSYS_SUFFIXES);
    });

    it("the plugin dir and the route activation variable", () => {
        assert.match(python("__init__.py"), new RegExp(`^PLUGIN_DIR = "${PLUGIN_DIR}"$`, "m"));
        assert.match(python("plugins.py"), new RegExp(`os\\.environ\\.get\\("${ACTIVATE_ROUTES_ENV}"`));
    });
});
