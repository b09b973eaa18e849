import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

export interface BotsServiceAccountArgs {
    /** Namespace of the ServiceAccount. */
    namespace: pulumi.Input<string>;
    /** Labels to put on it. */
    labels: Record<string, string>;
}

/** The one ServiceAccount all Bots pods run as. Bots never calls the Kubernetes API: no token, no RBAC. */
export class BotsServiceAccount extends pulumi.ComponentResource {
    /** Name of the ServiceAccount. */
    public readonly name: pulumi.Output<string>;

    constructor(name: string, args: BotsServiceAccountArgs, opts?: pulumi.ComponentResourceOptions) {
        super("bots:k8s:ServiceAccount", name, {}, opts);
        const sa = new k8s.core.v1.ServiceAccount(
            name,
            {
                metadata: { name: "bots", namespace: args.namespace, labels: args.labels },
                automountServiceAccountToken: false,
            },
            { parent: this },
        );
        this.name = sa.metadata.name;
        this.registerOutputs({ name: this.name });
    }
}
