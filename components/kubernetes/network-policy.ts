import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { NetworkPolicyConfig } from "../stack-config/config";
import { selectorLabels } from "./labels";
import { METRICS_PORT, WEB_PORT } from "../image/runtime-contract";

/** The networkPolicy* keys (ingress namespaces, egress CIDRs) and who else may reach the metrics port. */
export interface BotsNetworkPolicyArgs extends NetworkPolicyConfig {
    /** Namespace the policies apply to. */
    namespace: pulumi.Input<string>;
    /** Bots environment name (the instance label). */
    botsEnv: string;
    /** Namespaces whose pods may reach the metrics port of the web and worker pods (Prometheus's); undefined: metrics off. */
    metricsNamespaces?: string[];
}

/**
 * Default-deny ingress for every pod of the namespace, with the web port open to the ingress
 * controller's namespaces and to the namespace itself. Egress is restricted only when CIDRs are
 * given (DNS stays allowed): database and partner addresses are site knowledge, and a policy that
 * silently blocks them is worse than none.
 */
export class BotsNetworkPolicy extends pulumi.ComponentResource {
    constructor(name: string, args: BotsNetworkPolicyArgs, opts?: pulumi.ComponentResourceOptions) {
        super("bots:k8s:NetworkPolicy", name, {}, opts);
        const child = { parent: this };
        const meta = (suffix: string) => ({ name: `bots-${suffix}`, namespace: args.namespace });
        const fromNamespace = (ns: string) => ({ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": ns } } });

        new k8s.networking.v1.NetworkPolicy(
            `${name}-default-deny`,
            { metadata: meta("default-deny-ingress"), spec: { podSelector: {}, policyTypes: ["Ingress"] } },
            child,
        );
        new k8s.networking.v1.NetworkPolicy(
            `${name}-web`,
            {
                metadata: meta("web-ingress"),
                spec: {
                    podSelector: { matchLabels: selectorLabels(args.botsEnv, "web") },
                    policyTypes: ["Ingress"],
                    ingress: [
                        {
                            from: [{ podSelector: {} }, ...args.ingressNamespaces.map(fromNamespace)],
                            ports: [{ protocol: "TCP", port: WEB_PORT }],
                        },
                    ],
                },
            },
            child,
        );
        if (args.metricsNamespaces && args.metricsNamespaces.length > 0) {
            new k8s.networking.v1.NetworkPolicy(
                `${name}-metrics`,
                {
                    metadata: meta("metrics-ingress"),
                    spec: {
                        podSelector: {
                            matchLabels: { "app.kubernetes.io/name": "bots", "app.kubernetes.io/instance": args.botsEnv },
                            matchExpressions: [{ key: "app.kubernetes.io/component", operator: "In", values: ["web", "worker"] }],
                        },
                        policyTypes: ["Ingress"],
                        ingress: [{ from: args.metricsNamespaces.map(fromNamespace), ports: [{ protocol: "TCP", port: METRICS_PORT }] }],
                    },
                },
                child,
            );
        }
        if (args.egressCidrs.length > 0) {
            new k8s.networking.v1.NetworkPolicy(
                `${name}-egress`,
                {
                    metadata: meta("egress"),
                    spec: {
                        podSelector: {},
                        policyTypes: ["Egress"],
                        egress: [
                            {
                                to: [{ namespaceSelector: {}, podSelector: { matchLabels: { "k8s-app": "kube-dns" } } }],
                                ports: [
                                    { protocol: "UDP", port: 53 },
                                    { protocol: "TCP", port: 53 },
                                ],
                            },
                            { to: args.egressCidrs.map((cidr) => ({ ipBlock: { cidr } })) },
                        ],
                    },
                },
                child,
            );
        }
        this.registerOutputs({});
    }
}
