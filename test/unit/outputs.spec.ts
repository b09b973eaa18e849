import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { DEV_DATA_VOLUME, PROMOTED_IMAGE, runStack, stackFileValues } from "../support/harness";
import { GENERATED, PROJECT, useMocks } from "../support/mocks";

// The stack outputs are a public contract (README, "Stack outputs"). Renaming or removing one
// breaks other teams, so this list changes only together with the README and a release note.
const CONTRACT = [
    "namespace",
    "imageRef",
    "imageDigest",
    "webServiceName",
    "webUrl",
    "ingressUrl",
    "pvcName",
    "dataVolume",
    "configSecretName",
    "engineSchedule",
    "initJobName",
];

const settle = <T>(o: pulumi.Output<T>) => new Promise<T>((resolve) => o.apply(resolve));

describe("stack outputs contract", () => {
    let exported: Record<string, pulumi.Output<unknown> | undefined>;

    before(async () => {
        // The real entry point, reading config from the engine's store the way `pulumi up` hands it over.
        await useMocks("dev");
        const values = Object.fromEntries(Object.entries(stackFileValues("dev")).map(([k, v]) => [`${PROJECT}:${k}`, v]));
        values[`${PROJECT}:superuserPassword`] = "operator-chosen-password";
        // The program checks that kubeContext is in the kubeconfig the provider will read.
        const kubeconfig = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "bots-unit-")), "config");
        fs.writeFileSync(kubeconfig, "apiVersion: v1\nkind: Config\ncontexts:\n- name: bots-dev\n  context: {cluster: c, user: u}\n");
        values[`${PROJECT}:kubeconfig`] = kubeconfig;
        pulumi.runtime.setAllConfig(values, [`${PROJECT}:superuserPassword`]);
        exported = await import("../../index");
    });

    it("index.ts exports exactly the documented outputs", () => {
        assert.deepStrictEqual(Object.keys(exported).sort(), [...CONTRACT].sort());
    });

    it("exports no secret and no secret value", async () => {
        for (const name of CONTRACT) {
            const out = exported[name]!;
            assert.strictEqual(await pulumi.isSecret(out), false, `${name} is secret`);
            const value = JSON.stringify(await settle(out));
            assert.ok(!value.includes(GENERATED) && !value.includes("operator-chosen-password"), `${name} leaks a secret`);
        }
    });

    it("gives the documented shapes in dev", async () => {
        const v = Object.fromEntries(await Promise.all(CONTRACT.map(async (n) => [n, await settle(exported[n]!)])));
        assert.strictEqual(v.namespace, "bots-edi-dev");
        assert.match(v.imageRef, /^registry\.example\.com\/edi\/bots@sha256:[a-f0-9]{64}$/);
        assert.strictEqual(v.imageRef, `registry.example.com/edi/bots@${v.imageDigest}`);
        assert.strictEqual(v.webServiceName, "bots-web");
        assert.strictEqual(v.webUrl, "http://bots-web.bots-edi-dev.svc.cluster.local:8080/");
        assert.strictEqual(v.ingressUrl, "https://edi-dev.example.com/");
        assert.strictEqual(v.pvcName, "bots-data");
        assert.match(v.configSecretName, /^bots-config/);
        assert.strictEqual(v.engineSchedule, "*/2 * * * *");
        assert.match(v.initJobName, /^bots-db-init-[a-f0-9]{10}$/);
        assert.deepStrictEqual(JSON.parse(v.dataVolume), DEV_DATA_VOLUME);
    });

    it("prod exports the same names with its own values", async () => {
        const run = await runStack({ stack: "prod" });
        assert.deepStrictEqual(Object.keys(run.outputs).sort(), [...CONTRACT].sort());
        assert.deepStrictEqual(run.secretOutputs, []);
        assert.strictEqual(run.outputs.imageRef, PROMOTED_IMAGE);
        assert.strictEqual(run.outputs.ingressUrl, "https://edi.example.com/");
    });
});
