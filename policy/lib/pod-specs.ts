// The building blocks of the pod policies: every container of a pod spec, and a validation that
// runs a check on the pod spec of every pod-bearing resource.
import { ReportViolation, ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";
import { Obj, POD_SPEC_PATHS, describe, peek } from "./resources";

/* eslint-disable @typescript-eslint/no-explicit-any -- policies read untyped Kubernetes objects */

export interface ContainerRef {
    /** containers, initContainers or ephemeralContainers */
    field: "containers" | "initContainers" | "ephemeralContainers";
    c: Obj;
    /** "container \"web\"" / "init container \"x\"" */
    label: string;
}

/** Every container of a pod spec: containers, init containers and ephemeral containers. */
export function containersOf(spec: Obj): ContainerRef[] {
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

export interface PodContext {
    /** e.g. "Deployment bots-web" */
    owner: string;
    type: string;
    spec: Obj;
    /** The pod template's metadata (annotations), when the type has one. */
    meta?: Obj;
    report: (message: string) => void;
}

/** A ResourceValidation that runs `check` on the pod spec of every pod-bearing resource. */
export function onPodSpecs(check: (p: PodContext) => void) {
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

/** A mandatory resource policy. */
export function mandatory(
    name: string,
    description: string,
    validate: ResourceValidationPolicy["validateResource"],
    extra: Partial<ResourceValidationPolicy> = {},
): ResourceValidationPolicy {
    return { name, description, enforcementLevel: "mandatory", validateResource: validate, ...extra };
}
