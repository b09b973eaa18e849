import * as assert from "assert";
import { StackRun, T, ofType, one, runStack } from "../support/harness";
import { reveal } from "../support/values";

/** The settings Secret (the other Secrets hold one secret value each). */
const settings = (run: StackRun) => {
    const r = ofType(run, T.secret).find((x) => x.name === "bots-config");
    assert.ok(r, "no settings Secret bots-config");
    return r;
};
/** The Secret holding one secret value, by its data key. */
const valueSecret = (run: StackRun, key: string) => ofType(run, T.secret).find((x) => x.name !== "bots-config" && key in reveal(x.inputs.stringData));

const byName = (run: StackRun, type: string, name: string) => {
    const r = ofType(run, type).find((x) => x.inputs.metadata?.name === name);
    assert.ok(r, `no ${type} named ${name}`);
    return r;
};

describe("topology", () => {
    let dev: StackRun;
    let prod: StackRun;
    before(async () => {
        dev = await runStack({ stack: "dev" });
        prod = await runStack({ stack: "prod" });
    });

    it("registers the expected kinds and counts per stack", () => {
        const count = (run: StackRun) => {
            const m: Record<string, number> = {};
            for (const r of run.resources.filter((x) => !x.type.startsWith("pulumi:providers:"))) {
                m[r.type] = (m[r.type] ?? 0) + 1;
            }
            return m;
        };
        const common = {
            [T.namespace]: 1,
            [T.serviceAccount]: 1,
            [T.secret]: 3,
            [T.pvc]: 1,
            [T.job]: 1,
            [T.deployment]: 2,
            // the web Service and the worker's headless metrics Service
            [T.service]: 2,
            [T.cronJob]: 1,
            [T.ingress]: 1,
            // the Django secret key, the superuser password and the key that names the Secrets
            [T.randomPassword]: 3,
        };
        assert.deepStrictEqual(count(dev), { ...common, [T.image]: 2, [T.index]: 1 }, "dev builds; one web pod, no PDB");
        assert.deepStrictEqual(count(prod), { ...common, [T.cronJob]: 2, [T.pdb]: 1, [T.networkPolicy]: 3 }, "prod deploys a digest; two web pods with a PDB; NetworkPolicies");
    });

    it("gives every resource an explicit provider (default providers are disabled)", () => {
        for (const run of [dev, prod]) {
            for (const r of run.resources.filter((x) => !x.type.startsWith("pulumi:providers:"))) {
                const pkg = r.type.split(":")[0];
                assert.match(r.provider ?? "", new RegExp(`::pulumi:providers:${pkg}::`), `${r.type} ${r.name} has no explicit ${pkg} provider`);
            }
        }
    });

    it("points the kubernetes provider at the configured context, never the current one", () => {
        const p = one(dev, "pulumi:providers:kubernetes").inputs;
        assert.strictEqual(p.context, "bots-dev");
        assert.strictEqual(p.clusterIdentifier, "bots-dev");
        assert.strictEqual(p.namespace, "bots-edi-dev");
    });

    it("labels the namespace for the restricted Pod Security profile, with a version pin", () => {
        const labels = one(dev, T.namespace).inputs.metadata.labels;
        for (const mode of ["enforce", "audit", "warn"]) {
            assert.strictEqual(labels[`pod-security.kubernetes.io/${mode}`], "restricted");
            assert.strictEqual(labels[`pod-security.kubernetes.io/${mode}-version`], "v1.34");
        }
        assert.strictEqual(one(dev, T.namespace).inputs.metadata.name, "bots-edi-dev");
    });

    it("creates one ServiceAccount without a token", () => {
        const sa = one(dev, T.serviceAccount).inputs;
        assert.strictEqual(sa.automountServiceAccountToken, false);
        assert.strictEqual(sa.metadata.namespace, "bots-edi-dev");
    });

    it("renders the config Secret: bots.ini, settings.py and the environment, secrets generated", () => {
        const data = reveal(settings(dev).inputs.stringData);
        assert.match(data["bots.ini"], /\[acceptance\]\n(#.*\n)*runacceptancetest = False/);
        const watched = [...data["bots.ini"].matchAll(/^path = (.*)$/gm)].map((m: RegExpMatchArray) => m[1]);
        assert.deepStrictEqual(watched, ["botssys/infile"], "the monitor watches only the env's inbox");
        assert.match(data["bots.ini"], /^botssys = botssys$/m, "the entrypoint anchors botssys in the env dir");
        assert.match(data["bots.ini"], /^usersys = usersys$/m);
        assert.match(data["bots.ini"], /^log_file_number = 10$/m, "keys the image's default has are kept");
        assert.match(data["bots.ini"], /^environment_text = bots-edi-deploy\/dev$/m);
        assert.match(data["bots.ini"], /\[jobqueue\]\n(#.*\n)*enabled = True\nport = 28082/);
        assert.match(data["bots.ini"], /\[webserver\]\nenvironment = production\n(#.*\n)*port = 8080/);
        assert.match(data["bots.ini"], /maxruntime = 60/);
        assert.match(data["settings.py"], /^from bots_runtime\.settings import \*/m);
        assert.strictEqual(data.BOTSENV, "dev");
        assert.strictEqual(data.BOTS_DB_ENGINE, "postgresql");
        assert.strictEqual(data.DB_HOST, "postgres.databases-dev.svc.cluster.local");
        assert.strictEqual(data.DB_PORT, "5432");
        assert.strictEqual(data.LOG_LEVEL, "DEBUG");
        for (const key of ["DB_PASSWORD", "DJANGO_SECRET_KEY", "SUPERUSER_PASSWORD", "EMAIL_HOST_PASSWORD"]) {
            assert.ok(!(key in data), `the settings Secret holds no secret value, but has ${key}`);
        }
        assert.match(reveal(valueSecret(dev, "DJANGO_SECRET_KEY")!.inputs.stringData).DJANGO_SECRET_KEY, /^generated-by-random-mock-/);
        assert.match(reveal(valueSecret(dev, "SUPERUSER_PASSWORD")!.inputs.stringData).SUPERUSER_PASSWORD, /^generated-by-random-mock-/);
        assert.strictEqual(valueSecret(dev, "DB_PASSWORD"), undefined, "dev reads the password from its existing Secret");
        const keyGen = ofType(dev, T.randomPassword).find((r) => r.name.endsWith("django-secret-key"))!;
        assert.ok(keyGen.inputs.length >= 50);
    });

    it("marks every Secret's payload as secret", () => {
        for (const s of ofType(dev, T.secret)) {
            assert.notDeepStrictEqual(s.inputs.stringData, reveal(s.inputs.stringData), `${s.name}: stringData is not wrapped as a secret`);
        }
    });

    it("uses a supplied secret key and password instead of generating them", async () => {
        const run = await runStack({
            stack: "dev",
            secrets: { djangoSecretKey: "k".repeat(50), superuserPassword: "given-password" },
        });
        assert.deepStrictEqual(ofType(run, T.randomPassword).map((r) => r.name), ["bots-config-naming-key"], "only the key that names the Secrets");
        assert.deepStrictEqual(reveal(valueSecret(run, "DJANGO_SECRET_KEY")!.inputs.stringData), { DJANGO_SECRET_KEY: "k".repeat(50) });
        assert.deepStrictEqual(reveal(valueSecret(run, "SUPERUSER_PASSWORD")!.inputs.stringData), { SUPERUSER_PASSWORD: "given-password" });
    });

    it("creates no Secret and generates nothing with existingConfigSecret", async () => {
        const run = await runStack({ stack: "dev", set: { existingConfigSecret: "bots-config-external" } });
        assert.strictEqual(ofType(run, T.secret).length, 0);
        assert.strictEqual(ofType(run, T.randomPassword).length, 0);
        const web = byName(run, T.deployment, "bots-web").inputs.spec.template.spec;
        assert.strictEqual(web.volumes.find((v: { name: string }) => v.name === "config").secret.secretName, "bots-config-external");
        assert.strictEqual(run.outputs.configSecretName, "bots-config-external");
    });

    it("claims a ReadWriteMany volume with the stack's class and size", () => {
        const pvc = one(dev, T.pvc).inputs;
        assert.deepStrictEqual(pvc.spec.accessModes, ["ReadWriteMany"]);
        assert.strictEqual(pvc.spec.storageClassName, "longhorn");
        assert.strictEqual(pvc.spec.resources.requests.storage, "5Gi");
        assert.strictEqual(one(prod, T.pvc).inputs.spec.resources.requests.storage, "50Gi");
    });

    it("protects and retains the claim on every stack; the namespace only with protectData (prod)", () => {
        const opts = (run: StackRun, key: string) => run.options.get(key)!;
        for (const run of [dev, prod]) {
            assert.strictEqual(opts(run, `${T.pvc}::bots-data`).protect, true);
            assert.strictEqual(opts(run, `${T.pvc}::bots-data`).retainOnDelete, true);
        }
        const ns = `${T.namespace}::bots-namespace`;
        assert.strictEqual(opts(prod, ns).protect, true);
        assert.strictEqual(opts(prod, ns).retainOnDelete, true);
        assert.strictEqual(opts(dev, ns).protect, false);
        assert.strictEqual(opts(dev, ns).retainOnDelete, false);
    });

    it("mounts an existing claim instead of creating one", async () => {
        const run = await runStack({ stack: "dev", set: { existingClaim: "edi-files" } });
        assert.strictEqual(ofType(run, T.pvc).length, 0);
        const spec = byName(run, T.deployment, "bots-web").inputs.spec.template.spec;
        assert.strictEqual(spec.volumes.find((v: { name: string }) => v.name === "data").persistentVolumeClaim.claimName, "edi-files");
        assert.strictEqual(run.outputs.pvcName, "edi-files");
    });

    it("runs db-init as a Job: Never restart, backoff and deadline, no TTL, custom timeouts, replaced when unready, awaited", () => {
        const job = one(prod, T.job).inputs;
        assert.strictEqual(job.spec.template.spec.restartPolicy, "Never");
        assert.strictEqual(job.spec.backoffLimit, 1);
        assert.strictEqual(job.spec.activeDeadlineSeconds, 2400);
        assert.strictEqual(job.spec.ttlSecondsAfterFinished, undefined);
        // `up` must wait for the Job (workloads depend on it): no pulumi.com/skipAwait, nothing else.
        assert.deepStrictEqual(job.metadata.annotations, { "pulumi.com/replaceUnready": "true" });
        assert.deepStrictEqual(job.spec.template.spec.containers[0].args, ["init-db"]);
        assert.deepStrictEqual(prod.options.get(`${T.job}::bots-db-init`)!.customTimeouts, { create: "40m", update: "40m" });
    });

    it("makes every workload wait for the init Job, and the Job and workloads for the Secrets", () => {
        const secrets = ["bots-config", "bots-config-django-secret-key", "bots-config-superuser-password"];
        for (const key of [`${T.deployment}::bots-web`, `${T.deployment}::bots-worker`, `${T.cronJob}::bots-engine`]) {
            assert.deepStrictEqual(dev.options.get(key)!.dependsOn, ["bots-db-init", ...secrets], key);
        }
        assert.deepStrictEqual(dev.options.get(`${T.job}::bots-db-init`)!.dependsOn, secrets);
    });

    it("schedules the engine: Forbid, deadlines, history and its TTL, time zone, suspend, no retry on exit 2 and 3", () => {
        const cron = one(dev, T.cronJob, "bots-engine").inputs;
        assert.strictEqual(cron.spec.schedule, "*/2 * * * *");
        assert.strictEqual(one(prod, T.cronJob, "bots-engine").inputs.spec.schedule, "*/5 * * * *");
        assert.strictEqual(cron.spec.concurrencyPolicy, "Forbid");
        assert.strictEqual(cron.spec.startingDeadlineSeconds, 180);
        assert.strictEqual(cron.spec.successfulJobsHistoryLimit, 3);
        assert.strictEqual(cron.spec.failedJobsHistoryLimit, 3);
        assert.strictEqual(cron.spec.timeZone, "Etc/UTC");
        assert.strictEqual(cron.spec.suspend, false);
        const job = cron.spec.jobTemplate.spec;
        assert.strictEqual(job.ttlSecondsAfterFinished, 3600, "finished engine Jobs do not hold the data claim for good");
        assert.strictEqual(job.activeDeadlineSeconds, 3000);
        assert.strictEqual(job.backoffLimit, 1);
        assert.strictEqual(job.template.spec.restartPolicy, "Never");
        assert.deepStrictEqual(job.podFailurePolicy.rules[0], {
            action: "FailJob",
            onExitCodes: { containerName: "engine", operator: "In", values: [2, 3] },
        });
        assert.strictEqual(job.podFailurePolicy.rules[1].action, "Ignore");
        const engine = job.template.spec.containers[0];
        assert.deepStrictEqual(engine.args, ["engine", "--new"]);
        assert.strictEqual(engine.command, undefined, "keeps the image's ENTRYPOINT (tini)");
        assert.strictEqual(job.template.spec.terminationGracePeriodSeconds, 120);
    });

    it("deletes finished engine Jobs after engineJobTtlSeconds; the init Job keeps none", async () => {
        const run = await runStack({ stack: "dev", set: { engineJobTtlSeconds: "600" } });
        assert.strictEqual(one(run, T.cronJob, "bots-engine").inputs.spec.jobTemplate.spec.ttlSecondsAfterFinished, 600);
        assert.strictEqual(one(run, T.job).inputs.spec.ttlSecondsAfterFinished, undefined, "Pulumi owns the init Job: a TTL would delete it from under the state");
    });

    it("passes engine route ids positionally and honours suspend and time zone", async () => {
        const run = await runStack({
            stack: "dev",
            set: { engineArgs: '["--new","orders_in"]', engineSuspend: "true", engineTimeZone: "Europe/Amsterdam" },
        });
        const cron = one(run, T.cronJob, "bots-engine").inputs;
        assert.deepStrictEqual(cron.spec.jobTemplate.spec.template.spec.containers[0].args, ["engine", "--new", "orders_in"]);
        assert.strictEqual(cron.spec.suspend, true);
        assert.strictEqual(cron.spec.timeZone, "Europe/Amsterdam");
    });

    it("runs the web server with rolling updates, HTTP probes on our health paths and a Service", () => {
        const d = byName(dev, T.deployment, "bots-web").inputs;
        assert.strictEqual(d.spec.replicas, 1);
        assert.deepStrictEqual(d.spec.strategy, { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } });
        const c = d.spec.template.spec.containers[0];
        assert.deepStrictEqual(c.args, ["webserver"]);
        assert.deepStrictEqual(c.ports, [
            { name: "http", containerPort: 8080, protocol: "TCP" },
            { name: "metrics", containerPort: 9464, protocol: "TCP" },
        ]);
        assert.strictEqual(c.startupProbe.httpGet.path, "/health/startup");
        assert.strictEqual(c.readinessProbe.httpGet.path, "/health/ready");
        assert.strictEqual(c.livenessProbe.httpGet.path, "/health/live");
        for (const p of [c.startupProbe, c.readinessProbe, c.livenessProbe]) {
            assert.deepStrictEqual(p.httpGet.httpHeaders, [{ name: "Host", value: "localhost" }]);
        }
        assert.deepStrictEqual(d.spec.selector.matchLabels, {
            "app.kubernetes.io/name": "bots",
            "app.kubernetes.io/instance": "dev",
            "app.kubernetes.io/component": "web",
        });
        const svc = byName(dev, T.service, "bots-web").inputs;
        assert.strictEqual(svc.spec.type, "ClusterIP");
        assert.deepStrictEqual(svc.spec.selector, d.spec.selector.matchLabels);
        assert.deepStrictEqual(svc.spec.ports, [
            { name: "http", port: 8080, targetPort: "http", protocol: "TCP" },
            { name: "metrics", port: 9464, targetPort: "metrics", protocol: "TCP" },
        ]);
    });

    it("adds a PodDisruptionBudget only when web has more than one pod", () => {
        assert.strictEqual(ofType(dev, T.pdb).length, 0);
        const pdb = one(prod, T.pdb).inputs;
        assert.strictEqual(pdb.spec.maxUnavailable, 1);
        assert.strictEqual(byName(prod, T.deployment, "bots-web").inputs.spec.replicas, 2);
    });

    it("runs job queue and directory monitor as two containers of one Recreate pod", () => {
        const d = byName(dev, T.deployment, "bots-worker").inputs;
        assert.strictEqual(d.spec.replicas, 1);
        assert.deepStrictEqual(d.spec.strategy, { type: "Recreate" });
        const [queue, monitor] = d.spec.template.spec.containers;
        assert.deepStrictEqual(queue.args, ["jobqueueserver"]);
        assert.deepStrictEqual(monitor.args, ["dirmonitor"]);
        assert.deepStrictEqual(queue.livenessProbe.exec.command, ["bots-healthcheck", "jobqueue"]);
        assert.deepStrictEqual(queue.readinessProbe.exec.command, ["bots-healthcheck", "jobqueue"]);
        assert.deepStrictEqual(monitor.livenessProbe.exec.command, ["bots-healthcheck", "dirmonitor"]);
        assert.strictEqual(d.spec.template.spec.terminationGracePeriodSeconds, 120);
    });

    it("drops the worker and disables the job queue when the directory monitor is off", async () => {
        const run = await runStack({ stack: "dev", set: { workerEnabled: "false" } });
        assert.deepStrictEqual(ofType(run, T.deployment).map((d) => d.inputs.metadata.name), ["bots-web"]);
        assert.match(reveal(settings(run).inputs.stringData)["bots.ini"], /\[jobqueue\]\n(#.*\n)*enabled = False/);
    });

    it("exposes the UI through an Ingress with TLS and the cert-manager issuer", () => {
        const ing = one(prod, T.ingress).inputs;
        assert.strictEqual(ing.spec.ingressClassName, "traefik");
        assert.deepStrictEqual(ing.spec.tls, [{ hosts: ["edi.example.com"], secretName: "bots-edi-tls" }]);
        assert.strictEqual(ing.metadata.annotations["cert-manager.io/cluster-issuer"], "letsencrypt-prod");
        const path = ing.spec.rules[0].http.paths[0];
        assert.strictEqual(ing.spec.rules[0].host, "edi.example.com");
        assert.deepStrictEqual(path.backend, { service: { name: "bots-web", port: { name: "http" } } });
    });

    it("has no Ingress without a host", async () => {
        const run = await runStack({ stack: "dev", set: { ingressHost: "", ingressTlsSecret: "", ingressClusterIssuer: "" } });
        assert.strictEqual(ofType(run, T.ingress).length, 0);
        assert.strictEqual(run.outputs.ingressUrl, undefined);
    });

    it("applies per-component resources from config", () => {
        const web = byName(prod, T.deployment, "bots-web").inputs.spec.template.spec.containers[0];
        assert.deepStrictEqual(web.resources, { requests: { cpu: "250m", memory: "512Mi" }, limits: { cpu: "1", memory: "1Gi" } });
        const engine = one(prod, T.cronJob, "bots-engine").inputs.spec.jobTemplate.spec.template.spec.containers[0];
        assert.deepStrictEqual(engine.resources, { requests: { cpu: "500m", memory: "1Gi" }, limits: { cpu: "2", memory: "2Gi" } });
    });

    it("mounts the database password from the existing Secret where configured, and points the image at each file", () => {
        const spec = byName(prod, T.deployment, "bots-web").inputs.spec.template.spec;
        const sources = spec.volumes.find((v: { name: string }) => v.name === "secrets").projected.sources.map((p: { secret: unknown }) => p.secret);
        assert.strictEqual(sources.length, 2);
        assert.match(sources[0].name, /^bots-config-django-secret-key-[a-f0-9]{10}$/, "the generated key's own Secret");
        assert.deepStrictEqual(sources[0].items, [{ key: "DJANGO_SECRET_KEY", path: "django-secret-key" }]);
        assert.deepStrictEqual(sources[1], { name: "bots-db", items: [{ key: "DB_PASSWORD", path: "db-password" }] });
        const env = spec.containers[0].env;
        const files = env.filter((e: { name: string }) => e.name.endsWith("_FILE"));
        assert.deepStrictEqual(files, [
            { name: "DJANGO_SECRET_KEY_FILE", value: "/run/secrets/bots/django-secret-key" },
            { name: "DB_PASSWORD_FILE", value: "/run/secrets/bots/db-password" },
        ]);
        assert.deepStrictEqual(spec.volumes.find((v: { name: string }) => v.name === "secrets").projected.defaultMode, 0o440);
    });

    it("adds no NetworkPolicy unless enabled; prod's stack file enables them", () => {
        assert.strictEqual(ofType(dev, T.networkPolicy).length, 0);
        assert.deepStrictEqual(ofType(prod, T.networkPolicy).map((p) => p.inputs.metadata.name).sort(), ["bots-default-deny-ingress", "bots-metrics-ingress", "bots-web-ingress"]);
    });

    it("denies ingress by default and opens only the web port to the ingress namespaces when enabled", async () => {
        const run = await runStack({ stack: "prod", set: { networkPolicyEnabled: "true", networkPolicyIngressNamespaces: '["traefik"]' } });
        const order = ["bots-default-deny-ingress", "bots-web-ingress", "bots-metrics-ingress"];
        const policies = ofType(run, T.networkPolicy).map((p) => p.inputs).sort((a, b) => order.indexOf(a.metadata.name) - order.indexOf(b.metadata.name));
        assert.deepStrictEqual(policies.map((p) => p.metadata.name), order);
        assert.deepStrictEqual(policies[0].spec, { podSelector: {}, policyTypes: ["Ingress"] });
        assert.deepStrictEqual(policies[2].spec.ingress, [
            { from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } } }], ports: [{ protocol: "TCP", port: 9464 }] },
        ]);
        assert.deepStrictEqual(policies[2].spec.podSelector.matchExpressions, [{ key: "app.kubernetes.io/component", operator: "In", values: ["web", "worker"] }]);
        const web = policies[1].spec;
        assert.strictEqual(web.podSelector.matchLabels["app.kubernetes.io/component"], "web");
        assert.deepStrictEqual(web.ingress[0].ports, [{ protocol: "TCP", port: 8080 }]);
        assert.deepStrictEqual(web.ingress[0].from, [
            { podSelector: {} },
            { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "traefik" } } },
        ]);
    });

    it("restricts egress to DNS and the given CIDRs only when CIDRs are given", async () => {
        const run = await runStack({ stack: "prod", set: { networkPolicyEnabled: "true", networkPolicyEgressCidrs: '["10.20.0.0/16"]' } });
        const egress = ofType(run, T.networkPolicy).find((p) => p.inputs.metadata.name === "bots-egress")!.inputs.spec;
        assert.deepStrictEqual(egress.policyTypes, ["Egress"]);
        assert.deepStrictEqual(egress.egress[0].ports.map((p: { port: number }) => p.port), [53, 53]);
        assert.deepStrictEqual(egress.egress[1], { to: [{ ipBlock: { cidr: "10.20.0.0/16" } }] });
    });
});
