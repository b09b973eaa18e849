// This project's rule for every workload's containers.
import { containersOf, mandatory, onPodSpecs } from "../../lib/pod-specs";
import { LONG_RUNNING_TYPES } from "../../lib/resources";

export const longRunningProbes = mandatory(
    "long-running-probes",
    "Every container of a long-running workload (Deployment, StatefulSet, DaemonSet, ReplicaSet) has a livenessProbe and a readinessProbe or startupProbe.",
    onPodSpecs(({ type, spec, report }) => {
        if (!LONG_RUNNING_TYPES.has(type)) {
            return;
        }
        for (const { c, label, field } of containersOf(spec)) {
            // Init containers run to completion, except sidecars (restartPolicy: Always).
            if (field === "ephemeralContainers" || (field === "initContainers" && c.restartPolicy !== "Always")) {
                continue;
            }
            if (!c.livenessProbe) {
                report(`${label} has no livenessProbe`);
            }
            if (!c.readinessProbe && !c.startupProbe) {
                report(`${label} has neither a readinessProbe nor a startupProbe`);
            }
        }
    }),
);
