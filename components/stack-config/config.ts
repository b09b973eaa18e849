import * as pulumi from "@pulumi/pulumi";
import { ChannelCredentials, parseChannelCredentials } from "./channel-credentials";
import { longestGapSeconds } from "./cron";
import { controlCharacter } from "./django-rules";
import { ExchangeRule, isS3, parseRules } from "./file-exchange-rules";
import { dns1123Label } from "./k8s-rules";
import { KubeconfigView, kubeContextProblem, kubeconfigProblem, readKubeconfig } from "./kubeconfig";
import { sourceIssues } from "./source-checks";
import {
    RawConfig,
    RENAMED_KEYS,
    ResourceComponent,
    SECRET_KEYS,
    SecretKey,
    crossFieldIssues,
    rawConfigSchema,
} from "./config-schema";

// The one place that reads stack configuration. Everything else takes the typed AppConfig.

export interface Resources {
    requests: { cpu: string; memory: string };
    limits: { cpu: string; memory: string };
}

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

export interface ImageConfig {
    mode: "build" | "existing";
    /** Repository pushed to (build mode) or read from (existing mode), without tag or digest. */
    repository: string;
    /** existing mode: the reference operators gave (tag or digest), parsed. */
    reference?: ImageReference;
    platforms: string[];
    cache: boolean;
    pullPolicy: string;
    pullSecrets: string[];
    botsSource: "pypi" | "context";
    botsSourceDir?: string;
    /** Plugin folders baked into the image (build mode, Bots 4), in install order. */
    plugins: string[];
    /** Route ids the init Job activates among the plugins' routes (BOTS_ACTIVATE_ROUTES). */
    activateRoutes: string[];
    registry?: RegistryCredentials;
}

export interface EngineConfig {
    schedule: string;
    timeZone: string;
    suspend: boolean;
    args: string[];
    startingDeadlineSeconds: number;
    activeDeadlineSeconds: number;
    maxRuntimeMinutes: number;
    backoffLimit: number;
    successfulJobsHistory: number;
    failedJobsHistory: number;
    /** Seconds a finished engine Job (and its pod) is kept before Kubernetes deletes it. */
    jobTtlSeconds: number;
    terminationGraceSeconds: number;
    resources: Resources;
}

export interface DatabaseConfig {
    engine: "postgresql" | "mysql" | "sqlite";
    host: string;
    port: number;
    name: string;
    user: string;
    password?: pulumi.Output<string>;
    existingSecret?: { name: string; key: string };
}

/** Where backups go (backupTarget). */
export type BackupTarget =
    | {
          kind: "s3";
          endpoint: string;
          bucket: string;
          prefix: string;
          region: string;
          accessKeyId: pulumi.Output<string>;
          secretAccessKey: pulumi.Output<string>;
      }
    | { kind: "claim"; claimName: string };

/** The backup CronJob's settings (backupEnabled and the backup* keys). */
export interface BackupConfig {
    schedule: string;
    retentionCount: number;
    retentionDays: number;
    target: BackupTarget;
    encryptionKey?: pulumi.Output<string>;
    activeDeadlineSeconds: number;
    scratchSize: string;
    resources: Resources;
}

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

/** When the alerts fire. */
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

export interface AppConfig {
    project: string;
    stack: string;
    /** What the operator should change in the stack config, though it is accepted (renamed keys). */
    warnings: string[];
    kubernetes: {
        context: string;
        kubeconfig?: string;
        namespace: string;
        /** The namespace exists and is not the stack's: labelled by a patch, never created or deleted. */
        adoptNamespace: boolean;
        podSecurityVersion: string;
    };
    image: ImageConfig;
    /** Declared production: the guard rails in crossFieldIssues hold. */
    production: boolean;
    storage: {
        storageClass?: string;
        size: string;
        accessMode: string;
        existingClaim?: string;
        protect: boolean;
        /** The one-shot dataVolumeChangeAcknowledged token, when set. */
        changeAcknowledged?: string;
    };
    web: { replicas: number; resources: Resources };
    worker: {
        enabled: boolean;
        jobqueueResources: Resources;
        dirmonitorResources: Resources;
        terminationGraceSeconds: number;
    };
    engine: EngineConfig;
    init: { activeDeadlineSeconds: number; backoffLimit: number; timeoutMinutes: number; resources: Resources };
    ingress?: { host: string; className?: string; tlsSecret?: string; clusterIssuer?: string };
    networkPolicy?: { ingressNamespaces: string[]; egressCidrs: string[] };
    /** Undefined when metricsEnabled is false. */
    metrics?: MetricsConfig;
    database: DatabaseConfig;
    /** The file exchange (fileExchangeRules), when it has rules. */
    fileExchange?: {
        rules: ExchangeRule[];
        /** The S3 endpoint and its credentials, when a rule uses S3. */
        s3?: { endpoint: string; region: string; accessKey: pulumi.Output<string>; secretKey: pulumi.Output<string> };
        /** Time zone of the rules' schedules (engineTimeZone). */
        timeZone: string;
        resources: Resources;
        /** Seconds a finished run's Job is kept (engineJobTtlSeconds). */
        jobTtlSeconds: number;
    };
    /** botsChannelCredentials, when it names any channel: the entries as one secret JSON, and which channels carry a key file. */
    channelCredentials?: { json: pulumi.Output<string>; keyChannels: string[] };
    /** Scheduled backups; absent when backupEnabled is false. */
    backup?: BackupConfig;
    bots: {
        env: string;
        timeZone: string;
        allowedHosts: string[];
        csrfTrustedOrigins: string[];
        debug: boolean;
        logLevel: string;
        logFormat: "text" | "json";
        existingConfigSecret?: string;
        superuser: { name: string; email: string; password?: pulumi.Output<string> };
        djangoSecretKey?: pulumi.Output<string>;
        email: {
            host: string;
            port: number;
            useTls: boolean;
            user: string;
            password?: pulumi.Output<string>;
            from: string;
            adminEmail: string;
        };
    };
}

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

function resourcesOf(c: RawConfig, component: ResourceComponent): Resources {
    const r = c as unknown as Record<string, string>;
    return {
        requests: { cpu: r[`${component}CpuRequest`], memory: r[`${component}MemoryRequest`] },
        limits: { cpu: r[`${component}CpuLimit`], memory: r[`${component}MemoryLimit`] },
    };
}

const secret = (v: string | undefined) => (v === undefined ? undefined : pulumi.secret(v));
const orUndefined = (s: string) => (s === "" ? undefined : s);

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

function toAppConfig(c: RawConfig, project: string, stack: string, s: Partial<Record<SecretKey, string>>): Omit<AppConfig, "warnings"> {
    const reference = c.imageMode === "existing" ? parseImageReference(c.imageRef) : undefined;
    const repository = reference ? reference.repository : c.imageRepository;
    const namespace = c.namespace;
    const webService = "bots-web";
    const hosts = [
        ...c.allowedHosts,
        ...(c.ingressHost ? [c.ingressHost] : []),
        "localhost",
        "127.0.0.1",
        webService,
        `${webService}.${namespace}`,
        `${webService}.${namespace}.svc`,
        `${webService}.${namespace}.svc.cluster.local`,
    ];
    const tls = c.ingressTlsSecret !== "";
    const origins = [...c.csrfTrustedOrigins, ...(c.ingressHost ? [`${tls ? "https" : "http"}://${c.ingressHost}`] : [])];
    const defaultPort = { postgresql: 5432, mysql: 3306, sqlite: 0 }[c.databaseEngine];

    return {
        project,
        stack,
        production: c.production,
        kubernetes: {
            context: c.kubeContext,
            kubeconfig: orUndefined(c.kubeconfig),
            namespace,
            adoptNamespace: c.adoptNamespace,
            podSecurityVersion: c.podSecurityVersion,
        },
        image: {
            mode: c.imageMode,
            repository,
            reference,
            platforms: c.imagePlatforms,
            cache: c.imageCache,
            pullPolicy: c.imagePullPolicy,
            pullSecrets: c.imagePullSecrets,
            botsSource: c.botsSource,
            botsSourceDir: orUndefined(c.botsSourceDir),
            plugins: c.botsPlugins,
            activateRoutes: c.botsActivateRoutes,
            registry:
                c.registryUsername !== ""
                    ? { address: repository.split("/")[0], username: c.registryUsername, password: secret(s.registryPassword ?? "")! }
                    : undefined,
        },
        storage: {
            storageClass: orUndefined(c.storageClass),
            size: c.storageSize,
            accessMode: c.storageAccessMode,
            existingClaim: orUndefined(c.existingClaim),
            protect: c.protectData,
            changeAcknowledged: orUndefined(c.dataVolumeChangeAcknowledged),
        },
        web: { replicas: c.webReplicas, resources: resourcesOf(c, "web") },
        worker: {
            enabled: c.workerEnabled,
            jobqueueResources: resourcesOf(c, "jobqueue"),
            dirmonitorResources: resourcesOf(c, "dirmonitor"),
            terminationGraceSeconds: c.workerTerminationGraceSeconds,
        },
        engine: {
            schedule: c.engineSchedule,
            timeZone: c.engineTimeZone,
            suspend: c.engineSuspend,
            args: c.engineArgs,
            startingDeadlineSeconds: c.engineStartingDeadlineSeconds,
            activeDeadlineSeconds: c.engineActiveDeadlineSeconds,
            maxRuntimeMinutes: c.engineMaxRuntimeMinutes,
            backoffLimit: c.engineBackoffLimit,
            successfulJobsHistory: c.engineSuccessfulJobsHistory,
            failedJobsHistory: c.engineFailedJobsHistory,
            jobTtlSeconds: c.engineJobTtlSeconds,
            terminationGraceSeconds: c.engineTerminationGraceSeconds,
            resources: resourcesOf(c, "engine"),
        },
        init: {
            activeDeadlineSeconds: c.initActiveDeadlineSeconds,
            backoffLimit: c.initBackoffLimit,
            timeoutMinutes: c.initTimeoutMinutes,
            resources: resourcesOf(c, "init"),
        },
        ingress: c.ingressHost
            ? {
                  host: c.ingressHost,
                  className: orUndefined(c.ingressClassName),
                  tlsSecret: orUndefined(c.ingressTlsSecret),
                  clusterIssuer: orUndefined(c.ingressClusterIssuer),
              }
            : undefined,
        networkPolicy: c.networkPolicyEnabled
            ? { ingressNamespaces: c.networkPolicyIngressNamespaces, egressCidrs: c.networkPolicyEgressCidrs }
            : undefined,
        metrics: metricsConfig(c),
        fileExchange: fileExchangeOf(c, s),
        database: {
            engine: c.databaseEngine,
            host: c.databaseHost,
            port: c.databasePort || defaultPort,
            name: c.databaseName,
            user: c.databaseUser,
            password: secret(s.databasePassword),
            existingSecret: c.databaseExistingSecret
                ? { name: c.databaseExistingSecret, key: c.databaseExistingSecretKey }
                : undefined,
        },
        backup: c.backupEnabled ? backupConfig(c, s) : undefined,
        bots: {
            env: c.botsEnv || stack,
            timeZone: c.timeZone,
            allowedHosts: [...new Set(hosts)],
            csrfTrustedOrigins: [...new Set(origins)],
            debug: c.debug,
            logLevel: c.logLevel,
            logFormat: c.logFormat,
            existingConfigSecret: orUndefined(c.existingConfigSecret),
            superuser: { name: c.superuserName, email: c.superuserEmail, password: secret(s.superuserPassword) },
            djangoSecretKey: secret(s.djangoSecretKey),
            email: {
                host: c.emailHost,
                port: c.emailPort,
                useTls: c.emailUseTls,
                user: c.emailUser,
                password: secret(s.emailPassword),
                from: c.emailFrom,
                adminEmail: c.adminEmail,
            },
        },
    };
}

function fileExchangeOf(c: RawConfig, s: Partial<Record<SecretKey, string>>): AppConfig["fileExchange"] {
    if (c.fileExchangeRules.length === 0) {
        return undefined;
    }
    const rules = parseRules(c.fileExchangeRules).rules;
    const usesS3 = rules.some((r) => [r.from, r.to, r.archiveTo ?? ""].some(isS3));
    return {
        rules,
        s3: usesS3
            ? {
                  endpoint: c.fileExchangeS3Endpoint.replace(/\/$/, ""),
                  region: c.fileExchangeS3Region,
                  accessKey: secret(s.fileExchangeS3AccessKey)!,
                  secretKey: secret(s.fileExchangeS3SecretKey)!,
              }
            : undefined,
        timeZone: c.engineTimeZone,
        resources: resourcesOf(c, "exchange"),
        jobTtlSeconds: c.engineJobTtlSeconds,
    };
}

function backupConfig(c: RawConfig, s: Partial<Record<SecretKey, string>>): BackupConfig {
    return {
        schedule: c.backupSchedule,
        retentionCount: c.backupRetentionCount,
        retentionDays: c.backupRetentionDays,
        target:
            c.backupTarget === "s3"
                ? {
                      kind: "s3",
                      endpoint: c.backupS3Endpoint,
                      bucket: c.backupS3Bucket,
                      prefix: c.backupS3Prefix,
                      region: c.backupS3Region,
                      accessKeyId: secret(s.backupS3AccessKeyId)!,
                      secretAccessKey: secret(s.backupS3SecretAccessKey)!,
                  }
                : { kind: "claim", claimName: c.backupExistingClaim },
        encryptionKey: secret(s.backupEncryptionKey),
        activeDeadlineSeconds: c.backupActiveDeadlineSeconds,
        scratchSize: c.backupScratchSize,
        resources: resourcesOf(c, "backup"),
    };
}

/** The metrics keys as one object (undefined when the metrics port is off). */
function metricsConfig(c: RawConfig): MetricsConfig | undefined {
    if (!c.metricsEnabled) {
        return undefined;
    }
    const labelsOf = (pairs: string[]) => Object.fromEntries(pairs.map((p) => [p.slice(0, p.indexOf("=")), p.slice(p.indexOf("=") + 1)]));
    return {
        serviceMonitor: c.metricsServiceMonitor ? { interval: c.metricsScrapeInterval, labels: labelsOf(c.metricsMonitorLabels) } : undefined,
        prometheusRule: c.metricsPrometheusRule
            ? {
                  labels: labelsOf(c.metricsMonitorLabels),
                  thresholds: {
                      noCleanRunSeconds: c.alertNoCleanRunPeriods * longestGapSeconds(c.engineSchedule),
                      inboxFileAgeSeconds: c.alertInboxFileAgeMinutes * 60,
                      filesWithErrorsWindowMinutes: c.alertFilesWithErrorsWindowMinutes,
                      dataVolumeUsedRatio: c.alertDataVolumeUsedPercent / 100,
                      webDownMinutes: c.alertWebDownMinutes,
                  },
              }
            : undefined,
        dashboard: c.metricsDashboard ? { label: labelsOf([c.metricsDashboardLabel]) } : undefined,
        scrapeNamespaces: c.metricsScrapeNamespaces,
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
