// This project's rule for every workload's containers.
import { containersOf, mandatory, onPodSpecs } from "../../lib/pod-specs";

export const readOnlyRootFilesystem = mandatory(
    "read-only-root-filesystem",
    "Every container runs with securityContext.readOnlyRootFilesystem: true (writable paths are emptyDirs or the data volume).",
    onPodSpecs(({ spec, report }) => {
        for (const { c, label } of containersOf(spec)) {
            if (c.securityContext?.readOnlyRootFilesystem !== true) {
                report(`${label} does not set securityContext.readOnlyRootFilesystem: true`);
            }
        }
    }),
);
