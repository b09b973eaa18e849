// Plugin folders copied into one content-addressed build context (the `bots-plugins` named context
// of the Dockerfile): the one place the program writes to disk, under the system temp directory.
import { createHash } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { BuildInputError, pluginRoutes } from "./plugin-checks";

/** The file in the staged plugins context that lists plugin folders in install order. */
export const PLUGIN_ORDER_FILE = "plugins.txt";

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
