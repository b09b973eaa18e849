import * as docker from "@pulumi/docker";
import * as dockerBuild from "@pulumi/docker-build";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { AppConfig } from "./config/config";
import { BotsImage } from "./image/bots-image";
import { BotsNamespace } from "./kubernetes/namespace";
import { BotsPodArgs } from "./kubernetes/bots-pod";
import { BotsServiceAccount } from "./kubernetes/service-account";
import { BotsWeb } from "./kubernetes/web";
import { ConfigSecret } from "./kubernetes/config-secret";
import { DataVolume } from "./kubernetes/data-volume";
import { DbInitJob } from "./kubernetes/db-init-job";
import { EngineCronJob } from "./kubernetes/engine-cronjob";
import { BotsNetworkPolicy } from "./kubernetes/network-policy";
import { WebIngress } from "./kubernetes/web-ingress";
import { WorkerDeployment } from "./kubernetes/worker-deployment";
import { clusterProvider } from "./kubernetes/k8s-provider";
import { labels } from "./kubernetes/labels";
import { renderBotsIni } from "./rendered/bots-ini";
import { renderSettingsPy } from "./rendered/settings-py";

export interface BotsAppArgs {
    /** The validated stack configuration. */
    config: AppConfig;
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
                existing: c.image.reference ? { tag: c.image.reference.tag, digest: c.image.reference.digest } : undefined,
                build:
                    c.image.mode === "build"
                        ? {
                              platforms: c.image.platforms,
                              cache: c.image.cache,
                              botsSource: c.image.botsSource,
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
                name: c.kubernetes.namespace,
                podSecurityVersion: c.kubernetes.podSecurityVersion,
                labels: labels(env, "config"),
                protect: c.storage.protect,
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
                secrets: { DB_PASSWORD: c.database.password, EMAIL_HOST_PASSWORD: c.bots.email.password },
                djangoSecretKey: c.bots.djangoSecretKey,
                superuserPassword: c.bots.superuser.password,
                existingSecretName: c.bots.existingConfigSecret,
            },
            { parent: this },
        );
        const data = new DataVolume(
            `${name}-data`,
            {
                namespace,
                storageClass: c.storage.storageClass,
                size: c.storage.size,
                accessMode: c.storage.accessMode,
                existingClaim: c.storage.existingClaim,
                protect: c.storage.protect,
                labels: labels(env, "data"),
            },
            { parent: this },
        );

        const pod: BotsPodArgs = {
            image: image.ref,
            imagePullPolicy: c.image.pullPolicy,
            imagePullSecrets: c.image.pullSecrets,
            configSecretName: config.secretName,
            configChecksum: config.checksum,
            claimName: data.claimName,
            serviceAccountName: sa.name,
            databasePasswordSecret: c.database.existingSecret,
        };

        const init = new DbInitJob(
            `${name}-db-init`,
            {
                namespace,
                botsEnv: env,
                pod,
                resources: c.init.resources,
                activeDeadlineSeconds: c.init.activeDeadlineSeconds,
                backoffLimit: c.init.backoffLimit,
                timeoutMinutes: c.init.timeoutMinutes,
                activateRoutes: c.bots.activateRoutes,
            },
            { parent: this },
        );
        const afterInit = [init.job];

        const web = new BotsWeb(
            `${name}-web`,
            { namespace, botsEnv: env, pod, replicas: c.web.replicas, resources: c.web.resources, dependsOn: afterInit },
            { parent: this },
        );
        if (c.worker.enabled) {
            new WorkerDeployment(
                `${name}-worker`,
                {
                    namespace,
                    botsEnv: env,
                    pod,
                    jobqueueResources: c.worker.jobqueueResources,
                    dirmonitorResources: c.worker.dirmonitorResources,
                    terminationGraceSeconds: c.worker.terminationGraceSeconds,
                    dependsOn: afterInit,
                },
                { parent: this },
            );
        }
        const e = c.engine;
        new EngineCronJob(
            `${name}-engine`,
            {
                namespace,
                botsEnv: env,
                pod,
                schedule: e.schedule,
                timeZone: e.timeZone,
                suspend: e.suspend,
                args: e.args,
                startingDeadlineSeconds: e.startingDeadlineSeconds,
                activeDeadlineSeconds: e.activeDeadlineSeconds,
                backoffLimit: e.backoffLimit,
                successfulJobsHistory: e.successfulJobsHistory,
                failedJobsHistory: e.failedJobsHistory,
                terminationGraceSeconds: e.terminationGraceSeconds,
                resources: e.resources,
                dependsOn: afterInit,
            },
            { parent: this },
        );
        if (c.networkPolicy) {
            new BotsNetworkPolicy(`${name}-netpol`, { namespace, botsEnv: env, ...c.networkPolicy }, { parent: this });
        }
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
            configSecretName: config.secretName,
            engineSchedule: pulumi.output(c.engine.schedule),
            initJobName: init.jobName,
        };
        this.registerOutputs({ ...this.outputs });
    }
}

/**
 * The config Secret's plain entries: what the image reads from the environment and the rendered
 * files. Secret entries are added by ConfigSecret.
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

/**
 * Builds one stack: its explicit providers, given once to the BotsApp and inherited by every
 * child through `{ parent: this }`. Used by index.ts and by the tests.
 */
export function createApp(c: AppConfig, opts?: pulumi.ComponentResourceOptions): BotsAppOutputs {
    const providers: pulumi.ProviderResource[] = [
        clusterProvider("k8s", { context: c.kubernetes.context, kubeconfig: c.kubernetes.kubeconfig, namespace: c.kubernetes.namespace }),
        new random.Provider("random"),
    ];
    if (c.image.mode === "build") {
        providers.push(new dockerBuild.Provider("docker-build", {}));
    } else if (!c.image.reference?.digest) {
        providers.push(new docker.Provider("docker", { registryAuth: c.image.registry ? [c.image.registry] : undefined }));
    }
    return new BotsApp("bots", { config: c }, { ...opts, providers }).outputs;
}
