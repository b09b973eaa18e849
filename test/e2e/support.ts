// Helpers of the end-to-end tier: the tool environment of hack/tools/env.sh, a
// scratch copy of the project for the Automation API, a file:// backend, kubectl,
// and the real node: loading images, watching pods, port-forwards on 127.0.0.1.
import { execFileSync, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { EngineEvent, LocalWorkspace, Stack } from "@pulumi/pulumi/automation";

export const REPO_ROOT = path.resolve(__dirname, "..", "..");
export const PROJECT = "bots-edi-deploy";
/** Appended to a spec's namespaces (and stack names where they share a backend), so a second run on the same cluster (another work tree) keeps apart. */
export const SUFFIX = process.env.BOTS_E2E_SUFFIX ?? "";

/** Pulumi's output of an up or preview (their onOutput), shown with E2E_VERBOSE=1. */
export function log(s: string): void {
    if (process.env.E2E_VERBOSE) {
        process.stdout.write(s);
    }
}

/** The environment hack/tools/env.sh exports (PATH with the built tools, Pulumi's no-network switches). */
export function toolEnv(): Record<string, string> {
    const out = execFileSync("bash", ["-c", '. hack/tools/env.sh && node -e "process.stdout.write(JSON.stringify(process.env))"'], {
        cwd: REPO_ROOT,
        encoding: "utf8",
    });
    const env = JSON.parse(out) as Record<string, string>;
    for (const k of ["BOTS_KUBECONFIG", "BOTS_KUBE_CONTEXT", "BOTS_CLUSTER_DIR"]) {
        if (!env[k]) {
            throw new Error(`hack/tools/env.sh did not export ${k}`);
        }
    }
    return env;
}

/**
 * A scratch project directory: the stack settings files (Pulumi.<stack>.yaml) are copies, everything
 * else links to the work tree. Creating a stack and setting its config then writes to the copies, so
 * the e2e run never edits the tracked Pulumi.dev.yaml / Pulumi.prod.yaml.
 */
export function scratchProject(): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bots-e2e-project-"));
    for (const entry of fs.readdirSync(REPO_ROOT)) {
        if (entry === ".git" || entry === "bin") {
            continue;
        }
        const src = path.join(REPO_ROOT, entry);
        if (/^Pulumi\.[^.]+\.yaml$/.test(entry)) {
            fs.copyFileSync(src, path.join(dir, entry));
        } else {
            fs.symlinkSync(src, path.join(dir, entry));
        }
    }
    return dir;
}

export interface E2eWorkspace {
    workDir: string;
    backendDir: string;
    envVars: Record<string, string>;
    cleanup(): void;
}

export function e2eWorkspace(env: Record<string, string>): E2eWorkspace {
    const workDir = scratchProject();
    const backendDir = fs.mkdtempSync(path.join(os.tmpdir(), "bots-e2e-state-"));
    const envVars: Record<string, string> = {
        PATH: env.PATH,
        // metadata=skip: the data volume guard reads the stack's own checkpoint during an update, and
        // the file backend's .attrs sidecar is rewritten in place, so that read could fail with EOF.
        PULUMI_BACKEND_URL: `file://${backendDir}?metadata=skip`,
        PULUMI_CONFIG_PASSPHRASE: "bots-e2e-passphrase",
        PULUMI_SKIP_UPDATE_CHECK: "true",
        PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
        PULUMI_SKIP_CONFIRMATIONS: "true",
    };
    return {
        workDir,
        backendDir,
        envVars,
        cleanup() {
            fs.rmSync(workDir, { recursive: true, force: true });
            fs.rmSync(backendDir, { recursive: true, force: true });
        },
    };
}

export async function selectStack(ws: E2eWorkspace, stackName: string): Promise<Stack> {
    return LocalWorkspace.createOrSelectStack(
        { stackName, workDir: ws.workDir },
        { envVars: ws.envVars, pulumiHome: undefined },
    );
}

/** Stack config values for setLocalConfig: a string; a list (set item by item by path); null removes the key. */
export type LocalConfigValue = string | string[] | null | undefined;

/** Pulumi.dev.yaml's PostgreSQL server keys removed, SQLite chosen: the dev stack on its data volume alone. */
export const SQLITE: Record<string, LocalConfigValue> = {
    databaseEngine: "sqlite",
    databaseHost: null,
    databaseName: null,
    databaseUser: null,
    databaseExistingSecret: null,
};

/** Pulumi.dev.yaml's ingress keys removed (the local cluster has no ingress controller). */
export const NO_INGRESS: Record<string, LocalConfigValue> = {
    ingressHost: null,
    ingressClassName: null,
    ingressTlsSecret: null,
    ingressClusterIssuer: null,
};

/**
 * The stack most node specs deploy: Pulumi.dev.yaml's on SQLite, in a namespace of the spec's own
 * on the cluster's default storage class, running `imageRef`, with the engine's schedule suspended
 * (the spec starts its runs) and one route active. Keys given after it in setLocalConfig win.
 */
export function sqliteDevStack(namespace: string, imageRef: string, route = "myfirstroute"): Record<string, LocalConfigValue> {
    return { namespace, imageRef, ...SQLITE, storageClass: null, engineSuspend: "true", botsActivateRoutes: [route] };
}

/**
 * The stack config every stack on the local cluster shares, written once for the e2e specs and the
 * node benches: the cluster's kubeconfig and context, plus the keys given. A key's value is a
 * string, a list (botsActivateRoutes: set item by item by path, as `pulumi config set --path` does),
 * null (removed) or undefined (left as the stack file has it); `imageRef` alone also selects
 * existing mode. `secrets` are set as Pulumi secrets, by path (botsChannelCredentials.<channel>.password).
 */
export async function setLocalConfig(
    stack: Stack,
    env: Record<string, string>,
    keys: Record<string, LocalConfigValue> = {},
    secrets: Record<string, string> = {},
): Promise<void> {
    const values: Record<string, LocalConfigValue> = {
        kubeContext: env.BOTS_KUBE_CONTEXT,
        kubeconfig: env.BOTS_KUBECONFIG,
        ...(keys.imageRef ? { imageMode: "existing" } : {}),
        ...keys,
    };
    const entries = Object.entries(values);
    const plain = entries.filter((e): e is [string, string] => typeof e[1] === "string");
    await stack.setAllConfig(Object.fromEntries(plain.map(([k, v]) => [`${PROJECT}:${k}`, { value: v }])));
    const byPath: Record<string, { value: string; secret?: boolean }> = {};
    for (const [k, list] of entries.filter((e): e is [string, string[]] => Array.isArray(e[1]))) {
        list.forEach((v, i) => (byPath[`${PROJECT}:${k}[${i}]`] = { value: v }));
    }
    for (const [k, v] of Object.entries(secrets)) {
        byPath[`${PROJECT}:${k}`] = { value: v, secret: true };
    }
    if (Object.keys(byPath).length > 0) {
        await stack.setAllConfig(byPath, true);
    }
    const removed = entries.filter((e) => e[1] === null).map(([k]) => `${PROJECT}:${k}`);
    if (removed.length > 0) {
        await stack.removeAllConfig(removed);
    }
}

/** BOTS_E2E_IMAGE: the Docker image the tier deploys (test/e2e/run.sh builds it). */
export function e2eImage(): string {
    const image = process.env.BOTS_E2E_IMAGE;
    if (!image) {
        throw new Error("BOTS_E2E_IMAGE names the Docker image to deploy (test/e2e/run.sh builds it)");
    }
    return image;
}

/** Deletes the namespaces that exist, waiting until they are gone (a leftover of an interrupted run would make the creates conflict). */
export function deleteNamespaces(env: Record<string, string>, namespaces: string[]): void {
    const left = namespaces.filter((ns) => kubectlTry(env, ["get", "namespace", ns]).ok);
    if (left.length > 0) {
        kubectl(env, ["delete", "namespace", ...left, "--wait=true", "--timeout=300s"]);
    }
}

/** What a spec on the real node starts from (e2eBefore). */
export interface E2eBase {
    /** The environment of hack/tools/env.sh. */
    env: Record<string, string>;
    /** BOTS_E2E_IMAGE loaded into the real node: its digest reference. */
    image: string;
    /** A scratch project and a file:// backend of the spec's own. */
    ws: E2eWorkspace;
}

export interface E2eBeforeOptions {
    /** Namespaces an interrupted earlier run may have left: deleted first. */
    namespaces?: string[];
    /** Free PersistentVolumes to keep (hack/cluster/storage.sh BOTS_PV_POOL; its default when unset). */
    pvPool?: number;
}

/**
 * The start of every spec on the real node, written once: the tool environment, the cluster up
 * and its real node Ready, free PersistentVolumes (hack/cluster/storage.sh), the spec's leftover
 * namespaces deleted, a scratch workspace, and the image loaded into the node: `image` (a local
 * image reference), by default BOTS_E2E_IMAGE; none with `image: false` (a spec that builds images
 * of its own later).
 */
export function e2eBefore(opts?: E2eBeforeOptions & { image?: string }): E2eBase;
export function e2eBefore(opts: E2eBeforeOptions & { image: false }): Omit<E2eBase, "image">;
export function e2eBefore(opts: E2eBeforeOptions & { image?: string | false } = {}): E2eBase | Omit<E2eBase, "image"> {
    const env = toolEnv();
    const ready = kubectlTry(env, ["get", "--raw", "/readyz"]);
    if (!ready.ok) {
        throw new Error(`the local cluster is not up (npm run cluster:up): ${ready.err}`);
    }
    const node = kubectlTry(env, ["get", "node", REAL_NODE, "-o", 'jsonpath={.status.conditions[?(@.type=="Ready")].status}']);
    if (!node.ok || node.out !== "True") {
        throw new Error(`the e2e tier needs the real node ${REAL_NODE} Ready (BOTS_NODE=real npm run cluster:up): ${node.err}`);
    }
    sh(env, "bash", ["hack/cluster/storage.sh"], opts.pvPool ? { BOTS_PV_POOL: String(opts.pvPool) } : {});
    deleteNamespaces(env, opts.namespaces ?? []);
    const image = opts.image === false ? undefined : loadImage(env, opts.image ?? e2eImage());
    const ws = e2eWorkspace(env);
    return image === undefined ? { env, ws } : { env, image, ws };
}

/**
 * The end of every spec on the real node, unless E2E_KEEP is set: its namespaces and workspace go,
 * and each of `stops` runs (the spec's own servers); a stop that fails is reported, not thrown.
 */
export function e2eAfter(env: Record<string, string> | undefined, ws: E2eWorkspace | undefined, namespaces: string[], ...stops: (() => unknown)[]): void {
    if (process.env.E2E_KEEP || !env) {
        return;
    }
    if (namespaces.length > 0) {
        kubectlTry(env, ["delete", "namespace", ...namespaces, "--wait=false"]);
    }
    for (const stop of stops) {
        try {
            stop();
        } catch (e) {
            process.stderr.write(`      (cleanup: ${(e as Error).message.split("\n")[0]})\n`);
        }
    }
    ws?.cleanup();
}

/**
 * examples/consumer as another team runs it: a second Pulumi project (bots-edi-consumer) on the
 * same backend as the Bots stacks. Its files are linked into a directory of the scratch project,
 * two levels below it as in the repository (its contract-check.ts reads ../../index.ts), so the
 * stack settings file Pulumi writes lands there, not in the work tree.
 */
export async function selectConsumerStack(ws: E2eWorkspace, stackName: string): Promise<Stack> {
    const src = path.join(REPO_ROOT, "examples", "consumer");
    const dir = path.join(ws.workDir, "e2e-examples", "consumer");
    fs.mkdirSync(dir, { recursive: true });
    for (const entry of fs.readdirSync(src)) {
        if (!/^Pulumi\.[^.]+\.yaml$/.test(entry) && !fs.existsSync(path.join(dir, entry))) {
            fs.symlinkSync(path.join(src, entry), path.join(dir, entry));
        }
    }
    return LocalWorkspace.createOrSelectStack({ stackName, workDir: dir }, { envVars: ws.envVars });
}

/**
 * The value a preview shows for a stack output (`    name: "value"` under Outputs:, or the new
 * value of `  ~ name: "old" => "new"`), or undefined when the preview does not know it yet (shown
 * as output<string>).
 */
export function previewedOutput(stdout: string, name: string): string | undefined {
    const m = new RegExp(`^\\s+[+~]?\\s*${name}\\s*:\\s+(?:"[^"]*"\\s+=>\\s+)?"([^"]*)"`, "m").exec(stdout);
    return m?.[1];
}

/** Runs kubectl against the local cluster; returns stdout. */
export function kubectl(env: Record<string, string>, args: string[], input?: string): string {
    const r = spawnSync("kubectl", ["--kubeconfig", env.BOTS_KUBECONFIG, "--context", env.BOTS_KUBE_CONTEXT, ...args], {
        env,
        encoding: "utf8",
        input,
        maxBuffer: 64 * 1024 * 1024,
    });
    if (r.status !== 0) {
        throw new Error(`kubectl ${args.join(" ")} failed (${r.status}): ${r.stderr}`);
    }
    return r.stdout;
}

/** kubectl that reports failure instead of throwing. */
export function kubectlTry(env: Record<string, string>, args: string[], input?: string): { ok: boolean; out: string; err: string } {
    const r = spawnSync("kubectl", ["--kubeconfig", env.BOTS_KUBECONFIG, "--context", env.BOTS_KUBE_CONTEXT, ...args], {
        env,
        encoding: "utf8",
        input,
    });
    return { ok: r.status === 0, out: r.stdout, err: r.stderr };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

export function getJson(env: Record<string, string>, args: string[]): Json {
    return JSON.parse(kubectl(env, [...args, "-o", "json"]));
}

/** Polls fn until it returns true or the time runs out. */
export async function waitFor(what: string, fn: () => boolean, timeoutMs = 120_000, everyMs = 1000): Promise<void> {
    const end = Date.now() + timeoutMs;
    let last: unknown;
    while (Date.now() < end) {
        try {
            if (fn()) {
                return;
            }
        } catch (e) {
            last = e;
        }
        await new Promise((r) => setTimeout(r, everyMs));
    }
    throw new Error(`timed out waiting for ${what}${last ? `: ${last}` : ""}`);
}

/** Kubernetes quantity as a number (for comparing "1" with "1000m", "1Gi" with "1024Mi"). */
export function quantity(s: string): number | undefined {
    const m = /^([0-9.]+)(m|k|M|G|T|Ki|Mi|Gi|Ti)?$/.exec(s);
    if (!m) {
        return undefined;
    }
    const f: Record<string, number> = { "": 1, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40 };
    return Number(m[1]) * f[m[2] ?? ""];
}

/**
 * Differences where `want` (what the program asked for) is not contained in `got` (what the API
 * server stored): every key of want must be in got with an equal value; arrays compare element-wise.
 */
export function notContained(want: Json, got: Json, at = ""): string[] {
    if (want === null || want === undefined) {
        return [];
    }
    if (Array.isArray(want)) {
        if (!Array.isArray(got) || got.length !== want.length) {
            return [`${at}: want ${JSON.stringify(want)}, got ${JSON.stringify(got)}`];
        }
        return want.flatMap((w, i) => notContained(w, got[i], `${at}[${i}]`));
    }
    if (typeof want === "object") {
        if (typeof got !== "object" || got === null) {
            return [`${at}: want an object, got ${JSON.stringify(got)}`];
        }
        return Object.keys(want).flatMap((k) => notContained(want[k], got[k], at ? `${at}.${k}` : k));
    }
    if (want === got || String(want) === String(got)) {
        return [];
    }
    if (typeof want === "string" && typeof got === "string") {
        const a = quantity(want);
        const b = quantity(got);
        if (a !== undefined && b !== undefined && Math.abs(a - b) < 1e-9 * Math.max(1, Math.abs(a))) {
            return [];
        }
    }
    return [`${at}: want ${JSON.stringify(want)}, got ${JSON.stringify(got)}`];
}

/** Operations of a preview/up, by "<op> <type> <name>", from its engine events (same = no change, left out). */
export function stepsOf(events: EngineEvent[]): { op: string; type: string; name: string; diffs: string[] }[] {
    const steps: { op: string; type: string; name: string; diffs: string[] }[] = [];
    for (const e of events) {
        const m = e.resourcePreEvent?.metadata;
        if (!m || m.op === "same" || m.op === "read") {
            continue;
        }
        const name = m.urn.split("::").pop() ?? m.urn;
        steps.push({ op: m.op, type: m.type, name, diffs: m.diffs ?? [] });
    }
    return steps;
}

/** Runs a command in the repo; returns stdout, throws with stderr on a non-zero exit. */
export function sh(env: Record<string, string>, cmd: string, args: string[], extraEnv: Record<string, string> = {}, input?: string): string {
    const r = spawnSync(cmd, args, { cwd: REPO_ROOT, env: { ...env, ...extraEnv }, encoding: "utf8", input, maxBuffer: 64 * 1024 * 1024 });
    if (r.status !== 0) {
        throw new Error(`${cmd} ${args.join(" ")} failed (${r.status}): ${r.stderr}`);
    }
    return r.stdout;
}

/** Name of the real node of hack/cluster/up.sh (BOTS_NODE=real). */
export const REAL_NODE = "bots-node-0";
/** The machine's side of the node link (hack/cluster/lib.sh HOST_IP): servers for pods listen here. */
export const HOST_IP = "198.51.100.1";

/** Loads a Docker engine image into the real node; returns the digest reference to deploy. */
export function loadImage(env: Record<string, string>, image: string): string {
    const ref = sh(env, "bash", ["hack/cluster/load-image.sh", image]).trim();
    if (!/^[^@]+@sha256:[0-9a-f]{64}$/.test(ref)) {
        throw new Error(`load-image.sh printed ${JSON.stringify(ref)}, not a digest reference`);
    }
    return ref;
}

/** A pod's updates as `kubectl get -w` delivers them, until the pod is gone or the time runs out. */
export function watchPod(env: Record<string, string>, namespace: string, name: string, timeoutMs: number): Promise<Json[]> {
    return new Promise((resolve, reject) => {
        const child = spawn(
            "kubectl",
            ["--kubeconfig", env.BOTS_KUBECONFIG, "--context", env.BOTS_KUBE_CONTEXT, "-n", namespace, "get", "pod", name, "-w", "--output-watch-events", "-o", "json"],
            { env },
        );
        let buf = "";
        const events: Json[] = [];
        const timer = setTimeout(() => child.kill("SIGTERM"), timeoutMs);
        child.stdout.on("data", (d: Buffer) => {
            buf += d.toString();
            // kubectl writes one JSON object per line and event.
            let end: number;
            while ((end = buf.indexOf("\n")) >= 0) {
                const line = buf.slice(0, end).trim();
                buf = buf.slice(end + 1);
                if (!line) {
                    continue;
                }
                const ev = JSON.parse(line);
                events.push(ev.object);
                if (ev.type === "DELETED") {
                    child.kill("SIGTERM");
                }
            }
        });
        child.on("error", reject);
        child.on("close", () => {
            clearTimeout(timer);
            resolve(events);
        });
    });
}

/** `kubectl port-forward` on 127.0.0.1 (a free port); stop() ends it. */
export async function portForward(
    env: Record<string, string>,
    namespace: string,
    target: string,
    remotePort: number,
): Promise<{ port: number; stop(): void }> {
    const child = spawn(
        "kubectl",
        ["--kubeconfig", env.BOTS_KUBECONFIG, "--context", env.BOTS_KUBE_CONTEXT, "-n", namespace, "port-forward", "--address", "127.0.0.1", target, `:${remotePort}`],
        { env },
    );
    let out = "";
    let err = "";
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    const port = await new Promise<number>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`port-forward ${target} did not start: ${err}`)), 30_000);
        child.stdout.on("data", (d: Buffer) => {
            out += d.toString();
            const m = /Forwarding from 127\.0\.0\.1:(\d+)/.exec(out);
            if (m) {
                clearTimeout(timer);
                resolve(Number(m[1]));
            }
        });
        child.on("close", (code) => reject(new Error(`port-forward ${target} exited (${code}): ${err}`)));
    });
    return { port, stop: () => child.kill("SIGTERM") };
}

/** GET on 127.0.0.1 with a Host header, on a connection of its own; resolves with the status and body. */
export function httpGet(port: number, urlPath: string, host = "localhost"): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
        const req = http.get({ host: "127.0.0.1", port, path: urlPath, headers: { Host: host }, timeout: 10_000, agent: false }, (res) => {
            let body = "";
            res.on("data", (d: Buffer) => (body += d.toString()));
            res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
        });
        req.on("timeout", () => req.destroy(new Error(`GET ${urlPath} timed out`)));
        req.on("error", reject);
    });
}

/** The real node's network namespace (hack/cluster/lib.sh NODE_NETNS): kube-proxy's rules live there. */
export const NODE_NETNS = "bots-node";

/**
 * A TCP relay from 127.0.0.1 (a free port) to a Service's ClusterIP: each connection is carried by
 * socat into the node's network namespace and through kube-proxy, as a client in the cluster would
 * reach the Service (a `kubectl port-forward` to a Service picks one pod and breaks with it).
 */
export async function serviceRelay(
    env: Record<string, string>,
    namespace: string,
    service: string,
    port: number,
): Promise<{ port: number; stop(): void }> {
    const clusterIp = kubectl(env, ["-n", namespace, "get", "service", service, "-o", "jsonpath={.spec.clusterIP}"]).trim();
    const local = await new Promise<number>((resolve, reject) => {
        const probe = net.createServer();
        probe.once("error", reject);
        probe.listen(0, "127.0.0.1", () => {
            const p = (probe.address() as net.AddressInfo).port;
            probe.close(() => resolve(p));
        });
    });
    const child = spawn(
        "socat",
        [`TCP-LISTEN:${local},bind=127.0.0.1,fork,reuseaddr`, `EXEC:ip netns exec ${NODE_NETNS} socat STDIO TCP\\:${clusterIp}\\:${port}`],
        { env, stdio: ["ignore", "ignore", "pipe"] },
    );
    let err = "";
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    const deadline = Date.now() + 10_000;
    for (;;) {
        const up = await new Promise<boolean>((resolve) => {
            const s = net.connect(local, "127.0.0.1", () => {
                s.destroy();
                resolve(true);
            });
            s.on("error", () => resolve(false));
        });
        if (up) {
            break;
        }
        if (child.exitCode !== null || Date.now() > deadline) {
            child.kill("SIGTERM");
            throw new Error(`the relay to ${namespace}/${service} (${clusterIp}:${port}) did not start: ${err}`);
        }
        await new Promise((r) => setTimeout(r, 100));
    }
    return { port: local, stop: () => child.kill("SIGTERM") };
}

/** What a request loop saw: answered requests by status, and every failure with its time. */
export interface LoopResult {
    requests: number;
    byStatus: Record<string, number>;
    failures: string[];
    seconds: number;
}

/**
 * GETs urlPath on 127.0.0.1:port one request after another (a pause of pauseMs between them) until
 * stop() is called, bounded by maxRequests and maxMs either way. A failure is an error or a status
 * other than 200.
 */
export function requestLoop(
    port: number,
    urlPath: string,
    { maxRequests = 3000, maxMs = 5 * 60_000, pauseMs = 100 } = {},
): { stop(): Promise<LoopResult> } {
    let stopped = false;
    const t0 = Date.now();
    const result: LoopResult = { requests: 0, byStatus: {}, failures: [], seconds: 0 };
    const done = (async () => {
        while (!stopped && result.requests < maxRequests && Date.now() - t0 < maxMs) {
            result.requests++;
            const at = ((Date.now() - t0) / 1000).toFixed(1);
            try {
                const r = await httpGet(port, urlPath);
                result.byStatus[r.status] = (result.byStatus[r.status] ?? 0) + 1;
                if (r.status !== 200) {
                    result.failures.push(`${at}s: ${r.status} ${r.body.slice(0, 120)}`);
                }
            } catch (e) {
                result.failures.push(`${at}s: ${(e as Error).message}`);
            }
            await new Promise((r) => setTimeout(r, pauseMs));
        }
        result.seconds = (Date.now() - t0) / 1000;
        return result;
    })();
    return {
        stop: async () => {
            stopped = true;
            return done;
        },
    };
}
