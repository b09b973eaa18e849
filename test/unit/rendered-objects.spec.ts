import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { StackInput, StackRun, T, runStack } from "../support/harness";

// The CronJobs, the db-init Job and the monitoring objects as the program renders them, pinned in
// rendered-objects.json: they are built by shared pieces (bots-job.ts, bots-pod.ts,
// prometheus-operator.ts), and a change to one must not change a workload that did not ask for it.
// After a deliberate change, rewrite the file with BOTS_UPDATE_RENDERED=1 npm test and review its diff.

const PINNED = path.join(__dirname, "rendered-objects.json");
const SM = "kubernetes:monitoring.coreos.com/v1:ServiceMonitor";
const RULE = "kubernetes:monitoring.coreos.com/v1:PrometheusRule";
const TYPES: string[] = [T.cronJob, T.job, SM, RULE];

// Every CronJob and its options appear in one of two stacks. The dev image is pinned by digest
// (imageMode existing): a built image's digest would carry the checkout's path.
const EXISTING = { imageMode: "existing", imageRef: `registry.example.com/edi/bots@sha256:${"1".repeat(64)}` };
const CASES: Record<string, StackInput> = {
    "prod (claim backups) with a local file-exchange rule": {
        stack: "prod",
        set: { botsSource: "context", fileExchangeRules: JSON.stringify([{ name: "local", from: "drop", to: "botssys/infile/x" }]) },
    },
    "dev with every engine option, S3 backups and file exchange": {
        stack: "dev",
        set: {
            ...EXISTING,
            botsSource: "context",
            engineSuspend: "true",
            engineArgs: '["--new","--cleanup","orders_in"]',
            engineTimeZone: "Europe/Amsterdam",
            engineStartingDeadlineSeconds: "240",
            engineActiveDeadlineSeconds: "1800",
            engineBackoffLimit: "2",
            engineSuccessfulJobsHistory: "5",
            engineFailedJobsHistory: "0",
            engineJobTtlSeconds: "0",
            engineTerminationGraceSeconds: "30",
            backupEnabled: "true",
            backupTarget: "s3",
            backupS3Endpoint: "http://198.51.100.7:18400",
            backupS3Bucket: "bots-backups",
            backupSchedule: "0 */6 * * *",
            fileExchangeS3Endpoint: "http://198.51.100.8:9000",
            fileExchangeRules: JSON.stringify([
                { name: "inbound", from: "s3://edi/in/", to: "botssys/infile/in", schedule: "*/15 * * * *" },
                { name: "local", from: "drop", to: "botssys/infile/x", afterCopy: "archive", archiveTo: "drop-archive" },
            ]),
            metricsServiceMonitor: "true",
            metricsPrometheusRule: "true",
            metricsScrapeInterval: "5s",
            metricsMonitorLabels: '["release=kube-prometheus-stack"]',
        },
        secrets: {
            backupS3AccessKeyId: "AKIDBACKUP",
            backupS3SecretAccessKey: "s3-secret-value",
            backupEncryptionKey: "AGE-SECRET-KEY-1TEST",
            fileExchangeS3AccessKey: "EXCHANGEACCESSKEY",
            fileExchangeS3SecretKey: "exchange-secret-key-value",
        },
    },
};

/** JSON with every object's keys sorted: the objects as the API server compares them. */
function canonical(v: unknown): unknown {
    if (Array.isArray(v)) {
        return v.map(canonical);
    }
    if (v !== null && typeof v === "object") {
        return Object.fromEntries(
            Object.keys(v)
                .sort()
                .map((k) => [k, canonical((v as Record<string, unknown>)[k])]),
        );
    }
    return v;
}

function rendered(run: StackRun): Record<string, unknown> {
    const objects = run.resources.filter((r) => TYPES.includes(r.type));
    return Object.fromEntries(objects.map((r) => [`${r.type} ${r.name}`, canonical(r.inputs)]));
}

describe("rendered CronJobs, Jobs and monitoring objects (rendered-objects.json)", function () {
    this.timeout(60000);
    const now: Record<string, Record<string, unknown>> = {};
    before(async () => {
        for (const [what, input] of Object.entries(CASES)) {
            now[what] = rendered(await runStack(input));
        }
        if (process.env.BOTS_UPDATE_RENDERED === "1") {
            fs.writeFileSync(PINNED, `${JSON.stringify(now, null, 2)}\n`);
        }
    });

    for (const what of Object.keys(CASES)) {
        it(`${what}: the same objects, field for field`, () => {
            const pinned = JSON.parse(fs.readFileSync(PINNED, "utf8")) as Record<string, Record<string, unknown>>;
            assert.ok(pinned[what], `no case "${what}" in ${PINNED}: rewrite it (BOTS_UPDATE_RENDERED=1)`);
            assert.deepStrictEqual(Object.keys(now[what]).sort(), Object.keys(pinned[what]).sort(), "the same objects");
            for (const key of Object.keys(pinned[what])) {
                assert.strictEqual(JSON.stringify(now[what][key], null, 2), JSON.stringify(pinned[what][key], null, 2), key);
            }
        });
    }
});
