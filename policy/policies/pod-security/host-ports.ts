// Pod Security Standards, "restricted" profile (which includes "baseline"), as of Kubernetes v1.34:
// https://kubernetes.io/docs/concepts/security/pod-security-standards/
import { containersOf, mandatory, onPodSpecs } from "../../lib/pod-specs";
import { Obj } from "../../lib/resources";

export const pssHostPorts = mandatory(
    "pss-host-ports",
    "Pod Security baseline: containers must not bind host ports.",
    onPodSpecs(({ spec, report }) => {
        for (const { c, label } of containersOf(spec)) {
            for (const p of (c.ports ?? []) as Obj[]) {
                if (p.hostPort !== undefined && p.hostPort !== null && p.hostPort !== 0) {
                    report(`${label} binds hostPort ${p.hostPort}`);
                }
            }
        }
    }),
);
