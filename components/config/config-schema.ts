import * as path from "path";
import { z } from "zod";
import { isValidCronSchedule } from "./cron";
import { parseCpu, parseMemory } from "./quantity";
import { BuildInputError, checkActivateRoutes, checkBotsSource, pluginRoutes } from "../image/build-spec";

// The stack configuration as operators write it: flat keys, the same names, types and defaults as the
// `config:` block of Pulumi.yaml (a unit test keeps the two in step). Values arrive as strings from
// the Pulumi engine, so each field parses its string form and says what it allows when it cannot.

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS_NAME = /^(\*\.)?[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*$/;
const IMAGE_REPOSITORY = /^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)*$/;
const IMAGE_REF = /^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)*(:[\w][\w.-]{0,127})?(@sha256:[a-f0-9]{64})?$/;
const ENGINE_RUN_FLAGS = ["--new", "--resend", "--rereceive", "--automaticretrycommunication", "--cleanup"];

export const PLATFORMS = ["linux/amd64", "linux/arm64"] as const;
export const DATABASE_ENGINES = ["postgresql", "mysql", "sqlite"] as const;
export const LOG_LEVELS = ["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] as const;

const text = (def: string) => z.string().default(def);

const dnsLabel = (def: string) =>
    z.string().default(def).refine((s) => DNS_LABEL.test(s), {
        error: "must be a DNS label: lowercase letters, digits and '-', at most 63 characters",
    });

const integer = (def: number, min: number, max: number) =>
    z
        .string()
        .default(String(def))
        .refine((s) => /^-?\d+$/.test(s.trim()), { error: `must be a whole number from ${min} to ${max}` })
        .transform((s) => Number(s.trim()))
        .refine((n) => n >= min && n <= max, { error: `must be a whole number from ${min} to ${max}` });

const bool = (def: boolean) =>
    z
        .string()
        .default(String(def))
        .refine((s) => s === "true" || s === "false", { error: "must be true or false" })
        .transform((s) => s === "true");

/** A JSON array of strings (how the Pulumi engine hands over `type: array` config). */
const stringList = (def: string[], item: z.ZodType<string>, itemRule: string) =>
    z
        .string()
        .default(JSON.stringify(def))
        .transform((s, ctx) => {
            let value: unknown;
            try {
                value = JSON.parse(s);
            } catch {
                value = undefined;
            }
            if (!Array.isArray(value) || value.some((v) => typeof v !== "string")) {
                ctx.addIssue({ code: "custom", message: `must be a list of strings (${itemRule})` });
                return z.NEVER;
            }
            for (const v of value as string[]) {
                if (!item.safeParse(v).success) {
                    ctx.addIssue({ code: "custom", message: `item ${JSON.stringify(v)} is not allowed: ${itemRule}` });
                    return z.NEVER;
                }
            }
            return value as string[];
        });

const oneOf = <T extends readonly [string, ...string[]]>(values: T, def: T[number]) =>
    z.enum(values, { error: `must be one of: ${values.join(", ")}` }).default(def as never);

const cpu = (def: string) =>
    z.string().default(def).refine((s) => parseCpu(s) !== undefined && parseCpu(s)! > 0, {
        error: "must be a positive CPU quantity such as 250m, 1 or 1.5",
    });

const memory = (def: string, noun = "memory") =>
    z.string().default(def).refine((s) => parseMemory(s) !== undefined && parseMemory(s)! > 0, {
        error: `must be a positive ${noun} quantity such as 512Mi or 2Gi`,
    });

const cronSchedule = (def: string) =>
    z.string().default(def).refine(isValidCronSchedule, {
        error: "must be a 5-field cron schedule (minute hour day-of-month month day-of-week) or @hourly/@daily/@weekly/@monthly/@yearly",
    });

const timeZone = (def: string) =>
    z.string().default(def).refine(
        (tz) => {
            try {
                new Intl.DateTimeFormat("en-US", { timeZone: tz });
                return true;
            } catch {
                return false;
            }
        },
        { error: "must be an IANA time zone name such as Etc/UTC or Europe/Amsterdam" },
    );

const optionalMatching = (re: RegExp, rule: string) =>
    z.string().default("").refine((s) => s === "" || re.test(s), { error: rule });

const resources = (prefix: string, r: { cpuRequest: string; memoryRequest: string; cpuLimit: string; memoryLimit: string }) => ({
    [`${prefix}CpuRequest`]: cpu(r.cpuRequest),
    [`${prefix}MemoryRequest`]: memory(r.memoryRequest),
    [`${prefix}CpuLimit`]: cpu(r.cpuLimit),
    [`${prefix}MemoryLimit`]: memory(r.memoryLimit),
});

/** Keys whose values are credentials: they must be set with `pulumi config set --secret`. */
export const SECRET_KEYS = [
    "databasePassword",
    "registryPassword",
    "superuserPassword",
    "djangoSecretKey",
    "emailPassword",
] as const;
export type SecretKey = (typeof SECRET_KEYS)[number];

/** The components that get their own requests/limits keys (`<component>CpuRequest`, ...). */
export const RESOURCE_COMPONENTS = ["web", "engine", "jobqueue", "dirmonitor", "init"] as const;
export type ResourceComponent = (typeof RESOURCE_COMPONENTS)[number];

export const rawConfigSchema = z
    .object({
        // Kubernetes target
        kubeContext: z.string({ error: "is required: the kubeconfig context this stack deploys to" }).min(1, {
            error: "is required: the kubeconfig context this stack deploys to",
        }),
        kubeconfig: text(""),
        namespace: dnsLabel("bots-edi"),
        podSecurityVersion: z.string().default("v1.34").refine((s) => s === "latest" || /^v1\.\d+$/.test(s), {
            error: "must be 'latest' or a Kubernetes minor version such as v1.34",
        }),

        // Image
        imageMode: oneOf(["build", "existing"] as const, "build"),
        imageRepository: optionalMatching(IMAGE_REPOSITORY, "must be a registry repository such as registry.example.com/edi/bots (no tag, no digest)"),
        imageRef: optionalMatching(IMAGE_REF, "must be an image reference such as registry.example.com/edi/bots:1.2 or registry.example.com/edi/bots@sha256:<64 hex>"),
        imagePlatforms: stringList(["linux/amd64", "linux/arm64"], z.enum(PLATFORMS), `each one of ${PLATFORMS.join(", ")}`),
        imageCache: bool(true),
        imagePullPolicy: oneOf(["IfNotPresent", "Always", "Never"] as const, "IfNotPresent"),
        imagePullSecrets: stringList([], z.string().regex(DNS_NAME), "Secret names (DNS names)"),
        registryUsername: text(""),
        botsSource: oneOf(["pypi", "context"] as const, "pypi"),
        botsSourceDir: text(""),
        botsPlugins: stringList([], z.string().min(1), "plugin folders, relative to the project"),
        botsActivateRoutes: stringList([], z.string().regex(/^[^\s,]+$/), "Bots route ids (no spaces or commas)"),

        // Data volume
        storageClass: text(""),
        storageSize: memory("20Gi", "storage"),
        storageAccessMode: z
            .string()
            .default("ReadWriteMany")
            .refine((s) => s === "ReadWriteMany", {
                error: "must be ReadWriteMany: the web, worker and engine pods share the volume and may run on different nodes (ReadWriteOnce/ReadWriteOncePod cannot be mounted by all of them)",
            }),
        existingClaim: optionalMatching(DNS_NAME, "must be the name of an existing PersistentVolumeClaim in the namespace"),
        protectData: bool(false),

        // Web
        webReplicas: integer(1, 0, 20),
        ...resources("web", { cpuRequest: "100m", memoryRequest: "256Mi", cpuLimit: "1", memoryLimit: "1Gi" }),

        // Worker (job queue + directory monitor)
        dirmonitorEnabled: bool(true),
        ...resources("jobqueue", { cpuRequest: "50m", memoryRequest: "128Mi", cpuLimit: "500m", memoryLimit: "512Mi" }),
        ...resources("dirmonitor", { cpuRequest: "50m", memoryRequest: "128Mi", cpuLimit: "500m", memoryLimit: "256Mi" }),
        workerTerminationGraceSeconds: integer(120, 0, 3600),

        // Engine CronJob
        engineSchedule: cronSchedule("*/5 * * * *"),
        engineTimeZone: timeZone("Etc/UTC"),
        engineSuspend: bool(false),
        engineArgs: stringList(
            ["--new"],
            z.string().refine((a) => ENGINE_RUN_FLAGS.includes(a) || /^[A-Za-z0-9_.-]+$/.test(a) && !a.startsWith("-")),
            `run flags ${ENGINE_RUN_FLAGS.join(" ")} or route ids given positionally (bots-engine has no --routeid)`,
        ),
        engineStartingDeadlineSeconds: integer(180, 10, 3600),
        engineActiveDeadlineSeconds: integer(3000, 60, 86400),
        engineMaxRuntimeMinutes: integer(60, 1, 1440),
        engineBackoffLimit: integer(1, 0, 6),
        engineSuccessfulJobsHistory: integer(3, 0, 100),
        engineFailedJobsHistory: integer(3, 0, 100),
        engineTerminationGraceSeconds: integer(120, 0, 3600),
        ...resources("engine", { cpuRequest: "200m", memoryRequest: "512Mi", cpuLimit: "2", memoryLimit: "2Gi" }),

        // db-init Job
        initActiveDeadlineSeconds: integer(1200, 60, 86400),
        initBackoffLimit: integer(1, 0, 6),
        initTimeoutMinutes: integer(25, 1, 240),
        ...resources("init", { cpuRequest: "100m", memoryRequest: "256Mi", cpuLimit: "1", memoryLimit: "1Gi" }),

        // Ingress
        ingressHost: optionalMatching(DNS_NAME, "must be a DNS host name such as edi.example.com"),
        ingressClassName: text(""),
        ingressTlsSecret: optionalMatching(DNS_NAME, "must be a Secret name (DNS name)"),
        ingressClusterIssuer: text(""),

        // NetworkPolicy
        networkPolicyEnabled: bool(false),
        networkPolicyIngressNamespaces: stringList(["kube-system", "ingress-nginx"], z.string().regex(DNS_LABEL), "namespace names"),
        networkPolicyEgressCidrs: stringList(
            [],
            z.string().regex(/^(\d{1,3}\.){3}\d{1,3}\/\d{1,2}$|^[0-9a-fA-F:]+\/\d{1,3}$/),
            "CIDRs such as 10.0.0.0/8",
        ),

        // Database
        databaseEngine: oneOf(DATABASE_ENGINES, "postgresql"),
        databaseHost: optionalMatching(/^[A-Za-z0-9]([-A-Za-z0-9.]*[A-Za-z0-9])?$/, "must be a host name or IP address"),
        databasePort: integer(0, 0, 65535),
        databaseName: z.string().default("bots").refine((s) => /^[A-Za-z0-9_.-]{1,63}$/.test(s), {
            error: "must be 1-63 letters, digits, '_', '.' or '-'",
        }),
        databaseUser: text("bots"),
        databaseExistingSecret: optionalMatching(DNS_NAME, "must be a Secret name (DNS name)"),
        databaseExistingSecretKey: text("DB_PASSWORD"),

        // Bots and Django
        existingConfigSecret: optionalMatching(DNS_NAME, "must be a Secret name (DNS name)"),
        botsEnv: optionalMatching(DNS_LABEL, "must be a DNS label (it names a directory on the data volume)"),
        timeZone: timeZone("Etc/UTC"),
        allowedHosts: stringList([], z.string().regex(/^(\*|\.?[A-Za-z0-9.-]+)$/), "host names, '.domain' suffixes or '*'"),
        csrfTrustedOrigins: stringList([], z.string().regex(/^https?:\/\/[^\s/]+$/), "origins with a scheme, such as https://edi.example.com"),
        debug: bool(false),
        logLevel: oneOf(LOG_LEVELS, "INFO"),
        superuserName: z.string().default("admin").refine((s) => /^[\w.@+-]{1,150}$/.test(s), {
            error: "must be a Django user name: letters, digits and @.+-_",
        }),
        superuserEmail: text("admin@example.com"),
        emailHost: text(""),
        emailPort: integer(25, 1, 65535),
        emailUseTls: bool(false),
        emailUser: text(""),
        emailFrom: text(""),
        adminEmail: text(""),
    })
    .strict();

export type RawConfig = z.output<typeof rawConfigSchema>;

/** Cross-field rules: each names the key it blames. */
export function crossFieldIssues(c: RawConfig, secrets: Partial<Record<SecretKey, boolean>>): { key: string; message: string }[] {
    const issues: { key: string; message: string }[] = [];
    const add = (key: string, message: string) => issues.push({ key, message });

    if (c.imageMode === "build" && c.imageRepository === "") {
        add("imageRepository", "is required when imageMode is build: the registry repository the image is pushed to");
    }
    if (c.imageMode === "existing" && c.imageRef === "") {
        add(
            "imageRef",
            "is required when imageMode is existing: repo@sha256:<digest> (for prod: dev's imageRef output, set at promotion) or repo:tag (resolved to its digest)",
        );
    }
    if (c.imageMode === "build" && c.imagePlatforms.length === 0) {
        add("imagePlatforms", `must name at least one of ${PLATFORMS.join(", ")}`);
    }
    if (new Set(c.imagePlatforms).size !== c.imagePlatforms.length) {
        add("imagePlatforms", "must not repeat a platform");
    }
    if (c.botsSource === "context" && c.botsSourceDir === "") {
        add("botsSourceDir", "is required when botsSource is context: the local Bots source tree");
    }
    if (c.imageMode === "build" && c.botsSource === "context" && c.botsSourceDir !== "") {
        for (const problem of checkBotsSource(path.resolve(c.botsSourceDir))) {
            add("botsSourceDir", problem);
        }
    }
    if (c.botsPlugins.length > 0 && (c.imageMode !== "build" || c.botsSource !== "context")) {
        add("botsPlugins", "needs imageMode build and botsSource context: plugins are baked into a Bots 4 image built from a source tree (an existing image carries its own)");
    } else if (c.botsPlugins.length > 0) {
        const dirs = c.botsPlugins.map((d) => path.resolve(d));
        const names = dirs.map((d) => path.basename(d));
        const dup = names.find((n, i) => names.indexOf(n) !== i);
        if (dup) {
            add("botsPlugins", `two plugin folders are named "${dup}": a plugin is installed under its folder name, which must be unique`);
        }
        let readable = true;
        for (const dir of dirs) {
            try {
                pluginRoutes(dir);
            } catch (e) {
                readable = false;
                add("botsPlugins", e instanceof BuildInputError ? e.message : String(e));
            }
        }
        if (readable) {
            for (const problem of checkActivateRoutes(dirs, c.botsActivateRoutes)) {
                add("botsActivateRoutes", problem);
            }
        }
    }
    if (secrets.registryPassword && c.registryUsername === "") {
        add("registryUsername", "is required when registryPassword is set");
    }
    if ((c.ingressTlsSecret !== "" || c.ingressClusterIssuer !== "") && c.ingressHost === "") {
        add("ingressHost", "is required when ingressTlsSecret or ingressClusterIssuer is set: TLS needs a host name");
    }
    if (c.ingressClusterIssuer !== "" && c.ingressTlsSecret === "") {
        add("ingressTlsSecret", "is required when ingressClusterIssuer is set: cert-manager writes the certificate into it");
    }
    if (c.engineActiveDeadlineSeconds >= c.engineMaxRuntimeMinutes * 60) {
        add(
            "engineActiveDeadlineSeconds",
            `must be below engineMaxRuntimeMinutes x 60 (${c.engineMaxRuntimeMinutes * 60}), so Kubernetes stops a run before Bots' own lock expires`,
        );
    }
    if (c.databaseEngine !== "sqlite" && c.existingConfigSecret === "") {
        if (c.databaseHost === "") {
            add("databaseHost", `is required when databaseEngine is ${c.databaseEngine}`);
        }
        if (!secrets.databasePassword && c.databaseExistingSecret === "") {
            add("databasePassword", `is required (as a secret) when databaseEngine is ${c.databaseEngine}, unless databaseExistingSecret names a Secret holding it`);
        }
    }
    if (secrets.databasePassword && c.databaseExistingSecret !== "") {
        add("databaseExistingSecret", "must be empty when databasePassword is set: choose one source for the password");
    }
    if (c.databaseEngine === "sqlite" && c.webReplicas > 1) {
        add("webReplicas", "must be 0 or 1 when databaseEngine is sqlite: SQLite on a shared network volume does not survive concurrent writers");
    }
    for (const comp of RESOURCE_COMPONENTS) {
        const r = c as unknown as Record<string, string>;
        if (parseCpu(r[`${comp}CpuRequest`])! > parseCpu(r[`${comp}CpuLimit`])!) {
            add(`${comp}CpuRequest`, `must not exceed ${comp}CpuLimit (${r[`${comp}CpuLimit`]})`);
        }
        if (parseMemory(r[`${comp}MemoryRequest`])! > parseMemory(r[`${comp}MemoryLimit`])!) {
            add(`${comp}MemoryRequest`, `must not exceed ${comp}MemoryLimit (${r[`${comp}MemoryLimit`]})`);
        }
    }
    return issues;
}
