// How the policies read resources: the types they look at, where a pod spec sits in each, and
// reads that do not trip over values unknown during preview.
//
// Reading values: during `pulumi preview` some inputs are unknown (an image digest not built yet,
// an autonamed Secret). @pulumi/policy hands props over behind a proxy that throws when a policy
// reads an unknown value, and reports that policy for that resource as advisory "can't run during
// preview". The policies read the fields they judge directly, so an unknown field gets that
// honest "can't tell yet" instead of a guess; only labels for messages and the secret-output scan
// read around unknowns (see `peek`).

/* eslint-disable @typescript-eslint/no-explicit-any -- policies read untyped Kubernetes objects */
export type Obj = Record<string, any>;

/** Path from a resource's props to its pod spec, per Kubernetes type. */
export const POD_SPEC_PATHS: Readonly<Record<string, readonly string[]>> = {
    "kubernetes:core/v1:Pod": ["spec"],
    "kubernetes:core/v1:PodTemplate": ["template", "spec"],
    "kubernetes:core/v1:ReplicationController": ["spec", "template", "spec"],
    "kubernetes:apps/v1:Deployment": ["spec", "template", "spec"],
    "kubernetes:apps/v1:StatefulSet": ["spec", "template", "spec"],
    "kubernetes:apps/v1:DaemonSet": ["spec", "template", "spec"],
    "kubernetes:apps/v1:ReplicaSet": ["spec", "template", "spec"],
    "kubernetes:batch/v1:Job": ["spec", "template", "spec"],
    "kubernetes:batch/v1:CronJob": ["spec", "jobTemplate", "spec", "template", "spec"],
};

/** Workloads whose containers run until stopped: they need liveness and readiness/startup probes. */
export const LONG_RUNNING_TYPES: ReadonlySet<string> = new Set([
    "kubernetes:apps/v1:Deployment",
    "kubernetes:apps/v1:StatefulSet",
    "kubernetes:apps/v1:DaemonSet",
    "kubernetes:apps/v1:ReplicaSet",
    "kubernetes:core/v1:ReplicationController",
]);

export const PVC_TYPE = "kubernetes:core/v1:PersistentVolumeClaim";
export const SECRET_TYPE = "kubernetes:core/v1:Secret";
export const STACK_TYPE = "pulumi:pulumi:Stack";
export const RANDOM_PASSWORD_TYPE = "random:index/randomPassword:RandomPassword";

// The sentinels @pulumi/policy uses for values unknown during preview (its proxy.ts).
export const UNKNOWN_SENTINELS: ReadonlySet<string> = new Set([
    "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7",
    "3eeb2bf0-c639-47a8-9e75-3b44932eb421",
    "04da6b54-80e4-46f7-96ec-b56ff0331ba9",
    "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2",
    "030794c1-ac77-496b-92df-f27374a8bd58",
    "e48ece36-62e2-4504-bad9-02848725956a",
    "dd056dcd-154b-4c76-9bd3-c8f88648b5ff",
]);

/** The object behind @pulumi/policy's unknown-checking proxy (or the object itself). */
export function unproxied(o: unknown): unknown {
    if (o !== null && typeof o === "object") {
        const target = (o as Obj)["__getSpecialProxyTarget"];
        return target === undefined ? o : target;
    }
    return o;
}

/** Reads a path without tripping the unknown proxy: undefined when missing or unknown. */
export function peek(o: unknown, ...path: string[]): unknown {
    let cur = unproxied(o);
    for (const key of path) {
        if (cur === null || typeof cur !== "object") {
            return undefined;
        }
        cur = (cur as Obj)[key];
        if (typeof cur === "string" && UNKNOWN_SENTINELS.has(cur)) {
            return undefined;
        }
    }
    return cur;
}

/** "Deployment bots-web" (the resource's Pulumi name when metadata.name is not known yet). */
export function describe(type: string, props: Obj, name: string): string {
    const kind = type.split(":").pop();
    const n = peek(props, "metadata", "name");
    return `${kind} ${typeof n === "string" ? n : name}`;
}

/** The stack a resource belongs to, from its URN (urn:pulumi:<stack>::<project>::...). */
export function stackOfUrn(urn: string): string {
    const m = /^urn:pulumi:([^:]+)::/.exec(urn);
    return m ? m[1] : "";
}

/** The pack's one list of production stacks, in every policy's config that judges production. */
export interface ProductionStacksConfig {
    /** Stacks held to the production rules. Default ["prod"]. */
    productionStacks?: string[];
    /** The list's name before 0.2 (data-volume-protected); read until 0.3.0. */
    protectedStacks?: string[];
}

/**
 * configSchema of a policy that takes the production stacks list. No schema default: the engine
 * would fill it in and hide an old protectedStacks; productionStacks() applies ["prod"].
 */
export const PRODUCTION_STACKS_SCHEMA = {
    properties: {
        productionStacks: { type: "array" as const, items: { type: "string" as const } },
    },
};

/** The production stacks a policy's config names: productionStacks, else the old protectedStacks, else ["prod"]. */
export function productionStacks(cfg: ProductionStacksConfig | undefined): string[] {
    return cfg?.productionStacks ?? cfg?.protectedStacks ?? ["prod"];
}
