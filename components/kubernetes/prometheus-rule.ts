import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { operatorObject } from "./prometheus-operator";
import { AlertThresholds, MetricsConfig } from "../stack-config/config";

/** metricsMonitorLabels and the alert* thresholds, and where the rule goes. */
export interface BotsPrometheusRuleArgs extends NonNullable<MetricsConfig["prometheusRule"]> {
    /** Namespace of the rule and of the Bots pods it watches. */
    namespace: string;
    /** Bots environment name (the instance label). */
    botsEnv: string;
}

/** One Prometheus alerting rule, as a rule file and a PrometheusRule hold it. */
export interface AlertRule {
    alert: string;
    expr: string;
    for: string;
    labels: Record<string, string>;
    annotations: Record<string, string>;
}

/**
 * The alerts an EDI operator wants, on the metrics of docs/metrics.md. Every web pod serves the
 * same numbers from the database, so expressions take the max over the pods.
 */
export function alertRules(namespace: string, t: AlertThresholds): AlertRule[] {
    const ns = `namespace="${namespace}"`;
    const max = (metric: string, by = "namespace") => `max by (${by}) (${metric})`;
    const rule = (alert: string, expr: string, forMinutes: number, severity: string, summary: string, description: string): AlertRule => ({
        alert,
        expr,
        for: `${forMinutes}m`,
        labels: { severity },
        annotations: { summary, description },
    });
    const span = (seconds: number) => (seconds < 7200 ? `${Math.round(seconds / 60)} min` : `${Math.round((seconds / 3600) * 10) / 10} h`);
    return [
        rule(
            "BotsEngineRunFailed",
            `${max(`bots_engine_last_run_failed{${ns}}`)} == 1`,
            0,
            "warning",
            "The last Bots engine run in {{ $labels.namespace }} had errors",
            "Files with errors or process errors (communication, mapping scripts) in the last run: Bots' web UI, Reports, shows which.",
        ),
        rule(
            "BotsNoCleanEngineRun",
            `time() - ${max(`bots_engine_last_ok_run_timestamp_seconds{${ns}}`)} > ${t.noCleanRunSeconds}`,
            0,
            "critical",
            "No Bots engine run without errors in {{ $labels.namespace }} for " + span(t.noCleanRunSeconds),
            "Every run since then had errors, or the engine did not run (CronJob suspended or failing, job queue down).",
        ),
        rule(
            "BotsFilesWithErrors",
            // Now against the least within the window: a rise fires for the window; Bots' cleanup (a
            // fall) and a Prometheus without history do not.
            `(${max(`bots_files_with_errors{${ns}}`, "namespace, route")} - ${max(`min_over_time(bots_files_with_errors{${ns}}[${t.filesWithErrorsWindowMinutes}m])`, "namespace, route")}) > 0`,
            0,
            "warning",
            "{{ $value }} new file(s) with errors on route {{ $labels.route }} in {{ $labels.namespace }}",
            `Bots recorded files with errors on this route within the last ${t.filesWithErrorsWindowMinutes} minutes: Bots' web UI, Incoming, shows them.`,
        ),
        rule(
            "BotsInboxFileWaiting",
            `${max(`bots_inbox_oldest_file_age_seconds{${ns}}`, "namespace, channel")} > ${t.inboxFileAgeSeconds}`,
            0,
            "warning",
            "A file has waited more than " + span(t.inboxFileAgeSeconds) + " in the inbox of channel {{ $labels.channel }} in {{ $labels.namespace }}",
            "The route reading this inbox is not running, or cannot read the file (permissions, file mask).",
        ),
        rule(
            "BotsDataVolumeFull",
            `1 - ${max(`bots_data_volume_available_bytes{${ns}}`)} / ${max(`bots_data_volume_size_bytes{${ns}}`)} > ${t.dataVolumeUsedRatio}`,
            10,
            "warning",
            `The Bots data volume in {{ $labels.namespace }} is more than ${Math.round(t.dataVolumeUsedRatio * 100)}% full`,
            "Bots stops receiving and writing files when it is full: grow the claim or lower Bots' maxdays/maxdaysarchive.",
        ),
        rule(
            "BotsWebDown",
            `(${max(`up{${ns}, job="bots-web"}`)} == 0) or (${max(`bots_web_ready{${ns}}`)} == 0) or absent(up{${ns}, job="bots-web"})`,
            t.webDownMinutes,
            "critical",
            "The Bots web UI in {{ $labels.namespace }} is down",
            "No web pod serves its metrics or passes its readiness check (/health/ready: database, botssys, usersys).",
        ),
    ];
}

/** A PrometheusRule (Prometheus Operator CRD) with alertRules(). */
export class BotsPrometheusRule extends pulumi.ComponentResource {
    constructor(name: string, args: BotsPrometheusRuleArgs, opts?: pulumi.ComponentResourceOptions) {
        super("bots:k8s:PrometheusRule", name, {}, opts);
        new k8s.apiextensions.CustomResource(
            name,
            operatorObject("PrometheusRule", args, { groups: [{ name: "bots-edi", rules: alertRules(args.namespace, args.thresholds) }] }),
            { parent: this },
        );
        this.registerOutputs({});
    }
}
