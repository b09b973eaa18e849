import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { OPERATIONS_DOC, clean, excerpt, fill, parseCapture } from "../../hack/docs/operations-capture";

// docs/operations.md's excerpts are filled from a run of hack/docs/operations.sh (npm run
// docs:operations). These tests check the filler on a small capture, and that every marker of the
// document names a section and a command the script really runs.

const CAPTURE = [
    "noise before the first section",
    "### README.md, Adding a stack",
    "$ pulumi config set namespace bots-edi-staging",
    "$ pulumi up --policy-pack policy",
    "Updating (staging):",
    "@ updating....",
    " +  kubernetes:core/v1:Secret bots-config creating (0s) ",
    " +  kubernetes:core/v1:Secret bots-config created (0.02s) ",
    "    pulumi:pulumi:Stack bots-edi-deploy-staging  warning: using pulumi-resource-random from $PATH at ~/x",
    "Resources:",
    "    + 1 created",
    "",
    "",
    "$ pulumi stack output --json",
    "{}",
    "### docs/operations.md, Destroy everything but the data",
    "$ pulumi stack rm staging",
    "Stack 'staging' has been removed!",
    "$ kubectl get pvc",
    "bots-data   Bound",
].join("\n");

describe("docs/operations.md excerpts (npm run docs:operations)", () => {
    const sections = parseCapture(CAPTURE);

    it("splits the script's output into its sections and commands", () => {
        assert.deepStrictEqual(
            sections.map((s) => [s.title, s.commands.map((c) => c.command)]),
            [
                ["README.md, Adding a stack", ["pulumi config set namespace bots-edi-staging", "pulumi up --policy-pack policy", "pulumi stack output --json"]],
                ["docs/operations.md, Destroy everything but the data", ["pulumi stack rm staging", "kubectl get pvc"]],
            ],
        );
    });

    it("leaves out progress, the tool builds' warnings, repeats and trailing blank lines; keeps final states", () => {
        assert.deepStrictEqual(excerpt(sections, "Adding a stack", "pulumi up"), [
            "Updating (staging):",
            " +  kubernetes:core/v1:Secret bots-config created (0.02s)",
            "Resources:",
            "    + 1 created",
        ]);
        assert.deepStrictEqual(clean(["a", "a ", "", "", "b", ""]), ["a", "", "b"]);
    });

    it("gives a range of commands with their $ lines", () => {
        assert.deepStrictEqual(excerpt(sections, "Destroy everything", "pulumi stack rm ... kubectl"), [
            "$ pulumi stack rm staging",
            "Stack 'staging' has been removed!",
            "$ kubectl get pvc",
            "bots-data   Bound",
        ]);
    });

    it("replaces the fenced block after each marker and nothing else; names what it cannot find", () => {
        const doc = ["text", "<!-- capture: Adding a stack :: pulumi stack output -->", "```", "old", "```", "more", "```sh", "kept", "```"].join("\n");
        assert.strictEqual(fill(doc, sections), ["text", "<!-- capture: Adding a stack :: pulumi stack output -->", "```", "{}", "```", "more", "```sh", "kept", "```"].join("\n"));
        assert.throws(() => excerpt(sections, "Rollback", "pulumi up"), /no section "Rollback"/);
        assert.throws(() => excerpt(sections, "Adding a stack", "pulumi destroy"), /ran no command starting with "pulumi destroy"/);
        assert.throws(() => fill("<!-- capture: Adding a stack :: pulumi up -->\nnot a fence", sections), /must be followed by a fenced block/);
    });

    it("every marker of docs/operations.md names a section and a command of hack/docs/operations.sh", () => {
        const script = fs.readFileSync(path.resolve(__dirname, "..", "..", "hack", "docs", "operations.sh"), "utf8");
        const titles = [...script.matchAll(/^say "(.*)"$/gm)].map((m) => m[1]);
        const markers = [...fs.readFileSync(OPERATIONS_DOC, "utf8").matchAll(/^<!-- capture: (.+?) :: (.+?) -->$/gm)];
        assert.ok(markers.length >= 10, `docs/operations.md has ${markers.length} capture markers`);
        for (const [, section, commands] of markers) {
            assert.ok(titles.some((t) => t.includes(section)), `no section "${section}" in operations.sh (say lines: ${titles.join("; ")})`);
            for (const c of commands.split(" ... ")) {
                const word = c.split(" ").slice(0, 2).join(" ");
                assert.ok(script.includes(word), `operations.sh runs no "${word}" (marker: ${section} :: ${commands})`);
            }
        }
    });
});
