// Recommended app.kubernetes.io labels. Selectors use only name, instance and component, which never
// change, because a Deployment's selector is immutable.

export type BotsComponent = "web" | "worker" | "engine" | "db-init" | "data" | "config" | "metrics" | "exchange" | "backup";

/** On the Services whose pods serve Bots' metrics: what the ServiceMonitor selects. */
export const METRICS_SERVICE_LABEL = { "bots-edi.io/metrics": "true" };

export function selectorLabels(instance: string, component: BotsComponent): Record<string, string> {
    return {
        "app.kubernetes.io/name": "bots",
        "app.kubernetes.io/instance": instance,
        "app.kubernetes.io/component": component,
    };
}

export function labels(instance: string, component: BotsComponent): Record<string, string> {
    return {
        ...selectorLabels(instance, component),
        "app.kubernetes.io/part-of": "bots-edi",
        "app.kubernetes.io/managed-by": "pulumi",
    };
}
