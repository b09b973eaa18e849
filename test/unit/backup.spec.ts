import * as assert from "assert";
import { PolicyResource, StackValidationArgs } from "@pulumi/policy";
import { prodBackups } from "../../policy/policies/production/backups";
import { StackRun, T, one, ofType, runStack } from "../support/harness";
import { BadConfigCase, assertRefused } from "../support/bad-config";
import { PROJECT } from "../support/mocks";
import { isWrappedSecret, revealAll } from "../support/values";

/* eslint-disable @typescript-eslint/no-explicit-any -- reading untyped Kubernetes objects */

// The backup CronJob (backupEnabled), its config errors, the production rail and the prod-backups
// policy, on what the program registers under mocks.

const S3 = {
    backupEnabled: "true",
    backupTarget: "s3",
    backupS3Endpoint: "http://198.51.100.7:18400",
    backupS3Bucket: "bots-backups",
};
const S3_SECRETS = { backupS3AccessKeyId: "AKIDBACKUP", backupS3SecretAccessKey: "s3-secret-value" };

const envOf = (c: any): Record<string, any> => Object.fromEntries(c.env.map((e: any) => [e.name, e.value ?? e.valueFrom]));
const backupCron = (run: StackRun) => one(run, T.cronJob, "bots-backup").inputs;

describe("backups (backupEnabled)", function () {
    this.timeout(60000);
    let s3: StackRun;
    let claim: StackRun;
    before(async () => {
        s3 = await runStack({ stack: "dev", set: { ...S3, backupRetentionCount: "7", backupRetentionDays: "30" }, secrets: { ...S3_SECRETS, backupEncryptionKey: "AGE-SECRET-KEY-1TEST" } });
        claim = await runStack({ stack: "dev", set: { backupEnabled: "true", backupTarget: "claim", backupExistingClaim: "bots-backups", backupSchedule: "0 */6 * * *" } });
    });

    it("adds no backup CronJob unless enabled", async () => {
        const dev = await runStack({ stack: "dev" });
        assert.deepStrictEqual(ofType(dev, T.cronJob).map((c) => c.inputs.metadata.name), ["bots-engine"]);
    });

    it("schedules `backup run` in the stack's image: Forbid, no retry, a deadline, the engine's time zone", () => {
        const cron = backupCron(s3);
        const engine = one(s3, T.cronJob, "bots-engine").inputs;
        assert.strictEqual(cron.spec.schedule, "17 1 * * *");
        assert.strictEqual(cron.spec.timeZone, engine.spec.timeZone);
        assert.strictEqual(cron.spec.concurrencyPolicy, "Forbid");
        assert.strictEqual(cron.spec.jobTemplate.spec.backoffLimit, 0);
        assert.strictEqual(cron.spec.jobTemplate.spec.activeDeadlineSeconds, 7200);
        const c = cron.spec.jobTemplate.spec.template.spec.containers[0];
        const e = engine.spec.jobTemplate.spec.template.spec.containers[0];
        assert.deepStrictEqual(c.args, ["backup", "run"]);
        assert.strictEqual(c.image, e.image, "the engine's image, by digest");
        assert.deepStrictEqual(c.resources, { requests: { cpu: "100m", memory: "256Mi" }, limits: { cpu: "1", memory: "1Gi" } });
        assert.strictEqual(cron.metadata.labels["app.kubernetes.io/component"], "backup");
        assert.strictEqual(backupCron(claim).spec.schedule, "0 */6 * * *");
    });

    it("hands the S3 target as settings and the credentials and key only as files of their own Secret", () => {
        const cron = backupCron(s3);
        const spec = cron.spec.jobTemplate.spec.template.spec;
        const env = envOf(spec.containers[0]);
        assert.strictEqual(env.BACKUP_STACK, "dev");
        assert.strictEqual(env.BACKUP_TARGET, "s3");
        assert.strictEqual(env.BACKUP_S3_ENDPOINT, S3.backupS3Endpoint);
        assert.strictEqual(env.BACKUP_S3_BUCKET, "bots-backups");
        assert.strictEqual(env.BACKUP_S3_PREFIX, "bots-backups");
        assert.strictEqual(env.BACKUP_S3_REGION, "us-east-1");
        assert.strictEqual(env.BACKUP_RETENTION_COUNT, "7");
        assert.strictEqual(env.BACKUP_RETENTION_DAYS, "30");
        assert.strictEqual(env.BACKUP_S3_ACCESS_KEY_FILE, "/run/secrets/backup/s3-access-key-id");
        assert.strictEqual(env.BACKUP_S3_SECRET_KEY_FILE, "/run/secrets/backup/s3-secret-access-key");
        assert.strictEqual(env.BACKUP_ENCRYPTION_KEY_FILE, "/run/secrets/backup/encryption-key");
        const text = JSON.stringify(revealAll(spec));
        for (const v of Object.values(S3_SECRETS)) {
            assert.ok(!text.includes(v), "no credential in the pod spec");
        }
        const volume = spec.volumes.find((v: any) => v.name === "backup-secrets");
        const secret = ofType(s3, T.secret).find((s) => revealAll(s.inputs).metadata.name === volume.secret.secretName);
        assert.ok(secret, "the mounted Secret is the stack's");
        assert.match(volume.secret.secretName, /^bots-backup-[0-9a-f]{10}$/);
        assert.ok(isWrappedSecret(secret!.inputs.stringData), "its data is a Pulumi secret");
        assert.deepStrictEqual(revealAll(secret!.inputs.stringData), {
            "s3-access-key-id": "AKIDBACKUP",
            "s3-secret-access-key": "s3-secret-value",
            "encryption-key": "AGE-SECRET-KEY-1TEST",
        });
        assert.deepStrictEqual(spec.volumes.find((v: any) => v.name === "backup-scratch").emptyDir, { sizeLimit: "10Gi" });
    });

    it("mounts the backup claim for the claim target, and no Secret without credentials or key", () => {
        const spec = backupCron(claim).spec.jobTemplate.spec.template.spec;
        const env = envOf(spec.containers[0]);
        assert.strictEqual(env.BACKUP_TARGET, "claim");
        assert.strictEqual(env.BACKUP_DIR, "/backups");
        assert.strictEqual(env.BACKUP_S3_BUCKET, undefined);
        assert.deepStrictEqual(spec.volumes.find((v: any) => v.name === "backup-target").persistentVolumeClaim, { claimName: "bots-backups" });
        assert.strictEqual(spec.volumes.find((v: any) => v.name === "backup-secrets"), undefined);
        assert.strictEqual(ofType(claim, T.secret).length, ofType(s3, T.secret).length - 1);
    });

    const BAD: BadConfigCase[] = [
        { what: "S3 without endpoint", set: { ...S3, backupS3Endpoint: "" }, secrets: S3_SECRETS, key: "backupS3Endpoint", expect: ["is required when backupEnabled is true and backupTarget is s3"] },
        { what: "S3 without bucket", set: { ...S3, backupS3Bucket: "" }, secrets: S3_SECRETS, key: "backupS3Bucket", expect: ["is required"] },
        { what: "S3 without credentials", set: S3, key: "backupS3SecretAccessKey", expect: ["(secret)", "pulumi config set --secret backupS3SecretAccessKey"] },
        { what: "an S3 credential in plain text", set: { ...S3, backupS3SecretAccessKey: "plain" }, secrets: { backupS3AccessKeyId: "AKID" }, key: "backupS3SecretAccessKey", expect: ["must be stored as a secret"] },
        { what: "an endpoint without scheme", set: { ...S3, backupS3Endpoint: "s3.example.com" }, secrets: S3_SECRETS, key: "backupS3Endpoint", expect: ['"s3.example.com"', "http(s) URL"] },
        { what: "a bucket in capitals", set: { ...S3, backupS3Bucket: "Bots_Backups" }, secrets: S3_SECRETS, key: "backupS3Bucket", expect: ['"Bots_Backups"', "S3 bucket name"] },
        { what: "a backup schedule of six fields", set: { ...S3, backupSchedule: "0 0 1 * * *" }, secrets: S3_SECRETS, key: "backupSchedule", expect: ['"0 0 1 * * *"'] },
        { what: "a negative retention", set: { ...S3, backupRetentionCount: "-1" }, secrets: S3_SECRETS, key: "backupRetentionCount", expect: ["whole number from 0"] },
        { what: "the claim target without a claim", set: { backupEnabled: "true", backupTarget: "claim" }, key: "backupExistingClaim", expect: ["is required when backupEnabled is true and backupTarget is claim"] },
        { what: "the data claim as backup claim", set: { backupEnabled: "true", backupTarget: "claim", backupExistingClaim: "bots-data" }, key: "backupExistingClaim", expect: ['"bots-data"', "must not be the data claim"] },
        { what: "an unknown target", set: { backupEnabled: "true", backupTarget: "nfs" }, key: "backupTarget", expect: ['"nfs"', "s3, claim"] },
        { what: "backups off on production", stack: "prod", set: { backupEnabled: "false" }, key: "backupEnabled", expect: ['"false"', "[production-backups]", "cannot be restored"] },
    ];
    for (const c of BAD) {
        it(`refuses ${c.what}`, () => assertRefused(c));
    }
});

describe("policy prod-backups", function () {
    this.timeout(60000);
    const opts = { protect: false, ignoreChanges: [], aliases: [], customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 }, additionalSecretOutputs: [] };
    const stackArgs = (run: StackRun, stack: string, drop: (r: any) => boolean = () => false, config: object = {}): StackValidationArgs => {
        const resources: PolicyResource[] = run.resources.filter((r) => !drop(r)).map((r) => ({
            type: r.type, name: r.name, urn: `urn:pulumi:${stack}::${PROJECT}::${r.type}::${r.name}`, props: revealAll(structuredClone(r.inputs)), opts,
            dependencies: [], propertyDependencies: {}, isType: () => false, asType: () => undefined,
        }));
        return { resources, stackTags: new Map(), getConfig: <C extends object>() => config as C, notApplicable: (r?: string): never => { throw new Error(`notApplicable: ${r}`); } };
    };
    const violations = async (args: StackValidationArgs) => {
        const found: string[] = [];
        await prodBackups.validateStack(args, (m) => found.push(m));
        return found;
    };
    let prod: StackRun;
    let dev: StackRun;
    before(async () => {
        prod = await runStack({ stack: "prod" });
        dev = await runStack({ stack: "dev" });
    });

    it("passes prod as committed and dev without backups", async () => {
        assert.deepStrictEqual(await violations(stackArgs(prod, "prod")), []);
        assert.deepStrictEqual(await violations(stackArgs(dev, "dev")), []);
    });

    it("fails a production stack without the backup CronJob, or whose CronJob runs something else", async () => {
        const noBackup = (r: any) => r.type === T.cronJob && r.inputs.metadata.name === "bots-backup";
        assert.deepStrictEqual(await violations(stackArgs(prod, "prod", noBackup)), [
            "production stack prod has no backup CronJob (component backup, running `backup run`): set backupEnabled: true and a backupTarget (docs/backups.md)",
        ]);
        assert.strictEqual((await violations(stackArgs(dev, "dev", () => false, { productionStacks: ["dev"] }))).length, 1);
        const tampered = stackArgs(prod, "prod");
        const cron = tampered.resources.find((r) => r.type === T.cronJob && (r.props as any).metadata.name === "bots-backup")!;
        (cron.props as any).spec.jobTemplate.spec.template.spec.containers[0].args = ["shell", "true"];
        assert.strictEqual((await violations(tampered)).length, 1);
    });
});
