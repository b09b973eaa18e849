import * as assert from "assert";
import * as os from "os";
import * as path from "path";
import { ConfigError, parseConfig } from "../../components/stack-config/config";
import { readKubeconfig } from "../../components/stack-config/kubeconfig";
import { StackRun, T, configFor, ofType, one, runStack, stackFileValues } from "../support/harness";
import { BadConfigCase, assertRefused } from "../support/bad-config";
import { PROJECT } from "../support/mocks";

// Values as an operator would mistype them, each refused before any resource with the key, the
// value and the rule; and edge cases Kubernetes, Django and Bots accept, each applied as given.

const BAD: BadConfigCase[] = [
    // Kubernetes names
    { what: "the cluster's system namespace", set: { namespace: "kube-system" }, key: "namespace", expect: ['"kube-system"', "reserved by Kubernetes", "control-plane"] },
    { what: "the default namespace", set: { namespace: "default" }, key: "namespace", expect: ['"default"', "reserved by Kubernetes"] },
    { what: "kube-node-lease as namespace", set: { namespace: "kube-node-lease" }, key: "namespace", expect: ['"kube-node-lease"', "heartbeat"] },
    { what: "a namespace of 64 characters", set: { namespace: "b".repeat(64) }, key: "namespace", expect: ["at most 63"] },
    { what: "a namespace ending in a dash", set: { namespace: "bots-edi-" }, key: "namespace", expect: ['"bots-edi-"', "DNS-1123 label"] },
    { what: "an upper-case storage class", set: { storageClass: "Longhorn" }, key: "storageClass", expect: ['"Longhorn"', "DNS-1123 subdomain"] },
    { what: "an upper-case ingress class", set: { ingressClassName: "Traefik" }, key: "ingressClassName", expect: ['"Traefik"', "DNS-1123 subdomain"] },
    { what: "an ingress class with an underscore", set: { ingressClassName: "nginx_internal" }, key: "ingressClassName", expect: ['"nginx_internal"', "DNS-1123 subdomain"] },
    { what: "a claim name with a slash", set: { existingClaim: "bots-edi/bots-data" }, key: "existingClaim", expect: ['"bots-edi/bots-data"', "DNS-1123 subdomain"] },
    { what: "a TLS Secret name with a space", set: { ingressTlsSecret: "bots tls" }, key: "ingressTlsSecret", expect: ['"bots tls"', "DNS-1123 subdomain"] },
    { what: "a cluster issuer in capitals", set: { ingressClusterIssuer: "LetsEncrypt-Prod" }, key: "ingressClusterIssuer", expect: ['"LetsEncrypt-Prod"', "DNS-1123 subdomain"] },
    { what: "a pull Secret name in capitals", set: { imagePullSecrets: '["RegCred"]' }, key: "imagePullSecrets", expect: ['"RegCred"', "DNS-1123 subdomain"] },
    { what: "a Secret data key with a space", set: { databaseExistingSecretKey: "db password" }, key: "databaseExistingSecretKey", expect: ['"db password"', "Secret data key"] },
    { what: "a Secret data key with a colon", set: { databaseExistingSecretKey: "password:bots" }, key: "databaseExistingSecretKey", expect: ['"password:bots"', "letters, digits, '-', '_' and '.'"] },
    { what: "an IPv4 address as ingress host", set: { ingressHost: "192.0.2.10" }, key: "ingressHost", expect: ['"192.0.2.10"', "not an IP address"] },
    { what: "an IPv6 address as ingress host", set: { ingressHost: "[2001:db8::10]" }, key: "ingressHost", expect: ['"[2001:db8::10]"', "not an IP address"] },
    { what: "an ingress host with a scheme", set: { ingressHost: "https://edi.example.com" }, key: "ingressHost", expect: ['"https://edi.example.com"', "no scheme"] },
    { what: "an ingress host in capitals", set: { ingressHost: "EDI.example.com" }, key: "ingressHost", expect: ['"EDI.example.com"', "DNS host name"] },
    { what: "a botsEnv with an underscore", set: { botsEnv: "dev_eu" }, key: "botsEnv", expect: ['"dev_eu"', "DNS-1123 label"] },
    // CIDRs
    { what: "an IPv4 CIDR of /33", set: { networkPolicyEgressCidrs: '["192.0.2.0/33"]' }, key: "networkPolicyEgressCidrs", expect: ['"192.0.2.0/33"', "beyond /32"] },
    { what: "an IPv6 CIDR of /129", set: { networkPolicyEgressCidrs: '["2001:db8::/129"]' }, key: "networkPolicyEgressCidrs", expect: ['"2001:db8::/129"', "beyond /128"] },
    { what: "an octet of 256", set: { networkPolicyEgressCidrs: '["198.51.100.256/32"]' }, key: "networkPolicyEgressCidrs", expect: ['"198.51.100.256/32"', "not an IPv4 or IPv6 address"] },
    { what: "a CIDR without prefix", set: { networkPolicyEgressCidrs: '["203.0.113.7"]' }, key: "networkPolicyEgressCidrs", expect: ['"203.0.113.7"', "no /prefix"] },
    { what: "an octet with a leading zero", set: { networkPolicyEgressCidrs: '["192.0.2.010/32"]' }, key: "networkPolicyEgressCidrs", expect: ['"192.0.2.010/32"', "not an IPv4"] },
    // Quantities
    { what: "memory in lower-case mi", set: { webMemoryLimit: "512mi" }, key: "webMemoryLimit", expect: ['"512mi"', "512Mi or 2Gi"] },
    { what: "memory in milli-bytes (512m for 512Mi)", set: { engineMemoryRequest: "512m" }, key: "engineMemoryRequest", expect: ['"512m"', "below 4Mi"] },
    { what: "storage in GB", set: { storageSize: "50GB" }, key: "storageSize", expect: ['"50GB"', "storage quantity"] },
    { what: "a CPU with a space", set: { webCpuLimit: "1 core" }, key: "webCpuLimit", expect: ['"1 core"', "CPU quantity"] },
    // Schedules and zones
    { what: "a minute step of 61", set: { engineSchedule: "*/61 * * * *" }, key: "engineSchedule", expect: ['"*/61 * * * *"', "step 61 is larger than the range 0-59"] },
    { what: "an hour step of 24", set: { engineSchedule: "0 */24 * * *" }, key: "engineSchedule", expect: ['"0 */24 * * *"', "hour"] },
    { what: "a step of zero", set: { engineSchedule: "*/0 * * * *" }, key: "engineSchedule", expect: ["at least 1"] },
    { what: "day-of-week 7 (robfig knows 0-6)", set: { engineSchedule: "0 2 * * 7" }, key: "engineSchedule", expect: ['"0 2 * * 7"', "outside 0-6"] },
    { what: "Quartz's L for the last day", set: { engineSchedule: "0 2 L * *" }, key: "engineSchedule", expect: ["not a number, range or name"] },
    { what: "a TZ= prefix in the schedule", set: { engineSchedule: "TZ=Europe/Amsterdam 0 2 * * *" }, key: "engineSchedule", expect: ["TZ="] },
    { what: "a backwards hour range", set: { engineSchedule: "0 22-6 * * *" }, key: "engineSchedule", expect: ["runs backwards"] },
    { what: "a time zone in lower case", set: { engineTimeZone: "europe/amsterdam" }, key: "engineTimeZone", expect: ['"europe/amsterdam"', "exactly as in the tz database: Europe/Amsterdam"] },
    { what: "a Django time zone in capitals", set: { timeZone: "ETC/UTC" }, key: "timeZone", expect: ['"ETC/UTC"', "Etc/UTC"] },
    { what: "a time zone abbreviation", set: { timeZone: "CEST" }, key: "timeZone", expect: ['"CEST"', "IANA time zone"] },
    { what: "a UTC offset as time zone", set: { engineTimeZone: "UTC+2" }, key: "engineTimeZone", expect: ['"UTC+2"', "IANA time zone"] },
    // Engine Job history
    { what: "a negative engine Job TTL", set: { engineJobTtlSeconds: "-1" }, key: "engineJobTtlSeconds", expect: ['"-1"', "whole number from 0 to 604800"] },
    { what: "an engine Job TTL beyond a week", set: { engineJobTtlSeconds: "604801" }, key: "engineJobTtlSeconds", expect: ['"604801"', "whole number from 0 to 604800"] },
    { what: "an engine Job TTL as a duration (1h)", set: { engineJobTtlSeconds: "1h" }, key: "engineJobTtlSeconds", expect: ['"1h"', "whole number from 0 to 604800"] },
    // Django and Bots
    { what: "an allowed host with a port", set: { allowedHosts: '["edi.example.com:8443"]' }, key: "allowedHosts", expect: ['"edi.example.com:8443"', "no scheme, port or path"] },
    { what: "an allowed host with a scheme", set: { allowedHosts: '["https://edi.example.com"]' }, key: "allowedHosts", expect: ['"https://edi.example.com"'] },
    { what: "an IPv6 allowed host without brackets", set: { allowedHosts: '["fd00::10"]' }, key: "allowedHosts", expect: ['"fd00::10"', "[fd00::10]"] },
    { what: "a superuser e-mail without domain", set: { superuserEmail: "admin@" }, key: "superuserEmail", expect: ['"admin@"', "e-mail address"] },
    { what: "an admin e-mail with two @", set: { adminEmail: "ops@@example.com" }, key: "adminEmail", expect: ['"ops@@example.com"', "e-mail address"] },
    { what: "a sender with a comma list", set: { emailFrom: "bots@example.com, ops@example.com" }, key: "emailFrom", expect: ["Name <bots@example.com>"] },
    { what: "an SMTP host with a scheme", set: { emailHost: "smtp://mail.example.com" }, key: "emailHost", expect: ['"smtp://mail.example.com"', "without a scheme"] },
    { what: "an SMTP host with the port", set: { emailHost: "mail.example.com:587" }, key: "emailHost", expect: ['"mail.example.com:587"', "without a port"] },
    { what: "a database host with a port", set: { databaseHost: "postgres.example.com:5432" }, key: "databaseHost", expect: ["without a port"] },
    { what: "an empty database user", set: { databaseUser: "" }, key: "databaseUser", expect: ['""', "must not be empty when databaseEngine is postgresql"] },
    { what: "a line break in the sender", set: { emailFrom: "bots@example.com\nBcc: all@example.com" }, key: "emailFrom", expect: ['"bots@example.com\\nBcc: all@example.com"', "control character", "line breaks"] },
    { what: "a carriage return in the superuser name", set: { superuserName: "admin\r" }, key: "superuserName", expect: ["control character"] },
    { what: "a tab in the SMTP user", set: { emailUser: "bots\tmail" }, secrets: { emailPassword: "pw" }, key: "emailUser", expect: ["control character"] },
    { what: "a line break inside a list item", set: { allowedHosts: '["edi.example.com\\nevil"]' }, key: "allowedHosts", expect: ["control character"] },
    { what: "an SMTP user without its password", set: { emailUser: "bots" }, key: "emailPassword", expect: ["(secret)", "required (as a secret) when emailUser is set"] },
    // Production guard rails
    { what: "debug on production", stack: "prod", set: { debug: "true" }, key: "debug", expect: ['"true"', "[production-no-debug]"] },
    { what: "unprotected data on production", stack: "prod", set: { protectData: "false" }, key: "protectData", expect: ['"false"', "[production-protected-data]"] },
    { what: "NetworkPolicies off on production", stack: "prod", set: { networkPolicyEnabled: "false" }, key: "networkPolicyEnabled", expect: ['"false"', "[production-network-policies]"] },
    { what: "one web pod on production", stack: "prod", set: { webReplicas: "1" }, key: "webReplicas", expect: ['"1"', "[production-web-replicas]"] },
    // The data volume acknowledgement key is free text, but not a control character
    { what: "a line break in the acknowledgement", set: { dataVolumeChangeAcknowledged: "storageClass:a->b\n" }, key: "dataVolumeChangeAcknowledged", expect: ["control character"] },
];

describe("operator input: mistyped values are refused before any resource, naming key, value and rule", () => {
    for (const c of BAD) {
        it(c.what, () => assertRefused(c));
    }

    it("counts at least 30 operator mistypes", () => {
        assert.ok(BAD.length >= 30, `${BAD.length}`);
    });

    it("gives one clear message for a secret in plain text, not a contradictory second one", () => {
        assert.throws(
            () => configFor({ stack: "dev", set: { databasePassword: "hunter2" }, unset: ["databaseExistingSecret"] }),
            (e: ConfigError) => {
                const lines = e.issues.filter((i) => i.includes("databasePassword"));
                assert.deepStrictEqual(lines, [
                    "bots-edi-deploy:databasePassword = (plain text, value hidden): must be stored as a secret; run `pulumi config rm databasePassword` and `pulumi config set --secret databasePassword`",
                ]);
                assert.ok(!e.message.includes("hunter2"));
                return true;
            },
        );
    });

    it("refuses a stack name that is not a label when botsEnv is left to default to it", () => {
        const values = stackFileValues("dev");
        assert.throws(
            () => parseConfig({ project: PROJECT, stack: "Prod_EU", values, secretKeys: new Set() }),
            /botsEnv = \(unset\): the stack name "Prod_EU" it defaults to is not a DNS-1123 label/,
        );
        assert.strictEqual(parseConfig({ project: PROJECT, stack: "Prod_EU", values: { ...values, botsEnv: "prod-eu" }, secretKeys: new Set() }).bots.env, "prod-eu");
    });
});

describe("the kube context is checked against the kubeconfig the provider will use", () => {
    const view = { source: "/home/op/.kube/config", contexts: ["bots-dev", "kind-local"] };

    it("refuses a context the kubeconfig does not have, naming both and the contexts it has", () => {
        assert.throws(
            () => configFor({ stack: "dev", set: { kubeContext: "bots-dve" }, kubeconfig: view }),
            (e: ConfigError) =>
                e.issues.some(
                    (i) =>
                        i.startsWith('bots-edi-deploy:kubeContext = "bots-dve": is not a context of the kubeconfig the provider will use, /home/op/.kube/config') &&
                        i.includes("its contexts: bots-dev, kind-local"),
                ),
        );
    });

    it("refuses when the kubeconfig cannot be read at all", () => {
        assert.throws(
            () => configFor({ stack: "dev", kubeconfig: { source: "/nowhere/config", contexts: [], unreadable: "no readable file (/nowhere/config)" } }),
            /kubeContext = "bots-dev": cannot be checked: the kubeconfig the provider will use, \/nowhere\/config/,
        );
    });

    it("says file not found for a kubeconfig path that does not exist, not that the context is missing", () => {
        const missing = path.join(os.tmpdir(), "bots-unit-no-such-dir", "staging.yaml");
        assert.throws(
            () => configFor({ stack: "dev", set: { kubeconfig: missing }, kubeconfig: readKubeconfig(missing) }),
            (e: ConfigError) =>
                e.issues.length === 1 && e.issues[0].startsWith(`bots-edi-deploy:kubeconfig = ${JSON.stringify(missing)}: file not found: ${missing}`),
        );
        const home = readKubeconfig("~/.kube/bots-unit-no-such-file.yaml");
        assert.strictEqual(home.notFound, path.join(os.homedir(), ".kube", "bots-unit-no-such-file.yaml"));
    });

    it("still reads kubeconfig contents given as one line of JSON", () => {
        const json = JSON.stringify({ apiVersion: "v1", kind: "Config", contexts: [{ name: "bots-dev", context: { cluster: "c", user: "u" } }] });
        const view = readKubeconfig(json);
        assert.deepStrictEqual([view.contexts, view.notFound, view.source], [["bots-dev"], undefined, "the kubeconfig key's contents"]);
    });

    it("accepts a context that is there", () => {
        assert.strictEqual(configFor({ stack: "dev", kubeconfig: view }).kubernetes.context, "bots-dev");
    });
});

interface Good {
    what: string;
    stack?: string;
    set: Record<string, string>;
    secrets?: Record<string, string>;
    /** Where the value must show up in what the program registers. */
    check: (run: StackRun) => void;
}

const web = (run: StackRun) => ofType(run, T.deployment).find((d) => d.inputs.metadata.name === "bots-web")!.inputs;
const settings = (run: StackRun) => {
    const s = ofType(run, T.secret).find((x) => x.name === "bots-config")!;
    return (s.inputs.stringData.value ?? s.inputs.stringData) as Record<string, string>;
};

const GOOD: Good[] = [
    {
        what: "a bracketed IPv6 host, an IPv4 host, a .domain and * in allowedHosts",
        set: { allowedHosts: '["[fd00::10]","192.0.2.10",".edi.example.com","*"]' },
        check: (r) => assert.match(settings(r).ALLOWED_HOSTS, /^\[fd00::10\],192\.0\.2\.10,\.edi\.example\.com,\*,/),
    },
    { what: "a wildcard ingress host", set: { ingressHost: "*.edi.example.com" }, check: (r) => assert.strictEqual(one(r, T.ingress).inputs.spec.rules[0].host, "*.edi.example.com") },
    { what: "a 63-character namespace", set: { namespace: `b${"0".repeat(61)}b` }, check: (r) => assert.strictEqual(one(r, T.namespace).inputs.metadata.name, `b${"0".repeat(61)}b`) },
    { what: "a dotted storage class", set: { storageClass: "rwx.storage.example.com" }, check: (r) => assert.strictEqual(one(r, T.pvc).inputs.spec.storageClassName, "rwx.storage.example.com") },
    {
        what: "IPv4 /32 and IPv6 /128 and /0 CIDRs",
        set: { networkPolicyEnabled: "true", networkPolicyEgressCidrs: '["198.51.100.7/32","2001:db8::1/128","0.0.0.0/0"]' },
        check: (r) => {
            const egress = ofType(r, T.networkPolicy).find((p) => p.inputs.metadata.name === "bots-egress")!.inputs.spec.egress[1].to;
            assert.deepStrictEqual(egress.map((t: { ipBlock: { cidr: string } }) => t.ipBlock.cidr), ["198.51.100.7/32", "2001:db8::1/128", "0.0.0.0/0"]);
        },
    },
    { what: "a schedule with names, a stepped range and a list", set: { engineSchedule: "0/30 8-18/2 ? JAN-jun mon-fri,SUN" }, check: (r) => assert.strictEqual(one(r, T.cronJob).inputs.spec.schedule, "0/30 8-18/2 ? JAN-jun mon-fri,SUN") },
    { what: "@every with a Go duration", set: { engineSchedule: "@every 1h30m" }, check: (r) => assert.strictEqual(one(r, T.cronJob).inputs.spec.schedule, "@every 1h30m") },
    { what: "a minute step of 59", set: { engineSchedule: "*/59 * * * *" }, check: (r) => assert.strictEqual(one(r, T.cronJob).inputs.spec.schedule, "*/59 * * * *") },
    {
        what: "an engine Job TTL of 0 (delete the finished Job and its pod at once)",
        set: { engineJobTtlSeconds: "0" },
        check: (r) => assert.strictEqual(one(r, T.cronJob).inputs.spec.jobTemplate.spec.ttlSecondsAfterFinished, 0),
    },
    { what: "a tz alias the database keeps (Asia/Calcutta)", set: { engineTimeZone: "Asia/Calcutta" }, check: (r) => assert.strictEqual(one(r, T.cronJob).inputs.spec.timeZone, "Asia/Calcutta") },
    { what: "Etc/GMT-14 for Django", set: { timeZone: "Etc/GMT-14" }, check: (r) => assert.strictEqual(settings(r).TIME_ZONE, "Etc/GMT-14") },
    { what: "a sender with a display name", set: { emailFrom: "Bots EDI <bots@edi.example.com>" }, check: (r) => assert.strictEqual(settings(r).SERVER_EMAIL, "Bots EDI <bots@edi.example.com>") },
    { what: "an admin address at localhost", set: { adminEmail: "root@localhost" }, check: (r) => assert.strictEqual(settings(r).ADMIN_EMAIL, "root@localhost") },
    { what: "an IPv6 SMTP server", set: { emailHost: "2001:db8::25" }, check: (r) => assert.strictEqual(settings(r).EMAIL_HOST, "2001:db8::25") },
    { what: "an empty database user for SQLite", set: { databaseEngine: "sqlite", databaseUser: "" }, check: (r) => assert.strictEqual(settings(r).DB_USER, "") },
    { what: "memory in exponent form and CPU in decimal", set: { webMemoryLimit: "1.5Gi", webCpuLimit: "1.5", webCpuRequest: "0.25" }, check: (r) => assert.deepStrictEqual(web(r).spec.template.spec.containers[0].resources.limits, { cpu: "1.5", memory: "1.5Gi" }) },
    { what: "a Secret key with dots and underscores", set: { databaseExistingSecretKey: "db.password_v2" }, check: (r) => {
        const sources = web(r).spec.template.spec.volumes.find((v: { name: string }) => v.name === "secrets").projected.sources;
        assert.ok(sources.some((s: { secret: { name: string; items: { key: string }[] } }) => s.secret.name === "bots-db-dev" && s.secret.items[0].key === "db.password_v2"));
    } },
];

describe("operator input: edge cases Kubernetes, Django and Bots accept are applied as given", () => {
    for (const c of GOOD) {
        it(c.what, async () => {
            c.check(await runStack({ stack: c.stack ?? "dev", set: c.set, secrets: c.secrets }));
        });
    }

    it("counts at least 10 good edge cases", () => {
        assert.ok(GOOD.length >= 10, `${GOOD.length}`);
    });
});
