import * as assert from "assert";
import * as fs from "fs";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { z } from "zod";
import { SECRET_KEYS, configTree, rawConfigSchema } from "../../components/stack-config/config-schema";
import { flatShape, key, keyOrUnset, leaves, nestedValue, secret, when } from "../../components/stack-config/key-tree";
import { PULUMI_YAML } from "../../hack/docs/config-reference";
import { configFor } from "../support/harness";

// The config schema is one tree (components/stack-config/key-tree.ts): each key written once, the
// flat schema, the secrets and AppConfig's nested value following from it.

const unwrap = (o: pulumi.Output<string>) => new Promise<string>((resolve) => o.apply((v) => resolve(v)));

describe("config key tree", () => {
    it("writes each key once: 128 plain keys and 11 secret ones, no name used twice", () => {
        const names = leaves(configTree).map((l) => l.name);
        assert.strictEqual(new Set(names).size, names.length, "a name is used twice");
        assert.strictEqual(Object.keys(rawConfigSchema.shape).length, 128);
        assert.strictEqual(SECRET_KEYS.length, 11);
        assert.deepStrictEqual(new Set(names), new Set([...Object.keys(rawConfigSchema.shape), ...SECRET_KEYS]));
    });

    it("refuses a tree that writes a key twice", () => {
        const twice = { a: key("webReplicas", z.string()), b: { c: key("webReplicas", z.string()) } };
        assert.throws(() => flatShape(twice), /config key webReplicas is written twice in the schema/);
    });

    it("builds the nested value: empty keyOrUnset values unset, secrets as Pulumi secrets, switched groups only when on", async () => {
        const tree = {
            name: keyOrUnset("someName", z.string()),
            other: keyOrUnset("otherName", z.string()),
            count: key("someCount", z.number()),
            password: secret("somePassword", "a password"),
            token: secret("someToken", "a token"),
            on: when(key("onEnabled", z.boolean()), { size: key("onSize", z.string()) }),
            off: when(key("offEnabled", z.boolean()), { size: key("offSize", z.string()) }),
        };
        const flat = { someName: "", otherName: "x", someCount: 3, onEnabled: true, onSize: "1Gi", offEnabled: false, offSize: "2Gi" };
        const v = nestedValue(tree, flat, { somePassword: "pw" });
        assert.strictEqual(v.name, undefined);
        assert.strictEqual(v.other, "x");
        assert.strictEqual(v.count, 3);
        assert.deepStrictEqual(v.on, { size: "1Gi" });
        assert.strictEqual(v.off, undefined);
        assert.strictEqual(v.token, undefined);
        assert.ok(v.password && pulumi.Output.isInstance(v.password));
        assert.strictEqual(await pulumi.isSecret(v.password), true);
        assert.strictEqual(await unwrap(v.password), "pw");
    });

    it("declares every keyOrUnset key in Pulumi.yaml with its empty default, not as required", () => {
        const project = parse(fs.readFileSync(PULUMI_YAML, "utf8")) as { config: Record<string, { default?: unknown }> };
        const unsetWhenEmpty = leaves(configTree).flatMap((l) => ("emptyIsUnset" in l && l.emptyIsUnset ? [l.name] : []));
        assert.strictEqual(unsetWhenEmpty.length, 10, unsetWhenEmpty.join(", "));
        for (const k of unsetWhenEmpty) {
            assert.strictEqual(project.config[k].default, "", k);
        }
        const c = configFor({ stack: "dev", set: { storageClass: "", ingressClassName: "" } });
        assert.strictEqual(c.storage.storageClass, undefined);
        assert.strictEqual(c.ingress?.className, undefined);
        assert.strictEqual(configFor({ stack: "dev", set: { storageClass: "fast" } }).storage.storageClass, "fast");
    });

    it("lands each plain key where the tree puts it, with the keys' defaults", () => {
        const c = configFor({ stack: "dev", set: { engineBackoffLimit: "4", jobqueueMemoryLimit: "384Mi", backupEnabled: "false", networkPolicyEnabled: "true" } });
        assert.strictEqual(c.engine.backoffLimit, 4);
        assert.strictEqual(c.worker.jobqueueResources.limits.memory, "384Mi");
        assert.deepStrictEqual(c.worker.dirmonitorResources, { requests: { cpu: "50m", memory: "128Mi" }, limits: { cpu: "500m", memory: "256Mi" } });
        assert.strictEqual(c.backup, undefined, "backup is present only when backupEnabled");
        assert.deepStrictEqual(c.networkPolicy?.ingressNamespaces, ["kube-system", "ingress-nginx"]);
    });
});
