import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { BOTS_DATA_ROOT, EXCHANGE_CONFIG_MOUNT, EXCHANGE_SECRETS_MOUNT, TMP_DIR } from "../image/runtime-contract";
import { botsCronJob } from "./bots-job";
import { CONTAINER_SECURITY_CONTEXT, podAnnotations, restrictedPodSpec } from "./bots-pod";
import type { FileExchangeArgs } from "./file-exchange";

/** Where the file exchange runs (FileExchangeArgs, less the rules and the S3 keys) and the one rule this CronJob runs. */
export interface FileExchangeCronJobArgs extends Omit<FileExchangeArgs, "rules" | "s3"> {
    /** The rule this CronJob runs. */
    rule: string;
    /** Its cron schedule. */
    schedule: string;
    /** ConfigMap holding rules.json. */
    rulesConfigMap: pulumi.Input<string>;
    /** Secret holding the S3 keys, when a rule uses S3. */
    s3Secret?: pulumi.Input<string>;
    /** Digest of the rules and the S3 Secret's name: on the pod template, so a change shows in the diff. */
    checksum: pulumi.Input<string>;
    /** What must exist first: the ConfigMap and the Secret. */
    dependsOn: pulumi.Resource[];
}

/**
 * One file-exchange rule's CronJob: bots-exchange --rule NAME in the stack's image, restricted
 * like every Bots pod. Runs never overlap (Forbid): the mover's journal assumes one run per rule
 * at a time. A failed run is not retried within its Job (backoffLimit 0): the next scheduled run
 * picks up what it left, which the journal makes safe.
 */
export class FileExchangeCronJob extends pulumi.ComponentResource {
    /** Name of the CronJob. */
    public readonly name: pulumi.Output<string>;

    constructor(name: string, args: FileExchangeCronJobArgs, opts?: pulumi.ComponentResourceOptions) {
        super("bots:k8s:FileExchangeCronJob", name, {}, opts);
        const volumes: k8s.types.input.core.v1.Volume[] = [
            { name: "data", persistentVolumeClaim: { claimName: args.claimName } },
            { name: "rules", configMap: { name: args.rulesConfigMap, defaultMode: 0o444 } },
            // S3 to S3 copies are staged here; Python's own temporary files too.
            { name: "tmp", emptyDir: { sizeLimit: "2Gi" } },
        ];
        const mounts: k8s.types.input.core.v1.VolumeMount[] = [
            { name: "data", mountPath: BOTS_DATA_ROOT },
            { name: "rules", mountPath: EXCHANGE_CONFIG_MOUNT, readOnly: true },
            { name: "tmp", mountPath: TMP_DIR },
        ];
        if (args.s3Secret) {
            volumes.push({ name: "s3", secret: { secretName: args.s3Secret, defaultMode: 0o440 } });
            mounts.push({ name: "s3", mountPath: EXCHANGE_SECRETS_MOUNT, readOnly: true });
        }
        const container: k8s.types.input.core.v1.Container = {
            name: "exchange",
            image: args.image,
            imagePullPolicy: args.imagePullPolicy,
            args: ["exchange", "--rule", args.rule],
            env: [{ name: "BOTSENV", value: args.botsEnv }],
            resources: args.resources,
            securityContext: CONTAINER_SECURITY_CONTEXT,
            volumeMounts: mounts,
        };
        const cron = new k8s.batch.v1.CronJob(
            name,
            botsCronJob(
                { name: `bots-exchange-${args.rule}`, namespace: args.namespace, schedule: args.schedule, timeZone: args.timeZone, startingDeadlineSeconds: 300 },
                {
                    botsEnv: args.botsEnv,
                    component: "exchange",
                    pod: restrictedPodSpec(args, [container], volumes),
                    podAnnotations: podAnnotations({ configChecksum: args.checksum }),
                    activeDeadlineSeconds: 3300,
                    backoffLimit: 0,
                    ttlSecondsAfterFinished: args.jobTtlSeconds,
                },
            ),
            { parent: this, dependsOn: args.dependsOn },
        );
        this.name = cron.metadata.name;
        this.registerOutputs({ name: this.name });
    }
}
