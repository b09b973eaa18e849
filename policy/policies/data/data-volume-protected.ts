// The shared EDI data volume survives `pulumi destroy` and its removal from the program in
// protected stacks. The program protects the claim on every stack except in a run that
// acknowledges a data volume change; in a protected stack this policy stops that run too.
import { mandatory } from "../../lib/pod-specs";
import { PRODUCTION_STACKS_SCHEMA, PVC_TYPE, ProductionStacksConfig, describe, peek, productionStacks, stackOfUrn } from "../../lib/resources";

/** Config of data-volume-protected (`--policy-pack-config`). */
export interface DataVolumeProtectedConfig extends ProductionStacksConfig {
    /** Require protection in every stack. Default false. */
    requireProtection?: boolean;
}

export const dataVolumeProtected = mandatory(
    "data-volume-protected",
    "In production stacks (productionStacks, default [\"prod\"]; or everywhere with requireProtection) every PersistentVolumeClaim, the shared RWX EDI data volume, has the protect option.",
    (args, reportViolation) => {
        if (args.type !== PVC_TYPE) {
            return;
        }
        const cfg = args.getConfig<DataVolumeProtectedConfig>() ?? {};
        const stacks = productionStacks(cfg);
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
                    "in this stack such a run also needs the stack left out of productionStacks (--policy-pack-config) for that one run, " +
                    'after the steps of docs/configuration.md, "Changing the data volume"',
            );
        }
    },
    {
        configSchema: {
            properties: {
                ...PRODUCTION_STACKS_SCHEMA.properties,
                // The list's name before 0.2; read until 0.3.0.
                protectedStacks: { type: "array", items: { type: "string" } },
                requireProtection: { type: "boolean", default: false },
            },
        },
    },
);
