// The command lines of the operator scripts (`npm run backup`, `npm run migrate:fork`,
// `npm run image:build`, `npm run convert:fork-exchange`): `[COMMAND] [--option VALUE | --flag]...`,
// read with node's util.parseArgs. parseArgs runs lenient so that the scripts word their own
// refusals (`unknown option --x`, `--x needs a value`) the same way they always have; a
// UsageError is the caller's exit code 64.
import { parseArgs } from "util";

export class UsageError extends Error {}

/**
 * An option's kind: "string" takes a value (`--id ID` or `--id=ID`), "strings" takes one each
 * time it is given (`--plugin A --plugin B`), "boolean" is a flag.
 */
export type OptionKinds = Record<string, "string" | "strings" | "boolean">;

/** The values of the options given: a string, the list of strings, or true for a flag. */
export type OptionValues<T extends OptionKinds> = {
    [K in keyof T]?: T[K] extends "string" ? string : T[K] extends "strings" ? string[] : boolean;
};

/** Reads options only; any positional argument is refused by name. */
export function parseOptions<T extends OptionKinds>(argv: string[], kinds: T): OptionValues<T> {
    const options = Object.fromEntries(
        Object.entries(kinds).map(([name, kind]) => [name, kind === "boolean" ? { type: "boolean" as const } : { type: "string" as const, multiple: kind === "strings" }]),
    );
    const { tokens } = parseArgs({ args: argv, options, strict: false, allowPositionals: true, tokens: true });
    const values: Record<string, string | string[] | boolean> = {};
    for (const t of tokens) {
        if (t.kind === "positional") {
            throw new UsageError(`unknown option ${t.value}`);
        }
        if (t.kind === "option-terminator") {
            throw new UsageError("unknown option --");
        }
        const kind = Object.hasOwn(kinds, t.name) ? kinds[t.name] : undefined;
        if (kind === undefined || (kind === "boolean" && t.inlineValue)) {
            throw new UsageError(`unknown option ${argv[t.index]}`);
        }
        if (kind === "boolean") {
            values[t.name] = true;
            continue;
        }
        // Lenient parseArgs takes the next argument whatever it is: `--stack --id x` is a missing value.
        if (t.value === undefined || (!t.inlineValue && t.value.startsWith("--"))) {
            throw new UsageError(`${t.rawName} needs a value`);
        }
        if (kind === "strings") {
            values[t.name] = [...((values[t.name] as string[] | undefined) ?? []), t.value];
        } else {
            values[t.name] = t.value;
        }
    }
    return values as OptionValues<T>;
}

/** Splits argv into its command (the first argument) and the options after it. */
export function parseCommandLine<T extends OptionKinds>(argv: string[], kinds: T): { command: string; values: OptionValues<T> } {
    return { command: argv[0] ?? "", values: parseOptions(argv.slice(1), kinds) };
}
