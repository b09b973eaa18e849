// Stack outputs are a public contract: no secret data in them.
import { PolicyResource, ReportViolation, StackValidationArgs, StackValidationPolicy } from "@pulumi/policy";
import { Obj, RANDOM_PASSWORD_TYPE, SECRET_TYPE, STACK_TYPE, UNKNOWN_SENTINELS, describe, peek, unproxied } from "../../lib/resources";

/** Keys of Opaque Secrets whose values count as secret data. */
export const SENSITIVE_KEY_RE = /pass(word)?|secret|token|private|credential|api[-_]?key|\.key$|^key$/i;

/** Output names that promise a secret value ("configSecretName" is fine: it is a name). */
const SENSITIVE_OUTPUT_NAME_RE = /(password|passwd|token|secretKey|secretValue|privateKey|apiKey|credential)/i;

function decodeBase64(v: string): string | undefined {
    if (!/^[A-Za-z0-9+/=\s]+$/.test(v)) {
        return undefined;
    }
    try {
        return Buffer.from(v, "base64").toString("utf8");
    } catch {
        return undefined;
    }
}

/** Every known secret value in the stack: sensitive keys of Secrets, generated passwords. */
export function secretValues(resources: PolicyResource[]): { value: string; from: string }[] {
    const found: { value: string; from: string }[] = [];
    const add = (value: unknown, from: string) => {
        if (typeof value === "string" && value !== "" && !UNKNOWN_SENTINELS.has(value)) {
            found.push({ value, from });
        }
    };
    for (const r of resources) {
        if (r.type === SECRET_TYPE) {
            const secretType = peek(r.props, "type");
            const opaque = secretType === undefined || secretType === "Opaque";
            const label = describe(r.type, unproxied(r.props) as Obj, r.name);
            for (const field of ["stringData", "data"]) {
                const entries = peek(r.props, field);
                if (!entries || typeof entries !== "object") {
                    continue;
                }
                for (const [k, v] of Object.entries(entries as Obj)) {
                    if (!opaque || SENSITIVE_KEY_RE.test(k)) {
                        add(field === "data" && typeof v === "string" ? decodeBase64(v) : v, `${label} key ${k}`);
                    }
                }
            }
        } else if (r.type === RANDOM_PASSWORD_TYPE || /^random:[^:]*:RandomPassword$/.test(r.type)) {
            add(peek(r.props, "result"), `RandomPassword ${r.name}`);
            add(peek(r.props, "bcryptHash"), `RandomPassword ${r.name} bcryptHash`);
        }
    }
    return found;
}

/** Every string in a (possibly nested) value, with its path; unknowns are skipped. */
function strings(v: unknown, path: string, out: { path: string; value: string }[]): void {
    const raw = unproxied(v);
    if (typeof raw === "string") {
        if (!UNKNOWN_SENTINELS.has(raw)) {
            out.push({ path, value: raw });
        }
    } else if (Array.isArray(raw)) {
        raw.forEach((e, i) => strings(e, `${path}[${i}]`, out));
    } else if (raw !== null && typeof raw === "object") {
        for (const [k, e] of Object.entries(raw as Obj)) {
            strings(e, `${path}.${k}`, out);
        }
    }
}

/** Values this short are only compared for equality: "bots" must not match every output. */
const MIN_SUBSTRING = 8;

export const noSecretOutputs: StackValidationPolicy = {
    name: "no-secret-data-in-outputs",
    description:
        "No stack output carries Secret data: no output value contains a sensitive Secret value or a generated password (plain or base64), and no output is named like a credential.",
    enforcementLevel: "mandatory",
    validateStack: (args: StackValidationArgs, reportViolation: ReportViolation) => {
        const root = args.resources.find((r) => r.type === STACK_TYPE && !r.parent);
        if (!root) {
            return;
        }
        const outputs = (unproxied(root.props) ?? {}) as Obj;
        const secrets = secretValues(args.resources);
        for (const name of Object.keys(outputs)) {
            if (SENSITIVE_OUTPUT_NAME_RE.test(name)) {
                reportViolation(`stack output "${name}" is named like a credential; outputs are a public contract and carry no secrets`);
            }
            const leaves: { path: string; value: string }[] = [];
            strings(outputs[name], name, leaves);
            for (const leaf of leaves) {
                for (const s of secrets) {
                    const b64 = Buffer.from(s.value, "utf8").toString("base64");
                    const hit =
                        leaf.value === s.value ||
                        leaf.value === b64 ||
                        (s.value.length >= MIN_SUBSTRING && (leaf.value.includes(s.value) || leaf.value.includes(b64)));
                    if (hit) {
                        reportViolation(`stack output "${leaf.path}" contains the secret value of ${s.from}`);
                    }
                }
            }
        }
    },
};
