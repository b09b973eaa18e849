// Fills the captured excerpts of docs/operations.md from a run of hack/docs/operations.sh, so every
// excerpt is real output of the command it names. In the document, a marker names the excerpt and
// the fenced block right after it is replaced:
//   <!-- capture: SECTION :: COMMAND -->             one command's output
//   <!-- capture: SECTION :: COMMAND ... COMMAND --> several commands, with their "$ " lines
// SECTION is part of a "### " title the script prints; COMMAND is the start of a "$ " line in it.
//   npm run docs:operations    (runs operations.sh against the local cluster, then this)
//   ts-node hack/docs/operations-capture.ts CAPTURE_LOG [DOC]
import * as fs from "fs";
import * as path from "path";

export const OPERATIONS_DOC = path.resolve(__dirname, "..", "..", "docs", "operations.md");
const MARKER = /^<!-- capture: (.+?) :: (.+?) -->$/;

/** Lines the documents leave out: progress, and the warnings of this machine's tool builds. */
const NOISE = [
    /^@ /,
    /^Loading policy packs\.\.\./,
    /warning: using pulumi-resource-\S+ from \$PATH/,
    /warning: resource plugin \S+ is expected to have version/,
    // A resource's intermediate states; its final line (created, updated, ...) stays.
    /^\s*(\+\+|\+-|--|\+|-|~)?\s*\S+:\S+ \S+ (creating|updating|deleting|replacing|reading|running|refreshing)\b/,
    /^\s*\S+:\S+:\S+ \S+ running\b/,
    // The ids in a --diff.
    /^\s+\[(id|urn|provider)=/,
];

export interface Section {
    title: string;
    /** "$ command" followed by its output lines. */
    commands: { command: string; output: string[] }[];
}

/** The script's output, split into its "### " sections and their "$ " commands. */
export function parseCapture(text: string): Section[] {
    const sections: Section[] = [];
    for (const line of text.split("\n")) {
        const title = /^### (.*)$/.exec(line);
        if (title) {
            sections.push({ title: title[1], commands: [] });
            continue;
        }
        const section = sections[sections.length - 1];
        if (!section) {
            continue;
        }
        const command = /^\$ (.*)$/.exec(line);
        if (command) {
            section.commands.push({ command: command[1], output: [] });
        } else if (section.commands.length > 0) {
            section.commands[section.commands.length - 1].output.push(line);
        }
    }
    return sections;
}

/** Output without the noise, consecutive repeats and trailing blank lines. */
export function clean(lines: string[]): string[] {
    const out: string[] = [];
    for (const raw of lines) {
        const line = raw.replace(/\s+$/, "");
        if (NOISE.some((re) => re.test(line)) || line === out[out.length - 1]) {
            continue;
        }
        out.push(line);
    }
    while (out.length > 0 && out[out.length - 1] === "") {
        out.pop();
    }
    return out;
}

/** The excerpt a marker names. */
export function excerpt(sections: Section[], sectionName: string, commands: string): string[] {
    const section = sections.find((s) => s.title.includes(sectionName));
    if (!section) {
        throw new Error(`the capture has no section "${sectionName}" (it has: ${sections.map((s) => s.title).join("; ")})`);
    }
    const [first, last] = commands.split(" ... ");
    const index = (prefix: string, from: number) => {
        const i = section.commands.findIndex((c, n) => n >= from && c.command.startsWith(prefix));
        if (i < 0) {
            throw new Error(`section "${section.title}" ran no command starting with "${prefix}"`);
        }
        return i;
    };
    const a = index(first, 0);
    if (last === undefined) {
        return clean(section.commands[a].output);
    }
    const b = index(last, a);
    return section.commands.slice(a, b + 1).flatMap((c) => [`$ ${c.command}`, ...clean(c.output)]);
}

/** The document with every marked block replaced by its excerpt. */
export function fill(doc: string, sections: Section[]): string {
    const lines = doc.split("\n");
    const out: string[] = [];
    for (let i = 0; i < lines.length; i++) {
        out.push(lines[i]);
        const m = MARKER.exec(lines[i]);
        if (!m) {
            continue;
        }
        if (lines[i + 1] !== "```") {
            throw new Error(`line ${i + 2}: a capture marker must be followed by a fenced block`);
        }
        const end = lines.indexOf("```", i + 2);
        if (end < 0) {
            throw new Error(`line ${i + 2}: the fenced block is not closed`);
        }
        out.push("```", ...excerpt(sections, m[1], m[2]), "```");
        i = end;
    }
    return out.join("\n");
}

if (require.main === module) {
    const [log, doc = OPERATIONS_DOC] = process.argv.slice(2);
    if (!log) {
        console.error("usage: ts-node hack/docs/operations-capture.ts CAPTURE_LOG [DOC]");
        process.exit(2);
    }
    fs.writeFileSync(doc, fill(fs.readFileSync(doc, "utf8"), parseCapture(fs.readFileSync(log, "utf8"))));
    console.log(`${path.relative(process.cwd(), doc)}: excerpts filled from ${log}`);
}
