import * as assert from "assert";
import { ConfigError } from "../../components/config/config";
import { configFor, runStack, warningsOf } from "../support/harness";
import { BadConfigCase, assertRefused } from "../support/bad-config";

const BAD: BadConfigCase[] = [
    { what: "a cron schedule with six fields", set: { engineSchedule: "0 */5 * * * *" }, key: "engineSchedule", expect: ['"0 */5 * * * *"', "5-field cron"] },
    { what: "a cron minute out of range", set: { engineSchedule: "61 * * * *" }, key: "engineSchedule", expect: ['"61 * * * *"', "@hourly"] },
    { what: "a storage size without unit grammar", set: { storageSize: "20 gigs" }, key: "storageSize", expect: ['"20 gigs"', "512Mi or 2Gi"] },
    { what: "negative web replicas", set: { webReplicas: "-1" }, key: "webReplicas", expect: ['"-1"', "from 0 to 20"] },
    { what: "fractional replicas", set: { webReplicas: "1.5" }, key: "webReplicas", expect: ['"1.5"', "whole number"] },
    { what: "an unknown platform", set: { imagePlatforms: '["linux/amd64","linux/s390x"]' }, key: "imagePlatforms", expect: ['"linux/s390x"', "linux/amd64, linux/arm64"] },
    { what: "ReadWriteOnce for the shared data volume", set: { storageAccessMode: "ReadWriteOnce" }, key: "storageAccessMode", expect: ['"ReadWriteOnce"', "must be ReadWriteMany"] },
    { what: "ingress TLS without a host", set: { ingressHost: "" }, key: "ingressHost", expect: ["TLS needs a host name"] },
    { what: "a database password in plain config", set: { databasePassword: "hunter2" }, unset: ["databaseExistingSecret"], key: "databasePassword", expect: ["must be stored as a secret", "--secret databasePassword"] },
    { what: "a registry password in plain config", set: { registryPassword: "tok" }, key: "registryPassword", expect: ["must be stored as a secret"] },
    { what: "an unknown database engine", set: { databaseEngine: "oracle" }, key: "databaseEngine", expect: ['"oracle"', "postgresql, mysql, sqlite"] },
    { what: "postgresql without any password source", unset: ["databaseExistingSecret"], key: "databasePassword", expect: ["is required (as a secret)"] },
    { what: "postgresql without a host", set: { databaseHost: "" }, key: "databaseHost", expect: ["is required when databaseEngine is postgresql"] },
    { what: "an invalid time zone", set: { engineTimeZone: "Mars/Olympus" }, key: "engineTimeZone", expect: ['"Mars/Olympus"', "IANA time zone"] },
    { what: "a namespace that is not a DNS label", set: { namespace: "Bots_EDI" }, key: "namespace", expect: ['"Bots_EDI"', "DNS-1123 label"] },
    { what: "a memory request above its limit", set: { webMemoryRequest: "4Gi", webMemoryLimit: "1Gi" }, key: "webMemoryRequest", expect: ["must not exceed webMemoryLimit"] },
    { what: "a bad CPU quantity", set: { engineCpuLimit: "two" }, key: "engineCpuLimit", expect: ['"two"', "CPU quantity"] },
    { what: "the engine's --routeid flag that Bots does not have", set: { engineArgs: '["--new","--routeid=orders"]' }, key: "engineArgs", expect: ['"--routeid=orders"', "positionally"] },
    { what: "an engine deadline beyond Bots' maxruntime", set: { engineActiveDeadlineSeconds: "3600", engineMaxRuntimeMinutes: "60" }, key: "engineActiveDeadlineSeconds", expect: ["below engineMaxRuntimeMinutes x 60 (3600)"] },
    { what: "build mode without a repository", set: { imageRepository: "" }, key: "imageRepository", expect: ["is required when imageMode is build"] },
    { what: "existing mode without an image", stack: "prod", set: { imageRef: "" }, key: "imageRef", expect: ["is required when imageMode is existing", "at promotion"] },
    { what: "an image reference with a bad digest", stack: "prod", set: { imageRef: "registry.example.com/bots@sha256:abc" }, key: "imageRef", expect: ['"registry.example.com/bots@sha256:abc"'] },
    { what: "a misspelt key", set: { webReplica: "2" }, key: "webReplica", expect: ["unknown key"] },
    { what: "no kube context", unset: ["kubeContext"], key: "kubeContext", expect: ["(unset)", "is required"] },
    { what: "a boolean that is not one", set: { protectData: "yes" }, key: "protectData", expect: ['"yes"', "true or false"] },
    { what: "a CSRF origin without scheme", set: { csrfTrustedOrigins: '["edi.example.com"]' }, key: "csrfTrustedOrigins", expect: ["with a scheme"] },
    { what: "sqlite with several web pods", set: { databaseEngine: "sqlite", webReplicas: "2" }, key: "webReplicas", expect: ["sqlite"] },
    { what: "an egress CIDR that is not one", set: { networkPolicyEgressCidrs: '["db.example.com"]' }, key: "networkPolicyEgressCidrs", expect: ['"db.example.com"', "not a CIDR"] },
    { what: "botsSource context without a directory", set: { botsSource: "context" }, key: "botsSourceDir", expect: ["is required when botsSource is context"] },
];

describe("stack configuration", () => {
    describe("bad input fails before any resource is registered, naming key, value and what is allowed", () => {
        for (const c of BAD) {
            it(c.what, () => assertRefused(c));
        }
    });

    it("reports every bad key at once", () => {
        assert.throws(
            () => configFor({ stack: "dev", set: { webReplicas: "-3", storageSize: "big", engineSchedule: "often" } }),
            (e: ConfigError) => e.issues.length === 3,
        );
    });

    it("never echoes a secret value in an error", () => {
        assert.throws(
            () => configFor({ stack: "dev", set: { databasePassword: "s3cr3t-value" } }),
            (e: ConfigError) => !e.message.includes("s3cr3t-value") && e.message.includes("value hidden"),
        );
    });

    it("accepts the committed dev and prod stack files", () => {
        const dev = configFor({ stack: "dev" });
        const prod = configFor({ stack: "prod" });
        assert.strictEqual(dev.kubernetes.namespace, "bots-edi-dev");
        assert.strictEqual(prod.kubernetes.namespace, "bots-edi");
    });

    it("dev and prod differ where operators expect", () => {
        const dev = configFor({ stack: "dev" });
        const prod = configFor({ stack: "prod" });
        assert.ok(prod.web.replicas > dev.web.replicas, "prod runs more web pods");
        assert.strictEqual(prod.storage.protect, true);
        assert.strictEqual(dev.storage.protect, false);
        assert.notStrictEqual(prod.ingress?.host, dev.ingress?.host);
        assert.notStrictEqual(prod.engine.schedule, dev.engine.schedule);
        assert.notStrictEqual(prod.storage.size, dev.storage.size);
        assert.notStrictEqual(prod.web.resources.requests.memory, dev.web.resources.requests.memory);
        assert.strictEqual(prod.image.mode, "existing", "prod deploys a digest, never builds");
    });

    it("fills defaults for keys the stack leaves out", () => {
        const c = configFor({ stack: "dev" });
        assert.deepStrictEqual(c.image.platforms, ["linux/amd64", "linux/arm64"]);
        assert.strictEqual(c.engine.timeZone, "Etc/UTC");
        assert.strictEqual(c.database.port, 5432);
        assert.strictEqual(c.bots.env, "dev", "botsEnv defaults to the stack name");
        assert.deepStrictEqual(c.engine.args, ["--new"]);
        assert.strictEqual(c.engine.jobTtlSeconds, 3600);
    });

    it("always allows the probe host and the service names, and trusts the ingress origin with its scheme", () => {
        const c = configFor({ stack: "dev", set: { allowedHosts: '["edi.internal"]' } });
        for (const h of ["edi.internal", "edi-dev.example.com", "localhost", "bots-web.bots-edi-dev.svc.cluster.local"]) {
            assert.ok(c.bots.allowedHosts.includes(h), h);
        }
        assert.deepStrictEqual(c.bots.csrfTrustedOrigins, ["https://edi-dev.example.com"]);
    });

    it("accepts route ids and run flags as engine arguments", () => {
        const c = configFor({ stack: "dev", set: { engineArgs: '["--new","orders_in","--cleanup"]' } });
        assert.deepStrictEqual(c.engine.args, ["--new", "orders_in", "--cleanup"]);
    });

    it("takes secrets only as secrets", async () => {
        const c = configFor({ stack: "dev", unset: ["databaseExistingSecret"], secrets: { databasePassword: "pw" } });
        assert.ok(c.database.password, "password kept");
        assert.strictEqual(c.database.existingSecret, undefined);
    });
});

describe("config: renamed keys", () => {
    it("reads dirmonitorEnabled as workerEnabled for one release, and says how to move it", async () => {
        const c = configFor({ stack: "dev", set: { dirmonitorEnabled: "false" } });
        assert.strictEqual(c.worker.enabled, false);
        assert.deepStrictEqual(c.warnings, [
            "bots-edi-deploy:dirmonitorEnabled is renamed workerEnabled and is read until 0.3.0: pulumi config set workerEnabled false && pulumi config rm dirmonitorEnabled",
        ]);
        const logged = await warningsOf(() => runStack({ stack: "dev", set: { dirmonitorEnabled: "false" } }));
        assert.ok(logged.some((m) => m === c.warnings[0]), logged.join("\n"));
    });

    it("warns about nothing when only the new name is set", () => {
        assert.deepStrictEqual(configFor({ stack: "dev", set: { workerEnabled: "false" } }).warnings, []);
    });

    it("refuses both names at once, naming the old one", () => {
        assert.throws(
            () => configFor({ stack: "dev", set: { dirmonitorEnabled: "false", workerEnabled: "true" } }),
            (e: unknown) =>
                e instanceof ConfigError &&
                e.issues.length === 1 &&
                /^bots-edi-deploy:dirmonitorEnabled = "false": renamed workerEnabled, which is set too; remove it \(pulumi config rm dirmonitorEnabled\)$/.test(e.issues[0]),
        );
    });

    it("checks the old name's value by the new key's rule", () => {
        assert.throws(
            () => configFor({ stack: "dev", set: { dirmonitorEnabled: "maybe" } }),
            (e: unknown) => e instanceof ConfigError && e.issues.some((i) => i === `bots-edi-deploy:dirmonitorEnabled (renamed workerEnabled) = "maybe": must be true or false`),
        );
    });
});
