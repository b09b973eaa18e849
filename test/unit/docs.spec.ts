import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { SECRET_KEYS, rawConfigSchema } from "../../components/config/config-schema";
import { REPO } from "../support/harness";

interface Declared {
    type: string;
    description: string;
    default?: unknown;
    secret?: boolean;
}

const project = parse(fs.readFileSync(path.join(REPO, "Pulumi.yaml"), "utf8")) as { config: Record<string, Declared> };
const declared = Object.entries(project.config).filter(([k]) => !k.includes(":"));
const readme = fs.readFileSync(path.join(REPO, "README.md"), "utf8");
const reference = fs.readFileSync(path.join(REPO, "docs", "configuration.md"), "utf8");
const schemaKeys = Object.keys(rawConfigSchema.shape);

describe("documentation and declared config stay in step with the code", () => {
    it("Pulumi.yaml declares exactly the plain keys the program reads", () => {
        assert.deepStrictEqual(declared.map(([k]) => k).sort(), [...schemaKeys].sort());
    });

    it("leaves the optional secret keys out of Pulumi.yaml, where the CLI would demand a value", () => {
        for (const k of SECRET_KEYS) {
            assert.strictEqual(project.config[k], undefined, k);
        }
    });

    it("declares the same defaults the program applies", () => {
        for (const [key, d] of declared) {
            if (key === "kubeContext") {
                continue;
            }
            const applied = rawConfigSchema.shape[key as keyof typeof rawConfigSchema.shape].parse(undefined);
            assert.deepStrictEqual(applied, d.default, `${key}: Pulumi.yaml says ${JSON.stringify(d.default)}, the program ${JSON.stringify(applied)}`);
            assert.strictEqual(typeof d.description, "string", key);
        }
    });

    it("turns off every default provider", () => {
        const raw = project.config["pulumi:disable-default-providers"] as unknown as { value: string[] };
        assert.deepStrictEqual(raw.value, ["*"]);
    });

    it("docs/configuration.md documents every config key with its type and default", () => {
        for (const key of SECRET_KEYS) {
            const row = reference.split("\n").find((l) => l.startsWith(`| \`${key}\` | string | *(secret, optional)* |`));
            assert.ok(row, `docs/configuration.md has no secret row for ${key}`);
        }
        for (const [key, d] of declared) {
            const row = reference.split("\n").find((l) => l.startsWith(`| \`${key}\` |`));
            assert.ok(row, `docs/configuration.md has no row for ${key}`);
            assert.ok(row.includes(`| ${d.type} |`), `docs/configuration.md row for ${key} lacks its type ${d.type}`);
            if (d.default !== undefined) {
                assert.ok(row.includes(`\`${JSON.stringify(d.default)}\``), `docs/configuration.md row for ${key} lacks its default`);
            }
        }
    });

    it("README documents every stack output", () => {
        const index = fs.readFileSync(path.join(REPO, "index.ts"), "utf8");
        const outputs = [...index.matchAll(/^export const (\w+)/gm)].map((m) => m[1]);
        assert.ok(outputs.length >= 9);
        for (const o of outputs) {
            assert.ok(readme.includes(`| \`${o}\` |`), `README does not document output ${o}`);
        }
    });
});
