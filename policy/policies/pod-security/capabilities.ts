// Pod Security Standards, "restricted" profile (which includes "baseline"), as of Kubernetes v1.34:
// https://kubernetes.io/docs/concepts/security/pod-security-standards/
import { containersOf, mandatory, onPodSpecs } from "../../lib/pod-specs";

export const pssCapabilities = mandatory(
    "pss-capabilities",
    "Pod Security restricted: every container drops ALL capabilities and adds none but NET_BIND_SERVICE.",
    onPodSpecs(({ spec, report }) => {
        for (const { c, label } of containersOf(spec)) {
            const caps = c.securityContext?.capabilities;
            const drop: string[] = caps?.drop ? [...caps.drop] : [];
            if (!drop.includes("ALL")) {
                report(`${label} does not drop ALL capabilities (securityContext.capabilities.drop)`);
            }
            const add: string[] = caps?.add ? [...caps.add] : [];
            const extra = add.filter((cap) => cap !== "NET_BIND_SERVICE");
            if (extra.length > 0) {
                report(`${label} adds capabilities ${extra.join(", ")}; only NET_BIND_SERVICE may be added`);
            }
        }
    }),
);
