import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";

// Comments and documents cite sections as `README.md, "Heading"`; a renamed heading must not leave
// a pointer to nowhere behind.
const REPO = path.resolve(__dirname, "..", "..");
const CITATION = /(?<!upstream )\b((?:docs\/|docker\/)?[A-Za-z-]+\.md|README|CONTRIBUTING),? "([^"\n]+)"/g;

function headings(file: string): string[] {
    const text = fs.readFileSync(path.join(REPO, file), "utf8").replace(/```[\s\S]*?```/g, "");
    return [...text.matchAll(/^#{1,6} (.+)$/gm)].map((m) => m[1].trim());
}

/** A cited heading matches as written, without its "N. " number, or before a parenthesis. */
function names(heading: string): string[] {
    const unnumbered = heading.replace(/^\d+\. /, "");
    return [heading, unnumbered, unnumbered.replace(/ \(.*\)$/, "")];
}

describe("section citations", () => {
    const files = execFileSync("git", ["ls-files", "*.ts", "*.sh", "*.py", "*.go", "*.md", "*.yml", "*.yaml", ".ci/run"], {
        cwd: REPO,
        encoding: "utf8",
    })
        .split("\n")
        .filter((f) => f !== "" && !f.startsWith("test/unit/doc-citations"));

    it("finds citations to check (the pattern still matches how the repository cites)", () => {
        const count = files.reduce((n, f) => n + [...fs.readFileSync(path.join(REPO, f), "utf8").matchAll(CITATION)].length, 0);
        assert.ok(count >= 10, `only ${count} citations found`);
    });

    it("every `FILE, \"Heading\"` names a heading that FILE has", () => {
        const bad: string[] = [];
        for (const f of files) {
            const text = fs.readFileSync(path.join(REPO, f), "utf8");
            for (const m of text.matchAll(CITATION)) {
                const named = m[1] === "README" ? "README.md" : m[1] === "CONTRIBUTING" ? "CONTRIBUTING.md" : m[1];
                // A bare file name in a document is relative to that document's folder.
                const sibling = path.join(path.dirname(f), named);
                const target = !named.includes("/") && fs.existsSync(path.join(REPO, sibling)) ? sibling : named;
                if (!fs.existsSync(path.join(REPO, target))) {
                    bad.push(`${f}: ${m[0]} (no file ${target})`);
                } else if (!headings(target).some((h) => names(h).includes(m[2]))) {
                    bad.push(`${f}: ${m[0]} (no such heading in ${target})`);
                }
            }
        }
        assert.deepStrictEqual(bad, []);
    });
});
