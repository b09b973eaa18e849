// End to end, the file exchange on the real node: a stack (SQLite, the tier's image with
// demo/my_first_plugin) with two fileExchangeRules, the inbound one from an S3 prefix into the
// route's inbox and the outbound one from the route's outbox to another prefix, against a real S3
// server (SeaweedFS, test/support/s3-server.sh) listening on the machine's side of the node link.
// A partner's orders uploaded to the inbound prefix reach the inbox through the rule's CronJob,
// are translated by an engine run with the plugin's counts, and the output lands in the outbound
// prefix through the other CronJob. Run with `npm run test:e2e` (test/e2e/run.sh).
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { Stack } from "@pulumi/pulumi/automation";
import { parse, stringify } from "yaml";
import { E2eWorkspace, HOST_IP, Json, NO_INGRESS, PROJECT, REPO_ROOT, SUFFIX, e2eAfter, e2eBefore, getJson, kubectl, log, selectStack, setLocalConfig, sh, sqliteDevStack, waitFor } from "./support";
import { engineReport } from "../support/engine-report";

const NAMESPACE = `bots-e2e-files${SUFFIX}`;
const S3_PORT = process.env.BOTS_E2E_S3_PORT ?? "18343";
// One bucket, two prefixes: the test server sizes its volumes by the free disk space, and each
// bucket takes a volume of its own.
const BUCKET = "partner-exchange";
const PLUGIN = { name: "my_first_plugin", route: "myfirstroute", received: 3, ok: 3, sent: 1 };
const SAMPLES = path.join(REPO_ROOT, "..", "shared", "upstream", "bots-plugins", "demo", PLUGIN.name, "botssys", "infile", PLUGIN.name);
const OUTBOX = `/home/bots/.bots/env/dev/botssys/outfile/${PLUGIN.name}`;

describe("e2e: the file exchange on a real node (S3 in, Bots translates, S3 out)", function () {
    this.timeout(20 * 60 * 1000);

    let env: Record<string, string>;
    let ws: E2eWorkspace;
    let stack: Stack;
    let image: string;
    let s3: Record<string, string>;
    const s3Env = { BOTS_S3_PORT: S3_PORT, BOTS_S3_BIND: HOST_IP, BOTS_S3_DIR: `/var/tmp/bots-e2e-s3-${S3_PORT}` };
    const s3Server = (...args: string[]) => {
        const out = sh(env, "bash", ["test/support/s3-server.sh", ...args], s3Env);
        return Object.fromEntries(out.split("\n").filter((l) => l.includes("=")).map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]));
    };
    /** The image's S3 client (test/image/fixtures/s3_tool.py) from the machine's side, over the node link. */
    const s3tool = (...args: string[]): string => {
        const r = spawnSync(
            "docker",
            [
                "run", "--rm", "--network", "host", "--read-only", "--tmpfs", "/tmp", "--tmpfs", "/run/bots:uid=10001,gid=10001",
                "-e", `S3_ENDPOINT=${s3.S3_ENDPOINT}`, "-e", `S3_ACCESS_KEY=${s3.S3_ACCESS_KEY}`, "-e", `S3_SECRET_KEY=${s3.S3_SECRET_KEY}`,
                "-v", `${path.join(REPO_ROOT, "test", "image", "fixtures")}:/testdata:ro`, "-v", "/var/tmp:/var/tmp:ro",
                process.env.BOTS_E2E_IMAGE!, "shell", "python3", "/testdata/s3_tool.py", ...args,
            ],
            { encoding: "utf8" },
        );
        if (r.status !== 0) {
            throw new Error(`s3_tool ${args.join(" ")}: ${r.stderr}`);
        }
        return r.stdout;
    };
    const objects = (prefix: string) => s3tool("ls", BUCKET, prefix).trim().split("\n").filter(Boolean).map((l) => l.split(" ")[0]);
    const webPod = () => getJson(env, ["-n", NAMESPACE, "get", "pods", "-l", "app.kubernetes.io/component=web"]).items.find((p: Json) => !p.metadata.deletionTimestamp).metadata.name as string;
    const ls = (dir: string) => kubectl(env, ["-n", NAMESPACE, "exec", webPod(), "--", "sh", "-c", `mkdir -p ${dir} && ls -1 ${dir}`]).split("\n").filter(Boolean);
    /** The logs of a rule's finished runs that delivered something. */
    const exchangeLogs = (rule: string) =>
        getJson(env, ["-n", NAMESPACE, "get", "pods", "-l", "app.kubernetes.io/component=exchange"])
            .items.filter((p: Json) => p.metadata.name.startsWith(`bots-exchange-${rule}-`) && p.status.phase === "Succeeded")
            .map((p: Json) => kubectl(env, ["-n", NAMESPACE, "logs", p.metadata.name]))
            .join("\n");

    before(async function () {
        assert.ok(fs.existsSync(SAMPLES), `${SAMPLES} is missing (../shared: third-party test input)`);
        ({ env, image, ws } = e2eBefore({ namespaces: [NAMESPACE] }));
        s3 = s3Server("start");
        s3Server("bucket", BUCKET);
        s3tool("rm", BUCKET, "");
        stack = await selectStack(ws, "dev");
        await setLocalConfig(
            stack,
            env,
            {
                // The test starts the engine run itself, so the counts it reads are its own: no schedule,
                // and no directory monitor (it would start the route as soon as the exchange renames
                // the partner's files into the inbox, and the plugin's in-channel keeps what it reads).
                ...sqliteDevStack(NAMESPACE, image, PLUGIN.route),
                ...NO_INGRESS,
                // The image holds Bots 4 from the operators' tree (and the mover).
                botsSource: "context",
                workerEnabled: "false",
                fileExchangeS3Endpoint: s3.S3_ENDPOINT,
            },
            { fileExchangeS3AccessKey: s3.S3_ACCESS_KEY, fileExchangeS3SecretKey: s3.S3_SECRET_KEY },
        );
        const rules = [
            { name: "partner-in", from: `s3://${BUCKET}/in/`, to: `botssys/infile/${PLUGIN.name}`, pattern: "*.edi", schedule: "* * * * *", minAgeSeconds: 0 },
            { name: "partner-out", from: `botssys/outfile/${PLUGIN.name}`, to: `s3://${BUCKET}/out/`, schedule: "* * * * *", minAgeSeconds: 5 },
        ];
        // A list of objects, as an operator writes it into Pulumi.<stack>.yaml (the scratch copy).
        const file = path.join(ws.workDir, "Pulumi.dev.yaml");
        const settings = parse(fs.readFileSync(file, "utf8"));
        settings.config[`${PROJECT}:fileExchangeRules`] = rules;
        fs.writeFileSync(file, stringify(settings));
    });

    after(async function () {
        e2eAfter(env, ws, [NAMESPACE], () => s3Server("stop"));
    });

    it("deploys one Forbid CronJob per rule, running the stack's image restricted, the keys mounted from a Secret", async function () {
        const res = await stack.up({ onOutput: log });
        assert.strictEqual(res.summary.result, "succeeded");
        for (const rule of ["partner-in", "partner-out"]) {
            const cron = getJson(env, ["-n", NAMESPACE, "get", "cronjob", `bots-exchange-${rule}`]);
            assert.strictEqual(cron.spec.concurrencyPolicy, "Forbid");
            const pod = cron.spec.jobTemplate.spec.template.spec;
            assert.strictEqual(pod.containers[0].image, image);
            assert.strictEqual(pod.containers[0].securityContext.readOnlyRootFilesystem, true);
            assert.ok(pod.volumes.some((v: Json) => v.secret?.secretName?.startsWith("bots-exchange-s3-")));
        }
        assert.ok(!JSON.stringify(await stack.outputs()).includes(s3.S3_SECRET_KEY), "no key in the stack outputs");
    });

    it("a partner's orders uploaded to the inbound prefix reach the route's inbox; the engine translates them with the plugin's counts; the output lands in the outbound prefix", async function () {
        const inbox = `/home/bots/.bots/env/dev/botssys/infile/${PLUGIN.name}`;
        // Bots' plugin reader put the plugin's own samples there: the partner's files replace them.
        kubectl(env, ["-n", NAMESPACE, "exec", webPod(), "--", "sh", "-c", `rm -f ${inbox}/*`]);
        const up = fs.mkdtempSync(path.join("/var/tmp", "bots-e2e-exchange-up-"));
        fs.chmodSync(up, 0o755);
        for (const f of fs.readdirSync(SAMPLES)) {
            fs.copyFileSync(path.join(SAMPLES, f), path.join(up, f));
            fs.chmodSync(path.join(up, f), 0o644);
        }
        try {
            s3tool("put", BUCKET, "in/", up);
        } finally {
            fs.rmSync(up, { recursive: true, force: true });
        }
        const samples = fs.readdirSync(SAMPLES).sort();
        await waitFor("the inbound rule to empty the inbound prefix", () => objects("in/").length === 0, 240_000, 3000);
        assert.deepStrictEqual(ls(inbox), samples);
        await waitFor("the inbound run's log", () => samples.every((f) => exchangeLogs("partner-in").includes(`/in/${f} -> ${inbox}/${f}`)), 120_000, 3000);
        assert.match(exchangeLogs("partner-in"), /exchange\[partner-in\] run done in [\d.]+s: listed 3, copied 3/);

        const name = "e2e-files-engine";
        kubectl(env, ["-n", NAMESPACE, "create", "job", name, "--from=cronjob/bots-engine"]);
        await waitFor(`Job ${name} finished`, () => {
            const j = getJson(env, ["-n", NAMESPACE, "get", "job", name]);
            return (j.status.conditions ?? []).some((c: Json) => ["Complete", "Failed"].includes(c.type) && c.status === "True");
        }, 300_000);
        const logs = kubectl(env, ["-n", NAMESPACE, "logs", `job/${name}`]);
        const got = engineReport(logs);
        process.stdout.write(`      (engine run: ${got.received} received, ${got.ok} ok, ${got.sent} sent)\n`);
        assert.deepStrictEqual({ received: got.received, ok: got.ok, sent: got.sent }, { received: PLUGIN.received, ok: PLUGIN.ok, sent: PLUGIN.sent }, logs.slice(-3000));

        await waitFor("the outbound rule to deliver the translation", () => objects("out/").length === PLUGIN.sent && ls(OUTBOX).length === 0, 240_000, 3000);
        const out = objects("out/");
        assert.match(out[0], /^orders.*\.inh$/);
        const delivered = new RegExp(`copied ${OUTBOX}/${out[0].replace(/\./g, "\\.")} -> s3://${BUCKET}/out/${out[0].replace(/\./g, "\\.")}, \\d+ bytes, sha256 [0-9a-f]{12}; source deleted`);
        // The object is in the bucket and the source gone while the delivering run's pod still runs:
        // its log counts once the pod has succeeded.
        await waitFor("the outbound run's log", () => delivered.test(exchangeLogs("partner-out")), 120_000, 3000);
        const listed = s3tool("ls", BUCKET, "out/").trim().split(" ");
        assert.strictEqual(listed[2], listed[3], "the object carries the SHA-256 of its content");
    });
});
