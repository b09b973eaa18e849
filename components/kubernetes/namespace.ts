import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { KubernetesConfig } from "../stack-config/config";

export interface BotsNamespaceArgs extends Pick<KubernetesConfig, "namespace" | "adoptNamespace" | "podSecurityVersion"> {
    /** Labels shared by every object of the stack. */
    labels: Record<string, string>;
    /** Protect the namespace like the data volume (storage.protect): deleting it would delete the claim inside it. */
    protect: boolean;
    /** The stack declares itself production (the policy pack checks the stacks it lists do). */
    production: boolean;
}

/** Label a production stack's namespace carries: the program's `production` key, for the policy pack to read. */
export const PRODUCTION_LABEL = "bots-edi.io/production";

/**
 * The stack's Namespace, enforcing the Pod Security "restricted" profile. With protected data it is
 * protected and retained too: Kubernetes deletes a namespace's claims with it, whatever Pulumi's
 * protection of the claim says. An adopted namespace (an installation moved onto the program) gets
 * the same labels through a NamespacePatch, which owns those label fields and nothing else: the
 * stack can never delete that namespace, and a destroy takes only its labels off again.
 */
export class BotsNamespace extends pulumi.ComponentResource {
    /** Name of the namespace, known once it exists (or, adopted, once it is labelled). */
    public readonly name: pulumi.Output<string>;

    constructor(name: string, args: BotsNamespaceArgs, opts?: pulumi.ComponentResourceOptions) {
        super("bots:k8s:Namespace", name, {}, opts);
        const psa: Record<string, string> = {};
        for (const mode of ["enforce", "audit", "warn"]) {
            psa[`pod-security.kubernetes.io/${mode}`] = "restricted";
            psa[`pod-security.kubernetes.io/${mode}-version`] = args.podSecurityVersion;
        }
        const production: Record<string, string> = args.production ? { [PRODUCTION_LABEL]: "true" } : {};
        const metadata = { name: args.namespace, labels: { ...args.labels, ...psa, ...production } };
        const ns = args.adoptNamespace
            ? new k8s.core.v1.NamespacePatch(name, { metadata }, { parent: this })
            : new k8s.core.v1.Namespace(name, { metadata }, { parent: this, protect: args.protect, retainOnDelete: args.protect });
        this.name = ns.metadata.apply((m) => m?.name ?? args.namespace);
        this.registerOutputs({ name: this.name });
    }
}
