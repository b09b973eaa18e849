// Validates schedules the way Kubernetes parses them: the API server and the CronJob controller use
// robfig/cron's standard parser (five fields, month and weekday names, "?" for day fields, the @
// descriptors incl. "@every <duration>"), and refuse TZ= inside the schedule (timeZone is a field of
// its own). robfig accepts steps larger than the range they step through (*/61 runs hourly); those
// are refused here as the typos they are.

const DESCRIPTORS = new Set(["@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"]);
const MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
const DAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];
// Go's time.ParseDuration units.
const GO_DURATION = /^(\d+(\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)((\d+(\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h))*$/;

interface FieldRule {
    name: string;
    min: number;
    max: number;
    names?: string[];
    namesStart?: number;
    /** "?" stands for "*" (day-of-month and day-of-week only). */
    question?: boolean;
}

const FIELDS: FieldRule[] = [
    { name: "minute", min: 0, max: 59 },
    { name: "hour", min: 0, max: 23 },
    { name: "day-of-month", min: 1, max: 31, question: true },
    { name: "month", min: 1, max: 12, names: MONTHS, namesStart: 1 },
    { name: "day-of-week", min: 0, max: 6, names: DAYS, namesStart: 0, question: true },
];

function value(token: string, rule: FieldRule): number | undefined {
    if (/^\d+$/.test(token)) {
        return Number(token);
    }
    const i = rule.names?.indexOf(token.toLowerCase()) ?? -1;
    return i >= 0 ? i + (rule.namesStart ?? 0) : undefined;
}

function partProblem(part: string, rule: FieldRule): string | undefined {
    const [range, step, ...rest] = part.split("/");
    const where = `${rule.name} "${part}"`;
    if (rest.length > 0 || (step !== undefined && !/^\d+$/.test(step))) {
        return `${where}: a step is one number after a single '/'`;
    }
    if (step !== undefined && Number(step) === 0) {
        return `${where}: a step must be at least 1`;
    }
    let lo: number;
    let hi: number;
    if (range === "*" || (range === "?" && rule.question)) {
        [lo, hi] = [rule.min, rule.max];
    } else {
        const bounds = range.split("-");
        const nums = bounds.map((b) => value(b, rule));
        if (bounds.length > 2 || nums.some((n) => n === undefined)) {
            return `${where}: not a number, range or name`;
        }
        if (nums.some((n) => n! < rule.min || n! > rule.max)) {
            return `${where}: outside ${rule.min}-${rule.max}`;
        }
        lo = nums[0]!;
        // "N/step" steps from N to the field's end.
        hi = nums.length === 2 ? nums[1]! : step !== undefined ? rule.max : lo;
        if (lo > hi) {
            return `${where}: the range runs backwards`;
        }
    }
    if (step !== undefined && Number(step) > hi - lo) {
        return `${where}: step ${step} is larger than the range ${lo}-${hi} it steps through, so it would fire only at ${lo}`;
    }
    return undefined;
}

/** Why the schedule is not one Kubernetes runs as written, or undefined when it is. */
export function cronScheduleProblem(schedule: string): string | undefined {
    const s = schedule.trim();
    if (/^(CRON_)?TZ=/.test(s)) {
        return "must not set TZ= inside the schedule; the time zone has its own key";
    }
    if (DESCRIPTORS.has(s)) {
        return undefined;
    }
    if (s.startsWith("@every ")) {
        return GO_DURATION.test(s.slice(7).trim()) ? undefined : "@every takes a duration such as 90m or 1h30m";
    }
    const fields = s.split(/\s+/);
    if (fields.length !== FIELDS.length) {
        return `has ${fields.length} field(s); must be a 5-field cron schedule (minute hour day-of-month month day-of-week) or @hourly/@daily/@weekly/@monthly/@yearly/@every <duration>`;
    }
    for (let i = 0; i < FIELDS.length; i++) {
        for (const part of fields[i].split(",")) {
            const why = partProblem(part, FIELDS[i]);
            if (why) {
                return `${why}; must be a 5-field cron schedule (minute hour day-of-month month day-of-week) or @hourly/@daily/...`;
            }
        }
    }
    return undefined;
}

const DESCRIPTOR_FIELDS: Record<string, string> = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
};
const GO_UNIT_SECONDS: Record<string, number> = { ns: 1e-9, us: 1e-6, µs: 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600 };

/** The values a field part of a valid schedule selects. */
function expand(field: string, rule: FieldRule): Set<number> {
    const out = new Set<number>();
    for (const part of field.split(",")) {
        const [range, step] = part.split("/");
        let lo = rule.min;
        let hi = rule.max;
        if (range !== "*" && range !== "?") {
            const bounds = range.split("-").map((b) => value(b, rule)!);
            lo = bounds[0];
            hi = bounds.length === 2 ? bounds[1] : step !== undefined ? rule.max : lo;
        }
        for (let v = lo; v <= hi; v += step !== undefined ? Number(step) : 1) {
            out.add(v);
        }
    }
    return out;
}

/**
 * The longest time between two runs of a valid schedule, in seconds: the engine's "period" when
 * its runs are irregular (weekdays only, office hours). Read in UTC, so a daylight-saving change
 * of the schedule's time zone is not counted.
 */
export function longestGapSeconds(schedule: string): number {
    const s = schedule.trim();
    if (s.startsWith("@every ")) {
        const parts = [...s.slice(7).trim().matchAll(/(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/g)];
        return Math.max(1, parts.reduce((sum, m) => sum + Number(m[1]) * GO_UNIT_SECONDS[m[2]], 0));
    }
    const fields = (DESCRIPTOR_FIELDS[s] ?? s).split(/\s+/);
    const [minutes, hours, doms, months, dows] = FIELDS.map((rule, i) => expand(fields[i], rule));
    const star = (f: string) => f.startsWith("*") || f.startsWith("?");
    // robfig/cron: when day-of-month and day-of-week are both restricted, either one matches.
    const either = !star(fields[2]) && !star(fields[4]);
    const times = [...hours].flatMap((h) => [...minutes].map((m) => h * 60 + m)).sort((a, b) => a - b);
    // A weekly pattern repeats within two weeks; one that names days of the month or months within
    // eight years (leap days).
    const days = star(fields[2]) && star(fields[3]) ? 15 : 8 * 366;
    const start = Date.UTC(2025, 0, 6);
    let previous: number | undefined;
    let longest = 0;
    for (let d = 0; d < days; d++) {
        const date = new Date(start + d * 86_400_000);
        const dom = doms.has(date.getUTCDate());
        const dow = dows.has(date.getUTCDay());
        if (!months.has(date.getUTCMonth() + 1) || !(either ? dom || dow : dom && dow)) {
            continue;
        }
        for (const t of times) {
            const at = d * 1440 + t;
            if (previous !== undefined) {
                longest = Math.max(longest, at - previous);
            }
            previous = at;
        }
    }
    return (longest || days * 1440) * 60;
}
