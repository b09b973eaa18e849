// The migration's steps against the cluster and the stack: run (stop the fork's writers, hand the
// installation to the stack), undo (give it back to the fork) and finish (delete what the stack
// replaced). Every step records what it changed in the ConfigMap bots-fork-migration of the
// namespace before it changes it, so a run killed at any point is resumed by running it again,
// or undone; the originals (replicas, suspend flags, deleted objects) are never overwritten.
import { spawnSync } from "child_process";
import { Installation, Obj, STATE_CONFIGMAP, ownedByStack, readInstallation } from "./installation";
import { Kubectl } from "./kubectl";
import { Plan, Writers, planMigration } from "./plan";

export interface StackTarget {
    /** Pulumi stack name (it must exist: `pulumi stack init` with the image keys first). */
    stack: string;
    /** The Pulumi project directory. */
    cwd: string;
    /** kubeconfig path and context the stack deploys with (stack keys kubeconfig, kubeContext). */
    kubeconfig: string;
    context: string;
}

type Phase = "stopping" | "writers-stopped" | "deploying" | "migrated" | "finished";

interface State {
    phase: Phase;
    writers: Writers;
    /** Objects deleted before `pulumi up`, as they were (for undo). */
    saved: Obj[];
}

const log = (s: string) => process.stdout.write(`migrate-fork: ${s}\n`);

function readState(k: Kubectl): State | undefined {
    const r = k.tryJson(["get", "configmap", STATE_CONFIGMAP]);
    if (!r.ok) {
        if (/NotFound|not found/.test(r.err)) {
            return undefined;
        }
        throw new Error(`kubectl get configmap ${STATE_CONFIGMAP}: ${r.err.trim()}`);
    }
    const d = r.value.data ?? {};
    return { phase: d.phase, writers: JSON.parse(d.writers), saved: JSON.parse(d.saved ?? "[]") };
}

function writeState(k: Kubectl, s: State): void {
    const cm = {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name: STATE_CONFIGMAP, namespace: k.namespace, labels: { "app.kubernetes.io/part-of": "bots-edi-migration" } },
        data: { phase: s.phase, writers: JSON.stringify(s.writers), saved: JSON.stringify(s.saved) },
    };
    k.run(["apply", "-f", "-"], JSON.stringify(cm));
}

/** The installation with the objects this migration deleted put back, so the plan sees the fork whole. */
function withSaved(inst: Installation, saved: Obj[]): Installation {
    const out = { ...inst, cronJobs: [...inst.cronJobs], ingresses: [...inst.ingresses], deployments: [...inst.deployments], services: [...inst.services] };
    for (const o of saved) {
        const list = { CronJob: out.cronJobs, Ingress: out.ingresses, Deployment: out.deployments, Service: out.services }[o.kind as string];
        if (list && !list.some((x: Obj) => x.metadata.name === o.metadata.name && !ownedByStack(x))) {
            list.push(o);
        }
    }
    return out;
}

/** Reads the installation and plans, taking what an earlier (interrupted) run recorded into account. */
export function currentPlan(k: Kubectl): { plan: Plan; state?: State } {
    const state = readState(k);
    const inst = withSaved(readInstallation(k), state?.saved ?? []);
    return { plan: planMigration(inst, { writers: state?.writers }), state };
}

function pulumi(t: StackTarget, args: string[], input?: string, quiet = false, mayFail = false): string {
    const r = spawnSync("pulumi", [...args, "--stack", t.stack], {
        cwd: t.cwd,
        encoding: "utf8",
        input,
        stdio: [input === undefined ? "inherit" : "pipe", quiet ? "pipe" : "inherit", quiet ? "pipe" : "inherit"],
        maxBuffer: 64 * 1024 * 1024,
    });
    if (r.error) {
        throw new Error(`pulumi could not be started (a released Pulumi CLI on PATH is needed): ${r.error.message}`);
    }
    if (r.status !== 0 && !mayFail) {
        throw new Error(`pulumi ${args[0]} ${args[1] ?? ""} --stack ${t.stack} exited ${r.status}${quiet ? `: ${(r.stderr ?? "").trim()}` : ""}`);
    }
    return r.stdout ?? "";
}

/** Writes the planned stack config; secret values go from the fork's Secrets to the CLI's stdin only. */
export function writeStackConfig(k: Kubectl, t: StackTarget, plan: Plan): void {
    const values: Record<string, string> = { kubeconfig: t.kubeconfig, kubeContext: t.context, ...plan.config };
    const pairs: string[] = [];
    for (const [key, value] of Object.entries(values)) {
        if (value.startsWith("[")) {
            // A list replaces what the stack had: its old items go first (absent is fine).
            pulumi(t, ["config", "rm", "--path", key], undefined, true, true);
            (JSON.parse(value) as string[]).forEach((item, i) => pairs.push("--plaintext", `${key}[${i}]=${item}`));
        } else {
            pairs.push("--plaintext", `${key}=${value}`);
        }
    }
    pulumi(t, ["config", "set-all", "--path", ...pairs], undefined, true);
    for (const s of plan.secrets) {
        const secret = k.tryJson(["get", "secret", s.secret]);
        if (!secret.ok) {
            throw new Error(`kubectl get secret ${s.secret}: ${secret.err.trim()}`);
        }
        const value = Buffer.from(secret.value.data[s.key], "base64").toString("utf8");
        pulumi(t, ["config", "set", "--secret", s.configKey], value, true);
    }
    log(`stack ${t.stack}: ${Object.keys(values).length} keys set, ${plan.secrets.map((s) => s.configKey).join(" and ")} as secrets (from ${plan.secrets.map((s) => `${s.secret}/${s.key}`).join(", ")})`);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Scales the fork's Deployments to 0, suspends its CronJobs, and waits until none of them runs anything. */
async function stopWriters(k: Kubectl, plan: Plan, waitSeconds: number): Promise<void> {
    for (const d of plan.writers.deployments) {
        if (k.tryRun(["get", "deployment", d.name]).ok) {
            k.run(["scale", "deployment", d.name, "--replicas=0"]);
        }
    }
    for (const c of plan.writers.cronJobs) {
        if (k.tryRun(["get", "cronjob", c.name]).ok) {
            k.run(["patch", "cronjob", c.name, "--type=merge", "-p", '{"spec":{"suspend":true}}']);
        }
    }
    log(`stopping writers: ${plan.writers.deployments.map((d) => `Deployment/${d.name}`).concat(plan.writers.cronJobs.map((c) => `CronJob/${c.name}`)).join(", ")}`);
    const deadline = Date.now() + waitSeconds * 1000;
    for (;;) {
        const busy = runningWriters(k, plan);
        if (busy.length === 0) {
            return;
        }
        if (Date.now() > deadline) {
            throw new Error(`still running after ${waitSeconds} s: ${busy.join(", ")}; nothing else was changed; run again to resume (or undo)`);
        }
        await sleep(2000);
    }
}

/** Pods of the fork's writers that still run: Deployments' pods and unfinished Jobs of the CronJobs. */
function runningWriters(k: Kubectl, plan: Plan): string[] {
    const pods = k.tryJson(["get", "pods"]);
    const jobs = k.tryJson(["get", "jobs"]);
    if (!pods.ok || !jobs.ok) {
        return ["(cannot list pods or jobs)"];
    }
    const cronNames = new Set(plan.writers.cronJobs.map((c) => c.name));
    const activeJobs = new Set<string>(
        jobs.value.items
            .filter((j: Obj) => (j.metadata.ownerReferences ?? []).some((o: Obj) => o.kind === "CronJob" && cronNames.has(o.name)))
            .filter((j: Obj) => !(j.status?.conditions ?? []).some((c: Obj) => (c.type === "Complete" || c.type === "Failed") && c.status === "True"))
            .map((j: Obj) => j.metadata.name),
    );
    const deployNames = plan.writers.deployments.map((d) => d.name);
    return pods.value.items
        .filter((p: Obj) => !["Succeeded", "Failed"].includes(p.status?.phase))
        .filter((p: Obj) => {
            const owner = (p.metadata.ownerReferences ?? [])[0];
            if (!owner) {
                return false;
            }
            if (owner.kind === "Job") {
                return activeJobs.has(owner.name);
            }
            // ReplicaSets are named <deployment>-<hash>.
            return owner.kind === "ReplicaSet" && deployNames.some((d) => owner.name.startsWith(`${d}-`));
        })
        .map((p: Obj) => `Pod/${p.metadata.name}`);
}

/** An object as it can be created again: no server-set fields. */
function recreatable(o: Obj): Obj {
    const { name, namespace, labels, annotations } = o.metadata;
    return { apiVersion: o.apiVersion, kind: o.kind, metadata: { name, namespace, labels, annotations }, spec: o.spec };
}

const resourceOf: Record<string, string> = {
    CronJob: "cronjob.batch",
    Ingress: "ingress.networking.k8s.io",
    Deployment: "deployment.apps",
    Service: "service",
    PodDisruptionBudget: "poddisruptionbudget.policy",
    ServiceAccount: "serviceaccount",
};

export async function run(k: Kubectl, t: StackTarget, opts: { waitSeconds: number }): Promise<void> {
    const t0 = Date.now();
    const { plan, state: before } = currentPlan(k);
    if (before?.phase === "finished") {
        log(`the migration of ${k.namespace} finished already; nothing to do`);
        return;
    }
    // The originals are recorded before anything changes, and never overwritten by a resumed run.
    const state: State = before ?? { phase: "stopping", writers: plan.writers, saved: [] };
    if (!before) {
        writeState(k, state);
    } else {
        log(`resuming an interrupted migration (it had reached: ${before.phase})`);
    }
    writeStackConfig(k, t, plan);
    await stopWriters(k, plan, opts.waitSeconds);
    const stopped = Date.now();
    if (state.phase === "stopping") {
        state.phase = "writers-stopped";
        writeState(k, state);
    }
    log(`writers stopped after ${((stopped - t0) / 1000).toFixed(1)} s`);

    for (const c of plan.conflicts) {
        const live = k.tryJson(["get", resourceOf[c.kind], c.name]);
        if (!live.ok || ownedByStack(live.value)) {
            continue;
        }
        if (!state.saved.some((s) => s.kind === c.kind && s.metadata.name === c.name)) {
            state.saved.push(recreatable(live.value));
            writeState(k, state);
        }
        k.run(["delete", resourceOf[c.kind], c.name, "--wait=true"]);
        log(`${c.kind}/${c.name} deleted (saved in ConfigMap ${STATE_CONFIGMAP} for undo): the stack's takes its place`);
    }
    state.phase = "deploying";
    writeState(k, state);
    log(`pulumi up --stack ${t.stack}`);
    pulumi(t, ["up", "--yes", "--skip-preview"]);
    state.phase = "migrated";
    writeState(k, state);
    log(`migrated: writers stopped -> stack up in ${((Date.now() - stopped) / 1000).toFixed(1)} s; whole run ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    log(`check it (docs/migration.md, "Check"), then delete what the stack replaced: migrate-fork finish`);
}

/** Gives the installation back to the fork: the stack's objects go (never the claim or the namespace). */
export async function undo(k: Kubectl, t: StackTarget, opts: { image?: string }): Promise<void> {
    const state = readState(k);
    if (!state) {
        log(`no migration recorded in namespace ${k.namespace} (ConfigMap ${STATE_CONFIGMAP}); nothing to undo`);
        return;
    }
    if (state.phase === "finished") {
        throw new Error("the migration finished (the fork's objects are deleted); re-apply the fork's Kustomize overlay to go back");
    }
    const { plan } = currentPlan(k);
    // The stack owns no claim and not the namespace (existingClaim, adoptNamespace): destroy takes only its own objects.
    log(`pulumi destroy --stack ${t.stack} (the claim and the namespace are not the stack's)`);
    pulumi(t, ["destroy", "--yes", "--skip-preview"]);
    relinkConfig(k, plan, opts.image ?? forkImage(state, k));
    for (const o of state.saved) {
        if (!k.tryRun(["get", resourceOf[o.kind], o.metadata.name]).ok) {
            k.run(["create", "-f", "-"], JSON.stringify(o));
            log(`${o.kind}/${o.metadata.name} created again`);
        }
    }
    for (const d of state.writers.deployments) {
        k.run(["scale", "deployment", d.name, `--replicas=${d.replicas}`]);
    }
    for (const c of state.writers.cronJobs) {
        k.run(["patch", "cronjob", c.name, "--type=merge", "-p", JSON.stringify({ spec: { suspend: c.suspend } })]);
    }
    k.run(["delete", "configmap", STATE_CONFIGMAP]);
    log(`undone: ${state.writers.deployments.map((d) => `${d.name}=${d.replicas}`).join(", ")} replicas, CronJobs as they were`);
}

/** The image the fork's web server ran. */
function forkImage(state: State, k: Kubectl): string {
    const name = state.writers.deployments[0]?.name;
    const d = name ? k.tryJson(["get", "deployment", name]) : undefined;
    const image = d?.ok ? d.value.spec.template.spec.containers[0].image : undefined;
    if (!image) {
        throw new Error("cannot tell the fork's image; pass --fork-image");
    }
    return image;
}

/**
 * The program's pods make <botsenv>/config on the volume a link to their own assembled config; the
 * fork's entrypoint.sh needs a directory there (it copies /config/* into it), so the link goes.
 */
function relinkConfig(k: Kubectl, plan: Plan, image: string): void {
    const pod = `bots-fork-migration-relink-${Date.now().toString(36)}`;
    const dir = `/home/bots/.bots/env/${plan.config.botsEnv}/config`;
    const spec = {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: pod, namespace: k.namespace },
        spec: {
            restartPolicy: "Never",
            securityContext: { runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, fsGroup: 10001, seccompProfile: { type: "RuntimeDefault" } },
            containers: [
                {
                    name: "relink",
                    image,
                    imagePullPolicy: "IfNotPresent",
                    command: ["/bin/sh", "-c", `if [ -L "${dir}" ]; then rm "${dir}" && echo "removed link ${dir}"; else echo "${dir} is no link"; fi`],
                    securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] }, readOnlyRootFilesystem: true },
                    resources: { requests: { cpu: "10m", memory: "32Mi" }, limits: { cpu: "100m", memory: "64Mi" } },
                    volumeMounts: [{ name: "data", mountPath: "/home/bots/.bots" }],
                },
            ],
            volumes: [{ name: "data", persistentVolumeClaim: { claimName: plan.config.existingClaim } }],
        },
    };
    k.run(["create", "-f", "-"], JSON.stringify(spec));
    try {
        k.run(["wait", `pod/${pod}`, "--for=jsonpath={.status.phase}=Succeeded", "--timeout=180s"]);
        log(k.run(["logs", pod]).trim());
    } finally {
        k.tryRun(["delete", "pod", pod, "--wait=false"]);
    }
}

/** Deletes what the stack replaced or what the migration removed; keeps Secrets, claims and kept objects. */
export function finish(k: Kubectl): void {
    const state = readState(k);
    if (!state || (state.phase !== "migrated" && state.phase !== "finished")) {
        throw new Error(`no completed migration in namespace ${k.namespace} (phase: ${state?.phase ?? "none"}); run \`migrate-fork run\` first`);
    }
    const { plan } = currentPlan(k);
    const kinds: Record<string, string> = { ...resourceOf, Job: "job.batch", ConfigMap: "configmap" };
    const deleted = (o: { kind: string; name: string }) => state.saved.some((s) => s.kind === o.kind && s.metadata.name === o.name);
    for (const o of plan.objects.filter((x) => (x.action === "replaced" || x.action === "removed") && !deleted(x))) {
        const live = k.tryJson(["get", kinds[o.kind], o.name]);
        if (live.ok && ownedByStack(live.value)) {
            continue;
        }
        const r = k.tryRun(["delete", kinds[o.kind], o.name, "--ignore-not-found", "--wait=true"]);
        log(r.ok ? `${o.kind}/${o.name} deleted (${o.action})` : `${o.kind}/${o.name}: ${r.err.trim()}`);
    }
    state.phase = "finished";
    writeState(k, state);
    const kept = plan.objects.filter((o) => o.action === "kept" || o.action === "left alone" || o.action === "adopted");
    log(`finished; still there: ${kept.map((o) => `${o.kind}/${o.name}`).join(", ")}`);
}
