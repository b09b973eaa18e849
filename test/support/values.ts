// Inputs of secret properties arrive wrapped under mocks; tests compare the values inside.
const SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function isWrappedSecret(v: any): boolean {
    return !!v && typeof v === "object" && v[SECRET_SIG_KEY] === SECRET_SIG;
}

/** The value inside a wrapped secret (the value itself when it is not one). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function reveal(v: any): any {
    return isWrappedSecret(v) ? reveal(v.value) : v;
}

/** Every wrapped secret anywhere inside v replaced by its value, as the policy SDK hands values over. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function revealAll(v: any): any {
    if (Array.isArray(v)) {
        return v.map(revealAll);
    }
    if (isWrappedSecret(v)) {
        return revealAll(v.value);
    }
    if (v !== null && typeof v === "object") {
        return Object.fromEntries(Object.entries(v).map(([k, e]) => [k, revealAll(e)]));
    }
    return v;
}
