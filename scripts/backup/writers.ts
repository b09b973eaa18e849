// The processes that write the database and the data volume: the web and worker Deployments
// (the job queue launches engine runs too) and the engine and backup CronJobs. A restore stops
// them, and brings each back to exactly what it was.
import { Kubectl } from "../migrate-fork/kubectl";

/* eslint-disable @typescript-eslint/no-explicit-any -- untyped Kubernetes objects */

export interface WriterState {
    replicas: Record<string, number>;
    suspended: Record<string, boolean>;
}

const DEPLOYMENTS = ["bots-web", "bots-worker"];
const CRONJOBS = ["bots-engine", "bots-backup"];
const sleep = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

export function readWriters(k: Kubectl): WriterState {
    const state: WriterState = { replicas: {}, suspended: {} };
    for (const d of DEPLOYMENTS) {
        const got = k.tryJson(["get", "deployment", d]);
        if (got.ok) {
            state.replicas[d] = got.value.spec.replicas ?? 1;
        }
    }
    for (const c of CRONJOBS) {
        const got = k.tryJson(["get", "cronjob", c]);
        if (got.ok) {
            state.suspended[c] = got.value.spec.suspend === true;
        }
    }
    return state;
}

/** Suspends the CronJobs, scales the Deployments to 0 and waits until no writer's pod runs. */
export function stopWriters(k: Kubectl, state: WriterState, waitSeconds: number, log: (m: string) => void): void {
    for (const c of Object.keys(state.suspended)) {
        k.run(["patch", "cronjob", c, "--type=merge", "-p", '{"spec":{"suspend":true}}']);
    }
    for (const d of Object.keys(state.replicas)) {
        k.run(["scale", "deployment", d, "--replicas=0"]);
    }
    log(`writers stopped: ${[...Object.keys(state.replicas), ...Object.keys(state.suspended)].join(", ")}`);
    const deadline = Date.now() + waitSeconds * 1000;
    for (;;) {
        const pods = k.tryJson(["get", "pods", "-l", "app.kubernetes.io/component in (web,worker,engine)"]);
        const running = pods.ok ? pods.value.items.filter((p: any) => ["Pending", "Running"].includes(p.status?.phase)) : [];
        if (running.length === 0) {
            return;
        }
        if (Date.now() > deadline) {
            throw new Error(
                `writers still running after ${waitSeconds}s (${running.map((p: any) => p.metadata.name).join(", ")}); nothing was restored: ` +
                    "run the restore again when the engine run has ended, or with a longer --wait-engine",
            );
        }
        sleep(2000);
    }
}

export function startWriters(k: Kubectl, state: WriterState, log: (m: string) => void): void {
    for (const [d, n] of Object.entries(state.replicas)) {
        k.run(["scale", "deployment", d, `--replicas=${n}`]);
    }
    for (const [c, suspended] of Object.entries(state.suspended)) {
        k.run(["patch", "cronjob", c, "--type=merge", "-p", JSON.stringify({ spec: { suspend: suspended } })]);
    }
    log(`writers started again: ${Object.entries(state.replicas).map(([d, n]) => `${d} ${n}`).join(", ")}; CronJobs as they were`);
}
