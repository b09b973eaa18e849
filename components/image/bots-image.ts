import * as docker from "@pulumi/docker";
import * as dockerBuild from "@pulumi/docker-build";
import * as pulumi from "@pulumi/pulumi";
import type { ImageConfig, ImageReference } from "../stack-config/config";
import { buildSpec } from "./build-spec";


/** How to build the image (build mode): imagePlatforms, imageCache, botsSourceDir, botsPlugins, and where it is pushed. */
export interface BotsImageBuild extends Pick<ImageConfig, "platforms" | "cache" | "botsSourceDir" | "plugins"> {
    /** Tag the index is pushed under (the digest, not the tag, is what workloads use). */
    tag: string;
    /** Credentials for the registry pushed to. */
    registry?: dockerBuild.types.input.RegistryArgs;
}

/** The image's repository (pushed to or read from, without tag or digest) and botsSource, and how it is had. */
export interface BotsImageArgs extends Pick<ImageConfig, "repository" | "botsSource"> {
    /** Build and push the image; exclusive with existing. */
    build?: BotsImageBuild;
    /** Deploy an image that exists: its tag, or its digest (then nothing is resolved). */
    existing?: Pick<ImageReference, "tag" | "digest">;
}

/**
 * The image every Bots container runs, always as repo@sha256:<digest>. In build mode: one cached
 * docker-build Image per platform joined by an Index (the provider's advice for multi-platform
 * registry caching). In existing mode: the given reference, resolved to its digest if it has none.
 * Providers (docker-build, docker) come from the parent's providers.
 */
export class BotsImage extends pulumi.ComponentResource {
    /** repo@sha256:<digest> of the image (an index/manifest list in build mode). */
    public readonly ref: pulumi.Output<string>;
    /** sha256:<digest> alone. */
    public readonly digest: pulumi.Output<string>;

    constructor(name: string, args: BotsImageArgs, opts?: pulumi.ComponentResourceOptions) {
        super("bots:image:BotsImage", name, {}, opts);
        const repo = args.repository;
        if (args.botsSource === "pypi") {
            // A digest does not say which Bots it holds, so in existing mode botsSource is the
            // stack's statement of it (prod: the same as the dev stack whose digest it runs).
            const what = args.build ? "the image runs" : "imageRef is declared (botsSource) to run";
            pulumi.log.warn(
                `botsSource is pypi: ${what} Bots 3.3.1 on Django 2.2, which is end of life (no security fixes since April 2022). ` +
                    (args.build
                        ? "Set botsSource: context and botsSourceDir to a Bots 4 source tree (docs/plugins.md)."
                        : "Promote an image built from a Bots 4 source tree and set botsSource: context (docs/plugins.md)."),
                this,
            );
        }

        if (args.existing) {
            const { tag, digest } = args.existing;
            this.digest = digest
                ? pulumi.output(digest)
                : docker
                      .getRegistryImageOutput({ name: tag ? `${repo}:${tag}` : repo }, { parent: this })
                      .apply((r) => r.sha256Digest);
        } else {
            const b = args.build!;
            const registries = b.registry ? [b.registry] : undefined;
            // Dockerfile, named contexts (bots-src, bots-plugins) and build args: the same as `npm run image:build`.
            const spec = buildSpec({ botsSourceDir: args.botsSource === "context" ? b.botsSourceDir : undefined, pluginDirs: b.plugins });
            const named = Object.keys(spec.named).length
                ? Object.fromEntries(Object.entries(spec.named).map(([k, location]) => [k, { location }]))
                : undefined;
            const perPlatform = b.platforms.map((platform) => {
                const arch = platform.split("/")[1];
                const cacheRef = `${repo}:cache-${arch}`;
                return new dockerBuild.Image(
                    `${name}-${arch}`,
                    {
                        context: { location: spec.context, named },
                        dockerfile: { location: spec.dockerfile },
                        target: spec.target,
                        platforms: [platform as dockerBuild.Platform],
                        buildArgs: spec.buildArgs,
                        tags: [`${repo}:${b.tag}-${arch}`],
                        push: true,
                        registries,
                        cacheFrom: b.cache ? [{ registry: { ref: cacheRef } }] : undefined,
                        cacheTo: b.cache
                            ? [{ registry: { ref: cacheRef, mode: dockerBuild.CacheMode.Max, imageManifest: true, ociMediaTypes: true } }]
                            : undefined,
                    },
                    { parent: this },
                );
            });
            const index = new dockerBuild.Index(
                name,
                {
                    sources: perPlatform.map((i) => i.ref),
                    tag: `${repo}:${b.tag}`,
                    push: true,
                    registry: b.registry,
                },
                { parent: this },
            );
            this.digest = index.ref.apply((ref) => ref.slice(ref.indexOf("@") + 1));
        }
        this.ref = pulumi.interpolate`${repo}@${this.digest}`;
        this.registerOutputs({ ref: this.ref, digest: this.digest });
    }
}
