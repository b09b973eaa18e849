// End to end, backups (issue 17): a SQLite stack on the real node backs up on its schedule to a
// real S3-compatible server (SeaweedFS, test/support/s3-server.sh, on the node's link) started by
// this spec. The fault: the server down during a backup fails that Job with a clear log and leaves
// the earlier backup intact. The drill: translate EDI files, let the scheduled backup run, lose
// everything (the namespace with its claim, the stack itself), `up` a new stack of the same name
// from empty, `npm run backup -- restore --id latest`, and check every table's rows and every
// file's hash against the lost stack, the lost stack's superuser password, and the next engine run.
// Run with `npm run test:e2e` (test/e2e/run.sh); E2E_VERBOSE=1 streams Pulumi's output.
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { Stack } from "@pulumi/pulumi/automation";
import { engineReport } from "../support/engine-report";
import { E2eWorkspace, HOST_IP, Json, REPO_ROOT, SQLITE, SUFFIX, e2eAfter, e2eBefore, getJson, kubectl, kubectlTry, loadImage, log, selectStack, setLocalConfig, sh, waitFor } from "./support";

const STACK = `backup${SUFFIX}`;
const NAMESPACE = `bots-e2e-backup${SUFFIX}`;
const S3_PORT = process.env.BOTS_E2E_S3_PORT ?? "18420";
const S3 = { BOTS_S3_PORT: S3_PORT, BOTS_S3_BIND: HOST_IP, BOTS_S3_DIR: process.env.BOTS_E2E_S3_DIR ?? `/var/tmp/bots-e2e-s3-${S3_PORT}` };

// Every table's rows (sorted) and the sha256 of every file under usersys and botssys, in a pod.
const STATE_PY = `
import hashlib, json, os
from bots_runtime.bootstrap import init_bots
from bots_runtime.paths import env_dir
init_bots(quiet=True)
from django.db import connection
tables = {}
with connection.cursor() as c:
    for t in sorted(connection.introspection.table_names()):
        if t in ("django_session", "mutex"):
            continue
        c.execute(f"SELECT * FROM {connection.ops.quote_name(t)}")
        tables[t] = sorted(json.dumps([str(v) for v in row]) for row in c.fetchall())
files = {}
for part in ("usersys", "botssys"):
    for root, dirs, names in os.walk(os.path.join(env_dir(), part)):
        dirs[:] = [d for d in dirs if d not in ("sqlitedb", "__pycache__", "logging")]
        for n in names:
            p = os.path.join(root, n)
            files[os.path.relpath(p, env_dir())] = hashlib.sha256(open(p, "rb").read()).hexdigest()
print(json.dumps({"tables": tables, "files": files}))
`;
const TABLES_PY = `
from bots_runtime.bootstrap import init_bots
init_bots(quiet=True)
from django.db import connection
print(" ".join(sorted(connection.introspection.table_names())))
`;
const LOGIN_PY = `
import sys
from bots_runtime.bootstrap import init_bots
init_bots(quiet=True)
from django.contrib.auth import authenticate
print("login", "ok" if authenticate(username="admin", password=sys.stdin.read()) else "refused")
`;

describe("e2e: backups to S3 and a restore from nothing, on a real node", function () {
    this.timeout(40 * 60 * 1000);

    let env: Record<string, string>;
    let ws: E2eWorkspace;
    let stack: Stack;
    let image: string;
    let s3: Record<string, string>;
    const timings: Record<string, number> = {};
    const s3Server = (cmd: string) => sh(env, "bash", ["test/support/s3-server.sh", cmd], S3);
    const k = (args: string[], input?: string) => kubectl(env, ["-n", NAMESPACE, ...args], input);

    // A schedule that does not fire during the spec: for the engine run that must not meet a
    // backup (a backup going on rightly makes it skip), and for the stack deployed again after the
    // loss, whose own (empty) backup would otherwise become `latest` before the restore.
    const NOT_DURING_THE_SPEC = "0 0 1 1 *";

    /** `up` with backups on the given schedule; its time in timings[timing]. */
    async function deploy(backupSchedule: string, timing: string): Promise<void> {
        stack = await selectStack(ws, STACK);
        await setLocalConfig(stack, env, {
            namespace: NAMESPACE,
            imageRef: image,
            ...SQLITE,
            engineSuspend: "true",
            storageClass: "local-rwx",
            workerEnabled: "false",
            backupEnabled: "true",
            backupTarget: "s3",
            backupSchedule,
            backupS3Endpoint: s3.S3_ENDPOINT,
            backupS3Bucket: "bots-e2e-backups",
            backupRetentionCount: "5",
            botsActivateRoutes: ["myfirstroute"],
        }, { backupS3AccessKeyId: s3.S3_ACCESS_KEY, backupS3SecretAccessKey: s3.S3_SECRET_KEY });
        const t0 = Date.now();
        const res = await stack.up({ onOutput: log });
        assert.strictEqual(res.summary.result, "succeeded");
        timings[timing] = (Date.now() - t0) / 1000;
    }

    const webPod = (): string =>
        getJson(env, ["-n", NAMESPACE, "get", "pods", "-l", "app.kubernetes.io/component=web"]).items.find(
            (p: Json) => !p.metadata.deletionTimestamp && p.status.phase === "Running",
        ).metadata.name;
    /** Waits until a restore's writers are started again: a web pod runs (webPod throws until then). */
    const webPodBack = () =>
        waitFor("the web pod is back", () => {
            try {
                return webPod() !== undefined;
            } catch {
                return false;
            }
        }, 300_000, 2000);
    const inPod = (code: string, input?: string) => k(["exec", "-i", webPod(), "--", "bots-entrypoint", "shell", "python3", "-c", code], input);
    const state = () => JSON.parse(inPod(STATE_PY).trim().split("\n").at(-1)!);

    async function jobEnds(name: string, timeoutMs = 600_000): Promise<Json> {
        await waitFor(`Job ${name} ended`, () => {
            const j = kubectlTry(env, ["-n", NAMESPACE, "get", "job", name, "-o", "json"]);
            return j.ok && (JSON.parse(j.out).status.conditions ?? []).some((c: Json) => ["Complete", "Failed"].includes(c.type) && c.status === "True");
        }, timeoutMs, 2000);
        return getJson(env, ["-n", NAMESPACE, "get", "job", name]);
    }
    const complete = (j: Json) => (j.status.conditions ?? []).some((c: Json) => c.type === "Complete" && c.status === "True");

    async function engineRun(name: string): Promise<ReturnType<typeof engineReport>> {
        k(["create", "job", name, "--from=cronjob/bots-engine"]);
        const j = await jobEnds(name);
        const logs = k(["logs", `job/${name}`]);
        assert.ok(complete(j), logs.slice(-2000));
        assert.match(logs, /files received\/processed in run/, logs.slice(-2000));
        return engineReport(logs);
    }

    /** `npm run backup -- ARGS` as an operator runs it, in the project directory with the stack's backend. */
    function backupCommand(args: string[]): { code: number; out: string } {
        const r = spawnSync("bash", [`${REPO_ROOT}/scripts/backup.sh`, ...args], { cwd: ws.workDir, env: { ...env, ...ws.envVars }, encoding: "utf8", timeout: 1_800_000 });
        return { code: r.status ?? -1, out: r.stdout + r.stderr };
    }

    before(async function () {
        ({ env, image, ws } = e2eBefore({ namespaces: [NAMESPACE] }));
        s3Server("wipe");
        s3 = Object.fromEntries(s3Server("start").trim().split("\n").filter((l) => l.includes("=")).map((l) => l.split(/=(.*)/s).slice(0, 2)));
        assert.match(s3.S3_ENDPOINT, new RegExp(`^http://${HOST_IP.replace(/\./g, "\\.")}:${S3_PORT}$`));
    });

    after(async function () {
        e2eAfter(env, ws, [NAMESPACE], () => s3Server("stop"));
        process.stdout.write(`      (timings, s: ${JSON.stringify(timings)})\n`);
    });

    let lost: { tables: Record<string, string[]>; files: Record<string, string> };
    let lostPassword: string;
    let firstRun: ReturnType<typeof engineReport>;
    let scheduled: string;

    it("deploys with backups on, translates the plugin's EDI files, and the scheduled backup lands in the bucket", async function () {
        await deploy(NOT_DURING_THE_SPEC, "up");
        firstRun = await engineRun("e2e-engine-1");
        assert.strictEqual(firstRun.received, 3);
        // Then every minute, for a scheduled backup of what the run received.
        await deploy("* * * * *", "upScheduleChange");
        const t0 = Date.now();
        await waitFor("a scheduled backup Job completed", () => {
            const jobs = getJson(env, ["-n", NAMESPACE, "get", "jobs", "-l", "app.kubernetes.io/component=backup"]).items;
            return jobs.some((j: Json) => j.metadata.ownerReferences?.[0]?.kind === "CronJob" && complete(j));
        }, 300_000, 3000);
        timings.waitScheduledBackup = (Date.now() - t0) / 1000;
        const job = getJson(env, ["-n", NAMESPACE, "get", "jobs", "-l", "app.kubernetes.io/component=backup"]).items.find((j: Json) => complete(j));
        const logs = k(["logs", `job/${job.metadata.name}`]);
        scheduled = /backup (\d{8}T\d{6}Z) complete/.exec(logs)?.[1] ?? "";
        assert.ok(scheduled, logs);
        assert.match(logs, new RegExp(`at s3://bots-e2e-backups/bots-backups/${STACK}/${scheduled}/`));
        // Suspended from here on: the drill and the fault run their backups themselves.
        k(["patch", "cronjob", "bots-backup", "--type=merge", "-p", '{"spec":{"suspend":true}}']);
        const listed = backupCommand(["list", "--stack", STACK]);
        assert.strictEqual(listed.code, 0, listed.out);
        assert.match(listed.out, new RegExp(`${scheduled}\\s+\\S+\\s+\\S+\\s+yes`));
    });

    it("S3 down during a backup: the Job fails with a clear log, and the earlier backups still verify", async function () {
        s3Server("stop");
        try {
            k(["create", "job", "e2e-backup-s3-down", "--from=cronjob/bots-backup"]);
            const j = await jobEnds("e2e-backup-s3-down");
            const logs = k(["logs", "job/e2e-backup-s3-down"]);
            assert.ok(!complete(j), "the backup Job failed");
            assert.match(logs, /bots-backup: ERROR: S3 (bucket check|upload) on s3:\/\/bots-e2e-backups\/bots-backups\/.*(Connection refused|Max retries|NewConnectionError)/, logs);
            process.stdout.write(`      (log: ${logs.trim().split("\n").filter((l) => l.includes("ERROR")).join(" ").slice(0, 300)})\n`);
        } finally {
            s3Server("start");
        }
        const listed = backupCommand(["list", "--stack", STACK]);
        assert.strictEqual(listed.code, 0, listed.out);
        assert.match(listed.out, new RegExp(`${scheduled}\\s+\\S+\\s+\\S+\\s+yes`));
        assert.doesNotMatch(listed.out, / no: /, listed.out);
        process.stdout.write(listed.out.split("\n").filter((l) => /^ID|^\d{8}T/.test(l)).map((l) => `      | ${l}\n`).join(""));
    });

    it("loses everything, comes up from empty, restores latest: same rows, same files, the old superuser, the same next run", async function () {
        // A backup taken now, so `latest` holds exactly the state recorded below.
        const taken = backupCommand(["run", "--stack", STACK]);
        assert.strictEqual(taken.code, 0, taken.out);
        const takenId = /backup (\d{8}T\d{6}Z) complete/.exec(taken.out)![1];
        lost = state();
        assert.ok(lost.tables.ta.length > 0 && Object.keys(lost.files).some((f) => f.startsWith("botssys/data/")));
        lostPassword = Buffer.from(
            getJson(env, ["-n", NAMESPACE, "get", "secrets"]).items.find((s: Json) => s.data?.SUPERUSER_PASSWORD).data.SUPERUSER_PASSWORD,
            "base64",
        ).toString();

        // Lost: the namespace with the claim and the SQLite database on it, and the stack.
        kubectl(env, ["delete", "namespace", NAMESPACE, "--wait=true", "--timeout=300s"]);
        const rm = spawnSync("pulumi", ["stack", "rm", "--force", "--yes", "-s", STACK], { cwd: ws.workDir, env: { ...env, ...ws.envVars }, encoding: "utf8" });
        assert.strictEqual(rm.status, 0, rm.stderr);
        await deploy(NOT_DURING_THE_SPEC, "upAfterLoss");
        const empty = state();
        assert.strictEqual(empty.tables.ta.length, 0, "the new stack starts with an empty database");

        const t0 = Date.now();
        const restored = backupCommand(["restore", "--stack", STACK, "--id", "latest"]);
        timings.restore = (Date.now() - t0) / 1000;
        process.stdout.write(restored.out.split("\n").filter((l) => /^(backup|bots-backup): /.test(l)).map((l) => `      | ${l}\n`).join(""));
        assert.strictEqual(restored.code, 0, restored.out);
        assert.match(restored.out, new RegExp(`backup ${takenId} verifies`), "latest is the backup taken before the loss");
        await webPodBack();
        const back = state();
        assert.deepStrictEqual(Object.keys(back.tables), Object.keys(lost.tables));
        for (const t of Object.keys(lost.tables)) {
            assert.deepStrictEqual(back.tables[t], lost.tables[t], `rows of ${t}`);
        }
        assert.deepStrictEqual(back.files, lost.files, "file hashes");
        assert.match(inPod(LOGIN_PY, lostPassword), /login ok/, "the lost stack's superuser logs in with its password");
        assert.strictEqual(getJson(env, ["-n", NAMESPACE, "get", "cronjob", "bots-engine"]).spec.suspend, true, "the engine CronJob as it was");
        const next = await engineRun("e2e-engine-after-restore");
        assert.deepStrictEqual(next, firstRun, "the next run receives what a run on the lost stack received");
    });

    it("rollback drill: an upgrade that migrates the schema, rolled back to the older digest with the backup taken before it", async function () {
        const pre = backupCommand(["run", "--stack", STACK]);
        assert.strictEqual(pre.code, 0, pre.out);
        const preId = /backup (\d{8}T\d{6}Z) complete/.exec(pre.out)![1];
        const before = state();
        const olderTables = inPod(TABLES_PY).trim().split("\n").at(-1)!;

        // The newer Bots: the operators' tree plus one migration, built as run.sh builds the image.
        const tree = fs.mkdtempSync("/var/tmp/bots-e2e-newer-tree-");
        fs.cpSync(path.join(REPO_ROOT, "..", "shared", "upstream", "bots"), tree, { recursive: true });
        fs.writeFileSync(path.join(tree, "bots", "migrations", "0004_drill_newer_schema.py"),
            "from django.db import migrations\n\n\nclass Migration(migrations.Migration):\n    dependencies = [('bots', '0003_merge')]\n" +
            "    operations = [migrations.RunSQL('CREATE TABLE drill_newer (id integer PRIMARY KEY)', 'DROP TABLE drill_newer')]\n");
        const t0 = Date.now();
        try {
            const built = sh(env, "bash", ["test/e2e/image.sh", `${process.env.BOTS_E2E_IMAGE}-newer-schema`], { BOTS_E2E_BOTS_SOURCE: tree });
            const newer = loadImage(env, built.trim().split("\n").at(-1)!);
            await setLocalConfig(stack, env, { imageRef: newer });
            assert.strictEqual((await stack.up({ onOutput: log })).summary.result, "succeeded");
        } finally {
            fs.rmSync(tree, { recursive: true, force: true });
        }
        assert.match(inPod(TABLES_PY), /drill_newer/, "the newer Bots migrated the schema");

        // Back to the older digest, then its backup.
        await setLocalConfig(stack, env, { imageRef: image });
        assert.strictEqual((await stack.up({ onOutput: log })).summary.result, "succeeded");
        const restored = backupCommand(["restore", "--stack", STACK, "--id", preId]);
        assert.strictEqual(restored.code, 0, restored.out);
        await webPodBack();
        timings.rollbackDrill = (Date.now() - t0) / 1000;
        assert.strictEqual(inPod(TABLES_PY).trim().split("\n").at(-1), olderTables, "the older schema, exactly");
        const back = state();
        for (const t of Object.keys(before.tables)) {
            assert.deepStrictEqual(back.tables[t], before.tables[t], `rows of ${t}`);
        }
        assert.deepStrictEqual(back.files, before.files, "file hashes");
    });
});
