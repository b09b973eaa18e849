// This project's rule for every workload's containers.
import { containersOf, mandatory, onPodSpecs } from "../../lib/pod-specs";

export const DIGEST_RE = /@sha256:[a-f0-9]{64}$/;

export const imagesByDigest = mandatory(
    "images-by-digest",
    "Every container image is pinned by digest (repo@sha256:<64 hex>), never a tag alone.",
    onPodSpecs(({ spec, report }) => {
        for (const { c, label } of containersOf(spec)) {
            const image = c.image;
            if (typeof image !== "string" || !DIGEST_RE.test(image)) {
                report(`${label} uses image ${JSON.stringify(image)}, not pinned by digest (repo@sha256:...)`);
            }
        }
    }),
);
