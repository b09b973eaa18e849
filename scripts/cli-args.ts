// The command line of the operator scripts (`npm run backup`, `npm run migrate:fork`):
// `COMMAND [--option VALUE | --flag]...`, read with node's util.parseArgs. parseArgs runs lenient
// so that the scripts word their own refusals (`unknown option --x`, `--x needs a value`) the
// same way they always have; a UsageError is the caller's exit code 64.
import { parseArgs } from "util";

export class UsageError extends Error {}

/** An option's kind: "string" takes a value (`--id ID` or `--id=ID`), "boolean" is a flag. */
export type OptionKinds = Record<string, "string" | "boolean">;

/** The values of the options given: strings for "string" options, true for flags. */
export type OptionValues<T extends OptionKinds> = { [K in keyof T]?: T[K] extends "string" ? string : boolean };

/** Splits argv into its command (the first argument) and the options after it. */
export function parseCommandLine<T extends OptionKinds>(argv: string[], kinds: T): { command: string; values: OptionValues<T> } {
    const options = Object.fromEntries(Object.entries(kinds).map(([name, type]) => [name, { type }]));
    const { tokens } = parseArgs({ args: argv.slice(1), options, strict: false, allowPositionals: true, tokens: true });
    const values: Record<string, string | boolean> = {};
    for (const t of tokens) {
        if (t.kind === "positional") {
            throw new UsageError(`unknown option ${t.value}`);
        }
        if (t.kind === "option-terminator") {
            throw new UsageError("unknown option --");
        }
        const kind = Object.hasOwn(kinds, t.name) ? kinds[t.name] : undefined;
        if (kind === undefined || (kind === "boolean" && t.inlineValue)) {
            throw new UsageError(`unknown option ${argv[t.index + 1]}`);
        }
        if (kind === "string") {
            // Lenient parseArgs takes the next argument whatever it is: `--stack --id x` is a missing value.
            if (t.value === undefined || (!t.inlineValue && t.value.startsWith("--"))) {
                throw new UsageError(`${t.rawName} needs a value`);
            }
            values[t.name] = t.value;
        } else {
            values[t.name] = true;
        }
    }
    return { command: argv[0] ?? "", values: values as OptionValues<T> };
}
