import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { labels } from "./labels";

/** Where a Prometheus Operator object goes and the labels it is found by. */
export interface OperatorObjectPlace {
    /** Namespace of the object and of the Bots pods it concerns. */
    namespace: string;
    /** Bots environment name (the instance label). */
    botsEnv: string;
    /** Extra labels (metricsMonitorLabels), for a Prometheus that selects its objects by label. */
    labels: Record<string, string>;
}

/**
 * A Prometheus Operator object (monitoring.coreos.com/v1 CRD) named bots, labelled as the metrics
 * component plus the labels a Prometheus selects ServiceMonitors and PrometheusRules alike by.
 */
export function operatorObject(kind: "ServiceMonitor" | "PrometheusRule", place: OperatorObjectPlace, spec: pulumi.Inputs): k8s.apiextensions.CustomResourceArgs {
    return {
        apiVersion: "monitoring.coreos.com/v1",
        kind,
        metadata: { name: "bots", namespace: place.namespace, labels: { ...labels(place.botsEnv, "metrics"), ...place.labels } },
        spec,
    };
}
