import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { EngineConfig } from "../stack-config/config";
import { BotsPodArgs, botsContainer, botsPodSpec, podAnnotations } from "./bots-pod";
import { labels } from "./labels";
import { ENGINE_NO_RETRY_EXIT_CODES } from "../image/runtime-contract";

/** The engine* keys (config-schema.ts says what each means); maxRuntimeMinutes goes to bots.ini instead. */
export interface EngineCronJobArgs extends Omit<EngineConfig, "maxRuntimeMinutes"> {
    /** Namespace of the CronJob. */
    namespace: pulumi.Input<string>;
    /** Bots environment name (the instance label). */
    botsEnv: string;
    /** What every Bots pod shares. */
    pod: BotsPodArgs;
    /** Resources the CronJob waits for (the db-init Job). */
    dependsOn: pulumi.Resource[];
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
        const cron = new k8s.batch.v1.CronJob(
            name,
            {
                metadata: { name: "bots-engine", namespace: args.namespace, labels: labels(args.botsEnv, "engine") },
                spec: {
                    schedule: args.schedule,
                    timeZone: args.timeZone,
                    suspend: args.suspend,
                    concurrencyPolicy: "Forbid",
                    // Without it a Forbid CronJob gives up silently after 100 missed schedules.
                    startingDeadlineSeconds: args.startingDeadlineSeconds,
                    successfulJobsHistoryLimit: args.successfulJobsHistory,
                    failedJobsHistoryLimit: args.failedJobsHistory,
                    jobTemplate: {
                        metadata: { labels: labels(args.botsEnv, "engine") },
                        spec: {
                            backoffLimit: args.backoffLimit,
                            activeDeadlineSeconds: args.activeDeadlineSeconds,
                            // A finished pod still names the data claim, so pvc-protection keeps a
                            // deleted claim Terminating while it exists; the history limits alone
                            // would keep up to successful + failed pods for good. The CronJob owns
                            // these Jobs (not Pulumi), so the cluster deleting them is no drift.
                            ttlSecondsAfterFinished: args.jobTtlSeconds,
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
                                    [botsContainer(args.pod, "engine", ["engine", ...args.args], args.resources)],
                                    { restartPolicy: "Never", terminationGracePeriodSeconds: args.terminationGraceSeconds },
                                ),
                            },
                        },
                    },
                },
            },
            { parent: this, dependsOn: args.dependsOn },
        );
        this.name = cron.metadata.name;
        this.registerOutputs({ name: this.name });
    }
}
