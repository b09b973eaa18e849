// Jobs made from the backup CronJob's template (the stack's image, config, secrets, claim and
// backup target), with another `backup` command; waited for, and their log printed.
import { Kubectl } from "../migrate-fork/kubectl";

export const CRONJOB = "bots-backup";

/* eslint-disable @typescript-eslint/no-explicit-any -- untyped Kubernetes objects */

export interface JobResult {
    name: string;
    exitCode: number;
    log: string;
}

const stamp = () => new Date().toISOString().replace(/[-:TZ.]/g, "").slice(4, 14);

/** Creates a Job from `template` (a Job spec) under `name` and waits for it to end. */
export function runJob(k: Kubectl, name: string, spec: any, labels: Record<string, string>, timeoutSeconds: number): JobResult {
    const job = {
        apiVersion: "batch/v1",
        kind: "Job",
        metadata: { name, labels: { ...labels, "bots-edi.io/made-by": "backup-command" } },
        spec: { ...spec, ttlSecondsAfterFinished: 3600 },
    };
    k.run(["create", "-f", "-"], JSON.stringify(job));
    const deadline = Date.now() + timeoutSeconds * 1000;
    for (;;) {
        const got = k.tryJson(["get", "job", name]);
        if (got.ok) {
            const s = got.value.status ?? {};
            if ((s.succeeded ?? 0) > 0 || (s.conditions ?? []).some((c: any) => ["Complete", "Failed"].includes(c.type) && c.status === "True")) {
                break;
            }
        }
        if (Date.now() > deadline) {
            throw new Error(`Job ${name} did not end within ${timeoutSeconds}s: kubectl -n ${k.namespace} describe job ${name}`);
        }
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2000);
    }
    const pods = k.tryJson(["get", "pods", "-l", `job-name=${name}`]);
    const pod = pods.ok ? pods.value.items.at(-1) : undefined;
    const terminated = pod?.status?.containerStatuses?.[0]?.state?.terminated;
    const log = pod ? k.tryRun(["logs", pod.metadata.name]).out : "";
    const succeeded = (k.tryJson(["get", "job", name]) as any).value?.status?.succeeded > 0;
    return { name, exitCode: terminated?.exitCode ?? (succeeded ? 0 : 1), log };
}

/** A Job running `backup ARGS` from the backup CronJob's template. */
export function backupJob(k: Kubectl, command: string, args: string[], timeoutSeconds: number): JobResult {
    const cron = k.tryJson(["get", "cronjob", CRONJOB]);
    if (!cron.ok) {
        throw new Error(`namespace ${k.namespace} has no CronJob ${CRONJOB}: set backupEnabled (docs/backups.md) and run pulumi up`);
    }
    const template = structuredClone(cron.value.spec.jobTemplate);
    template.spec.template.spec.containers[0].args = ["backup", command, ...args];
    return runJob(k, `bots-backup-${command}-${stamp()}`, template.spec, template.metadata?.labels ?? {}, timeoutSeconds);
}

/** The db-init Job `name` once more, as a new Job with its pod template. */
export function rerunInit(k: Kubectl, name: string, timeoutSeconds: number): JobResult {
    const job = k.tryJson(["get", "job", name]);
    if (!job.ok) {
        throw new Error(`the stack's db-init Job ${name} is not in namespace ${k.namespace}: run pulumi up, then the restore again`);
    }
    const spec = structuredClone(job.value.spec);
    delete spec.selector;
    delete spec.manualSelector;
    for (const key of Object.keys(spec.template.metadata?.labels ?? {})) {
        if (key.includes("controller-uid") || key.includes("job-name")) {
            delete spec.template.metadata.labels[key];
        }
    }
    return runJob(k, `${name}-restore-${stamp().slice(-6)}`, spec, job.value.metadata.labels ?? {}, timeoutSeconds);
}
