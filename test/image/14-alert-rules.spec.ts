// The PrometheusRule's alerts (components/kubernetes/prometheus-rule.ts) run by Prometheus's own
// rule engine: `promtool check rules` and `promtool test rules` (Debian's prometheus package,
// installed by hack/tools/prometheus.sh) on series shaped like the exporter's, two web pods
// serving the same numbers. Each alert: when it must fire, when it must not, and its text.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { stringify } from "yaml";
import { ROOT, run } from "./support";
import { AlertRule, alertRules } from "../../components/kubernetes/prometheus-rule";

const NS = "bots-edi-test";
const THRESHOLDS = { noCleanRunSeconds: 900, inboxFileAgeSeconds: 3600, filesWithErrorsWindowMinutes: 60, dataVolumeUsedRatio: 0.85, webDownMinutes: 5 };
const RULES = alertRules(NS, THRESHOLDS);

/** The series of both web pods (the exporter's numbers come from the database, so both serve them). */
const twoPods = (metric: string, labels: string, values: string) =>
    ["bots-web-a", "bots-web-b"].map((pod) => ({ series: `${metric}{namespace="${NS}",pod="${pod}"${labels ? `,${labels}` : ""}}`, values }));

/** What Prometheus makes of a rule's annotations for the given labels and value. */
function annotations(rule: AlertRule, labels: Record<string, string>, value: string): Record<string, string> {
    const fill = (s: string) => s.replace(/\{\{ \$labels\.(\w+) \}\}/g, (_, k: string) => labels[k] ?? "").replace(/\{\{ \$value \}\}/g, value);
    return Object.fromEntries(Object.entries(rule.annotations).map(([k, v]) => [k, fill(v)]));
}

/** One alert_rule_test: at evalMinutes, the alert fires with these labels (and value), or not at all. */
function expect(alert: string, evalMinutes: number, fired: { labels: Record<string, string>; value?: string }[]) {
    const rule = RULES.find((r) => r.alert === alert)!;
    return {
        eval_time: `${evalMinutes}m`,
        alertname: alert,
        exp_alerts: fired.map((f) => ({
            exp_labels: { ...rule.labels, ...f.labels },
            exp_annotations: annotations(rule, f.labels, f.value ?? ""),
        })),
    };
}

const ns = { namespace: NS };
const TESTS = [
    {
        name: "a failed run fires until a run without errors",
        interval: "1m",
        input_series: twoPods("bots_engine_last_run_failed", "", "0 0 1 1 0"),
        alert_rule_test: [expect("BotsEngineRunFailed", 1, []), expect("BotsEngineRunFailed", 2, [{ labels: ns }]), expect("BotsEngineRunFailed", 4, [])],
    },
    {
        name: "no run without errors for 3 periods (900 s) fires; a clean run resolves it",
        interval: "1m",
        // The last clean run started at Unix time 0 (the test's start), the next at 1200 s.
        input_series: twoPods("bots_engine_last_ok_run_timestamp_seconds", "", "0x19 1200x10"),
        alert_rule_test: [
            expect("BotsNoCleanEngineRun", 14, []),
            expect("BotsNoCleanEngineRun", 16, [{ labels: ns }]),
            expect("BotsNoCleanEngineRun", 21, []),
        ],
    },
    {
        name: "new files with errors fire for the window, per route; older errors and Bots' cleanup do not",
        interval: "1m",
        input_series: [
            ...twoPods("bots_files_with_errors", 'route="orders_in"', "0x70 2x80"),
            ...twoPods("bots_files_with_errors", 'route="invoices_out"', "3x150"),
            // Bots' cleanup deleted old runs: the count falls.
            ...twoPods("bots_files_with_errors", 'route="desadv_out"', "5x80 1x70"),
        ],
        alert_rule_test: [
            expect("BotsFilesWithErrors", 70, []),
            expect("BotsFilesWithErrors", 75, [{ labels: { ...ns, route: "orders_in" }, value: "2" }]),
            // The fall on desadv_out (at 81m) is not an alert; orders_in still within its window.
            expect("BotsFilesWithErrors", 85, [{ labels: { ...ns, route: "orders_in" }, value: "2" }]),
            expect("BotsFilesWithErrors", 132, []),
        ],
    },
    {
        name: "a Prometheus that starts when files with errors exist does not fire for them",
        interval: "1m",
        input_series: twoPods("bots_files_with_errors", 'route="orders_in"', "4x30"),
        alert_rule_test: [expect("BotsFilesWithErrors", 0, []), expect("BotsFilesWithErrors", 10, [])],
    },
    {
        name: "a file older than an hour in an inbox fires, per channel",
        interval: "1m",
        input_series: [
            ...twoPods("bots_inbox_oldest_file_age_seconds", 'channel="x12_850_in"', "3000 3500 3700 0"),
            ...twoPods("bots_inbox_oldest_file_age_seconds", 'channel="edifact_in"', "0 0 0 0"),
        ],
        alert_rule_test: [
            expect("BotsInboxFileWaiting", 1, []),
            expect("BotsInboxFileWaiting", 2, [{ labels: { ...ns, channel: "x12_850_in" } }]),
            expect("BotsInboxFileWaiting", 3, []),
        ],
    },
    {
        name: "a data volume over 85% full for 10 minutes fires",
        interval: "1m",
        input_series: [...twoPods("bots_data_volume_size_bytes", "", "100x40"), ...twoPods("bots_data_volume_available_bytes", "", "50x20 10x20")],
        alert_rule_test: [expect("BotsDataVolumeFull", 20, []), expect("BotsDataVolumeFull", 25, []), expect("BotsDataVolumeFull", 32, [{ labels: ns }])],
    },
    {
        name: "web pods not scraped, or not ready, for 5 minutes fire; one ready pod of two is enough",
        interval: "1m",
        input_series: [
            { series: `up{namespace="${NS}",job="bots-web",pod="bots-web-a"}`, values: "1x5 0x20" },
            { series: `up{namespace="${NS}",job="bots-web",pod="bots-web-b"}`, values: "1x5 0x20" },
            { series: `bots_web_ready{namespace="${NS}",pod="bots-web-a"}`, values: "1x30" },
            { series: `bots_web_ready{namespace="${NS}",pod="bots-web-b"}`, values: "1x30" },
        ],
        alert_rule_test: [expect("BotsWebDown", 9, []), expect("BotsWebDown", 12, [{ labels: ns }])],
    },
    {
        name: "web pods scraped but failing their readiness check fire; one ready pod is enough",
        interval: "1m",
        input_series: [
            { series: `up{namespace="${NS}",job="bots-web",pod="bots-web-a"}`, values: "1x30" },
            { series: `bots_web_ready{namespace="${NS}",pod="bots-web-a"}`, values: "1x5 0x20" },
            { series: `bots_web_ready{namespace="${NS}",pod="bots-web-b"}`, values: "1x10 0x20" },
        ],
        alert_rule_test: [expect("BotsWebDown", 14, []), expect("BotsWebDown", 17, [{ labels: ns }])],
    },
    {
        name: "no web target at all (no scrape of bots-web) fires",
        interval: "1m",
        input_series: [{ series: `bots_engine_last_run_failed{namespace="${NS}",pod="bots-worker"}`, values: "0x10" }],
        alert_rule_test: [expect("BotsWebDown", 4, []), expect("BotsWebDown", 6, [{ labels: { ...ns, job: "bots-web" } }])],
    },
];

describe("alert rules under promtool (Prometheus's rule engine)", function () {
    this.timeout(180_000);
    let bin: string;
    let dir: string;

    before(function () {
        const r = run("bash", [path.join(ROOT, "hack", "tools", "prometheus.sh")], { timeoutMs: 170_000 });
        assert.equal(r.code, 0, r.stderr);
        bin = r.stdout.trim().split("\n").pop()!;
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "bots-alert-rules-"));
        fs.writeFileSync(path.join(dir, "rules.yaml"), stringify({ groups: [{ name: "bots-edi", rules: RULES }] }));
        fs.writeFileSync(path.join(dir, "tests.yaml"), stringify({ rule_files: ["rules.yaml"], evaluation_interval: "1m", tests: TESTS }));
    });
    after(() => dir && fs.rmSync(dir, { recursive: true, force: true }));

    it("promtool check rules: the rule file is valid", function () {
        const r = run(path.join(bin, "promtool"), ["check", "rules", path.join(dir, "rules.yaml")]);
        assert.equal(r.code, 0, r.stdout + r.stderr);
        assert.match(r.stdout, new RegExp(`SUCCESS: ${RULES.length} rules found`));
    });

    it(`promtool test rules: ${TESTS.length} scenarios, every alert fires when it must and only then`, function () {
        assert.deepEqual([...new Set(TESTS.flatMap((t) => t.alert_rule_test.map((a) => a.alertname)))].sort(), RULES.map((r) => r.alert).sort(), "every alert is tested");
        const r = run(path.join(bin, "promtool"), ["test", "rules", path.join(dir, "tests.yaml")]);
        assert.equal(r.code, 0, r.stdout + r.stderr);
        assert.match(r.stdout, /SUCCESS/);
    });

    it("promtool test rules fails on a wrong expectation (the test can fail)", function () {
        const wrong = structuredClone(TESTS);
        wrong[0].alert_rule_test[1].exp_alerts = [];
        fs.writeFileSync(path.join(dir, "wrong.yaml"), stringify({ rule_files: ["rules.yaml"], evaluation_interval: "1m", tests: [wrong[0]] }));
        const r = run(path.join(bin, "promtool"), ["test", "rules", path.join(dir, "wrong.yaml")]);
        assert.equal(r.code, 1, r.stdout + r.stderr);
        assert.match(r.stdout + r.stderr, /BotsEngineRunFailed/);
    });
});
