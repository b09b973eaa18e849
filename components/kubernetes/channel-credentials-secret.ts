import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { CHANNEL_CREDENTIALS_FILE, CHANNEL_SECRETS_MOUNT, channelKeyFile } from "../image/runtime-contract";
import { namingKey } from "../random/generated-passwords";
import { ChannelSecretMount } from "./bots-pod";
import { valueSecretName } from "./config-secret";

export interface ChannelCredentialsSecretArgs {
    /** Namespace of the Secret. */
    namespace: pulumi.Input<string>;
    /** Labels to put on it. */
    labels: Record<string, string>;
    /** botsChannelCredentials as validated: channel id -> {password?, privateKey?}, as one secret JSON string. */
    json: pulumi.Output<string>;
    /** The channels that carry a private key. */
    keyChannels: string[];
}

/**
 * The Secret holding the Bots channels' credentials: credentials.json for the init Job (which
 * writes them into the channel rows) and one key file per sftp channel with a private key, for
 * the pods that run the engine. Named by an HMAC of its content under a generated naming key (as
 * ConfigSecret names value Secrets), so a rotation gives a new name, and a new init Job, without
 * a digest a weak password could be guessed from. Replaced delete-before-replace, for the reason
 * ConfigSecret gives.
 */
export class ChannelCredentialsSecret extends pulumi.ComponentResource {
    /** Name of the Secret (not secret: an HMAC). */
    public readonly secretName: pulumi.Output<string>;
    /** What the init Job mounts: credentials.json. */
    public readonly initMount: ChannelSecretMount;
    /** What the pods running the engine mount: the private keys; absent without keys. */
    public readonly keyMount?: ChannelSecretMount;
    /** The Secret: what the workloads wait for. */
    public readonly secret: k8s.core.v1.Secret;

    constructor(name: string, args: ChannelCredentialsSecretArgs, opts?: pulumi.ComponentResourceOptions) {
        super("bots:k8s:ChannelCredentialsSecret", name, {}, opts);
        this.secretName = pulumi.unsecret(pulumi.all([namingKey(name, this), args.json]).apply(([key, json]) => valueSecretName("bots-channel-credentials", key, json)));
        const data = args.json.apply((json) => {
            const entries = JSON.parse(json) as Record<string, { password?: string; privateKey?: string }>;
            const files: Record<string, string> = {};
            const credentials: Record<string, { password?: string; keyfile?: string }> = {};
            for (const [id, e] of Object.entries(entries)) {
                credentials[id] = {
                    ...(e.password !== undefined ? { password: e.password } : {}),
                    ...(e.privateKey !== undefined ? { keyfile: `${CHANNEL_SECRETS_MOUNT}/${channelKeyFile(id)}` } : {}),
                };
                if (e.privateKey !== undefined) {
                    files[channelKeyFile(id)] = e.privateKey.endsWith("\n") ? e.privateKey : `${e.privateKey}\n`;
                }
            }
            return { [CHANNEL_CREDENTIALS_FILE]: JSON.stringify(credentials, null, 1), ...files };
        });
        this.secret = new k8s.core.v1.Secret(
            name,
            {
                metadata: { name: this.secretName, namespace: args.namespace, labels: args.labels },
                type: "Opaque",
                stringData: pulumi.secret(data),
            },
            { parent: this, deleteBeforeReplace: true },
        );
        this.initMount = { secretName: this.secretName, keys: [CHANNEL_CREDENTIALS_FILE] };
        if (args.keyChannels.length > 0) {
            this.keyMount = { secretName: this.secretName, keys: args.keyChannels.map(channelKeyFile) };
        }
        this.registerOutputs({ secretName: this.secretName });
    }
}
