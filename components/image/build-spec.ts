// How the Bots image is built: Dockerfile, context, named contexts and build args. One place for
// the program's build mode (bots-image.ts) and `npm run image:build` (scripts/image-build.ts), so
// both build the same thing. No Pulumi imports: plain Node.
import * as path from "path";
import { BuildInputError, checkBotsSource, detectBotsVersion } from "./plugin-checks";
import { stagePlugins } from "./plugin-staging";

/** The docker/ folder of this repo: the build context and Dockerfile of the Bots image. */
export const DOCKER_CONTEXT = path.resolve(__dirname, "..", "..", "docker");
/** Bots on the PyPI fallback path (docker/requirements/bots.txt); end of life: Django 2.2. */
export const PYPI_BOTS_VERSION = "3.3.1";

export interface BuildInputs {
    /** A Bots source tree (holds pyproject.toml or setup.py); absent = Bots 3.3.1 from PyPI. */
    botsSourceDir?: string;
    /** Version a tree without .git is built as; default: the first version heading of CHANGELOG.rst. */
    botsVersion?: string;
    /** Plugin folders (botsindex.json, usersys/, botssys/), installed in this order. */
    pluginDirs?: string[];
    /** Where plugin folders are staged for the build (default: a content-addressed dir under the OS temp dir). */
    stagingRoot?: string;
    /** BASE_IMAGE build arg (default: the Dockerfile's). */
    baseImage?: string;
    /** OCI labels: source URL, revision and version of this project. */
    labels?: { source?: string; revision?: string; version?: string };
    /** Build context holding the Dockerfile (default: this repo's docker/; the bench passes a copy). */
    dockerContext?: string;
}

export interface BuildSpec {
    dockerfile: string;
    context: string;
    target: string;
    buildArgs: Record<string, string>;
    /** Named build contexts: name -> local directory. */
    named: Record<string, string>;
    botsVersion: string;
}

/** The build of the shipped image (target `runtime`) for these inputs. */
export function buildSpec(inputs: BuildInputs): BuildSpec {
    const named: Record<string, string> = {};
    const buildArgs: Record<string, string> = {};
    let botsVersion = PYPI_BOTS_VERSION;
    if (inputs.botsSourceDir) {
        const dir = path.resolve(inputs.botsSourceDir);
        const errors = checkBotsSource(dir);
        if (errors.length) {
            throw new BuildInputError(`Bots source: ${errors.join("; ")}`);
        }
        const version = inputs.botsVersion ?? detectBotsVersion(dir);
        if (!version) {
            throw new BuildInputError(`Bots source ${dir}: no version heading in CHANGELOG.rst; give the version explicitly`);
        }
        botsVersion = version;
        named["bots-src"] = dir;
        buildArgs.BOTS_SOURCE = "context";
    } else {
        buildArgs.BOTS_SOURCE = "pypi";
    }
    buildArgs.BOTS_VERSION = botsVersion;
    const plugins = inputs.pluginDirs ?? [];
    if (plugins.length) {
        if (!inputs.botsSourceDir) {
            throw new BuildInputError("plugins need Bots 4 (a Bots source tree); the PyPI fallback (Bots 3.3.1) cannot read botsindex.json plugins");
        }
        named["bots-plugins"] = stagePlugins(plugins.map((p) => path.resolve(p)), inputs.stagingRoot);
    }
    if (inputs.baseImage) {
        buildArgs.BASE_IMAGE = inputs.baseImage;
    }
    const labels = inputs.labels ?? {};
    if (labels.source) {
        buildArgs.IMAGE_SOURCE = labels.source;
    }
    if (labels.revision) {
        buildArgs.IMAGE_REVISION = labels.revision;
    }
    if (labels.version) {
        buildArgs.IMAGE_VERSION = labels.version;
    }
    const context = inputs.dockerContext ?? DOCKER_CONTEXT;
    return { dockerfile: path.join(context, "Dockerfile"), context, target: "runtime", buildArgs, named, botsVersion };
}

/** `buildx build` arguments for a spec (without the builder, output and tag options). */
export function buildxArgs(spec: BuildSpec, opts: { platform?: string; target?: string } = {}): string[] {
    const args = ["build", "-f", spec.dockerfile, "--target", opts.target ?? spec.target];
    if (opts.platform) {
        args.push("--platform", opts.platform);
    }
    for (const [k, v] of Object.entries(spec.buildArgs)) {
        args.push("--build-arg", `${k}=${v}`);
    }
    for (const [k, v] of Object.entries(spec.named)) {
        args.push("--build-context", `${k}=${v}`);
    }
    args.push(spec.context);
    return args;
}
