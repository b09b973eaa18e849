import { CLAIM_NAME } from "../kubernetes/data-volume";
import { PLATFORMS, RESOURCE_COMPONENTS, RawConfig, SecretKey } from "./config-schema";
import { isS3, parseRules } from "./file-exchange-rules";
import { parseCpu, parseMemory } from "./quantity";

// The rules that read more than one key: required-when, mutually exclusive, request below limit,
// and the production guard rails. Each key's own rule is in its schema (config-schema.ts).

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
    if (c.imageMode === "build" && c.botsSource === "context" && c.botsSourceDir === "") {
        add("botsSourceDir", "is required when botsSource is context in build mode: the local Bots source tree");
    }
    if (c.botsPlugins.length > 0 && (c.imageMode !== "build" || c.botsSource !== "context")) {
        add("botsPlugins", "needs imageMode build and botsSource context: plugins are baked into a Bots 4 image built from a source tree (an existing image carries its own)");
    }
    if (c.fileExchangeRules.length > 0) {
        const { issues: ruleIssues, rules } = parseRules(c.fileExchangeRules);
        ruleIssues.forEach((m) => add("fileExchangeRules", m));
        if (c.botsSource !== "context") {
            add("fileExchangeRules", "needs botsSource context: the mover (bots-exchange) and its S3 client are in the Bots 4 image");
        }
        const s3 = rules.filter((r) => [r.from, r.to, r.archiveTo ?? ""].some(isS3)).map((r) => r.name);
        if (s3.length > 0 && c.fileExchangeS3Endpoint === "") {
            add("fileExchangeS3Endpoint", `is required: rules ${s3.join(", ")} use s3:// locations`);
        }
        for (const key of ["fileExchangeS3AccessKey", "fileExchangeS3SecretKey"] as const) {
            if (s3.length > 0 && !secrets[key]) {
                add(key, `is required (as a secret): rules ${s3.join(", ")} use s3:// locations`);
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
    if (c.databaseEngine !== "sqlite" && c.existingConfigSecret === "" && c.databaseUser.trim() === "") {
        add("databaseUser", `must not be empty when databaseEngine is ${c.databaseEngine}: the database server authenticates a user`);
    }
    if (c.existingConfigSecret === "" && secrets.emailPassword && c.emailUser === "") {
        add("emailUser", "is required when emailPassword is set: Django logs in to the SMTP server only with both");
    }
    if (c.existingConfigSecret === "" && c.emailUser !== "" && !secrets.emailPassword) {
        add("emailPassword", "is required (as a secret) when emailUser is set: Django logs in to the SMTP server only with both");
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
    if (c.backupEnabled && c.backupTarget === "s3") {
        for (const key of ["backupS3Endpoint", "backupS3Bucket"] as const) {
            if (c[key] === "") {
                add(key, "is required when backupEnabled is true and backupTarget is s3");
            }
        }
        for (const key of ["backupS3AccessKeyId", "backupS3SecretAccessKey"] as const) {
            if (!secrets[key]) {
                add(key, "is required (as a secret) when backupEnabled is true and backupTarget is s3: pulumi config set --secret " + key);
            }
        }
    }
    if (c.backupEnabled && c.backupTarget === "claim") {
        if (c.backupExistingClaim === "") {
            add("backupExistingClaim", "is required when backupEnabled is true and backupTarget is claim: an existing claim the backups are written to");
        } else if (c.backupExistingClaim === (c.existingClaim || CLAIM_NAME)) {
            add("backupExistingClaim", "must not be the data claim: a backup on the volume it backs up is lost with it");
        }
    }
    for (const key of ["metricsServiceMonitor", "metricsPrometheusRule"] as const) {
        if (c[key] && !c.metricsEnabled) {
            add(key, "needs metricsEnabled: true (there is nothing to scrape or alert on without the metrics port)");
        }
    }
    if (c.metricsServiceMonitor && c.networkPolicyEnabled && c.metricsScrapeNamespaces.length === 0) {
        add("metricsScrapeNamespaces", "must name Prometheus's namespace when metricsServiceMonitor and networkPolicyEnabled are true: the NetworkPolicies would drop its scrapes");
    }
    if (c.production) {
        const rail = (key: string, rule: string, message: string) => add(key, `${message} [${rule}]`);
        if (!c.backupEnabled) {
            rail("backupEnabled", "production-backups", "must be true on a production stack (production: true): without backups a lost database or volume cannot be restored");
        }
        if (c.debug) {
            rail("debug", "production-no-debug", "must be false on a production stack (production: true): Django DEBUG shows settings and tracebacks to every visitor");
        }
        if (!c.protectData) {
            rail("protectData", "production-protected-data", "must be true on a production stack (production: true): `pulumi destroy` would delete the namespace and the EDI data with it");
        }
        if (!c.networkPolicyEnabled) {
            rail("networkPolicyEnabled", "production-network-policies", "must be true on a production stack (production: true): without NetworkPolicies every pod of the cluster reaches Bots");
        }
        if (c.webReplicas < 2) {
            rail("webReplicas", "production-web-replicas", "must be at least 2 on a production stack (production: true): one pod means downtime on every rollout and node drain");
        }
    }
    return issues;
}
