// How the Bots image is built: Dockerfile, context, named contexts and build args. One place for
// the program's build mode (bots-image.ts) and `npm run image:build` (scripts/image-build.ts), so
// both build the same thing. No Pulumi imports: plain Node.
import { createHash } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

/** The docker/ folder of this repo: the build context and Dockerfile of the Bots image. */
export const DOCKER_CONTEXT = path.resolve(__dirname, "..", "..", "docker");
/** Bots on the PyPI fallback path (docker/requirements/bots.txt); end of life: Django 2.2. */
export const PYPI_BOTS_VERSION = "3.3.1";
/** The file in the staged plugins context that lists plugin folders in install order. */
export const PLUGIN_ORDER_FILE = "plugins.txt";

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

/** A problem with a build input, naming the input and the value. */
export class BuildInputError extends Error {}

/** The Bots version a source tree builds as: the first "X.Y.Z" heading of its CHANGELOG.rst. */
export function detectBotsVersion(dir: string): string | undefined {
    const changelog = path.join(dir, "CHANGELOG.rst");
    if (!fs.existsSync(changelog)) {
        return undefined;
    }
    const m = /^(\d+\.\d+\.\d+)\b/m.exec(fs.readFileSync(changelog, "utf8"));
    return m ? m[1] : undefined;
}

/** Errors for a Bots source tree path (empty = fine). */
export function checkBotsSource(dir: string): string[] {
    if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
        return [`${dir} is not a directory`];
    }
    if (!fs.existsSync(path.join(dir, "pyproject.toml")) && !fs.existsSync(path.join(dir, "setup.py"))) {
        return [`${dir} holds neither pyproject.toml nor setup.py (expected a Bots source tree: the folder with Bots' pyproject.toml)`];
    }
    return [];
}

/** Route ids of a plugin folder's botsindex.json; throws BuildInputError naming the folder. */
export function pluginRoutes(dir: string): string[] {
    if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
        throw new BuildInputError(`plugin folder ${dir} does not exist`);
    }
    const index = path.join(dir, "botsindex.json");
    if (!fs.existsSync(index)) {
        throw new BuildInputError(`plugin folder ${dir} has no botsindex.json (a Bots plugin holds botsindex.json, usersys/, botssys/)`);
    }
    let parsed: { plugins?: { routes?: { idroute?: string }[] } };
    try {
        parsed = JSON.parse(fs.readFileSync(index, "utf8"));
    } catch (e) {
        throw new BuildInputError(`plugin folder ${dir}: botsindex.json is not JSON: ${(e as Error).message}`);
    }
    if (!parsed.plugins || typeof parsed.plugins !== "object") {
        throw new BuildInputError(`plugin folder ${dir}: botsindex.json has no "plugins" object`);
    }
    return [...new Set((parsed.plugins.routes ?? []).map((r) => String(r.idroute)))].sort();
}

/** A channel a plugin folder's botsindex.json defines: its id and type (file, sftp, ftp, ...). */
export interface PluginChannel {
    id: string;
    type: string;
    /** The folder's base name: the plugin it comes from. */
    plugin: string;
}

/** The channels of a plugin folder's botsindex.json (Bots writes them under "channel"); throws BuildInputError naming the folder. */
export function pluginChannels(dir: string): PluginChannel[] {
    pluginRoutes(dir);
    const parsed = JSON.parse(fs.readFileSync(path.join(dir, "botsindex.json"), "utf8")) as { plugins: { channel?: { idchannel?: string; type?: string }[] } };
    return (parsed.plugins.channel ?? [])
        .map((ch) => ({ id: String(ch.idchannel), type: String(ch.type ?? ""), plugin: path.basename(dir) }))
        .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** Errors for route ids that two of the plugin folders define (Bots' reader would let the later overwrite the earlier). */
export function checkRouteOwners(pluginDirs: string[]): string[] {
    const owners = new Map<string, string[]>();
    for (const dir of pluginDirs) {
        for (const r of pluginRoutes(dir)) {
            owners.set(r, [...(owners.get(r) ?? []), path.basename(dir)]);
        }
    }
    return [...owners.entries()]
        .filter(([, list]) => list.length > 1)
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([route, list]) => `route "${route}" is defined by plugins ${list.map((p) => `"${p}"`).join(" and ")}: the image's init-db refuses that (the later would overwrite the earlier); keep it in one plugin`);
}

/** Errors for routes to activate that none of the plugin folders defines. */
export function checkActivateRoutes(pluginDirs: string[], routes: string[]): string[] {
    const known = new Map<string, string>();
    for (const dir of pluginDirs) {
        for (const r of pluginRoutes(dir)) {
            known.set(r, dir);
        }
    }
    return routes
        .filter((r) => !known.has(r))
        .map((r) => `route "${r}" is in none of the plugins (${pluginDirs.map((d) => `${path.basename(d)}: ${pluginRoutes(d).join(", ")}`).join("; ")})`);
}

/**
 * Endings of the usersys files Bots' plugin reader installs (bots/pluglib.py read_plugin; files
 * named __init__.* are skipped). The image's bots_runtime/plugins.py has the same list.
 */
export const INSTALLED_USERSYS_SUFFIXES = [".py", ".html", "/index.json"];

/** The files of a plugin folder's usersys/ that Bots' reader installs, relative to usersys/, sorted. */
function installedUsersysFiles(dir: string): string[] {
    const root = path.join(dir, "usersys");
    const found: string[] = [];
    const walk = (rel: string): void => {
        for (const name of fs.readdirSync(path.join(root, rel))) {
            const child = rel ? `${rel}/${name}` : name;
            // statSync follows links, as the staging copy (cpSync with dereference) does.
            if (fs.statSync(path.join(root, child)).isDirectory()) {
                walk(child);
            } else if (INSTALLED_USERSYS_SUFFIXES.some((s) => `/${child}`.endsWith(s)) && !name.startsWith("__init__.")) {
                found.push(child);
            }
        }
    };
    if (fs.existsSync(root)) {
        walk("");
    }
    return found.sort();
}

/**
 * Errors for usersys files that two or more plugin folders install with different content. Bots'
 * reader writes the plugins one after the other: the last one's file wins and it only logs
 * "Overwritten file", so an earlier plugin's route would run with another plugin's grammar or
 * mapping. The same file with the same content (a shared grammar) is fine.
 */
export function checkPluginFiles(pluginDirs: string[]): string[] {
    const owners = new Map<string, { plugin: string; sha: string }[]>();
    for (const dir of pluginDirs) {
        for (const rel of installedUsersysFiles(dir)) {
            const sha = createHash("sha256").update(fs.readFileSync(path.join(dir, "usersys", rel))).digest("hex");
            owners.set(rel, [...(owners.get(rel) ?? []), { plugin: path.basename(dir), sha }]);
        }
    }
    return [...owners.entries()]
        .filter(([, list]) => new Set(list.map((o) => o.sha)).size > 1)
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([rel, list]) => {
            const names = list.map((o) => `"${o.plugin}"`);
            const listed = `${names.slice(0, -1).join(", ")} and ${names[names.length - 1]}`;
            return `plugins ${listed} install usersys/${rel} with different content (Bots' plugin reader keeps the last one written and only logs "Overwritten file"): make the files identical or keep only one of these plugins`;
        });
}

function hashTree(dir: string, hash: ReturnType<typeof createHash>): void {
    for (const name of fs.readdirSync(dir).sort()) {
        const full = path.join(dir, name);
        const st = fs.statSync(full);
        hash.update(name + "\0");
        if (st.isDirectory()) {
            hashTree(full, hash);
        } else {
            hash.update(fs.readFileSync(full));
        }
    }
}

/**
 * Copies plugin folders into one directory (the `bots-plugins` named context): <name>/ per plugin
 * plus plugins.txt with the install order. The directory is named after the content, so the same
 * plugins give the same path (stable previews) and a changed plugin a new one.
 */
export function stagePlugins(pluginDirs: string[], stagingRoot?: string): string {
    const names = pluginDirs.map((d) => path.basename(path.resolve(d)));
    const dup = names.find((n, i) => names.indexOf(n) !== i);
    if (dup) {
        throw new BuildInputError(`two plugin folders are named "${dup}"; plugin folder names must be unique`);
    }
    const hash = createHash("sha256");
    pluginDirs.forEach((d, i) => {
        pluginRoutes(d);
        hash.update(names[i] + "\0");
        hashTree(d, hash);
    });
    const root = stagingRoot ?? path.join(os.tmpdir(), "bots-edi-plugins");
    const target = path.join(root, hash.digest("hex").slice(0, 16));
    if (!fs.existsSync(path.join(target, PLUGIN_ORDER_FILE))) {
        const tmp = `${target}.tmp-${process.pid}`;
        fs.rmSync(tmp, { recursive: true, force: true });
        fs.mkdirSync(tmp, { recursive: true });
        pluginDirs.forEach((d, i) => fs.cpSync(d, path.join(tmp, names[i]), { recursive: true, dereference: true }));
        fs.writeFileSync(path.join(tmp, PLUGIN_ORDER_FILE), names.join("\n") + "\n");
        fs.rmSync(target, { recursive: true, force: true });
        fs.renameSync(tmp, target);
    }
    return target;
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
