// The migration plan (scripts/migrate-fork/plan.ts) on the fork's own manifests: its Kustomize base
// as the dev overlay renders it (../shared/upstream/fork), with the Secrets its operators make from
// k3s/secrets/. What the plan derives, what it does with each object, and what it refuses.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { Installation, Obj } from "../../scripts/migrate-fork/installation";
import { PlanRefused, planMigration } from "../../scripts/migrate-fork/plan";

const FORK = path.resolve(__dirname, "..", "..", "..", "shared", "upstream", "fork", "k3s");
const NS = "edi-dev";
const DB_PASSWORD = "db-pw-never-printed";
const DJANGO_KEY = "django-key-never-printed";
const SUPERUSER_PASSWORD = "superuser-pw-never-printed";

const b64 = (s: string) => Buffer.from(s).toString("base64");

/** The fork's dev overlay as the API server would hold it, with the operators' Secrets. */
function forkInstallation(): Installation {
    const base = path.join(FORK, "kustomized", "base");
    const kustomization = YAML.parse(fs.readFileSync(path.join(base, "kustomization.yaml"), "utf8"));
    const docs: Obj[] = (kustomization.resources as string[]).flatMap((f) =>
        YAML.parseAllDocuments(fs.readFileSync(path.join(base, f), "utf8")).map((d) => d.toJSON()).filter(Boolean),
    );
    const config = (f: string) => fs.readFileSync(path.join(FORK, "kustomized", "overlays", "dev", "config", f), "utf8");
    docs.push(
        { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "bots-config-ini" }, data: { "bots.ini": config("bots.ini") } },
        { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "bots-config-settings" }, data: { "settings.py": config("settings.py") } },
        { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "bots-minio-helper-config" }, data: { "config.yaml": "rules: []" } },
    );
    // The operators' Secrets, from the templates in k3s/secrets/ with real values filled in.
    const secret = (name: string, data: Record<string, string>) => ({
        apiVersion: "v1",
        kind: "Secret",
        type: "Opaque",
        metadata: { name },
        data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, b64(v)])),
    });
    docs.push(
        secret("bots-edidb-secret", {
            DB_NAME: "botsedi_data",
            DB_USER: "botsedi",
            DB_HOST: "mysql.example.internal",
            DB_PORT: "3306",
            DB_PASSWORD,
            DJANGO_SECRET_KEY: DJANGO_KEY,
        }),
        secret("bots-superuser-secret", { SUPERUSER_USERNAME: "edi-admin", SUPERUSER_EMAIL: "edi@example.com", SUPERUSER_PASSWORD }),
    );
    for (const d of docs) {
        d.metadata.namespace = NS;
        d.metadata.labels = { ...(d.metadata.labels ?? {}), app: "bots-edi", "managed-by": "kustomize" };
        if (d.kind === "ConfigMap" && d.metadata.name === "bots-env-config") {
            d.data.BOTSENV = "dev";
        }
        if (d.kind === "PersistentVolumeClaim") {
            d.status = { phase: "Bound" };
        }
    }
    const of = (kind: string) => docs.filter((d) => d.kind === kind);
    return {
        namespace: NS,
        namespaceObject: of("Namespace")[0],
        deployments: of("Deployment"),
        cronJobs: of("CronJob"),
        jobs: of("Job"),
        services: of("Service"),
        ingresses: of("Ingress"),
        configMaps: of("ConfigMap"),
        secrets: of("Secret"),
        claims: of("PersistentVolumeClaim"),
        certificates: of("Certificate"),
        pods: [],
    };
}

/** The refusal's lines, or a failure when the plan was not refused. */
function refusal(inst: Installation): string[] {
    try {
        planMigration(inst);
    } catch (e) {
        assert.ok(e instanceof PlanRefused, String(e));
        assert.match(e.message, new RegExp(`^The installation in namespace ${NS} cannot be migrated as it is; nothing was changed:`));
        return e.problems;
    }
    assert.fail("the plan was not refused");
}

describe("migrate-fork plan (the fork's dev overlay)", function () {
    before(function () {
        if (!fs.existsSync(FORK)) {
            // A user's clone has no ../shared; CI has it.
            this.skip();
        }
    });

    it("implies the stack config that takes the installation over in place", () => {
        const plan = planMigration(forkInstallation());
        assert.deepStrictEqual(plan.config, {
            namespace: NS,
            adoptNamespace: "true",
            existingClaim: "bots-edi-data-pvc",
            botsEnv: "dev",
            databaseEngine: "mysql",
            databaseHost: "mysql.example.internal",
            databasePort: "3306",
            databaseName: "botsedi_data",
            databaseUser: "botsedi",
            databaseExistingSecret: "bots-edidb-secret",
            databaseExistingSecretKey: "DB_PASSWORD",
            timeZone: "America/Los_Angeles",
            allowedHosts: '["*"]',
            csrfTrustedOrigins: '["https://edi.k8.pminc.me","https://edi-dev.k8.pminc.me","https://edi-staging.k8.pminc.me"]',
            debug: "false",
            superuserName: "edi-admin",
            superuserEmail: "edi@example.com",
            webReplicas: "1",
            workerEnabled: "true",
            engineSchedule: "*/5 * * * *",
            engineTimeZone: "Etc/UTC",
            engineArgs: '["--new"]',
            engineSuspend: "false",
            ingressHost: "edi.k8.pminc.me",
            ingressClassName: "traefik",
            ingressTlsSecret: "bots-edi-tls",
        });
        assert.deepStrictEqual(plan.secrets, [
            { configKey: "djangoSecretKey", secret: "bots-edidb-secret", key: "DJANGO_SECRET_KEY" },
            { configKey: "superuserPassword", secret: "bots-superuser-secret", key: "SUPERUSER_PASSWORD" },
        ]);
    });

    it("accounts for every object of the fork: adopted, replaced, removed, kept or left alone", () => {
        const plan = planMigration(forkInstallation());
        const map = Object.fromEntries(plan.objects.map((o) => [`${o.kind}/${o.name}`, o.action]));
        assert.deepStrictEqual(map, {
            [`Namespace/${NS}`]: "adopted",
            "PersistentVolumeClaim/bots-edi-data-pvc": "adopted",
            "PersistentVolumeClaim/bots-edi-logs-pvc": "left alone",
            "PersistentVolumeClaim/bots-edi-config-pvc": "left alone",
            "Deployment/bots-webserver": "replaced",
            "Deployment/bots-jobqueue": "replaced",
            "Deployment/bots-mappings-sync": "removed",
            "CronJob/bots-engine": "replaced",
            "CronJob/bots-minio-helper-cron": "kept",
            "Job/bots-db-init": "replaced",
            "Job/bots-create-superuser": "replaced",
            "Service/bots-webserver": "replaced",
            "Ingress/bots-edi-ingress": "replaced",
            "Ingress/bots-filebrowser-ingress": "removed",
            "ConfigMap/bots-env-config": "replaced",
            "ConfigMap/bots-config-ini": "replaced",
            "ConfigMap/bots-config-settings": "replaced",
            "ConfigMap/bots-minio-helper-config": "kept",
            "ConfigMap/bots-minio-helper-env": "kept",
            "Secret/bots-edidb-secret": "adopted",
            "Secret/bots-superuser-secret": "kept",
            "Certificate/bots-edi-tls": "kept",
        });
        // The claims no pod uses are reported and never deleted.
        assert.match(plan.objects.find((o) => o.name === "bots-edi-logs-pvc")!.why, /no pod mounts it; never deleted/);
        assert.deepStrictEqual(plan.writers, {
            deployments: [
                { name: "bots-webserver", replicas: 1 },
                { name: "bots-jobqueue", replicas: 1 },
                { name: "bots-mappings-sync", replicas: 1 },
            ],
            cronJobs: [
                { name: "bots-engine", suspend: false },
                { name: "bots-minio-helper-cron", suspend: false },
            ],
        });
        // Same name as the stack's CronJob, same host as the stack's Ingress: they go right before up.
        assert.deepStrictEqual(plan.conflicts, [
            { kind: "CronJob", name: "bots-engine" },
            { kind: "Ingress", name: "bots-edi-ingress" },
        ]);
        assert.strictEqual(plan.engineCronJob, "bots-engine");
    });

    it("says that the fork runs Bots in acceptance-test mode, and not when its bots.ini turns it off", () => {
        const on = planMigration(forkInstallation()).notes.filter((n) => n.includes("runacceptancetest"));
        assert.deepStrictEqual(on, [
            "ConfigMap/bots-config-ini bots.ini has [acceptance] runacceptancetest = True: the fork runs every engine run as Bots' acceptance test; the program runs Bots for real, so outgoing channels send after the migration",
        ]);
        const inst = forkInstallation();
        const ini = inst.configMaps.find((c) => c.metadata.name === "bots-config-ini");
        ini.data["bots.ini"] = ini.data["bots.ini"].replace(/^runacceptancetest = True$/m, "runacceptancetest = False");
        assert.ok(!planMigration(inst).notes.some((n) => n.includes("runacceptancetest")));
    });

    it("never carries a secret value in the plan", () => {
        const text = JSON.stringify(planMigration(forkInstallation()));
        for (const v of [DB_PASSWORD, DJANGO_KEY, SUPERUSER_PASSWORD]) {
            assert.ok(!text.includes(v), "a secret value is in the plan");
        }
    });

    it("takes the recorded replicas and suspend flags over the live ones when resuming", () => {
        const inst = forkInstallation();
        for (const d of inst.deployments) {
            d.spec.replicas = 0;
        }
        inst.cronJobs[0].spec.suspend = true;
        const first = planMigration(forkInstallation());
        const resumed = planMigration(inst, { writers: first.writers });
        assert.strictEqual(resumed.config.webReplicas, "1");
        assert.strictEqual(resumed.config.engineSuspend, "false");
    });

    it("leaves the stack's own objects out once it runs beside the fork (a resumed or finished migration)", () => {
        const inst = forkInstallation();
        const mine = { "app.kubernetes.io/managed-by": "pulumi", "app.kubernetes.io/part-of": "bots-edi" };
        inst.secrets.push({ kind: "Secret", metadata: { name: "bots-config-8b2273cd", namespace: NS, labels: mine }, data: { SUPERUSER_USERNAME: b64("edi-admin") } });
        const engine = structuredClone(inst.cronJobs.find((c) => c.metadata.name === "bots-engine"));
        inst.cronJobs.push({ ...engine, metadata: { ...engine.metadata, name: "bots-engine-stack", labels: mine } });
        const plan = planMigration(inst);
        assert.ok(!plan.objects.some((o) => o.name === "bots-config-8b2273cd" || o.name === "bots-engine-stack"), JSON.stringify(plan.objects));
        assert.strictEqual(plan.engineCronJob, "bots-engine");
    });

    it("refuses a claim that is not ReadWriteMany, naming it", () => {
        const inst = forkInstallation();
        inst.claims.find((c) => c.metadata.name === "bots-edi-data-pvc").spec.accessModes = ["ReadWriteOnce"];
        assert.deepStrictEqual(refusal(inst), [
            "PersistentVolumeClaim/bots-edi-data-pvc has access modes ReadWriteOnce, not ReadWriteMany: the program's web, worker and engine pods share it and may run on different nodes; move the data to a ReadWriteMany claim first (docs/migration.md)",
        ]);
    });

    it("refuses missing Secret keys, naming the Secret and the key", () => {
        const inst = forkInstallation();
        const db = inst.secrets.find((s) => s.metadata.name === "bots-edidb-secret");
        delete db.data.DB_HOST;
        delete db.data.DJANGO_SECRET_KEY;
        delete inst.secrets.find((s) => s.metadata.name === "bots-superuser-secret").data.SUPERUSER_PASSWORD;
        const problems = refusal(inst);
        assert.ok(problems.includes("Deployment/bots-webserver gets no DB_HOST from its environment (the fork's bots-edidb-secret holds it): the program needs the database's host"), problems.join("\n"));
        assert.ok(problems.includes("Secret/bots-edidb-secret has no key DJANGO_SECRET_KEY (DJANGO_SECRET_KEY of Deployment/bots-webserver)"), problems.join("\n"));
        assert.ok(problems.includes("Secret/bots-superuser-secret has no key SUPERUSER_PASSWORD"), problems.join("\n"));
    });

    it("refuses a second engine CronJob, naming both", () => {
        const inst = forkInstallation();
        const second = structuredClone(inst.cronJobs.find((c) => c.metadata.name === "bots-engine"));
        second.metadata.name = "bots-engine-nightly";
        inst.cronJobs.push(second);
        assert.deepStrictEqual(refusal(inst), [
            "CronJobs bots-engine and bots-engine-nightly both run the engine: the program runs one engine CronJob and cannot tell which schedule is meant; delete or merge one first",
        ]);
    });

    it("refuses a value the program's own schema refuses, naming the key", () => {
        const inst = forkInstallation();
        inst.configMaps.find((c) => c.metadata.name === "bots-env-config").data.BOTSENV = "Dev_1";
        const problems = refusal(inst);
        assert.ok(problems.some((p) => /^the fork's botsEnv value "Dev_1" is refused by the program: must be a DNS-1123 label/.test(p)), problems.join("\n"));
    });

    it("refuses a namespace without the fork's web server", () => {
        const inst = forkInstallation();
        inst.deployments = inst.deployments.filter((d) => d.metadata.name !== "bots-webserver");
        assert.deepStrictEqual(refusal(inst), [
            `no Deployment in namespace ${NS} runs the fork's web server (entrypoint.sh webserver): nothing here looks like the fork's installation`,
        ]);
    });
});
