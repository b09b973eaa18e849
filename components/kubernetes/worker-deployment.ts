import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { WorkerConfig } from "../stack-config/config";
import { BotsPodArgs, botsContainer, botsPodSpec, podAnnotations } from "./bots-pod";
import { METRICS_SERVICE_LABEL, labels, selectorLabels } from "./labels";
import { METRICS_PORT, healthcheckCommand } from "../image/runtime-contract";

/** The worker keys (both containers' resources, the grace period) and where the pod runs. */
export interface WorkerDeploymentArgs extends Omit<WorkerConfig, "enabled"> {
    /** Namespace of the Deployment. */
    namespace: pulumi.Input<string>;
    /** Bots environment name (the instance label). */
    botsEnv: string;
    /** What every Bots pod shares. */
    pod: BotsPodArgs;
    /** Resources the Deployment waits for (the db-init Job). */
    dependsOn: pulumi.Resource[];
    /** The job queue serves its metrics on METRICS_PORT, behind a headless Service for the ServiceMonitor. */
    metrics: boolean;
}

const exec = (check: Parameters<typeof healthcheckCommand>[0], extra: Partial<k8s.types.input.core.v1.Probe>) => ({
    exec: { command: healthcheckCommand(check) },
    timeoutSeconds: 10,
    ...extra,
});

/**
 * The job queue server and the directory monitor as two containers of one pod: the queue listens
 * on localhost only and the monitor submits to it there. One replica, Recreate, so two queues never
 * launch engines side by side during a rollout.
 */
export class WorkerDeployment extends pulumi.ComponentResource {
    /** Name of the Deployment. */
    public readonly name: pulumi.Output<string>;

    constructor(name: string, args: WorkerDeploymentArgs, opts?: pulumi.ComponentResourceOptions) {
        super("bots:k8s:WorkerDeployment", name, {}, opts);
        const selector = selectorLabels(args.botsEnv, "worker");
        const jobqueue = botsContainer(args.pod, "jobqueue", ["jobqueueserver"], args.jobqueueResources, {
            startupProbe: exec("jobqueue", { periodSeconds: 5, failureThreshold: 24 }),
            livenessProbe: exec("jobqueue", { periodSeconds: 30, failureThreshold: 3 }),
            readinessProbe: exec("jobqueue", { periodSeconds: 10, failureThreshold: 3 }),
            ports: args.metrics ? [{ name: "metrics", containerPort: METRICS_PORT, protocol: "TCP" }] : undefined,
        });
        const dirmonitor = botsContainer(args.pod, "dirmonitor", ["dirmonitor"], args.dirmonitorResources, {
            startupProbe: exec("dirmonitor", { periodSeconds: 5, failureThreshold: 24 }),
            livenessProbe: exec("dirmonitor", { periodSeconds: 30, failureThreshold: 3 }),
        });

        const deployment = new k8s.apps.v1.Deployment(
            name,
            {
                metadata: { name: "bots-worker", namespace: args.namespace, labels: labels(args.botsEnv, "worker") },
                spec: {
                    replicas: 1,
                    revisionHistoryLimit: 5,
                    selector: { matchLabels: selector },
                    strategy: { type: "Recreate" },
                    template: {
                        metadata: { labels: labels(args.botsEnv, "worker"), annotations: podAnnotations(args.pod) },
                        spec: botsPodSpec(args.pod, [jobqueue, dirmonitor], {
                            terminationGracePeriodSeconds: args.terminationGraceSeconds,
                        }),
                    },
                },
            },
            { parent: this, dependsOn: args.dependsOn },
        );
        if (args.metrics) {
            new k8s.core.v1.Service(
                `${name}-metrics`,
                {
                    metadata: {
                        name: "bots-worker-metrics",
                        namespace: args.namespace,
                        labels: { ...labels(args.botsEnv, "worker"), ...METRICS_SERVICE_LABEL },
                        // Its one pod may be between a Recreate's stop and start: do not wait for it.
                        annotations: { "pulumi.com/skipAwait": "true" },
                    },
                    spec: {
                        clusterIP: "None",
                        selector,
                        ports: [{ name: "metrics", port: METRICS_PORT, targetPort: "metrics", protocol: "TCP" }],
                    },
                },
                { parent: this },
            );
        }
        this.name = deployment.metadata.name;
        this.registerOutputs({ name: this.name });
    }
}
