// Pod Security Standards, "restricted" profile (which includes "baseline"), as of Kubernetes v1.34:
// https://kubernetes.io/docs/concepts/security/pod-security-standards/
import { containersOf, mandatory, onPodSpecs } from "../../lib/pod-specs";

export const pssSeccomp = mandatory(
    "pss-seccomp",
    "Pod Security restricted: seccompProfile RuntimeDefault or Localhost on the pod or every container; never Unconfined.",
    onPodSpecs(({ spec, report }) => {
        const ok = (t: unknown) => t === "RuntimeDefault" || t === "Localhost";
        const podType = spec.securityContext?.seccompProfile?.type;
        if (podType !== undefined && !ok(podType)) {
            report(`securityContext.seccompProfile.type is ${podType}`);
        }
        for (const { c, label } of containersOf(spec)) {
            const own = c.securityContext?.seccompProfile?.type;
            if (own !== undefined && !ok(own)) {
                report(`${label} sets seccompProfile.type ${own}`);
            } else if (own === undefined && !ok(podType)) {
                report(`${label} has no seccompProfile (RuntimeDefault or Localhost) on it or on the pod`);
            }
        }
    }),
);
