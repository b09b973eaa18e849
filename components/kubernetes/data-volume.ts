import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { DataVolumeSpec } from "../guards/data-volume-guard";
import type { StorageConfig } from "../stack-config/config";

/** storageSize, storageAccessMode, existingClaim, and what the data volume guard decided. */
export interface DataVolumeArgs extends Pick<StorageConfig, "size" | "accessMode" | "existingClaim"> {
    /** Namespace of the claim. */
    namespace: pulumi.Input<string>;
    /** storageClassName to ask for; undefined means the cluster's default class. */
    storageClass: pulumi.Input<string | undefined>;
    /** This run may replace or drop the claim (the operator acknowledged that change; data-volume-guard.ts checked it). */
    changeAcknowledged: boolean;
    /** Labels to put on it. */
    labels: Record<string, string>;
}

export const CLAIM_NAME = "bots-data";

/**
 * The shared EDI data volume (botssys, usersys, files), mounted by every Bots pod. The claim is
 * protected on every stack (its replacement or deletion needs an acknowledged run) and retained on
 * delete (dropping it from the program leaves it in the cluster).
 */
export class DataVolume extends pulumi.ComponentResource {
    /** Name of the claim the pods mount. */
    public readonly claimName: pulumi.Output<string>;
    /** What the stack records about the claim (the dataVolume output), for the next run's guard. */
    public readonly spec: pulumi.Output<DataVolumeSpec>;

    constructor(name: string, args: DataVolumeArgs, opts?: pulumi.ComponentResourceOptions) {
        super("bots:k8s:DataVolume", name, {}, opts);
        if (args.existingClaim) {
            this.claimName = pulumi.output(args.existingClaim);
            this.spec = pulumi.output(args.namespace).apply((namespace) => ({
                namespace,
                claimName: args.existingClaim!,
                existingClaim: true,
                storageClass: "",
                storageClassInput: "",
                accessMode: args.accessMode,
                size: args.size,
            }));
        } else {
            const pvc = new k8s.core.v1.PersistentVolumeClaim(
                name,
                {
                    metadata: { name: CLAIM_NAME, namespace: args.namespace, labels: args.labels },
                    spec: {
                        accessModes: [args.accessMode],
                        storageClassName: args.storageClass,
                        resources: { requests: { storage: args.size } },
                    },
                },
                { parent: this, protect: !args.changeAcknowledged, retainOnDelete: true },
            );
            this.claimName = pvc.metadata.name;
            this.spec = pulumi
                .all([pvc.metadata.namespace, pvc.metadata.name, pvc.spec.storageClassName, pulumi.output(args.storageClass)])
                .apply(([namespace, claimName, live, asked]) => ({
                    namespace,
                    claimName,
                    existingClaim: false,
                    storageClass: live ?? asked ?? "",
                    storageClassInput: asked ?? "",
                    accessMode: args.accessMode,
                    size: args.size,
                }));
        }
        this.registerOutputs({ claimName: this.claimName, spec: this.spec });
    }
}
