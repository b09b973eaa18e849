import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { FileExchangeConfig } from "../stack-config/config";
import { ExchangeRule } from "../stack-config/file-exchange-rules";
import { EXCHANGE_RULES_FILE, EXCHANGE_SECRETS_MOUNT } from "../image/runtime-contract";
import { namingKey } from "../random/generated-passwords";
import { sha256, settingsSecretName, valueSecretName } from "./config-secret";
import { FileExchangeCronJob } from "./file-exchange-cronjob";
import { labels } from "./labels";

/** The file exchange's settings (rules, S3, time zone, Job TTL, resources) and where its CronJobs run. */
export interface FileExchangeArgs extends FileExchangeConfig {
    /** Namespace of its objects. */
    namespace: pulumi.Input<string>;
    /** Bots environment name (the instance label, BOTSENV: the mover's paths are inside env/<botsEnv>). */
    botsEnv: string;
    /** The stack's image, by digest: bots-exchange is in it. */
    image: pulumi.Input<string>;
    /** imagePullPolicy. */
    imagePullPolicy: string;
    /** Names of image pull Secrets. */
    imagePullSecrets: string[];
    /** ServiceAccount (no token mounted). */
    serviceAccountName: pulumi.Input<string>;
    /** The data claim (the Bots environment). */
    claimName: pulumi.Input<string>;
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
