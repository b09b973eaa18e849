// End to end, metrics (issue 19): a real Prometheus server (Debian's, hack/tools/prometheus.sh)
// scrapes the metrics ports of a stack deployed on the real node, with the stack's alert rules
// (components/kubernetes/prometheus-rule.ts) loaded; an engine run over the plugin's samples shows
// in the metrics, and an induced EDI error makes BotsFilesWithErrors and BotsEngineRunFailed fire
// in Prometheus. Prometheus runs in the node's network namespace, where pod IPs route, and gets
// the targets a ServiceMonitor would give it: the endpoints named metrics of the stack's Services,
// job = the Service's name.
// Run with `npm run test:e2e` (test/e2e/run.sh); E2E_VERBOSE=1 streams Pulumi's output.
import * as assert from "assert";
import { ChildProcess, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as path from "path";
import { Stack } from "@pulumi/pulumi/automation";
import { stringify } from "yaml";
import { E2eWorkspace, Json, NODE_NETNS, REPO_ROOT, SUFFIX, e2eAfter, e2eBefore, getJson, kubectl, log, selectStack, setLocalConfig, sqliteDevStack, waitFor } from "./support";
import { engineReport } from "../support/engine-report";
import { alertRules } from "../../components/kubernetes/prometheus-rule";

const NAMESPACE = `bots-e2e-prom${SUFFIX}`;
/** Where Prometheus listens: the node's address on its link, reachable from this machine. */
const NODE_IP = "198.51.100.2";
const PROM_PORT = Number(process.env.BOTS_E2E_PROM_PORT ?? 19090);
const PROM = `http://${NODE_IP}:${PROM_PORT}`;
const ROUTE = "myfirstroute";
const INBOX = "/home/bots/.bots/env/dev/botssys/infile/my_first_plugin";
/** Sums over Bots' report table, through Django's connection in a Bots pod, as one JSON line. */
const REPORT_SUMS = [
    "import json",
    "from bots_runtime.bootstrap import init_bots",
    "init_bots(quiet=True)",
    "from django.db import connection",
    "c = connection.cursor()",
    "c.execute('SELECT COALESCE(SUM(lastreceived), 0), COALESCE(SUM(send), 0), COALESCE(SUM(lasterror), 0), COUNT(*) FROM report')",
    "r = c.fetchone()",
    "print(json.dumps({'received': r[0], 'sent': r[1], 'errors': r[2], 'runs': r[3]}))",
].join("\n");

function getJsonUrl(url: string): Promise<Json> {
    return new Promise((resolve, reject) => {
        http.get(url, { timeout: 5000 }, (res) => {
            let body = "";
            res.on("data", (c) => (body += c));
            res.on("end", () => {
                try {
                    resolve(JSON.parse(body));
                } catch (e) {
                    reject(new Error(`${url}: ${res.statusCode} ${body.slice(0, 300)} (${String(e)})`));
                }
            });
        }).on("error", reject);
    });
}

/** The HTTP status of a GET, 0 when it does not connect. */
function status(url: string): Promise<number> {
    return new Promise((resolve) => {
        http.get(url, { timeout: 2000 }, (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
        }).on("error", () => resolve(0));
    });
}

/** The value of an instant query's first sample, or undefined. */
async function query(expr: string): Promise<number | undefined> {
    const r = await getJsonUrl(`${PROM}/api/v1/query?query=${encodeURIComponent(expr)}`);
    const v = r.data?.result?.[0]?.value?.[1];
    return v === undefined ? undefined : Number(v);
}

/** Alerts Prometheus holds: name, state and labels. */
async function alerts(): Promise<{ name: string; state: string; labels: Record<string, string> }[]> {
    const r = await getJsonUrl(`${PROM}/api/v1/alerts`);
    return r.data.alerts.map((a: Json) => ({ name: a.labels.alertname, state: a.state, labels: a.labels }));
}

describe("e2e: a real Prometheus scrapes the stack, and an EDI error fires the failed-files alert", function () {
    this.timeout(20 * 60 * 1000);

    let env: Record<string, string>;
    let ws: E2eWorkspace;
    let dev: Stack;
    let prom: ChildProcess | undefined;
    let promDir = "";
    let promLog = "";

    const webPod = (): string =>
        getJson(env, ["-n", NAMESPACE, "get", "pods", "-l", "app.kubernetes.io/component=web"]).items.find((p: Json) => !p.metadata.deletionTimestamp).metadata.name;

    /** A Job from the engine CronJob, to its end: its exit code and the engine's report. */
    const engineRun = async (name: string): Promise<{ exit: number; report: ReturnType<typeof engineReport> }> => {
        kubectl(env, ["-n", NAMESPACE, "create", "job", name, "--from=cronjob/bots-engine"]);
        await waitFor(`Job ${name} finished`, () => {
            const j = getJson(env, ["-n", NAMESPACE, "get", "job", name]);
            return (j.status.conditions ?? []).some((c: Json) => ["Complete", "Failed"].includes(c.type) && c.status === "True");
        }, 300_000);
        const pod = getJson(env, ["-n", NAMESPACE, "get", "pods", "-l", `job-name=${name}`]).items[0];
        const logs = kubectl(env, ["-n", NAMESPACE, "logs", pod.metadata.name]);
        return { exit: pod.status.containerStatuses[0].state.terminated.exitCode, report: engineReport(logs) };
    };

    /** The targets a ServiceMonitor on the metrics Services would give Prometheus. */
    const targets = () =>
        ["bots-web", "bots-worker-metrics"].map((service) => {
            const slices = getJson(env, ["-n", NAMESPACE, "get", "endpointslices", "-l", `kubernetes.io/service-name=${service}`]).items as Json[];
            const port = slices.flatMap((s) => s.ports ?? []).find((p: Json) => p.name === "metrics").port;
            const addresses = slices.flatMap((s) => (s.endpoints ?? []).filter((e: Json) => e.conditions?.ready !== false).flatMap((e: Json) => e.addresses));
            return { targets: addresses.map((a: string) => `${a}:${port}`), labels: { job: service, namespace: NAMESPACE } };
        });

    before(async function () {
        let image: string;
        ({ env, image, ws } = e2eBefore({ namespaces: [NAMESPACE] }));
        const p = spawnSync("bash", ["hack/tools/prometheus.sh"], { cwd: REPO_ROOT, env, encoding: "utf8" });
        assert.strictEqual(p.status, 0, p.stderr);
        const promBin = path.join(p.stdout.trim().split("\n").pop()!, "prometheus");
        dev = await selectStack(ws, "dev");
        await setLocalConfig(dev, env, sqliteDevStack(NAMESPACE, image, ROUTE));
        await dev.up({ onOutput: log });
        await waitFor("web and worker pods Ready", () => targets().every((t) => t.targets.length > 0), 300_000, 2000);

        // The stack's alert rules, with the shortest window the config allows.
        promDir = fs.mkdtempSync(path.join("/var/tmp", "bots-e2e-prometheus-"));
        const thresholds = { noCleanRunSeconds: 3600, inboxFileAgeSeconds: 3600, filesWithErrorsWindowMinutes: 5, dataVolumeUsedRatio: 0.99, webDownMinutes: 1 };
        fs.writeFileSync(path.join(promDir, "rules.yaml"), stringify({ groups: [{ name: "bots-edi", rules: alertRules(NAMESPACE, thresholds) }] }));
        fs.writeFileSync(
            path.join(promDir, "prometheus.yml"),
            stringify({
                global: { scrape_interval: "5s", evaluation_interval: "5s", scrape_timeout: "4s" },
                rule_files: [path.join(promDir, "rules.yaml")],
                scrape_configs: [{ job_name: "bots", metrics_path: "/metrics", static_configs: targets() }],
            }),
        );
        fs.mkdirSync(path.join(promDir, "data"));
        prom = spawn(
            "ip",
            ["netns", "exec", NODE_NETNS, promBin, `--config.file=${path.join(promDir, "prometheus.yml")}`, `--storage.tsdb.path=${path.join(promDir, "data")}`, `--web.listen-address=${NODE_IP}:${PROM_PORT}`],
            { env, stdio: ["ignore", "pipe", "pipe"] },
        );
        prom.stdout!.on("data", (d: Buffer) => (promLog += d.toString()));
        prom.stderr!.on("data", (d: Buffer) => (promLog += d.toString()));
        const until = Date.now() + 60_000;
        while ((await status(`${PROM}/-/ready`)) !== 200) {
            assert.ok(prom.exitCode === null && Date.now() < until, `Prometheus did not start:\n${promLog.slice(-2000)}`);
            await new Promise((r) => setTimeout(r, 500));
        }
    });

    after(async function () {
        prom?.kill("SIGTERM");
        if (promDir) {
            fs.rmSync(promDir, { recursive: true, force: true });
        }
        e2eAfter(env, ws, [NAMESPACE]);
    });

    it("Prometheus scrapes the web pods and the job queue: every target up, the route's series at 0", async function () {
        let up: number | undefined;
        const until = Date.now() + 120_000;
        while (Date.now() < until) {
            up = await query(`count(up{namespace="${NAMESPACE}"} == 1)`).catch(() => undefined);
            if (up === 2) {
                break;
            }
            await new Promise((r) => setTimeout(r, 2000));
        }
        assert.strictEqual(up, 2, `targets up: ${up}\n${promLog.slice(-2000)}`);
        assert.strictEqual(await query(`bots_jobqueue_up{namespace="${NAMESPACE}", job="bots-worker-metrics"}`), 1);
        assert.strictEqual(await query(`bots_files_with_errors{namespace="${NAMESPACE}", job="bots-web", route="${ROUTE}"}`), 0);
        assert.strictEqual(await query(`bots_web_ready{namespace="${NAMESPACE}"}`), 1);
    });

    it("an engine run over the plugin's samples shows in Prometheus as Bots' report table counts it; no alert fires", async function () {
        const run = await engineRun("e2e-prom-clean");
        assert.strictEqual(run.exit, 0);
        assert.ok(run.report.received > 0 && run.report.errors === 0, JSON.stringify(run.report));
        // Every run Bots recorded (the job queue may have run one too), read in a web pod.
        const report = (): { received: number; sent: number; errors: number; runs: number } =>
            JSON.parse(kubectl(env, ["-n", NAMESPACE, "exec", webPod(), "--", "bots-entrypoint", "shell", "python3", "-c", REPORT_SUMS]).trim().split("\n").pop()!);
        const sums = report();
        assert.ok(sums.received >= run.report.received, JSON.stringify(sums));
        const seen = async () => query(`bots_files_received{namespace="${NAMESPACE}", route="${ROUTE}"}`);
        const until = Date.now() + 60_000;
        while ((await seen()) !== sums.received && Date.now() < until) {
            await new Promise((r) => setTimeout(r, 2000));
        }
        assert.strictEqual(await seen(), sums.received);
        assert.strictEqual(await query(`bots_files_sent{namespace="${NAMESPACE}", route="${ROUTE}"}`), sums.sent);
        assert.strictEqual(await query(`sum(bots_engine_runs{namespace="${NAMESPACE}"})`), sums.runs);
        assert.strictEqual(await query(`bots_engine_last_run_failed{namespace="${NAMESPACE}"}`), 0);
        process.stdout.write(`      (Bots' report table: ${sums.runs} run(s), ${sums.received} received, ${sums.sent} sent; Prometheus the same)\n`);
        // Two evaluations later, still nothing firing.
        await new Promise((r) => setTimeout(r, 11_000));
        assert.deepStrictEqual((await alerts()).filter((a) => a.state === "firing"), []);
    });

    it("an EDI error (a file that is not EDIFACT in the route's inbox) fires BotsFilesWithErrors and BotsEngineRunFailed", async function () {
        kubectl(env, ["-n", NAMESPACE, "exec", "-i", webPod(), "--", "sh", "-c", `cat > ${INBOX}/broken.edi`], "this is not an EDIFACT interchange\n");
        const run = await engineRun("e2e-prom-error");
        assert.strictEqual(run.exit, 2, "Bots' exit code for EDI errors");
        assert.strictEqual(run.report.errors, 1);
        const t0 = Date.now();
        let firing: { name: string; state: string; labels: Record<string, string> }[] = [];
        while (Date.now() - t0 < 120_000) {
            firing = (await alerts()).filter((a) => a.state === "firing");
            if (["BotsFilesWithErrors", "BotsEngineRunFailed"].every((n) => firing.some((a) => a.name === n))) {
                break;
            }
            await new Promise((r) => setTimeout(r, 2000));
        }
        process.stdout.write(`      (firing ${((Date.now() - t0) / 1000).toFixed(0)} s after the run ended: ${firing.map((a) => a.name).join(", ")})\n`);
        const files = firing.find((a) => a.name === "BotsFilesWithErrors");
        assert.ok(files, `BotsFilesWithErrors is not firing: ${JSON.stringify(await alerts())}`);
        assert.deepStrictEqual(files.labels, { alertname: "BotsFilesWithErrors", namespace: NAMESPACE, route: ROUTE, severity: "warning" });
        assert.ok(firing.some((a) => a.name === "BotsEngineRunFailed"), JSON.stringify(firing));
        assert.ok(!firing.some((a) => a.name === "BotsWebDown"), "the web UI is up");
    });
});
