import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { operatorObject } from "./prometheus-operator";
import { MetricsConfig } from "../stack-config/config";
import { METRICS_SERVICE_LABEL } from "./labels";
import { METRICS_PATH } from "../image/runtime-contract";

/** metricsScrapeInterval and metricsMonitorLabels, and where the monitor goes. */
export interface BotsServiceMonitorArgs extends NonNullable<MetricsConfig["serviceMonitor"]> {
    /** Namespace of the monitor and of the Services it selects. */
    namespace: string;
    /** Bots environment name (the instance label). */
    botsEnv: string;
}

/** 10 s, or the interval when it is shorter (Prometheus refuses a timeout above the interval). */
function scrapeTimeout(interval: string): string {
    const seconds = Number(interval.slice(0, -1)) * (interval.endsWith("m") ? 60 : 1);
    return seconds < 10 ? interval : "10s";
}

/**
 * A ServiceMonitor (Prometheus Operator CRD) for the Services whose pods serve Bots' metrics (the
 * web Service, the worker's headless one). Each target's job label is its Service's name.
 */
export class BotsServiceMonitor extends pulumi.ComponentResource {
    constructor(name: string, args: BotsServiceMonitorArgs, opts?: pulumi.ComponentResourceOptions) {
        super("bots:k8s:ServiceMonitor", name, {}, opts);
        new k8s.apiextensions.CustomResource(
            name,
            operatorObject("ServiceMonitor", args, {
                selector: { matchLabels: { "app.kubernetes.io/name": "bots", "app.kubernetes.io/instance": args.botsEnv, ...METRICS_SERVICE_LABEL } },
                namespaceSelector: { matchNames: [args.namespace] },
                endpoints: [{ port: "metrics", path: METRICS_PATH, interval: args.interval, scrapeTimeout: scrapeTimeout(args.interval) }],
            }),
            { parent: this },
        );
        this.registerOutputs({});
    }
}
