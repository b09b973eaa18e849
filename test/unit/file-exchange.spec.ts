import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { EXCHANGE_CONFIG_MOUNT, EXCHANGE_SECRETS_MOUNT } from "../../components/image/runtime-contract";
import { convertForkExchange } from "../../scripts/fork-exchange-config";
import { assertRefused } from "../support/bad-config";
import { REPO, StackRun, T, ofType, runStack } from "../support/harness";
import { reveal } from "../support/values";
import { botsTree } from "./fixtures";

// The file exchange (fileExchangeRules): the fork's minio_helper rules as stack config, one
// restricted CronJob per rule running bots-exchange from the stack's image.

const FORK_EXAMPLE = path.join(REPO, "..", "shared", "upstream", "fork", "minio_helper", "config", "example-config.yaml");
const tree = botsTree("4.0.0");
const KEYS = { fileExchangeS3AccessKey: "EXCHANGEACCESSKEY", fileExchangeS3SecretKey: "exchange-secret-key-value" };
const S3 = { botsSource: "context", botsSourceDir: tree, fileExchangeS3Endpoint: "http://minio.storage:9000" };

/** What the converter must make of the fork's example-config.yaml. */
const EXPECTED_FORK_RULES = [
    {
        name: "inbound-850",
        description: "Pull inbound 850 files from MinIO into Bots",
        from: "s3://edi/in/x12/850/",
        to: "inbound/x12/850",
        pattern: "*.edi",
        afterCopy: "delete",
        schedule: "*/15 * * * *",
        maxFiles: 250,
    },
    {
        name: "outbound-850",
        description: "Push outbound 850 files from Bots to MinIO",
        from: "outbound/x12/850",
        to: "s3://edi/out/x12/850/",
        pattern: "*.edi",
        afterCopy: "delete",
        schedule: "*/15 * * * *",
        maxFiles: 250,
    },
];

const withRules = (rules: unknown[], set: Record<string, string> = {}, secrets: Record<string, string> = KEYS) =>
    runStack({ stack: "dev", set: { ...S3, fileExchangeRules: JSON.stringify(rules), ...set }, secrets });
const cronJobs = (run: StackRun) => ofType(run, T.cronJob).filter((c) => String(c.inputs.metadata.name).startsWith("bots-exchange-"));

describe("file exchange (fileExchangeRules)", () => {
    describe("the fork's minio_helper example config, converted", function () {
        before(function () {
            if (!fs.existsSync(FORK_EXAMPLE)) {
                console.log(`      pending: ${FORK_EXAMPLE} is absent (../shared: third-party test input)`);
                this.skip();
            }
        });

        it("becomes two rules with the fork's paths, glob, move and schedule", () => {
            const out = convertForkExchange(fs.readFileSync(FORK_EXAMPLE, "utf8"));
            assert.deepStrictEqual(out.problems, []);
            assert.deepStrictEqual(out.rules, EXPECTED_FORK_RULES);
            assert.ok(out.notes.some((n) => n.includes("inbound_850: named inbound-850")), out.notes.join("\n"));
        });

        it("deploys as one Forbid CronJob per rule, the rules in a ConfigMap, the keys in a Secret", async () => {
            const run = await withRules(convertForkExchange(fs.readFileSync(FORK_EXAMPLE, "utf8")).rules);
            const jobs = cronJobs(run);
            assert.deepStrictEqual(jobs.map((j) => j.inputs.metadata.name).sort(), ["bots-exchange-inbound-850", "bots-exchange-outbound-850"]);
            const configMap = ofType(run, "kubernetes:core/v1:ConfigMap").find((c) => String(c.inputs.metadata.name).startsWith("bots-exchange-rules-"))!;
            const rules = JSON.parse(configMap.inputs.data["rules.json"]);
            assert.deepStrictEqual(rules.s3, {
                endpoint: "http://minio.storage:9000",
                region: "us-east-1",
                accessKeyFile: `${EXCHANGE_SECRETS_MOUNT}/access-key`,
                secretKeyFile: `${EXCHANGE_SECRETS_MOUNT}/secret-key`,
            });
            assert.deepStrictEqual(
                rules.rules.map((r: Record<string, unknown>) => [r.name, r.from, r.to, r.pattern, r.afterCopy, r.maxFiles, r.minAgeSeconds, r.emptyFiles]),
                [
                    ["inbound-850", "s3://edi/in/x12/850/", "inbound/x12/850", "*.edi", "delete", 250, 30, "skip"],
                    ["outbound-850", "outbound/x12/850", "s3://edi/out/x12/850/", "*.edi", "delete", 250, 30, "skip"],
                ],
            );
            assert.ok(!configMap.inputs.data["rules.json"].includes(KEYS.fileExchangeS3SecretKey));
            const secret = ofType(run, T.secret).find((s) => String(s.inputs.metadata.name).startsWith("bots-exchange-s3-"))!;
            assert.match(secret.inputs.metadata.name, /^bots-exchange-s3-[a-f0-9]{10}$/);
            assert.deepStrictEqual(reveal(secret.inputs.stringData), { "access-key": KEYS.fileExchangeS3AccessKey, "secret-key": KEYS.fileExchangeS3SecretKey });
            assert.notStrictEqual(reveal(secret.inputs.stringData), secret.inputs.stringData, "the keys must be a secret");
            for (const job of jobs) {
                const spec = job.inputs.spec;
                assert.strictEqual(spec.schedule, "*/15 * * * *");
                assert.strictEqual(spec.concurrencyPolicy, "Forbid");
                assert.strictEqual(spec.timeZone, run.config.engine.timeZone);
                const pod = spec.jobTemplate.spec.template.spec;
                const c = pod.containers[0];
                assert.deepStrictEqual(c.args, ["exchange", "--rule", job.inputs.metadata.name.slice("bots-exchange-".length)]);
                assert.match(c.image, /@sha256:[a-f0-9]{64}$/);
                assert.strictEqual(c.securityContext.readOnlyRootFilesystem, true);
                assert.strictEqual(c.securityContext.allowPrivilegeEscalation, false);
                assert.deepStrictEqual(c.securityContext.capabilities, { drop: ["ALL"] });
                assert.strictEqual(pod.securityContext.runAsNonRoot, true);
                assert.strictEqual(pod.automountServiceAccountToken, false);
                assert.ok(c.resources.limits.memory && c.resources.requests.cpu);
                assert.deepStrictEqual(
                    c.volumeMounts.map((m: { mountPath: string }) => m.mountPath).sort(),
                    ["/home/bots/.bots", "/tmp", EXCHANGE_CONFIG_MOUNT, EXCHANGE_SECRETS_MOUNT].sort(),
                );
                assert.strictEqual(pod.volumes.find((v: { name: string }) => v.name === "rules").configMap.name, configMap.inputs.metadata.name);
                assert.strictEqual(pod.volumes.find((v: { name: string }) => v.name === "s3").secret.secretName, secret.inputs.metadata.name);
                assert.ok(!JSON.stringify(c.env).includes(KEYS.fileExchangeS3SecretKey), "no key in the environment");
            }
        });
    });

    it("rotated keys rename the Secret and change the pods; the same keys keep both", async () => {
        const rules = [{ name: "in", from: "s3://edi/in/", to: "botssys/infile/in" }];
        const name = (run: StackRun) => ofType(run, T.secret).find((s) => String(s.inputs.metadata.name).startsWith("bots-exchange-s3-"))!.inputs.metadata.name;
        const a = await withRules(rules);
        const b = await withRules(rules);
        const c = await withRules(rules, {}, { ...KEYS, fileExchangeS3SecretKey: "rotated-secret" });
        assert.strictEqual(name(a), name(b));
        assert.notStrictEqual(name(a), name(c));
        const annotation = (run: StackRun) => cronJobs(run)[0].inputs.spec.jobTemplate.spec.template.metadata.annotations["bots-edi.io/config-checksum"];
        assert.strictEqual(annotation(a), annotation(b));
        assert.notStrictEqual(annotation(a), annotation(c));
    });

    it("rules between directories need no S3 endpoint and mount no keys", async () => {
        const run = await runStack({
            stack: "dev",
            set: { botsSource: "context", botsSourceDir: tree, fileExchangeRules: JSON.stringify([{ name: "local", from: "drop", to: "botssys/infile/x", afterCopy: "archive", archiveTo: "drop-archive" }]) },
        });
        const pod = cronJobs(run)[0].inputs.spec.jobTemplate.spec.template.spec;
        assert.ok(!pod.volumes.some((v: { name: string }) => v.name === "s3"));
        assert.ok(!ofType(run, T.secret).some((s) => String(s.inputs.metadata.name).startsWith("bots-exchange-s3-")));
    });

    it("no rules: nothing of the exchange", async () => {
        const run = await runStack({ stack: "dev" });
        assert.deepStrictEqual(cronJobs(run), []);
        assert.deepStrictEqual(ofType(run, "kubernetes:core/v1:ConfigMap"), []);
    });

    describe("refused before anything is created", () => {
        const good = { name: "in", from: "s3://edi/in/", to: "botssys/infile/in" };
        const cases: { what: string; rules?: unknown[]; set?: Record<string, string>; secrets?: Record<string, string>; key: string; expect: string[] }[] = [
            { what: "not a list of objects", set: { fileExchangeRules: '["in"]' }, key: "fileExchangeRules", expect: ["must be a list of objects"] },
            { what: "a rule name that is no DNS label", rules: [{ ...good, name: "Inbound_850" }], key: "fileExchangeRules", expect: ['rule 0 ("Inbound_850"): name must be a DNS-1123 label'] },
            { what: "a path outside the Bots environment", rules: [{ ...good, to: "../other/in" }], key: "fileExchangeRules", expect: ['"../other/in" must be s3://bucket/prefix or a path inside the Bots environment'] },
            { what: "an absolute path", rules: [{ ...good, to: "/mnt/pvc/in" }], key: "fileExchangeRules", expect: ["no leading / or .."] },
            { what: "a bad bucket name", rules: [{ ...good, from: "s3://Edi_Bucket/in/" }], key: "fileExchangeRules", expect: ['names bucket "Edi_Bucket"'] },
            { what: "archive without archiveTo", rules: [{ ...good, afterCopy: "archive" }], key: "fileExchangeRules", expect: ["archiveTo is required when afterCopy is archive"] },
            { what: "an unknown afterCopy", rules: [{ ...good, afterCopy: "move" }], key: "fileExchangeRules", expect: ["afterCopy must be delete, archive or keep"] },
            { what: "a bad schedule", rules: [{ ...good, schedule: "*/61 * * * *" }], key: "fileExchangeRules", expect: ['rule 0 ("in"): schedule'] },
            { what: "an unknown field", rules: [{ ...good, mode: "move" }], key: "fileExchangeRules", expect: ['unknown field "mode"'] },
            { what: "two rules of one name", rules: [good, good], key: "fileExchangeRules", expect: ['another rule is named "in"'] },
            { what: "from and to the same", rules: [{ ...good, to: good.from }], key: "fileExchangeRules", expect: ["from and to are the same location"] },
            { what: "S3 without an endpoint", rules: [good], set: { fileExchangeS3Endpoint: "" }, key: "fileExchangeS3Endpoint", expect: ["is required: rules in use s3:// locations"] },
            { what: "S3 without keys", rules: [good], secrets: {}, key: "fileExchangeS3SecretKey", expect: ["is required (as a secret)"] },
            { what: "the PyPI image (no mover in it)", rules: [good], set: { botsSource: "pypi" }, key: "fileExchangeRules", expect: ["needs botsSource context"] },
            { what: "an endpoint with a path", rules: [good], set: { fileExchangeS3Endpoint: "http://minio:9000/edi" }, key: "fileExchangeS3Endpoint", expect: ["no path"] },
        ];
        for (const c of cases) {
            it(c.what, async () => {
                await assertRefused({
                    what: c.what,
                    set: { ...S3, ...(c.rules ? { fileExchangeRules: JSON.stringify(c.rules) } : {}), ...(c.set ?? {}) },
                    secrets: c.secrets ?? KEYS,
                    key: c.key,
                    expect: c.expect,
                });
            });
        }
    });
});
