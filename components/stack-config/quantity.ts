// Kubernetes resource quantities (apimachinery resource.Quantity): the full grammar, parsed to a
// number of base units to validate config and compare a request with its limit.

const QUANTITY = /^([+-]?)(\d+(?:\.\d*)?|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?\d+)?$/;

const SUFFIX: Record<string, number> = {
    "": 1,
    n: 1e-9,
    u: 1e-6,
    m: 1e-3,
    k: 1e3,
    M: 1e6,
    G: 1e9,
    T: 1e12,
    P: 1e15,
    E: 1e18,
    Ki: 2 ** 10,
    Mi: 2 ** 20,
    Gi: 2 ** 30,
    Ti: 2 ** 40,
    Pi: 2 ** 50,
    Ei: 2 ** 60,
};

/** The quantity in base units (cores, bytes), or undefined when the string is not a quantity. */
export function parseQuantity(q: string): number | undefined {
    const m = QUANTITY.exec(q);
    if (!m) {
        return undefined;
    }
    const suffix = m[3] ?? "";
    const scale = /^[eE]/.test(suffix) ? 10 ** Number(suffix.slice(1)) : SUFFIX[suffix];
    return (m[1] === "-" ? -1 : 1) * Number(m[2]) * scale;
}

/** CPU in millicores, or undefined when the string is not a quantity. */
export function parseCpu(q: string): number | undefined {
    const v = parseQuantity(q);
    return v === undefined ? undefined : v * 1000;
}

/** Memory or storage in bytes, or undefined when the string is not a quantity. */
export function parseMemory(q: string): number | undefined {
    return parseQuantity(q);
}
