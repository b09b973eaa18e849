import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { WebConfig } from "../stack-config/config";
import { BotsPodArgs, botsContainer, botsPodSpec, podAnnotations } from "./bots-pod";
import { METRICS_SERVICE_LABEL, labels, selectorLabels } from "./labels";
import { HEALTH_PATHS, METRICS_PORT, WEB_PORT } from "../image/runtime-contract";

/** The web* keys (replicas, resources) and where the pods run. */
export interface BotsWebArgs extends WebConfig {
    /** Namespace of the web objects. */
    namespace: pulumi.Input<string>;
    /** Bots environment name (the instance label). */
    botsEnv: string;
    /** What every Bots pod shares. */
    pod: BotsPodArgs;
    /** Resources the Deployment waits for (the db-init Job). */
    dependsOn: pulumi.Resource[];
    /** Serve Bots' metrics on METRICS_PORT (named metrics) of the pods and the Service. */
    metrics: boolean;
}

// Probes send Host: localhost, which is always in ALLOWED_HOSTS, so Django answers them.
const probe = (path: string, extra: Partial<k8s.types.input.core.v1.Probe>): k8s.types.input.core.v1.Probe => ({
    httpGet: { path, port: "http", httpHeaders: [{ name: "Host", value: "localhost" }] },
    ...extra,
});

/** The Bots web UI: Deployment, ClusterIP Service, and a PodDisruptionBudget when it has more than one pod. */
export class BotsWeb extends pulumi.ComponentResource {
    /** Name of the web Service. */
    public readonly serviceName: pulumi.Output<string>;
    /** Port of the web Service. */
    public readonly port: number = WEB_PORT;

    constructor(name: string, args: BotsWebArgs, opts?: pulumi.ComponentResourceOptions) {
        super("bots:k8s:BotsWeb", name, {}, opts);
        const child = { parent: this };
        const selector = selectorLabels(args.botsEnv, "web");
        const meta = { name: "bots-web", namespace: args.namespace, labels: labels(args.botsEnv, "web") };

        const container = botsContainer(args.pod, "web", ["webserver"], args.resources, {
            ports: [
                { name: "http", containerPort: WEB_PORT, protocol: "TCP" },
                ...(args.metrics ? [{ name: "metrics", containerPort: METRICS_PORT, protocol: "TCP" }] : []),
            ],
            // Covers collectstatic on first start over a network volume: up to 5 minutes.
            startupProbe: probe(HEALTH_PATHS.startup, { periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 60 }),
            readinessProbe: probe(HEALTH_PATHS.ready, { periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 3 }),
            livenessProbe: probe(HEALTH_PATHS.live, { periodSeconds: 20, timeoutSeconds: 5, failureThreshold: 3 }),
            // Lets the ingress controller stop sending traffic before the server stops.
            lifecycle: { preStop: { exec: { command: ["sleep", "5"] } } },
        });

        new k8s.apps.v1.Deployment(
            name,
            {
                metadata: meta,
                spec: {
                    replicas: args.replicas,
                    revisionHistoryLimit: 5,
                    selector: { matchLabels: selector },
                    strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
                    template: {
                        metadata: { labels: labels(args.botsEnv, "web"), annotations: podAnnotations(args.pod) },
                        spec: botsPodSpec(args.pod, [container], {
                            terminationGracePeriodSeconds: 30,
                            affinity: {
                                podAntiAffinity: {
                                    preferredDuringSchedulingIgnoredDuringExecution: [
                                        {
                                            weight: 100,
                                            podAffinityTerm: { topologyKey: "kubernetes.io/hostname", labelSelector: { matchLabels: selector } },
                                        },
                                    ],
                                },
                            },
                        }),
                    },
                },
            },
            { ...child, dependsOn: args.dependsOn },
        );

        const service = new k8s.core.v1.Service(
            name,
            {
                // A Service without ready endpoints would block `up` when the web is scaled to zero.
                metadata: {
                    ...meta,
                    labels: { ...meta.labels, ...(args.metrics ? METRICS_SERVICE_LABEL : {}) },
                    annotations: args.replicas === 0 ? { "pulumi.com/skipAwait": "true" } : undefined,
                },
                spec: {
                    type: "ClusterIP",
                    selector,
                    ports: [
                        { name: "http", port: WEB_PORT, targetPort: "http", protocol: "TCP" },
                        ...(args.metrics ? [{ name: "metrics", port: METRICS_PORT, targetPort: "metrics", protocol: "TCP" }] : []),
                    ],
                },
            },
            child,
        );

        if (args.replicas > 1) {
            new k8s.policy.v1.PodDisruptionBudget(
                name,
                { metadata: meta, spec: { maxUnavailable: 1, selector: { matchLabels: selector } } },
                child,
            );
        }

        this.serviceName = service.metadata.name;
        this.registerOutputs({ serviceName: this.serviceName });
    }
}
