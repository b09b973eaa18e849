// Pod Security Standards, "restricted" profile (which includes "baseline"), as of Kubernetes v1.34:
// https://kubernetes.io/docs/concepts/security/pod-security-standards/
import { mandatory, onPodSpecs } from "../../lib/pod-specs";
import { Obj, peek, unproxied } from "../../lib/resources";

const ALLOWED_VOLUME_TYPES = new Set([
    "configMap",
    "csi",
    "downwardAPI",
    "emptyDir",
    "ephemeral",
    "persistentVolumeClaim",
    "projected",
    "secret",
]);

export const pssVolumeTypes = mandatory(
    "pss-volume-types",
    "Pod Security restricted: no hostPath; volumes only of type configMap, csi, downwardAPI, emptyDir, ephemeral, persistentVolumeClaim, projected, secret.",
    onPodSpecs(({ spec, report }) => {
        for (const v of (spec.volumes ?? []) as Obj[]) {
            const name = peek(v, "name");
            const kinds = Object.keys(unproxied(v) as Obj).filter((k) => k !== "name");
            for (const kind of kinds) {
                if (kind === "hostPath") {
                    report(`volume "${name}" is a hostPath volume; hostPath is forbidden`);
                } else if (!ALLOWED_VOLUME_TYPES.has(kind)) {
                    report(`volume "${name}" has type ${kind}, which the restricted profile does not allow`);
                }
            }
        }
    }),
);
