// This project's rule for every workload's containers.
import { containersOf, mandatory, onPodSpecs } from "../../lib/pod-specs";

export const containerResources = mandatory(
    "container-resources",
    "Every container (and init container) sets requests and limits for cpu and memory.",
    onPodSpecs(({ spec, report }) => {
        for (const { c, label, field } of containersOf(spec)) {
            if (field === "ephemeralContainers") {
                continue; // the API does not allow resources on ephemeral containers
            }
            const missing: string[] = [];
            for (const kind of ["requests", "limits"]) {
                for (const res of ["cpu", "memory"]) {
                    const v = c.resources?.[kind]?.[res];
                    if (v === undefined || v === null || v === "") {
                        missing.push(`${kind}.${res}`);
                    }
                }
            }
            if (missing.length > 0) {
                report(`${label} has no resources ${missing.join(", ")}`);
            }
        }
    }),
);
