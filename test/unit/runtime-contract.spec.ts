import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { CONFIG_ENV_KEYS, SECRET_FILES } from "../../components/image/runtime-contract";
import { podSpecs, runStack } from "../support/harness";

// The program and the image meet in components/image/runtime-contract.ts. The image's Django
// settings (docker/python/bots_runtime/settings.py) read their values through _env, _bool, _list
// and _secret: every key they read must be one the program delivers, or the pods run on the
// settings' defaults (a database on localhost, for one) without any error.

const SETTINGS = path.resolve(__dirname, "..", "..", "docker", "python", "bots_runtime", "settings.py");
/** Read by the settings but left to the image's own default on purpose. */
const IMAGE_DEFAULTS = ["DB_CONNECT_TIMEOUT"];

function readBySettings(kind: "_env" | "_bool" | "_list" | "_secret"): string[] {
    const text = fs.readFileSync(SETTINGS, "utf8");
    return [...text.matchAll(new RegExp(`\\b${kind}\\("([A-Z][A-Z0-9_]*)"`, "g"))].map((m) => m[1]);
}

describe("runtime contract: what the image's settings read, the program delivers", () => {
    it("every setting read from the environment is a config Secret key of every Bots container", async () => {
        const keys = new Set(CONFIG_ENV_KEYS.map((k) => k.key));
        const read = [...readBySettings("_env"), ...readBySettings("_bool"), ...readBySettings("_list")].filter((k) => !IMAGE_DEFAULTS.includes(k));
        assert.ok(read.length >= 15, `settings.py reads ${read.length} keys`);
        assert.deepStrictEqual(read.filter((k) => !keys.has(k)), [], "keys settings.py reads that the program never sets");

        const run = await runStack({ stack: "dev" });
        for (const { owner, spec } of podSpecs(run)) {
            for (const c of spec.containers) {
                const names = new Set((c.env ?? []).map((e: { name: string }) => e.name));
                assert.deepStrictEqual(read.filter((k) => !names.has(k)), [], `${owner}/${c.name} lacks these environment variables`);
            }
        }
    });

    it("every secret the settings read is a file the program can mount", () => {
        const read = readBySettings("_secret");
        assert.deepStrictEqual(read.filter((k) => !(k in SECRET_FILES)), [], "secrets settings.py reads that have no file");
        assert.ok(read.includes("DB_PASSWORD") && read.includes("DJANGO_SECRET_KEY"), read.join(", "));
    });
});
