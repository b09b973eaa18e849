import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

export interface DataVolumeArgs {
    /** Namespace of the claim. */
    namespace: pulumi.Input<string>;
    /** StorageClass; unset means the cluster's default class. */
    storageClass?: string;
    /** Requested size, e.g. 20Gi. */
    size: string;
    /** Access mode; always ReadWriteMany (validated in config). */
    accessMode: string;
    /** Use this existing claim instead of creating one. */
    existingClaim?: string;
    /** Protect the claim from deletion and keep it in the cluster when the stack is destroyed. */
    protect: boolean;
    /** Labels to put on it. */
    labels: Record<string, string>;
}

/** The shared EDI data volume (botssys, usersys, files), mounted by every Bots pod. */
export class DataVolume extends pulumi.ComponentResource {
    /** Name of the claim the pods mount. */
    public readonly claimName: pulumi.Output<string>;

    constructor(name: string, args: DataVolumeArgs, opts?: pulumi.ComponentResourceOptions) {
        super("bots:k8s:DataVolume", name, {}, opts);
        if (args.existingClaim) {
            this.claimName = pulumi.output(args.existingClaim);
        } else {
            const pvc = new k8s.core.v1.PersistentVolumeClaim(
                name,
                {
                    metadata: {
                        name: "bots-data",
                        namespace: args.namespace,
                        labels: args.labels,
                    },
                    spec: {
                        accessModes: [args.accessMode],
                        storageClassName: args.storageClass,
                        resources: { requests: { storage: args.size } },
                    },
                },
                {
                    parent: this,
                        protect: args.protect,
                    retainOnDelete: args.protect,
                },
            );
            this.claimName = pvc.metadata.name;
        }
        this.registerOutputs({ claimName: this.claimName });
    }
}
