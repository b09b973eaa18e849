import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { IngressConfig } from "../stack-config/config";
import { labels } from "./labels";

/** The ingress* keys (host, class, TLS Secret, issuer) and the Service behind it. */
export interface WebIngressArgs extends IngressConfig {
    /** Namespace of the Ingress. */
    namespace: pulumi.Input<string>;
    /** Bots environment name (the instance label). */
    botsEnv: string;
    /** Name of the web Service. */
    serviceName: pulumi.Input<string>;
}

/** Exposes the web UI under a host name, optionally with TLS. */
export class WebIngress extends pulumi.ComponentResource {
    /** URL operators open. */
    public readonly url: string;

    constructor(name: string, args: WebIngressArgs, opts?: pulumi.ComponentResourceOptions) {
        super("bots:k8s:WebIngress", name, {}, opts);
        new k8s.networking.v1.Ingress(
            name,
            {
                metadata: {
                    name: "bots-web",
                    namespace: args.namespace,
                    labels: labels(args.botsEnv, "web"),
                    annotations: {
                        // Pulumi would otherwise wait for a load balancer address, which some
                        // controllers never publish; the web Service's readiness is awaited instead.
                        "pulumi.com/skipAwait": "true",
                        ...(args.clusterIssuer ? { "cert-manager.io/cluster-issuer": args.clusterIssuer } : {}),
                    },
                },
                spec: {
                    ingressClassName: args.className,
                    tls: args.tlsSecret ? [{ hosts: [args.host], secretName: args.tlsSecret }] : undefined,
                    rules: [
                        {
                            host: args.host,
                            http: {
                                paths: [
                                    {
                                        path: "/",
                                        pathType: "Prefix",
                                        backend: { service: { name: args.serviceName, port: { name: "http" } } },
                                    },
                                ],
                            },
                        },
                    ],
                },
            },
            { parent: this },
        );
        this.url = `${args.tlsSecret ? "https" : "http"}://${args.host}/`;
        this.registerOutputs({ url: this.url });
    }
}
