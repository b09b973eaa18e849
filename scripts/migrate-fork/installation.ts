// What a running installation of the fork is, read from the cluster once: every object of the
// kinds the fork's Kustomize deployment creates, in one namespace. The plan is computed from this
// snapshot alone, so it can be computed again (and tested) without a cluster.
import { Kubectl } from "./kubectl";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Obj = any;

export interface Installation {
    namespace: string;
    /** The Namespace object, or undefined when it does not exist. */
    namespaceObject?: Obj;
    deployments: Obj[];
    cronJobs: Obj[];
    jobs: Obj[];
    services: Obj[];
    ingresses: Obj[];
    configMaps: Obj[];
    secrets: Obj[];
    claims: Obj[];
    /** cert-manager Certificates; empty where cert-manager is not installed. */
    certificates: Obj[];
    pods: Obj[];
}

export const STATE_CONFIGMAP = "bots-fork-migration";

/** Objects this program's stacks own (their labels), which the plan leaves out of the fork's. */
export function ownedByStack(o: Obj): boolean {
    return o.metadata?.labels?.["app.kubernetes.io/managed-by"] === "pulumi";
}

/** Reads the namespace; secrets are read whole because their keys are checked (values stay in memory). */
export function readInstallation(k: Kubectl): Installation {
    const list = (kind: string, optional = false): Obj[] => {
        const r = k.tryJson(["get", kind]);
        if (!r.ok) {
            if (optional) {
                return [];
            }
            throw new Error(`kubectl get ${kind} -n ${k.namespace}: ${r.err.trim()}`);
        }
        return r.value.items ?? [];
    };
    const ns = k.tryJson(["get", "namespace", k.namespace], false);
    return {
        namespace: k.namespace,
        namespaceObject: ns.ok ? ns.value : undefined,
        deployments: list("deployments.apps"),
        cronJobs: list("cronjobs.batch"),
        jobs: list("jobs.batch"),
        services: list("services"),
        ingresses: list("ingresses.networking.k8s.io"),
        configMaps: list("configmaps").filter((c) => c.metadata.name !== "kube-root-ca.crt"),
        secrets: list("secrets").filter((s) => s.type !== "kubernetes.io/service-account-token"),
        claims: list("persistentvolumeclaims"),
        certificates: list("certificates.cert-manager.io", true),
        pods: list("pods"),
    };
}
