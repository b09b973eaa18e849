import { z } from "zod";
import { SecretName, flatShape, key, keyOrUnset, secret, secretDocs, when } from "./key-tree";
import { cronScheduleProblem } from "./cron";
import { allowedHost, emailAddress, senderAddress, serverHost } from "./django-rules";
import { dns1123Label, dns1123Subdomain, ianaTimeZone, ingressHost, ownNamespace, secretDataKey } from "./k8s-rules";
import { cidrProblem } from "./net";
import { METRICS_PORT } from "../image/runtime-contract";
import { bool, cpu, describe, integer, memory, objectList, oneOf, regex, stringList, text } from "./key-kinds";

// The stack configuration: the one description of every key, written once as a tree (configTree,
// key-tree.ts says how). A leaf is the flat key operators write with its type, default, rule and
// meaning; the group it sits in is where its value lands in AppConfig (config.ts). The flat schema
// the config is validated with, RawConfig, the secret keys and the nested AppConfig value and type
// all follow from it. `npm run docs` generates the `config:` block of Pulumi.yaml and the reference
// in docs/configuration.md from it, and lint fails when they drift. The kinds of value (text,
// integer, ...) are in key-kinds.ts.

const IMAGE_REPOSITORY = /^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)*$/;
const IMAGE_REF = /^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)*(:[\w][\w.-]{0,127})?(@sha256:[a-f0-9]{64})?$/;
const ENGINE_RUN_FLAGS = ["--new", "--resend", "--rereceive", "--automaticretrycommunication", "--cleanup"];

export const PLATFORMS = ["linux/amd64", "linux/arm64"] as const;
export const DATABASE_ENGINES = ["postgresql", "mysql", "sqlite"] as const;
export const LOG_LEVELS = ["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] as const;
export const LOG_FORMATS = ["text", "json"] as const;

/** The components that get their own requests/limits keys (`<component>CpuRequest`, ...). */
export const RESOURCE_COMPONENTS = ["web", "engine", "jobqueue", "dirmonitor", "init", "exchange", "backup"] as const;
export type ResourceComponent = (typeof RESOURCE_COMPONENTS)[number];

/** A component's requests and limits: four keys, `<component>CpuRequest` and so on. */
const resources = <P extends ResourceComponent>(prefix: P, what: string, r: { cpuRequest: string; memoryRequest: string; cpuLimit: string; memoryLimit: string }) => ({
    requests: {
        cpu: key(`${prefix}CpuRequest` as const, cpu(r.cpuRequest, `CPU request of ${what}.`)),
        memory: key(`${prefix}MemoryRequest` as const, memory(r.memoryRequest, `Memory request of ${what}.`)),
    },
    limits: {
        cpu: key(`${prefix}CpuLimit` as const, cpu(r.cpuLimit, `CPU limit of ${what}.`)),
        memory: key(`${prefix}MemoryLimit` as const, memory(r.memoryLimit, `Memory limit of ${what}.`)),
    },
});

// A Kubernetes label as key=value: an optional DNS subdomain prefix, a name and a value by the API server's rules.
const LABEL_NAME = "[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?";
const labelPair = regex(
    new RegExp(`^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?${LABEL_NAME}=(${LABEL_NAME})?$`),
    "must be a Kubernetes label key=value, such as release=kube-prometheus-stack",
);

const KUBE_CONTEXT = "kubeconfig context this stack deploys to. Required: the current kubectl context is never used; it must exist in the kubeconfig the provider reads.";

/**
 * Every key, once: where its value lands in AppConfig (the groups), its flat name, type, default,
 * rule and description (the leaves). The sections below are the order of the docs. Fields marked
 * "toAppConfig" are reshaped there from their keys (config.ts); the rest land as they are.
 */
export const configTree = {
    // Kubernetes target
    kubernetes: {
        context: key("kubeContext", describe(
            z.string({ error: "is required: the kubeconfig context this stack deploys to" }).min(1, {
                error: "is required: the kubeconfig context this stack deploys to",
            }),
            "string",
            KUBE_CONTEXT,
        )),
        kubeconfig: keyOrUnset("kubeconfig", text("", "Path to a kubeconfig file, or its contents. Empty: the default kubeconfig ($KUBECONFIG or ~/.kube/config).")),
        namespace: key("namespace", text("bots-edi", "Namespace the program creates and deploys into: a DNS-1123 label, not one Kubernetes reserves (kube-system, kube-public, kube-node-lease, default).", ownNamespace)),
        adoptNamespace: key("adoptNamespace", bool(
            false,
            "The namespace exists already and is not this stack's (an installation being moved onto the program, docs/migration.md): the stack adds its labels (Pod Security restricted) with a server-side patch and never creates or deletes it.",
        )),
        podSecurityVersion: key("podSecurityVersion", text(
            "v1.34",
            "Pod Security Standards version pinned on the namespace's restricted enforce/audit/warn labels (vX.Y or latest).",
            regex(/^(latest|v1\.\d{1,2})$/, "must be 'latest' or a Kubernetes minor version such as v1.34"),
        )),
    },
    production: key("production", bool(
        false,
        "This stack is production: refuse debug, unprotected data, backups off, NetworkPolicies off and fewer than 2 web pods, and label the namespace bots-edi.io/production. The policy pack's productionStacks list (default [\"prod\"]) names the stacks that must declare it.",
    )),

    // Image
    image: {
        mode: key("imageMode", oneOf(["build", "existing"] as const, "build", "build: build the image from docker/ and push it to imageRepository. existing: deploy imageRef.")),
        repository: key("imageRepository", text(
            "",
            "Registry repository the image is pushed to in build mode, without tag (e.g. registry.example.com/edi/bots).",
            regex(IMAGE_REPOSITORY, "must be a registry repository such as registry.example.com/edi/bots (no tag, no digest)"),
            { optional: true },
        )),
        // toAppConfig: parsed (repository, tag, digest) in existing mode; repository from it then.
        reference: key("imageRef", text(
            "",
            "Image to deploy in existing mode: repo@sha256:<digest> is used as is; repo:tag is resolved to its digest at deploy time.",
            regex(IMAGE_REF, "must be an image reference such as registry.example.com/edi/bots:1.2 or registry.example.com/edi/bots@sha256:<64 hex>"),
            { optional: true },
        )),
        platforms: key("imagePlatforms", stringList(
            ["linux/amd64", "linux/arm64"],
            (s) => ((PLATFORMS as readonly string[]).includes(s) ? undefined : `is not one of ${PLATFORMS.join(", ")}`),
            "Platforms built in build mode (linux/amd64, linux/arm64); one cached build per platform, joined into one index.",
        )),
        cache: key("imageCache", bool(true, "Use a registry build cache per platform (<repository>:cache-<arch>).")),
        pullPolicy: key("imagePullPolicy", oneOf(
            ["IfNotPresent", "Always", "Never"] as const,
            "IfNotPresent",
            "imagePullPolicy of every container (IfNotPresent, Always, Never). Images are pinned by digest, so IfNotPresent is safe.",
        )),
        pullSecrets: key("imagePullSecrets", stringList([], dns1123Subdomain, "Names of existing Secrets used to pull the image (DNS-1123 subdomains).")),
        // toAppConfig: present when registryUsername is set, with the registry's address.
        registry: {
            username: key("registryUsername", text("", "User for imageRepository's registry (build mode push, existing mode digest lookup). Empty: anonymous.")),
            password: secret("registryPassword", "Password or token for registryUsername."),
        },
        botsSource: key("botsSource", oneOf(
            ["pypi", "context"] as const,
            "pypi",
            "Which Bots the image holds: pypi (bots-ediint 3.3.1, hash-pinned in docker/requirements/bots.txt; end of life, the program warns on every run) or context (botsSourceDir, a local Bots source tree). Build mode builds from it; in existing mode it states what imageRef was built from (the digest does not say): set context on a stack that runs a digest built from a source tree.",
        )),
        botsSourceDir: keyOrUnset("botsSourceDir", text(
            "",
            "Local Bots source tree (relative to the project; holds pyproject.toml or setup.py), passed to the build as the named context bots-src when botsSource is context. The operators' Bots 4.0: the fork's bots/ folder.",
        )),
        plugins: key("botsPlugins", stringList(
            [],
            (s) => (s.trim() !== "" ? undefined : "must be a plugin folder (relative to the project)"),
            "Bots plugin folders (botsindex.json, usersys/, botssys/) baked into the image in build mode and installed by the init Job with Bots' plugin reader; the routes of plugins taken out of the list are set inactive (their rows and files stay). No two may install one usersys file with different content. Needs botsSource context.",
        )),
        activateRoutes: key("botsActivateRoutes", stringList(
            [],
            (s) => (/^[^\s,]+$/.test(s) ? undefined : "must be a Bots route id (no spaces or commas)"),
            "Route ids the init Job activates among the baked plugins' routes (Bots imports every route inactive); each must exist in one of botsPlugins.",
        )),
    },
    // parseConfig: parsed per channel, checked against botsPlugins.
    channelCredentials: secret("botsChannelCredentials", "Secrets of Bots channels, by channel id: an object {\"<channel id>\": {\"password\": ..., \"privateKey\": ...}} (set each with `pulumi config set --secret --path 'botsChannelCredentials.<id>.password'`). In build mode each id must be a channel of botsPlugins and privateKey (PEM RSA) is for sftp channels only; with an existing image the init Job refuses a channel its database lacks. The init Job writes them into the channel rows on every run (docs/files.md)."),

    // Data volume
    storage: {
        storageClass: keyOrUnset("storageClass", text(
            "",
            "StorageClass of the data volume (DNS-1123 subdomain); it must offer ReadWriteMany. Empty: the cluster's default class. Changing it recreates the claim: guarded, see dataVolumeChangeAcknowledged.",
            dns1123Subdomain,
            { optional: true },
        )),
        size: key("storageSize", memory("20Gi", "Size of the data volume (botssys, usersys, EDI files). It can grow (if the class allows expansion), never shrink.", "storage")),
        accessMode: key("storageAccessMode", text(
            "ReadWriteMany",
            "Access mode of the data volume. Only ReadWriteMany is accepted: web, worker and engine pods share it across nodes.",
            (s) =>
                s === "ReadWriteMany"
                    ? undefined
                    : "must be ReadWriteMany: the web, worker and engine pods share the volume and may run on different nodes (ReadWriteOnce/ReadWriteOncePod cannot be mounted by all of them)",
        )),
        existingClaim: keyOrUnset("existingClaim", text(
            "",
            "Use this existing PersistentVolumeClaim (DNS-1123 subdomain) instead of creating one. Switching to or from it is guarded, see dataVolumeChangeAcknowledged.",
            dns1123Subdomain,
            { optional: true },
        )),
        protect: key("protectData", bool(false, "Keep the data volume's namespace on `pulumi destroy` and retain it when removed from the program. The claim itself is always protected.")),
        changeAcknowledged: keyOrUnset("dataVolumeChangeAcknowledged", text(
            "",
            "One-shot acknowledgement of a change that recreates or drops the data claim: the exact token the refused preview printed, after following docs/configuration.md, \"Changing the data volume\". Remove it after the up.",
        )),
    },

    // Web
    web: {
        replicas: key("webReplicas", integer(1, 0, 20, "Web server pods. More than 1 adds a PodDisruptionBudget.")),
        resources: resources("web", "the web container", { cpuRequest: "100m", memoryRequest: "256Mi", cpuLimit: "1", memoryLimit: "1Gi" }),
    },

    // Worker (job queue + directory monitor)
    worker: {
        enabled: key("workerEnabled", bool(
            true,
            "Run the worker pod: Bots' job queue server and the directory monitor watching botssys/infile. Off, nothing but the engine CronJob runs engines. With Bots 3.3.1 the queue accepts jobs but never launches them (upstream bug, docker/README.md): the engine CronJob runs every engine either way. Was dirmonitorEnabled (still read, with a warning, until 0.3.0).",
        )),
        jobqueueResources: resources("jobqueue", "the job queue container (engine runs it launches share it)", {
            cpuRequest: "50m",
            memoryRequest: "128Mi",
            cpuLimit: "500m",
            memoryLimit: "512Mi",
        }),
        dirmonitorResources: resources("dirmonitor", "the directory monitor container", { cpuRequest: "50m", memoryRequest: "128Mi", cpuLimit: "500m", memoryLimit: "256Mi" }),
        terminationGraceSeconds: key("workerTerminationGraceSeconds", integer(120, 0, 3600, "Grace period of the worker pod, so engine runs it launched can finish.")),
    },

    // Engine CronJob
    engine: {
        schedule: key("engineSchedule", text(
            "*/5 * * * *",
            "Cron schedule of the engine CronJob as Kubernetes parses it: 5 fields or @hourly/@daily/.../@every <duration>; steps no larger than their field's range.",
            cronScheduleProblem,
        )),
        timeZone: key("engineTimeZone", text("Etc/UTC", "IANA time zone the engine schedule is read in, spelt exactly as in the tz database.", ianaTimeZone)),
        suspend: key("engineSuspend", bool(false, "Suspend the engine CronJob (no new runs; running ones finish).")),
        args: key("engineArgs", stringList(
            ["--new"],
            (a) =>
                ENGINE_RUN_FLAGS.includes(a) || (/^[A-Za-z0-9_.-]+$/.test(a) && !a.startsWith("-"))
                    ? undefined
                    : `is not allowed: run flags ${ENGINE_RUN_FLAGS.join(" ")} or route ids given positionally (bots-engine has no --routeid)`,
            "Arguments of bots-engine: run flags (--new, --resend, --rereceive, --automaticretrycommunication, --cleanup) and route ids, positionally.",
        )),
        startingDeadlineSeconds: key("engineStartingDeadlineSeconds", integer(180, 10, 3600, "A run that cannot start within this many seconds of its schedule is skipped and counted as missed.")),
        activeDeadlineSeconds: key("engineActiveDeadlineSeconds", integer(3000, 60, 86400, "Kubernetes stops a run after this many seconds; must be below engineMaxRuntimeMinutes x 60.")),
        maxRuntimeMinutes: key("engineMaxRuntimeMinutes", integer(60, 1, 1440, "Bots' maxruntime (bots.ini): after it, a left-over run lock counts as stale.")),
        backoffLimit: key("engineBackoffLimit", integer(1, 0, 6, "Retries of a run that failed with a system error (exit 1). Exit codes 2 and 3 are never retried.")),
        successfulJobsHistory: key("engineSuccessfulJobsHistory", integer(3, 0, 100, "Finished engine Jobs kept.")),
        failedJobsHistory: key("engineFailedJobsHistory", integer(3, 0, 100, "Failed engine Jobs kept.")),
        jobTtlSeconds: key("engineJobTtlSeconds", integer(
            3600,
            0,
            604800,
            "Seconds a finished engine Job and its pod are kept, whatever the history limits say. A finished pod keeps the data claim in use (pvc-protection: a deleted claim stays Terminating) and holds the run's logs; 0 deletes them as soon as the run ends.",
        )),
        terminationGraceSeconds: key("engineTerminationGraceSeconds", integer(120, 0, 3600, "Grace period of an engine pod, so a translation in progress can finish.")),
        resources: resources("engine", "the engine container", { cpuRequest: "200m", memoryRequest: "512Mi", cpuLimit: "2", memoryLimit: "2Gi" }),
    },

    // db-init Job
    init: {
        activeDeadlineSeconds: key("initActiveDeadlineSeconds", integer(1200, 60, 86400, "Kubernetes stops a db-init run after this many seconds.")),
        backoffLimit: key("initBackoffLimit", integer(1, 0, 6, "Retries of a failed db-init run.")),
        timeoutMinutes: key("initTimeoutMinutes", integer(25, 1, 240, "How long `pulumi up` waits for the db-init Job before it reports failure.")),
        resources: resources("init", "the db-init container", { cpuRequest: "100m", memoryRequest: "256Mi", cpuLimit: "1", memoryLimit: "1Gi" }),
    },

    // File exchange (docs/files.md)
    // toAppConfig: present when it has rules; rules parsed, s3 only when a rule uses S3.
    fileExchange: {
        rules: key("fileExchangeRules", objectList(
            "File-exchange rules, one CronJob each (bots-exchange-<name>, never two runs at once): {name, from, to, pattern, afterCopy, archiveTo, schedule, minAgeSeconds, settleSeconds, emptyFiles, maxFiles}. from/to/archiveTo: s3://bucket/prefix or a path inside the Bots environment; afterCopy: delete (default), archive or keep. Empty: no file exchange. Needs botsSource context. Fields and defaults: docs/files.md.",
        )),
        s3: {
            endpoint: key("fileExchangeS3Endpoint", text(
                "",
                "S3 endpoint of the file exchange's s3:// locations (http(s)://host[:port], path-style addressing); credentials in the secrets fileExchangeS3AccessKey and fileExchangeS3SecretKey.",
                regex(/^https?:\/\/[^\s/]+\/?$/, "must be an endpoint URL such as https://s3.example.com or http://minio.storage:9000 (no path)"),
                { optional: true },
            )),
            region: key("fileExchangeS3Region", text("us-east-1", "Region the file exchange signs its S3 requests for (MinIO and most S3-compatible stores: us-east-1).", regex(/^[a-z0-9-]{1,32}$/, "must be a region name such as us-east-1"))),
            accessKey: secret("fileExchangeS3AccessKey", "Access key of the file exchange's S3 endpoint (fileExchangeS3Endpoint); required when a rule uses S3."),
            secretKey: secret("fileExchangeS3SecretKey", "Secret key of the file exchange's S3 endpoint; required when a rule uses S3."),
        },
        resources: resources("exchange", "a file-exchange run", { cpuRequest: "50m", memoryRequest: "128Mi", cpuLimit: "1", memoryLimit: "512Mi" }),
    },

    // Backups (docs/backups.md)
    backup: when(key("backupEnabled", bool(
            false,
            "Take backups on backupSchedule: a consistent database dump and the Bots environment's files (usersys, botssys, config) with a manifest, to backupTarget. Required on production stacks.",
        )), {
        schedule: key("backupSchedule", text("17 1 * * *", "When backups run (cron, read in engineTimeZone); the default, daily at 01:17, gives an RPO of a day.", cronScheduleProblem)),
        retentionCount: key("backupRetentionCount", integer(14, 0, 10000, "Complete backups kept (the newest always is); 0: no limit by count.")),
        retentionDays: key("backupRetentionDays", integer(0, 0, 3650, "Complete backups older than this many days are deleted (the newest always is kept); 0: no limit by age.")),
        // toAppConfig: the fields of the target kind only.
        target: {
            kind: key("backupTarget", oneOf(
                ["s3", "claim"] as const,
                "s3",
                "Where backups go: s3 (an S3-compatible bucket: backupS3Endpoint, backupS3Bucket, and the secrets backupS3AccessKeyId and backupS3SecretAccessKey) or claim (backupExistingClaim).",
            )),
            endpoint: key("backupS3Endpoint", text(
                "",
                "S3 endpoint URL (https://s3.eu-central-1.amazonaws.com, http://minio.storage:9000); path-style requests, signature v4.",
                regex(/^https?:\/\/[^\s/?#]+\/?$/, "must be an http(s) URL of the server, such as https://s3.eu-central-1.amazonaws.com (no path)"),
                { optional: true },
            )),
            bucket: key("backupS3Bucket", text(
                "",
                "Bucket of the backups (created when missing).",
                regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, "must be an S3 bucket name: 3-63 lowercase letters, digits, '.' and '-'"),
                { optional: true },
            )),
            prefix: key("backupS3Prefix", text("bots-backups", "Key prefix; each backup is <prefix>/<stack>/<id>/.", regex(/^[A-Za-z0-9!_.*'()/-]{0,200}$/, "must be an S3 key prefix: letters, digits and !_.*'()-/"))),
            region: key("backupS3Region", text("us-east-1", "Region the bucket's signature v4 is computed for.", regex(/^[a-z0-9-]{1,40}$/, "must be a region name such as eu-central-1"))),
            accessKeyId: secret("backupS3AccessKeyId", "Access key id of the backup bucket (backupTarget s3); mounted as a file in the backup pods only."),
            secretAccessKey: secret("backupS3SecretAccessKey", "Secret access key of the backup bucket (backupTarget s3); mounted as a file in the backup pods only."),
            claimName: key("backupExistingClaim", text(
                "",
                "Existing PersistentVolumeClaim backups are written to when backupTarget is claim (each backup is <stack>/<id>/ on it). Not the data claim.",
                dns1123Subdomain,
                { optional: true },
            )),
        },
        encryptionKey: secret("backupEncryptionKey", "age identity (the AGE-SECRET-KEY-1... line age-keygen writes) that encrypts every backup part at rest. Unset: parts are stored as they are. Keep a copy outside the cluster: without it no encrypted backup restores."),
        activeDeadlineSeconds: key("backupActiveDeadlineSeconds", integer(7200, 300, 86400, "Kubernetes stops a backup run after this many seconds.")),
        scratchSize: key("backupScratchSize", memory("10Gi", "Size limit of the backup pod's scratch space (an emptyDir): the dump and the tar are written there before they are uploaded.", "storage")),
        resources: resources("backup", "the backup container", { cpuRequest: "100m", memoryRequest: "256Mi", cpuLimit: "1", memoryLimit: "1Gi" }),
    }),

    // Ingress
    // toAppConfig: present when ingressHost is set.
    ingress: {
        host: key("ingressHost", text("", "Host name of the web UI's Ingress: a DNS name (optional leading *.), not an IP. Empty: no Ingress.", ingressHost, { optional: true })),
        className: keyOrUnset("ingressClassName", text("", "IngressClass of the Ingress (DNS-1123 subdomain). Empty: the cluster default.", dns1123Subdomain, { optional: true })),
        tlsSecret: keyOrUnset("ingressTlsSecret", text("", "Secret with the TLS certificate for ingressHost (DNS-1123 subdomain). Empty: plain HTTP.", dns1123Subdomain, { optional: true })),
        clusterIssuer: keyOrUnset("ingressClusterIssuer", text(
            "",
            "cert-manager ClusterIssuer that issues ingressTlsSecret (adds the cert-manager.io/cluster-issuer annotation).",
            dns1123Subdomain,
            { optional: true },
        )),
    },

    // NetworkPolicy
    networkPolicy: when(key("networkPolicyEnabled", bool(
            false,
            "Add NetworkPolicies: deny ingress to Bots pods except the web port from networkPolicyIngressNamespaces and the namespace itself. Required on production stacks.",
        )), {
        ingressNamespaces: key("networkPolicyIngressNamespaces", stringList(
            ["kube-system", "ingress-nginx"],
            dns1123Label,
            "Namespaces (names) whose pods may reach the web port: where the ingress controller runs.",
        )),
        egressCidrs: key("networkPolicyEgressCidrs", stringList(
            [],
            (s) => {
                const why = cidrProblem(s);
                return why ? `is not a CIDR (${why}); use one such as 192.0.2.0/24 or 2001:db8::/32` : undefined;
            },
            "When set, Bots pods may connect only to these CIDRs (IPv4 or IPv6: database, partners, SMTP) and to cluster DNS. Empty: egress open.",
        )),
    }),

    // Metrics and alerts (docs/metrics.md)
    // toAppConfig: labels as maps, thresholds in the alert rules' units.
    metrics: when(key("metricsEnabled", bool(
            true,
            `Serve Prometheus metrics computed from Bots' run data on port ${METRICS_PORT} (name metrics) of the web pods, and the job queue's on the worker pod; never through the Ingress.`,
        )), {
        serviceMonitor: when(key("metricsServiceMonitor", bool(false, "Add a ServiceMonitor (Prometheus Operator CRD) that scrapes the metrics port. Needs metricsEnabled.")), {
            interval: key("metricsScrapeInterval", text("30s", "Scrape interval of the ServiceMonitor (a Prometheus duration such as 30s or 1m).", regex(/^([1-9]\d*)(s|m)$/, "must be a Prometheus duration in seconds or minutes, such as 30s or 1m"))),
        }),
        prometheusRule: when(key("metricsPrometheusRule", bool(false, "Add a PrometheusRule (Prometheus Operator CRD) with the alerts of docs/metrics.md. Needs metricsEnabled.")), {
        }),
        dashboard: when(key("metricsDashboard", bool(false, "Add a ConfigMap holding a Grafana dashboard, labelled for Grafana's dashboard sidecar.")), {
            label: key("metricsDashboardLabel", text("grafana_dashboard=1", "Label (key=value) Grafana's dashboard sidecar looks for on ConfigMaps.", labelPair)),
        }),
        monitorLabels: key("metricsMonitorLabels", stringList(
            [],
            labelPair,
            "Labels (key=value) on the ServiceMonitor and the PrometheusRule, for a Prometheus that selects them by label (kube-prometheus-stack: release=<its release name>).",
        )),
        scrapeNamespaces: key("metricsScrapeNamespaces", stringList(
            ["monitoring"],
            dns1123Label,
            "With networkPolicyEnabled: namespaces (names) whose pods may reach the metrics port, where Prometheus runs.",
        )),
        alerts: {
            noCleanRunPeriods: key("alertNoCleanRunPeriods", integer(3, 1, 1000, "Alert when no engine run without errors started for this many engine schedule periods (the longest gap between two scheduled runs).")),
            inboxFileAgeMinutes: key("alertInboxFileAgeMinutes", integer(60, 1, 10080, "Alert when a file has waited this many minutes in the inbox of an active route's file channel.")),
            filesWithErrorsWindowMinutes: key("alertFilesWithErrorsWindowMinutes", integer(60, 5, 10080, "Alert while Bots recorded new files with errors within this many minutes.")),
            dataVolumeUsedPercent: key("alertDataVolumeUsedPercent", integer(85, 1, 99, "Alert when the data volume is fuller than this (percent).")),
            webDownMinutes: key("alertWebDownMinutes", integer(5, 1, 60, "Alert when no web pod has served its metrics or passed its readiness check for this many minutes.")),
        },
    }),

    // Database
    database: {
        engine: key("databaseEngine", oneOf(DATABASE_ENGINES, "postgresql", "Database of Bots: postgresql, mysql or sqlite (sqlite: a file on the data volume, one web pod).")),
        host: key("databaseHost", text("", "Database server host name or IP address (no scheme, no port). Required for postgresql and mysql.", serverHost, { optional: true })),
        // toAppConfig: 0 becomes the engine's default port.
        port: key("databasePort", integer(0, 0, 65535, "Database server port. 0: the engine's default (5432, 3306).")),
        name: key("databaseName", text("bots", "Database name (PostgreSQL, MySQL). SQLite ignores it: its file is botssys/sqlitedb/botsdb-<botsEnv> on the data volume.", regex(/^[A-Za-z0-9_.-]{1,63}$/, "must be 1-63 letters, digits, '_', '.' or '-'"))),
        user: key("databaseUser", text("bots", "Database user. Required (non-empty) for postgresql and mysql.")),
        password: secret("databasePassword", "Database password. Alternatively databaseExistingSecret."),
        // toAppConfig: present when databaseExistingSecret is set.
        existingSecret: {
            name: key("databaseExistingSecret", text(
                "",
                "Existing Secret in the namespace holding the database password (instead of databasePassword).",
                dns1123Subdomain,
                { optional: true },
            )),
            key: key("databaseExistingSecretKey", text("DB_PASSWORD", "Key of databaseExistingSecret that holds the password.", secretDataKey)),
        },
    },

    // Bots and Django
    bots: {
        existingConfigSecret: keyOrUnset("existingConfigSecret", text(
            "",
            "Use this existing Secret as the config Secret instead of rendering one (keys: docs/configuration.md). Pods then do not roll on its changes.",
            dns1123Subdomain,
            { optional: true },
        )),
        // toAppConfig: env defaults to the stack name; allowedHosts and csrfTrustedOrigins get the Service and ingress names.
        env: keyOrUnset("botsEnv", text("", "Bots environment name: directory env/<botsEnv> on the data volume, BOTSENV (DNS-1123 label). Empty: the stack name.", dns1123Label, {
            optional: true,
        })),
        timeZone: key("timeZone", text("Etc/UTC", "Django TIME_ZONE: an IANA name spelt exactly as in the tz database.", ianaTimeZone)),
        allowedHosts: key("allowedHosts", stringList(
            [],
            allowedHost,
            "Extra Django ALLOWED_HOSTS: host names, .domain, *, IPv4 or [IPv6]. ingressHost, the web Service names and localhost are always allowed.",
        )),
        csrfTrustedOrigins: key("csrfTrustedOrigins", stringList(
            [],
            regex(/^https?:\/\/[^\s/]+$/, "must be an origin with a scheme, such as https://edi.example.com"),
            "Extra Django CSRF_TRUSTED_ORIGINS (with scheme). The ingress origin is always added.",
        )),
        debug: key("debug", bool(false, "Django DEBUG. Refused on production stacks.")),
        logLevel: key("logLevel", oneOf(LOG_LEVELS, "INFO", "Log level of Bots and Django (DEBUG, INFO, WARNING, ERROR, CRITICAL).")),
        logFormat: key("logFormat", oneOf(LOG_FORMATS, "text", "Console log format of Bots and Django: text, or json (one object per line; engine lines carry the run's report id as run_id).")),
        superuser: {
            name: key("superuserName", text(
                "admin",
                "Bots web UI superuser created by db-init when missing (never reset afterwards).",
                regex(/^[\w.@+-]{1,150}$/, "must be a Django user name: 1-150 letters, digits and @.+-_"),
            )),
            email: key("superuserEmail", text("admin@example.com", "E-mail of that superuser.", emailAddress, { optional: true })),
            password: secret("superuserPassword", "Password of the superuser db-init creates. Unset: generated (random)."),
        },
        djangoSecretKey: secret("djangoSecretKey", "Django SECRET_KEY. Unset: generated (random, 64 characters)."),
        email: {
            host: key("emailHost", text("", "SMTP server for Bots' error reports (EMAIL_HOST): host name or IP, no scheme or port. Empty: no mail.", serverHost, { optional: true })),
            port: key("emailPort", integer(25, 1, 65535, "SMTP port.")),
            useTls: key("emailUseTls", bool(false, "Use STARTTLS to the SMTP server.")),
            user: key("emailUser", text("", "SMTP user. Set together with emailPassword.")),
            password: secret("emailPassword", "SMTP password (with emailUser)."),
            from: key("emailFrom", text("", "Sender address of Bots' mails (SERVER_EMAIL): bots@example.com or Name <bots@example.com>.", senderAddress, { optional: true })),
            adminEmail: key("adminEmail", text("", "Address Bots' error reports go to (ADMIN_EMAIL).", emailAddress, { optional: true })),
        },
    },
};

/** The flat object the stack config is validated with: every plain key, in the tree's order. */
export const rawConfigSchema = z.object(flatShape(configTree)).strict();

export type RawConfig = z.output<typeof rawConfigSchema>;

/** Keys whose values are credentials: set with `pulumi config set --secret`, by name with their description. */
export const SECRET_KEY_DOCS = secretDocs(configTree);
export type SecretKey = SecretName<typeof configTree>;
export const SECRET_KEYS = Object.keys(SECRET_KEY_DOCS) as SecretKey[];

/** Keys renamed in a release: the old name is still read, with a warning, until `until`. */
export const RENAMED_KEYS: Readonly<Record<string, { to: string; until: string }>> = {
    dirmonitorEnabled: { to: "workerEnabled", until: "0.3.0" },
};
