import * as assert from "assert";
import { ConfigError } from "../../components/config/config";
import { DataVolumeSpec, ackToken, guardDataVolume } from "../../components/guards/data-volume-guard";
import { DEV_DATA_VOLUME, StackRun, T, ofType, one, runStack } from "../support/harness";
import { recorded } from "../support/mocks";

// The data claim is never lost to a config change: a change that would replace or drop it is
// refused before any resource is registered, unless the one-shot token for exactly that change
// is set. The previous deployment's spec comes from the stack's own dataVolume output.

const previous = (spec: Partial<DataVolumeSpec> = {}) => ({ dataVolume: JSON.stringify({ ...DEV_DATA_VOLUME, ...spec }) });
const pvcOptions = (run: StackRun) => run.options.get(`${T.pvc}::bots-data`)!;

async function refusal(set: Record<string, string>, prev = previous()): Promise<ConfigError> {
    const before = recorded.length;
    let error: unknown;
    try {
        await runStack({ stack: "dev", set, previous: prev });
    } catch (e) {
        error = e;
    }
    assert.ok(error instanceof ConfigError, `expected a refusal, got ${String(error)}`);
    const kinds = recorded.slice(before).map((r) => r.type);
    assert.ok(kinds.every((k) => k.startsWith("pulumi:providers:")), `registered despite the refusal: ${kinds.join(", ")}`);
    return error;
}

describe("data volume guard", () => {
    it("refuses a new storage class, naming key, values, the steps and the token; nothing is registered", async () => {
        const e = await refusal({ storageClass: "local-rwx" });
        assert.strictEqual(e.issues.length, 1);
        const line = e.issues[0];
        assert.ok(line.startsWith('bots-edi-deploy:storageClass = "local-rwx": would replace the data claim bots-edi-dev/bots-data (longhorn -> local-rwx)'), line);
        assert.ok(line.includes('docs/configuration.md, "Changing the data volume"'), line);
        assert.ok(line.includes("pulumi config set dataVolumeChangeAcknowledged 'storageClass:longhorn->local-rwx'"), line);
        assert.match(e.message, /nothing was created or changed/);
        assert.ok(!e.message.includes("error serializing"), "the message reaches the operator as written");
    });

    it("refuses a switch to an existing claim, a new namespace and a smaller size, each by its key", async () => {
        assert.match((await refusal({ existingClaim: "edi-files" })).issues[0], /^bots-edi-deploy:existingClaim = "edi-files": would drop or swap the data claim .*the stack's claim bots-data -> existing claim edi-files/);
        assert.match((await refusal({ namespace: "bots-edi-dev2" })).issues[0], /^bots-edi-deploy:namespace = "bots-edi-dev2": would replace .*bots-edi-dev -> bots-edi-dev2/);
        assert.match((await refusal({ storageSize: "4Gi" })).issues[0], /^bots-edi-deploy:storageSize = "4Gi": would replace .*5Gi -> 4Gi/);
        const back = await refusal({}, previous({ existingClaim: true, claimName: "edi-files", storageClass: "", storageClassInput: "" }));
        assert.match(back.issues[0], /existing claim edi-files -> the stack's claim bots-data/);
    });

    it("lets exactly the acknowledged change through once, unprotecting the claim for that run only", async () => {
        const run = await runStack({ stack: "dev", set: { storageClass: "local-rwx", dataVolumeChangeAcknowledged: "storageClass:longhorn->local-rwx" }, previous: previous() });
        assert.strictEqual(one(run, T.pvc).inputs.spec.storageClassName, "local-rwx");
        assert.strictEqual(pvcOptions(run).protect, false);
        assert.strictEqual(pvcOptions(run).retainOnDelete, true);

        const other = await refusal({ storageClass: "local-rwx", dataVolumeChangeAcknowledged: "storageClass:longhorn->fast" });
        assert.match(other.issues[0], /is set, but for another change: "storageClass:longhorn->fast"/);

        // After the up, the recorded claim matches: a token still set is refused as stale.
        const stale = await refusal({ storageClass: "local-rwx", dataVolumeChangeAcknowledged: "storageClass:longhorn->local-rwx" }, previous({ storageClass: "local-rwx", storageClassInput: "local-rwx" }));
        assert.match(stale.issues[0], /^bots-edi-deploy:dataVolumeChangeAcknowledged = "storageClass:longhorn->local-rwx": acknowledges a change that is not pending/);
    });

    it("treats naming the class the claim already has as no change (the incident of issue 10)", async () => {
        // Deployed without storageClass: the cluster's default class (longhorn) was assigned.
        const prev = previous({ storageClass: "longhorn", storageClassInput: "" });
        const run = await runStack({ stack: "dev", set: { storageClass: "longhorn" }, previous: prev });
        assert.strictEqual(one(run, T.pvc).inputs.spec.storageClassName, undefined, "the claim's input stays as deployed: no replacement");
        assert.strictEqual(pvcOptions(run).protect, true);
        assert.deepStrictEqual(JSON.parse(run.outputs.dataVolume as string).storageClassInput, "");
    });

    it("lets a larger size and unrelated changes through, and records the claim for the next run", async () => {
        const run = await runStack({ stack: "dev", set: { storageSize: "8Gi", webReplicas: "0" }, previous: previous() });
        assert.strictEqual(one(run, T.pvc).inputs.spec.resources.requests.storage, "8Gi");
        assert.deepStrictEqual(JSON.parse(run.outputs.dataVolume as string), { ...DEV_DATA_VOLUME, size: "8Gi" });
        assert.strictEqual(ofType(run, T.deployment).length, 2);
    });

    it("has nothing to compare on a first deployment, where the claim's protection is the guard", () => {
        const next = { namespace: "n", claimName: "bots-data", existingClaim: false, storageClass: "x", accessMode: "ReadWriteMany", size: "1Gi" };
        assert.deepStrictEqual(guardDataVolume(undefined, next, undefined), { issues: [], acknowledged: false, storageClassInput: "x" });
        assert.strictEqual(ackToken([{ key: "storageClass", from: "a", to: "b" }, { key: "storageSize", from: "2Gi", to: "1Gi" }]), "storageClass:a->b;storageSize:2Gi->1Gi");
    });
});
