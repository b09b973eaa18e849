// production-declared: the stacks the pack holds to production rules (productionStacks) declare
// themselves production in their stack config (`production: true`), so the program's own guard
// rails (no debug, protected data, NetworkPolicies, two web pods) hold there too. The program
// labels a production stack's namespace; this policy reads that label.
import { PolicyResource, ReportViolation, StackValidationArgs, StackValidationPolicy } from "@pulumi/policy";
import { PRODUCTION_STACKS_SCHEMA, ProductionStacksConfig, productionStacks, stackOfUrn } from "../../lib/resources";

/* eslint-disable @typescript-eslint/no-explicit-any -- policies read untyped Kubernetes objects */

const NAMESPACE_TYPES = new Set(["kubernetes:core/v1:Namespace", "kubernetes:core/v1:NamespacePatch"]);
/** The label components/kubernetes/namespace.ts puts on a production stack's namespace (a unit test keeps them equal). */
export const PRODUCTION_LABEL = "bots-edi.io/production";

const labelOf = (r: PolicyResource): unknown => {
    const p = r.props as any;
    return (p?.["__getSpecialProxyTarget"] ?? p)?.metadata?.labels?.[PRODUCTION_LABEL];
};

function validate(args: StackValidationArgs, report: ReportViolation): void {
    const namespaces = args.resources.filter((r) => NAMESPACE_TYPES.has(r.type));
    if (namespaces.length === 0) {
        return;
    }
    const stack = stackOfUrn(namespaces[0].urn);
    if (!productionStacks(args.getConfig<ProductionStacksConfig>()).includes(stack)) {
        return;
    }
    if (!namespaces.some((r) => labelOf(r) === "true")) {
        report(
            `stack ${stack} is a production stack (productionStacks) but its config does not declare it: ` +
                "run `pulumi config set production true`, which also turns on the program's production guard rails",
        );
    }
}

export const productionDeclared: StackValidationPolicy = {
    name: "production-declared",
    description: "Stacks listed in productionStacks (default [\"prod\"]) set production: true in their stack config.",
    enforcementLevel: "mandatory",
    validateStack: validate,
    configSchema: PRODUCTION_STACKS_SCHEMA,
};
