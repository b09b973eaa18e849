import * as crypto from "crypto";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { AppConfig } from "../config/config";
import { renderBotsIni } from "../rendered/bots-ini";
import { labels } from "./labels";
import { renderSettingsPy } from "../rendered/settings-py";

export interface ConfigSecretArgs {
    /** The validated stack configuration. */
    config: AppConfig;
    /** Namespace the Secret lives in. */
    namespace: pulumi.Input<string>;
    /** Kubernetes provider of this stack. */
    k8sProvider: k8s.Provider;
    /** random provider of this stack (default providers are disabled). */
    randomProvider: random.Provider;
}

/**
 * The config Secret every Bots pod reads: bots.ini and settings.py as files, the rest as environment
 * variables. With existingConfigSecret nothing is created and the named Secret is used as it is.
 */
export class ConfigSecret extends pulumi.ComponentResource {
    /** Name of the Secret the pods read. */
    public readonly secretName: pulumi.Output<string>;
    /** sha256 over the Secret's rendered data; on the pod templates so a change rolls them. */
    public readonly checksum: pulumi.Output<string>;

    constructor(name: string, args: ConfigSecretArgs, opts?: pulumi.ComponentResourceOptions) {
        super("bots:k8s:ConfigSecret", name, {}, opts);
        const { config: c } = args;

        if (c.bots.existingConfigSecret) {
            this.secretName = pulumi.output(c.bots.existingConfigSecret);
            // Its contents are not ours to read: a change needs a manual rollout restart (README).
            this.checksum = pulumi.output(sha256(`existing:${c.bots.existingConfigSecret}`));
            this.registerOutputs({ secretName: this.secretName, checksum: this.checksum });
            return;
        }

        const randomOpts = { parent: this, provider: args.randomProvider };
        const djangoSecretKey =
            c.bots.djangoSecretKey ??
            new random.RandomPassword(`${name}-django-secret-key`, { length: 64, special: true, overrideSpecial: "!#%*+-=_~" }, randomOpts)
                .result;
        const superuserPassword =
            c.bots.superuser.password ??
            new random.RandomPassword(`${name}-superuser-password`, { length: 24, special: false }, randomOpts).result;

        const db = c.database;
        const plain: Record<string, string> = {
            BOTSENV: c.bots.env,
            BOTS_DB_ENGINE: db.engine,
            DB_NAME: db.engine === "sqlite" ? `botsdb-${c.bots.env}` : db.name,
            DB_HOST: db.host,
            DB_PORT: db.port ? String(db.port) : "",
            DB_USER: db.user,
            TIME_ZONE: c.bots.timeZone,
            ALLOWED_HOSTS: c.bots.allowedHosts.join(","),
            CSRF_TRUSTED_ORIGINS: c.bots.csrfTrustedOrigins.join(","),
            DEBUG: c.bots.debug ? "true" : "false",
            LOG_LEVEL: c.bots.logLevel,
            EMAIL_HOST: c.bots.email.host,
            EMAIL_PORT: String(c.bots.email.port),
            EMAIL_USE_TLS: c.bots.email.useTls ? "true" : "false",
            EMAIL_HOST_USER: c.bots.email.user,
            SERVER_EMAIL: c.bots.email.from,
            ADMIN_EMAIL: c.bots.email.adminEmail,
            SUPERUSER_USERNAME: c.bots.superuser.name,
            SUPERUSER_EMAIL: c.bots.superuser.email,
            "bots.ini": renderBotsIni({
                maxRuntimeMinutes: c.engine.maxRuntimeMinutes,
                jobqueueEnabled: c.worker.enabled,
                logLevel: c.bots.logLevel,
                environmentText: `${c.project}/${c.stack}`,
            }),
            "settings.py": renderSettingsPy(),
        };
        const stringData = pulumi
            .all({
                DJANGO_SECRET_KEY: djangoSecretKey,
                SUPERUSER_PASSWORD: superuserPassword,
                DB_PASSWORD: db.password ?? pulumi.output(""),
                EMAIL_HOST_PASSWORD: c.bots.email.password ?? pulumi.output(""),
            })
            .apply((secrets) => ({ ...plain, ...secrets }));

        const secret = new k8s.core.v1.Secret(
            name,
            {
                metadata: { namespace: args.namespace, labels: labels(c.bots.env, "config") },
                type: "Opaque",
                stringData: pulumi.secret(stringData),
            },
            { parent: this, provider: args.k8sProvider },
        );

        this.secretName = secret.metadata.name;
        // A digest of high-entropy data reveals nothing, so it may show in diffs in clear.
        this.checksum = pulumi.unsecret(stringData.apply((d) => sha256(JSON.stringify(sorted(d)))));
        this.registerOutputs({ secretName: this.secretName, checksum: this.checksum });
    }
}

function sorted(d: Record<string, string>): [string, string][] {
    return Object.entries(d).sort(([a], [b]) => a.localeCompare(b));
}

export function sha256(s: string): string {
    return crypto.createHash("sha256").update(s).digest("hex");
}
