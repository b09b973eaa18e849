// The shared EDI data volume survives `pulumi destroy` and its removal from the program in
// protected stacks. The program protects the claim on every stack except in a run that
// acknowledges a data volume change; in a protected stack this policy stops that run too.
import { mandatory } from "../../lib/pod-specs";
import { PVC_TYPE, describe, peek, stackOfUrn } from "../../lib/resources";

/** Config of data-volume-protected (`--policy-pack-config`). */
export interface DataVolumeProtectedConfig {
    /** Stacks whose PersistentVolumeClaims must be protected. Default ["prod"]. */
    protectedStacks?: string[];
    /** Require protection in every stack. Default false. */
    requireProtection?: boolean;
}

export const dataVolumeProtected = mandatory(
    "data-volume-protected",
    "In prod (or the stacks listed in protectedStacks, or everywhere with requireProtection) every PersistentVolumeClaim, the shared RWX EDI data volume, has the protect option.",
    (args, reportViolation) => {
        if (args.type !== PVC_TYPE) {
            return;
        }
        const cfg = args.getConfig<DataVolumeProtectedConfig>() ?? {};
        const stacks = cfg.protectedStacks ?? ["prod"];
        const stack = stackOfUrn(args.urn);
        if (!cfg.requireProtection && !stacks.includes(stack)) {
            return;
        }
        if (args.opts.protect !== true) {
            const modes = peek(args.props, "spec", "accessModes");
            const rwx = Array.isArray(modes) && modes.includes("ReadWriteMany") ? " (ReadWriteMany data volume)" : "";
            reportViolation(
                `${describe(args.type, args.props, args.name)}${rwx} is not protected in stack ${stack}: ` +
                    "the program unprotects the claim only in a run that acknowledges a data volume change (dataVolumeChangeAcknowledged); " +
                    "in this stack such a run also needs the stack left out of protectedStacks (--policy-pack-config) for that one run, " +
                    'after the steps of docs/configuration.md, "Changing the data volume"',
            );
        }
    },
    {
        configSchema: {
            properties: {
                protectedStacks: { type: "array", items: { type: "string" }, default: ["prod"] },
                requireProtection: { type: "boolean", default: false },
            },
        },
    },
);
