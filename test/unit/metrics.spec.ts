import * as assert from "assert";
import { assertRefused } from "../support/bad-config";
import { StackRun, T, ofType, one, runStack } from "../support/harness";
import { reveal } from "../support/values";
import { longestGapSeconds } from "../../components/config/cron";

// Metrics of Bots' run data and what the stack adds for a Prometheus Operator and Grafana: the
// metrics port on by default (never on the Ingress), ServiceMonitor, PrometheusRule and dashboard
// opt-in. The rules' behaviour is tested with promtool in the image tier (12-alert-rules).

const SM = "kubernetes:monitoring.coreos.com/v1:ServiceMonitor";
const RULE = "kubernetes:monitoring.coreos.com/v1:PrometheusRule";
const CM = "kubernetes:core/v1:ConfigMap";
/** The plain settings the pods read (the config Secret). */
const settings = (run: StackRun): Record<string, string> => reveal(ofType(run, T.secret).find((x) => x.name === "bots-config")!.inputs.stringData);
const byName = (run: StackRun, type: string, name: string) => {
    const r = ofType(run, type).find((x) => x.inputs.metadata?.name === name);
    assert.ok(r, `no ${type} named ${name}`);
    return r;
};

const ALL_ON = {
    metricsServiceMonitor: "true",
    metricsPrometheusRule: "true",
    metricsDashboard: "true",
    metricsMonitorLabels: '["release=kube-prometheus-stack"]',
};

describe("metrics and alerts", () => {
    it("serves metrics by default: BOTS_METRICS_PORT 9464, a headless worker Service, no monitoring objects", async () => {
        const run = await runStack({ stack: "dev" });
        assert.strictEqual(settings(run).BOTS_METRICS_PORT, "9464");
        assert.strictEqual(settings(run).LOG_FORMAT, "text");
        const worker = byName(run, T.service, "bots-worker-metrics").inputs;
        assert.strictEqual(worker.spec.clusterIP, "None");
        assert.deepStrictEqual(worker.spec.ports, [{ name: "metrics", port: 9464, targetPort: "metrics", protocol: "TCP" }]);
        assert.strictEqual(worker.metadata.labels["bots-edi.io/metrics"], "true");
        const jobqueue = byName(run, T.deployment, "bots-worker").inputs.spec.template.spec.containers.find((c: { name: string }) => c.name === "jobqueue");
        assert.deepStrictEqual(jobqueue.ports, [{ name: "metrics", containerPort: 9464, protocol: "TCP" }]);
        const ingress = one(run, T.ingress).inputs;
        assert.strictEqual(JSON.stringify(ingress).includes("metrics"), false, "the Ingress routes the web port only");
        for (const type of [SM, RULE, CM]) {
            assert.strictEqual(ofType(run, type).length, 0, type);
        }
    });

    it("metricsEnabled false: port 0 in the config, no metrics ports or Services", async () => {
        const run = await runStack({ stack: "dev", set: { metricsEnabled: "false" } });
        assert.strictEqual(settings(run).BOTS_METRICS_PORT, "0");
        assert.deepStrictEqual(ofType(run, T.service).map((s) => s.inputs.metadata.name), ["bots-web"]);
        assert.strictEqual(JSON.stringify(byName(run, T.deployment, "bots-web").inputs).includes("9464"), false);
    });

    it("logFormat json reaches the pods' config", async () => {
        const run = await runStack({ stack: "dev", set: { logFormat: "json" } });
        assert.strictEqual(settings(run).LOG_FORMAT, "json");
    });

    describe("with ServiceMonitor, PrometheusRule and dashboard on", () => {
        let run: StackRun;
        before(async () => {
            run = await runStack({ stack: "dev", set: { ...ALL_ON, engineSchedule: "0 8-17 * * 1-5", alertInboxFileAgeMinutes: "30" } });
        });

        it("the ServiceMonitor selects the metrics Services of this instance in its namespace, with the given labels", () => {
            const sm = one(run, SM).inputs;
            assert.strictEqual(sm.apiVersion, "monitoring.coreos.com/v1");
            assert.strictEqual(sm.metadata.namespace, "bots-edi-dev");
            assert.strictEqual(sm.metadata.labels.release, "kube-prometheus-stack");
            assert.deepStrictEqual(sm.spec.selector.matchLabels, { "app.kubernetes.io/name": "bots", "app.kubernetes.io/instance": "dev", "bots-edi.io/metrics": "true" });
            assert.deepStrictEqual(sm.spec.namespaceSelector, { matchNames: ["bots-edi-dev"] });
            assert.deepStrictEqual(sm.spec.endpoints, [{ port: "metrics", path: "/metrics", interval: "30s", scrapeTimeout: "10s" }]);
            for (const svc of ofType(run, T.service)) {
                for (const [k, v] of Object.entries(sm.spec.selector.matchLabels)) {
                    assert.strictEqual(svc.inputs.metadata.labels[k], v, `${svc.inputs.metadata.name} carries ${k}`);
                }
            }
        });

        it("the PrometheusRule holds the six alerts with the configured thresholds", () => {
            const rule = one(run, RULE).inputs;
            assert.strictEqual(rule.metadata.labels.release, "kube-prometheus-stack");
            const rules = rule.spec.groups[0].rules as { alert: string; expr: string; for: string }[];
            assert.deepStrictEqual(rules.map((r) => r.alert), [
                "BotsEngineRunFailed", "BotsNoCleanEngineRun", "BotsFilesWithErrors", "BotsInboxFileWaiting", "BotsDataVolumeFull", "BotsWebDown",
            ]);
            const expr = (a: string) => rules.find((r) => r.alert === a)!.expr;
            // 3 periods of a weekday office-hours schedule: the weekend gap, Friday 17:00 to Monday 08:00.
            assert.match(expr("BotsNoCleanEngineRun"), / > 680400$/);
            assert.match(expr("BotsInboxFileWaiting"), / > 1800$/);
            assert.match(expr("BotsFilesWithErrors"), /min_over_time\(bots_files_with_errors\{namespace="bots-edi-dev"\}\[60m\]\)/);
            assert.match(expr("BotsDataVolumeFull"), / > 0\.85$/);
            assert.strictEqual(rules.find((r) => r.alert === "BotsWebDown")!.for, "5m");
            for (const r of rules) {
                assert.match(r.expr, /namespace="bots-edi-dev"/, `${r.alert} is about this stack's namespace only`);
            }
        });

        it("the dashboard is a ConfigMap with the sidecar label and a Grafana dashboard on this namespace", () => {
            const cm = one(run, CM).inputs;
            assert.strictEqual(cm.metadata.labels.grafana_dashboard, "1");
            const dash = JSON.parse(cm.data["bots-edi.json"]);
            assert.strictEqual(dash.uid, "bots-edi-dev");
            assert.ok(dash.panels.length >= 6);
            for (const p of dash.panels) {
                for (const t of p.targets) {
                    assert.match(t.expr, /bots_[a-z_]+\{namespace="bots-edi-dev"/, `${p.title}: ${t.expr}`);
                }
            }
        });
    });

    it("NetworkPolicies open the metrics port to metricsScrapeNamespaces", async () => {
        const run = await runStack({ stack: "prod", set: { metricsScrapeNamespaces: '["observability"]' } });
        const policy = ofType(run, T.networkPolicy).find((p) => p.inputs.metadata.name === "bots-metrics-ingress")!.inputs;
        assert.deepStrictEqual(policy.spec.ingress[0].from, [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "observability" } } }]);
    });

    describe("bad metrics config is refused before anything is created", () => {
        it("a ServiceMonitor without the metrics port", () =>
            assertRefused({ what: "", set: { metricsEnabled: "false", metricsServiceMonitor: "true" }, key: "metricsServiceMonitor", expect: ["needs metricsEnabled: true"] }));
        it("a PrometheusRule without the metrics port", () =>
            assertRefused({ what: "", set: { metricsEnabled: "false", metricsPrometheusRule: "true" }, key: "metricsPrometheusRule", expect: ["needs metricsEnabled: true"] }));
        it("a label that is not key=value", () =>
            assertRefused({ what: "", set: { metricsMonitorLabels: '["release"]' }, key: "metricsMonitorLabels", expect: ['"release"', "key=value"] }));
        it("a sidecar label with a bad key", () =>
            assertRefused({ what: "", set: { metricsDashboardLabel: "grafana dashboard=1" }, key: "metricsDashboardLabel", expect: ["grafana dashboard=1", "key=value"] }));
        it("a scrape interval Prometheus does not take", () =>
            assertRefused({ what: "", set: { metricsScrapeInterval: "30" }, key: "metricsScrapeInterval", expect: ['"30"', "such as 30s or 1m"] }));
        it("a volume threshold of 100 percent", () =>
            assertRefused({ what: "", set: { alertDataVolumeUsedPercent: "100" }, key: "alertDataVolumeUsedPercent", expect: ['"100"', "from 1 to 99"] }));
        it("a ServiceMonitor behind NetworkPolicies that name no Prometheus namespace", () =>
            assertRefused({
                what: "",
                stack: "prod",
                set: { metricsServiceMonitor: "true", metricsScrapeNamespaces: "[]" },
                key: "metricsScrapeNamespaces",
                expect: ["NetworkPolicies would drop its scrapes"],
            }));
        it("a log format other than text or json", () => assertRefused({ what: "", set: { logFormat: "xml" }, key: "logFormat", expect: ['"xml"', "text, json"] }));
    });

    it("the engine schedule's period is the longest gap between two runs", () => {
        assert.deepStrictEqual(
            ["*/5 * * * *", "@hourly", "@every 90m", "0 8-17 * * 1-5", "0 0 1 * *", "0 0 29 2 *", "0 6 1 * mon"].map(longestGapSeconds),
            [300, 3600, 5400, 63 * 3600, 31 * 86400, 1461 * 86400, 7 * 86400],
        );
    });
});
