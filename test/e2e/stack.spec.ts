// End to end on a real node: the real Pulumi CLI, the program, the Kubernetes provider plugin, a
// real kube-apiserver and a real kubelet with containerd (hack/cluster/up.sh, BOTS_NODE=real:
// kube-proxy, CoreDNS, bridge CNI). Run with `npm run test:e2e` (test/e2e/run.sh).
//
// The dev stack's own settings (Pulumi.dev.yaml) are deployed as operators run it, pointed at the
// local cluster: kubeContext/kubeconfig, the local RWX StorageClass, and the image built from
// docker/ (BOTS_E2E_IMAGE, built by run.sh from the operators' Bots 4 tree with the plugin
// demo/my_first_plugin) loaded into the node and deployed by digest, its route activated through
// botsActivateRoutes. The engine schedule is suspended: the tests start engine runs themselves, so
// the counts they read are their own. Its
// PostgreSQL host postgres.databases-dev.svc.cluster.local is a Service (no selector) in front of
// a PostgreSQL server this tier starts on the machine's side of the node link; its password is
// the existing Secret bots-db-dev, as Pulumi.dev.yaml says.
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { EngineEvent, Stack } from "@pulumi/pulumi/automation";
import {
    E2eWorkspace,
    HOST_IP,
    PROJECT,
    REAL_NODE,
    REPO_ROOT,
    SUFFIX,
    deleteNamespaces,
    e2eAfter,
    e2eBefore,
    e2eImage,
    getJson,
    httpGet,
    Json,
    kubectl,
    kubectlTry,
    log,
    loadImage,
    notContained,
    portForward,
    previewedOutput,
    requestLoop,
    selectConsumerStack,
    selectStack,
    serviceRelay,
    setLocalConfig,
    sh,
    stepsOf,
    waitFor,
    watchPod,
} from "./support";
import { engineReport } from "../support/engine-report";

const SECRET_SIG = "4dabf18193072939515e22adb298388d";
// A second run on the same cluster (another work tree) keeps apart with BOTS_E2E_SUFFIX (appended
// to both namespaces) and its own database server (BOTS_E2E_PG_PORT, BOTS_E2E_PG_DIR).
const PG_PORT = Number(process.env.BOTS_E2E_PG_PORT ?? 55433);
const PG_DIR = process.env.BOTS_E2E_PG_DIR ?? "/var/tmp/bots-e2e-pg";
const DB_NAMESPACE = `databases-dev${SUFFIX}`;
const DB_SERVICE = "postgres";
const DB_HOST = `${DB_SERVICE}.${DB_NAMESPACE}.svc.cluster.local`;
/** The plugin baked into the image by run.sh, its route, and what one engine run over its samples gives (../shared/upstream/README.md). */
const PLUGIN = { name: "my_first_plugin", route: "myfirstroute", received: 3, ok: 3, sent: 1 };
/** The dev stack's botsenv on the data volume, as the pods mount it. */
const BOTSENV_DIR = "/home/bots/.bots/env/dev";
const OUTBOX = `${BOTSENV_DIR}/botssys/outfile/${PLUGIN.name}`;

describe("e2e: dev stack on a real node", function () {
    this.timeout(20 * 60 * 1000);

    let env: Record<string, string>;
    let ws: E2eWorkspace;
    let dev: Stack;
    let ns: string;
    /** The image under test, loaded into the node, and a second digest of it (one label more). */
    let IMAGE_A: string;
    let IMAGE_B: string;
    /** Password of the database role, made per run; only in the tier's server and the Secret. */
    const dbPassword = crypto.randomBytes(18).toString("hex");

    // test/support/pg-server.sh, on the node's link as well, so the pods reach it.
    const PG = { BOTS_TEST_PG_PORT: String(PG_PORT), BOTS_TEST_PG_DIR: PG_DIR, BOTS_TEST_PG_BIND: `127.0.0.1,${HOST_IP}` };
    const pg = (...args: string[]) => sh(env, "bash", ["test/support/pg-server.sh", ...args], { ...PG, BOTS_TEST_PG_PASSWORD: dbPassword });

    /**
     * What an operator does for Pulumi.dev.yaml's databaseExistingSecret: put the password into the
     * stack's namespace once it exists. Runs next to `up`; the init pod waits for it (the kubelet
     * retries a missing Secret).
     */
    async function provideDbSecret(): Promise<void> {
        await waitFor(`namespace ${ns}`, () => kubectlTry(env, ["get", "namespace", ns]).ok, 300_000, 250);
        const secret = {
            apiVersion: "v1",
            kind: "Secret",
            metadata: { name: "bots-db-dev", namespace: ns },
            stringData: { DB_PASSWORD: dbPassword },
        };
        kubectl(env, ["apply", "-f", "-"], JSON.stringify(secret));
    }

    /** `up` of the dev stack, providing the database Secret the way an operator would. */
    async function upDev(): Promise<Awaited<ReturnType<Stack["up"]>>> {
        const secret = kubectlTry(env, ["-n", ns, "get", "secret", "bots-db-dev"]).ok ? Promise.resolve() : provideDbSecret();
        const res = await dev.up({ onOutput: log });
        await secret;
        return res;
    }

    function podsOf(component: string): Json[] {
        return getJson(env, ["-n", ns, "get", "pods", "-l", `app.kubernetes.io/component=${component}`]).items;
    }


    /** kubernetes:* custom resources of the stack's state, with what the program asked for. */
    async function stateObjects(): Promise<{ type: string; inputs: Json; outputs: Json; protect: boolean }[]> {
        const state = await dev.exportStack();
        return (state.deployment.resources as Json[])
            .filter((r) => r.custom && r.type.startsWith("kubernetes:") && !r.type.startsWith("pulumi:providers:"))
            .map((r) => ({ type: r.type, inputs: r.inputs ?? {}, outputs: r.outputs ?? {}, protect: !!r.protect }));
    }

    function live(apiVersion: string, kind: string, name: string, namespace?: string): Json {
        const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["", apiVersion];
        const res = group ? `${kind}.${version}.${group}` : kind;
        return getJson(env, namespace ? ["-n", namespace, "get", res, name] : ["get", res, name]);
    }

    /** What the program asked for, minus secret values (compared separately) and engine-internal keys. */
    function comparable(inputs: Json): Json {
        if (Array.isArray(inputs)) {
            return inputs.map(comparable);
        }
        if (inputs && typeof inputs === "object") {
            if (SECRET_SIG in inputs) {
                return undefined;
            }
            const out: Json = {};
            for (const [k, v] of Object.entries(inputs)) {
                if (!k.startsWith("__")) {
                    out[k] = comparable(v);
                }
            }
            return out;
        }
        return inputs;
    }

    function podTemplates(): { owner: string; spec: Json }[] {
        const out: { owner: string; spec: Json }[] = [];
        for (const d of getJson(env, ["-n", ns, "get", "deployments"]).items) {
            out.push({ owner: `Deployment/${d.metadata.name}`, spec: d.spec.template.spec });
        }
        for (const j of getJson(env, ["-n", ns, "get", "jobs"]).items) {
            if (!j.metadata.ownerReferences) {
                out.push({ owner: `Job/${j.metadata.name}`, spec: j.spec.template.spec });
            }
        }
        for (const c of getJson(env, ["-n", ns, "get", "cronjobs"]).items) {
            out.push({ owner: `CronJob/${c.metadata.name}`, spec: c.spec.jobTemplate.spec.template.spec });
        }
        return out;
    }

    function images(spec: Json): string[] {
        return [...(spec.initContainers ?? []), ...spec.containers].map((c: Json) => c.image);
    }

    function deploymentsAvailable(): boolean {
        return getJson(env, ["-n", ns, "get", "deployments"]).items.every(
            (d: Json) =>
                (d.status.readyReplicas ?? 0) === d.spec.replicas &&
                (d.status.updatedReplicas ?? 0) === d.spec.replicas &&
                (d.status.replicas ?? 0) === d.spec.replicas &&
                d.status.observedGeneration === d.metadata.generation,
        );
    }

    before(async function () {
        ({ env, image: IMAGE_A, ws } = e2eBefore());
        // A second digest of the same image, for the image change: one label more.
        const image = e2eImage();
        sh(env, "docker", ["build", "-q", "-t", `${image}-b`, "-"], { DOCKER_BUILDKIT: "0" }, `FROM ${image}\nLABEL io.bots-edi.e2e=b\n`);
        IMAGE_B = loadImage(env, `${image}-b`);
        assert.notStrictEqual(IMAGE_A, IMAGE_B);

        // The dev stack's database: PostgreSQL on the machine's side of the node link, behind
        // the Service name Pulumi.dev.yaml uses (cluster DNS, then kube-proxy to the endpoint).
        pg("start");
        pg("createdb", "bots_dev", "bots_dev");
        kubectl(env, ["apply", "-f", "-"], JSON.stringify({
            apiVersion: "v1",
            kind: "List",
            items: [
                { apiVersion: "v1", kind: "Namespace", metadata: { name: DB_NAMESPACE } },
                {
                    apiVersion: "v1",
                    kind: "Service",
                    metadata: { name: DB_SERVICE, namespace: DB_NAMESPACE },
                    spec: { ports: [{ name: "postgres", port: 5432, targetPort: PG_PORT, protocol: "TCP" }] },
                },
                {
                    apiVersion: "discovery.k8s.io/v1",
                    kind: "EndpointSlice",
                    metadata: { name: `${DB_SERVICE}-host`, namespace: DB_NAMESPACE, labels: { "kubernetes.io/service-name": DB_SERVICE } },
                    addressType: "IPv4",
                    ports: [{ name: "postgres", port: PG_PORT, protocol: "TCP" }],
                    endpoints: [{ addresses: [HOST_IP], conditions: { ready: true } }],
                },
            ],
        }));

        dev = await selectStack(ws, "dev");
        const devNamespace = (await dev.getConfig(`${PROJECT}:namespace`)).value;
        await setLocalConfig(dev, env, {
            imageRef: IMAGE_A,
            storageClass: "local-rwx",
            engineSuspend: "true",
            ...(SUFFIX ? { namespace: `${devNamespace}${SUFFIX}`, databaseHost: DB_HOST } : {}),
            // A list key (type array in Pulumi.yaml): set by path, as `pulumi config set --path` does.
            botsActivateRoutes: [PLUGIN.route],
        });
        ns = (await dev.getConfig(`${PROJECT}:namespace`)).value;
        deleteNamespaces(env, [ns]);
    });

    after(async function () {
        e2eAfter(env, ws, ns ? [ns, DB_NAMESPACE] : [DB_NAMESPACE], () => spawnSync("bash", ["test/support/pg-server.sh", "stop"], { cwd: REPO_ROOT, env: { ...env, ...PG }, encoding: "utf8" }));
    });

    it("up creates every object with the spec the program asked for, read back from the API server", async function () {
        // What a reviewer approves: the names the preview of the new stack shows are the ones up creates.
        const preview = await dev.preview({ onOutput: log });
        const previewed = { configSecretName: previewedOutput(preview.stdout, "configSecretName"), initJobName: previewedOutput(preview.stdout, "initJobName") };
        assert.ok(previewed.configSecretName && previewed.initJobName, `the preview shows no configSecretName/initJobName:\n${preview.stdout}`);

        const t0 = Date.now();
        const res = await upDev();
        process.stdout.write(`      (dev up: ${((Date.now() - t0) / 1000).toFixed(1)}s)\n`);
        assert.strictEqual(res.summary.result, "succeeded");

        const objects = await stateObjects();
        const kinds = new Set(objects.map((o) => o.outputs.kind));
        for (const k of ["Namespace", "ServiceAccount", "Secret", "PersistentVolumeClaim", "Job", "Deployment", "Service", "CronJob"]) {
            assert.ok(kinds.has(k), `the stack has no ${k}; it has ${[...kinds].join(", ")}`);
        }
        for (const o of objects) {
            const { apiVersion, kind } = o.outputs;
            const got = live(apiVersion, kind, o.outputs.metadata.name, o.outputs.metadata.namespace);
            const want = comparable(o.inputs);
            delete want.apiVersion;
            delete want.kind;
            const problems = notContained(want, got);
            assert.deepStrictEqual(problems, [], `${kind} ${o.outputs.metadata.name} differs from the program's inputs`);
            if (kind === "Secret") {
                // The values are secret in the state; the keys the image reads must be there (CONTRACT: /etc/bots files + env;
                // each secret value in a Secret of its own).
                const keys = Object.keys(got.data ?? {});
                if (keys.includes("bots.ini")) {
                    for (const k of ["settings.py", "BOTSENV"]) {
                        assert.ok(keys.includes(k), `Secret ${o.outputs.metadata.name} has no key ${k}: ${keys.join(", ")}`);
                    }
                } else {
                    assert.strictEqual(keys.length, 1, `Secret ${o.outputs.metadata.name} holds one secret value: ${keys.join(", ")}`);
                    assert.ok(["DJANGO_SECRET_KEY", "SUPERUSER_PASSWORD", "DB_PASSWORD", "EMAIL_HOST_PASSWORD"].includes(keys[0]), keys[0]);
                }
                const plain = comparable(o.inputs.stringData ?? o.inputs.data);
                if (plain) {
                    assert.deepStrictEqual(keys.sort(), Object.keys(plain).sort(), "Secret keys");
                }
            }
        }

        // Everything is pinned to the deployed digest, in the stack's namespace.
        const outputs = await dev.outputs();
        assert.deepStrictEqual(previewed, { configSecretName: outputs.configSecretName.value, initJobName: outputs.initJobName.value }, "preview named other objects than up created");
        assert.strictEqual(outputs.namespace.value, ns);
        assert.strictEqual(outputs.imageRef.value, IMAGE_A);
        for (const t of podTemplates()) {
            for (const image of images(t.spec)) {
                assert.strictEqual(image, IMAGE_A, `${t.owner} runs ${image}`);
            }
        }

        const pvc = live("v1", "PersistentVolumeClaim", outputs.pvcName.value, ns);
        assert.strictEqual(pvc.status.phase, "Bound");
        assert.deepStrictEqual(pvc.spec.accessModes, ["ReadWriteMany"]);
        assert.strictEqual(pvc.spec.storageClassName, "local-rwx");

        // `up` waited for the init Job (no pulumi.com/skipAwait): it has completed, and the
        // workloads were created only after that, so they start on an initialised database.
        const job = live("batch/v1", "Job", outputs.initJobName.value, ns);
        assert.ok(
            (job.status.conditions ?? []).some((c: Json) => c.type === "Complete" && c.status === "True"),
            `init Job not complete when up returned: ${JSON.stringify(job.status)}`,
        );
        assert.strictEqual(job.spec.ttlSecondsAfterFinished, undefined, "the init Job must not have a TTL");
        const completed = Date.parse(job.status.completionTime);
        for (const d of getJson(env, ["-n", ns, "get", "deployments"]).items) {
            assert.ok(
                Date.parse(d.metadata.creationTimestamp) >= completed - 1000,
                `Deployment ${d.metadata.name} was created at ${d.metadata.creationTimestamp}, before the init Job completed (${job.status.completionTime})`,
            );
        }
        assert.ok(deploymentsAvailable(), "every Deployment has all its replicas ready");

        const svc = live("v1", "Service", outputs.webServiceName.value, ns);
        const slices = getJson(env, ["-n", ns, "get", "endpointslices", "-l", `kubernetes.io/service-name=${svc.metadata.name}`]);
        const ready = slices.items.flatMap((s: Json) => s.endpoints ?? []).filter((e: Json) => e.conditions?.ready);
        assert.ok(ready.length >= 1, "the web Service has ready endpoints");
    });

    it("the init Job initialised the tier's PostgreSQL through the configured host (its logs show init-db)", async function () {
        const jobName = (await dev.outputs()).initJobName.value as string;
        const logs = kubectl(env, ["-n", ns, "logs", `job/${jobName}`]);
        assert.match(logs, new RegExp(`init-db: database django\\.db\\.backends\\.postgresql(_psycopg2)? ${DB_HOST.replace(/\./g, "\\.")} bots_dev`), logs);
        assert.match(logs, /init-db: superuser 'admin' created/, logs);
        // The plugin baked into the image, installed by the init Job, its route activated as configured.
        assert.match(logs, new RegExp(`plugin ${PLUGIN.name}: installed \\(sha256 [0-9a-f]{12}\\): \\d+ files`), logs);
        assert.match(logs, new RegExp(`routes active: ${PLUGIN.route};`), logs);
        assert.match(logs, /init-db: done/, logs);
        // The tables are in the tier's server, the one behind DB_HOST, not anywhere else.
        const tables = pg("psql", "bots_dev", "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename IN ('ta', 'mutex', 'persist', 'uniek', 'routes', 'django_migrations')");
        assert.strictEqual(tables.trim(), "6", `Bots' tables in bots_dev: ${tables}`);
        const users = pg("psql", "bots_dev", "SELECT username FROM auth_user WHERE is_superuser");
        assert.strictEqual(users.trim(), "admin");
    });

    it("another team's Pulumi project reads the dev stack's outputs through a StackReference (examples/consumer)", async function () {
        const devOut = await dev.outputs();
        const consumer = await selectConsumerStack(ws, "dev");
        try {
            await consumer.setConfig("bots-edi-consumer:botsStack", { value: `organization/${PROJECT}/dev` });
            const res = await consumer.up({ onOutput: log });
            assert.strictEqual(res.summary.result, "succeeded");
            const read = Object.fromEntries(Object.entries(res.outputs).map(([k, v]) => [k, v.value]));
            const ingressUrl = devOut.ingressUrl?.value as string | undefined;
            assert.ok(ingressUrl, "Pulumi.dev.yaml sets ingressHost, so dev has an ingressUrl");
            assert.deepStrictEqual(read, {
                botsUrl: ingressUrl,
                botsServiceHost: `${devOut.webServiceName.value}.${ns}.svc.cluster.local`,
                botsNamespace: ns,
                botsImage: IMAGE_A,
                botsDigest: devOut.imageDigest.value,
                botsEngineSchedule: devOut.engineSchedule.value,
            });
            assert.ok(IMAGE_A.endsWith(`@${devOut.imageDigest.value}`));
        } finally {
            await consumer.destroy({ onOutput: log });
            await consumer.workspace.removeStack("dev");
        }
    });

    it("web and worker pods run as uid 10001 with a read-only root and turn Ready through their probes", async function () {
        for (const component of ["web", "worker"]) {
            const pods = podsOf(component).filter((p: Json) => !p.metadata.deletionTimestamp);
            assert.ok(pods.length >= 1, `${component} has pods`);
            for (const p of pods) {
                assert.strictEqual(p.spec.nodeName, REAL_NODE);
                const ready = (p.status.conditions ?? []).find((c: Json) => c.type === "Ready");
                assert.strictEqual(ready?.status, "True", `pod ${p.metadata.name} Ready: ${JSON.stringify(p.status.conditions)}`);
                for (const c of p.status.containerStatuses) {
                    assert.ok(c.ready && c.started && c.state.running, `container ${c.name} of ${p.metadata.name}: ${JSON.stringify(c.state)}`);
                    assert.strictEqual(c.restartCount, 0, `container ${c.name} of ${p.metadata.name} restarted`);
                }
                assert.ok(p.spec.containers.some((c: Json) => c.readinessProbe), `pod ${p.metadata.name} has a readiness probe`);
                for (const c of p.spec.containers) {
                    const id = kubectl(env, ["-n", ns, "exec", p.metadata.name, "-c", c.name, "--", "id", "-u"]).trim();
                    assert.strictEqual(id, "10001");
                    const w = kubectlTry(env, ["-n", ns, "exec", p.metadata.name, "-c", c.name, "--", "touch", "/usr/e2e-root-write"]);
                    assert.ok(!w.ok && /Read-only file system/.test(w.err + w.out), `the root file system is read-only: ${w.err}`);
                }
            }
        }
        // What the kubelet's readiness probe asks the web pod, asked again from here.
        const web = podsOf("web").find((p: Json) => !p.metadata.deletionTimestamp);
        const probe = web.spec.containers[0].readinessProbe.httpGet;
        const pf = await portForward(env, ns, `pod/${web.metadata.name}`, 8080);
        try {
            const r = await httpGet(pf.port, probe.path, "localhost");
            assert.strictEqual(r.status, 200, `${probe.path}: ${r.body.slice(0, 300)}`);
            // The Bots tree's readiness view, not a page that answers 200 whatever the database does.
            assert.deepStrictEqual(JSON.parse(r.body), { status: "ready", check: "readiness", checks: { database: true, botssys: true, usersys: true } });
        } finally {
            pf.stop();
        }
    });

    it("the login page is served through the web Service, and webUrl answers inside the cluster", async function () {
        const outputs = await dev.outputs();
        const svc = outputs.webServiceName.value as string;
        const pf = await portForward(env, ns, `service/${svc}`, 8080);
        try {
            const r = await httpGet(pf.port, "/login/", "localhost");
            assert.strictEqual(r.status, 200, r.body.slice(0, 500));
            assert.match(r.body, /csrfmiddlewaretoken/);
        } finally {
            pf.stop();
        }

        // From a pod: cluster DNS resolves webUrl's name, kube-proxy sends the ClusterIP to a web pod.
        const url = `${outputs.webUrl.value}health/ready`;
        const name = "e2e-weburl";
        kubectlTry(env, ["-n", ns, "delete", "pod", name, "--wait=true"]);
        const pod = {
            apiVersion: "v1",
            kind: "Pod",
            metadata: { name, namespace: ns },
            spec: {
                restartPolicy: "Never",
                automountServiceAccountToken: false,
                securityContext: { runAsNonRoot: true, runAsUser: 10001, seccompProfile: { type: "RuntimeDefault" } },
                containers: [
                    {
                        name: "get",
                        image: IMAGE_A,
                        command: ["python3", "-c", "import sys, urllib.request as u; r = u.urlopen(u.Request(sys.argv[1], headers={'Host': 'localhost'}), timeout=10); print(r.status)", url],
                        securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
                    },
                ],
            },
        };
        kubectl(env, ["apply", "-f", "-"], JSON.stringify(pod));
        await waitFor(`pod ${name} finished`, () => ["Succeeded", "Failed"].includes(live("v1", "Pod", name, ns).status.phase), 120_000);
        const out = kubectl(env, ["-n", ns, "logs", name]);
        assert.strictEqual(live("v1", "Pod", name, ns).status.phase, "Succeeded", `GET ${url}: ${out}`);
        assert.strictEqual(out.trim(), "200");
        kubectl(env, ["-n", ns, "delete", "pod", name, "--wait=true"]);
    });

    it("a second up with no change leaves the init Job and the pods alone", async function () {
        const jobName = (await dev.outputs()).initJobName.value as string;
        const jobUid = live("batch/v1", "Job", jobName, ns).metadata.uid;
        // The engine CronJob (every 2 minutes in dev) may start a pod meanwhile: compare the others.
        const stackPods = () =>
            getJson(env, ["-n", ns, "get", "pods", "-l", "app.kubernetes.io/component in (web,worker,db-init)"]).items.map((p: Json) => p.metadata.uid).sort();
        const podsBefore = stackPods();
        const res = await upDev();
        // "read": the data volume guard's StackReference to the stack itself, read on every run.
        const changed = Object.entries(res.summary.resourceChanges ?? {}).filter(([op]) => op !== "same" && op !== "read");
        assert.deepStrictEqual(changed, [], "no resource changed");
        assert.strictEqual(live("batch/v1", "Job", jobName, ns).metadata.uid, jobUid, "the same init Job");
        const podsAfter = stackPods();
        assert.deepStrictEqual(podsAfter, podsBefore, "the same pods");
    });

    /** Files in the plugin's out-channel directory, listed by a web pod (not the pod that wrote them). */
    function outbox(): string[] {
        const web = podsOf("web").find((p: Json) => !p.metadata.deletionTimestamp);
        const out = kubectl(env, ["-n", ns, "exec", web.metadata.name, "--", "sh", "-c", `mkdir -p ${OUTBOX} && ls -1 ${OUTBOX}`]);
        return out.split("\n").filter((l) => l.trim() !== "");
    }

    it("a Job created from the engine CronJob translates the plugin's samples with the image tier's counts; another pod reads the result", async function () {
        const name = "e2e-engine-run";
        kubectlTry(env, ["-n", ns, "delete", "job", name, "--wait=true"]);
        const before = outbox();
        kubectl(env, ["-n", ns, "create", "job", name, "--from=cronjob/bots-engine"]);
        await waitFor(`Job ${name} finished`, () => {
            const j = live("batch/v1", "Job", name, ns);
            return (j.status.conditions ?? []).some((c: Json) => ["Complete", "Failed"].includes(c.type) && c.status === "True");
        }, 300_000);
        const j = live("batch/v1", "Job", name, ns);
        const logs = kubectl(env, ["-n", ns, "logs", `job/${name}`]);
        assert.ok((j.status.conditions ?? []).some((c: Json) => c.type === "Complete" && c.status === "True"), `engine Job: ${JSON.stringify(j.status)}\n${logs}`);
        const pod = getJson(env, ["-n", ns, "get", "pods", "-l", `job-name=${name}`]).items[0];
        assert.strictEqual(pod.spec.nodeName, REAL_NODE);
        assert.strictEqual(pod.status.containerStatuses[0].state.terminated.exitCode, 0);
        const got = engineReport(logs);
        process.stdout.write(`      (engine run: ${got.received} received, ${got.ok} ok, ${got.sent} sent, exit 0)\n`);
        assert.deepStrictEqual(
            { received: got.received, ok: got.ok, sent: got.sent },
            { received: PLUGIN.received, ok: PLUGIN.ok, sent: PLUGIN.sent },
            logs.slice(-3000),
        );

        // What the engine pod sent, read back from the shared volume by a web pod.
        const written = outbox().filter((f) => !before.includes(f));
        assert.strictEqual(written.length, PLUGIN.sent, `new files in ${OUTBOX}: ${written.join(", ")}`);
        const web = podsOf("web").find((p: Json) => !p.metadata.deletionTimestamp);
        const fixed = kubectl(env, ["-n", ns, "exec", web.metadata.name, "--", "cat", `${OUTBOX}/${written[0]}`]);
        // The fixed-record format of the plugin's mapping, one HEA record per order of the samples.
        assert.match(fixed, /^HEAORDERSD96AUNEAN008 +8712345678906PARTNER2 +ORDT0000000004-1 /m, fixed.slice(0, 500));
        kubectl(env, ["-n", ns, "delete", "job", name, "--wait=false"]);
    });

    it("the worker's directory monitor picks up a file dropped into its watched inbox and its job queue runs the engine", async function () {
        // bots.ini [dirmonitor1] watches botssys/infile; Bots 4 matches files directly in it, and its
        // route is empty: the queued engine run takes every active route (the plugin's re-reads its samples).
        const queueLog = `${BOTSENV_DIR}/botssys/logging/jobqueue/jobqueue.log`;
        const worker = podsOf("worker").find((p: Json) => !p.metadata.deletionTimestamp);
        const jobLines = () =>
            kubectl(env, ["-n", ns, "exec", worker.metadata.name, "-c", "jobqueue", "--", "sh", "-c", `cat ${queueLog} 2>/dev/null || true`])
                .split("\n")
                .filter((l) => /Added job \d+/.test(l));
        const jobsBefore = jobLines().length;
        const before = outbox();
        const dropped = `${BOTSENV_DIR}/botssys/infile/e2e-${crypto.randomBytes(4).toString("hex")}.edi`;
        // Written by a web pod: the worker pod sees it through the shared volume.
        const web = podsOf("web").find((p: Json) => !p.metadata.deletionTimestamp);
        kubectl(env, ["-n", ns, "exec", "-i", web.metadata.name, "--", "sh", "-c", `cat > ${dropped}`], "UNA:+.? '\n");
        try {
            const added = await waitFor("the job queue got the dirmonitor's engine job", () => jobLines().length > jobsBefore, 60_000, 1000).then(() => jobLines().slice(jobsBefore));
            assert.match(added[0], /bots-engine/, added.join("\n"));
            await waitFor("the queued engine run wrote to the outbox", () => outbox().length > before.length, 180_000, 2000);
            const written = outbox().filter((f) => !before.includes(f));
            assert.strictEqual(written.length, PLUGIN.sent, `new files in ${OUTBOX}: ${written.join(", ")}`);
        } finally {
            kubectl(env, ["-n", ns, "exec", web.metadata.name, "--", "rm", "-f", dropped]);
        }
    });

    it("Pod Security admission (restricted) accepts every pod of the stack and rejects a privileged one", async function () {
        const nsObj = live("v1", "Namespace", ns);
        assert.strictEqual(nsObj.metadata.labels["pod-security.kubernetes.io/enforce"], "restricted");

        const pods = getJson(env, ["-n", ns, "get", "pods"]).items;
        const owners = new Set(pods.map((p: Json) => p.metadata.ownerReferences?.[0]?.kind));
        assert.ok(owners.has("ReplicaSet") && owners.has("Job"), `pods of Deployments and the init Job exist: ${[...owners].join(", ")}`);
        for (const p of pods) {
            assert.ok(["Running", "Succeeded"].includes(p.status.phase), `pod ${p.metadata.name} is ${p.status.phase}`);
        }
        const events = getJson(env, ["-n", ns, "get", "events"]).items;
        const refused = events.filter((e: Json) => /PodSecurity|forbidden/i.test(e.message ?? ""));
        assert.deepStrictEqual(refused.map((e: Json) => e.message), [], "no pod was refused");

        const privileged = {
            apiVersion: "v1",
            kind: "Pod",
            metadata: { name: "e2e-privileged", namespace: ns },
            spec: { containers: [{ name: "c", image: IMAGE_A, securityContext: { privileged: true } }] },
        };
        const r = kubectlTry(env, ["create", "--dry-run=server", "-f", "-"], JSON.stringify(privileged));
        assert.ok(!r.ok, "a privileged pod must be rejected");
        assert.match(r.err, /violates PodSecurity "restricted/);
    });

    it("preview --expect-no-changes passes right after up", async function () {
        const t0 = Date.now();
        const res = await dev.preview({ expectNoChanges: true, diff: true, onOutput: log });
        process.stdout.write(`      (dev preview: ${((Date.now() - t0) / 1000).toFixed(1)}s)\n`);
        // "read" is the StackReference to the stack itself (the data volume guard), read on every run.
        const changed = Object.entries(res.changeSummary).filter(([op, n]) => op !== "same" && op !== "read" && (n ?? 0) > 0);
        assert.deepStrictEqual(changed, []);
    });

    it("a config change (engine schedule, web replicas) previews exactly that diff and applies", async function () {
        await setLocalConfig(dev, env, { engineSchedule: "*/7 * * * *", webReplicas: "2" });
        const events: EngineEvent[] = [];
        await dev.preview({ diff: true, onEvent: (e) => events.push(e), onOutput: log });
        const steps = stepsOf(events)
            .map((s) => `${s.op} ${s.type}`)
            .sort();
        assert.deepStrictEqual(steps, [
            "create kubernetes:policy/v1:PodDisruptionBudget",
            "update kubernetes:apps/v1:Deployment",
            "update kubernetes:batch/v1:CronJob",
        ]);
        const dep = stepsOf(events).find((s) => s.type === "kubernetes:apps/v1:Deployment")!;
        assert.match(dep.name, /web/, "the web Deployment is the one that changes");

        await dev.up({ onOutput: log });
        const outputs = await dev.outputs();
        assert.strictEqual(outputs.engineSchedule.value, "*/7 * * * *");
        assert.strictEqual(live("batch/v1", "CronJob", "bots-engine", ns).spec.schedule, "*/7 * * * *");
        const web = live("apps/v1", "Deployment", "bots-web", ns);
        assert.strictEqual(web.spec.replicas, 2);
        assert.strictEqual(web.status.readyReplicas, 2);
        const pdbs = getJson(env, ["-n", ns, "get", "poddisruptionbudgets"]).items;
        assert.strictEqual(pdbs.length, 1);
        await dev.preview({ expectNoChanges: true });
    });

    /** A request loop through the web Service (relayed from 127.0.0.1), run around `during`. */
    async function serving(during: () => Promise<void>): Promise<void> {
        const svc = (await dev.outputs()).webServiceName.value as string;
        const relay = await serviceRelay(env, ns, svc, 8080);
        try {
            const loop = requestLoop(relay.port, "/login/");
            let res;
            try {
                await during();
            } finally {
                res = await loop.stop();
            }
            process.stdout.write(`      (${res.requests} requests to the Service in ${res.seconds.toFixed(1)}s: ${JSON.stringify(res.byStatus)}, ${res.failures.length} failed)\n`);
            assert.deepStrictEqual(res.failures, [], "every request to the Service was answered with 200");
            assert.ok(res.requests >= 20, `the loop ran (${res.requests} requests)`);
        } finally {
            relay.stop();
        }
    }

    it("a new image digest replaces the init Job and rolls the workloads with zero failed requests to the Service", async function () {
        const before = await dev.outputs();
        const oldJob = before.initJobName.value as string;
        const oldRs = new Set(getJson(env, ["-n", ns, "get", "replicasets"]).items.map((r: Json) => r.metadata.name));

        await setLocalConfig(dev, env, { imageRef: IMAGE_B });
        const events: EngineEvent[] = [];
        await dev.preview({ diff: true, onEvent: (e) => events.push(e), onOutput: log });
        const steps = stepsOf(events);
        const jobSteps = steps.filter((s) => s.type === "kubernetes:batch/v1:Job").map((s) => s.op);
        assert.ok(
            jobSteps.includes("replace") || jobSteps.includes("create-replacement"),
            `the init Job is replaced: ${jobSteps.join(", ")}`,
        );
        const updated = steps.filter((s) => s.op === "update").map((s) => s.type).sort();
        assert.deepStrictEqual(updated, [
            "kubernetes:apps/v1:Deployment",
            "kubernetes:apps/v1:Deployment",
            "kubernetes:batch/v1:CronJob",
        ]);

        await serving(async () => {
            await dev.up({ onOutput: log });
            await waitFor("the rollout", deploymentsAvailable, 180_000);
        });
        const after = await dev.outputs();
        assert.strictEqual(after.imageRef.value, IMAGE_B);
        const newJob = after.initJobName.value as string;
        assert.notStrictEqual(newJob, oldJob, "the init Job has a new name");
        assert.ok(!kubectlTry(env, ["-n", ns, "get", "job", oldJob]).ok, "the old init Job is gone");
        const job = live("batch/v1", "Job", newJob, ns);
        assert.ok((job.status.conditions ?? []).some((c: Json) => c.type === "Complete" && c.status === "True"));
        for (const t of podTemplates()) {
            for (const image of images(t.spec)) {
                assert.strictEqual(image, IMAGE_B, `${t.owner} runs ${image}`);
            }
        }
        await waitFor("the rollout", deploymentsAvailable, 120_000);
        const rs = getJson(env, ["-n", ns, "get", "replicasets"]).items;
        for (const r of rs) {
            const old = oldRs.has(r.metadata.name);
            assert.strictEqual(r.spec.replicas > 0, !old, `ReplicaSet ${r.metadata.name} (${old ? "old" : "new"}) has ${r.spec.replicas} replicas`);
        }
        const running = getJson(env, ["-n", ns, "get", "pods"]).items.filter((p: Json) => p.status.phase === "Running" && !p.metadata.deletionTimestamp);
        for (const p of running) {
            assert.deepStrictEqual(images(p.spec), images(p.spec).map(() => IMAGE_B), `pod ${p.metadata.name}`);
        }
    });

    it("deleting a web pod is survived: the Service keeps answering and the Deployment replaces it", async function () {
        const pods = podsOf("web").filter((p: Json) => !p.metadata.deletionTimestamp);
        assert.strictEqual(pods.length, 2, "two web replicas (the config change above)");
        const victim = pods[0].metadata.name;
        await serving(async () => {
            // Let the loop see both pods serve first.
            await new Promise((r) => setTimeout(r, 3000));
            kubectl(env, ["-n", ns, "delete", "pod", victim, "--wait=true"]);
            await waitFor("the replacement web pod", () => deploymentsAvailable() && podsOf("web").every((p: Json) => p.metadata.name !== victim), 180_000);
            await new Promise((r) => setTimeout(r, 3000));
        });
    });

    /** Deployment name -> images and ready replicas, to show a failed up left the workloads alone. */
    function workloads(): Record<string, string> {
        const out: Record<string, string> = {};
        for (const d of getJson(env, ["-n", ns, "get", "deployments"]).items) {
            out[d.metadata.name] = `${images(d.spec.template.spec).join(",")} generation=${d.metadata.generation} ready=${d.status.readyReplicas}`;
        }
        return out;
    }

    /**
     * `up` with `bad` config must fail with `reason` in its message within the init timeout (1 minute
     * here), leaving the workloads as they were; the config is then restored and `up` succeeds again.
     */
    async function failingUp(bad: Record<string, string>, reason: RegExp): Promise<void> {
        const before = workloads();
        const restore: Record<string, string | undefined> = {};
        for (const k of [...Object.keys(bad), "initTimeoutMinutes", "initActiveDeadlineSeconds", "initBackoffLimit"]) {
            restore[k] = (await dev.getAllConfig())[`${PROJECT}:${k}`]?.value;
        }
        // The Job's own deadline bounds the wait: the provider's Job awaiter restarts its timeout on
        // every pod event (time.After in its loop), so with a pod in ImagePullBackOff the custom
        // timeout alone does not end `up` (the defaults keep the deadline below the timeout too).
        const limits = { initTimeoutMinutes: "1", initActiveDeadlineSeconds: "60", initBackoffLimit: "0" };
        await setLocalConfig(dev, env, { ...bad, ...limits });
        const t0 = Date.now();
        try {
            await assert.rejects(dev.up({ onOutput: log }), (e: Error) => {
                assert.match(e.message, reason);
                return true;
            });
            process.stdout.write(`      (failed up: ${((Date.now() - t0) / 1000).toFixed(1)}s)\n`);
            // Bounded by the 1 minute limits (plus the preview and the other steps), not by the defaults' 20 minutes.
            assert.ok(Date.now() - t0 < 4 * 60_000, "up gave up within the limits");
            assert.deepStrictEqual(workloads(), before, "the Deployments were not touched");
            assert.ok(deploymentsAvailable(), "the workloads still serve");
        } finally {
            await setLocalConfig(dev, env, Object.fromEntries([...Object.keys(bad), ...Object.keys(limits)].map((k) => [k, restore[k] ?? null])));
        }
        const res = await dev.up({ onOutput: log });
        assert.strictEqual(res.summary.result, "succeeded");
        await dev.preview({ expectNoChanges: true });
    }

    it("an image that cannot start (wrong digest) fails up with the pod's reason, within the custom timeout", async function () {
        const good = (await dev.getConfig(`${PROJECT}:imageRef`)).value;
        const wrong = `${good.split("@")[0]}@sha256:${crypto.createHash("sha256").update("no such image").digest("hex")}`;
        await failingUp({ imageRef: wrong }, /ErrImagePull|ImagePullBackOff/);
    });

    it("an init Job that cannot reach the database fails up with the pod's reason, within the custom timeout", async function () {
        // 203.0.113.0/24 (TEST-NET-3) is routed nowhere from the node: the connection fails at once.
        await failingUp({ databaseHost: "203.0.113.7" }, /BackoffLimitExceeded|Error|failed/i);
    });

    it("bad config fails before anything changes", async function () {
        const stateBefore = JSON.stringify((await stateObjects()).map((o) => o.outputs.metadata));
        // What the stack owns, by uid and spec generation: on a real node the controllers keep writing
        // status (and the CronJob starts Jobs of its own); objects without a generation by resourceVersion.
        const versions = () =>
            getJson(env, ["-n", ns, "get", "deployments,cronjobs,jobs,services,secrets,pvc"])
                .items.filter((o: Json) => !o.metadata.ownerReferences)
                .map((o: Json) => `${o.kind}/${o.metadata.name}=${o.metadata.uid}@${o.metadata.generation ?? o.metadata.resourceVersion}`)
                .sort()
                .join(" ");
        const versionsBefore = versions();

        for (const [key, value, hint] of [
            ["engineSchedule", "every five minutes", /engineSchedule.*every five minutes|every five minutes.*engineSchedule/s],
            ["webReplicas", "two", /webReplicas/],
        ] as const) {
            const good = (await dev.getConfig(`${PROJECT}:${key}`)).value;
            await setLocalConfig(dev, env, { [key]: value });
            try {
                await assert.rejects(dev.up({ onOutput: log }), (e: Error) => {
                    assert.match(e.message, hint);
                    return true;
                });
            } finally {
                await setLocalConfig(dev, env, { [key]: good });
            }
        }

        assert.strictEqual(versions(), versionsBefore, "no object in the namespace changed");
        assert.strictEqual(JSON.stringify((await stateObjects()).map((o) => o.outputs.metadata)), stateBefore, "the stack state is unchanged");
        await dev.preview({ expectNoChanges: true });
    });

    it("preview of the prod stack against the same cluster succeeds", async function () {
        const prod = await selectStack(ws, "prod");
        // Promotion: prod deploys the digest dev runs (Pulumi.prod.yaml leaves imageRef to that step).
        await setLocalConfig(prod, env, { imageRef: (await dev.outputs()).imageRef.value });
        const t0 = Date.now();
        const res = await prod.preview({ onOutput: log });
        process.stdout.write(`      (prod preview: ${((Date.now() - t0) / 1000).toFixed(1)}s)\n`);
        assert.ok((res.changeSummary.create ?? 0) > 10, `prod would create its objects: ${JSON.stringify(res.changeSummary)}`);
        const prodNs = (await prod.getConfig(`${PROJECT}:namespace`)).value;
        assert.ok(!kubectlTry(env, ["get", "namespace", prodNs]).ok, "a preview creates nothing");
    });

    it("the policy pack passes prod as configured and fails a preview that unprotects its data", async function () {
        const prod = await selectStack(ws, "prod");
        const policyPacks = [path.join(REPO_ROOT, "policy")];
        const ok = await prod.preview({ policyPacks, onOutput: log });
        assert.match(ok.stdout, /bots-edi-policies/, "the pack ran");
        // The program itself refuses protectData: false on a production stack; an acknowledged data
        // volume change is the one run in which the claim is unprotected, and the pack still stops it in prod.
        await setLocalConfig(prod, env, { dataVolumeChangeAcknowledged: "storageClass:longhorn->other" });
        try {
            await assert.rejects(prod.preview({ policyPacks, onOutput: log }), (e: Error) => {
                assert.match(e.message, /data-volume-protected/);
                assert.match(e.message, /mandatory/);
                return true;
            });
        } finally {
            await setLocalConfig(prod, env, { dataVolumeChangeAcknowledged: null });
        }
    });

    it("SIGTERM ends every pod of the workloads within its grace period with exit 0", async function () {
        for (const component of ["web", "worker"]) {
            for (const p of podsOf(component).filter((x: Json) => !x.metadata.deletionTimestamp)) {
                const grace = p.spec.terminationGracePeriodSeconds as number;
                const watch = watchPod(env, ns, p.metadata.name, (grace + 30) * 1000);
                const t0 = Date.now();
                kubectl(env, ["-n", ns, "delete", "pod", p.metadata.name, "--wait=false"]);
                const events = await watch;
                const secs = (Date.now() - t0) / 1000;
                const last = [...events].reverse().find((e: Json) => (e.status.containerStatuses ?? []).every((c: Json) => c.state.terminated));
                assert.ok(last, `pod ${p.metadata.name}: no update showed every container terminated (${events.length} updates)`);
                for (const c of last.status.containerStatuses) {
                    const t = c.state.terminated;
                    assert.strictEqual(t.exitCode, 0, `${p.metadata.name}/${c.name} ended with ${t.exitCode} (${t.reason})`);
                }
                assert.ok(secs < grace, `pod ${p.metadata.name} took ${secs.toFixed(1)}s, grace ${grace}s`);
            }
        }
        // The Deployments replace the deleted pods.
        await waitFor("the replacement pods", deploymentsAvailable, 180_000);
    });

    it("destroy of a protected stack keeps the volume and its data, and a new up finds them", async function () {
        const pvcName = (await dev.outputs()).pvcName.value as string;
        const pvcBefore = live("v1", "PersistentVolumeClaim", pvcName, ns);
        await setLocalConfig(dev, env, { protectData: "true" });
        await dev.up({ onOutput: log });
        // Data written by a pod onto the shared volume.
        const marker = `e2e ${crypto.randomBytes(8).toString("hex")}`;
        const web = podsOf("web").find((p: Json) => !p.metadata.deletionTimestamp);
        kubectl(env, ["-n", ns, "exec", web.metadata.name, "--", "sh", "-c", `echo '${marker}' > /home/bots/.bots/e2e-marker`]);
        const volumeDir = live("v1", "PersistentVolume", pvcBefore.spec.volumeName).spec.local.path as string;
        assert.strictEqual(fs.readFileSync(path.join(volumeDir, "e2e-marker"), "utf8").trim(), marker);
        const protectedObjects = (await stateObjects()).filter((o) => o.protect).map((o) => o.outputs.kind).sort();
        // The claim, and its Namespace (deleting a namespace deletes the claims in it).
        assert.deepStrictEqual(protectedObjects, ["Namespace", "PersistentVolumeClaim"]);

        // A plain destroy deletes everything else, then fails on the protected claim and namespace;
        // `destroy --exclude-protected` completes without an error.
        await assert.rejects(dev.destroy({ onOutput: log }), /cannot be deleted|protect/i);
        assert.strictEqual(live("v1", "PersistentVolumeClaim", pvcName, ns).metadata.uid, pvcBefore.metadata.uid);
        await dev.destroy({ excludeProtected: true, onOutput: log });

        const pvcAfter = live("v1", "PersistentVolumeClaim", pvcName, ns);
        assert.strictEqual(pvcAfter.metadata.uid, pvcBefore.metadata.uid, "the same claim is still there");
        assert.strictEqual(pvcAfter.status.phase, "Bound");
        assert.strictEqual(pvcAfter.metadata.deletionTimestamp, undefined);
        for (const kind of ["deployments", "cronjobs", "services"]) {
            await waitFor(`${kind} deleted`, () => getJson(env, ["-n", ns, "get", kind]).items.length === 0, 60_000);
        }
        const left = (await stateObjects()).map((o) => o.outputs.kind).sort();
        assert.ok(left.includes("PersistentVolumeClaim"), `the claim stays in the stack: ${left.join(", ")}`);
        assert.strictEqual(fs.readFileSync(path.join(volumeDir, "e2e-marker"), "utf8").trim(), marker, "the data is still on the volume");
        assert.ok(fs.existsSync(path.join(volumeDir, "env", "dev", "usersys")), "Bots' environment is still on the volume");

        // A new up deploys onto the same claim, and its pods see the data.
        const res = await upDev();
        assert.strictEqual(res.summary.result, "succeeded");
        assert.strictEqual(live("v1", "PersistentVolumeClaim", pvcName, ns).metadata.uid, pvcBefore.metadata.uid);
        await waitFor("the web pods", deploymentsAvailable, 180_000);
        const web2 = podsOf("web").find((p: Json) => !p.metadata.deletionTimestamp);
        assert.strictEqual(kubectl(env, ["-n", ns, "exec", web2.metadata.name, "--", "cat", "/home/bots/.bots/e2e-marker"]).trim(), marker);
    });
});
