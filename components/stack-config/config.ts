import * as pulumi from "@pulumi/pulumi";
import { ChannelCredentials, parseChannelCredentials } from "./channel-credentials";
import { longestGapSeconds } from "./cron";
import { controlCharacter } from "./django-rules";
import { ExchangeRule, isS3, parseRules } from "./file-exchange-rules";
import { dns1123Label } from "./k8s-rules";
import { KubeconfigView, kubeContextProblem, kubeconfigProblem, readKubeconfig } from "./kubeconfig";
import { sourceIssues } from "./source-checks";
import { RawConfig, RENAMED_KEYS, SECRET_KEYS, SecretKey, configTree, rawConfigSchema } from "./config-schema";
import { crossFieldIssues } from "./cross-field-rules";
import { Nested, nestedValue } from "./key-tree";

// The one place that reads stack configuration. Everything else takes the typed AppConfig.

/** The tree's value: every key at its place in AppConfig (components/stack-config/config-schema.ts). */
type FromKeys = Nested<typeof configTree>;

/** A's fields, with B's replacing those of the same name. */
type Override<A, B> = Omit<A, keyof B> & B;

/** Requests and limits of a container: four keys of the tree. */
export type Resources = FromKeys["web"]["resources"];

export interface RegistryCredentials {
    /** Registry host the credentials are for (the first part of the repository). */
    address: string;
    username: string;
    password: pulumi.Output<string>;
}

/** An image reference split once into its parts: repository[:tag][@sha256:digest]. */
export interface ImageReference {
    /** Registry host and path, without tag or digest. */
    repository: string;
    /** Tag, when the reference has one. */
    tag?: string;
    /** sha256:<hex>, when the reference pins one. */
    digest?: string;
}

export type ImageConfig = Override<
    FromKeys["image"],
    {
        /** Repository pushed to (build mode) or read from (existing mode: imageRef's), without tag or digest. */
        repository: string;
        /** existing mode: the reference operators gave (tag or digest), parsed. */
        reference?: ImageReference;
        /** Set when registryUsername is. */
        registry?: RegistryCredentials;
    }
>;

// The groups components take as they are (their Args extend them).
export type KubernetesConfig = FromKeys["kubernetes"];
export type StorageConfig = FromKeys["storage"];
export type WebConfig = FromKeys["web"];
export type WorkerConfig = FromKeys["worker"];
export type EngineConfig = FromKeys["engine"];
export type InitConfig = FromKeys["init"];
export type IngressConfig = FromKeys["ingress"];
export type NetworkPolicyConfig = NonNullable<FromKeys["networkPolicy"]>;

export type DatabaseConfig = Override<
    FromKeys["database"],
    {
        /** databaseExistingSecret and its key, when the password lives there. */
        existingSecret?: { name: string; key: string };
    }
>;

type BackupKeys = NonNullable<FromKeys["backup"]>;
type BackupTargetKeys = BackupKeys["target"];

/** Where backups go (backupTarget). */
export type BackupTarget =
    | ({ kind: "s3" } & Required<Omit<BackupTargetKeys, "kind" | "claimName">>)
    | ({ kind: "claim" } & Pick<BackupTargetKeys, "claimName">);

/** The backup CronJob's settings (backupEnabled and the backup* keys). */
export type BackupConfig = Override<BackupKeys, { target: BackupTarget }>;

/** The file exchange (fileExchangeRules), when it has rules. */
export type FileExchangeConfig = Override<
    FromKeys["fileExchange"],
    {
        rules: ExchangeRule[];
        /** The S3 endpoint and its credentials, when a rule uses S3. */
        s3?: Required<FromKeys["fileExchange"]["s3"]>;
        /** Time zone of the rules' schedules (engineTimeZone). */
        timeZone: string;
        /** Seconds a finished run's Job is kept (engineJobTtlSeconds). */
        jobTtlSeconds: number;
    }
>;

/** Prometheus metrics of Bots' run data, and what the stack adds for a Prometheus Operator and Grafana. */
export interface MetricsConfig {
    /** ServiceMonitor: scrape interval and its labels. */
    serviceMonitor?: { interval: string; labels: Record<string, string> };
    /** PrometheusRule: its labels and the alert thresholds. */
    prometheusRule?: { labels: Record<string, string>; thresholds: AlertThresholds };
    /** Grafana dashboard ConfigMap: the sidecar's label. */
    dashboard?: { label: Record<string, string> };
    /** Namespaces allowed to reach the metrics port when NetworkPolicies are on. */
    scrapeNamespaces: string[];
}

/** When the alerts fire, in the units the rules use (the alert* keys converted). */
export interface AlertThresholds {
    /** No engine run without errors started for this long (seconds): N engine schedule periods. */
    noCleanRunSeconds: number;
    /** A file has waited this long in an inbox (seconds). */
    inboxFileAgeSeconds: number;
    /** New files with errors within this window (minutes). */
    filesWithErrorsWindowMinutes: number;
    /** Data volume fuller than this (0-1). */
    dataVolumeUsedRatio: number;
    /** Web down for this long (minutes). */
    webDownMinutes: number;
}

/**
 * The validated stack config: the keys' tree (FromKeys) with what toAppConfig computes in place of
 * some of its groups and fields.
 */
export type AppConfig = Override<
    FromKeys,
    {
        project: string;
        stack: string;
        /** What the operator should change in the stack config, though it is accepted (renamed keys). */
        warnings: string[];
        image: ImageConfig;
        /** botsChannelCredentials, when it names any channel: the entries as one secret JSON, and which channels carry a key file. */
        channelCredentials?: { json: pulumi.Output<string>; keyChannels: string[] };
        fileExchange?: FileExchangeConfig;
        /** Scheduled backups; absent when backupEnabled is false. */
        backup?: BackupConfig;
        /** Absent when ingressHost is empty. */
        ingress?: IngressConfig;
        /** Absent when metricsEnabled is false. */
        metrics?: MetricsConfig;
        database: DatabaseConfig;
        bots: Override<FromKeys["bots"], { env: string }>;
    }
>;

/**
 * Raised before any resource is registered; lists every bad key at once. A RunError, so the CLI
 * prints the message alone instead of a stack trace.
 */
export class ConfigError extends pulumi.RunError {
    constructor(
        readonly issues: string[],
        stack: string,
    ) {
        super(
            `Stack '${stack}' has invalid configuration; nothing was created or changed:\n` +
                issues.map((i) => `  - ${i}`).join("\n"),
        );
        this.name = "ConfigError";
    }
}

/** What the stack's config holds: plain values by key, and which keys were stored as secrets. */
export interface StackConfigInput {
    project: string;
    stack: string;
    values: Record<string, string>;
    secretKeys: Set<string>;
    /** The kubeconfig the provider will use; when given, kubeContext must be one of its contexts. */
    kubeconfig?: KubeconfigView;
}

// Keys whose values may span lines: kubeconfig contents.
const MULTILINE_KEYS = new Set(["kubeconfig"]);

/** A control character in the value, or in an item of a JSON list value. */
function controlCharacterIn(value: string): string | undefined {
    const direct = controlCharacter(value);
    if (direct || !value.startsWith("[")) {
        return direct;
    }
    try {
        const items: unknown = JSON.parse(value);
        return Array.isArray(items) ? items.map((i) => (typeof i === "string" ? controlCharacter(i) : undefined)).find((w) => w) : undefined;
    } catch {
        return undefined;
    }
}

const show = (v: string | undefined) => (v === undefined ? "(unset)" : JSON.stringify(v));

/** Validates a stack's config and builds the typed AppConfig, or throws ConfigError naming each bad key. */
export function parseConfig(input: StackConfigInput): AppConfig {
    const { project, stack, secretKeys } = input;
    const issues: string[] = [];
    const warnings: string[] = [];
    const full = (key: string) => `${project}:${key}`;

    const values = { ...input.values };
    // The name the operator wrote, for keys given by their old name: errors name what was set.
    const writtenAs: Record<string, string> = {};
    for (const [old, { to, until }] of Object.entries(RENAMED_KEYS)) {
        if (!(old in values)) {
            continue;
        }
        if (to in values) {
            issues.push(`${full(old)} = ${show(values[old])}: renamed ${to}, which is set too; remove it (pulumi config rm ${old})`);
        } else {
            values[to] = values[old];
            writtenAs[to] = `${old} (renamed ${to})`;
            warnings.push(
                `${full(old)} is renamed ${to} and is read until ${until}: pulumi config set ${to} ${values[old]} && pulumi config rm ${old}`,
            );
        }
        delete values[old];
    }

    const secretValues: Partial<Record<SecretKey, string>> = {};
    // Set at all, even in plain text (which is refused once, below): cross-field rules must not
    // call a key that is set "required" as well.
    const given: Partial<Record<SecretKey, boolean>> = {};
    const plain: Record<string, string> = {};
    for (const [key, value] of Object.entries(values)) {
        if ((SECRET_KEYS as readonly string[]).includes(key)) {
            given[key as SecretKey] = value !== "";
            if (!secretKeys.has(key)) {
                issues.push(
                    `${full(key)} = (plain text, value hidden): must be stored as a secret; run \`pulumi config rm ${key}\` and \`pulumi config set --secret ${key}\``,
                );
            } else if (value !== "") {
                secretValues[key as SecretKey] = value;
            }
        } else {
            plain[key] = value;
            const why = MULTILINE_KEYS.has(key) ? undefined : controlCharacterIn(value);
            if (why) {
                issues.push(`${full(key)} = ${show(value)}: ${why}`);
            }
        }
    }

    const parsed = rawConfigSchema.safeParse(plain);
    if (!parsed.success) {
        for (const issue of parsed.error.issues) {
            if (issue.code === "unrecognized_keys") {
                for (const key of issue.keys) {
                    issues.push(`${full(key)} = ${show(plain[key])}: unknown key; the keys this program reads are listed in docs/configuration.md`);
                }
                continue;
            }
            const key = String(issue.path[0]);
            issues.push(`${full(writtenAs[key] ?? key)} = ${show(plain[key])}: ${issue.message}`);
        }
        throw new ConfigError(issues, stack);
    }
    const c = parsed.data;
    for (const { key, message } of [...crossFieldIssues(c, given), ...sourceIssues(c)]) {
        const value = (SECRET_KEYS as readonly string[]).includes(key) ? "(secret)" : show(plain[key]);
        issues.push(`${full(key)} = ${value}: ${message}`);
    }
    if (c.botsEnv === "" && dns1123Label(stack) !== undefined) {
        issues.push(`${full("botsEnv")} = (unset): the stack name ${JSON.stringify(stack)} it defaults to is not a DNS-1123 label; set botsEnv to one`);
    }
    const fileProblem = input.kubeconfig && kubeconfigProblem(input.kubeconfig);
    if (fileProblem) {
        issues.push(`${full("kubeconfig")} = ${show(c.kubeconfig)}: ${fileProblem}`);
    }
    const contextProblem = input.kubeconfig && kubeContextProblem(c.kubeContext, input.kubeconfig);
    if (contextProblem) {
        issues.push(`${full("kubeContext")} = ${show(c.kubeContext)}: ${contextProblem}`);
    }
    let channels: ChannelCredentials | undefined;
    if (secretValues.botsChannelCredentials !== undefined) {
        const parsedChannels = parseChannelCredentials(secretValues.botsChannelCredentials, c.botsPlugins, c.imageMode === "build");
        issues.push(...parsedChannels.issues.map((m) => `${full("botsChannelCredentials")} = (secret): ${m}`));
        channels = parsedChannels.value;
    }
    if (issues.length > 0) {
        throw new ConfigError(issues, stack);
    }
    const app: AppConfig = { ...toAppConfig(c, project, stack, secretValues), warnings };
    if (channels && Object.keys(channels.entries).length > 0) {
        app.channelCredentials = { json: pulumi.secret(JSON.stringify(channels.entries)), keyChannels: channels.keyChannels };
    }
    return app;
}

/** Splits a reference the schema has accepted; a colon after the last slash starts the tag. */
export function parseImageReference(ref: string): ImageReference {
    const at = ref.indexOf("@");
    const name = at >= 0 ? ref.slice(0, at) : ref;
    const digest = at >= 0 ? ref.slice(at + 1) : undefined;
    const colon = name.lastIndexOf(":");
    const hasTag = colon > name.lastIndexOf("/");
    return {
        repository: hasTag ? name.slice(0, colon) : name,
        tag: hasTag ? name.slice(colon + 1) : undefined,
        digest,
    };
}

/** The keys' tree as it is, and what follows from more than one key or from the stack. */
function toAppConfig(c: RawConfig, project: string, stack: string, s: Partial<Record<SecretKey, string>>): Omit<AppConfig, "warnings"> {
    const t = nestedValue(configTree, c, s);
    const { registry, ...image } = t.image;
    const reference = image.mode === "existing" ? parseImageReference(image.reference) : undefined;
    const repository = reference ? reference.repository : image.repository;
    const ingress = t.ingress.host !== "" ? t.ingress : undefined;
    const namespace = t.kubernetes.namespace;
    const webService = "bots-web";
    const hosts = [
        ...t.bots.allowedHosts,
        ...(ingress ? [ingress.host] : []),
        "localhost",
        "127.0.0.1",
        webService,
        `${webService}.${namespace}`,
        `${webService}.${namespace}.svc`,
        `${webService}.${namespace}.svc.cluster.local`,
    ];
    const origins = [...t.bots.csrfTrustedOrigins, ...(ingress ? [`${ingress.tlsSecret ? "https" : "http"}://${ingress.host}`] : [])];
    const defaultPort = { postgresql: 5432, mysql: 3306, sqlite: 0 }[t.database.engine];

    return {
        ...t,
        project,
        stack,
        image: {
            ...image,
            repository,
            reference,
            registry:
                registry.username !== ""
                    ? { address: repository.split("/")[0], username: registry.username, password: registry.password ?? pulumi.secret("") }
                    : undefined,
        },
        // Set by parseConfig once botsChannelCredentials is parsed.
        channelCredentials: undefined,
        ingress,
        metrics: t.metrics && metricsConfig(t.metrics, t.engine.schedule),
        fileExchange: fileExchangeOf(t.fileExchange, t.engine),
        database: {
            ...t.database,
            port: t.database.port || defaultPort,
            existingSecret: t.database.existingSecret.name !== "" ? t.database.existingSecret : undefined,
        },
        backup: t.backup && { ...t.backup, target: backupTarget(t.backup.target) },
        bots: {
            ...t.bots,
            env: t.bots.env ?? stack,
            allowedHosts: [...new Set(hosts)],
            csrfTrustedOrigins: [...new Set(origins)],
        },
    };
}

/** The file exchange when it has rules; the S3 part only when a rule uses S3. */
function fileExchangeOf(x: FromKeys["fileExchange"], engine: EngineConfig): FileExchangeConfig | undefined {
    if (x.rules.length === 0) {
        return undefined;
    }
    const rules = parseRules(x.rules).rules;
    const usesS3 = rules.some((r) => [r.from, r.to, r.archiveTo ?? ""].some(isS3));
    return {
        rules,
        // crossFieldIssues has required the endpoint and both keys when a rule uses S3.
        s3: usesS3 ? { ...x.s3, endpoint: x.s3.endpoint.replace(/\/$/, ""), accessKey: x.s3.accessKey!, secretKey: x.s3.secretKey! } : undefined,
        timeZone: engine.timeZone,
        resources: x.resources,
        jobTtlSeconds: engine.jobTtlSeconds,
    };
}

/** backupTarget's fields for its kind; crossFieldIssues has required them. */
function backupTarget(t: BackupTargetKeys): BackupTarget {
    return t.kind === "s3"
        ? {
              kind: "s3",
              endpoint: t.endpoint,
              bucket: t.bucket,
              prefix: t.prefix,
              region: t.region,
              accessKeyId: t.accessKeyId!,
              secretAccessKey: t.secretAccessKey!,
          }
        : { kind: "claim", claimName: t.claimName };
}

/** The metrics keys as the components use them: labels as maps, thresholds in the rules' units. */
function metricsConfig(m: NonNullable<FromKeys["metrics"]>, engineSchedule: string): MetricsConfig {
    const labelsOf = (pairs: string[]) => Object.fromEntries(pairs.map((p) => [p.slice(0, p.indexOf("=")), p.slice(p.indexOf("=") + 1)]));
    const a = m.alerts;
    return {
        serviceMonitor: m.serviceMonitor && { interval: m.serviceMonitor.interval, labels: labelsOf(m.monitorLabels) },
        prometheusRule: m.prometheusRule && {
            labels: labelsOf(m.monitorLabels),
            thresholds: {
                noCleanRunSeconds: a.noCleanRunPeriods * longestGapSeconds(engineSchedule),
                inboxFileAgeSeconds: a.inboxFileAgeMinutes * 60,
                filesWithErrorsWindowMinutes: a.filesWithErrorsWindowMinutes,
                dataVolumeUsedRatio: a.dataVolumeUsedPercent / 100,
                webDownMinutes: a.webDownMinutes,
            },
        },
        dashboard: m.dashboard && { label: labelsOf([m.dashboard.label]) },
        scrapeNamespaces: m.scrapeNamespaces,
    };
}

/** Whether the engine handed this key over as a secret (the SDK marks its own helper internal). */
function isConfigSecret(fullKey: string): boolean {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const runtimeConfig = require("@pulumi/pulumi/runtime/config") as { isConfigSecret(k: string): boolean };
    return runtimeConfig.isConfigSecret(fullKey);
}

/** Reads this stack's configuration from the Pulumi engine and validates it. */
export function loadConfig(): AppConfig {
    const project = pulumi.getProject();
    const prefix = `${project}:`;
    const values: Record<string, string> = {};
    const secretKeys = new Set<string>();
    for (const [fullKey, value] of Object.entries(pulumi.runtime.allConfig())) {
        if (!fullKey.startsWith(prefix)) {
            continue;
        }
        const key = fullKey.slice(prefix.length);
        values[key] = value;
        if (isConfigSecret(fullKey)) {
            secretKeys.add(key);
        }
    }
    const kubeconfig = readKubeconfig(values.kubeconfig ?? "");
    return parseConfig({ project, stack: pulumi.getStack(), values, secretKeys, kubeconfig });
}
