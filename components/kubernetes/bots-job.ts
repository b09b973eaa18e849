import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { BotsComponent, labels } from "./labels";

type JobSpec = k8s.types.input.batch.v1.JobSpec;

/** One run of a workload as a Job: its pod, and how Kubernetes treats the run. */
export interface BotsRunArgs {
    /** Bots environment name (the instance label). */
    botsEnv: string;
    /** Component label of the Job, its pods and their CronJob. */
    component: BotsComponent;
    /** The run's pod (bots-pod.ts); its restartPolicy is set here. */
    pod: k8s.types.input.core.v1.PodSpec;
    /** Pod template annotations: the digest of what the run reads, so a change shows in the diff. */
    podAnnotations: Record<string, pulumi.Input<string>>;
    /** Kubernetes stops a run that takes longer (seconds). */
    activeDeadlineSeconds: number;
    /** Retries of a failed run. */
    backoffLimit: number;
    /** Seconds after it finishes that the Job and its pod are deleted; absent: kept until deleted. */
    ttlSecondsAfterFinished?: number;
    /** Failures that end the Job at once, or do not count as one. */
    podFailurePolicy?: k8s.types.input.batch.v1.PodFailurePolicy;
}

/** When a CronJob starts its runs and how many finished Jobs it keeps. */
export interface BotsScheduleArgs {
    /** Name of the CronJob. */
    name: pulumi.Input<string>;
    /** Namespace of the CronJob. */
    namespace: pulumi.Input<string>;
    /** Cron schedule as Kubernetes parses it (stack-config/cron.ts). */
    schedule: string;
    /** IANA time zone the schedule is read in. */
    timeZone: string;
    /** Pause the schedule without deleting anything; absent: not set. */
    suspend?: boolean;
    /** A run that cannot start within this many seconds of its time is skipped. */
    startingDeadlineSeconds: number;
    /** Finished Jobs kept; absent: 3. */
    successfulJobsHistory?: number;
    /** Failed Jobs kept; absent: 3. */
    failedJobsHistory?: number;
}

/** The spec of a Job running one pod to its end: a failed pod is replaced, never restarted in place. */
export function botsJobSpec(run: BotsRunArgs): JobSpec {
    return {
        backoffLimit: run.backoffLimit,
        activeDeadlineSeconds: run.activeDeadlineSeconds,
        ttlSecondsAfterFinished: run.ttlSecondsAfterFinished,
        podFailurePolicy: run.podFailurePolicy,
        template: {
            metadata: { labels: labels(run.botsEnv, run.component), annotations: run.podAnnotations },
            spec: { ...run.pod, restartPolicy: "Never" },
        },
    };
}

/**
 * A CronJob around botsJobSpec(run) whose runs never overlap (Forbid): every scheduled run works
 * on the one data volume, and each kind of run assumes it is alone (the components say why).
 * Its Jobs must have a TTL: a finished pod still names the data claim, so pvc-protection keeps a
 * deleted claim Terminating while it exists, and the history limits alone would keep up to
 * successful + failed pods for good. The CronJob owns these Jobs (not Pulumi), so the cluster
 * deleting them is no drift.
 */
export function botsCronJob(schedule: BotsScheduleArgs, run: BotsRunArgs & { ttlSecondsAfterFinished: number }): k8s.batch.v1.CronJobArgs {
    const jobLabels = labels(run.botsEnv, run.component);
    return {
        metadata: { name: schedule.name, namespace: schedule.namespace, labels: jobLabels },
        spec: {
            schedule: schedule.schedule,
            timeZone: schedule.timeZone,
            suspend: schedule.suspend,
            concurrencyPolicy: "Forbid",
            // Without it a Forbid CronJob gives up silently after 100 missed schedules.
            startingDeadlineSeconds: schedule.startingDeadlineSeconds,
            successfulJobsHistoryLimit: schedule.successfulJobsHistory ?? 3,
            failedJobsHistoryLimit: schedule.failedJobsHistory ?? 3,
            jobTemplate: { metadata: { labels: jobLabels }, spec: botsJobSpec(run) },
        },
    };
}
