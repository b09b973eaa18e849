// Generates, from the one description of every key (components/stack-config/config-schema.ts), the
// `config:` block of Pulumi.yaml and the key table of docs/configuration.md (between its markers).
//   npm run docs            rewrite both files
//   npm run docs -- --check exit 1 when either differs from what would be generated (hack/lint.sh)
import * as fs from "fs";
import * as path from "path";
import { RENAMED_KEYS, SECRET_KEY_DOCS, rawConfigSchema } from "../../components/stack-config/config-schema";
import { keyDocs } from "../../components/stack-config/key-kinds";

const ROOT = path.resolve(__dirname, "..", "..");
export const PULUMI_YAML = path.join(ROOT, "Pulumi.yaml");
export const CONFIG_DOC = path.join(ROOT, "docs", "configuration.md");
export const BEGIN = "<!-- BEGIN config-reference (npm run docs) -->";
export const END = "<!-- END config-reference -->";

interface Key {
    key: string;
    type: string;
    /** Type of an array's items (string unless said). */
    items?: string;
    description: string;
    /** The default the program applies, as Pulumi.yaml declares it; undefined when the key is required. */
    default?: unknown;
}

/** Every plain key in schema order, with its type, description and applied default. */
export function keys(): Key[] {
    return Object.entries(rawConfigSchema.shape).map(([key, schema]) => {
        const doc = keyDocs.get(schema);
        if (!doc) {
            throw new Error(`config key ${key} has no description in config-schema.ts`);
        }
        const applied = schema.safeParse(undefined);
        return { key, ...doc, default: applied.success ? applied.data : undefined };
    });
}

/** The `config:` block of Pulumi.yaml. */
export function configBlock(): string {
    const lines = [
        "config:",
        "  # Nothing may land on whatever kubectl context happens to be current: every provider is explicit.",
        "  pulumi:disable-default-providers:",
        "    value:",
        '      - "*"',
    ];
    for (const k of keys()) {
        lines.push(`  ${k.key}:`, `    type: ${k.type}`);
        if (k.type === "array") {
            lines.push("    items:", `      type: ${k.items ?? "string"}`);
        }
        lines.push(`    description: ${JSON.stringify(k.description)}`);
        if (k.default !== undefined) {
            lines.push(`    default: ${JSON.stringify(k.default).replace(/","/g, '", "')}`);
        }
    }
    return lines.join("\n") + "\n";
}

const cell = (s: string) => s.replace(/\|/g, "\\|");

/** The reference table between the markers of docs/configuration.md. */
export function referenceTable(): string {
    const rows = [
        "| key | type | default | meaning |",
        "|---|---|---|---|",
        ...keys().map((k) => `| \`${k.key}\` | ${k.type} | ${k.default === undefined ? "*(required)*" : `\`${JSON.stringify(k.default)}\``} | ${cell(k.description)} |`),
        "",
        "Secret keys: set only with `pulumi config set --secret KEY`; a plain value is refused. They are",
        "optional, so Pulumi.yaml cannot declare them (the CLI would demand a value for a declared secret).",
        "",
        "| key | type | default | meaning |",
        "|---|---|---|---|",
        ...Object.entries(SECRET_KEY_DOCS).map(([k, d]) => `| \`${k}\` | string | *(secret, optional)* | ${cell(d)} |`),
        "",
        "Renamed keys: the old name is still read until the release given, with a warning that says the two",
        "commands that move the value; setting both names is refused. Pulumi.yaml declares only the new name.",
        "",
        "| old key | new key | read until |",
        "|---|---|---|",
        ...Object.entries(RENAMED_KEYS).map(([k, r]) => `| \`${k}\` | \`${r.to}\` | ${r.until} |`),
    ];
    return rows.join("\n") + "\n";
}

export function renderPulumiYaml(current: string): string {
    const at = current.search(/^config:$/m);
    if (at < 0) {
        throw new Error("Pulumi.yaml has no top-level config: block");
    }
    return current.slice(0, at) + configBlock();
}

export function renderConfigDoc(current: string): string {
    const b = current.indexOf(BEGIN);
    const e = current.indexOf(END);
    if (b < 0 || e < b) {
        throw new Error(`docs/configuration.md lacks the markers ${BEGIN} ... ${END}`);
    }
    return `${current.slice(0, b + BEGIN.length)}\n${referenceTable()}${current.slice(e)}`;
}

function main(check: boolean): number {
    let drift = 0;
    for (const [file, render] of [
        [PULUMI_YAML, renderPulumiYaml],
        [CONFIG_DOC, renderConfigDoc],
    ] as const) {
        const current = fs.readFileSync(file, "utf8");
        const wanted = render(current);
        if (current === wanted) {
            continue;
        }
        if (check) {
            process.stderr.write(`${path.relative(ROOT, file)} differs from what config-schema.ts generates: run npm run docs\n`);
            drift++;
        } else {
            fs.writeFileSync(file, wanted);
            process.stdout.write(`wrote ${path.relative(ROOT, file)}\n`);
        }
    }
    return drift === 0 ? 0 : 1;
}

if (require.main === module) {
    process.exit(main(process.argv.includes("--check")));
}
