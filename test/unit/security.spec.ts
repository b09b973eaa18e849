import * as assert from "assert";
import { StackRun, podSpecs, runStack } from "../support/harness";

// Every pod spec the program can produce, in both stacks, meets the restricted profile and ours.
describe("pod security and hygiene (every pod spec, dev and prod)", () => {
    const runs: Record<string, StackRun> = {};
    before(async () => {
        runs.dev = await runStack({ stack: "dev" });
        runs.prod = await runStack({ stack: "prod" });
    });

    const each = (fn: (stack: string, owner: string, spec: any) => void) => { // eslint-disable-line @typescript-eslint/no-explicit-any
        let n = 0;
        for (const [stack, run] of Object.entries(runs)) {
            for (const { owner, spec } of podSpecs(run)) {
                fn(stack, owner, spec);
                n++;
            }
        }
        assert.strictEqual(n, 9, "expected 4 pod specs in dev (web, worker, db-init, engine) and 5 in prod (and the backup)");
    };

    it("sets a restricted pod securityContext with fsGroup and OnRootMismatch", () => {
        each((stack, owner, spec) => {
            assert.deepStrictEqual(
                spec.securityContext,
                {
                    runAsNonRoot: true,
                    runAsUser: 10001,
                    runAsGroup: 10001,
                    fsGroup: 10001,
                    fsGroupChangePolicy: "OnRootMismatch",
                    seccompProfile: { type: "RuntimeDefault" },
                },
                `${stack}/${owner}`,
            );
        });
    });

    it("locks down every container: non-root, no escalation, drop ALL, read-only root, seccomp", () => {
        each((stack, owner, spec) => {
            for (const c of [...spec.containers, ...(spec.initContainers ?? [])]) {
                const sc = c.securityContext;
                const where = `${stack}/${owner}/${c.name}`;
                assert.strictEqual(sc.runAsNonRoot, true, where);
                assert.strictEqual(sc.allowPrivilegeEscalation, false, where);
                assert.strictEqual(sc.readOnlyRootFilesystem, true, where);
                assert.strictEqual(sc.privileged, false, where);
                assert.deepStrictEqual(sc.capabilities, { drop: ["ALL"] }, where);
                assert.deepStrictEqual(sc.seccompProfile, { type: "RuntimeDefault" }, where);
            }
        });
    });

    it("mounts only the data volume, the read-only config and secrets and two emptyDirs as writable paths (the backup: its scratch and target)", () => {
        each((stack, owner, spec) => {
            for (const c of spec.containers) {
                const backup =
                    owner === "bots-backup"
                        ? [
                              { name: "backup-scratch", mountPath: "/var/lib/bots-backup" },
                              { name: "backup-target", mountPath: "/backups" },
                          ]
                        : [];
                assert.deepStrictEqual(
                    c.volumeMounts,
                    [
                        { name: "data", mountPath: "/home/bots/.bots" },
                        { name: "config", mountPath: "/etc/bots", readOnly: true },
                        { name: "secrets", mountPath: "/run/secrets/bots", readOnly: true },
                        { name: "run", mountPath: "/run/bots" },
                        { name: "tmp", mountPath: "/tmp" },
                        ...backup,
                    ],
                    `${stack}/${owner}/${c.name}`,
                );
            }
            const vols = Object.fromEntries(spec.volumes.map((v: { name: string }) => [v.name, v]));
            assert.ok(vols.data.persistentVolumeClaim, "data is the PVC");
            assert.ok(vols.run.emptyDir && vols.tmp.emptyDir, "run and tmp are emptyDirs");
            assert.deepStrictEqual(vols.config.secret.items.map((i: { key: string }) => i.key), ["bots.ini", "settings.py"]);
        });
    });

    it("runs as the one ServiceAccount without a mounted token", () => {
        each((stack, owner, spec) => {
            assert.strictEqual(spec.serviceAccountName, "bots", `${stack}/${owner}`);
            assert.strictEqual(spec.automountServiceAccountToken, false, `${stack}/${owner}`);
        });
    });

    it("gives every container requests and limits for CPU and memory", () => {
        each((stack, owner, spec) => {
            for (const c of spec.containers) {
                for (const k of ["requests", "limits"]) {
                    assert.ok(c.resources?.[k]?.cpu && c.resources?.[k]?.memory, `${stack}/${owner}/${c.name} ${k}`);
                }
            }
        });
    });

    it("pins every container to the image digest and keeps the image's ENTRYPOINT", () => {
        each((stack, owner, spec) => {
            for (const c of spec.containers) {
                assert.match(c.image, /^[^@:]+(:\d+)?\/[^@]+@sha256:[a-f0-9]{64}$/, `${stack}/${owner}/${c.name}`);
                assert.strictEqual(c.command, undefined, `${stack}/${owner}/${c.name} overrides the ENTRYPOINT`);
                assert.ok(Array.isArray(c.args) && c.args.length > 0);
            }
        });
    });

    it("probes every long-running container, and no one-shot one", () => {
        each((stack, owner, spec) => {
            for (const c of spec.containers) {
                const oneShot = owner === "db-init" || owner === "bots-engine" || owner === "bots-backup";
                if (oneShot) {
                    assert.ok(!c.livenessProbe && !c.readinessProbe, `${owner} is one-shot`);
                } else {
                    assert.ok(c.livenessProbe && c.startupProbe, `${stack}/${owner}/${c.name} lacks probes`);
                }
            }
        });
    });

    it("carries a config checksum on every pod template: one for the services, another for the init Job", () => {
        for (const run of Object.values(runs)) {
            const templates = [
                ...run.resources.filter((r) => r.type.endsWith(":Deployment") || r.type.endsWith(":Job")).map((r) => r.inputs.spec.template),
                ...run.resources.filter((r) => r.type.endsWith(":CronJob")).map((r) => r.inputs.spec.jobTemplate.spec.template),
            ];
            assert.ok(templates.length >= 4);
            const sums = new Set(templates.map((t) => t.metadata.annotations["bots-edi.io/config-checksum"]));
            assert.strictEqual(sums.size, 2, "web, worker, engine and backup read the same secrets; the init Job others");
            for (const sum of sums) {
                assert.match(sum, /^[a-f0-9]{64}$/);
            }
        }
    });

    it("changes the checksum when the rendered config changes", async () => {
        const a = await runStack({ stack: "dev" });
        const b = await runStack({ stack: "dev", set: { logLevel: "WARNING" } });
        const sum = (r: StackRun) =>
            r.resources.find((x) => x.type.endsWith(":Deployment"))!.inputs.spec.template.metadata.annotations["bots-edi.io/config-checksum"];
        assert.notStrictEqual(sum(a), sum(b));
        assert.strictEqual(sum(a), sum(await runStack({ stack: "dev" })), "stable for the same config");
    });
});
