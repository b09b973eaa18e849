// What the program reads from a Bots source tree and plugin folders on disk, and the problems it
// refuses them for, each naming the input: used by the stack config's checks (components/config/
// source-checks.ts) and the build (build-spec.ts). Reads only; writes nothing.
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";

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
