// Pod Security Standards, "restricted" profile (which includes "baseline"), as of Kubernetes v1.34:
// https://kubernetes.io/docs/concepts/security/pod-security-standards/
import { mandatory, onPodSpecs } from "../../lib/pod-specs";

export const pssHostNamespaces = mandatory(
    "pss-host-namespaces",
    "Pod Security restricted: pods must not share the host's network, PID or IPC namespace.",
    onPodSpecs(({ spec, report }) => {
        for (const field of ["hostNetwork", "hostPID", "hostIPC"]) {
            if (spec[field] === true) {
                report(`${field} is true; host namespaces are forbidden`);
            }
        }
    }),
);
