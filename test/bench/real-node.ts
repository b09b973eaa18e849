// Benchmark of the local cluster's real node (bash hack/cluster/bench.sh). It prints numbers and
// asserts nothing:
//   - cold `cluster:up` (state wiped: new certificates, etcd, containerd store) and warm `cluster:up`
//     (state kept, processes stopped), unless BENCH_CLUSTER=0;
//   - `pulumi up` of a SQLite stack from empty to every pod Ready, a no-change `up`, a no-change
//     `pulumi preview` (what a pull request's review runs) and `preview --refresh` (what the drift
//     workflow runs), and a config change (logLevel: a new init Job and a rolling update) until
//     every pod is Ready again.
// The image is BOTS_E2E_IMAGE (bench.sh builds it), loaded into the node by digest.
import { spawnSync } from "child_process";
import { Stack } from "@pulumi/pulumi/automation";
import { REPO_ROOT, e2eAfter, e2eBefore, getJson, Json, selectStack, setLocalConfig, toolEnv, waitFor } from "../e2e/support";

const NS = "bots-edi-bench";

function script(env: Record<string, string>, file: string, args: string[] = []): void {
    const r = spawnSync("bash", [file, ...args], { cwd: REPO_ROOT, env: { ...env, BOTS_NODE: "real", BOTS_NO_BUILD: "1" }, encoding: "utf8" });
    if (r.status !== 0) {
        throw new Error(`${file} ${args.join(" ")} failed: ${r.stderr}`);
    }
}

async function timed<T>(fn: () => Promise<T> | T): Promise<[number, T]> {
    const t0 = Date.now();
    const v = await fn();
    return [(Date.now() - t0) / 1000, v];
}

function allReady(env: Record<string, string>): boolean {
    const deps = getJson(env, ["-n", NS, "get", "deployments"]).items;
    const pods = getJson(env, ["-n", NS, "get", "pods", "-l", "app.kubernetes.io/component in (web,worker)"]).items;
    return (
        deps.length > 0 &&
        deps.every((d: Json) => d.status.observedGeneration === d.metadata.generation && (d.status.updatedReplicas ?? 0) === d.spec.replicas && (d.status.readyReplicas ?? 0) === d.spec.replicas && (d.status.replicas ?? 0) === d.spec.replicas) &&
        pods.every((p: Json) => (p.status.conditions ?? []).some((c: Json) => c.type === "Ready" && c.status === "True"))
    );
}

async function main(): Promise<void> {
    let env = toolEnv();
    const rows: [string, number][] = [];

    if (process.env.BENCH_CLUSTER !== "0") {
        script(env, "hack/cluster/down.sh", ["--wipe"]);
        rows.push(["cluster:up, cold (no state)", (await timed(() => script(env, "hack/cluster/up.sh")))[0]]);
        script(env, "hack/cluster/down.sh");
        rows.push(["cluster:up, warm (state kept)", (await timed(() => script(env, "hack/cluster/up.sh")))[0]]);
        rows.push(["cluster:up, already running", (await timed(() => script(env, "hack/cluster/up.sh")))[0]]);
    }

    const base = e2eBefore({ namespaces: [NS] });
    env = base.env;
    const ws = base.ws;
    let stack: Stack | undefined;
    try {
        stack = await selectStack(ws, "bench");
        await setLocalConfig(stack, env, {
            namespace: NS,
            imageRef: base.image,
            storageClass: "local-rwx",
            storageSize: "1Gi",
            databaseEngine: "sqlite",
            podSecurityVersion: "latest",
        });
        const s = stack;
        const untilReady = async () => {
            await s.up();
            await waitFor("every pod Ready", () => allReady(env), 600_000, 250);
        };
        rows.push(["pulumi up, empty -> all Ready (SQLite stack)", (await timed(untilReady))[0]]);
        rows.push(["pulumi up, no change", (await timed(() => s.up()))[0]]);
        rows.push(["pulumi preview, no change", (await timed(() => s.preview({ expectNoChanges: true })))[0]]);
        rows.push(["pulumi preview --refresh, no change", (await timed(() => s.preview({ refresh: true, expectNoChanges: true })))[0]]);
        await setLocalConfig(s, env, { logLevel: "DEBUG" });
        rows.push(["pulumi up, config change (logLevel) -> rolled, all Ready", (await timed(untilReady))[0]]);
        // The data claim is protected on every stack: destroy the rest, as docs/operations.md says.
        rows.push(["pulumi destroy --exclude-protected", (await timed(() => s.destroy({ excludeProtected: true })))[0]]);
    } finally {
        e2eAfter(env, ws, [NS]);
    }

    const width = Math.max(...rows.map(([k]) => k.length));
    for (const [k, v] of rows) {
        console.log(`${k.padEnd(width)}  ${v.toFixed(1)} s`);
    }
}

main().catch((e) => {
    console.error(e);
    process.exit(1);
});
