import * as path from "path";
import * as docker from "@pulumi/docker";
import * as dockerBuild from "@pulumi/docker-build";
import * as pulumi from "@pulumi/pulumi";
import { ImageConfig } from "../config/config";

/** The docker/ folder of this repo: the build context and Dockerfile of the Bots image. */
export const DOCKER_CONTEXT = path.resolve(__dirname, "..", "..", "docker");

export interface BotsImageArgs {
    /** Image settings from the stack config. */
    image: ImageConfig;
    /** Tag the index is pushed under (the digest, not the tag, is what workloads use). */
    tag: string;
    /** docker-build provider, used in build mode. */
    buildProvider?: dockerBuild.Provider;
    /** docker provider, used to resolve an existing tag to its digest. */
    dockerProvider?: docker.Provider;
}

/**
 * The image every Bots container runs, always as repo@sha256:<digest>. In build mode: one cached
 * docker-build Image per platform joined by an Index (the provider's advice for multi-platform
 * registry caching). In existing mode: the given reference, resolved to its digest if it has none.
 */
export class BotsImage extends pulumi.ComponentResource {
    /** repo@sha256:<digest> of the image (an index/manifest list in build mode). */
    public readonly ref: pulumi.Output<string>;
    /** sha256:<digest> alone. */
    public readonly digest: pulumi.Output<string>;

    constructor(name: string, args: BotsImageArgs, opts?: pulumi.ComponentResourceOptions) {
        super("bots:image:BotsImage", name, {}, opts);
        const img = args.image;

        if (img.mode === "existing") {
            const given = img.ref!;
            const at = given.indexOf("@sha256:");
            this.digest =
                at >= 0
                    ? pulumi.output(given.slice(at + 1))
                    : docker
                          .getRegistryImageOutput({ name: given }, { parent: this, provider: args.dockerProvider })
                          .apply((r) => r.sha256Digest);
        } else {
            const registries = img.registry ? [img.registry] : undefined;
            const perPlatform = img.platforms.map((platform) => {
                const arch = platform.split("/")[1];
                const cacheRef = `${img.repository}:cache-${arch}`;
                return new dockerBuild.Image(
                    `${name}-${arch}`,
                    {
                        context: {
                            location: DOCKER_CONTEXT,
                            named:
                                img.botsSource === "context"
                                    ? { "bots-src": { location: path.resolve(img.botsSourceDir!) } }
                                    : undefined,
                        },
                        dockerfile: { location: path.join(DOCKER_CONTEXT, "Dockerfile") },
                        platforms: [platform as dockerBuild.Platform],
                        buildArgs: { BOTS_SOURCE: img.botsSource },
                        tags: [`${img.repository}:${args.tag}-${arch}`],
                        push: true,
                        registries,
                        cacheFrom: img.cache ? [{ registry: { ref: cacheRef } }] : undefined,
                        cacheTo: img.cache
                            ? [{ registry: { ref: cacheRef, mode: dockerBuild.CacheMode.Max, imageManifest: true, ociMediaTypes: true } }]
                            : undefined,
                    },
                    { parent: this, provider: args.buildProvider },
                );
            });
            const index = new dockerBuild.Index(
                name,
                {
                    sources: perPlatform.map((i) => i.ref),
                    tag: `${img.repository}:${args.tag}`,
                    push: true,
                    registry: img.registry,
                },
                { parent: this, provider: args.buildProvider },
            );
            this.digest = index.ref.apply((ref) => ref.slice(ref.indexOf("@") + 1));
        }
        this.ref = pulumi.interpolate`${img.repository}@${this.digest}`;
        this.registerOutputs({ ref: this.ref, digest: this.digest });
    }
}
