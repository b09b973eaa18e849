// Converts the fork's minio_helper config (a YAML file with a top-level `config` mapping:
// `defaults` and named rules, README-config.md of the fork) into this program's
// fileExchangeRules stack config, and says what it could not carry over.
//
//   npm run convert:fork-exchange -- FORK_CONFIG.yaml [--env-dir PATH] [--schedule CRON]
//
// --env-dir: where the fork's mover saw the Bots environment (its relative paths resolve against
// base_file_path; the result must lie inside this directory, because the stack's paths are
// relative to the Bots environment). Default: base_file_path itself. --schedule: the fork's
// CronJob schedule (default "*/15 * * * *", the fork's k3s/kustomized/base/minio_mover).
// Prints the stack config (YAML) on stdout and one line per note on stderr; exit 1 when a rule
// cannot be converted.
import * as fs from "fs";
import * as path from "path";
import { stringify, parse } from "yaml";
import { OptionValues, UsageError, parseCommandLine } from "./cli-args";

export interface ConvertOptions {
    /** The fork's path of the Bots environment; default: defaults.base_file_path. */
    envDir?: string;
    /** Cron schedule of every rule (the fork has one CronJob for all). */
    schedule?: string;
}

export interface Converted {
    rules: Record<string, unknown>[];
    /** What the fork's config said that the stack config does differently or not at all. */
    notes: string[];
    /** Rules that cannot be converted, and why. */
    problems: string[];
}

interface ForkEndpoint {
    type?: string;
    bucket?: string;
    path?: string;
    match?: { glob?: string; regex?: string };
    rename?: unknown;
    rename_rule?: unknown;
}

const FORK_SCHEDULE = "*/15 * * * *";

export function convertForkExchange(yamlText: string, opts: ConvertOptions = {}): Converted {
    const doc = parse(yamlText) as { config?: Record<string, unknown> };
    if (!doc || typeof doc.config !== "object" || doc.config === null) {
        return { rules: [], notes: [], problems: ["the file has no top-level config mapping (the fork's minio_helper format)"] };
    }
    const defaults = (doc.config.defaults ?? {}) as Record<string, unknown>;
    const base = String(defaults.base_file_path ?? "");
    const envDir = opts.envDir ?? base;
    const notes: string[] = [];
    const problems: string[] = [];
    const rules: Record<string, unknown>[] = [];
    if (defaults.retries || defaults.wait_seconds !== undefined) {
        notes.push(`defaults.retries ${defaults.retries ?? 0} / wait_seconds ${defaults.wait_seconds ?? "-"}: not carried over; a file that fails is retried by the rule's next run`);
    }
    if (defaults.exit_on_first_failure !== undefined) {
        notes.push("defaults.exit_on_first_failure: not carried over; each rule runs in a CronJob of its own and goes on past a failed file");
    }
    const location = (rule: string, side: string, e: ForkEndpoint): string | undefined => {
        if (e.type === "s3") {
            const bucket = e.bucket ?? (defaults.default_bucket as string | undefined);
            if (!bucket) {
                problems.push(`${rule}: ${side} is s3 without a bucket and there is no defaults.default_bucket`);
                return undefined;
            }
            const prefix = String(e.path ?? "").replace(/^\/+|\/+$/g, "");
            return `s3://${bucket}/${prefix ? `${prefix}/` : ""}`;
        }
        if (e.type === "file") {
            const abs = path.posix.isAbsolute(String(e.path)) ? String(e.path) : path.posix.join(base, String(e.path));
            const rel = path.posix.relative(envDir, abs);
            if (rel === "" || rel.startsWith("..") || path.posix.isAbsolute(rel)) {
                problems.push(`${rule}: ${side} ${abs} is outside the Bots environment ${envDir} (give --env-dir the fork's path of the environment)`);
                return undefined;
            }
            return rel;
        }
        problems.push(`${rule}: ${side} type ${JSON.stringify(e.type)} is neither s3 nor file`);
        return undefined;
    };
    for (const [name, raw] of Object.entries(doc.config)) {
        if (name === "defaults") {
            continue;
        }
        const r = raw as { description?: string; src?: ForkEndpoint; dest?: ForkEndpoint; mode?: string; max_items?: number; retries?: number };
        const ruleName = name.toLowerCase().replace(/[^a-z0-9-]+/g, "-").replace(/^-+|-+$/g, "");
        if (ruleName !== name) {
            notes.push(`${name}: named ${ruleName} (a rule name is a DNS-1123 label: it names the rule's CronJob)`);
        }
        if (!r.src || !r.dest) {
            problems.push(`${name}: needs src and dest`);
            continue;
        }
        if (r.src.match?.regex) {
            problems.push(`${name}: src.match.regex ${JSON.stringify(r.src.match.regex)} has no equivalent (the exchange matches file-name globs): write it as a glob`);
            continue;
        }
        const rename = r.dest.rename ?? r.dest.rename_rule;
        if (rename) {
            problems.push(`${name}: dest rename ${JSON.stringify(rename)} has no equivalent: files keep their names (a collision gets the content's digest as suffix)`);
            continue;
        }
        const from = location(name, "src", r.src);
        const to = location(name, "dest", r.dest);
        if (from === undefined || to === undefined) {
            continue;
        }
        const mode = r.mode ?? (defaults.mode as string | undefined) ?? "move";
        if (mode === "copy") {
            notes.push(`${name}: mode copy becomes afterCopy keep, which delivers each file once (the fork's copy delivered it again on every run)`);
        } else if (mode !== "move") {
            problems.push(`${name}: mode ${JSON.stringify(mode)} is neither move nor copy`);
            continue;
        }
        const maxItems = r.max_items ?? (defaults.max_items as number | undefined);
        if (r.retries !== undefined) {
            notes.push(`${name}: retries ${r.retries}: not carried over; the next run retries`);
        }
        rules.push({
            name: ruleName,
            ...(r.description ? { description: r.description } : {}),
            from,
            to,
            pattern: r.src.match?.glob ?? "*",
            afterCopy: mode === "copy" ? "keep" : "delete",
            schedule: opts.schedule ?? FORK_SCHEDULE,
            ...(maxItems !== undefined ? { maxFiles: maxItems } : {}),
        });
    }
    return { rules, notes, problems };
}

const USAGE = "usage: npm run convert:fork-exchange -- FORK_CONFIG.yaml [--env-dir PATH] [--schedule CRON]\n";
const OPTIONS = { "env-dir": "string", schedule: "string" } as const;

function main(argv: string[]): number {
    let file: string;
    let opts: OptionValues<typeof OPTIONS>;
    try {
        if (!argv[0] || argv[0].startsWith("-")) {
            throw new UsageError("the fork's mover config file comes first");
        }
        ({ command: file, values: opts } = parseCommandLine(argv, OPTIONS));
    } catch (e) {
        if (!(e instanceof UsageError)) {
            throw e;
        }
        process.stderr.write(`convert:fork-exchange: ${e.message}\n${USAGE}`);
        return 64;
    }
    const result = convertForkExchange(fs.readFileSync(file, "utf8"), { envDir: opts["env-dir"], schedule: opts.schedule });
    result.notes.forEach((n) => process.stderr.write(`note: ${n}\n`));
    result.problems.forEach((p) => process.stderr.write(`cannot convert: ${p}\n`));
    process.stdout.write(stringify({ config: { "bots-edi-deploy:fileExchangeRules": result.rules } }));
    return result.problems.length > 0 ? 1 : 0;
}

if (require.main === module) {
    process.exit(main(process.argv.slice(2)));
}
