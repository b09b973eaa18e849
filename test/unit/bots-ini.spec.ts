import * as assert from "assert";
import * as fs from "fs";
import { BOTS_INI_TEMPLATE, applyOverrides, renderBotsIni } from "../../components/rendered/bots-ini";
import { WEB_PORT } from "../../components/image/runtime-contract";

const keysOf = (ini: string) =>
    ini
        .split("\n")
        .reduce<{ section: string; keys: string[] }>(
            (acc, line) => {
                const h = /^\[(.+)\]$/.exec(line);
                if (h) {
                    return { section: h[1], keys: acc.keys };
                }
                const kv = /^(\w+)\s*=/.exec(line);
                return kv ? { section: acc.section, keys: [...acc.keys, `${acc.section}.${kv[1]}`] } : acc;
            },
            { section: "", keys: [] },
        ).keys;

describe("bots.ini rendering", () => {
    const args = { maxRuntimeMinutes: 45, jobqueueEnabled: false, logLevel: "WARNING", environmentText: "p/s" };
    const template = fs.readFileSync(BOTS_INI_TEMPLATE, "utf8");

    it("keeps every key of the image's default (Bots 3.3 raises on a missing one) and adds none", () => {
        assert.deepStrictEqual(keysOf(renderBotsIni(args)), keysOf(template));
    });

    it("sets the keys the stack decides", () => {
        const ini = renderBotsIni(args);
        assert.match(ini, /\[settings\][^[]*\nmaxruntime = 45\n/);
        assert.match(ini, /\[jobqueue\][^[]*\nenabled = False\n/);
        assert.match(ini, /\[webserver\][^[]*\nenvironment_text = p\/s\n/);
        assert.match(ini, /\[acceptance\][^[]*\nrunacceptancetest = False\n/);
        assert.strictEqual((ini.match(/^log_file_level = WARNING$/gm) ?? []).length, 4);
    });

    it("serves the web UI on the port the Deployment exposes", () => {
        assert.match(renderBotsIni(args), new RegExp(`\\[webserver\\][^[]*\\nport = ${WEB_PORT}\\n`));
    });

    it("appends keys and sections the template lacks, keeping comments", () => {
        const out = applyOverrides("# c\n[a]\nx = 1\n# keep\n", { a: { x: "2", y: "3" }, b: { z: "4" } });
        assert.strictEqual(out, "# c\n[a]\nx = 2\n# keep\ny = 3\n\n[b]\nz = 4\n");
    });
});
