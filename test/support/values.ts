// Inputs of secret properties arrive wrapped under mocks; tests compare the values inside.
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function reveal(v: any): any {
    if (v && typeof v === "object" && v["4dabf18193072939515e22adb298388d"] === SECRET_SIG) {
        return reveal(v.value);
    }
    return v;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function isWrappedSecret(v: any): boolean {
    return !!v && typeof v === "object" && v["4dabf18193072939515e22adb298388d"] === SECRET_SIG;
}
