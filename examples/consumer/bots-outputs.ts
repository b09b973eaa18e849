// The output contract of a bots-edi-deploy stack (README, "Stack outputs"), typed for consumers.
// contract-check.ts proves at compile time that this interface and index.ts's exports of the Bots
// program agree name for name and type for type, so a rename or a type change breaks the build
// of this example (and test/unit/examples.spec.ts) before it breaks another team.
import * as pulumi from "@pulumi/pulumi";

/** Every output of a bots-edi-deploy stack: plain strings, never a secret value. */
export interface BotsStackOutputs {
    /** Namespace everything runs in. */
    namespace: string;
    /** Image every workload runs, by digest (repo@sha256:...): promote this to prod. */
    imageRef: string;
    /** The digest alone (sha256:...). */
    imageDigest: string;
    /** ClusterIP Service of the web UI. */
    webServiceName: string;
    /** In-cluster URL of the web UI. */
    webUrl: string;
    /** External URL of the web UI; only when the stack sets ingressHost. */
    ingressUrl?: string;
    /** The shared data volume's claim. */
    pvcName: string;
    /** The claim's recorded spec as JSON; the stack's own data volume guard reads it back. */
    dataVolume: string;
    /** Name (never the data) of the config Secret. */
    configSecretName: string;
    /** Cron schedule of the engine. */
    engineSchedule: string;
    /** The db-init Job of the current image and config. */
    initJobName: string;
}

/** Outputs every stack has. */
export const REQUIRED_OUTPUTS = [
    "namespace",
    "imageRef",
    "imageDigest",
    "webServiceName",
    "webUrl",
    "pvcName",
    "dataVolume",
    "configSecretName",
    "engineSchedule",
    "initJobName",
] as const;

/** Outputs a stack may leave out. */
export const OPTIONAL_OUTPUTS = ["ingressUrl"] as const;

export type RequiredOutput = (typeof REQUIRED_OUTPUTS)[number];
export type OptionalOutput = (typeof OPTIONAL_OUTPUTS)[number];

/** The outputs of one Bots stack, each an Output of its documented type. */
export type BotsOutputRefs = { [K in RequiredOutput]: pulumi.Output<BotsStackOutputs[K]> } & {
    [K in OptionalOutput]: pulumi.Output<BotsStackOutputs[K]>;
};

function asString(stack: string, name: string, v: unknown): string {
    if (typeof v !== "string") {
        throw new Error(`output ${name} of ${stack} is ${JSON.stringify(v)}, not the documented string`);
    }
    return v;
}

/**
 * Reads a Bots stack's outputs: requireOutput for the ones every stack has (a missing one fails
 * the consumer's preview with the output's name), getOutput for the optional ones.
 */
export function readBotsOutputs(ref: pulumi.StackReference): BotsOutputRefs {
    const out: Partial<Record<RequiredOutput | OptionalOutput, pulumi.Output<string | undefined>>> = {};
    for (const name of REQUIRED_OUTPUTS) {
        out[name] = pulumi.all([ref.name, ref.requireOutput(name)]).apply(([stack, v]) => asString(stack, name, v));
    }
    for (const name of OPTIONAL_OUTPUTS) {
        out[name] = pulumi
            .all([ref.name, ref.getOutput(name)])
            .apply(([stack, v]) => (v === undefined || v === null ? undefined : asString(stack, name, v)));
    }
    return out as BotsOutputRefs;
}
