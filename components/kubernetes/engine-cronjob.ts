import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { EngineConfig } from "../stack-config/config";
import { BotsPodArgs, botsContainer, botsPodSpec, podAnnotations } from "./bots-pod";
import { botsCronJob } from "./bots-job";
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
            botsCronJob(
                {
                    name: "bots-engine",
                    namespace: args.namespace,
                    schedule: args.schedule,
                    timeZone: args.timeZone,
                    suspend: args.suspend,
                    startingDeadlineSeconds: args.startingDeadlineSeconds,
                    successfulJobsHistory: args.successfulJobsHistory,
                    failedJobsHistory: args.failedJobsHistory,
                },
                {
                    botsEnv: args.botsEnv,
                    component: "engine",
                    pod: botsPodSpec(args.pod, [botsContainer(args.pod, "engine", ["engine", ...args.args], args.resources)], {
                        terminationGracePeriodSeconds: args.terminationGraceSeconds,
                    }),
                    podAnnotations: podAnnotations(args.pod),
                    activeDeadlineSeconds: args.activeDeadlineSeconds,
                    backoffLimit: args.backoffLimit,
                    ttlSecondsAfterFinished: args.jobTtlSeconds,
                    podFailurePolicy: {
                        rules: [
                            { action: "FailJob", onExitCodes: { containerName: "engine", operator: "In", values: ENGINE_NO_RETRY_EXIT_CODES } },
                            { action: "Ignore", onPodConditions: [{ type: "DisruptionTarget", status: "True" }] },
                        ],
                    },
                },
            ),
            { parent: this, dependsOn: args.dependsOn },
        );
        this.name = cron.metadata.name;
        this.registerOutputs({ name: this.name });
    }
}
