// End to end: the real Pulumi CLI, the program, the Kubernetes provider plugin and a real
// kube-apiserver (hack/cluster/up.sh: etcd, kube-apiserver with Pod Security admission,
// controller-manager, scheduler, kwok fake node). Run with `npm run test:e2e` (test/e2e/run.sh).
//
// The dev stack's own settings (Pulumi.dev.yaml) are deployed, pointed at the local cluster:
// kubeContext/kubeconfig, the local RWX StorageClass, and an existing image pinned by digest
// instead of a build (no container registry here; kwok never pulls).
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as crypto from "crypto";
import * as path from "path";
import { EngineEvent, Stack } from "@pulumi/pulumi/automation";
import {
    E2eWorkspace,
    PROJECT,
    REPO_ROOT,
    e2eWorkspace,
    getJson,
    Json,
    kubectl,
    kubectlTry,
    notContained,
    selectStack,
    stepsOf,
    toolEnv,
    waitFor,
} from "./support";

const digest = (seed: string) => crypto.createHash("sha256").update(seed).digest("hex");
const IMAGE_A = `registry.local/edi/bots@sha256:${digest("bots e2e image A")}`;
const IMAGE_B = `registry.local/edi/bots@sha256:${digest("bots e2e image B")}`;
const SECRET_SIG = "4dabf18193072939515e22adb298388d";

describe("e2e: dev stack on a local kube-apiserver", function () {
    this.timeout(20 * 60 * 1000);

    let env: Record<string, string>;
    let ws: E2eWorkspace;
    let dev: Stack;
    let ns: string;

    const log = (s: string) => {
        if (process.env.E2E_VERBOSE) {
            process.stdout.write(s);
        }
    };

    async function localConfig(stack: Stack): Promise<void> {
        await stack.setAllConfig({
            [`${PROJECT}:kubeContext`]: { value: env.BOTS_KUBE_CONTEXT },
            [`${PROJECT}:kubeconfig`]: { value: env.BOTS_KUBECONFIG },
        });
    }

    /** kubernetes:* custom resources of the stack's state, with what the program asked for. */
    async function stateObjects(): Promise<{ type: string; inputs: Json; outputs: Json; protect: boolean }[]> {
        const state = await dev.exportStack();
        return (state.deployment.resources as Json[])
            .filter((r) => r.custom && r.type.startsWith("kubernetes:") && !r.type.startsWith("pulumi:providers:"))
            .map((r) => ({ type: r.type, inputs: r.inputs ?? {}, outputs: r.outputs ?? {}, protect: !!r.protect }));
    }

    function live(apiVersion: string, kind: string, name: string, namespace?: string): Json {
        const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["", apiVersion];
        const res = group ? `${kind}.${version}.${group}` : kind;
        return getJson(env, namespace ? ["-n", namespace, "get", res, name] : ["get", res, name]);
    }

    /** What the program asked for, minus secret values (compared separately) and engine-internal keys. */
    function comparable(inputs: Json): Json {
        if (Array.isArray(inputs)) {
            return inputs.map(comparable);
        }
        if (inputs && typeof inputs === "object") {
            if (SECRET_SIG in inputs) {
                return undefined;
            }
            const out: Json = {};
            for (const [k, v] of Object.entries(inputs)) {
                if (!k.startsWith("__")) {
                    out[k] = comparable(v);
                }
            }
            return out;
        }
        return inputs;
    }

    function podTemplates(): { owner: string; spec: Json }[] {
        const out: { owner: string; spec: Json }[] = [];
        for (const d of getJson(env, ["-n", ns, "get", "deployments"]).items) {
            out.push({ owner: `Deployment/${d.metadata.name}`, spec: d.spec.template.spec });
        }
        for (const j of getJson(env, ["-n", ns, "get", "jobs"]).items) {
            if (!j.metadata.ownerReferences) {
                out.push({ owner: `Job/${j.metadata.name}`, spec: j.spec.template.spec });
            }
        }
        for (const c of getJson(env, ["-n", ns, "get", "cronjobs"]).items) {
            out.push({ owner: `CronJob/${c.metadata.name}`, spec: c.spec.jobTemplate.spec.template.spec });
        }
        return out;
    }

    function images(spec: Json): string[] {
        return [...(spec.initContainers ?? []), ...spec.containers].map((c: Json) => c.image);
    }

    function deploymentsAvailable(): boolean {
        return getJson(env, ["-n", ns, "get", "deployments"]).items.every(
            (d: Json) =>
                (d.status.readyReplicas ?? 0) === d.spec.replicas &&
                (d.status.updatedReplicas ?? 0) === d.spec.replicas &&
                d.status.observedGeneration === d.metadata.generation,
        );
    }

    before(async function () {
        env = toolEnv();
        const ready = kubectlTry(env, ["get", "--raw", "/readyz"]);
        assert.ok(ready.ok, `the local cluster is not up (npm run cluster:up): ${ready.err}`);
        kubectl(env, ["get", "storageclass", "local-rwx"]);
        // Free PersistentVolumes for the claims this run makes.
        const r = spawnSync("bash", ["hack/cluster/storage.sh"], { cwd: REPO_ROOT, env, encoding: "utf8" });
        assert.strictEqual(r.status, 0, r.stderr);

        ws = e2eWorkspace(env);
        dev = await selectStack(ws, "dev");
        await localConfig(dev);
        await dev.setAllConfig({
            [`${PROJECT}:imageMode`]: { value: "existing" },
            [`${PROJECT}:imageRef`]: { value: IMAGE_A },
            [`${PROJECT}:storageClass`]: { value: "local-rwx" },
        });
        ns = (await dev.getConfig(`${PROJECT}:namespace`)).value;
        // A namespace left over by an interrupted run would make the creates conflict.
        if (kubectlTry(env, ["get", "namespace", ns]).ok) {
            kubectl(env, ["delete", "namespace", ns, "--wait=true", "--timeout=180s"]);
        }
    });

    after(async function () {
        if (env && ns && !process.env.E2E_KEEP) {
            kubectlTry(env, ["delete", "namespace", ns, "--wait=false"]);
        }
        if (ws && !process.env.E2E_KEEP) {
            ws.cleanup();
        }
    });

    it("up creates every object with the spec the program asked for, read back from the API server", async function () {
        const t0 = Date.now();
        const res = await dev.up({ onOutput: log });
        process.stdout.write(`      (dev up: ${((Date.now() - t0) / 1000).toFixed(1)}s)\n`);
        assert.strictEqual(res.summary.result, "succeeded");

        const objects = await stateObjects();
        const kinds = new Set(objects.map((o) => o.outputs.kind));
        for (const k of ["Namespace", "ServiceAccount", "Secret", "PersistentVolumeClaim", "Job", "Deployment", "Service", "CronJob"]) {
            assert.ok(kinds.has(k), `the stack has no ${k}; it has ${[...kinds].join(", ")}`);
        }
        for (const o of objects) {
            const { apiVersion, kind } = o.outputs;
            const got = live(apiVersion, kind, o.outputs.metadata.name, o.outputs.metadata.namespace);
            const want = comparable(o.inputs);
            delete want.apiVersion;
            delete want.kind;
            const problems = notContained(want, got);
            assert.deepStrictEqual(problems, [], `${kind} ${o.outputs.metadata.name} differs from the program's inputs`);
            if (kind === "Secret") {
                // The values are secret in the state; the keys the image reads must be there (CONTRACT: /etc/bots files + env;
                // each secret value in a Secret of its own).
                const keys = Object.keys(got.data ?? {});
                if (keys.includes("bots.ini")) {
                    for (const k of ["settings.py", "BOTSENV"]) {
                        assert.ok(keys.includes(k), `Secret ${o.outputs.metadata.name} has no key ${k}: ${keys.join(", ")}`);
                    }
                } else {
                    assert.strictEqual(keys.length, 1, `Secret ${o.outputs.metadata.name} holds one secret value: ${keys.join(", ")}`);
                    assert.ok(["DJANGO_SECRET_KEY", "SUPERUSER_PASSWORD", "DB_PASSWORD", "EMAIL_HOST_PASSWORD"].includes(keys[0]), keys[0]);
                }
                const plain = comparable(o.inputs.stringData ?? o.inputs.data);
                if (plain) {
                    assert.deepStrictEqual(keys.sort(), Object.keys(plain).sort(), "Secret keys");
                }
            }
        }

        // Everything is pinned to the deployed digest, in the stack's namespace.
        const outputs = await dev.outputs();
        assert.strictEqual(outputs.namespace.value, ns);
        assert.strictEqual(outputs.imageRef.value, IMAGE_A);
        for (const t of podTemplates()) {
            for (const image of images(t.spec)) {
                assert.strictEqual(image, IMAGE_A, `${t.owner} runs ${image}`);
            }
        }

        const pvc = live("v1", "PersistentVolumeClaim", outputs.pvcName.value, ns);
        assert.strictEqual(pvc.status.phase, "Bound");
        assert.deepStrictEqual(pvc.spec.accessModes, ["ReadWriteMany"]);
        assert.strictEqual(pvc.spec.storageClassName, "local-rwx");

        const job = live("batch/v1", "Job", outputs.initJobName.value, ns);
        assert.ok(
            (job.status.conditions ?? []).some((c: Json) => c.type === "Complete" && c.status === "True"),
            `init Job not complete: ${JSON.stringify(job.status)}`,
        );
        assert.strictEqual(job.spec.ttlSecondsAfterFinished, undefined, "the init Job must not have a TTL");
        assert.ok(deploymentsAvailable(), "every Deployment has all its replicas ready");

        const svc = live("v1", "Service", outputs.webServiceName.value, ns);
        const slices = getJson(env, ["-n", ns, "get", "endpointslices", "-l", `kubernetes.io/service-name=${svc.metadata.name}`]);
        const ready = slices.items.flatMap((s: Json) => s.endpoints ?? []).filter((e: Json) => e.conditions?.ready);
        assert.ok(ready.length >= 1, "the web Service has ready endpoints");
    });

    it("Pod Security admission (restricted) accepts every pod of the stack and rejects a privileged one", async function () {
        const nsObj = live("v1", "Namespace", ns);
        assert.strictEqual(nsObj.metadata.labels["pod-security.kubernetes.io/enforce"], "restricted");

        const pods = getJson(env, ["-n", ns, "get", "pods"]).items;
        const owners = new Set(pods.map((p: Json) => p.metadata.ownerReferences?.[0]?.kind));
        assert.ok(owners.has("ReplicaSet") && owners.has("Job"), `pods of Deployments and the init Job exist: ${[...owners].join(", ")}`);
        for (const p of pods) {
            assert.ok(["Running", "Succeeded"].includes(p.status.phase), `pod ${p.metadata.name} is ${p.status.phase}`);
        }
        const events = getJson(env, ["-n", ns, "get", "events"]).items;
        const refused = events.filter((e: Json) => /PodSecurity|forbidden/i.test(e.message ?? ""));
        assert.deepStrictEqual(refused.map((e: Json) => e.message), [], "no pod was refused");

        const privileged = {
            apiVersion: "v1",
            kind: "Pod",
            metadata: { name: "e2e-privileged", namespace: ns },
            spec: { containers: [{ name: "c", image: IMAGE_A, securityContext: { privileged: true } }] },
        };
        const r = kubectlTry(env, ["create", "--dry-run=server", "-f", "-"], JSON.stringify(privileged));
        assert.ok(!r.ok, "a privileged pod must be rejected");
        assert.match(r.err, /violates PodSecurity "restricted/);
    });

    it("preview --expect-no-changes passes right after up", async function () {
        const t0 = Date.now();
        const res = await dev.preview({ expectNoChanges: true, diff: true, onOutput: log });
        process.stdout.write(`      (dev preview: ${((Date.now() - t0) / 1000).toFixed(1)}s)\n`);
        // "read" is the StackReference to the stack itself (the data volume guard), read on every run.
        const changed = Object.entries(res.changeSummary).filter(([op, n]) => op !== "same" && op !== "read" && (n ?? 0) > 0);
        assert.deepStrictEqual(changed, []);
    });

    it("a config change (engine schedule, web replicas) previews exactly that diff and applies", async function () {
        await dev.setAllConfig({
            [`${PROJECT}:engineSchedule`]: { value: "*/7 * * * *" },
            [`${PROJECT}:webReplicas`]: { value: "2" },
        });
        const events: EngineEvent[] = [];
        await dev.preview({ diff: true, onEvent: (e) => events.push(e), onOutput: log });
        const steps = stepsOf(events)
            .map((s) => `${s.op} ${s.type}`)
            .sort();
        assert.deepStrictEqual(steps, [
            "create kubernetes:policy/v1:PodDisruptionBudget",
            "update kubernetes:apps/v1:Deployment",
            "update kubernetes:batch/v1:CronJob",
        ]);
        const dep = stepsOf(events).find((s) => s.type === "kubernetes:apps/v1:Deployment")!;
        assert.match(dep.name, /web/, "the web Deployment is the one that changes");

        await dev.up({ onOutput: log });
        const outputs = await dev.outputs();
        assert.strictEqual(outputs.engineSchedule.value, "*/7 * * * *");
        assert.strictEqual(live("batch/v1", "CronJob", "bots-engine", ns).spec.schedule, "*/7 * * * *");
        const web = live("apps/v1", "Deployment", "bots-web", ns);
        assert.strictEqual(web.spec.replicas, 2);
        assert.strictEqual(web.status.readyReplicas, 2);
        const pdbs = getJson(env, ["-n", ns, "get", "poddisruptionbudgets"]).items;
        assert.strictEqual(pdbs.length, 1);
        await dev.preview({ expectNoChanges: true });
    });

    it("a new image digest replaces the init Job and rolls the workloads", async function () {
        const before = await dev.outputs();
        const oldJob = before.initJobName.value as string;
        const oldRs = new Set(getJson(env, ["-n", ns, "get", "replicasets"]).items.map((r: Json) => r.metadata.name));

        await dev.setConfig(`${PROJECT}:imageRef`, { value: IMAGE_B });
        const events: EngineEvent[] = [];
        await dev.preview({ diff: true, onEvent: (e) => events.push(e), onOutput: log });
        const steps = stepsOf(events);
        const jobSteps = steps.filter((s) => s.type === "kubernetes:batch/v1:Job").map((s) => s.op);
        assert.ok(
            jobSteps.includes("replace") || jobSteps.includes("create-replacement"),
            `the init Job is replaced: ${jobSteps.join(", ")}`,
        );
        const updated = steps.filter((s) => s.op === "update").map((s) => s.type).sort();
        assert.deepStrictEqual(updated, [
            "kubernetes:apps/v1:Deployment",
            "kubernetes:apps/v1:Deployment",
            "kubernetes:batch/v1:CronJob",
        ]);

        await dev.up({ onOutput: log });
        const after = await dev.outputs();
        assert.strictEqual(after.imageRef.value, IMAGE_B);
        const newJob = after.initJobName.value as string;
        assert.notStrictEqual(newJob, oldJob, "the init Job has a new name");
        assert.ok(!kubectlTry(env, ["-n", ns, "get", "job", oldJob]).ok, "the old init Job is gone");
        const job = live("batch/v1", "Job", newJob, ns);
        assert.ok((job.status.conditions ?? []).some((c: Json) => c.type === "Complete" && c.status === "True"));
        for (const t of podTemplates()) {
            for (const image of images(t.spec)) {
                assert.strictEqual(image, IMAGE_B, `${t.owner} runs ${image}`);
            }
        }
        await waitFor("the rollout", deploymentsAvailable, 120_000);
        const rs = getJson(env, ["-n", ns, "get", "replicasets"]).items;
        for (const r of rs) {
            const old = oldRs.has(r.metadata.name);
            assert.strictEqual(r.spec.replicas > 0, !old, `ReplicaSet ${r.metadata.name} (${old ? "old" : "new"}) has ${r.spec.replicas} replicas`);
        }
        const running = getJson(env, ["-n", ns, "get", "pods"]).items.filter((p: Json) => p.status.phase === "Running");
        for (const p of running) {
            assert.deepStrictEqual(images(p.spec), images(p.spec).map(() => IMAGE_B), `pod ${p.metadata.name}`);
        }
    });

    it("bad config fails before anything changes", async function () {
        const stateBefore = JSON.stringify((await stateObjects()).map((o) => o.outputs.metadata));
        const versionsBefore = kubectl(env, ["-n", ns, "get", "deployments,cronjobs,jobs,services,secrets,pvc", "-o", "jsonpath={range .items[*]}{.kind}/{.metadata.name}={.metadata.resourceVersion} {end}"]);

        for (const [key, value, hint] of [
            ["engineSchedule", "every five minutes", /engineSchedule.*every five minutes|every five minutes.*engineSchedule/s],
            ["webReplicas", "two", /webReplicas/],
        ] as const) {
            const good = (await dev.getConfig(`${PROJECT}:${key}`)).value;
            await dev.setConfig(`${PROJECT}:${key}`, { value });
            try {
                await assert.rejects(dev.up({ onOutput: log }), (e: Error) => {
                    assert.match(e.message, hint);
                    return true;
                });
            } finally {
                await dev.setConfig(`${PROJECT}:${key}`, { value: good });
            }
        }

        const versionsAfter = kubectl(env, ["-n", ns, "get", "deployments,cronjobs,jobs,services,secrets,pvc", "-o", "jsonpath={range .items[*]}{.kind}/{.metadata.name}={.metadata.resourceVersion} {end}"]);
        assert.strictEqual(versionsAfter, versionsBefore, "no object in the namespace changed");
        assert.strictEqual(JSON.stringify((await stateObjects()).map((o) => o.outputs.metadata)), stateBefore, "the stack state is unchanged");
        await dev.preview({ expectNoChanges: true });
    });

    it("preview of the prod stack against the same cluster succeeds", async function () {
        const prod = await selectStack(ws, "prod");
        await localConfig(prod);
        // Promotion: prod deploys the digest dev runs (Pulumi.prod.yaml leaves imageRef to that step).
        await prod.setConfig(`${PROJECT}:imageRef`, { value: (await dev.outputs()).imageRef.value });
        const t0 = Date.now();
        const res = await prod.preview({ onOutput: log });
        process.stdout.write(`      (prod preview: ${((Date.now() - t0) / 1000).toFixed(1)}s)\n`);
        assert.ok((res.changeSummary.create ?? 0) > 10, `prod would create its objects: ${JSON.stringify(res.changeSummary)}`);
        const prodNs = (await prod.getConfig(`${PROJECT}:namespace`)).value;
        assert.ok(!kubectlTry(env, ["get", "namespace", prodNs]).ok, "a preview creates nothing");
    });

    it("the policy pack passes prod as configured and fails a preview that unprotects its data", async function () {
        const prod = await selectStack(ws, "prod");
        const policyPacks = [path.join(REPO_ROOT, "policy")];
        const ok = await prod.preview({ policyPacks, onOutput: log });
        assert.match(ok.stdout, /bots-edi-policies/, "the pack ran");
        // The program itself refuses protectData: false on a production stack; an acknowledged data
        // volume change is the one run in which the claim is unprotected, and the pack still stops it in prod.
        await prod.setConfig(`${PROJECT}:dataVolumeChangeAcknowledged`, { value: "storageClass:longhorn->other" });
        try {
            await assert.rejects(prod.preview({ policyPacks, onOutput: log }), (e: Error) => {
                assert.match(e.message, /data-volume-protected/);
                assert.match(e.message, /mandatory/);
                return true;
            });
        } finally {
            await prod.removeConfig(`${PROJECT}:dataVolumeChangeAcknowledged`);
        }
    });

    it("destroy leaves a protected PVC in place", async function () {
        const pvcName = (await dev.outputs()).pvcName.value as string;
        const pvcBefore = live("v1", "PersistentVolumeClaim", pvcName, ns);
        await dev.setConfig(`${PROJECT}:protectData`, { value: "true" });
        await dev.up({ onOutput: log });
        const protectedObjects = (await stateObjects()).filter((o) => o.protect).map((o) => o.outputs.kind).sort();
        // The claim, and its Namespace (deleting a namespace deletes the claims in it).
        assert.deepStrictEqual(protectedObjects, ["Namespace", "PersistentVolumeClaim"]);

        // A plain destroy deletes everything else, then fails on the protected claim and namespace;
        // `destroy --exclude-protected` completes without an error.
        await assert.rejects(dev.destroy({ onOutput: log }), /cannot be deleted|protect/i);
        assert.strictEqual(live("v1", "PersistentVolumeClaim", pvcName, ns).metadata.uid, pvcBefore.metadata.uid);
        await dev.destroy({ excludeProtected: true, onOutput: log });

        const pvcAfter = live("v1", "PersistentVolumeClaim", pvcName, ns);
        assert.strictEqual(pvcAfter.metadata.uid, pvcBefore.metadata.uid, "the same claim is still there");
        assert.strictEqual(pvcAfter.status.phase, "Bound");
        assert.strictEqual(pvcAfter.metadata.deletionTimestamp, undefined);
        for (const kind of ["deployments", "cronjobs", "services"]) {
            await waitFor(`${kind} deleted`, () => getJson(env, ["-n", ns, "get", kind]).items.length === 0, 60_000);
        }
        const left = (await stateObjects()).map((o) => o.outputs.kind).sort();
        assert.ok(left.includes("PersistentVolumeClaim"), `the claim stays in the stack: ${left.join(", ")}`);
    });
});
