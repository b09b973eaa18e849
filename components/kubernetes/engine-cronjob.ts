import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
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
    /** Cron schedule, five fields. */
    schedule: string;
    /** IANA time zone the schedule is read in. */
    timeZone: string;
    /** Pause the schedule without deleting anything. */
    suspend: boolean;
    /** bots-engine arguments after the service type (run commands, route ids). */
    args: string[];
    /** A run that cannot start within this many seconds of its time is skipped. */
    startingDeadlineSeconds: number;
    /** Kubernetes stops a run that takes longer (seconds). */
    activeDeadlineSeconds: number;
    /** Retries of a run that failed for other reasons than EDI errors or the lock. */
    backoffLimit: number;
    /** Finished Jobs kept. */
    successfulJobsHistory: number;
    /** Failed Jobs kept. */
    failedJobsHistory: number;
    /**
     * Seconds after it finishes that a Job and its pod are deleted, whatever the history limits
     * say (the Job's ttlSecondsAfterFinished); 0 deletes them at once.
     */
    jobTtlSeconds: number;
    /** Time given to a running engine on shutdown (seconds). */
    terminationGraceSeconds: number;
    /** Requests and limits of the engine container. */
    resources: k8s.types.input.core.v1.ResourceRequirements;
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
