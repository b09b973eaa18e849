import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { KubernetesConfig } from "../stack-config/config";

/** kubeContext (always explicit: the current kubectl context never matters), kubeconfig and the default namespace. */
export type ClusterProviderArgs = Pick<KubernetesConfig, "context" | "kubeconfig" | "namespace">;

/**
 * The stack's explicit Kubernetes provider. clusterIdentifier is the context name, so rotating
 * credentials in the kubeconfig does not replace every resource.
 */
export function clusterProvider(name: string, args: ClusterProviderArgs, opts?: pulumi.CustomResourceOptions): k8s.Provider {
    return new k8s.Provider(
        name,
        {
            context: args.context,
            kubeconfig: args.kubeconfig,
            namespace: args.namespace,
            clusterIdentifier: args.context,
        },
        opts,
    );
}
