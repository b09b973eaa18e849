import * as docker from "@pulumi/docker";
import * as dockerBuild from "@pulumi/docker-build";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { AppConfig, ConfigError } from "./stack-config/config";
import { BotsImage } from "./image/bots-image";
import { BotsNamespace } from "./kubernetes/namespace";
import { BotsPodArgs, SecretFile } from "./kubernetes/bots-pod";
import { BotsServiceAccount } from "./kubernetes/service-account";
import { ChannelCredentialsSecret } from "./kubernetes/channel-credentials-secret";
import { BotsWeb } from "./kubernetes/web";
import { ConfigSecret, sha256 } from "./kubernetes/config-secret";
import { CLAIM_NAME, DataVolume } from "./kubernetes/data-volume";
import { ACK_KEY, DataVolumeSpec, GuardResult, PlannedVolume, guardDataVolume } from "./guards/data-volume-guard";
import { DbInitJob } from "./kubernetes/db-init-job";
import { BackupCronJob } from "./kubernetes/backup-cronjob";
import { EngineCronJob } from "./kubernetes/engine-cronjob";
import { FileExchange } from "./kubernetes/file-exchange";
import { BotsNetworkPolicy } from "./kubernetes/network-policy";
import { WebIngress } from "./kubernetes/web-ingress";
import { WorkerDeployment } from "./kubernetes/worker-deployment";
import { BotsServiceMonitor } from "./kubernetes/service-monitor";
import { BotsPrometheusRule } from "./kubernetes/prometheus-rule";
import { GrafanaDashboard } from "./kubernetes/grafana-dashboard";
import { clusterProvider } from "./kubernetes/k8s-provider";
import { labels } from "./kubernetes/labels";
import { METRICS_PORT, SECRETS_READ, SecretName } from "./image/runtime-contract";
import { renderBotsIni } from "./rendered/bots-ini";
import { renderSettingsPy } from "./rendered/settings-py";

export interface BotsAppArgs {
    /** The validated stack configuration. */
    config: AppConfig;
    /** The data volume guard's verdict for this run (it has passed, or nothing is registered). */
    volume: pulumi.Output<GuardResult>;
}

/** The stack outputs: a public contract other teams read (README, "Stack outputs"). No secret values. */
export interface BotsAppOutputs {
    namespace: pulumi.Output<string>;
    imageRef: pulumi.Output<string>;
    imageDigest: pulumi.Output<string>;
    webServiceName: pulumi.Output<string>;
    webUrl: pulumi.Output<string>;
    ingressUrl?: pulumi.Output<string>;
    pvcName: pulumi.Output<string>;
    /** The data claim's recorded spec (JSON), read back by the next run's data volume guard. */
    dataVolume: pulumi.Output<string>;
    configSecretName: pulumi.Output<string>;
    engineSchedule: pulumi.Output<string>;
    initJobName: pulumi.Output<string>;
}

/** The whole Bots topology of one environment. */
export class BotsApp extends pulumi.ComponentResource {
    public readonly outputs: BotsAppOutputs;

    constructor(name: string, args: BotsAppArgs, opts?: pulumi.ComponentResourceOptions) {
        super("bots:app:BotsApp", name, {}, opts);
        const c = args.config;
        const env = c.bots.env;

        const image = new BotsImage(
            `${name}-image`,
            {
                repository: c.image.repository,
                botsSource: c.image.botsSource,
                existing: c.image.reference ? { tag: c.image.reference.tag, digest: c.image.reference.digest } : undefined,
                build:
                    c.image.mode === "build"
                        ? {
                              platforms: c.image.platforms,
                              cache: c.image.cache,
                              botsSourceDir: c.image.botsSourceDir,
                              plugins: c.image.plugins,
                              tag: c.stack,
                              registry: c.image.registry,
                          }
                        : undefined,
            },
            { parent: this },
        );
        const ns = new BotsNamespace(
            `${name}-namespace`,
            {
                namespace: c.kubernetes.namespace,
                adoptNamespace: c.kubernetes.adoptNamespace,
                podSecurityVersion: c.kubernetes.podSecurityVersion,
                labels: labels(env, "config"),
                protect: c.storage.protect,
                production: c.production,
            },
            { parent: this },
        );
        const namespace = ns.name;
        const sa = new BotsServiceAccount(`${name}-sa`, { namespace, labels: labels(env, "config") }, { parent: this });
        const config = new ConfigSecret(
            `${name}-config`,
            {
                namespace,
                labels: labels(env, "config"),
                data: configData(c),
                supplied: {
                    DJANGO_SECRET_KEY: c.bots.djangoSecretKey,
                    SUPERUSER_PASSWORD: c.bots.superuser.password,
                    DB_PASSWORD: c.database.engine === "sqlite" ? undefined : c.database.password,
                    EMAIL_HOST_PASSWORD: c.bots.email.password,
                },
                external: externalSecrets(c),
                existingSecretName: c.bots.existingConfigSecret,
            },
            { parent: this },
        );
        const data = new DataVolume(
            `${name}-data`,
            {
                namespace,
                storageClass: args.volume.apply((v) => v.storageClassInput || undefined),
                size: c.storage.size,
                accessMode: c.storage.accessMode,
                existingClaim: c.storage.existingClaim,
                changeAcknowledged: c.storage.changeAcknowledged !== undefined,
                labels: labels(env, "data"),
            },
            { parent: this },
        );

        const channels = c.channelCredentials
            ? new ChannelCredentialsSecret(
                  `${name}-channel-credentials`,
                  { namespace, labels: labels(env, "config"), json: c.channelCredentials.json, keyChannels: c.channelCredentials.keyChannels },
                  { parent: this },
              )
            : undefined;

        /** The pod of a process kind: exactly the secret files it reads, and a checksum over them and the settings. */
        const podFor = (kind: keyof typeof SECRETS_READ): BotsPodArgs => {
            const secrets = SECRETS_READ[kind].map((n) => config.files[n]).filter((f): f is SecretFile => f !== undefined);
            return {
                image: image.ref,
                imagePullPolicy: c.image.pullPolicy,
                imagePullSecrets: c.image.pullSecrets,
                configSecretName: config.secretName,
                configChecksum: workloadChecksum(config.checksum, secrets),
                secrets,
                claimName: data.claimName,
                serviceAccountName: sa.name,
                // init-db writes the channels' secrets into their rows; the engine reads only key files.
                channelSecret: kind === "init" ? channels?.initMount : channels?.keyMount,
            };
        };
        const pod = podFor("service");
        const channelSecrets = channels ? [channels.secret] : [];

        const init = new DbInitJob(
            `${name}-db-init`,
            {
                namespace,
                botsEnv: env,
                pod: podFor("init"),
                settingsChecksum: config.checksum,
                ...c.init,
                activateRoutes: c.image.activateRoutes,
                channelCredentialsName: channels?.secretName,
                dependsOn: [...config.secrets, ...channelSecrets],
            },
            { parent: this },
        );
        // The Secrets are named here, not read from their outputs (ConfigSecret says why): the
        // workloads wait for them explicitly.
        const afterInit = [init.job, ...config.secrets, ...channelSecrets];

        const web = new BotsWeb(
            `${name}-web`,
            { namespace, botsEnv: env, pod, ...c.web, dependsOn: afterInit, metrics: c.metrics !== undefined },
            { parent: this },
        );
        if (c.worker.enabled) {
            new WorkerDeployment(
                `${name}-worker`,
                {
                    namespace,
                    botsEnv: env,
                    pod,
                    ...c.worker,
                    dependsOn: afterInit,
                    metrics: c.metrics !== undefined,
                },
                { parent: this },
            );
        }
        const e = c.engine;
        new EngineCronJob(`${name}-engine`, { namespace, botsEnv: env, pod, ...e, dependsOn: afterInit }, { parent: this });
        const x = c.fileExchange;
        if (x) {
            new FileExchange(
                `${name}-exchange`,
                {
                    namespace,
                    botsEnv: env,
                    ...x,
                    image: image.ref,
                    imagePullPolicy: c.image.pullPolicy,
                    imagePullSecrets: c.image.pullSecrets,
                    serviceAccountName: sa.name,
                    claimName: data.claimName,
                },
                { parent: this },
            );
        }
        if (c.backup) {
            new BackupCronJob(
                `${name}-backup`,
                {
                    namespace,
                    botsEnv: env,
                    stack: c.stack,
                    pod,
                    backup: c.backup,
                    timeZone: e.timeZone,
                    engineMaxRuntimeMinutes: e.maxRuntimeMinutes,
                    dependsOn: afterInit,
                },
                { parent: this },
            );
        }
        if (c.networkPolicy) {
            new BotsNetworkPolicy(`${name}-netpol`, { namespace, botsEnv: env, ...c.networkPolicy, metricsNamespaces: c.metrics?.scrapeNamespaces }, { parent: this });
        }
        this.monitoring(name, c, ns);
        const ingress = c.ingress
            ? new WebIngress(`${name}-ingress`, { namespace, botsEnv: env, ...c.ingress, serviceName: web.serviceName }, { parent: this })
            : undefined;

        this.outputs = {
            namespace,
            imageRef: image.ref,
            imageDigest: image.digest,
            webServiceName: web.serviceName,
            webUrl: pulumi.interpolate`http://${web.serviceName}.${namespace}.svc.cluster.local:${web.port}/`,
            ingressUrl: ingress ? pulumi.output(ingress.url) : undefined,
            pvcName: data.claimName,
            dataVolume: data.spec.apply((spec) => JSON.stringify(spec)),
            configSecretName: config.secretName,
            engineSchedule: pulumi.output(c.engine.schedule),
            initJobName: init.jobName,
        };
        this.registerOutputs({ ...this.outputs });
    }

    /** What a Prometheus Operator and Grafana pick up: ServiceMonitor, PrometheusRule, dashboard (each opt-in). */
    private monitoring(name: string, c: AppConfig, ns: BotsNamespace): void {
        const m = c.metrics;
        const opts = { parent: this, dependsOn: [ns] };
        const where = { namespace: c.kubernetes.namespace, botsEnv: c.bots.env };
        if (m?.serviceMonitor) {
            new BotsServiceMonitor(`${name}-service-monitor`, { ...where, ...m.serviceMonitor }, opts);
        }
        if (m?.prometheusRule) {
            new BotsPrometheusRule(`${name}-prometheus-rule`, { ...where, ...m.prometheusRule }, opts);
        }
        if (m?.dashboard) {
            new GrafanaDashboard(`${name}-dashboard`, { ...where, sidecarLabel: m.dashboard.label }, opts);
        }
    }
}

/**
 * A workload's checksum: the settings' digest and the Secrets (by name) and keys it mounts. A
 * secret value's Secret is named by a keyed digest of the value (ConfigSecret), so its name is the
 * value's version; no plain digest of a secret value (a weak password could be guessed from it) is
 * shown.
 */
function workloadChecksum(settings: pulumi.Input<string>, secrets: SecretFile[]): pulumi.Output<string> {
    return pulumi
        .all([settings, ...secrets.map((s) => s.secretName)])
        .apply(([base, ...names]) => sha256([base, ...secrets.map((s, i) => `${s.name}=${names[i]}/${s.key}`)].join("\n")));
}

/** Secret values that live in Secrets the stack does not own, and where. */
function externalSecrets(c: AppConfig): Partial<Record<SecretName, { name: string; key: string }>> {
    const out: Partial<Record<SecretName, { name: string; key: string }>> = {};
    const existing = c.bots.existingConfigSecret;
    if (existing) {
        out.DJANGO_SECRET_KEY = { name: existing, key: "DJANGO_SECRET_KEY" };
        out.SUPERUSER_PASSWORD = { name: existing, key: "SUPERUSER_PASSWORD" };
        if (c.database.engine !== "sqlite") {
            out.DB_PASSWORD = { name: existing, key: "DB_PASSWORD" };
        }
        if (c.bots.email.user !== "") {
            out.EMAIL_HOST_PASSWORD = { name: existing, key: "EMAIL_HOST_PASSWORD" };
        }
    }
    if (c.database.existingSecret && c.database.engine !== "sqlite") {
        out.DB_PASSWORD = c.database.existingSecret;
    }
    return out;
}

/**
 * The config Secret's plain entries: what the image reads from the environment and the rendered
 * files. Secret values are never among them: ConfigSecret keeps each in a Secret of its own.
 */
function configData(c: AppConfig): Record<string, string> {
    const db = c.database;
    return {
        BOTSENV: c.bots.env,
        BOTS_DB_ENGINE: db.engine,
        DB_NAME: db.engine === "sqlite" ? `botsdb-${c.bots.env}` : db.name,
        DB_HOST: db.host,
        DB_PORT: db.port ? String(db.port) : "",
        DB_USER: db.user,
        TIME_ZONE: c.bots.timeZone,
        ALLOWED_HOSTS: c.bots.allowedHosts.join(","),
        CSRF_TRUSTED_ORIGINS: c.bots.csrfTrustedOrigins.join(","),
        DEBUG: c.bots.debug ? "true" : "false",
        LOG_LEVEL: c.bots.logLevel,
        LOG_FORMAT: c.bots.logFormat,
        BOTS_METRICS_PORT: c.metrics ? String(METRICS_PORT) : "0",
        EMAIL_HOST: c.bots.email.host,
        EMAIL_PORT: String(c.bots.email.port),
        EMAIL_USE_TLS: c.bots.email.useTls ? "true" : "false",
        EMAIL_HOST_USER: c.bots.email.user,
        SERVER_EMAIL: c.bots.email.from,
        ADMIN_EMAIL: c.bots.email.adminEmail,
        SUPERUSER_USERNAME: c.bots.superuser.name,
        SUPERUSER_EMAIL: c.bots.superuser.email,
        "bots.ini": renderBotsIni({
            maxRuntimeMinutes: c.engine.maxRuntimeMinutes,
            jobqueueEnabled: c.worker.enabled,
            logLevel: c.bots.logLevel,
            environmentText: `${c.project}/${c.stack}`,
        }),
        "settings.py": renderSettingsPy(),
    };
}

/** The claim this run's config asks for. */
function plannedVolume(c: AppConfig): PlannedVolume {
    return {
        namespace: c.kubernetes.namespace,
        claimName: c.storage.existingClaim ?? CLAIM_NAME,
        existingClaim: c.storage.existingClaim !== undefined,
        storageClass: c.storage.storageClass ?? "",
        accessMode: c.storage.accessMode,
        size: c.storage.size,
    };
}

/**
 * The data volume guard (components/guards/data-volume-guard.ts) on the spec the previous
 * deployment recorded, read through a StackReference to this very stack. Rejects with a
 * ConfigError naming each key when the change is not acknowledged.
 */
function dataVolumeVerdict(c: AppConfig): pulumi.Output<GuardResult> {
    const self = new pulumi.StackReference("previous-deployment", { name: `${pulumi.getOrganization()}/${c.project}/${c.stack}` });
    const planned = plannedVolume(c);
    const shown: Record<string, string | undefined> = {
        namespace: c.kubernetes.namespace,
        existingClaim: c.storage.existingClaim ?? "",
        storageClass: c.storage.storageClass ?? "",
        storageAccessMode: c.storage.accessMode,
        storageSize: c.storage.size,
        [ACK_KEY]: c.storage.changeAcknowledged,
    };
    return self.getOutput("dataVolume").apply((prev) => {
        const recorded = typeof prev === "string" ? (JSON.parse(prev) as DataVolumeSpec) : undefined;
        const verdict = guardDataVolume(recorded, planned, c.storage.changeAcknowledged);
        if (verdict.issues.length > 0) {
            const error = new ConfigError(
                verdict.issues.map((i) => `${c.project}:${i.key} = ${JSON.stringify(shown[i.key] ?? "")}: ${i.message}`),
                c.stack,
            );
            // Every resource waiting on this verdict rethrows the same error object, and the SDK
            // prefixes `error serializing property "...":` onto its message each time; the
            // operator must read the refusal as written, so the message ignores those writes.
            const message = error.message;
            Object.defineProperty(error, "message", { get: () => message, set: () => undefined });
            throw error;
        }
        return verdict;
    });
}

/**
 * Builds one stack: its explicit providers, given once to the BotsApp and inherited by every
 * child through `{ parent: this }`. Used by index.ts and by the tests. Nothing under the BotsApp is
 * registered before the data volume guard has passed: the BotsApp depends on its verdict, and every
 * child waits for its parent.
 */
export function createApp(c: AppConfig, opts?: pulumi.ComponentResourceOptions): BotsAppOutputs {
    for (const warning of c.warnings) {
        pulumi.log.warn(warning);
    }
    const providers: pulumi.ProviderResource[] = [
        clusterProvider("k8s", c.kubernetes),
        new random.Provider("random"),
    ];
    if (c.image.mode === "build") {
        providers.push(new dockerBuild.Provider("docker-build", {}));
    } else if (!c.image.reference?.digest) {
        providers.push(new docker.Provider("docker", { registryAuth: c.image.registry ? [c.image.registry] : undefined }));
    }
    const volume = dataVolumeVerdict(c);
    return new BotsApp("bots", { config: c, volume }, { ...opts, providers, dependsOn: volume.apply(() => []) }).outputs;
}
