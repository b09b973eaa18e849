// End to end, issue 15: the operators' running installation moved onto the program, on the real node.
// The fork's image is built from its own Dockerfile, its Kustomize base applied through an overlay
// of this test's (storage class, image, no cert-manager or Ingress, no images it cannot pull), with
// MariaDB as its MySQL. Real state is made through the fork: database initialised, superuser
// created, a plugin read in by Bots' reader, an engine run, a partner added in its web UI. Then
// `npm run migrate:fork` plans, is killed after the writers stopped (undone, then resumed), and the
// migrated stack is checked: same rows in every table, same files, the old password logs in, the
// partner is there, a new engine run translates, a preview is clean, no fork workload runs.
import * as assert from "assert";
import { ChildProcess, spawn, spawnSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as http from "http";
import * as os from "os";
import * as path from "path";
import { EngineEvent, Stack } from "@pulumi/pulumi/automation";
import { E2eWorkspace, HOST_IP, Json, PROJECT, REPO_ROOT, SUFFIX, e2eAfter, e2eBefore, getJson, kubectl, kubectlTry, loadImage, portForward, selectStack, sh, stepsOf, waitFor } from "./support";

// A second run on the same cluster (another work tree) keeps apart with BOTS_E2E_SUFFIX (namespace,
// database server) and BOTS_E2E_MYSQL_PORT.
const NS = `bots-e2e-fork${SUFFIX}`;
const STACK = "fork";
const BOTSENV = "dev";
const DB = "botsedi_data";
const DB_USER = "botsedi";
const MYSQL = {
    BOTS_TEST_MYSQL_PORT: process.env.BOTS_E2E_MYSQL_PORT ?? "53317",
    BOTS_TEST_MYSQL_DIR: `/var/tmp/bots-e2e-mysql${SUFFIX}`,
    BOTS_TEST_MYSQL_BIND: `127.0.0.1,${HOST_IP}`,
};
const SUPERUSER = { name: "edi-admin", password: `fork-${crypto.randomBytes(9).toString("hex")}` };
const PARTNER = "ACMEFORK";
const UPSTREAM = path.resolve(REPO_ROOT, "..", "shared", "upstream");
const PLUGIN = path.join(UPSTREAM, "bots-plugins", "demo", "my_first_plugin");
// The fork runs its engine on a schedule; here once a year, so only the test's runs process files.
const FORK_SCHEDULE = "0 3 1 1 *";
/** Bots' records of engine runs: a run of the migrated stack adds rows to them. */
const RUN_RECORDS = ["ta", "report", "filereport"];

describe("e2e: the fork's running installation moved onto the program (issue 15)", function () {
    this.timeout(40 * 60 * 1000);

    let env: Record<string, string>;
    let ws: E2eWorkspace;
    let stack: Stack;
    let overlay: string;
    let dataDir: string;
    const dbPassword = `db-${crypto.randomBytes(12).toString("hex")}`;
    const djangoKey = crypto.randomBytes(32).toString("hex");
    const log = (s: string) => process.stdout.write(`      ${s}\n`);
    const mysql = (args: string[], extra: Record<string, string> = {}) => sh(env, "bash", ["test/image/mysql-server.sh", ...args], { ...MYSQL, ...extra });
    const sql = (query: string) => mysql(["sql", DB, query]).trim();
    const k = (args: string[], input?: string) => kubectl(env, ["-n", NS, ...args], input);
    const target = () => ["--kubeconfig", env.BOTS_KUBECONFIG, "--context", env.BOTS_KUBE_CONTEXT, "--namespace", NS];

    /** Every table of the database, its rows as MariaDB prints them (sorted). */
    const tables = (): Record<string, string[]> => {
        const names = sql(`SELECT table_name FROM information_schema.tables WHERE table_schema='${DB}' ORDER BY 1`).split("\n");
        return Object.fromEntries(names.map((t) => [t, sql(`SELECT * FROM \`${t}\``).split("\n").filter(Boolean).sort()]));
    };
    /** sha256 of every file under usersys and botssys of the Bots environment (Bots' log files aside). */
    const files = (): Record<string, string> => {
        const root = path.join(dataDir, "env", BOTSENV);
        const out: Record<string, string> = {};
        const walk = (dir: string) => {
            for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
                const full = path.join(dir, e.name);
                const rel = path.relative(root, full);
                if (rel === path.join("botssys", "logging") || e.name === "__pycache__") {
                    continue;
                }
                if (e.isDirectory()) {
                    walk(full);
                } else if (e.isFile()) {
                    out[rel] = crypto.createHash("sha256").update(fs.readFileSync(full)).digest("hex");
                }
            }
        };
        for (const d of ["usersys", "botssys"]) {
            walk(path.join(root, d));
        }
        return out;
    };
    /** The engine's report rows after idta `after`: received, without errors ("done") and sent, one per run. */
    const runsSince = (after: number) =>
        sql(`SELECT lastreceived, lastdone, send FROM report WHERE idta > ${after} ORDER BY idta`)
            .split("\n")
            .filter(Boolean)
            .map((r) => {
                const [received, ok, sent] = r.split("\t").map(Number);
                return { received, ok, sent };
            });
    const lastReport = () => Number(sql("SELECT COALESCE(MAX(idta), 0) FROM report"));
    /** Waits for a Job to finish; a failed one fails the test with its pod's log. */
    const jobDone = async (name: string) => {
        const finished = (type: string) => (getJson(env, ["-n", NS, "get", "job", name]).status?.conditions ?? []).some((c: Json) => c.type === type && c.status === "True");
        let logs = "";
        await waitFor(`Job ${name} to finish`, () => {
            logs = kubectlTry(env, ["-n", NS, "logs", `job/${name}`, "--tail=40"]).out || logs;
            return finished("Complete") || finished("Failed");
        }, 600_000, 2000);
        assert.ok(finished("Complete"), `Job ${name} failed:\n${logs}`);
    };
    const available = (name: string) => waitFor(`Deployment ${name} available`, () => {
        const d = getJson(env, ["-n", NS, "get", "deployment", name]);
        return (d.status?.availableReplicas ?? 0) >= (d.spec.replicas ?? 1) && d.status?.observedGeneration === d.metadata.generation;
    }, 600_000, 2000);
    /** The route's inbox on the volume (the plugin's in-channel path). */
    const inbox = () => path.join(dataDir, "env", BOTSENV, "botssys", "infile", "my_first_plugin");
    /** Drops the plugin's sample orders into the route's inbox on the volume, as the engine's pods would see them. */
    const dropSamples = () => {
        const src = path.join(PLUGIN, "botssys", "infile");
        const dest = path.join(dataDir, "env", BOTSENV, "botssys", "infile");
        fs.cpSync(src, dest, { recursive: true });
        spawnSync("chown", ["-R", "10001:10001", dest]);
        spawnSync("chmod", ["-R", "u+w", dest]);
    };

    /** `npm run migrate:fork` as the operator types it, in the stack's project directory. */
    const migrate = (args: string[], opts: { killAfter?: RegExp } = {}): Promise<{ code: number | null; out: string; seconds: number }> =>
        new Promise((resolve, reject) => {
            const t0 = Date.now();
            const child: ChildProcess = spawn("bash", [path.join(ws.workDir, "scripts", "migrate-fork.sh"), ...args], {
                cwd: ws.workDir,
                env: { ...env, ...ws.envVars },
                detached: true,
            });
            let out = "";
            const onData = (d: Buffer) => {
                out += d.toString();
                if (opts.killAfter && opts.killAfter.test(out) && child.exitCode === null) {
                    // The whole process group, at once: as if the operator's terminal died.
                    process.kill(-child.pid!, "SIGKILL");
                }
            };
            child.stdout!.on("data", onData);
            child.stderr!.on("data", onData);
            child.on("error", reject);
            child.on("close", (code) => resolve({ code, out, seconds: (Date.now() - t0) / 1000 }));
        });

    /** A browser's session on a web UI behind a port-forward: login form, cookies, CSRF token. */
    const session = (port: number) => {
        const cookies: Record<string, string> = {};
        const request = (method: string, urlPath: string, form?: Record<string, string>): Promise<{ status: number; body: string; location?: string }> =>
            new Promise((resolve, reject) => {
                const body = form ? new URLSearchParams(form).toString() : undefined;
                const req = http.request(
                    {
                        host: "127.0.0.1",
                        port,
                        path: urlPath,
                        method,
                        agent: false,
                        headers: {
                            Host: "localhost",
                            Cookie: Object.entries(cookies).map(([n, v]) => `${n}=${v}`).join("; "),
                            ...(body ? { "Content-Type": "application/x-www-form-urlencoded", "Content-Length": Buffer.byteLength(body), Referer: `http://localhost${urlPath}` } : {}),
                        },
                        timeout: 30_000,
                    },
                    (res) => {
                        for (const c of res.headers["set-cookie"] ?? []) {
                            const [pair] = c.split(";");
                            const i = pair.indexOf("=");
                            cookies[pair.slice(0, i)] = pair.slice(i + 1);
                        }
                        let text = "";
                        res.on("data", (d: Buffer) => (text += d.toString()));
                        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text, location: res.headers.location }));
                    },
                );
                req.on("timeout", () => req.destroy(new Error(`${method} ${urlPath} timed out`)));
                req.on("error", reject);
                req.end(body);
            });
        const csrf = (html: string) => /name="csrfmiddlewaretoken" value="([^"]+)"/.exec(html)?.[1] ?? "";
        return {
            request,
            csrf,
            async login(user: string, password: string): Promise<boolean> {
                const page = await request("GET", "/login/");
                const r = await request("POST", "/login/", { username: user, password, csrfmiddlewaretoken: csrf(page.body), next: "/bots/home" });
                return r.status === 302 && !/login/.test(r.location ?? "");
            },
        };
    };

    /** The fields of the first form of a Django admin page, as a browser would submit them unchanged. */
    const formFields = (html: string): Record<string, string> => {
        const form = /<form[^>]*id="partner_form"[^>]*>([\s\S]*?)<\/form>/.exec(html)?.[1] ?? html;
        const fields: Record<string, string> = {};
        for (const m of form.matchAll(/<input\b([^>]*)>/g)) {
            const attr = (n: string) => new RegExp(`\\b${n}="([^"]*)"`).exec(m[1])?.[1];
            const name = attr("name");
            const type = attr("type") ?? "text";
            if (!name || type === "submit" || ((type === "checkbox" || type === "radio") && !/\bchecked\b/.test(m[1]))) {
                continue;
            }
            fields[name] = type === "checkbox" ? (attr("value") ?? "on") : (attr("value") ?? "");
        }
        for (const m of form.matchAll(/<select\b[^>]*name="([^"]+)"[^>]*>([\s\S]*?)<\/select>/g)) {
            const selected = /<option value="([^"]*)"[^>]*selected/.exec(m[2]);
            if (selected) {
                fields[m[1]] = selected[1];
            }
        }
        for (const m of form.matchAll(/<textarea\b[^>]*name="([^"]+)"[^>]*>([\s\S]*?)<\/textarea>/g)) {
            fields[m[1]] = m[2].trim();
        }
        return fields;
    };

    before(async function () {
        if (!fs.existsSync(path.join(UPSTREAM, "fork", "Dockerfile"))) {
            this.skip();
        }
        ({ env, ws } = e2eBefore({ namespaces: [NS], image: false, pvPool: 6 }));

        // The two images: the fork's, from its Dockerfile; the program's, Bots 4 without plugins
        // (the installation's configuration is in its database already).
        const forkLocal = sh(env, "bash", ["test/e2e/fork-image.sh", "bots-fork:e2e"]).trim().split("\n").pop()!;
        const forkRef = loadImage(env, forkLocal);
        const stackLocal = sh(env, "bash", ["test/e2e/image.sh", "bots-node-test:e2e-noplugin"], { BOTS_E2E_PLUGIN: "none" }).trim().split("\n").pop()!;
        const stackRef = loadImage(env, stackLocal);
        log(`fork image ${forkRef}; program image ${stackRef}`);

        // MariaDB as the fork's MySQL, on the node's link so its pods reach it.
        mysql(["start"]);
        mysql(["createdb", DB]);
        mysql(["grant", DB, DB_USER, "198.51.100.%"], { BOTS_TEST_MYSQL_PASSWORD: dbPassword });

        // The operators' Kustomize tree, with an overlay of this test's own.
        overlay = fs.mkdtempSync(path.join(os.tmpdir(), "bots-e2e-fork-k3s-"));
        fs.cpSync(path.join(UPSTREAM, "fork", "k3s", "kustomized"), overlay, { recursive: true });
        // ../shared is read-only in CI, and the copy keeps its modes.
        spawnSync("chmod", ["-R", "u+w", overlay]);
        const e2e = path.join(overlay, "overlays", "e2e");
        fs.mkdirSync(e2e);
        // The dev overlay's bots.ini and settings.py (kustomize reads files only below the overlay),
        // with Bots' acceptance-test mode off: the fork's files turn it on, and in it the plugin's
        // acceptance script fails the engine run before any EDI is exchanged.
        const ini = fs.readFileSync(path.join(overlay, "overlays", "dev", "config", "bots.ini"), "utf8");
        assert.match(ini, /^runacceptancetest = True$/m);
        fs.writeFileSync(path.join(e2e, "bots.ini"), ini.replace(/^runacceptancetest = True$/m, "runacceptancetest = False"));
        fs.copyFileSync(path.join(overlay, "overlays", "dev", "config", "settings.py"), path.join(e2e, "settings.py"));
        const botsContainers = (kind: string, name: string, containers: string[], base = "/spec/template/spec") =>
            ({ target: { kind, name }, patch: JSON.stringify(containers.map((_, i) => ({ op: "add", path: `${base}/containers/${i}/imagePullPolicy`, value: "IfNotPresent" }))) });
        const kustomization = {
            apiVersion: "kustomize.config.k8s.io/v1beta1",
            kind: "Kustomization",
            namespace: NS,
            resources: ["../../base"],
            configMapGenerator: [
                { name: "bots-config-ini", files: ["bots.ini"] },
                { name: "bots-config-settings", files: ["settings.py"] },
            ],
            images: [{ name: "harbor.pminc.me/priv/bots-edi-k3s", newName: forkRef.split("@")[0], digest: forkRef.split("@")[1] }],
            patches: [
                // No cert-manager and no ingress controller on this cluster.
                { target: { kind: "Certificate" }, patch: "$patch: delete\napiVersion: cert-manager.io/v1\nkind: Certificate\nmetadata:\n  name: any" },
                { target: { kind: "Ingress", name: "bots-edi-ingress" }, patch: "$patch: delete\napiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: any" },
                { target: { kind: "Ingress", name: "bots-filebrowser-ingress" }, patch: "$patch: delete\napiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: any" },
                ...["bots-edi-data-pvc", "bots-edi-logs-pvc", "bots-edi-config-pvc"].map((name) => ({
                    target: { kind: "PersistentVolumeClaim", name },
                    patch: JSON.stringify([{ op: "replace", path: "/spec/storageClassName", value: "local-rwx" }]),
                })),
                // The filebrowser's image is not to be had here: the web pod runs Bots alone.
                { target: { kind: "Deployment", name: "bots-webserver" }, patch: JSON.stringify([{ op: "remove", path: "/spec/template/spec/containers/1" }]) },
                botsContainers("Deployment", "bots-webserver", ["webserver"]),
                botsContainers("Deployment", "bots-jobqueue", ["jobqueue"]),
                botsContainers("Job", "bots-db-init", ["db-init"]),
                botsContainers("Job", "bots-create-superuser", ["create-superuser"]),
                botsContainers("CronJob", "bots-engine", ["engine"], "/spec/jobTemplate/spec/template/spec"),
                { target: { kind: "CronJob", name: "bots-engine" }, patch: JSON.stringify([{ op: "replace", path: "/spec/schedule", value: FORK_SCHEDULE }]) },
                // git-sync and the S3 mover need images and servers this machine does not have: present, not running.
                { target: { kind: "Deployment", name: "bots-mappings-sync" }, patch: JSON.stringify([{ op: "replace", path: "/spec/replicas", value: 0 }]) },
                { target: { kind: "CronJob", name: "bots-minio-helper-cron" }, patch: JSON.stringify([{ op: "add", path: "/spec/suspend", value: true }]) },
            ],
        };
        fs.writeFileSync(path.join(e2e, "kustomization.yaml"), JSON.stringify(kustomization, null, 2));

        // The operators' Secrets (k3s/secrets/ templates, filled in), then the overlay.
        kubectl(env, ["create", "namespace", NS]);
        const secret = (name: string, data: Record<string, string>) =>
            k(["create", "-f", "-"], JSON.stringify({ apiVersion: "v1", kind: "Secret", metadata: { name, labels: { app: "bots-edi" } }, type: "Opaque", stringData: data }));
        secret("bots-edidb-secret", { DB_NAME: DB, DB_USER, DB_HOST: HOST_IP, DB_PORT: MYSQL.BOTS_TEST_MYSQL_PORT, DB_PASSWORD: dbPassword, DJANGO_SECRET_KEY: djangoKey });
        secret("bots-superuser-secret", { SUPERUSER_USERNAME: SUPERUSER.name, SUPERUSER_EMAIL: "edi@example.com", SUPERUSER_PASSWORD: SUPERUSER.password });
        kubectl(env, ["apply", "-k", e2e]);

        stack = await selectStack(ws, STACK);
        // What the operator sets before the migration: which image the stack runs. The rest comes from
        // the plan, the cluster keys included (not setLocalConfig, which would write those first).
        await stack.setAllConfig({
            [`${PROJECT}:imageMode`]: { value: "existing" },
            [`${PROJECT}:imageRef`]: { value: stackRef },
        });
    });

    after(async function () {
        e2eAfter(
            env,
            ws,
            [NS],
            () => spawnSync("bash", ["test/image/mysql-server.sh", "stop"], { cwd: REPO_ROOT, env: { ...env, ...MYSQL } }),
            () => overlay && fs.rmSync(overlay, { recursive: true, force: true }),
        );
    });

    let webPort: { port: number; stop(): void } | undefined;
    afterEach(() => {
        webPort?.stop();
        webPort = undefined;
    });

    it("the fork runs as its operators run it: database initialised, superuser created", async function () {
        await jobDone("bots-db-init");
        await jobDone("bots-create-superuser");
        await available("bots-webserver");
        await available("bots-jobqueue");
        const claim = getJson(env, ["-n", NS, "get", "pvc", "bots-edi-data-pvc"]);
        dataDir = getJson(env, ["get", "pv", claim.spec.volumeName]).spec.local.path;
        assert.ok(fs.existsSync(path.join(dataDir, "env", BOTSENV)), "the fork laid out its botsenv on the claim");
        assert.strictEqual(sql(`SELECT is_superuser FROM auth_user WHERE username='${SUPERUSER.name}'`), "1");
    });

    it("real state through the fork: a plugin read in, an engine run that translates, a partner added in its web UI", async function () {
        // Bots' own plugin reader, in the fork's web container, on the plugin its image carries.
        const reader = [
            "import os, shutil, tempfile",
            "from bots import botsinit, botsglobal",
            `botsinit.generalinit('/home/bots/.bots/env/${BOTSENV}/config')`,
            // pluglib imports Bots' models, which need the settings generalinit loads.
            "from bots import pluglib",
            "import logging; botsglobal.logger = logging.getLogger('bots')",
            "z = shutil.make_archive(os.path.join(tempfile.mkdtemp(), 'plugin'), 'zip', '/usr/local/bots/plugins/demo/my_first_plugin')",
            "pluglib.read_plugin(z)",
            "print('plugin read')",
        ].join("\n");
        // The fork's entrypoint.sh seeds usersys only from /usr/local/bots/plugins/usersys, which the
        // plugins tree as its image ships it lacks: a new installation has no charsets (UNOA...).
        // Its operators seed it with Bots' own usersys, as bots-configure does; so does the test.
        const seed = [
            "import bots, os, shutil",
            `shutil.copytree(os.path.join(os.path.dirname(bots.__file__), 'usersys'), '/home/bots/.bots/env/${BOTSENV}/usersys', dirs_exist_ok=True)`,
        ].join("\n");
        k(["exec", "deploy/bots-webserver", "-c", "webserver", "--", "python", "-c", seed]);
        const read = k(["exec", "deploy/bots-webserver", "-c", "webserver", "--", "python", "-c", reader]);
        assert.match(read, /plugin read/);
        // Bots imports routes inactive; the operator switches the route on.
        sql("UPDATE routes SET active = 1 WHERE idroute = 'myfirstroute'");
        const before = lastReport();
        k(["create", "job", "fork-engine-run-1", "--from=cronjob/bots-engine"]);
        await jobDone("fork-engine-run-1");
        assert.deepStrictEqual(runsSince(before), [{ received: 3, ok: 3, sent: 1 }], "the plugin's counts through the fork's engine");
        // The demo route keeps its input files (its channel does not remove them); an inbox in
        // production is consumed. Emptied, so the stack's first runs find nothing to re-read (a
        // re-read would update the fork's ta rows of its merged output file).
        for (const f of fs.readdirSync(inbox())) {
            fs.rmSync(path.join(inbox(), f));
        }

        webPort = await portForward(env, NS, "deploy/bots-webserver", 8080);
        const ui = session(webPort.port);
        assert.ok(await ui.login(SUPERUSER.name, SUPERUSER.password), "the superuser logs in to the fork's web UI");
        const add = await ui.request("GET", "/admin/bots/partner/add/");
        assert.strictEqual(add.status, 200, add.body.slice(0, 500));
        const fields = { ...formFields(add.body), idpartner: PARTNER, name: "Acme (added through the fork's UI)", active: "on", _save: "Save" };
        const saved = await ui.request("POST", "/admin/bots/partner/add/", fields);
        assert.strictEqual(saved.status, 302, `the partner form was refused: ${(/errorlist[\s\S]{0,400}/.exec(saved.body) ?? [saved.body.slice(0, 400)])[0]}`);
        assert.strictEqual(sql(`SELECT name FROM partner WHERE idpartner='${PARTNER}'`), "Acme (added through the fork's UI)");
    });

    let planned: Json;
    it("plans the migration from the live installation without changing it", async function () {
        const before = getJson(env, ["-n", NS, "get", "deployments,cronjobs,configmaps,secrets,pvc"]).items.map((o: Json) => `${o.kind}/${o.metadata.name}@${o.metadata.resourceVersion}`).sort();
        const text = await migrate(["plan", ...target()]);
        assert.strictEqual(text.code, 0, text.out);
        log(`plan took ${text.seconds.toFixed(1)} s; it printed:\n${text.out.replace(/^/gm, "        | ")}`);
        for (const line of [/existingClaim\s+bots-edi-data-pvc/, /botsEnv\s+dev/, /databaseEngine\s+mysql/, /databaseExistingSecret\s+bots-edidb-secret/, /djangoSecretKey\s+\(secret\) copied from Secret bots-edidb-secret, key DJANGO_SECRET_KEY/]) {
            assert.match(text.out, line);
        }
        assert.ok(!text.out.includes(dbPassword) && !text.out.includes(djangoKey) && !text.out.includes(SUPERUSER.password), "the plan printed a secret value");
        const json = await migrate(["plan", "--plan-json", ...target()]);
        assert.strictEqual(json.code, 0, json.out);
        planned = JSON.parse(json.out.slice(json.out.indexOf("{")));
        const map = Object.fromEntries(planned.objects.map((o: Json) => [`${o.kind}/${o.name}`, o.action]));
        log(`object map: ${JSON.stringify(map)}`);
        assert.strictEqual(map["PersistentVolumeClaim/bots-edi-logs-pvc"], "left alone");
        assert.strictEqual(map["PersistentVolumeClaim/bots-edi-config-pvc"], "left alone");
        assert.strictEqual(map["Deployment/bots-webserver"], "replaced");
        assert.strictEqual(map["CronJob/bots-engine"], "replaced");
        assert.strictEqual(map["Deployment/bots-mappings-sync"], "removed");
        assert.strictEqual(planned.config.databaseHost, HOST_IP);
        const after = getJson(env, ["-n", NS, "get", "deployments,cronjobs,configmaps,secrets,pvc"]).items.map((o: Json) => `${o.kind}/${o.metadata.name}@${o.metadata.resourceVersion}`).sort();
        assert.deepStrictEqual(after, before, "the plan changed something");
    });

    it("config writes the plan into the stack, and a preview before the handover shows what run creates", async function () {
        const written = await migrate(["config", ...target(), "--stack", STACK]);
        assert.strictEqual(written.code, 0, written.out);
        const cfg = await stack.getAllConfig();
        assert.strictEqual(cfg[`${PROJECT}:existingClaim`].value, "bots-edi-data-pvc");
        assert.strictEqual(cfg[`${PROJECT}:adoptNamespace`].value, "true");
        assert.strictEqual(cfg[`${PROJECT}:djangoSecretKey`].secret, true);
        const events: EngineEvent[] = [];
        await stack.preview({ onEvent: (e) => events.push(e) });
        const creates = stepsOf(events).filter((st) => st.op === "create").map((st) => `${st.type.split(":").pop()} ${st.name}`);
        for (const want of ["NamespacePatch", "Deployment bots-web", "Deployment bots-worker", "CronJob bots-engine"]) {
            assert.ok(creates.some((c) => c.startsWith(want.split(" ")[0]) && c.includes(want.split(" ")[1] ?? "")), `${want} not in ${creates.join(", ")}`);
        }
        assert.ok(!stepsOf(events).some((st) => st.op === "delete" || st.op === "replace"), "the preview deletes or replaces something");
    });

    it("a migration killed after the writers stopped is undone by one command: the fork runs again", async function () {
        // A running engine run of the fork's is waited for, not cut off.
        k(["create", "job", "fork-engine-run-2", "--from=cronjob/bots-engine"]);
        const killed = await migrate(["run", ...target(), "--stack", STACK], { killAfter: /writers stopped after/ });
        assert.strictEqual(killed.code, null, `the migration was not killed: ${killed.out}`);
        assert.match(getJson(env, ["-n", NS, "get", "job", "fork-engine-run-2"]).status.conditions.map((c: Json) => c.type).join(), /Complete/);
        assert.strictEqual(getJson(env, ["-n", NS, "get", "deployment", "bots-webserver"]).spec.replicas, 0);
        assert.strictEqual(getJson(env, ["-n", NS, "get", "cronjob", "bots-engine"]).spec.suspend, true);

        const undone = await migrate(["undo", ...target(), "--stack", STACK]);
        assert.strictEqual(undone.code, 0, undone.out);
        log(`undo took ${undone.seconds.toFixed(1)} s`);
        await available("bots-webserver");
        await available("bots-jobqueue");
        assert.strictEqual(getJson(env, ["-n", NS, "get", "cronjob", "bots-engine"]).spec.suspend, false);
        assert.strictEqual(getJson(env, ["-n", NS, "get", "cronjob", "bots-minio-helper-cron"]).spec.suspend, true, "the mover stays as it was (suspended)");
        assert.strictEqual(getJson(env, ["-n", NS, "get", "deployment", "bots-mappings-sync"]).spec.replicas, 0);
        assert.ok(!kubectlTry(env, ["-n", NS, "get", "configmap", "bots-fork-migration"]).ok, "undo leaves no migration record");
    });

    let handedOver: { tables: Record<string, string[]>; files: Record<string, string> };
    it("a migration killed again is resumed by running it again, and the stack owns the installation", async function () {
        const killed = await migrate(["run", ...target(), "--stack", STACK], { killAfter: /writers stopped after/ });
        assert.strictEqual(killed.code, null, `the migration was not killed: ${killed.out}`);
        // The fork's writers are stopped: what the stack is handed over.
        handedOver = { tables: tables(), files: files() };
        const resumed = await migrate(["run", ...target(), "--stack", STACK]);
        assert.strictEqual(resumed.code, 0, resumed.out);
        assert.match(resumed.out, /resuming an interrupted migration/);
        const timing = /writers stopped -> stack up in ([\d.]+) s/.exec(resumed.out);
        assert.ok(timing, resumed.out);
        log(`resumed run: writers stopped -> migrated stack Ready in ${timing[1]} s (run took ${resumed.seconds.toFixed(1)} s)`);
        await available("bots-web");
        await available("bots-worker");
    });

    it("every Bots table has the same rows, and the files on the volume hash the same", function () {
        // The migrated stack starts working at once: its directory monitor queues an engine run at
        // its start, which adds its own rows to Bots' run records (ta, report, filereport) and
        // counts on in uniek. Every row handed over is there unchanged; every other table is
        // exactly as handed over.
        const now = tables();
        assert.deepStrictEqual(Object.keys(now), Object.keys(handedOver.tables), "the same tables");
        for (const [t, rows] of Object.entries(handedOver.tables)) {
            if (RUN_RECORDS.includes(t)) {
                assert.deepStrictEqual(rows.filter((r) => !now[t].includes(r)), [], `rows of ${t} changed or gone`);
            } else if (t === "uniek") {
                const counter = (list: string[]) => Object.fromEntries(list.map((r) => r.split("\t")).map(([domain, n]) => [domain, Number(n)]));
                const [was, is] = [counter(rows), counter(now[t])];
                assert.deepStrictEqual(Object.keys(was).filter((d) => !(is[d] >= was[d])), [], "a counter of uniek went back or is gone");
            } else {
                assert.deepStrictEqual(now[t], rows, `table ${t}`);
            }
        }
        const hashes = files();
        const changed = Object.keys(handedOver.files).filter((f) => hashes[f] !== handedOver.files[f]);
        assert.deepStrictEqual(changed, [], "files changed or gone");
        log(`${Object.keys(handedOver.tables).length} tables, ${Object.keys(handedOver.files).length} files compared`);
    });

    it("the old superuser password logs in to the migrated stack, and the partner is there", async function () {
        webPort = await portForward(env, NS, "deploy/bots-web", 8080);
        const ui = session(webPort.port);
        assert.ok(await ui.login(SUPERUSER.name, SUPERUSER.password), "the fork's superuser password logs in");
        const list = await ui.request("GET", "/admin/bots/partner/");
        assert.strictEqual(list.status, 200);
        assert.match(list.body, new RegExp(PARTNER));
    });

    it("an engine run of the migrated stack translates new files with the plugin's counts", async function () {
        const before = lastReport();
        dropSamples();
        k(["create", "job", "migrated-engine-run-1", "--from=cronjob/bots-engine"]);
        await jobDone("migrated-engine-run-1");
        // The directory monitor may queue a run for the same files too; the route keeps its input
        // files (the plugin's channel does not remove them), so every run reads the same three.
        const runs = runsSince(before).filter((r) => r.received > 0);
        assert.ok(runs.length >= 1, "no engine run read the new files");
        assert.deepStrictEqual(runs, runs.map(() => ({ received: 3, ok: 3, sent: 1 })));
    });

    it("a preview right after is clean, and no workload of the fork runs", async function () {
        await stack.preview({ expectNoChanges: true });
        const running = getJson(env, ["-n", NS, "get", "pods"]).items.filter(
            (p: Json) => p.metadata.labels?.app === "bots-edi" && !["Succeeded", "Failed"].includes(p.status?.phase),
        );
        assert.deepStrictEqual(running.map((p: Json) => p.metadata.name), []);
        for (const d of ["bots-webserver", "bots-jobqueue", "bots-mappings-sync"]) {
            assert.strictEqual(getJson(env, ["-n", NS, "get", "deployment", d]).spec.replicas, 0, d);
        }
    });

    it("finish deletes what the stack replaced and leaves the claims, the Secrets and the kept CronJob", async function () {
        const done = await migrate(["finish", ...target()]);
        assert.strictEqual(done.code, 0, done.out);
        for (const gone of ["deployment/bots-webserver", "deployment/bots-jobqueue", "deployment/bots-mappings-sync", "service/bots-webserver", "configmap/bots-env-config"]) {
            assert.ok(!kubectlTry(env, ["-n", NS, "get", gone]).ok, `${gone} is still there`);
        }
        for (const kept of ["pvc/bots-edi-data-pvc", "pvc/bots-edi-logs-pvc", "pvc/bots-edi-config-pvc", "secret/bots-edidb-secret", "secret/bots-superuser-secret", "cronjob/bots-minio-helper-cron", "cronjob/bots-engine", "deployment/bots-web"]) {
            assert.ok(kubectlTry(env, ["-n", NS, "get", kept]).ok, `${kept} is gone`);
        }
        await stack.preview({ expectNoChanges: true });
    });
});
