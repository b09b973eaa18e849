import * as assert from "assert";
import * as fs from "fs";
import { parse } from "yaml";
import { SECRET_KEYS, rawConfigSchema } from "../../components/stack-config/config-schema";
import { BEGIN, CONFIG_DOC, END, PULUMI_YAML, renderConfigDoc, renderPulumiYaml } from "../../hack/docs/config-reference";

// Each config key is described once, in config-schema.ts; `npm run docs` generates Pulumi.yaml's
// config: block and docs/configuration.md's table from it. These tests fail when the committed
// files are not what the generator makes (run `npm run docs`).

const pulumiYaml = fs.readFileSync(PULUMI_YAML, "utf8");
const configDoc = fs.readFileSync(CONFIG_DOC, "utf8");

describe("generated config reference (npm run docs)", () => {
    it("Pulumi.yaml's config: block is exactly what the schema generates", () => {
        assert.strictEqual(pulumiYaml, renderPulumiYaml(pulumiYaml), "Pulumi.yaml drifted from config-schema.ts: run npm run docs");
    });

    it("docs/configuration.md's table is exactly what the schema generates", () => {
        assert.strictEqual(configDoc, renderConfigDoc(configDoc), "docs/configuration.md drifted from config-schema.ts: run npm run docs");
    });

    it("notices a hand edit of either file", () => {
        const edited = pulumiYaml.replace('default: "bots-edi"', 'default: "bots"');
        assert.notStrictEqual(edited, pulumiYaml);
        assert.notStrictEqual(renderPulumiYaml(edited), edited);
        const doc = configDoc.replace(BEGIN, `${BEGIN}\n| \`made-up\` | string | | |`);
        assert.notStrictEqual(renderConfigDoc(doc), doc);
        assert.throws(() => renderConfigDoc(configDoc.replace(END, "")), /markers/);
    });

    it("Pulumi.yaml declares every plain key with the default the program applies, and no secret key", () => {
        const project = parse(pulumiYaml) as { config: Record<string, { type: string; default?: unknown }> };
        const declared = Object.keys(project.config).filter((k) => !k.includes(":"));
        assert.deepStrictEqual(declared, Object.keys(rawConfigSchema.shape));
        for (const k of SECRET_KEYS) {
            assert.strictEqual(project.config[k], undefined, `${k} is a secret: the CLI would demand a value`);
        }
        assert.strictEqual(project.config.webReplicas.default, 1);
        assert.strictEqual(project.config.protectData.default, false);
        assert.deepStrictEqual(project.config.imagePlatforms.default, ["linux/amd64", "linux/arm64"]);
        assert.strictEqual(project.config.kubeContext.default, undefined, "kubeContext is required");
        assert.deepStrictEqual((project.config["pulumi:disable-default-providers"] as unknown as { value: string[] }).value, ["*"]);
    });

    it("documents every key, secret ones included, in docs/configuration.md", () => {
        for (const k of [...Object.keys(rawConfigSchema.shape), ...SECRET_KEYS]) {
            assert.ok(configDoc.includes(`| \`${k}\` |`), `no row for ${k}`);
        }
    });
});
