import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ACTIVATE_ROUTES_ENV } from "../image/runtime-contract";
import { botsJobSpec } from "./bots-job";
import { ImageConfig, InitConfig } from "../stack-config/config";
import { BotsPodArgs, botsContainer, botsPodSpec, podAnnotations } from "./bots-pod";
import { sha256 } from "./config-secret";
import { labels } from "./labels";

/** The init* keys, the routes to activate (botsActivateRoutes) and where the Job runs. */
export interface DbInitJobArgs extends InitConfig, Pick<ImageConfig, "activateRoutes"> {
    /** Namespace of the Job. */
    namespace: pulumi.Input<string>;
    /** Bots environment name (the instance label). */
    botsEnv: string;
    /** What every Bots pod shares. */
    pod: BotsPodArgs;
    /** Digest of the settings alone (ConfigSecret.checksum): with the image and the routes, it names the Job. */
    settingsChecksum: pulumi.Input<string>;
    /**
     * Name of the channel credentials Secret the pod mounts (an HMAC of its content): part of the
     * Job's name, so a rotation runs a new Job that writes the new values into the channel rows.
     */
    channelCredentialsName?: pulumi.Input<string>;
    /** What must exist before the Job runs: the Secrets its pod mounts. */
    dependsOn: pulumi.Resource[];
}

/**
 * The database init Job (migrate + Bots' unmanaged tables + superuser + the image's plugins, with
 * the listed routes activated; idempotent). Its name carries a digest of the image, the settings
 * and the routes, so a new image (a plugin change is one) or config makes a new Job, and the same
 * ones keep it. The secret values are not part of the name: a generated one is not known before
 * `up` creates it, and the name must be the one the preview showed. A rotated secret the Job
 * mounts changes its pod template instead, so the Job is replaced under the same name and runs
 * again with the new value. No TTL: a Job the cluster deletes by itself would come back as drift.
 */
export class DbInitJob extends pulumi.ComponentResource {
    /** The Job; workloads depend on it so they start on a migrated database. */
    public readonly job: k8s.batch.v1.Job;
    /** Name of the Job. */
    public readonly jobName: pulumi.Output<string>;

    constructor(name: string, args: DbInitJobArgs, opts?: pulumi.ComponentResourceOptions) {
        super("bots:k8s:DbInitJob", name, {}, opts);
        const routes = args.activateRoutes.join(",");
        // The routes are part of the name only when set, so stacks without plugins keep their Job.
        // Likewise the channel credentials (by their Secret's keyed name): stacks without them keep their Job.
        const jobName = pulumi
            .all([args.pod.image, args.settingsChecksum, args.channelCredentialsName ?? ""])
            .apply(
                ([image, checksum, channels]) =>
                    `bots-db-init-${sha256(`${image}\n${checksum}${routes ? `\n${routes}` : ""}${channels ? `\nchannels ${channels}` : ""}`).slice(0, 10)}`,
            );
        const container = botsContainer(args.pod, "db-init", ["init-db"], args.resources);
        if (routes) {
            container.env = [...(container.env as k8s.types.input.core.v1.EnvVar[]), { name: ACTIVATE_ROUTES_ENV, value: routes }];
        }

        this.job = new k8s.batch.v1.Job(
            name,
            {
                metadata: {
                    name: jobName,
                    namespace: args.namespace,
                    labels: labels(args.botsEnv, "db-init"),
                    // A run that failed is replaced on the next `up` instead of being waited on again.
                    annotations: { "pulumi.com/replaceUnready": "true" },
                },
                spec: botsJobSpec({
                    botsEnv: args.botsEnv,
                    component: "db-init",
                    pod: botsPodSpec(args.pod, [container]),
                    podAnnotations: podAnnotations(args.pod),
                    activeDeadlineSeconds: args.activeDeadlineSeconds,
                    backoffLimit: args.backoffLimit,
                }),
            },
            {
                parent: this,
                dependsOn: args.dependsOn,
                customTimeouts: { create: `${args.timeoutMinutes}m`, update: `${args.timeoutMinutes}m` },
            },
        );
        this.jobName = this.job.metadata.name;
        this.registerOutputs({ jobName: this.jobName });
    }
}
