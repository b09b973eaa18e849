import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { createApp } from "../../components/bots-app";
import { AppConfig, parseConfig } from "../../components/stack-config/config";
import { KubeconfigView } from "../../components/stack-config/kubeconfig";
import { DataVolumeSpec } from "../../components/guards/data-volume-guard";
import { PROJECT, Recorded, invokes, previousOutputs, recorded, useMocks } from "./mocks";

export const REPO = path.resolve(__dirname, "..", "..");

/** The committed Pulumi.<stack>.yaml values, without the project prefix. */
export function stackFileValues(stack: string): Record<string, string> {
    const file = parse(fs.readFileSync(path.join(REPO, `Pulumi.${stack}.yaml`), "utf8")) as { config: Record<string, unknown> };
    const values: Record<string, string> = {};
    for (const [k, v] of Object.entries(file.config ?? {})) {
        if (k.startsWith(`${PROJECT}:`)) {
            values[k.slice(PROJECT.length + 1)] = typeof v === "string" ? v : JSON.stringify(v);
        }
    }
    return values;
}

export interface StackInput {
    /** Stack whose committed file is the starting point ("dev", "prod"). */
    stack: string;
    /** Plain values laid over the stack file. */
    set?: Record<string, string>;
    /** Values stored as secrets. */
    secrets?: Record<string, string>;
    /** Keys removed from the stack file. */
    unset?: string[];
    /** The kubeconfig the provider would read; when given, kubeContext is checked against it. */
    kubeconfig?: KubeconfigView;
    /** The previous deployment's stack outputs (what the StackReference to itself reads). */
    previous?: Record<string, unknown>;
}

/** What the promotion step sets on prod: the digest dev runs (never committed to Pulumi.prod.yaml). */
export const PROMOTED_IMAGE = `registry.example.com/edi/bots@sha256:${"0".repeat(64)}`;

/** The data claim Pulumi.dev.yaml deploys, as the stack's dataVolume output records it. */
export const DEV_DATA_VOLUME: DataVolumeSpec = {
    namespace: "bots-edi-dev",
    claimName: "bots-data",
    existingClaim: false,
    storageClass: "longhorn",
    storageClassInput: "longhorn",
    accessMode: "ReadWriteMany",
    size: "5Gi",
};

export function configFor(input: StackInput): AppConfig {
    const promoted: Record<string, string> = input.stack === "prod" ? { imageRef: PROMOTED_IMAGE } : {};
    const values = { ...stackFileValues(input.stack), ...promoted, ...(input.set ?? {}), ...(input.secrets ?? {}) };
    for (const k of input.unset ?? []) {
        delete values[k];
    }
    return parseConfig({
        project: PROJECT,
        stack: input.stack,
        values,
        secretKeys: new Set(Object.keys(input.secrets ?? {})),
        kubeconfig: input.kubeconfig,
    });
}

/** Resource options as the SDK saw them, per resource name (captured by a transformation). */
export interface SeenOptions {
    protect?: boolean;
    retainOnDelete?: boolean;
    deleteBeforeReplace?: boolean;
    dependsOn: string[];
    customTimeouts?: pulumi.CustomTimeouts;
    provider?: string;
}

export interface StackRun {
    config: AppConfig;
    resources: Recorded[];
    options: Map<string, SeenOptions>;
    outputs: Record<string, unknown>;
    secretOutputs: string[];
    invokes: { token: string; inputs: Record<string, unknown> }[];
}

function settle<T>(o: pulumi.Output<T>): Promise<T> {
    return new Promise((resolve) => o.apply((v) => resolve(v)));
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { waitForRPCs } = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs(): Promise<void> };

/** Runs the program for one stack under mocks and returns what it registered. */
export async function runStack(input: StackInput): Promise<StackRun> {
    const config = configFor(input);
    await useMocks(input.stack);
    previousOutputs.value = input.previous ?? {};
    recorded.length = 0;
    invokes.length = 0;
    const options = new Map<string, SeenOptions>();
    const outputs = createApp(config, {
        transformations: [
            (a) => {
                const deps = a.opts.dependsOn;
                const list = deps === undefined ? [] : Array.isArray(deps) ? deps : [deps];
                options.set(`${a.type}::${a.name}`, {
                    protect: a.opts.protect,
                    retainOnDelete: (a.opts as pulumi.CustomResourceOptions).retainOnDelete,
                    deleteBeforeReplace: (a.opts as pulumi.CustomResourceOptions).deleteBeforeReplace,
                    customTimeouts: (a.opts as pulumi.CustomResourceOptions).customTimeouts,
                    dependsOn: (list as pulumi.Resource[]).map((r) => (r as unknown as { __name: string }).__name),
                });
                return undefined;
            },
        ],
    });
    // A refusal after validation (the data volume guard) rejects the outputs that wait on it; the
    // first such rejection fails the run, as the language host's handler fails a real one.
    let onRejection: ((e: unknown) => void) | undefined;
    const refused = new Promise<never>((_, reject) => {
        onRejection = (e: unknown) => reject(e);
        process.on("unhandledRejection", onRejection);
    });
    const resolved: Record<string, unknown> = {};
    const secretOutputs: string[] = [];
    try {
        for (const [name, out] of Object.entries(outputs)) {
            if (out === undefined) {
                continue;
            }
            resolved[name] = await Promise.race([settle(out as pulumi.Output<unknown>), refused]);
            if (await pulumi.isSecret(out as pulumi.Output<unknown>)) {
                secretOutputs.push(name);
            }
        }
        await Promise.race([waitForRPCs(), refused]);
    } finally {
        process.off("unhandledRejection", onRejection!);
    }
    return {
        config,
        resources: recorded.filter((r) => r.custom).map((r) => ({ ...r })),
        options,
        outputs: resolved,
        secretOutputs,
        invokes: [...invokes],
    };
}

export function ofType(run: StackRun, type: string): Recorded[] {
    return run.resources.filter((r) => r.type === type);
}

export function one(run: StackRun, type: string, name?: string): Recorded {
    const found = ofType(run, type).filter((r) => name === undefined || r.inputs.metadata?.name === name);
    if (found.length !== 1) {
        throw new Error(`expected one ${type}, found ${found.length}`);
    }
    return found[0];
}

export const T = {
    namespace: "kubernetes:core/v1:Namespace",
    namespacePatch: "kubernetes:core/v1:NamespacePatch",
    secret: "kubernetes:core/v1:Secret",
    pvc: "kubernetes:core/v1:PersistentVolumeClaim",
    serviceAccount: "kubernetes:core/v1:ServiceAccount",
    service: "kubernetes:core/v1:Service",
    job: "kubernetes:batch/v1:Job",
    cronJob: "kubernetes:batch/v1:CronJob",
    deployment: "kubernetes:apps/v1:Deployment",
    pdb: "kubernetes:policy/v1:PodDisruptionBudget",
    ingress: "kubernetes:networking.k8s.io/v1:Ingress",
    networkPolicy: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
    image: "docker-build:index:Image",
    index: "docker-build:index:Index",
    randomPassword: "random:index/randomPassword:RandomPassword",
} as const;

/** Every pod spec the stack would run: Deployments, the Job, the CronJob's job template. */
export function podSpecs(run: StackRun): { owner: string; spec: any }[] { // eslint-disable-line @typescript-eslint/no-explicit-any
    return [
        ...ofType(run, T.deployment).map((d) => ({ owner: d.inputs.metadata.name, spec: d.inputs.spec.template.spec })),
        ...ofType(run, T.job).map((j) => ({ owner: "db-init", spec: j.inputs.spec.template.spec })),
        ...ofType(run, T.cronJob).map((c) => ({ owner: c.inputs.metadata.name, spec: c.inputs.spec.jobTemplate.spec.template.spec })),
    ];
}

/** The warnings the program logs (pulumi.log.warn) while fn runs the stack(s). */
export async function warningsOf(fn: () => Promise<unknown>): Promise<string[]> {
    const seen: string[] = [];
    const log = pulumi.log as unknown as { warn: (msg: string) => Promise<void> };
    const original = log.warn;
    log.warn = async (msg: string) => {
        seen.push(msg);
    };
    try {
        await fn();
        return seen;
    } finally {
        log.warn = original;
    }
}
