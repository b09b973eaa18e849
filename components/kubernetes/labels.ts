// Recommended app.kubernetes.io labels. Selectors use only name, instance and component, which never
// change, because a Deployment's selector is immutable.

export type BotsComponent = "web" | "worker" | "engine" | "db-init" | "data" | "config" | "backup";

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
