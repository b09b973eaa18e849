import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { BackupConfig } from "../stack-config/config";
import { BACKUP } from "../image/runtime-contract";
import { namingKey } from "../random/generated-passwords";
import { botsCronJob } from "./bots-job";
import { BotsPodArgs, botsContainer, botsPodSpec, podAnnotations } from "./bots-pod";
import { valueSecretName } from "./config-secret";
import { labels } from "./labels";

type EnvVar = k8s.types.input.core.v1.EnvVar;
type VolumeMount = k8s.types.input.core.v1.VolumeMount;
type Volume = k8s.types.input.core.v1.Volume;

export interface BackupCronJobArgs {
    /** Namespace of the CronJob. */
    namespace: pulumi.Input<string>;
    /** Bots environment name (the instance label). */
    botsEnv: string;
    /** Stack name: the backups' folder, and the stack a restore checks the manifest against. */
    stack: string;
    /** What every Bots pod shares (the image, config, database secret, data claim). */
    pod: BotsPodArgs;
    /** The backup settings from stack config. */
    backup: BackupConfig;
    /** IANA time zone the schedule is read in (the engine's). */
    timeZone: string;
    /** Bots' maxruntime (minutes): how long a backup waits for a running engine, and when its lock is stale. */
    engineMaxRuntimeMinutes: number;
    /** Resources the CronJob waits for (the db-init Job). */
    dependsOn: pulumi.Resource[];
}

/**
 * The backup CronJob: `bots-backup run` in the stack's own image (the Bots, Django and database
 * clients that wrote the data). Runs never overlap (Forbid) and are not retried (a failed backup
 * is visible as a failed Job; the next schedule tries again). No engine writes while it copies:
 * see docker/python/bots_runtime/backup/lock.py. The restore command (scripts/backup.sh) runs its
 * Jobs from this CronJob's template, so it needs nothing the stack does not already hold.
 */
export class BackupCronJob extends pulumi.ComponentResource {
    /** Name of the CronJob. */
    public readonly name: pulumi.Output<string>;

    constructor(name: string, args: BackupCronJobArgs, opts?: pulumi.ComponentResourceOptions) {
        super("bots:k8s:BackupCronJob", name, {}, opts);
        const b = args.backup;
        const values: Record<string, pulumi.Output<string> | undefined> = {
            [BACKUP.files.accessKeyId]: b.target.kind === "s3" ? b.target.accessKeyId : undefined,
            [BACKUP.files.secretAccessKey]: b.target.kind === "s3" ? b.target.secretAccessKey : undefined,
            [BACKUP.files.encryptionKey]: b.encryptionKey,
        };
        const keys = Object.keys(values).filter((k) => values[k] !== undefined);

        let secretName: pulumi.Output<string> | undefined;
        const dependsOn = [...args.dependsOn];
        if (keys.length > 0) {
            const data = pulumi.all(keys.map((k) => values[k]!)).apply((vs) => Object.fromEntries(keys.map((k, i) => [k, vs[i]])));
            // Named by an HMAC of the values (as ConfigSecret names its Secrets): a new credential
            // makes a new Secret and rolls nothing else, and no digest of a credential is shown.
            secretName = pulumi.unsecret(pulumi.all([namingKey(name, this), data]).apply(([key, d]) => valueSecretName("bots-backup", key, JSON.stringify(d))));
            dependsOn.push(
                new k8s.core.v1.Secret(
                    `${name}-credentials`,
                    {
                        metadata: { name: secretName, namespace: args.namespace, labels: labels(args.botsEnv, "backup") },
                        type: "Opaque",
                        stringData: pulumi.secret(data),
                    },
                    { parent: this, deleteBeforeReplace: true },
                ),
            );
        }

        const env: EnvVar[] = [
            { name: "BACKUP_STACK", value: args.stack },
            { name: "BACKUP_IMAGE", value: args.pod.image },
            { name: "BACKUP_TARGET", value: b.target.kind },
            { name: "BACKUP_RETENTION_COUNT", value: String(b.retentionCount) },
            { name: "BACKUP_RETENTION_DAYS", value: String(b.retentionDays) },
            { name: "BACKUP_ENGINE_MAX_RUNTIME_MINUTES", value: String(args.engineMaxRuntimeMinutes) },
            { name: "BACKUP_SCRATCH_DIR", value: BACKUP.scratchDir },
        ];
        if (b.target.kind === "s3") {
            env.push(
                { name: "BACKUP_S3_ENDPOINT", value: b.target.endpoint },
                { name: "BACKUP_S3_BUCKET", value: b.target.bucket },
                { name: "BACKUP_S3_PREFIX", value: b.target.prefix },
                { name: "BACKUP_S3_REGION", value: b.target.region },
                { name: "BACKUP_S3_ACCESS_KEY_FILE", value: `${BACKUP.secretsDir}/${BACKUP.files.accessKeyId}` },
                { name: "BACKUP_S3_SECRET_KEY_FILE", value: `${BACKUP.secretsDir}/${BACKUP.files.secretAccessKey}` },
            );
        } else {
            env.push({ name: "BACKUP_DIR", value: BACKUP.claimDir });
        }
        if (b.encryptionKey) {
            env.push({ name: "BACKUP_ENCRYPTION_KEY_FILE", value: `${BACKUP.secretsDir}/${BACKUP.files.encryptionKey}` });
        }

        const mounts: VolumeMount[] = [{ name: "backup-scratch", mountPath: BACKUP.scratchDir }];
        const volumes: Volume[] = [{ name: "backup-scratch", emptyDir: { sizeLimit: b.scratchSize } }];
        if (secretName) {
            mounts.push({ name: "backup-secrets", mountPath: BACKUP.secretsDir, readOnly: true });
            volumes.push({ name: "backup-secrets", secret: { secretName, defaultMode: 0o440 } });
        }
        if (b.target.kind === "claim") {
            mounts.push({ name: "backup-target", mountPath: BACKUP.claimDir });
            volumes.push({ name: "backup-target", persistentVolumeClaim: { claimName: b.target.claimName } });
        }

        const container = botsContainer(args.pod, "backup", ["backup", "run"], b.resources);
        container.env = [...(container.env as EnvVar[]), ...env];
        container.volumeMounts = [...(container.volumeMounts as VolumeMount[]), ...mounts];
        const pod = botsPodSpec(args.pod, [container]);
        pod.volumes = [...(pod.volumes as Volume[]), ...volumes];

        const cron = new k8s.batch.v1.CronJob(
            name,
            botsCronJob(
                { name: "bots-backup", namespace: args.namespace, schedule: b.schedule, timeZone: args.timeZone, startingDeadlineSeconds: 600 },
                {
                    botsEnv: args.botsEnv,
                    component: "backup",
                    pod,
                    podAnnotations: podAnnotations(args.pod),
                    activeDeadlineSeconds: b.activeDeadlineSeconds,
                    backoffLimit: 0,
                    // A day keeps the logs of the last runs without holding the data claim in use for good.
                    ttlSecondsAfterFinished: 86400,
                },
            ),
            { parent: this, dependsOn },
        );
        this.name = cron.metadata.name;
        this.registerOutputs({ name: this.name });
    }
}
