import * as assert from "assert";
import * as path from "path";
import { botsTree } from "./fixtures";
import { REPO, T, ofType, one, runStack } from "../support/harness";
import { fakeDigest } from "../support/mocks";
import { isWrappedSecret, reveal } from "../support/values";

describe("image", () => {
    it("builds one cached image per platform from docker/ and joins them in an index", async () => {
        const run = await runStack({ stack: "dev" });
        const images = ofType(run, T.image);
        assert.deepStrictEqual(images.map((i) => i.inputs.platforms), [["linux/amd64"], ["linux/arm64"]]);
        for (const img of images) {
            const arch = img.inputs.platforms[0].split("/")[1];
            assert.strictEqual(img.inputs.context.location, path.join(REPO, "docker"));
            assert.strictEqual(img.inputs.dockerfile.location, path.join(REPO, "docker", "Dockerfile"));
            assert.strictEqual(img.inputs.push, true);
            assert.deepStrictEqual(img.inputs.tags, [`registry.example.com/edi/bots:dev-${arch}`]);
            assert.deepStrictEqual(img.inputs.cacheFrom, [{ registry: { ref: `registry.example.com/edi/bots:cache-${arch}` } }]);
            assert.strictEqual(img.inputs.cacheTo[0].registry.ref, `registry.example.com/edi/bots:cache-${arch}`);
            assert.strictEqual(img.inputs.cacheTo[0].registry.mode, "max");
            assert.deepStrictEqual(img.inputs.buildArgs, { BOTS_SOURCE: "pypi", BOTS_VERSION: "3.3.1" });
            assert.strictEqual(img.inputs.target, "runtime");
        }
        const index = one(run, T.index).inputs;
        assert.strictEqual(index.tag, "registry.example.com/edi/bots:dev");
        assert.strictEqual(index.push, true);
        assert.strictEqual(index.sources.length, 2);
        assert.strictEqual(run.outputs.imageRef, `registry.example.com/edi/bots@${fakeDigest(JSON.stringify(index.sources))}`);
    });

    it("builds only the configured platforms, and without cache when asked", async () => {
        const run = await runStack({ stack: "dev", set: { imagePlatforms: '["linux/arm64"]', imageCache: "false" } });
        const images = ofType(run, T.image);
        assert.strictEqual(images.length, 1);
        assert.deepStrictEqual(images[0].inputs.platforms, ["linux/arm64"]);
        assert.strictEqual(images[0].inputs.cacheFrom, undefined);
        assert.strictEqual(images[0].inputs.cacheTo, undefined);
    });

    it("passes a local Bots source tree as the named context bots-src, with the version of its CHANGELOG", async () => {
        const tree = botsTree("4.0.0");
        const run = await runStack({ stack: "dev", set: { botsSource: "context", botsSourceDir: tree } });
        const img = ofType(run, T.image)[0].inputs;
        assert.deepStrictEqual(img.context.named, { "bots-src": { location: tree } });
        assert.deepStrictEqual(img.buildArgs, { BOTS_SOURCE: "context", BOTS_VERSION: "4.0.0" });
    });

    it("pushes with registry credentials kept secret", async () => {
        const run = await runStack({ stack: "dev", set: { registryUsername: "ci" }, secrets: { registryPassword: "tok3n" } });
        for (const img of ofType(run, T.image)) {
            // A secret anywhere inside makes the SDK send the whole list as a secret.
            assert.ok(isWrappedSecret(img.inputs.registries), "registries are not secret");
            assert.deepStrictEqual(reveal(img.inputs.registries), [{ address: "registry.example.com", username: "ci", password: "tok3n" }]);
        }
        assert.ok(isWrappedSecret(one(run, T.index).inputs.registry));
    });

    it("deploys an existing digest as it is, without building or looking anything up", async () => {
        const run = await runStack({ stack: "prod" });
        assert.strictEqual(ofType(run, T.image).length + ofType(run, T.index).length, 0);
        assert.strictEqual(run.invokes.length, 0);
        assert.strictEqual(run.outputs.imageDigest, `sha256:${"0".repeat(64)}`);
    });

    it("resolves an existing tag to its digest so workloads still pin it", async () => {
        const run = await runStack({ stack: "prod", set: { imageRef: "registry.example.com/edi/bots:1.4.2" } });
        assert.deepStrictEqual(run.invokes.map((i) => [i.token, i.inputs.name]), [
            ["docker:index/getRegistryImage:getRegistryImage", "registry.example.com/edi/bots:1.4.2"],
        ]);
        const expected = `registry.example.com/edi/bots@${fakeDigest("registry.example.com/edi/bots:1.4.2")}`;
        assert.strictEqual(run.outputs.imageRef, expected);
        assert.strictEqual(one(run, T.job).inputs.spec.template.spec.containers[0].image, expected);
    });
});
