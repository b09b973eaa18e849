// prod-network-policy: a production stack runs behind NetworkPolicies. Without a default-deny
// ingress policy every pod in the cluster can reach the Bots pods (the web UI, the job queue port).
// Checks that each namespace with workloads in a production stack has a NetworkPolicy selecting
// every pod (podSelector {}) with policy type Ingress, the default deny the program's
// networkPolicyEnabled adds.
import { PolicyResource, ReportViolation, StackValidationArgs, StackValidationPolicy } from "@pulumi/policy";
import { PRODUCTION_STACKS_SCHEMA, ProductionStacksConfig, productionStacks } from "../../lib/resources";

/* eslint-disable @typescript-eslint/no-explicit-any -- policies read untyped Kubernetes objects */

const NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
const WORKLOADS = new Set([
    "kubernetes:apps/v1:Deployment",
    "kubernetes:apps/v1:StatefulSet",
    "kubernetes:apps/v1:DaemonSet",
    "kubernetes:batch/v1:Job",
    "kubernetes:batch/v1:CronJob",
    "kubernetes:core/v1:Pod",
]);

/** The stack a resource belongs to, from its URN (urn:pulumi:<stack>::<project>::...). */
const stackOf = (r: PolicyResource) => /^urn:pulumi:([^:]+)::/.exec(r.urn)?.[1] ?? "";
/**
 * The props behind @pulumi/policy's proxy, which throws on values unknown during preview: a new
 * stack's namespace is such a value, and its placeholder is the same for every resource, so
 * workloads and policies still fall into one bucket.
 */
const raw = (r: PolicyResource): any => {
    const p = r.props as any;
    return p?.["__getSpecialProxyTarget"] ?? p;
};
const namespaceOf = (r: PolicyResource) => {
    const ns = raw(r)?.metadata?.namespace;
    return typeof ns === "string" ? ns : "";
};

function isDefaultDenyIngress(np: PolicyResource): boolean {
    const spec = raw(np)?.spec ?? {};
    const selectsAll = spec.podSelector !== undefined && Object.keys(spec.podSelector ?? {}).every((k) => {
        const v = spec.podSelector[k];
        return v === undefined || (typeof v === "object" && Object.keys(v ?? {}).length === 0);
    });
    const types: string[] = spec.policyTypes ?? [];
    return selectsAll && types.includes("Ingress") && (spec.ingress === undefined || spec.ingress.length === 0);
}

function validate(args: StackValidationArgs, report: ReportViolation): void {
    const production = productionStacks(args.getConfig<ProductionStacksConfig>());
    const workloads = args.resources.filter((r) => WORKLOADS.has(r.type));
    if (workloads.length === 0 || !production.includes(stackOf(workloads[0]))) {
        return;
    }
    const denied = new Set(args.resources.filter((r) => r.type === NETWORK_POLICY && isDefaultDenyIngress(r)).map(namespaceOf));
    const namespaces = new Set(workloads.map(namespaceOf));
    for (const ns of namespaces) {
        if (!denied.has(ns)) {
            const where = ns === "" ? "its namespace" : `namespace ${ns}`;
            report(
                `production stack ${stackOf(workloads[0])} runs workloads in ${where} without a default-deny ingress NetworkPolicy (podSelector {}, policyTypes [Ingress]): set networkPolicyEnabled: true`,
            );
        }
    }
}

export const prodNetworkPolicy: StackValidationPolicy = {
    name: "prod-network-policy",
    description: "Production stacks (productionStacks, default [\"prod\"]) deny ingress by default with a NetworkPolicy in every namespace they run workloads in.",
    enforcementLevel: "mandatory",
    validateStack: validate,
    configSchema: PRODUCTION_STACKS_SCHEMA,
};
