import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ExchangeRule } from "../stack-config/file-exchange-rules";
import { EXCHANGE_RULES_FILE, EXCHANGE_SECRETS_MOUNT } from "../image/runtime-contract";
import { namingKey } from "../random/generated-passwords";
import { sha256, settingsSecretName, valueSecretName } from "./config-secret";
import { FileExchangeCronJob } from "./file-exchange-cronjob";
import { labels } from "./labels";

export interface FileExchangeArgs {
    /** Namespace of its objects. */
    namespace: pulumi.Input<string>;
    /** Bots environment name. */
    botsEnv: string;
    /** The validated rules. */
    rules: ExchangeRule[];
    /** S3 endpoint and keys, when a rule uses S3. */
    s3?: { endpoint: string; region: string; accessKey: pulumi.Output<string>; secretKey: pulumi.Output<string> };
    /** Time zone of the schedules. */
    timeZone: string;
    /** The stack's image by digest, its pull policy and pull Secrets. */
    image: pulumi.Input<string>;
    imagePullPolicy: string;
    imagePullSecrets: string[];
    /** ServiceAccount and data claim of the stack. */
    serviceAccountName: pulumi.Input<string>;
    claimName: pulumi.Input<string>;
    /** Seconds a finished run's Job is kept. */
    jobTtlSeconds: number;
    /** Requests and limits of a run. */
    resources: k8s.types.input.core.v1.ResourceRequirements;
}

/** The rules file bots-exchange reads (no secret in it: the keys' file paths only). */
export function renderRules(rules: ExchangeRule[], s3?: { endpoint: string; region: string }): string {
    return JSON.stringify(
        {
            ...(s3
                ? {
                      s3: {
                          endpoint: s3.endpoint,
                          region: s3.region,
                          accessKeyFile: `${EXCHANGE_SECRETS_MOUNT}/access-key`,
                          secretKeyFile: `${EXCHANGE_SECRETS_MOUNT}/secret-key`,
                      },
                  }
                : {}),
            rules: rules.map((r) => ({
                name: r.name,
                from: r.from,
                to: r.to,
                pattern: r.pattern,
                afterCopy: r.afterCopy,
                ...(r.archiveTo ? { archiveTo: r.archiveTo } : {}),
                minAgeSeconds: r.minAgeSeconds,
                settleSeconds: r.settleSeconds,
                emptyFiles: r.emptyFiles,
                maxFiles: r.maxFiles,
            })),
        },
        null,
        1,
    );
}

/**
 * The file exchange (fileExchangeRules): the rules as a ConfigMap named by their digest, the S3
 * keys as a Secret named by a keyed digest (as ConfigSecret names value Secrets), and one
 * CronJob per rule (FileExchangeCronJob). Both replaced delete-before-replace, for the reason
 * ConfigSecret gives; the CronJobs take their names from here, computed.
 */
export class FileExchange extends pulumi.ComponentResource {
    /** Names of the CronJobs, one per rule. */
    public readonly cronJobNames: pulumi.Output<string>[];

    constructor(name: string, args: FileExchangeArgs, opts?: pulumi.ComponentResourceOptions) {
        super("bots:k8s:FileExchange", name, {}, opts);
        const rules = renderRules(args.rules, args.s3);
        const digest = sha256(rules);
        const configMapName = settingsSecretName("bots-exchange-rules", digest);
        const configMap = new k8s.core.v1.ConfigMap(
            `${name}-rules`,
            { metadata: { name: configMapName, namespace: args.namespace, labels: labels(args.botsEnv, "exchange") }, data: { [EXCHANGE_RULES_FILE]: rules } },
            { parent: this, deleteBeforeReplace: true },
        );
        const dependsOn: pulumi.Resource[] = [configMap];
        let s3SecretName: pulumi.Output<string> | undefined;
        if (args.s3) {
            const { accessKey, secretKey } = args.s3;
            s3SecretName = pulumi.unsecret(
                pulumi.all([namingKey(name, this), accessKey, secretKey]).apply(([key, a, s]) => valueSecretName("bots-exchange-s3", key, `${a}\n${s}`)),
            );
            dependsOn.push(
                new k8s.core.v1.Secret(
                    `${name}-s3`,
                    {
                        metadata: { name: s3SecretName, namespace: args.namespace, labels: labels(args.botsEnv, "exchange") },
                        type: "Opaque",
                        stringData: pulumi.secret(pulumi.all([accessKey, secretKey]).apply(([a, s]) => ({ "access-key": a, "secret-key": s }))),
                    },
                    { parent: this, deleteBeforeReplace: true },
                ),
            );
        }
        const checksum = pulumi.all([s3SecretName ?? ""]).apply(([s3]) => sha256(`${digest}\n${s3}`));
        this.cronJobNames = args.rules.map(
            (r) =>
                new FileExchangeCronJob(
                    `${name}-${r.name}`,
                    {
                        namespace: args.namespace,
                        botsEnv: args.botsEnv,
                        rule: r.name,
                        schedule: r.schedule,
                        timeZone: args.timeZone,
                        image: args.image,
                        imagePullPolicy: args.imagePullPolicy,
                        imagePullSecrets: args.imagePullSecrets,
                        serviceAccountName: args.serviceAccountName,
                        claimName: args.claimName,
                        rulesConfigMap: configMapName,
                        s3Secret: s3SecretName,
                        checksum,
                        jobTtlSeconds: args.jobTtlSeconds,
                        resources: args.resources,
                        dependsOn,
                    },
                    { parent: this },
                ).name,
        );
        this.registerOutputs({ cronJobNames: this.cronJobNames });
    }
}
