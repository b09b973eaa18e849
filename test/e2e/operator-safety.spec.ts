// End to end, operator safety (issue 10): the real Pulumi CLI and program against the local
// kube-apiserver (hack/cluster/up.sh). A value the API server refuses is refused by the preview
// first, with the program's message; a config change that would replace the data claim of a
// deployed stack is refused at preview and at up, nothing changes, and the data is still there;
// finished Job pods (engine history, the db-init Job) do not keep the claim once it is deleted.
// Run with `npm run test:e2e` (test/e2e/run.sh); E2E_VERBOSE=1 streams Pulumi's output.
import * as assert from "assert";
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { Stack } from "@pulumi/pulumi/automation";
import { E2eWorkspace, Json, SUFFIX, e2eAfter, e2eBefore, getJson, kubectl, kubectlTry, log, selectStack, setLocalConfig, sqliteDevStack, waitFor } from "./support";

/** A digest reference for the dry-run probe only: the API server never pulls it. */
const PROBE_IMAGE = `registry.local/edi/bots@sha256:${crypto.createHash("sha256").update("bots e2e operator safety").digest("hex")}`;
const NAMESPACE = `bots-e2e-safety${SUFFIX}`;
/** The SQLite database of this spec's stack (botsEnv dev): botssys/sqlitedb/botsdb-<botsEnv> on the data volume. */
const SQLITE_NAME = "botsdb-dev";

describe("e2e: operator safety on a local kube-apiserver", function () {
    this.timeout(20 * 60 * 1000);

    let env: Record<string, string>;
    let ws: E2eWorkspace;
    let dev: Stack;

    /** What the operator reads: the error's message, indented, for the test log. */
    const show = (title: string, text: string) => process.stdout.write(`      ${title}:\n${text.replace(/^/gm, "        | ")}\n`);
    const set = (key: string, value: string | null) => setLocalConfig(dev, env, { [key]: value });

    /**
     * Every object the stack owns in the namespace with its uid and generation (spec changes; the
     * CronJob controller's status writes and the Jobs it starts are not the stack's): equal before
     * and after means nothing was replaced or changed.
     */
    const versions = () =>
        getJson(env, ["-n", NAMESPACE, "get", "deployments,cronjobs,jobs,services,secrets,pvc,networkpolicies"])
            .items.filter((o: Json) => !o.metadata.ownerReferences)
            .map((o: Json) => `${o.kind}/${o.metadata.name}=${o.metadata.uid}@${o.metadata.generation ?? "-"}`)
            .sort()
            .join(" ");

    before(async function () {
        // The node really runs the pods: the image run.sh built, loaded into the node by digest.
        let image: string;
        ({ env, image, ws } = e2eBefore({ namespaces: [NAMESPACE] }));
        dev = await selectStack(ws, "dev");
        // The claim is what this spec is about: SQLite on it needs no database server, and no
        // storageClass, as a new operator deploys, gives the cluster's default class.
        await setLocalConfig(dev, env, sqliteDevStack(NAMESPACE, image));
    });

    after(async function () {
        // The claim is protected in the stack; the namespace goes, and with it the claim.
        e2eAfter(env, ws, [NAMESPACE]);
    });

    it("a time zone the API server refuses (europe/amsterdam) is refused by the preview first, with key, value and rule", async function () {
        // The API server's own verdict on that value, for the record.
        const cron = {
            apiVersion: "batch/v1",
            kind: "CronJob",
            metadata: { name: "tz-probe", namespace: "default" },
            spec: {
                schedule: "*/5 * * * *",
                timeZone: "europe/amsterdam",
                jobTemplate: { spec: { template: { spec: { restartPolicy: "Never", containers: [{ name: "c", image: PROBE_IMAGE }] } } } },
            },
        };
        const api = kubectlTry(env, ["create", "--dry-run=server", "-f", "-"], JSON.stringify(cron));
        assert.ok(!api.ok, "the API server accepts europe/amsterdam");
        assert.match(api.err, /timeZone.*europe\/amsterdam/);
        show("kube-apiserver (kubectl create --dry-run=server)", api.err.trim());

        await set("engineTimeZone", "europe/amsterdam");
        try {
            await assert.rejects(dev.preview({ onOutput: log }), (e: Error) => {
                const line = e.message.split("\n").find((l) => l.includes("engineTimeZone"));
                assert.ok(line, e.message);
                assert.match(line, /bots-edi-deploy:engineTimeZone = "europe\/amsterdam": must be spelt exactly as in the tz database: Europe\/Amsterdam/);
                assert.match(e.message, /nothing was created or changed/);
                show("pulumi preview", e.message.split("\n").filter((l) => /invalid configuration|engineTimeZone/.test(l)).join("\n"));
                return true;
            });
        } finally {
            await set("engineTimeZone", null);
        }
        assert.ok(!kubectlTry(env, ["get", "namespace", NAMESPACE]).ok, "nothing was created");
    });

    it("a kube context that is not in the kubeconfig fails the preview, naming both", async function () {
        await set("kubeContext", "bots-lcoal");
        try {
            await assert.rejects(dev.preview({ onOutput: log }), (e: Error) => {
                assert.match(e.message, new RegExp(`kubeContext = "bots-lcoal": is not a context of the kubeconfig the provider will use, ${env.BOTS_KUBECONFIG.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} \\(its contexts: ${env.BOTS_KUBE_CONTEXT}\\)`));
                return true;
            });
        } finally {
            await set("kubeContext", env.BOTS_KUBE_CONTEXT);
        }
    });

    it("deploys, recording the claim's spec with the class the cluster assigned", async function () {
        const res = await dev.up({ onOutput: log });
        assert.strictEqual(res.summary.result, "succeeded");
        const recorded = JSON.parse((await dev.outputs()).dataVolume.value as string);
        assert.deepStrictEqual(recorded, {
            namespace: NAMESPACE,
            claimName: "bots-data",
            existingClaim: false,
            storageClass: "local-rwx",
            storageClassInput: "",
            accessMode: "ReadWriteMany",
            size: "5Gi",
        });
        const state = await dev.exportStack();
        const pvc = (state.deployment.resources as Json[]).find((r) => r.type === "kubernetes:core/v1:PersistentVolumeClaim");
        assert.strictEqual(pvc.protect, true, "the claim is protected on every stack");
        assert.strictEqual(pvc.retainOnDelete, true);
    });

    it("SQLite: the init Job made the stack's database file on the shared volume; the web pod and an engine run use it", async function () {
        const claim = getJson(env, ["-n", NAMESPACE, "get", "pvc", "bots-data"]);
        const pv = getJson(env, ["get", "pv", claim.spec.volumeName]);
        const db = path.join((pv.spec.local ?? pv.spec.hostPath).path, "env", "dev", "botssys", "sqlitedb", SQLITE_NAME);
        assert.ok(fs.existsSync(db), `${db} is not on the volume`);
        const web = getJson(env, ["-n", NAMESPACE, "get", "pods", "-l", "app.kubernetes.io/component=web"]).items[0];
        const settings = kubectl(env, ["-n", NAMESPACE, "exec", web.metadata.name, "--", "bots-entrypoint", "shell", "python3", "-c",
            "from bots_runtime.bootstrap import init_bots; init_bots(quiet=True)\nfrom django.conf import settings; d = settings.DATABASES['default']; print(d['ENGINE'], d['NAME'])"]);
        assert.match(settings.trim().split("\n").pop() ?? "", new RegExp(`^django\\.db\\.backends\\.sqlite3 /home/bots/\\.bots/env/dev/botssys/sqlitedb/${SQLITE_NAME}$`), settings);

        const job = "e2e-sqlite-run";
        kubectl(env, ["-n", NAMESPACE, "create", "job", job, "--from=cronjob/bots-engine"]);
        await waitFor(`Job ${job} finished`, () =>
            (getJson(env, ["-n", NAMESPACE, "get", "job", job]).status.conditions ?? []).some((c: Json) => ["Complete", "Failed"].includes(c.type) && c.status === "True"), 300_000);
        const logs = kubectl(env, ["-n", NAMESPACE, "logs", `job/${job}`]);
        assert.match(logs, /3 files received\/processed in run\.\s+3 files without errors,\s+1 files send in run/, logs.slice(-3000));
        kubectl(env, ["-n", NAMESPACE, "delete", "job", job, "--wait=true"]);
    });

    it("naming the class the claim already has is no change at all (it was a replace before)", async function () {
        await set("storageClass", "local-rwx");
        const res = await dev.preview({ expectNoChanges: true, onOutput: log });
        // "read" is the StackReference to the stack itself, read on every run.
        const changed = Object.entries(res.changeSummary).filter(([op, n]) => op !== "same" && op !== "read" && (n ?? 0) > 0);
        assert.deepStrictEqual(changed, []);
    });

    it("a new storage class is refused at preview and at up, naming the key and the steps; nothing changes and the data is still there", async function () {
        const claim = getJson(env, ["-n", NAMESPACE, "get", "pvc", "bots-data"]);
        assert.strictEqual(claim.status.phase, "Bound");
        // Data on the volume: a file in the bound PV's directory (a local volume of the node's pool).
        const pv = getJson(env, ["get", "pv", claim.spec.volumeName]);
        const marker = path.join((pv.spec.local ?? pv.spec.hostPath).path, "botssys-marker.edi");
        fs.writeFileSync(marker, "ISA*00*...~ (EDI data that must survive)\n");
        const before = versions();

        await set("storageClass", "fast-rwx");
        let message = "";
        await assert.rejects(dev.preview({ onOutput: log }), (e: Error) => {
            message = e.message;
            return true;
        });
        const line = message.split("\n").find((l) => l.includes("bots-edi-deploy:storageClass"));
        assert.ok(line, message);
        assert.match(line, new RegExp(`storageClass = "fast-rwx": would replace the data claim ${NAMESPACE}/bots-data \\(local-rwx -> fast-rwx\\)`));
        assert.match(line, /docs\/configuration\.md, "Changing the data volume"/);
        assert.match(line, /pulumi config set dataVolumeChangeAcknowledged 'storageClass:local-rwx->fast-rwx'/);
        assert.ok(!message.includes("error serializing"), "the refusal reads as written");
        show("pulumi preview", message.split("\n").filter((l) => /invalid configuration|storageClass/.test(l)).join("\n"));

        await assert.rejects(dev.up({ onOutput: log }), /would replace the data claim/);

        assert.strictEqual(versions(), before, "no object in the namespace changed");
        const after = getJson(env, ["-n", NAMESPACE, "get", "pvc", "bots-data"]);
        assert.strictEqual(after.metadata.uid, claim.metadata.uid, "the same claim");
        assert.strictEqual(after.status.phase, "Bound");
        assert.strictEqual(after.metadata.deletionTimestamp, undefined);
        assert.strictEqual(fs.readFileSync(marker, "utf8"), "ISA*00*...~ (EDI data that must survive)\n", "the data is still there");

        await set("storageClass", "local-rwx");
        await dev.preview({ expectNoChanges: true });
    });

    it("Job history does not keep the claim: engine Jobs go after engineJobTtlSeconds, and the migration's step 1 releases it at once", async function () {
        // docs/configuration.md, "Changing the data volume", step 1: stop the writers.
        await set("engineJobTtlSeconds", "10");
        await set("webReplicas", "0");
        await set("workerEnabled", "false");
        await set("engineSuspend", "true");
        await dev.up({ onOutput: log });
        await waitFor("the web and worker pods gone", () =>
            getJson(env, ["-n", NAMESPACE, "get", "pods", "-l", "app.kubernetes.io/component in (web,worker)"]).items.length === 0, 120_000);

        // An engine run: its Job (a copy of the CronJob's template) deletes itself after the TTL.
        const job = "e2e-history";
        kubectl(env, ["-n", NAMESPACE, "create", "job", job, "--from=cronjob/bots-engine"]);
        await waitFor(`Job ${job} complete`, () =>
            (getJson(env, ["-n", NAMESPACE, "get", "job", job]).status.conditions ?? []).some((c: Json) => c.type === "Complete" && c.status === "True"), 300_000);
        const done = Date.now();
        await waitFor(`Job ${job} deleted by its TTL`, () => !kubectlTry(env, ["-n", NAMESPACE, "get", "job", job]).ok, 120_000, 500);
        await waitFor(`the pod of ${job} deleted with it`, () =>
            getJson(env, ["-n", NAMESPACE, "get", "pods", "-l", `job-name=${job}`]).items.length === 0, 60_000, 500);
        process.stdout.write(`      (engine Job gone ${((Date.now() - done) / 1000).toFixed(1)}s after it completed; TTL 10s)\n`);

        // The db-init Job has no TTL (Pulumi owns it): its finished pod still names the claim, and
        // pvc-protection keeps a deleted claim Terminating while it does (as does any engine pod
        // finished before the TTL was set).
        kubectl(env, ["-n", NAMESPACE, "delete", "pvc", "bots-data", "--wait=false"]);
        await new Promise((r) => setTimeout(r, 5000));
        const held = getJson(env, ["-n", NAMESPACE, "get", "pvc", "bots-data"]);
        assert.ok(held.metadata.deletionTimestamp, "the claim is being deleted");
        const holders: string[] = getJson(env, ["-n", NAMESPACE, "get", "pods"]).items
            .filter((p: Json) => (p.spec.volumes ?? []).some((v: Json) => v.persistentVolumeClaim?.claimName === "bots-data"))
            .map((p: Json) => `${p.metadata.labels["app.kubernetes.io/component"]}:${p.status.phase}`);
        assert.ok(holders.includes("db-init:Succeeded"), `the db-init Job's finished pod names the claim: ${holders.join(", ")}`);
        for (const h of holders) {
            assert.match(h, /^(engine|db-init):(Succeeded|Failed)$/, `only finished Job pods name the claim: ${holders.join(", ")}`);
        }

        // Step 1's command releases it.
        const t0 = Date.now();
        kubectl(env, ["-n", NAMESPACE, "delete", "pods", "-l", "app.kubernetes.io/name=bots,app.kubernetes.io/component in (engine,db-init)"]);
        await waitFor("the claim deleted", () => !kubectlTry(env, ["-n", NAMESPACE, "get", "pvc", "bots-data"]).ok, 60_000, 500);
        process.stdout.write(`      (claim released ${((Date.now() - t0) / 1000).toFixed(1)}s after step 1 deleted the finished pods)\n`);
    });
});
