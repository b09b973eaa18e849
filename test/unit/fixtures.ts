// Small on-disk inputs for the unit tier: a Bots source tree and Bots plugin folders (temporary
// directories, removed at exit).
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const made: string[] = [];
process.on("exit", () => made.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

function tmp(prefix: string): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    made.push(dir);
    return dir;
}

/** A directory that looks like a Bots source tree of the given version. */
export function botsTree(version: string): string {
    const dir = tmp("bots-tree-");
    fs.writeFileSync(path.join(dir, "pyproject.toml"), '[project]\nname = "bots-ediint"\n');
    fs.writeFileSync(path.join(dir, "CHANGELOG.rst"), `Changelog\n=========\n\n${version}\n-----\n- Django 5 support\n`);
    return dir;
}

/**
 * A Bots plugin folder named `name` whose botsindex.json defines these routes (index omitted when
 * routes is undefined), with usersys/grammars/edifact/ORDERS.py and `files` (path in the folder ->
 * content) and these channels (id and type).
 */
export function pluginDir(name: string, routes: string[] | undefined, files: Record<string, string> = {}, channels: { id: string; type: string }[] = []): string {
    const dir = path.join(tmp("bots-plugin-"), name);
    for (const [rel, content] of Object.entries({ "usersys/grammars/edifact/ORDERS.py": "structure = []\n", ...files })) {
        fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
        fs.writeFileSync(path.join(dir, rel), content);
    }
    if (routes) {
        const index = {
            bots_version: "4.0.0",
            plugins: {
                routes: routes.map((idroute) => ({ plugintype: "routes", idroute, seq: 1 })),
                channel: channels.map((c) => ({ plugintype: "channel", idchannel: c.id, type: c.type, secret: "" })),
            },
        };
        fs.writeFileSync(path.join(dir, "botsindex.json"), JSON.stringify(index));
    }
    return dir;
}
