// secret-env: no secret values in the environment of long-running pods. Environment variables
// leak into crash dumps, `kubectl describe`, child processes and error pages; a pod that runs for
// weeks should read its secrets from files (a Secret volume, the *_FILE convention). Flagged: a
// secretKeyRef to a key that names a credential, a plain value under such a name, and envFrom of a
// whole Secret.
import { ReportViolation, ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";

/* eslint-disable @typescript-eslint/no-explicit-any -- policies read untyped Kubernetes objects */

/** Long-running workloads, and where their pod spec is. */
const LONG_RUNNING_POD_SPEC: Readonly<Record<string, readonly string[]>> = {
    "kubernetes:apps/v1:Deployment": ["spec", "template", "spec"],
    "kubernetes:apps/v1:StatefulSet": ["spec", "template", "spec"],
    "kubernetes:apps/v1:DaemonSet": ["spec", "template", "spec"],
    "kubernetes:apps/v1:ReplicaSet": ["spec", "template", "spec"],
    "kubernetes:core/v1:ReplicationController": ["spec", "template", "spec"],
};

/** Names of keys and variables that hold credentials (a *_FILE variable holds a path, not the value). */
export const CREDENTIAL_NAME_RE = /pass(word|wd)?|secret|token|private|credential|api[-_]?key|\.key$|^key$/i;

/** Config of secret-env (`--policy-pack-config`). */
export interface SecretEnvConfig {
    /** Variable names or Secret keys allowed in the environment anyway. */
    allowed?: string[];
}

function validate(args: ResourceValidationArgs, report: ReportViolation): void {
    const path = LONG_RUNNING_POD_SPEC[args.type];
    if (!path) {
        return;
    }
    let spec: any = args.props;
    for (const key of path) {
        spec = spec?.[key];
    }
    if (!spec) {
        return;
    }
    const allowed = new Set(args.getConfig<SecretEnvConfig>()?.allowed ?? []);
    const kind = args.type.split(":").pop();
    const owner = `${kind} ${typeof args.props.metadata?.name === "string" ? args.props.metadata.name : args.name}`;
    const containers: any[] = [...(spec.initContainers ?? []), ...(spec.containers ?? [])];
    for (const c of containers) {
        const where = `${owner}: container "${c.name}"`;
        for (const e of (c.env ?? []) as any[]) {
            const ref = e.valueFrom?.secretKeyRef;
            if (ref && CREDENTIAL_NAME_RE.test(String(ref.key)) && !allowed.has(String(ref.key)) && !allowed.has(e.name)) {
                report(`${where} reads the secret key ${ref.key} of Secret ${ref.name} into its environment (${e.name}); mount it as a file (a Secret volume and ${e.name}_FILE) instead`);
            } else if (!ref && typeof e.value === "string" && e.value !== "" && CREDENTIAL_NAME_RE.test(e.name) && !/_FILE$/.test(e.name) && !allowed.has(e.name)) {
                report(`${where} sets ${e.name} in its environment to a literal value; credentials belong in a Secret mounted as a file`);
            }
        }
        for (const from of (c.envFrom ?? []) as any[]) {
            if (from.secretRef && !allowed.has(String(from.secretRef.name))) {
                report(`${where} loads every key of Secret ${from.secretRef.name} into its environment (envFrom); mount it as files instead`);
            }
        }
    }
}

export const secretEnv: ResourceValidationPolicy = {
    name: "secret-env",
    description:
        "Long-running pods (Deployment, StatefulSet, DaemonSet, ReplicaSet) carry no secret in their environment: no secretKeyRef to a credential key, no literal credential, no envFrom of a Secret. Secrets are mounted as files.",
    enforcementLevel: "mandatory",
    validateResource: validate,
    configSchema: { properties: { allowed: { type: "array", items: { type: "string" }, default: [] } } },
};
