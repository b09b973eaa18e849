// Pod Security Standards, "restricted" profile (which includes "baseline"), as of Kubernetes v1.34:
// https://kubernetes.io/docs/concepts/security/pod-security-standards/
import { containersOf, mandatory, onPodSpecs } from "../../lib/pod-specs";

export const pssPrivileged = mandatory(
    "pss-privileged",
    "Pod Security restricted: no privileged containers and no Windows HostProcess pods.",
    onPodSpecs(({ spec, report }) => {
        if (spec.securityContext?.windowsOptions?.hostProcess === true) {
            report("securityContext.windowsOptions.hostProcess is true");
        }
        for (const { c, label } of containersOf(spec)) {
            if (c.securityContext?.privileged === true) {
                report(`${label} is privileged`);
            }
            if (c.securityContext?.windowsOptions?.hostProcess === true) {
                report(`${label} sets windowsOptions.hostProcess`);
            }
        }
    }),
);
