import * as docker from "@pulumi/docker";
import * as dockerBuild from "@pulumi/docker-build";
import * as k8s from "@pulumi/kubernetes";
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

/** The explicit providers of one stack (default providers are disabled in Pulumi.yaml). */
export interface BotsProviders {
    /** The cluster this stack deploys to. */
    k8s: k8s.Provider;
    /** Generates the Django secret key and the superuser password. */
    random: random.Provider;
    /** Builds and pushes the image (build mode). */
    dockerBuild?: dockerBuild.Provider;
    /** Resolves an existing image tag to its digest (existing mode). */
    docker?: docker.Provider;
}

export interface BotsAppArgs {
    /** The validated stack configuration. */
    config: AppConfig;
    /** Explicit providers for every resource. */
    providers: BotsProviders;
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
        const k8sProvider = args.providers.k8s;
        const env = c.bots.env;

        const image = new BotsImage(
            `${name}-image`,
            {
                image: c.image,
                tag: c.stack,
                buildProvider: args.providers.dockerBuild,
                dockerProvider: args.providers.docker,
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
                k8sProvider,
            },
            { parent: this },
        );
        const namespace = ns.name;
        const sa = new BotsServiceAccount(`${name}-sa`, { namespace, labels: labels(env, "config"), k8sProvider }, { parent: this });
        const config = new ConfigSecret(
            `${name}-config`,
            { config: c, namespace, k8sProvider, randomProvider: args.providers.random },
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
                k8sProvider,
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
                k8sProvider,
            },
            { parent: this },
        );
        const afterInit = [init.job];

        const web = new BotsWeb(
            `${name}-web`,
            { namespace, botsEnv: env, pod, replicas: c.web.replicas, resources: c.web.resources, dependsOn: afterInit, k8sProvider },
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
                    k8sProvider,
                },
                { parent: this },
            );
        }
        new EngineCronJob(
            `${name}-engine`,
            { namespace, botsEnv: env, pod, engine: c.engine, dependsOn: afterInit, k8sProvider },
            { parent: this },
        );
        if (c.networkPolicy) {
            new BotsNetworkPolicy(`${name}-netpol`, { namespace, botsEnv: env, ...c.networkPolicy, k8sProvider }, { parent: this });
        }
        const ingress = c.ingress
            ? new WebIngress(
                  `${name}-ingress`,
                  { namespace, botsEnv: env, ...c.ingress, serviceName: web.serviceName, k8sProvider },
                  { parent: this },
              )
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

/** Builds one stack: its explicit providers and the BotsApp. Used by index.ts and by the tests. */
export function createApp(c: AppConfig, opts?: pulumi.ComponentResourceOptions): BotsAppOutputs {
    const k8sProvider = clusterProvider("k8s", {
        context: c.kubernetes.context,
        kubeconfig: c.kubernetes.kubeconfig,
        namespace: c.kubernetes.namespace,
    });
    const providers: BotsProviders = {
        k8s: k8sProvider,
        random: new random.Provider("random"),
        dockerBuild: c.image.mode === "build" ? new dockerBuild.Provider("docker-build", {}) : undefined,
        docker:
            c.image.mode === "existing" && !c.image.ref!.includes("@sha256:")
                ? new docker.Provider("docker", {
                      registryAuth: c.image.registry ? [c.image.registry] : undefined,
                  })
                : undefined,
    };
    return new BotsApp("bots", { config: c, providers }, opts).outputs;
}
