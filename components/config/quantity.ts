// Kubernetes resource quantities, parsed just far enough to validate config and compare request
// against limit.

const MEMORY_UNITS: Record<string, number> = {
    "": 1,
    k: 1e3,
    K: 1e3,
    M: 1e6,
    G: 1e9,
    T: 1e12,
    Ki: 1024,
    Mi: 1024 ** 2,
    Gi: 1024 ** 3,
    Ti: 1024 ** 4,
};

/** CPU in millicores, or undefined when the string is not a CPU quantity. */
export function parseCpu(q: string): number | undefined {
    const m = /^(\d+(?:\.\d+)?)(m?)$/.exec(q);
    if (!m) {
        return undefined;
    }
    return m[2] === "m" ? Number(m[1]) : Number(m[1]) * 1000;
}

/** Memory or storage in bytes, or undefined when the string is not such a quantity. */
export function parseMemory(q: string): number | undefined {
    const m = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|k|K|M|G|T)?$/.exec(q);
    if (!m) {
        return undefined;
    }
    return Number(m[1]) * MEMORY_UNITS[m[2] ?? ""];
}
