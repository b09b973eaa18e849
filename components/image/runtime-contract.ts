// What the image promises the program (docker/README.md, "Runtime contract"): paths, ports, the
// service-type arguments of the entrypoint and the health checks.

/** uid and gid the image runs as. */
export const BOTS_UID = 10001;
/** Where the data volume is mounted; Bots environments live in env/<botsEnv> below it. */
export const BOTS_DATA_ROOT = "/home/bots/.bots";
/** Where the config Secret's files (bots.ini, settings.py) are mounted, read-only. */
export const CONFIG_MOUNT = "/etc/bots";
/** Scratch the entrypoint assembles the runtime config dir in (emptyDir). */
export const RUN_DIR = "/run/bots";
/** Temporary files: Django uploads, Python (emptyDir). */
export const TMP_DIR = "/tmp";

/** Bots' web server port: [webserver] port of docker/bots-config/bots.ini (a unit test keeps them equal). */
export const WEB_PORT = 8080;

/** Port of the Prometheus metrics the webserver and the job queue server serve (BOTS_METRICS_PORT; 0 turns them off). */
export const METRICS_PORT = 9464;
/** Path of those metrics. */
export const METRICS_PATH = "/metrics";

/** HTTP health endpoints: Bots 4's own views (bots/healthcheck.py), served at these paths by the image. */
export const HEALTH_PATHS = { live: "/health/live", ready: "/health/ready", startup: "/health/startup" } as const;

/** Exec health check on the image's PATH. */
export function healthcheckCommand(check: "live" | "ready" | "startup" | "jobqueue" | "dirmonitor"): string[] {
    return ["bots-healthcheck", check];
}

/** Bots engine exit codes that mean "do not retry": 2 = EDI errors in the run, 3 = another run holds the lock. */
export const ENGINE_NO_RETRY_EXIT_CODES = [2, 3];

/** The image's env-driven Django settings module; the rendered settings.py only imports it. */
export const SETTINGS_MODULE = "bots_runtime.settings";

/**
 * Keys of the config Secret that become environment variables of every Bots container: settings,
 * no secret values. An existingConfigSecret must hold the required ones plus the files bots.ini and
 * settings.py (and the secret keys of SECRET_FILES).
 */
export const CONFIG_ENV_KEYS: { key: string; required: boolean }[] = [
    { key: "BOTSENV", required: true },
    { key: "BOTS_DB_ENGINE", required: true },
    { key: "DB_NAME", required: true },
    { key: "DB_HOST", required: false },
    { key: "DB_PORT", required: false },
    { key: "DB_USER", required: false },
    { key: "TIME_ZONE", required: true },
    { key: "ALLOWED_HOSTS", required: true },
    { key: "CSRF_TRUSTED_ORIGINS", required: false },
    { key: "DEBUG", required: false },
    { key: "LOG_LEVEL", required: false },
    { key: "LOG_FORMAT", required: false },
    { key: "BOTS_METRICS_PORT", required: false },
    { key: "EMAIL_HOST", required: false },
    { key: "EMAIL_PORT", required: false },
    { key: "EMAIL_USE_TLS", required: false },
    { key: "EMAIL_HOST_USER", required: false },
    { key: "SERVER_EMAIL", required: false },
    { key: "ADMIN_EMAIL", required: false },
    { key: "SUPERUSER_USERNAME", required: false },
    { key: "SUPERUSER_EMAIL", required: false },
];

/** Where the secret files are mounted, read-only: one file per secret value a workload reads. */
export const SECRETS_MOUNT = "/run/secrets/bots";

/**
 * The secret values the image reads from files: for each, the image takes `<NAME>_FILE` (the path;
 * the value is the file's contents, one trailing newline stripped; NAME and NAME_FILE both set is
 * an error). Keys are the Secret data keys too; values the file names under SECRETS_MOUNT.
 */
export const SECRET_FILES = {
    DJANGO_SECRET_KEY: "django-secret-key",
    DB_PASSWORD: "db-password",
    EMAIL_HOST_PASSWORD: "email-host-password",
    SUPERUSER_PASSWORD: "superuser-password",
} as const;
export type SecretName = keyof typeof SECRET_FILES;

/** The environment variable that tells the image where a secret's file is. */
export const fileVariable = (name: SecretName): string => `${name}_FILE`;

/**
 * The secret values each kind of process reads: every service imports the Django settings (secret
 * key, database) and may send error mails; only init-db creates the superuser and sends no mail.
 */
export const SECRETS_READ: Record<"service" | "init", SecretName[]> = {
    service: ["DJANGO_SECRET_KEY", "DB_PASSWORD", "EMAIL_HOST_PASSWORD"],
    init: ["DJANGO_SECRET_KEY", "DB_PASSWORD", "SUPERUSER_PASSWORD"],
};

/** Where build mode bakes the plugins (one folder each, plugins.txt = install order). */
export const PLUGIN_DIR = "/opt/bots/plugins";
/** init-db: route ids (comma separated) to activate among the baked plugins' routes. */
export const ACTIVATE_ROUTES_ENV = "BOTS_ACTIVATE_ROUTES";

/** Files of the config Secret, mounted at CONFIG_MOUNT. */
export const CONFIG_FILES = ["bots.ini", "settings.py"] as const;

/**
 * Where the channel credentials Secret (botsChannelCredentials) is mounted, read-only: the init
 * Job reads CHANNEL_CREDENTIALS_FILE (named by CHANNEL_CREDENTIALS_ENV) and writes the values into
 * Bots' channel rows; the pods that run the engine see only the private keys, one file per channel.
 */
export const CHANNEL_SECRETS_MOUNT = "/run/secrets/bots-channels";
/** JSON: channel id -> {password?, keyfile?} (keyfile: the key's path under CHANNEL_SECRETS_MOUNT). */
export const CHANNEL_CREDENTIALS_FILE = "credentials.json";
export const CHANNEL_CREDENTIALS_ENV = "BOTS_CHANNEL_CREDENTIALS_FILE";
/** The file a channel's private key is mounted as. */
export const channelKeyFile = (channelId: string): string => `channel-${channelId}.key`;

/** bots-exchange (the file exchange's mover): where its rules file is mounted, and its name. */
export const EXCHANGE_CONFIG_MOUNT = "/etc/bots-exchange";
export const EXCHANGE_RULES_FILE = "rules.json";
/** Where the file exchange's S3 credentials are mounted, one file each. */
export const EXCHANGE_SECRETS_MOUNT = "/run/secrets/bots-exchange";

/** bots-backup (docker/python/bots_runtime/backup): where the backup pods mount what it reads. */
export const BACKUP = {
    /** Scratch for the dump and the tar before upload (emptyDir, BACKUP_SCRATCH_DIR). */
    scratchDir: "/var/lib/bots-backup",
    /** The backup claim (backupTarget claim, BACKUP_DIR). */
    claimDir: "/backups",
    /** The backup credentials and encryption key, one file each. */
    secretsDir: "/run/secrets/backup",
    /** File names under secretsDir, which are also the keys of the backup Secret. */
    files: { accessKeyId: "s3-access-key-id", secretAccessKey: "s3-secret-access-key", encryptionKey: "encryption-key" },
} as const;
