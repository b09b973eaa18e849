import * as crypto from "crypto";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";

export interface ConfigSecretArgs {
    /** Namespace the Secret lives in. */
    namespace: pulumi.Input<string>;
    /** Labels to put on it. */
    labels: Record<string, string>;
    /** Plain entries: environment values and the rendered files (bots.ini, settings.py). */
    data: Record<string, string>;
    /** Supplied secret entries by key (database and mail passwords); an unset one is stored empty. */
    secrets: Record<string, pulumi.Input<string> | undefined>;
    /** DJANGO_SECRET_KEY; generated with @pulumi/random when not supplied. */
    djangoSecretKey?: pulumi.Input<string>;
    /** SUPERUSER_PASSWORD; generated with @pulumi/random when not supplied. */
    superuserPassword?: pulumi.Input<string>;
    /** Use this existing Secret as it is instead of creating one. */
    existingSecretName?: string;
}

/**
 * The config Secret every Bots pod reads: bots.ini and settings.py as files, the rest as environment
 * variables. With existingSecretName nothing is created and the named Secret is used as it is.
 */
export class ConfigSecret extends pulumi.ComponentResource {
    /** Name of the Secret the pods read. */
    public readonly secretName: pulumi.Output<string>;
    /** sha256 over the Secret's rendered data; on the pod templates so a change rolls them. */
    public readonly checksum: pulumi.Output<string>;

    constructor(name: string, args: ConfigSecretArgs, opts?: pulumi.ComponentResourceOptions) {
        super("bots:k8s:ConfigSecret", name, {}, opts);

        if (args.existingSecretName) {
            this.secretName = pulumi.output(args.existingSecretName);
            // Its contents are not ours to read: a change needs a manual rollout restart (README).
            this.checksum = pulumi.output(sha256(`existing:${args.existingSecretName}`));
            this.registerOutputs({ secretName: this.secretName, checksum: this.checksum });
            return;
        }

        const randomOpts = { parent: this };
        const djangoSecretKey =
            args.djangoSecretKey ??
            new random.RandomPassword(`${name}-django-secret-key`, { length: 64, special: true, overrideSpecial: "!#%*+-=_~" }, randomOpts)
                .result;
        const superuserPassword =
            args.superuserPassword ??
            new random.RandomPassword(`${name}-superuser-password`, { length: 24, special: false }, randomOpts).result;

        const supplied = Object.fromEntries(Object.entries(args.secrets).map(([k, v]) => [k, pulumi.output(v ?? "")]));
        const stringData = pulumi
            .all({ DJANGO_SECRET_KEY: djangoSecretKey, SUPERUSER_PASSWORD: superuserPassword, ...supplied })
            .apply((secrets) => ({ ...args.data, ...secrets }));

        const secret = new k8s.core.v1.Secret(
            name,
            {
                metadata: { namespace: args.namespace, labels: args.labels },
                type: "Opaque",
                stringData: pulumi.secret(stringData),
            },
            { parent: this },
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
