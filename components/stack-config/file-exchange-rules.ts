import * as path from "path";
import { z } from "zod";
import { cronScheduleProblem } from "./cron";

// fileExchangeRules: what the file exchange moves, one rule per flow, in the spirit of the fork's
// minio_helper config (a source, a destination, a pattern, what happens to the source, a
// schedule). Checked here so a bad rule fails the preview, by the rules of whoever reads it:
// Kubernetes (the CronJob's name and schedule), S3 (bucket names) and the mover (paths).

/** The longest rule name: its CronJob is bots-exchange-<name>, and a CronJob name has at most 52 characters. */
export const RULE_NAME_MAX = 52 - "bots-exchange-".length;
const S3_BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** Why a location is unusable, or undefined: s3://bucket/prefix or a relative path inside the Bots environment. */
export function locationProblem(value: string): string | undefined {
    if (value.startsWith("s3://")) {
        const [bucket, ...rest] = value.slice(5).split("/");
        if (!S3_BUCKET.test(bucket) || bucket.includes("..")) {
            return `names bucket "${bucket}": an S3 bucket name is 3-63 lower-case letters, digits, '.' and '-'`;
        }
        return rest.some((p) => p === "." || p === "..") ? "has '.' or '..' in its prefix" : undefined;
    }
    const normal = path.posix.normalize(value);
    if (value === "" || path.posix.isAbsolute(value) || normal === "." || normal.startsWith("..")) {
        return "must be s3://bucket/prefix or a path inside the Bots environment (relative, such as botssys/infile/orders; no leading / or ..)";
    }
    return undefined;
}

const location = z.string({ error: "must be a string: s3://bucket/prefix or a path inside the Bots environment" }).superRefine((s, ctx) => {
    const why = locationProblem(s);
    if (why) {
        ctx.addIssue({ code: "custom", message: `${JSON.stringify(s)} ${why}` });
    }
});
// `pulumi config set --path 'fileExchangeRules[0].maxFiles' 250` stores the string "250".
const count = (def: number, min: number, max: number) =>
    z
        .preprocess(
            (v) => (typeof v === "string" && /^\d+$/.test(v) ? Number(v) : v),
            z
                .number({ error: `must be a whole number from ${min} to ${max}` })
                .int({ error: `must be a whole number from ${min} to ${max}` })
                .min(min, { error: `must be a whole number from ${min} to ${max}` })
                .max(max, { error: `must be a whole number from ${min} to ${max}` }),
        )
        .default(def);

export const ruleSchema = z
    .object({
        name: z
            .string({ error: "is required: a DNS-1123 label naming the rule (its CronJob is bots-exchange-<name>)" })
            .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, { error: "must be a DNS-1123 label (lower-case letters, digits, '-'): it names the rule's CronJob" })
            .max(RULE_NAME_MAX, { error: `must have at most ${RULE_NAME_MAX} characters (the CronJob bots-exchange-<name> has at most 52)` }),
        description: z.string().default(""),
        from: location,
        to: location,
        pattern: z
            .string()
            .regex(/^[^/]+$/, { error: "must be a file-name glob such as *.edi (no '/')" })
            .default("*"),
        afterCopy: z.enum(["delete", "archive", "keep"], { error: "must be delete, archive or keep" }).default("delete"),
        archiveTo: location.optional(),
        schedule: z
            .string()
            .default("*/5 * * * *")
            .superRefine((s, ctx) => {
                const why = cronScheduleProblem(s);
                if (why) {
                    ctx.addIssue({ code: "custom", message: why });
                }
            }),
        minAgeSeconds: count(30, 0, 86400),
        settleSeconds: count(2, 0, 60),
        emptyFiles: z.enum(["skip", "deliver"], { error: "must be skip or deliver" }).default("skip"),
        maxFiles: count(1000, 1, 100000),
    })
    .strict();

export type ExchangeRule = z.output<typeof ruleSchema>;

/** Problems of the whole list (each naming the rule by index and name), or the rules. */
export function parseRules(value: unknown[]): { issues: string[]; rules: ExchangeRule[] } {
    const issues: string[] = [];
    const rules: ExchangeRule[] = [];
    value.forEach((raw, i) => {
        const label = `rule ${i}${raw && typeof raw === "object" && "name" in raw ? ` (${JSON.stringify((raw as { name: unknown }).name)})` : ""}`;
        const parsed = ruleSchema.safeParse(raw);
        if (!parsed.success) {
            for (const issue of parsed.error.issues) {
                if (issue.code === "unrecognized_keys") {
                    issues.push(`${label}: unknown field ${issue.keys.map((k) => `"${k}"`).join(", ")}; fields: ${Object.keys(ruleSchema.shape).join(", ")}`);
                } else {
                    issues.push(`${label}: ${issue.path.join(".") || "rule"} ${issue.message}`);
                }
            }
            return;
        }
        const r = parsed.data;
        if (r.from === r.to) {
            issues.push(`${label}: from and to are the same location`);
        }
        if (r.afterCopy === "archive" && !r.archiveTo) {
            issues.push(`${label}: archiveTo is required when afterCopy is archive: where the source is moved after the copy`);
        }
        if (r.afterCopy !== "archive" && r.archiveTo) {
            issues.push(`${label}: archiveTo is set but afterCopy is ${r.afterCopy}; set afterCopy to archive or remove archiveTo`);
        }
        if (r.archiveTo && (r.archiveTo === r.from || r.archiveTo === r.to)) {
            issues.push(`${label}: archiveTo must differ from from and to`);
        }
        if (rules.some((o) => o.name === r.name)) {
            issues.push(`${label}: another rule is named "${r.name}"; names must be unique`);
        }
        rules.push(r);
    });
    return { issues, rules };
}

/** Whether a location is in S3. */
export const isS3 = (loc: string): boolean => loc.startsWith("s3://");
