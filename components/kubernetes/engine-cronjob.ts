import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { EngineConfig } from "../config/config";
import { BotsPodArgs, botsContainer, botsPodSpec, podAnnotations } from "./bots-pod";
import { labels } from "./labels";
import { ENGINE_NO_RETRY_EXIT_CODES } from "../image/runtime-contract";

export interface EngineCronJobArgs {
    /** Namespace of the CronJob. */
    namespace: pulumi.Input<string>;
    /** Bots environment name (the instance label). */
    botsEnv: string;
    /** What every Bots pod shares. */
    pod: BotsPodArgs;
    /** Schedule, deadlines, history and resources of the engine. */
    engine: EngineConfig;
    /** Resources the CronJob waits for (the db-init Job). */
    dependsOn: pulumi.Resource[];
    /** Kubernetes provider of this stack. */
    k8sProvider: k8s.Provider;
}

/**
 * The engine CronJob. Runs never overlap (Bots' only cross-pod guard is a DB mutex row, and a
 * collision looks like a crash to it). Exit code 2 (EDI errors) and 3 (another run holds the lock)
 * fail the Job at once instead of re-running the engine; other failures get backoffLimit retries.
 */
export class EngineCronJob extends pulumi.ComponentResource {
    /** Name of the CronJob. */
    public readonly name: pulumi.Output<string>;

    constructor(name: string, args: EngineCronJobArgs, opts?: pulumi.ComponentResourceOptions) {
        super("bots:k8s:EngineCronJob", name, {}, opts);
        const e = args.engine;
        const cron = new k8s.batch.v1.CronJob(
            name,
            {
                metadata: { name: "bots-engine", namespace: args.namespace, labels: labels(args.botsEnv, "engine") },
                spec: {
                    schedule: e.schedule,
                    timeZone: e.timeZone,
                    suspend: e.suspend,
                    concurrencyPolicy: "Forbid",
                    // Without it a Forbid CronJob gives up silently after 100 missed schedules.
                    startingDeadlineSeconds: e.startingDeadlineSeconds,
                    successfulJobsHistoryLimit: e.successfulJobsHistory,
                    failedJobsHistoryLimit: e.failedJobsHistory,
                    jobTemplate: {
                        metadata: { labels: labels(args.botsEnv, "engine") },
                        spec: {
                            backoffLimit: e.backoffLimit,
                            activeDeadlineSeconds: e.activeDeadlineSeconds,
                            podFailurePolicy: {
                                rules: [
                                    {
                                        action: "FailJob",
                                        onExitCodes: { containerName: "engine", operator: "In", values: ENGINE_NO_RETRY_EXIT_CODES },
                                    },
                                    { action: "Ignore", onPodConditions: [{ type: "DisruptionTarget", status: "True" }] },
                                ],
                            },
                            template: {
                                metadata: { labels: labels(args.botsEnv, "engine"), annotations: podAnnotations(args.pod) },
                                spec: botsPodSpec(
                                    args.pod,
                                    [botsContainer(args.pod, "engine", ["engine", ...e.args], e.resources)],
                                    { restartPolicy: "Never", terminationGracePeriodSeconds: e.terminationGraceSeconds },
                                ),
                            },
                        },
                    },
                },
            },
            { parent: this, provider: args.k8sProvider, dependsOn: args.dependsOn },
        );
        this.name = cron.metadata.name;
        this.registerOutputs({ name: this.name });
    }
}
