// Throughput of the deployed system (npm run bench:throughput, test/bench/throughput.sh). Prints
// numbers and asserts nothing:
//   1. N X12 850 orders (BENCH_ORDERS, default 1000; copies of a sample order of the plugin
//      x12/x12_to_xml_850-856-810-997 with their own interchange numbers) translated by one engine
//      Job created from the engine CronJob of a stack on the real node (PostgreSQL on the node link);
//   2. the same files, Bots and plugin in a plain virtualenv on this machine (test/bench/throughput-venv.sh)
//      against the same PostgreSQL server (a database of its own), and the ratio deployed / plain;
//   3. file dropped into the route's inbox -> XML order written, through the worker's directory
//      monitor and job queue, one file at a time (BENCH_LATENCY_FILES, default 100): p50, p95.
// Both sides' files go through the data volume's directory on this machine (the real node's local
// PersistentVolume), so drop and output times come from one clock (file mtimes, nanoseconds).
import { spawnSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Stack } from "@pulumi/pulumi/automation";
import { HOST_IP, Json, REPO_ROOT, e2eBefore, getJson, kubectl, kubectlTry, selectStack, setLocalConfig, sh, toolEnv, waitFor } from "../e2e/support";
import { engineReport } from "../support/engine-report";

const NS = "throughput-bots";
const STACK = "throughput";
const PG_PORT = Number(process.env.BENCH_PG_PORT ?? 55493);
const PG_DIR = "/var/tmp/throughput-pg";
const PLAIN_HOME = "/var/tmp/throughput-plain";
const ORDERS = Number(process.env.BENCH_ORDERS ?? 1000);
const LATENCY_FILES = Number(process.env.BENCH_LATENCY_FILES ?? 100);
/** Plain and deployed runs alternate, a new set of orders each: the machine is shared, its load moves. */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const PLUGIN_NAME = "x12_to_xml_850-856-810-997";
const PLUGIN_DIR = path.resolve(REPO_ROOT, "..", "shared", "upstream", "bots-plugins", "x12", PLUGIN_NAME);
const ROUTE = "inbound";
/** The route's in-channel (inbound_in) and its 850 out-channel (inbound_out_850), in the plugin's botsindex.json. */
const INBOX = "botssys/infile/x12_demo/inbound";
/** What the worker's dirmonitor watches (docker/bots-config/bots.ini [dirmonitor1]). */
const WATCHED = "botssys/infile";
const OUT_850 = "botssys/outfile/x12_demo/inbound_850";
const DB_ROLE = "throughput";
/**
 * The plugin's in-channel keeps what it read (remove: false, so its samples survive a run): every
 * run would read all files again and the dirmonitor skips such a channel. A production inbox removes
 * what it read; both sides get that one change, in Bots' own table.
 */
const REMOVE_READ = "UPDATE channel SET remove = true WHERE idchannel = 'inbound_in'";

const rows: [string, string][] = [];
const say = (k: string, v: string) => {
    rows.push([k, v]);
    process.stderr.write(`[throughput] ${k}: ${v}\n`);
};
const secs = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

/** The sample order with interchange/group control numbers of its own (ISA13/IEA02, GS06/GE02). */
function order(template: string, n: number): string {
    const isa = String(100000000 + n).padStart(9, "0");
    return template
        .replace(/^(ISA(?:\*[^*]*){12}\*)\d{9}/m, `$1${isa}`)
        .replace(/^(GS(?:\*[^*]*){5}\*)\d+/m, `$1${n + 1}`)
        .replace(/^(GE\*\d+\*)\d+/m, `$1${n + 1}`)
        .replace(/^(IEA\*\d+\*)\d+/m, `$1${isa}`);
}

function writeOrders(dir: string, template: string, count: number, offset = 0): void {
    fs.mkdirSync(dir, { recursive: true });
    for (let i = 0; i < count; i++) {
        fs.writeFileSync(path.join(dir, `po-${String(offset + i).padStart(5, "0")}.x12`), order(template, offset + i));
    }
}

function listFiles(dir: string): string[] {
    return fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => fs.statSync(path.join(dir, f)).isFile()) : [];
}

/** Earliest and latest mtime (ms, fractional) of the files in dir not in before. */
function newFiles(dir: string, before: string[]): { count: number; first: number; last: number } {
    const mt = listFiles(dir)
        .filter((f) => !before.includes(f))
        .map((f) => fs.statSync(path.join(dir, f), { bigint: true }).mtimeNs)
        .map((ns) => Number(ns / 1000n) / 1000);
    return { count: mt.length, first: Math.min(...mt), last: Math.max(...mt) };
}

function emptyDir(dir: string): void {
    for (const f of listFiles(dir)) {
        fs.rmSync(path.join(dir, f));
    }
}

/** Files a pod wrote are 10001's; the host's copies get the same owner so Bots may read and remove them. */
function chownTree(dir: string): void {
    for (const f of listFiles(dir)) {
        fs.chownSync(path.join(dir, f), 10001, 10001);
    }
}

/** "2026.12.06 07:30:01" (Bots' log file format: whole seconds, UTC in the pods) as epoch ms. */
function logTime(line: string): number | undefined {
    const m = /^(\d{4})\.(\d\d)\.(\d\d) (\d\d:\d\d:\d\d) /.exec(line);
    return m ? Date.parse(`${m[1]}-${m[2]}-${m[3]}T${m[4]}Z`) : undefined;
}

function pct(sorted: number[], p: number): number {
    return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

function stats(ms: number[]): string {
    const s = [...ms].sort((a, b) => a - b);
    const mean = s.reduce((a, b) => a + b, 0) / s.length;
    return `p50 ${secs(pct(s, 50))}, p95 ${secs(pct(s, 95))}, min ${secs(s[0])}, max ${secs(s[s.length - 1])}, mean ${secs(mean)} (n=${s.length})`;
}

interface RunResult {
    wallMs: number;
    received: number;
    ok: number;
    sent: number;
    errors: number;
    /** The first and the last 850 XML written, ms since the run was started. */
    firstOut: number;
    lastOut: number;
    outputs: number;
}

/** The plain side: Bots from the venv with the image's config files, on 127.0.0.1's PostgreSQL. */
class Plain {
    readonly envDir = path.join(PLAIN_HOME, "home", "env", "throughput");
    readonly env: Record<string, string>;

    constructor(base: Record<string, string>, venv: string, dbPassword: string) {
        this.env = {
            ...base,
            PATH: `${venv}/bin:${base.PATH}`,
            BOTS_HOME: path.join(PLAIN_HOME, "home"),
            BOTSENV: "throughput",
            BOTS_RUN_DIR: path.join(PLAIN_HOME, "run"),
            BOTS_PLUGIN_DIR: path.join(PLAIN_HOME, "plugins"),
            BOTS_CONFIG_DIR: path.join(this.envDir, "config"),
            BOTS_ACTIVATE_ROUTES: ROUTE,
            BOTS_DB_ENGINE: "postgresql",
            DB_HOST: "127.0.0.1",
            DB_PORT: String(PG_PORT),
            DB_NAME: "throughput_plain",
            DB_USER: DB_ROLE,
            DB_PASSWORD: dbPassword,
            DJANGO_SECRET_KEY: crypto.randomBytes(32).toString("hex"),
            PYTHONDONTWRITEBYTECODE: "1",
        };
    }

    private run(args: string[]): { status: number; out: string } {
        const r = spawnSync(args[0], args.slice(1), { cwd: this.envDir, env: this.env, encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
        return { status: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
    }

    /** What the image's entrypoint and init Job do: botsenv dirs, usersys seed, assembled config, init-db. */
    setUp(): void {
        fs.rmSync(PLAIN_HOME, { recursive: true, force: true });
        fs.mkdirSync(path.join(this.envDir, "usersys"), { recursive: true });
        fs.mkdirSync(this.env.BOTS_PLUGIN_DIR, { recursive: true });
        fs.cpSync(PLUGIN_DIR, path.join(this.env.BOTS_PLUGIN_DIR, PLUGIN_NAME), { recursive: true });
        const pkg = this.run(["python3", "-c", "import os, bots; print(os.path.dirname(bots.__file__))"]);
        fs.cpSync(path.join(pkg.out.trim(), "usersys"), path.join(this.envDir, "usersys"), { recursive: true });
        const config = path.join(REPO_ROOT, "docker", "bots-config");
        for (const cmd of [["bots-prepare-config", "--source", config, "--defaults", config, "--dest", path.join(this.env.BOTS_RUN_DIR, "config")], ["bots-init-db"]]) {
            const r = this.run(cmd);
            if (r.status !== 0) {
                throw new Error(`plain ${cmd[0]} failed (${r.status}): ${r.out}`);
            }
        }
    }

    engine(): RunResult {
        const out = path.join(this.envDir, OUT_850);
        const before = listFiles(out);
        const t0 = Date.now();
        const r = this.run(["bots-service", "engine", `-c${this.env.BOTS_CONFIG_DIR}`]);
        const wallMs = Date.now() - t0;
        if (![0, 2].includes(r.status)) {
            throw new Error(`plain engine exited ${r.status}: ${r.out.slice(-3000)}`);
        }
        const rep = engineReport(r.out);
        const n = newFiles(out, before);
        return { wallMs, ...rep, firstOut: n.first - t0, lastOut: n.last - t0, outputs: n.count };
    }
}

async function main(): Promise<void> {
    const env = toolEnv();
    const image = process.env.BOTS_THROUGHPUT_IMAGE;
    const venv = process.env.BOTS_THROUGHPUT_VENV;
    if (!image || !venv) {
        throw new Error("BOTS_THROUGHPUT_IMAGE and BOTS_THROUGHPUT_VENV are set by test/bench/throughput.sh");
    }
    const template = fs.readFileSync(path.join(PLUGIN_DIR, INBOX, "850-004010-01.x12"), "utf8");
    const dbPassword = crypto.randomBytes(18).toString("hex");
    const PG = { BOTS_TEST_PG_PORT: String(PG_PORT), BOTS_TEST_PG_DIR: PG_DIR, BOTS_TEST_PG_BIND: `127.0.0.1,${HOST_IP}`, BOTS_TEST_PG_PASSWORD: dbPassword };
    const pg = (...args: string[]) => sh(env, "bash", ["test/support/pg-server.sh", ...args], PG);
    pg("start");
    pg("createdb", "throughput_plain", DB_ROLE);
    pg("createdb", "throughput_deployed", DB_ROLE);
    const orders = fs.mkdtempSync("/var/tmp/throughput-orders-");
    const roundDir = (r: number) => path.join(orders, `round-${r}`);
    for (let r = 0; r < ROUNDS; r++) {
        writeOrders(roundDir(r), template, ORDERS, r * ORDERS);
    }
    say("input", `${ORDERS} X12 850 orders per run (${fs.statSync(path.join(roundDir(0), "po-00000.x12")).size} bytes each), plugin ${PLUGIN_NAME}, route ${ROUTE}; ${ROUNDS} rounds, plain and deployed alternating`);

    // ---- plain virtualenv ----
    const plain = new Plain(env, venv, dbPassword);
    plain.setUp();
    pg("psql", "throughput_plain", REMOVE_READ);
    const plainInbox = path.join(plain.envDir, INBOX);
    emptyDir(plainInbox);
    const plainEmpty = plain.engine();
    say("plain: engine, empty inbox", secs(plainEmpty.wallMs));

    // ---- deployed stack ----
    const { image: ref, ws } = e2eBefore({ namespaces: [NS], image });
    let stack: Stack | undefined;
    try {
        stack = await selectStack(ws, STACK);
        await setLocalConfig(stack, env, {
            namespace: NS,
            imageRef: ref,
            storageClass: "local-rwx",
            storageSize: "1Gi",
            databaseEngine: "postgresql",
            databaseHost: HOST_IP,
            databasePort: String(PG_PORT),
            databaseName: "throughput_deployed",
            databaseUser: DB_ROLE,
            engineSuspend: "true",
            // Off until the latency part: its dirmonitor would run the plugin's samples (and later
            // the orders) in an engine of its own next to the Jobs.
            workerEnabled: "false",
            podSecurityVersion: "latest",
            botsActivateRoutes: [ROUTE],
        }, { databasePassword: dbPassword });
        const t0 = Date.now();
        await stack.up();
        say("pulumi up (empty -> init Job done, workloads created)", secs(Date.now() - t0));
        const out = await stack.outputs();
        const pv = getJson(env, ["-n", NS, "get", "pvc", out.pvcName.value]).spec.volumeName;
        const volume = getJson(env, ["get", "pv", pv]).spec.local.path as string;
        const envs = fs.readdirSync(path.join(volume, "env"));
        if (envs.length !== 1) {
            throw new Error(`expected one botsenv on the data volume ${volume}, found ${envs.join(", ")}`);
        }
        const envDir = path.join(volume, "env", envs[0]);
        const inbox = path.join(envDir, INBOX);
        const outDir = path.join(envDir, OUT_850);
        pg("psql", "throughput_deployed", REMOVE_READ);
        const engineLimits = getJson(env, ["-n", NS, "get", "cronjob", "bots-engine"]).spec.jobTemplate.spec.template.spec.containers[0].resources;

        let jobNo = 0;
        /**
         * One engine Job from the CronJob, timed from `kubectl create` to its Complete condition,
         * split by its log lines' timestamps (the kubelet's, nanoseconds): created -> first line
         * (scheduling, pod sandbox, container start, the entrypoint's config), first -> last line
         * (Bots), last line -> Complete seen (exit, kubelet status, Job controller, 200 ms polling).
         */
        const engineJob = async (): Promise<RunResult & { toFirstLine: number; lines: number; afterLast: number }> => {
            const name = `throughput-engine-${++jobNo}`;
            const before = listFiles(outDir);
            const t = Date.now();
            kubectl(env, ["-n", NS, "create", "job", name, "--from=cronjob/bots-engine"]);
            await waitFor(`Job ${name} finished`, () => {
                const job = getJson(env, ["-n", NS, "get", "job", name]);
                return (job.status.conditions ?? []).some((c: Json) => ["Complete", "Failed"].includes(c.type) && c.status === "True");
            }, 1_800_000, 200);
            const wallMs = Date.now() - t;
            const pod = getJson(env, ["-n", NS, "get", "pods", "-l", `job-name=${name}`]).items[0];
            const term = pod.status.containerStatuses[0].state.terminated;
            const logs = kubectl(env, ["-n", NS, "logs", "--timestamps", `job/${name}`]);
            const stamps = logs
                .split("\n")
                .map((l) => /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3})\d*Z /.exec(l))
                .filter((m): m is RegExpExecArray => m !== null)
                .map((m) => Date.parse(`${m[1]}Z`));
            if (![0, 2].includes(term.exitCode)) {
                throw new Error(`engine Job ${name} exited ${term.exitCode}: ${logs.slice(-3000)}`);
            }
            const n = newFiles(outDir, before);
            return {
                wallMs,
                ...engineReport(logs),
                firstOut: n.first - t,
                lastOut: n.last - t,
                outputs: n.count,
                toFirstLine: stamps[0] - t,
                lines: stamps[stamps.length - 1] - stamps[0],
                afterLast: t + wallMs - stamps[stamps.length - 1],
            };
        };

        emptyDir(inbox);
        const depEmpty = await engineJob();
        const split = (r: { toFirstLine: number; lines: number; afterLast: number }) =>
            `created -> first log line ${secs(r.toFirstLine)}, first -> last line ${secs(r.lines)}, last line -> Complete seen ${secs(r.afterLast)}`;
        say("deployed: engine Job, empty inbox", `${secs(depEmpty.wallMs)} (${split(depEmpty)})`);
        say("deployed: engine container resources", JSON.stringify(engineLimits));
        const staging = path.join(envDir, "botssys", "throughput-staging");
        const counts = (x: RunResult) =>
            `received ${x.received}, ok ${x.ok}, sent ${x.sent}, errors ${x.errors}; 850 XML written ${x.outputs} from +${secs(x.firstOut)} to +${secs(x.lastOut)}`;
        const load = () => `load ${os.loadavg()[0].toFixed(1)}`;
        const ps: RunResult[] = [];
        const ds: RunResult[] = [];
        for (let r = 0; r < ROUNDS; r++) {
            fs.cpSync(roundDir(r), plainInbox, { recursive: true });
            const before = load();
            const p = plain.engine();
            ps.push(p);
            say(`round ${r + 1}: plain engine`, `${secs(p.wallMs)} (${counts(p)}; ${before})`);
            fs.cpSync(roundDir(r), staging, { recursive: true });
            chownTree(staging);
            for (const f of listFiles(staging)) {
                fs.renameSync(path.join(staging, f), path.join(inbox, f));
            }
            const dBefore = load();
            const d = await engineJob();
            ds.push(d);
            say(`round ${r + 1}: deployed engine Job`, `${secs(d.wallMs)} (${counts(d)}; ${split(d)}; ${dBefore})`);
            say(`round ${r + 1}: ratio deployed / plain`, (d.wallMs / p.wallMs).toFixed(2));
        }
        const best = (xs: RunResult[]) => xs.reduce((a, b) => (b.wallMs < a.wallMs ? b : a));
        const [bp, bd] = [best(ps), best(ds)];
        say("ratio deployed / plain, best run of each (goal <= 1.2)", `${(bd.wallMs / bp.wallMs).toFixed(2)} (${secs(bd.wallMs)} / ${secs(bp.wallMs)})`);
        say("  start-up: empty-inbox run / best run", `plain ${((100 * plainEmpty.wallMs) / bp.wallMs).toFixed(1)} %, deployed ${((100 * depEmpty.wallMs) / bd.wallMs).toFixed(1)} %`);
        say("  reading + translating (run start -> first 850 XML)", `plain ${secs(bp.firstOut)}, deployed ${secs(bd.firstOut)}`);
        say("  writing the 850 XML (first -> last)", `plain ${secs(bp.lastOut - bp.firstOut)}, deployed ${secs(bd.lastOut - bd.firstOut)}`);
        say("  last 850 XML -> end of run", `plain ${secs(bp.wallMs - bp.lastOut)}, deployed ${secs(bd.wallMs - bd.lastOut)}`);

        // ---- latency through the directory monitor ----
        // The worker's dirmonitor watches botssys/infile itself (bots.ini [dirmonitor1]; Bots 4
        // matches files directly in it) and queues a run of every active route: the route's
        // in-channel reads from there for this part, as an operator points a route at the watched inbox.
        pg("psql", "throughput_deployed", `UPDATE channel SET path = '${WATCHED}', filename = '*.x12' WHERE idchannel = 'inbound_in'`);
        const watched = path.join(envDir, WATCHED);
        await setLocalConfig(stack, env, { workerEnabled: "true" });
        const tw = Date.now();
        await stack.up();
        say("pulumi up (workerEnabled: true -> worker Ready)", secs(Date.now() - tw));
        const runs = () => Number(pg("psql", "throughput_deployed", "SELECT count(*) FROM report").trim());
        // The dirmonitor's start queues a run for the files it finds (the plugin's other samples):
        // start once no run has ended for 10 s.
        let quiet = { n: runs(), since: Date.now() };
        await waitFor("the worker's start-up engine run to end", () => {
            const n = runs();
            if (n !== quiet.n) {
                quiet = { n, since: Date.now() };
            }
            return Date.now() - quiet.since >= 10_000;
        }, 180_000, 500);
        const latencies: number[] = [];
        const drops: number[] = [];
        fs.mkdirSync(staging, { recursive: true });
        for (let i = 0; i < LATENCY_FILES; i++) {
            const before = listFiles(outDir);
            const runsBefore = runs();
            const n = ROUNDS * ORDERS + i;
            writeOrders(staging, template, 1, n);
            const f = `po-${String(n).padStart(5, "0")}.x12`;
            chownTree(staging);
            const dropped = Date.now();
            fs.renameSync(path.join(staging, f), path.join(watched, f));
            drops.push(dropped);
            await waitFor(`the 850 XML of ${f}`, () => listFiles(outDir).length > before.length, 120_000, 50);
            latencies.push(newFiles(outDir, before).first - dropped);
            // The next file waits for this engine run to end, so each one measures an idle system.
            await waitFor(`the engine run of ${f} to end`, () => runs() > runsBefore, 120_000, 100);
        }
        say(`latency: dropped into ${WATCHED} -> 850 XML written`, stats(latencies));
        say("  (the phases below come from the job queue's log: whole seconds)", "");

        // Where the time goes, from the job queue's log on the volume: drop -> job added (inotify,
        // the dirmonitor's 2 s quiet window, XML-RPC), added -> started (the queue's launch loop),
        // started -> 850 XML written (engine start-up and the translation).
        const queueLog = path.join(envDir, "botssys", "logging", "jobqueue", "jobqueue.log");
        const lines = fs.existsSync(queueLog) ? fs.readFileSync(queueLog, "utf8").split("\n") : [];
        const at = (re: RegExp) =>
            lines
                .filter((l) => re.test(l))
                .map((l) => logTime(l))
                .filter((t): t is number => t !== undefined)
                .slice(-LATENCY_FILES);
        const added = at(/Added job \d+/);
        const started = at(/Starting job \d+/);
        if (added.length === LATENCY_FILES && started.length === LATENCY_FILES && added[0] >= drops[0] - 1000) {
            say("  drop -> job added (dirmonitor)", stats(added.map((t, i) => t - drops[i])));
            say("  job added -> started (job queue launch loop)", stats(started.map((t, i) => t - added[i])));
            say("  job started -> 850 XML written (engine)", stats(started.map((t, i) => drops[i] + latencies[i] - t)));
        } else {
            say("  phases", `not split: ${added.length} jobs added and ${started.length} started in ${queueLog} for ${LATENCY_FILES} files`);
        }
        if (!process.env.BENCH_KEEP) {
            await stack.destroy({ excludeProtected: true });
        }
    } finally {
        if (!process.env.BENCH_KEEP) {
            kubectlTry(env, ["delete", "namespace", NS, "--wait=false"]);
            spawnSync("bash", ["test/support/pg-server.sh", "stop"], { cwd: REPO_ROOT, env: { ...env, ...PG }, encoding: "utf8" });
        }
        fs.rmSync(orders, { recursive: true, force: true });
        ws.cleanup();
    }

    console.log("");
    const width = Math.max(...rows.map(([k]) => k.length));
    for (const [k, v] of rows) {
        console.log(`${k.padEnd(width)}  ${v}`);
    }
}

main().catch((e) => {
    console.error(e);
    process.exit(1);
});
