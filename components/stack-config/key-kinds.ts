import { z } from "zod";
import { parseCpu, parseMemory } from "./quantity";

// The kinds of value a config key holds (text, whole number, boolean, lists, one of a set, CPU and
// memory quantities), each a zod schema that parses the string the Pulumi engine hands over, with
// its default, its rule and the message naming what is allowed, and registers its description
// for the docs (keyDocs).

/** The type a key is declared with in Pulumi.yaml. */
export type DeclaredType = "string" | "integer" | "boolean" | "array";

/** What the docs generator needs of each key: its declared type and its one description. */
export const keyDocs = z.registry<{ type: DeclaredType; description: string; items?: "string" | "object" }>();

/** A rule: why a value is refused, or undefined. */
export type Rule = (s: string) => string | undefined;

export function describe<S extends z.ZodType>(schema: S, type: DeclaredType, description: string, items?: "object"): S {
    keyDocs.add(schema, { type, description, ...(items ? { items } : {}) });
    return schema;
}

const checked = (schema: z.ZodType<string, string | undefined>, rule: Rule) =>
    schema.superRefine((s, ctx) => {
        const why = rule(s);
        if (why !== undefined) {
            ctx.addIssue({ code: "custom", message: why });
        }
    });

/** A string key with a default; `rule` (if any) applies to non-empty values when `optional`. */
export const text = (def: string, description: string, rule?: Rule, opts: { optional?: boolean } = {}) =>
    describe(
        rule ? checked(z.string().default(def), (s) => (opts.optional && s === "" ? undefined : rule(s))) : z.string().default(def),
        "string",
        description,
    );

export const integer = (def: number, min: number, max: number, description: string) =>
    describe(
        z
            .string()
            .default(String(def))
            .refine((s) => /^-?\d+$/.test(s.trim()), { error: `must be a whole number from ${min} to ${max}` })
            .transform((s) => Number(s.trim()))
            .refine((n) => n >= min && n <= max, { error: `must be a whole number from ${min} to ${max}` }),
        "integer",
        description,
    );

export const bool = (def: boolean, description: string) =>
    describe(
        z
            .string()
            .default(String(def))
            .refine((s) => s === "true" || s === "false", { error: "must be true or false" })
            .transform((s) => s === "true"),
        "boolean",
        description,
    );

/** The value a JSON text holds, or undefined when it is not JSON. */
function jsonOf(s: string): unknown {
    try {
        return JSON.parse(s);
    } catch {
        return undefined;
    }
}

/** A JSON array of strings (how the Pulumi engine hands over `type: array` config), each item checked by `rule`. */
export const stringList = (def: string[], rule: Rule, description: string) =>
    describe(
        z
            .string()
            .default(JSON.stringify(def))
            .transform((s, ctx) => {
                const value = jsonOf(s);
                if (!Array.isArray(value) || value.some((v) => typeof v !== "string")) {
                    ctx.addIssue({ code: "custom", message: "must be a list of strings (pulumi config set --path 'KEY[0]' VALUE)" });
                    return z.NEVER;
                }
                for (const v of value as string[]) {
                    const why = rule(v);
                    if (why !== undefined) {
                        ctx.addIssue({ code: "custom", message: `item ${JSON.stringify(v)} ${why}` });
                        return z.NEVER;
                    }
                }
                return value as string[];
            }),
        "array",
        description,
    );

/** A JSON array of objects, each checked later as a whole (crossFieldIssues). */
export const objectList = (description: string) =>
    describe(
        z
            .string()
            .default("[]")
            .transform((s, ctx) => {
                const value = jsonOf(s);
                if (!Array.isArray(value) || value.some((v) => v === null || typeof v !== "object" || Array.isArray(v))) {
                    ctx.addIssue({ code: "custom", message: "must be a list of objects (pulumi config set --path 'KEY[0].name' VALUE, or the list in the stack file)" });
                    return z.NEVER;
                }
                return value as Record<string, unknown>[];
            }),
        "array",
        description,
        "object",
    );

export const oneOf = <T extends readonly [string, ...string[]]>(values: T, def: T[number], description: string) =>
    describe(z.enum(values, { error: `must be one of: ${values.join(", ")}` }).default(def as never), "string", description);

export const cpu = (def: string, description: string) =>
    text(def, description, (s) => {
        const v = parseCpu(s);
        return v !== undefined && v > 0 ? undefined : "must be a positive CPU quantity such as 250m, 1 or 1.5";
    });

// Below this a memory quantity is a typo, most often "512m" (0.512 bytes) for "512Mi".
const MIN_MEMORY = 4 * 2 ** 20;
export const memory = (def: string, description: string, noun = "memory") =>
    text(def, description, (s) => {
        const v = parseMemory(s);
        if (v === undefined || v <= 0) {
            return `must be a positive ${noun} quantity such as 512Mi or 2Gi`;
        }
        return v < MIN_MEMORY ? `is below 4Mi; a ${noun} quantity such as 512Mi or 2Gi was meant (the suffix m means 1/1000 byte)` : undefined;
    });

export const regex = (re: RegExp, why: string): Rule => (s) => (re.test(s) ? undefined : why);
