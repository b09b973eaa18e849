// Pod Security Standards, "restricted" profile (which includes "baseline"), as of Kubernetes v1.34:
// https://kubernetes.io/docs/concepts/security/pod-security-standards/
import { containersOf, mandatory, onPodSpecs } from "../../lib/pod-specs";

export const pssPrivilegeEscalation = mandatory(
    "pss-no-privilege-escalation",
    "Pod Security restricted: every container sets securityContext.allowPrivilegeEscalation: false.",
    onPodSpecs(({ spec, report }) => {
        for (const { c, label } of containersOf(spec)) {
            if (c.securityContext?.allowPrivilegeEscalation !== false) {
                report(`${label} does not set securityContext.allowPrivilegeEscalation: false`);
            }
        }
    }),
);
