import * as assert from "assert";
import * as crypto from "crypto";
import { valueSecretName } from "../../components/kubernetes/config-secret";
import { StackInput, StackRun, T, ofType, one, runStack } from "../support/harness";
import { GENERATED } from "../support/mocks";
import { isWrappedSecret, reveal } from "../support/values";

// A preview shows the names `up` creates: the program names every Kubernetes object itself, from
// the content, so nothing is left to the provider's autonaming (a random suffix drawn anew by
// every preview and again by `up`). The e2e tier compares a real preview's names with the `up`
// that follows (hack/docs/operations.sh).

const ALL_SECRETS: StackInput = {
    stack: "dev",
    unset: ["databaseExistingSecret"],
    set: { emailHost: "mail.example.com", emailUser: "bots" },
    secrets: { databasePassword: "db-pw-1", emailPassword: "mail-pw-1", djangoSecretKey: "k".repeat(50), superuserPassword: "su-pw-1" },
};

const kubernetesObjects = (run: StackRun) => run.resources.filter((r) => r.type.startsWith("kubernetes:"));
/** Every Kubernetes object's name, by the resource's logical name. */
const names = (run: StackRun) => Object.fromEntries(kubernetesObjects(run).map((r) => [`${r.type}::${r.name}`, r.inputs.metadata.name]));
const secretHolding = (run: StackRun, key: string) => ofType(run, T.secret).find((s) => key in reveal(s.inputs.stringData))!;

describe("object names: chosen by the program, from the content", () => {
    for (const input of [{ stack: "dev" }, { stack: "prod" }, ALL_SECRETS] as StackInput[]) {
        it(`names every Kubernetes object itself, as a plain string (${input.stack}${input.secrets ? ", every secret supplied" : ""})`, async () => {
            const run = await runStack(input);
            assert.ok(kubernetesObjects(run).length >= 10);
            for (const r of kubernetesObjects(run)) {
                const name = r.inputs.metadata?.name;
                assert.ok(!isWrappedSecret(name), `${r.type} ${r.name}: its name is marked secret, so a preview would hide it`);
                assert.strictEqual(typeof name, "string", `${r.type} ${r.name} is left to autonaming`);
            }
        });
    }

    it("gives the same names for the same content, as a preview and the `up` after it evaluate the program twice", async () => {
        const [a, b] = [await runStack(ALL_SECRETS), await runStack(ALL_SECRETS)];
        assert.deepStrictEqual(names(a), names(b));
        assert.strictEqual(a.outputs.configSecretName, b.outputs.configSecretName);
        assert.strictEqual(a.outputs.initJobName, b.outputs.initJobName);
    });

    it("names the settings Secret by the settings: configSecretName follows them, and only them", async () => {
        const base = await runStack({ stack: "dev" });
        const secret = ofType(base, T.secret).find((s) => "bots.ini" in reveal(s.inputs.stringData))!;
        assert.strictEqual(base.outputs.configSecretName, secret.inputs.metadata.name);
        assert.match(String(base.outputs.configSecretName), /^bots-config-[a-f0-9]{10}$/);
        const logLevel = await runStack({ stack: "dev", set: { logLevel: "WARNING" } });
        assert.notStrictEqual(logLevel.outputs.configSecretName, base.outputs.configSecretName);
        assert.notStrictEqual(logLevel.outputs.initJobName, base.outputs.initJobName);
        const replicas = await runStack({ stack: "dev", set: { webReplicas: "3" } });
        assert.strictEqual(replicas.outputs.configSecretName, base.outputs.configSecretName);
        assert.strictEqual(replicas.outputs.initJobName, base.outputs.initJobName);
    });

    it("names a secret value's Secret by a keyed digest of the value: new value, new name; no plain digest shown", async () => {
        const a = await runStack(ALL_SECRETS);
        const b = await runStack({ ...ALL_SECRETS, secrets: { ...ALL_SECRETS.secrets, databasePassword: "db-pw-2" } });
        const [nameA, nameB] = [secretHolding(a, "DB_PASSWORD"), secretHolding(b, "DB_PASSWORD")].map((s) => s.inputs.metadata.name as string);
        assert.notStrictEqual(nameA, nameB);
        // The key is the stack's generated naming key (the mock's result for it).
        assert.strictEqual(nameA, valueSecretName("bots-config-db-password", `${GENERATED}-bots-config-naming-key`, "db-pw-1"));
        const plain = crypto.createHash("sha256").update("db-pw-1").digest("hex");
        assert.ok(!nameA.includes(plain.slice(0, 10)), "the name carries the value's plain sha256");
        assert.strictEqual(secretHolding(a, "EMAIL_HOST_PASSWORD").inputs.metadata.name, secretHolding(b, "EMAIL_HOST_PASSWORD").inputs.metadata.name);
    });

    it("replaces each Secret delete-before-replace, so a name that comes back is never deleted afterwards", async () => {
        // A failed `up` after the new Secret was created, then the old content again: replaced
        // create-before-delete, the original of that name would be deleted at the end of the next
        // update, taking the live Secret with it (seen in the e2e tier: pods could no longer start).
        const run = await runStack(ALL_SECRETS);
        const secrets = ofType(run, T.secret);
        assert.strictEqual(secrets.length, 5);
        for (const s of secrets) {
            assert.strictEqual(run.options.get(`${T.secret}::${s.name}`)!.deleteBeforeReplace, true, s.name);
        }
    });

    it("keeps initJobName when only a secret value changes, so a preview of a new stack already shows it", async () => {
        const a = await runStack(ALL_SECRETS);
        const b = await runStack({ ...ALL_SECRETS, secrets: { ...ALL_SECRETS.secrets, djangoSecretKey: "j".repeat(50) } });
        assert.strictEqual(a.outputs.initJobName, b.outputs.initJobName);
        assert.strictEqual(one(a, T.job).inputs.metadata.name, a.outputs.initJobName);
    });
});
