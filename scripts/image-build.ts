// `npm run image:build -- [--bots-source DIR] [--plugin DIR ...] [--platform P] [--tag T]
//                         [--bots-version V] [--base-image IMG] [--target T] [--no-cache]
//                         [--docker-context DIR]`   (the last two: for hack/docker/bench-image.sh)
//                         [--push]
// Builds docker/Dockerfile with the same arguments as the program's build mode
// (components/image/build-spec.ts), loads the image into the local Docker engine and prints the
// local image reference alone on its last line. Build output goes to stderr.
// --push: pushes the tag (a registry reference) instead of loading it, so --platform may name
// several platforms (one manifest list; Docker's own store holds one platform per tag), and
// prints TAG@DIGEST of what was pushed (hack/docker/multiarch-build.sh).
// Builder: $BOTS_BUILDX (a buildx binary; its builder via $BOTS_BUILDX_BUILDER), else
// `docker buildx`, else buildx + buildkitd built from Go by hack/docker/buildkit.sh.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { buildSpec, buildxArgs } from "../components/image/build-spec";
import { BuildInputError } from "../components/image/plugin-checks";
import { UsageError, parseOptions } from "./cli-args";

const ROOT = path.resolve(__dirname, "..");

interface Options {
    botsSource?: string;
    plugins: string[];
    platform?: string;
    tag: string;
    botsVersion?: string;
    baseImage?: string;
    target?: string;
    noCache: boolean;
    dockerContext?: string;
    push: boolean;
}

const USAGE =
    "allowed: --bots-source DIR, --plugin DIR (repeatable), --platform P, --tag T, --bots-version V, --base-image IMG, --target T, --no-cache, --docker-context DIR, --push";

function parse(argv: string[]): Options {
    let v;
    try {
        v = parseOptions(argv, {
            "bots-source": "string",
            plugin: "strings",
            platform: "string",
            tag: "string",
            "bots-version": "string",
            "base-image": "string",
            target: "string",
            "no-cache": "boolean",
            "docker-context": "string",
            push: "boolean",
        });
    } catch (e) {
        throw e instanceof UsageError ? new BuildInputError(`${e.message} (${USAGE})`) : e;
    }
    return {
        botsSource: v["bots-source"],
        plugins: v.plugin ?? [],
        platform: v.platform,
        tag: v.tag ?? "bots-edi:local",
        botsVersion: v["bots-version"],
        baseImage: v["base-image"],
        target: v.target,
        noCache: v["no-cache"] ?? false,
        dockerContext: v["docker-context"],
        push: v.push ?? false,
    };
}

function sh(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): { code: number; out: string } {
    const r = spawnSync(cmd, args, { cwd: ROOT, env, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"], maxBuffer: 64 * 1024 * 1024 });
    return { code: r.status ?? 1, out: (r.stdout ?? "").trim() };
}

function builder(): { cmd: string; pre: string[]; env: NodeJS.ProcessEnv } {
    if (process.env.BOTS_BUILDX) {
        const pre = process.env.BOTS_BUILDX_BUILDER ? ["--builder", process.env.BOTS_BUILDX_BUILDER] : [];
        return { cmd: process.env.BOTS_BUILDX, pre, env: process.env };
    }
    if (spawnSync("docker", ["buildx", "version"], { stdio: "ignore" }).status === 0) {
        return { cmd: "docker", pre: ["buildx"], env: process.env };
    }
    const r = sh("bash", ["-c", "source hack/docker/buildkit.sh && ensure_buildkit >&2 && echo \"$BUILDX\" && echo \"$BUILDX_CONFIG\""]);
    if (r.code !== 0) {
        throw new Error("no buildx: install the docker buildx plugin, or let hack/docker/buildkit.sh build one (needs go)");
    }
    const [buildx, config] = r.out.split("\n").slice(-2);
    return { cmd: buildx, pre: ["--builder", "bots-remote"], env: { ...process.env, BUILDX_CONFIG: config } };
}

function main(): number {
    const o = parse(process.argv.slice(2));
    const revision = sh("git", ["rev-parse", "HEAD"]);
    const spec = buildSpec({
        botsSourceDir: o.botsSource,
        botsVersion: o.botsVersion,
        pluginDirs: o.plugins,
        baseImage: o.baseImage ?? process.env.BOTS_BASE_IMAGE,
        labels: { source: process.env.BOTS_IMAGE_SOURCE, revision: revision.code === 0 ? revision.out : undefined },
        dockerContext: o.dockerContext,
    });
    const b = builder();
    const metadata = o.push ? path.join(fs.mkdtempSync(path.join(os.tmpdir(), "image-build-")), "metadata.json") : "";
    const output = o.push ? ["--push", "--metadata-file", metadata] : ["--load"];
    const args = [...b.pre, ...buildxArgs(spec, { platform: o.platform, target: o.target }), ...output, "-t", o.tag];
    if (o.noCache) {
        args.splice(b.pre.length + 1, 0, "--no-cache");
    }
    process.stderr.write(`image:build: ${b.cmd} ${args.join(" ")}\n`);
    const r = spawnSync(b.cmd, args, { cwd: ROOT, env: b.env, stdio: ["ignore", "inherit", "inherit"] });
    const digest = r.status === 0 && o.push ? JSON.parse(fs.readFileSync(metadata, "utf8"))["containerimage.digest"] : "";
    if (o.push) {
        fs.rmSync(path.dirname(metadata), { recursive: true, force: true });
    }
    if (r.status !== 0) {
        process.stderr.write(`image:build: build failed (exit ${r.status})\n`);
        return r.status ?? 1;
    }
    if (o.push) {
        process.stdout.write(`${o.tag}@${digest}\n`);
        return 0;
    }
    const id = sh("docker", ["image", "inspect", "-f", "{{.Id}}", o.tag]);
    if (id.code !== 0) {
        process.stderr.write(`image:build: ${o.tag} is not in the local Docker engine after --load\n`);
        return 1;
    }
    const repo = o.tag.includes(":") && !o.tag.endsWith("]") ? o.tag.slice(0, o.tag.lastIndexOf(":")) : o.tag;
    const ref = `${repo}:bots-${spec.botsVersion}-${id.out.replace("sha256:", "").slice(0, 12)}`;
    if (sh("docker", ["tag", o.tag, ref]).code !== 0) {
        return 1;
    }
    process.stdout.write(`${ref}\n`);
    return 0;
}

try {
    process.exitCode = main();
} catch (e) {
    process.stderr.write(`image:build: ${(e as Error).message}\n`);
    process.exitCode = e instanceof BuildInputError ? 64 : 1;
}
