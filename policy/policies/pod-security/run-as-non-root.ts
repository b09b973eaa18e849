// Pod Security Standards, "restricted" profile (which includes "baseline"), as of Kubernetes v1.34:
// https://kubernetes.io/docs/concepts/security/pod-security-standards/
import { containersOf, mandatory, onPodSpecs } from "../../lib/pod-specs";

export const pssRunAsNonRoot = mandatory(
    "pss-run-as-non-root",
    "Pod Security restricted: runAsNonRoot true (pod or every container), never false, and no runAsUser 0.",
    onPodSpecs(({ spec, report }) => {
        const podNonRoot = spec.securityContext?.runAsNonRoot;
        if (podNonRoot === false) {
            report("securityContext.runAsNonRoot is false");
        }
        if (spec.securityContext?.runAsUser === 0) {
            report("securityContext.runAsUser is 0 (root)");
        }
        for (const { c, label } of containersOf(spec)) {
            const own = c.securityContext?.runAsNonRoot;
            if (own === false) {
                report(`${label} sets runAsNonRoot: false`);
            } else if (own !== true && podNonRoot !== true) {
                report(`${label} may run as root: runAsNonRoot is set neither on it nor on the pod`);
            }
            if (c.securityContext?.runAsUser === 0) {
                report(`${label} sets runAsUser: 0 (root)`);
            }
        }
    }),
);
