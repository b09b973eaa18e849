import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import {
    BOTS_DATA_ROOT,
    BOTS_UID,
    CONFIG_ENV_KEYS,
    CONFIG_FILES,
    CONFIG_MOUNT,
    RUN_DIR,
    TMP_DIR,
} from "../image/runtime-contract";

type Container = k8s.types.input.core.v1.Container;
type PodSpec = k8s.types.input.core.v1.PodSpec;

/** What every Bots pod shares: image, config, data volume, identity. Built once by BotsApp. */
export interface BotsPodArgs {
    /** Image by digest (repo@sha256:...). */
    image: pulumi.Input<string>;
    /** imagePullPolicy of every container. */
    imagePullPolicy: string;
    /** Names of image pull Secrets. */
    imagePullSecrets: string[];
    /** Name of the config Secret (files + environment). */
    configSecretName: pulumi.Input<string>;
    /** Digest of the rendered config, put on pod templates so a change rolls them. */
    configChecksum: pulumi.Input<string>;
    /** Name of the data PersistentVolumeClaim. */
    claimName: pulumi.Input<string>;
    /** ServiceAccount the pods run as (its token is never mounted). */
    serviceAccountName: pulumi.Input<string>;
    /** Existing Secret and key that hold the database password, when not in the config Secret. */
    databasePasswordSecret?: { name: string; key: string };
}

export const POD_SECURITY_CONTEXT: k8s.types.input.core.v1.PodSecurityContext = {
    runAsNonRoot: true,
    runAsUser: BOTS_UID,
    runAsGroup: BOTS_UID,
    fsGroup: BOTS_UID,
    // A recursive chown of a large EDI volume on every start would eat the startup budget.
    fsGroupChangePolicy: "OnRootMismatch",
    seccompProfile: { type: "RuntimeDefault" },
};

export const CONTAINER_SECURITY_CONTEXT: k8s.types.input.core.v1.SecurityContext = {
    runAsNonRoot: true,
    runAsUser: BOTS_UID,
    runAsGroup: BOTS_UID,
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    privileged: false,
    capabilities: { drop: ["ALL"] },
    seccompProfile: { type: "RuntimeDefault" },
};

const VOLUME_MOUNTS: k8s.types.input.core.v1.VolumeMount[] = [
    { name: "data", mountPath: BOTS_DATA_ROOT },
    { name: "config", mountPath: CONFIG_MOUNT, readOnly: true },
    { name: "run", mountPath: RUN_DIR },
    { name: "tmp", mountPath: TMP_DIR },
];

function env(p: BotsPodArgs): k8s.types.input.core.v1.EnvVar[] {
    return CONFIG_ENV_KEYS.map(({ key, required }) => {
        const source =
            key === "DB_PASSWORD" && p.databasePasswordSecret
                ? { name: p.databasePasswordSecret.name, key: p.databasePasswordSecret.key, optional: false }
                : { name: p.configSecretName, key, optional: !required };
        return { name: key, valueFrom: { secretKeyRef: source } };
    });
}

/** One Bots container: the image's ENTRYPOINT (tini + entrypoint) is kept, only args are set. */
export function botsContainer(
    p: BotsPodArgs,
    name: string,
    args: string[],
    resources: k8s.types.input.core.v1.ResourceRequirements,
    extra: Partial<Container> = {},
): Container {
    return {
        name,
        image: p.image,
        imagePullPolicy: p.imagePullPolicy,
        args,
        env: env(p),
        resources,
        securityContext: CONTAINER_SECURITY_CONTEXT,
        volumeMounts: VOLUME_MOUNTS,
        ...extra,
    };
}

/** The pod spec every Bots workload shares, around the given containers. */
export function botsPodSpec(p: BotsPodArgs, containers: Container[], extra: Partial<PodSpec> = {}): PodSpec {
    return {
        serviceAccountName: p.serviceAccountName,
        automountServiceAccountToken: false,
        enableServiceLinks: false,
        securityContext: POD_SECURITY_CONTEXT,
        imagePullSecrets: p.imagePullSecrets.map((name) => ({ name })),
        containers,
        volumes: [
            { name: "data", persistentVolumeClaim: { claimName: p.claimName } },
            {
                name: "config",
                secret: {
                    secretName: p.configSecretName,
                    defaultMode: 0o440,
                    items: CONFIG_FILES.map((f) => ({ key: f, path: f })),
                },
            },
            { name: "run", emptyDir: { medium: "Memory", sizeLimit: "16Mi" } },
            { name: "tmp", emptyDir: { sizeLimit: "1Gi" } },
        ],
        ...extra,
    };
}

/** Pod template annotations: the config digest, so a config change rolls the pods. */
export function podAnnotations(p: BotsPodArgs): Record<string, pulumi.Input<string>> {
    return { "bots-edi.io/config-checksum": p.configChecksum };
}
