import * as assert from "assert";
import { StackRun, T, one, runStack } from "../support/harness";

const DIGEST_A = "a".repeat(64);
const DIGEST_B = "b".repeat(64);
const prodWith = (digest: string, set: Record<string, string> = {}) =>
    runStack({ stack: "prod", set: { imageRef: `registry.example.com/edi/bots@sha256:${digest}`, ...set } });
const jobName = (run: StackRun) => one(run, T.job).inputs.metadata.name as string;

describe("db-init Job naming", () => {
    it("stays put when neither the image digest nor the config changes", async () => {
        assert.strictEqual(jobName(await prodWith(DIGEST_A)), jobName(await prodWith(DIGEST_A)));
    });

    it("changes with the image digest", async () => {
        assert.notStrictEqual(jobName(await prodWith(DIGEST_A)), jobName(await prodWith(DIGEST_B)));
    });

    it("changes with the rendered config", async () => {
        assert.notStrictEqual(jobName(await prodWith(DIGEST_A)), jobName(await prodWith(DIGEST_A, { timeZone: "Europe/Berlin" })));
    });

    it("does not change for settings that only concern other workloads", async () => {
        assert.strictEqual(jobName(await prodWith(DIGEST_A)), jobName(await prodWith(DIGEST_A, { webReplicas: "3" })));
    });

    it("is a valid Kubernetes name and is the initJobName output", async () => {
        const run = await prodWith(DIGEST_A);
        assert.match(jobName(run), /^bots-db-init-[a-f0-9]{10}$/);
        assert.strictEqual(run.outputs.initJobName, jobName(run));
    });

    it("uses the same image digest for the Job and every workload", async () => {
        const run = await prodWith(DIGEST_A);
        const image = `registry.example.com/edi/bots@sha256:${DIGEST_A}`;
        assert.strictEqual(one(run, T.job).inputs.spec.template.spec.containers[0].image, image);
        for (const d of run.resources.filter((r) => r.type === T.deployment)) {
            for (const c of d.inputs.spec.template.spec.containers) {
                assert.strictEqual(c.image, image);
            }
        }
    });
});
