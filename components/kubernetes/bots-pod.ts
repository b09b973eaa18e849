import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import {
    BOTS_DATA_ROOT,
    BOTS_UID,
    CHANNEL_CREDENTIALS_ENV,
    CHANNEL_CREDENTIALS_FILE,
    CHANNEL_SECRETS_MOUNT,
    CONFIG_ENV_KEYS,
    CONFIG_FILES,
    CONFIG_MOUNT,
    RUN_DIR,
    SECRETS_MOUNT,
    SECRET_FILES,
    SecretName,
    TMP_DIR,
    fileVariable,
} from "../image/runtime-contract";

type Container = k8s.types.input.core.v1.Container;
type PodSpec = k8s.types.input.core.v1.PodSpec;
type Volume = k8s.types.input.core.v1.Volume;

/** One secret value a workload reads, and the Secret and key it is mounted from. */
export interface SecretFile {
    /** Which value (the image's NAME of NAME_FILE). */
    name: SecretName;
    /** Secret holding it. */
    secretName: pulumi.Input<string>;
    /** Key of that Secret. */
    key: string;
}

/** Files of the channel credentials Secret a workload mounts at CHANNEL_SECRETS_MOUNT. */
export interface ChannelSecretMount {
    /** The Secret (ChannelCredentialsSecret). */
    secretName: pulumi.Input<string>;
    /** Its keys mounted, each as a file of the same name. */
    keys: string[];
}

/** What a Bots pod is made of: image, config, secrets, data volume, identity. Built per workload by BotsApp. */
export interface BotsPodArgs {
    /** Image by digest (repo@sha256:...). */
    image: pulumi.Input<string>;
    /** imagePullPolicy of every container. */
    imagePullPolicy: string;
    /** Names of image pull Secrets. */
    imagePullSecrets: string[];
    /** Name of the config Secret (files + environment). */
    configSecretName: pulumi.Input<string>;
    /** Digest of the settings and of the secrets this workload reads; on its pod template so a change rolls it. */
    configChecksum: pulumi.Input<string>;
    /** Exactly the secret values this workload reads, mounted as files at SECRETS_MOUNT. */
    secrets: SecretFile[];
    /** Name of the data PersistentVolumeClaim. */
    claimName: pulumi.Input<string>;
    /** ServiceAccount the pods run as (its token is never mounted). */
    serviceAccountName: pulumi.Input<string>;
    /** Channel credentials this workload reads (botsChannelCredentials); absent: none mounted. */
    channelSecret?: ChannelSecretMount;
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
    { name: "secrets", mountPath: SECRETS_MOUNT, readOnly: true },
    { name: "run", mountPath: RUN_DIR },
    { name: "tmp", mountPath: TMP_DIR },
];

/** Settings from the config Secret, and for each secret value only the path of its file. */
function env(p: BotsPodArgs): k8s.types.input.core.v1.EnvVar[] {
    return [
        ...CONFIG_ENV_KEYS.map(({ key, required }) => ({
            name: key,
            valueFrom: { secretKeyRef: { name: p.configSecretName, key, optional: !required } },
        })),
        ...p.secrets.map((s) => ({ name: fileVariable(s.name), value: `${SECRETS_MOUNT}/${SECRET_FILES[s.name]}` })),
        ...(p.channelSecret?.keys.includes(CHANNEL_CREDENTIALS_FILE)
            ? [{ name: CHANNEL_CREDENTIALS_ENV, value: `${CHANNEL_SECRETS_MOUNT}/${CHANNEL_CREDENTIALS_FILE}` }]
            : []),
    ];
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
        volumeMounts: p.channelSecret ? [...VOLUME_MOUNTS, { name: "channel-secrets", mountPath: CHANNEL_SECRETS_MOUNT, readOnly: true }] : VOLUME_MOUNTS,
        ...extra,
    };
}

/** Who a pod runs as and where its image comes from. */
export interface PodIdentity {
    /** ServiceAccount the pod runs as (its token is never mounted). */
    serviceAccountName: pulumi.Input<string>;
    /** Names of image pull Secrets. */
    imagePullSecrets: string[];
}

/**
 * The restricted pod every workload of the stack runs (Bots' own and the file exchange's mover):
 * no ServiceAccount token and no service links, non-root as the image's user, RuntimeDefault seccomp.
 */
export function restrictedPodSpec(p: PodIdentity, containers: Container[], volumes: Volume[], extra: Partial<PodSpec> = {}): PodSpec {
    return {
        serviceAccountName: p.serviceAccountName,
        automountServiceAccountToken: false,
        enableServiceLinks: false,
        securityContext: POD_SECURITY_CONTEXT,
        imagePullSecrets: p.imagePullSecrets.map((name) => ({ name })),
        containers,
        volumes,
        ...extra,
    };
}

/** The pod spec every Bots workload shares, around the given containers. */
export function botsPodSpec(p: BotsPodArgs, containers: Container[], extra: Partial<PodSpec> = {}): PodSpec {
    return restrictedPodSpec(
        p,
        containers,
        [
            { name: "data", persistentVolumeClaim: { claimName: p.claimName } },
            {
                name: "config",
                secret: {
                    secretName: p.configSecretName,
                    defaultMode: 0o440,
                    items: CONFIG_FILES.map((f) => ({ key: f, path: f })),
                },
            },
            {
                name: "secrets",
                projected: {
                    defaultMode: 0o440,
                    sources: p.secrets.map((s) => ({ secret: { name: s.secretName, items: [{ key: s.key, path: SECRET_FILES[s.name] }] } })),
                },
            },
            { name: "run", emptyDir: { medium: "Memory", sizeLimit: "16Mi" } },
            { name: "tmp", emptyDir: { sizeLimit: "1Gi" } },
            ...(p.channelSecret
                ? [
                      {
                          name: "channel-secrets",
                          secret: { secretName: p.channelSecret.secretName, defaultMode: 0o440, items: p.channelSecret.keys.map((k) => ({ key: k, path: k })) },
                      },
                  ]
                : []),
        ],
        extra,
    );
}

/** Pod template annotations: the workload's config digest, so a change of what it reads rolls its pods. */
export function podAnnotations(p: Pick<BotsPodArgs, "configChecksum">): Record<string, pulumi.Input<string>> {
    return { "bots-edi.io/config-checksum": p.configChecksum };
}
