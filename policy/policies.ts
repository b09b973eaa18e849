// The policies of the bots-edi-deploy CrossGuard pack, as plain objects: index.ts serves them to
// the Pulumi CLI, and test/unit/policy.spec.ts calls their validate functions directly on the
// resources the program registers under mocks.
//
// Reading values: during `pulumi preview` some inputs are unknown (an image digest not built yet,
// an autonamed Secret). @pulumi/policy hands props over behind a proxy that throws when a policy
// reads an unknown value, and reports that policy for that resource as advisory "can't run during
// preview". The checks below read the fields they judge directly, so an unknown field gets that
// honest "can't tell yet" instead of a guess; only labels for messages and the secret-output scan
// read around unknowns (see `peek`).
import {
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
} from "@pulumi/policy";
import { prodNetworkPolicy } from "./new/prod-network-policy";
import { secretEnv } from "./new/secret-env";

/* eslint-disable @typescript-eslint/no-explicit-any -- policies read untyped Kubernetes objects */
type Obj = Record<string, any>;

// ---------------------------------------------------------------------------------------------
// Where the pod specs are

/** Path from a resource's props to its pod spec, per Kubernetes type. */
export const POD_SPEC_PATHS: Readonly<Record<string, readonly string[]>> = {
    "kubernetes:core/v1:Pod": ["spec"],
    "kubernetes:core/v1:PodTemplate": ["template", "spec"],
    "kubernetes:core/v1:ReplicationController": ["spec", "template", "spec"],
    "kubernetes:apps/v1:Deployment": ["spec", "template", "spec"],
    "kubernetes:apps/v1:StatefulSet": ["spec", "template", "spec"],
    "kubernetes:apps/v1:DaemonSet": ["spec", "template", "spec"],
    "kubernetes:apps/v1:ReplicaSet": ["spec", "template", "spec"],
    "kubernetes:batch/v1:Job": ["spec", "template", "spec"],
    "kubernetes:batch/v1:CronJob": ["spec", "jobTemplate", "spec", "template", "spec"],
};

/** Workloads whose containers run until stopped: they need liveness and readiness/startup probes. */
export const LONG_RUNNING_TYPES: ReadonlySet<string> = new Set([
    "kubernetes:apps/v1:Deployment",
    "kubernetes:apps/v1:StatefulSet",
    "kubernetes:apps/v1:DaemonSet",
    "kubernetes:apps/v1:ReplicaSet",
    "kubernetes:core/v1:ReplicationController",
]);

export const PVC_TYPE = "kubernetes:core/v1:PersistentVolumeClaim";
export const SECRET_TYPE = "kubernetes:core/v1:Secret";
export const STACK_TYPE = "pulumi:pulumi:Stack";
export const RANDOM_PASSWORD_TYPE = "random:index/randomPassword:RandomPassword";

// The sentinels @pulumi/policy uses for values unknown during preview (its proxy.ts).
const UNKNOWN_SENTINELS = new Set([
    "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7",
    "3eeb2bf0-c639-47a8-9e75-3b44932eb421",
    "04da6b54-80e4-46f7-96ec-b56ff0331ba9",
    "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2",
    "030794c1-ac77-496b-92df-f27374a8bd58",
    "e48ece36-62e2-4504-bad9-02848725956a",
    "dd056dcd-154b-4c76-9bd3-c8f88648b5ff",
]);

/** The object behind @pulumi/policy's unknown-checking proxy (or the object itself). */
function unproxied(o: unknown): unknown {
    if (o !== null && typeof o === "object") {
        const target = (o as Obj)["__getSpecialProxyTarget"];
        return target === undefined ? o : target;
    }
    return o;
}

/** Reads a path without tripping the unknown proxy: undefined when missing or unknown. */
export function peek(o: unknown, ...path: string[]): unknown {
    let cur = unproxied(o);
    for (const key of path) {
        if (cur === null || typeof cur !== "object") {
            return undefined;
        }
        cur = (cur as Obj)[key];
        if (typeof cur === "string" && UNKNOWN_SENTINELS.has(cur)) {
            return undefined;
        }
    }
    return cur;
}

/** "Deployment bots-web" (the resource's Pulumi name when metadata.name is not known yet). */
function describe(type: string, props: Obj, name: string): string {
    const kind = type.split(":").pop();
    const n = peek(props, "metadata", "name");
    return `${kind} ${typeof n === "string" ? n : name}`;
}

/** The stack a resource belongs to, from its URN (urn:pulumi:<stack>::<project>::...). */
export function stackOfUrn(urn: string): string {
    const m = /^urn:pulumi:([^:]+)::/.exec(urn);
    return m ? m[1] : "";
}

interface ContainerRef {
    /** containers, initContainers or ephemeralContainers */
    field: "containers" | "initContainers" | "ephemeralContainers";
    c: Obj;
    /** "container \"web\"" / "init container \"x\"" */
    label: string;
}

function containersOf(spec: Obj): ContainerRef[] {
    const out: ContainerRef[] = [];
    const fields = [
        ["containers", "container"],
        ["initContainers", "init container"],
        ["ephemeralContainers", "ephemeral container"],
    ] as const;
    for (const [field, what] of fields) {
        const list = spec[field];
        if (!list) {
            continue;
        }
        for (const c of list as Obj[]) {
            const name = peek(c, "name");
            out.push({ field, c, label: `${what} "${typeof name === "string" ? name : "?"}"` });
        }
    }
    return out;
}

interface PodContext {
    /** e.g. "Deployment bots-web" */
    owner: string;
    type: string;
    spec: Obj;
    /** The pod template's metadata (annotations), when the type has one. */
    meta?: Obj;
    report: (message: string) => void;
}

/** A ResourceValidation that runs `check` on the pod spec of every pod-bearing resource. */
function onPodSpecs(check: (p: PodContext) => void) {
    return (args: ResourceValidationArgs, reportViolation: ReportViolation): void => {
        const path = POD_SPEC_PATHS[args.type];
        if (!path) {
            return;
        }
        let spec: any = args.props;
        let parent: any = undefined;
        for (const key of path) {
            parent = spec;
            spec = spec?.[key];
        }
        if (!spec) {
            return;
        }
        const owner = describe(args.type, args.props, args.name);
        const meta = path.length > 1 ? parent?.metadata : args.props.metadata;
        check({ owner, type: args.type, spec, meta, report: (m) => reportViolation(`${owner}: ${m}`) });
    };
}

function mandatory(
    name: string,
    description: string,
    validate: ResourceValidationPolicy["validateResource"],
    extra: Partial<ResourceValidationPolicy> = {},
): ResourceValidationPolicy {
    return { name, description, enforcementLevel: "mandatory", validateResource: validate, ...extra };
}

// ---------------------------------------------------------------------------------------------
// Pod Security Standards, "restricted" profile (which includes "baseline"), as of Kubernetes v1.34:
// https://kubernetes.io/docs/concepts/security/pod-security-standards/

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

const SAFE_SYSCTLS = new Set([
    "kernel.shm_rmid_forced",
    "net.ipv4.ip_local_port_range",
    "net.ipv4.ip_unprivileged_port_start",
    "net.ipv4.tcp_syncookies",
    "net.ipv4.ping_group_range",
    "net.ipv4.ip_local_reserved_ports",
    "net.ipv4.tcp_keepalive_time",
    "net.ipv4.tcp_fin_timeout",
    "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
]);

const SELINUX_TYPES = new Set(["", "container_t", "container_init_t", "container_kvm_t", "container_engine_t"]);

const pssHostNamespaces = mandatory(
    "pss-host-namespaces",
    "Pod Security restricted: pods must not share the host's network, PID or IPC namespace.",
    onPodSpecs(({ spec, report }) => {
        for (const field of ["hostNetwork", "hostPID", "hostIPC"]) {
            if (spec[field] === true) {
                report(`${field} is true; host namespaces are forbidden`);
            }
        }
    }),
);

const pssPrivileged = mandatory(
    "pss-privileged",
    "Pod Security restricted: no privileged containers and no Windows HostProcess pods.",
    onPodSpecs(({ spec, report }) => {
        if (spec.securityContext?.windowsOptions?.hostProcess === true) {
            report("securityContext.windowsOptions.hostProcess is true");
        }
        for (const { c, label } of containersOf(spec)) {
            if (c.securityContext?.privileged === true) {
                report(`${label} is privileged`);
            }
            if (c.securityContext?.windowsOptions?.hostProcess === true) {
                report(`${label} sets windowsOptions.hostProcess`);
            }
        }
    }),
);

const pssCapabilities = mandatory(
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

const pssVolumeTypes = mandatory(
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

const pssHostPorts = mandatory(
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

const pssPrivilegeEscalation = mandatory(
    "pss-no-privilege-escalation",
    "Pod Security restricted: every container sets securityContext.allowPrivilegeEscalation: false.",
    onPodSpecs(({ spec, report }) => {
        for (const { c, label } of containersOf(spec)) {
            if (c.securityContext?.allowPrivilegeEscalation !== false) {
                report(`${label} does not set securityContext.allowPrivilegeEscalation: false`);
            }
        }
    }),
);

const pssRunAsNonRoot = mandatory(
    "pss-run-as-non-root",
    "Pod Security restricted: runAsNonRoot true (pod or every container), never false, and no runAsUser 0.",
    onPodSpecs(({ spec, report }) => {
        const podNonRoot = spec.securityContext?.runAsNonRoot;
        if (podNonRoot === false) {
            report("securityContext.runAsNonRoot is false");
        }
        if (spec.securityContext?.runAsUser === 0) {
            report("securityContext.runAsUser is 0 (root)");
        }
        for (const { c, label } of containersOf(spec)) {
            const own = c.securityContext?.runAsNonRoot;
            if (own === false) {
                report(`${label} sets runAsNonRoot: false`);
            } else if (own !== true && podNonRoot !== true) {
                report(`${label} may run as root: runAsNonRoot is set neither on it nor on the pod`);
            }
            if (c.securityContext?.runAsUser === 0) {
                report(`${label} sets runAsUser: 0 (root)`);
            }
        }
    }),
);

const pssSeccomp = mandatory(
    "pss-seccomp",
    "Pod Security restricted: seccompProfile RuntimeDefault or Localhost on the pod or every container; never Unconfined.",
    onPodSpecs(({ spec, report }) => {
        const ok = (t: unknown) => t === "RuntimeDefault" || t === "Localhost";
        const podType = spec.securityContext?.seccompProfile?.type;
        if (podType !== undefined && !ok(podType)) {
            report(`securityContext.seccompProfile.type is ${podType}`);
        }
        for (const { c, label } of containersOf(spec)) {
            const own = c.securityContext?.seccompProfile?.type;
            if (own !== undefined && !ok(own)) {
                report(`${label} sets seccompProfile.type ${own}`);
            } else if (own === undefined && !ok(podType)) {
                report(`${label} has no seccompProfile (RuntimeDefault or Localhost) on it or on the pod`);
            }
        }
    }),
);

const pssBaselineOther = mandatory(
    "pss-apparmor-selinux-procmount-sysctls",
    "Pod Security baseline: AppArmor not unconfined, SELinux type/user/role not overridden, default /proc mount, only safe sysctls.",
    onPodSpecs(({ spec, meta, report }) => {
        const appArmorOk = (t: unknown) => t === undefined || t === "RuntimeDefault" || t === "Localhost";
        const seLinux = (where: string, o: Obj | undefined) => {
            if (!o) {
                return;
            }
            if (o.type !== undefined && !SELINUX_TYPES.has(o.type)) {
                report(`${where} seLinuxOptions.type ${o.type} is not allowed`);
            }
            if (o.user || o.role) {
                report(`${where} sets seLinuxOptions.user/role`);
            }
        };
        if (!appArmorOk(spec.securityContext?.appArmorProfile?.type)) {
            report(`securityContext.appArmorProfile.type is ${spec.securityContext.appArmorProfile.type}`);
        }
        seLinux("pod", spec.securityContext?.seLinuxOptions);
        for (const s of (spec.securityContext?.sysctls ?? []) as Obj[]) {
            if (!SAFE_SYSCTLS.has(s.name)) {
                report(`sysctl ${s.name} is not in the safe set`);
            }
        }
        const annotations = (peek(meta, "annotations") ?? {}) as Obj;
        for (const [k, v] of Object.entries(annotations)) {
            if (k.startsWith("container.apparmor.security.beta.kubernetes.io/") && v !== "runtime/default" && !String(v).startsWith("localhost/")) {
                report(`annotation ${k}=${v} unconfines AppArmor`);
            }
        }
        for (const { c, label } of containersOf(spec)) {
            const sc = c.securityContext;
            if (!appArmorOk(sc?.appArmorProfile?.type)) {
                report(`${label} sets appArmorProfile.type ${sc.appArmorProfile.type}`);
            }
            seLinux(label, sc?.seLinuxOptions);
            if (sc?.procMount !== undefined && sc.procMount !== "Default") {
                report(`${label} sets procMount ${sc.procMount}`);
            }
        }
    }),
);

// ---------------------------------------------------------------------------------------------
// This project's rules

const readOnlyRootFilesystem = mandatory(
    "read-only-root-filesystem",
    "Every container runs with securityContext.readOnlyRootFilesystem: true (writable paths are emptyDirs or the data volume).",
    onPodSpecs(({ spec, report }) => {
        for (const { c, label } of containersOf(spec)) {
            if (c.securityContext?.readOnlyRootFilesystem !== true) {
                report(`${label} does not set securityContext.readOnlyRootFilesystem: true`);
            }
        }
    }),
);

export const DIGEST_RE = /@sha256:[a-f0-9]{64}$/;

const imagesByDigest = mandatory(
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

const containerResources = mandatory(
    "container-resources",
    "Every container (and init container) sets requests and limits for cpu and memory.",
    onPodSpecs(({ spec, report }) => {
        for (const { c, label, field } of containersOf(spec)) {
            if (field === "ephemeralContainers") {
                continue; // the API does not allow resources on ephemeral containers
            }
            const missing: string[] = [];
            for (const kind of ["requests", "limits"]) {
                for (const res of ["cpu", "memory"]) {
                    const v = c.resources?.[kind]?.[res];
                    if (v === undefined || v === null || v === "") {
                        missing.push(`${kind}.${res}`);
                    }
                }
            }
            if (missing.length > 0) {
                report(`${label} has no resources ${missing.join(", ")}`);
            }
        }
    }),
);

const longRunningProbes = mandatory(
    "long-running-probes",
    "Every container of a long-running workload (Deployment, StatefulSet, DaemonSet, ReplicaSet) has a livenessProbe and a readinessProbe or startupProbe.",
    onPodSpecs(({ type, spec, report }) => {
        if (!LONG_RUNNING_TYPES.has(type)) {
            return;
        }
        for (const { c, label, field } of containersOf(spec)) {
            // Init containers run to completion, except sidecars (restartPolicy: Always).
            if (field === "ephemeralContainers" || (field === "initContainers" && c.restartPolicy !== "Always")) {
                continue;
            }
            if (!c.livenessProbe) {
                report(`${label} has no livenessProbe`);
            }
            if (!c.readinessProbe && !c.startupProbe) {
                report(`${label} has neither a readinessProbe nor a startupProbe`);
            }
        }
    }),
);

/** Config of data-volume-protected (`--policy-pack-config`). */
export interface DataVolumeProtectedConfig {
    /** Stacks whose PersistentVolumeClaims must be protected. Default ["prod"]. */
    protectedStacks?: string[];
    /** Require protection in every stack. Default false. */
    requireProtection?: boolean;
}

const dataVolumeProtected = mandatory(
    "data-volume-protected",
    "In prod (or the stacks listed in protectedStacks, or everywhere with requireProtection) every PersistentVolumeClaim, the shared RWX EDI data volume, has the protect option.",
    (args, reportViolation) => {
        if (args.type !== PVC_TYPE) {
            return;
        }
        const cfg = args.getConfig<DataVolumeProtectedConfig>() ?? {};
        const stacks = cfg.protectedStacks ?? ["prod"];
        const stack = stackOfUrn(args.urn);
        if (!cfg.requireProtection && !stacks.includes(stack)) {
            return;
        }
        if (args.opts.protect !== true) {
            const modes = peek(args.props, "spec", "accessModes");
            const rwx = Array.isArray(modes) && modes.includes("ReadWriteMany") ? " (ReadWriteMany data volume)" : "";
            reportViolation(
                `${describe(args.type, args.props, args.name)}${rwx} is not protected in stack ${stack}: ` +
                    "set protectData: true so `pulumi destroy` and a removed resource cannot delete the EDI data",
            );
        }
    },
    {
        configSchema: {
            properties: {
                protectedStacks: { type: "array", items: { type: "string" }, default: ["prod"] },
                requireProtection: { type: "boolean", default: false },
            },
        },
    },
);

// No secret data in stack outputs ---------------------------------------------------------------

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

const noSecretOutputs: StackValidationPolicy = {
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

/** Every policy of the pack, all mandatory. */
export const policies: (ResourceValidationPolicy | StackValidationPolicy)[] = [
    pssHostNamespaces,
    pssPrivileged,
    pssCapabilities,
    pssVolumeTypes,
    pssHostPorts,
    pssPrivilegeEscalation,
    pssRunAsNonRoot,
    pssSeccomp,
    pssBaselineOther,
    readOnlyRootFilesystem,
    imagesByDigest,
    containerResources,
    longRunningProbes,
    dataVolumeProtected,
    noSecretOutputs,
    secretEnv,
    prodNetworkPolicy,
];
