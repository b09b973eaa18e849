import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { SECRET_FILES, SecretName } from "../image/runtime-contract";

/** Values generated with @pulumi/random when neither supplied nor external. */
const GENERATED: Partial<Record<SecretName, random.RandomPasswordArgs>> = {
    DJANGO_SECRET_KEY: { length: 64, special: true, overrideSpecial: "!#%*+-=_~" },
    SUPERUSER_PASSWORD: { length: 24, special: false },
};

/**
 * A generated value for `secretName`, or undefined when the stack must supply it. Its resource
 * name (`<base>-<file name>`) and parent are part of its URN: changing either would draw a new
 * password on every existing stack.
 */
export function generatedPassword(base: string, secretName: SecretName, parent: pulumi.Resource): pulumi.Output<string> | undefined {
    const args = GENERATED[secretName];
    return args ? new random.RandomPassword(`${base}-${SECRET_FILES[secretName]}`, args, { parent }).result : undefined;
}

/** The stack's key for naming secret values' Secrets by an HMAC (a generated secret, never shown). */
export function namingKey(base: string, parent: pulumi.Resource): pulumi.Output<string> {
    return new random.RandomPassword(`${base}-naming-key`, { length: 64, special: false }, { parent }).result;
}
