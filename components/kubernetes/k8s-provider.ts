import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

export interface ClusterProviderArgs {
    /** kubeconfig context to deploy to; always explicit so the current kubectl context never matters. */
    context: string;
    /** kubeconfig path or contents; unset means the default kubeconfig file. */
    kubeconfig?: string;
    /** Namespace for objects that do not name one. */
    namespace: string;
}

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
