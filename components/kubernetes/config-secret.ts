import * as crypto from "crypto";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { SECRET_FILES, SecretName } from "../image/runtime-contract";
import { generatedPassword, namingKey as newNamingKey } from "../random/generated-passwords";
import { SecretFile } from "./bots-pod";

export interface ConfigSecretArgs {
    /** Namespace the Secrets live in. */
    namespace: pulumi.Input<string>;
    /** Labels to put on them. */
    labels: Record<string, string>;
    /** Settings: environment values and the rendered files (bots.ini, settings.py); no secret values. */
    data: Record<string, string>;
    /** Secret values the operator supplied, by name. */
    supplied: Partial<Record<SecretName, pulumi.Input<string>>>;
    /** Secret values that already live in Secrets the stack does not own (databaseExistingSecret, existingConfigSecret). */
    external: Partial<Record<SecretName, { name: string; key: string }>>;
    /** Use this existing Secret as it is for the settings instead of creating one. */
    existingSecretName?: string;
}

/** Length of the content digest in the Secrets' names. */
const NAME_DIGEST_LENGTH = 10;

/**
 * The settings every Bots pod reads (a Secret: bots.ini and settings.py as files, the rest as
 * environment), and one Secret per secret value. Each value has a Secret of its own: a new value
 * replaces only that Secret, so only the pods that mount it change and roll.
 *
 * Every name is computed here from the content, never left to the provider's autonaming (a random
 * suffix, drawn again by `up` after the preview drew its own): a preview shows the names `up` will
 * create. The settings Secret is named by a digest of the settings. A secret value's Secret is
 * named by an HMAC of the value under the stack's naming key (a generated secret), so the name
 * changes with the value without disclosing a digest from which a weak password could be guessed.
 *
 * A name comes back when content does (an `up` that failed after creating the new Secret, then
 * the old config again). Replaced create-before-delete, the original would stay in the state for
 * deletion at the end of the next update, and that deletion would remove the live Secret of the
 * same name. So each Secret is replaced delete-before-replace, and the workloads take its name
 * from this component, computed, not from the Secret's outputs: depending on it only through
 * `dependsOn`, they are not replaced along with it (the engine replaces a dependent only for an
 * input that depends on the replaced resource).
 */
export class ConfigSecret extends pulumi.ComponentResource {
    /** Name of the settings Secret the pods read. */
    public readonly secretName: pulumi.Output<string>;
    /** sha256 over the settings; part of every workload's checksum. */
    public readonly checksum: pulumi.Output<string>;
    /** Where each secret value can be mounted from; a value nobody gave and nothing generates is absent. */
    public readonly files: Partial<Record<SecretName, SecretFile>>;
    /** The Secrets this component creates: what a workload waits for (dependsOn). */
    public readonly secrets: k8s.core.v1.Secret[] = [];

    constructor(name: string, args: ConfigSecretArgs, opts?: pulumi.ComponentResourceOptions) {
        super("bots:k8s:ConfigSecret", name, {}, opts);
        const secretOpts = { parent: this, deleteBeforeReplace: true };

        if (args.existingSecretName) {
            this.secretName = pulumi.output(args.existingSecretName);
            // Its contents are not ours to read: a change needs a manual rollout restart (docs/configuration.md).
            this.checksum = pulumi.output(sha256(`existing:${args.existingSecretName}`));
        } else {
            const checksum = sha256(JSON.stringify(sorted(args.data)));
            const secretName = settingsSecretName(name, checksum);
            this.secrets.push(
                new k8s.core.v1.Secret(
                    name,
                    {
                        metadata: { name: secretName, namespace: args.namespace, labels: args.labels },
                        type: "Opaque",
                        stringData: pulumi.secret(args.data),
                    },
                    secretOpts,
                ),
            );
            this.secretName = pulumi.output(secretName);
            this.checksum = pulumi.output(checksum);
        }
        let namingKey: pulumi.Output<string> | undefined;

        this.files = {};
        for (const secretName of Object.keys(SECRET_FILES) as SecretName[]) {
            const external = args.external[secretName];
            if (external) {
                this.files[secretName] = { name: secretName, secretName: external.name, key: external.key };
                continue;
            }
            const value = args.supplied[secretName] ?? generatedPassword(name, secretName, this);
            if (value === undefined) {
                continue;
            }
            namingKey ??= newNamingKey(name, this);
            const base = `${name}-${SECRET_FILES[secretName]}`;
            const valueName = pulumi.unsecret(pulumi.all([namingKey, value]).apply(([key, v]) => valueSecretName(base, key, v)));
            this.secrets.push(
                new k8s.core.v1.Secret(
                    base,
                    {
                        metadata: { name: valueName, namespace: args.namespace, labels: args.labels },
                        type: "Opaque",
                        stringData: pulumi.secret(pulumi.output(value).apply((v) => ({ [secretName]: v }))),
                    },
                    secretOpts,
                ),
            );
            this.files[secretName] = { name: secretName, secretName: valueName, key: secretName };
        }
        this.registerOutputs({ secretName: this.secretName, checksum: this.checksum });
    }
}

/** Name of the settings Secret: its base name and a digest of the settings (no secret values among them). */
export function settingsSecretName(base: string, checksum: string): string {
    return `${base}-${checksum.slice(0, NAME_DIGEST_LENGTH)}`;
}

/**
 * Name of a secret value's Secret: its base name and an HMAC of the value under the naming key.
 * The HMAC is not secret (the key is), so the name is unmarked: it is shown in previews and
 * compared in pod templates like any other name.
 */
export function valueSecretName(base: string, key: string, value: string): string {
    return `${base}-${hmac(key, value).slice(0, NAME_DIGEST_LENGTH)}`;
}

function hmac(key: string, value: string): string {
    return crypto.createHmac("sha256", key).update(value).digest("hex");
}

function sorted(d: Record<string, string>): [string, string][] {
    return Object.entries(d).sort(([a], [b]) => a.localeCompare(b));
}

export function sha256(s: string): string {
    return crypto.createHash("sha256").update(s).digest("hex");
}
