import * as path from "path";
import { RawConfig } from "./config-schema";
import { BuildInputError, checkActivateRoutes, checkBotsSource, checkPluginFiles, checkRouteOwners, pluginRoutes } from "../image/plugin-checks";

// The stack config's checks that read the disk: the Bots source tree and the plugin folders a build
// stack names. Kept apart from the schema (config-schema.ts), whose rules read only the values.

/** Problems with the folders the config names, by key; none when it names none. */
export function sourceIssues(c: RawConfig): { key: string; message: string }[] {
    const issues: { key: string; message: string }[] = [];
    const add = (key: string, message: string) => issues.push({ key, message });
    const builds = c.imageMode === "build" && c.botsSource === "context";
    if (builds && c.botsSourceDir !== "") {
        for (const problem of checkBotsSource(path.resolve(c.botsSourceDir))) {
            add("botsSourceDir", problem);
        }
    }
    if (!builds || c.botsPlugins.length === 0) {
        return issues;
    }
    const dirs = c.botsPlugins.map((d) => path.resolve(d));
    const names = dirs.map((d) => path.basename(d));
    const dup = names.find((n, i) => names.indexOf(n) !== i);
    if (dup) {
        add("botsPlugins", `two plugin folders are named "${dup}": a plugin is installed under its folder name, which must be unique`);
    }
    let readable = true;
    for (const dir of dirs) {
        try {
            pluginRoutes(dir);
        } catch (e) {
            readable = false;
            add("botsPlugins", e instanceof BuildInputError ? e.message : String(e));
        }
    }
    if (readable) {
        for (const problem of [...checkRouteOwners(dirs), ...checkPluginFiles(dirs)]) {
            add("botsPlugins", problem);
        }
        for (const problem of checkActivateRoutes(dirs, c.botsActivateRoutes)) {
            add("botsActivateRoutes", problem);
        }
    }
    return issues;
}
