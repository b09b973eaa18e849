// A stack that adopts a running installation (docs/migration.md): the namespace is labelled by a
// patch and never owned, the claim is the installation's own, and nothing the stack registers can
// delete either of them.
import * as assert from "assert";
import { StackRun, T, ofType, one, runStack } from "../support/harness";

/** The stack config scripts/migrate-fork prints for the fork's dev overlay, minus the secrets. */
const MIGRATED = {
    namespace: "edi-dev",
    adoptNamespace: "true",
    existingClaim: "bots-edi-data-pvc",
    botsEnv: "dev",
    databaseEngine: "mysql",
    databaseHost: "kona.db.example.com",
    databasePort: "3306",
    databaseName: "botsedi_data",
    databaseUser: "botsedi",
    databaseExistingSecret: "bots-edidb-secret",
    databaseExistingSecretKey: "DB_PASSWORD",
};

describe("adopted installation (adoptNamespace, existingClaim)", () => {
    let run: StackRun;
    before(async () => {
        run = await runStack({ stack: "dev", set: MIGRATED });
    });

    it("labels the existing namespace with a NamespacePatch and registers no Namespace", () => {
        assert.strictEqual(ofType(run, T.namespace).length, 0);
        const patch = one(run, T.namespacePatch);
        assert.strictEqual(patch.inputs.metadata.name, "edi-dev");
        assert.deepStrictEqual(
            Object.fromEntries(Object.entries(patch.inputs.metadata.labels as Record<string, string>).filter(([k]) => k.startsWith("pod-security"))),
            {
                "pod-security.kubernetes.io/enforce": "restricted",
                "pod-security.kubernetes.io/enforce-version": "v1.34",
                "pod-security.kubernetes.io/audit": "restricted",
                "pod-security.kubernetes.io/audit-version": "v1.34",
                "pod-security.kubernetes.io/warn": "restricted",
                "pod-security.kubernetes.io/warn-version": "v1.34",
            },
        );
        // A patch owns only the fields it sets: the namespace is never the stack's to delete.
        assert.strictEqual(run.options.get(`${T.namespacePatch}::${patch.name}`)?.retainOnDelete, undefined);
        assert.strictEqual(run.outputs.namespace, "edi-dev");
    });

    it("creates no claim and mounts the installation's own in every pod", () => {
        assert.strictEqual(ofType(run, T.pvc).length, 0);
        for (const kind of [T.deployment, T.job, T.cronJob]) {
            for (const r of ofType(run, kind)) {
                const spec = kind === T.cronJob ? r.inputs.spec.jobTemplate.spec.template.spec : r.inputs.spec.template.spec;
                const claims = (spec.volumes as { persistentVolumeClaim?: { claimName: string } }[])
                    .filter((v) => v.persistentVolumeClaim)
                    .map((v) => v.persistentVolumeClaim!.claimName);
                assert.deepStrictEqual(claims, ["bots-edi-data-pvc"], `${r.name}`);
            }
        }
        assert.strictEqual(run.outputs.pvcName, "bots-edi-data-pvc");
    });

    it("reads the database password from the installation's Secret and puts every object in its namespace", () => {
        const nonPatch = run.resources.filter((r) => r.type.startsWith("kubernetes:") && r.type !== T.namespacePatch && !r.type.startsWith("pulumi:"));
        for (const r of nonPatch) {
            assert.strictEqual(r.inputs.metadata?.namespace, "edi-dev", `${r.type} ${r.name}`);
        }
        const init = one(run, T.job).inputs.spec.template.spec;
        const sources = init.volumes.find((v: { name: string }) => v.name === "secrets").projected.sources.map((p: { secret: unknown }) => p.secret);
        assert.ok(
            sources.some((s: { name: string; items: unknown }) => s.name === "bots-edidb-secret" && JSON.stringify(s.items) === JSON.stringify([{ key: "DB_PASSWORD", path: "db-password" }])),
            JSON.stringify(sources),
        );
    });

    it("keeps creating (and protecting) its own namespace when adoptNamespace is false", async () => {
        const own = await runStack({ stack: "dev", set: { ...MIGRATED, adoptNamespace: "false", namespace: "bots-edi-dev" } });
        assert.strictEqual(ofType(own, T.namespacePatch).length, 0);
        assert.strictEqual(one(own, T.namespace).inputs.metadata.name, "bots-edi-dev");
    });
});
