import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { labels } from "./labels";

export interface GrafanaDashboardArgs {
    /** Namespace of the ConfigMap and of the Bots pods the dashboard shows. */
    namespace: string;
    /** Bots environment name (the instance label). */
    botsEnv: string;
    /** The label Grafana's dashboard sidecar looks for (key -> value). */
    sidecarLabel: Record<string, string>;
}

interface Panel {
    title: string;
    type: "stat" | "timeseries";
    exprs: { expr: string; legend: string }[];
    unit?: string;
    description: string;
}

/** The panels: did the orders go through, what failed, what waits, is there room. */
function panels(namespace: string): Panel[] {
    const ns = `namespace="${namespace}"`;
    return [
        {
            title: "Since the last engine run",
            type: "stat",
            unit: "s",
            exprs: [{ expr: `time() - max(bots_engine_last_run_timestamp_seconds{${ns}})`, legend: "any" }, { expr: `time() - max(bots_engine_last_ok_run_timestamp_seconds{${ns}})`, legend: "without errors" }],
            description: "Time since the last engine run started, and since the last one without errors.",
        },
        {
            title: "Last run",
            type: "stat",
            exprs: [{ expr: `max by (outcome) (bots_engine_last_run_files{${ns}})`, legend: "{{outcome}}" }],
            description: "Files of the last run as Bots' report counts them.",
        },
        {
            title: "Engine runs",
            type: "timeseries",
            exprs: [{ expr: `max by (result) (delta(bots_engine_runs{${ns}}[$__rate_interval]))`, legend: "{{result}}" }],
            description: "Runs per interval, with and without errors.",
        },
        {
            title: "Files per route",
            type: "timeseries",
            exprs: [
                { expr: `max by (route) (delta(bots_files_received{${ns}}[$__rate_interval]))`, legend: "{{route}} received" },
                { expr: `max by (route) (delta(bots_files_with_errors{${ns}}[$__rate_interval]))`, legend: "{{route}} with errors" },
                { expr: `max by (route) (delta(bots_files_sent{${ns}}[$__rate_interval]))`, legend: "{{route}} sent" },
            ],
            description: "Incoming files, files with errors and outgoing files per interval, per route.",
        },
        {
            title: "Run duration",
            type: "timeseries",
            unit: "s",
            exprs: [{ expr: `max(bots_engine_last_run_duration_seconds{${ns}})`, legend: "last run" }],
            description: "Seconds from the start of the last finished run to its last row.",
        },
        {
            title: "Inboxes",
            type: "timeseries",
            exprs: [
                { expr: `max by (channel) (bots_inbox_files{${ns}})`, legend: "{{channel}} files" },
                { expr: `max by (channel) (bots_inbox_oldest_file_age_seconds{${ns}})`, legend: "{{channel}} oldest (s)" },
            ],
            description: "Files waiting in the inboxes of the active routes, and the age of the oldest.",
        },
        {
            title: "Job queue",
            type: "timeseries",
            exprs: [{ expr: `max(bots_jobqueue_jobs{${ns}})`, legend: "jobs waiting" }],
            description: "Engine jobs waiting in the job queue (directory monitor, web UI).",
        },
        {
            title: "Data volume used",
            type: "stat",
            unit: "percentunit",
            exprs: [{ expr: `1 - max(bots_data_volume_available_bytes{${ns}}) / max(bots_data_volume_size_bytes{${ns}})`, legend: "used" }],
            description: "Share of the data volume in use.",
        },
    ];
}

/** The dashboard as Grafana imports it (schema 39), on a Prometheus data source chosen in the dashboard. */
export function dashboardJson(namespace: string, botsEnv: string): string {
    const datasource = { type: "prometheus", uid: "${datasource}" };
    const dashboard = {
        title: `Bots EDI (${namespace})`,
        uid: `bots-edi-${botsEnv}`.slice(0, 40),
        tags: ["bots-edi"],
        timezone: "browser",
        schemaVersion: 39,
        refresh: "1m",
        time: { from: "now-24h", to: "now" },
        templating: { list: [{ name: "datasource", type: "datasource", query: "prometheus", label: "Prometheus" }] },
        panels: panels(namespace).map((p, i) => ({
            id: i + 1,
            title: p.title,
            description: p.description,
            type: p.type,
            datasource,
            gridPos: { h: 8, w: 12, x: (i % 2) * 12, y: Math.floor(i / 2) * 8 },
            fieldConfig: { defaults: p.unit ? { unit: p.unit } : {}, overrides: [] },
            targets: p.exprs.map((e, j) => ({ refId: String.fromCharCode(65 + j), datasource, expr: e.expr, legendFormat: e.legend })),
        })),
    };
    return JSON.stringify(dashboard, null, 2);
}

/** A ConfigMap holding the dashboard, labelled for Grafana's dashboard sidecar. */
export class GrafanaDashboard extends pulumi.ComponentResource {
    constructor(name: string, args: GrafanaDashboardArgs, opts?: pulumi.ComponentResourceOptions) {
        super("bots:k8s:GrafanaDashboard", name, {}, opts);
        new k8s.core.v1.ConfigMap(
            name,
            {
                metadata: { name: "bots-grafana-dashboard", namespace: args.namespace, labels: { ...labels(args.botsEnv, "metrics"), ...args.sidecarLabel } },
                data: { "bots-edi.json": dashboardJson(args.namespace, args.botsEnv) },
            },
            { parent: this },
        );
        this.registerOutputs({});
    }
}
